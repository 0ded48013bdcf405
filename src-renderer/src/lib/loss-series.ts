// Loss history as the three columns uPlot draws (step, D loss, G loss), kept
// sorted by step and free of duplicates as live events and stored history merge.

export interface LossPointLike {
  step: number;
  lossD: number;
  lossG: number;
}

export class LossSeries {
  steps: number[] = [];
  lossD: number[] = [];
  lossG: number[] = [];

  static from(points: readonly LossPointLike[]): LossSeries {
    const series = new LossSeries();
    for (const p of points) series.push(p);
    return series;
  }

  get length(): number {
    return this.steps.length;
  }

  /** Add a point; a point for a step already present replaces it. Returns whether anything changed. */
  push(p: LossPointLike): boolean {
    if (!Number.isFinite(p.lossD) || !Number.isFinite(p.lossG)) return false;
    const n = this.steps.length;
    const lastStep = n > 0 ? this.steps[n - 1]! : -Infinity;
    if (p.step > lastStep) {
      this.steps.push(p.step);
      this.lossD.push(p.lossD);
      this.lossG.push(p.lossG);
      return true;
    }
    // Out of order (history arriving after live points): binary search the slot.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.steps[mid]! < p.step) lo = mid + 1;
      else hi = mid;
    }
    if (this.steps[lo] === p.step) {
      this.lossD[lo] = p.lossD;
      this.lossG[lo] = p.lossG;
    } else {
      this.steps.splice(lo, 0, p.step);
      this.lossD.splice(lo, 0, p.lossD);
      this.lossG.splice(lo, 0, p.lossG);
    }
    return true;
  }

  /** The columns as uPlot's AlignedData. */
  columns(): [number[], number[], number[]] {
    return [this.steps, this.lossD, this.lossG];
  }
}
