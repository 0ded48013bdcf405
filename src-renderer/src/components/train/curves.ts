// A run's loss history as the columns uPlot draws, kept sorted by step and free of
// duplicates while stored history (runs:get) and live `job:progress` points merge.
// GANs fill lossD/lossG, a VAE fills recon/kl; a missing value stays null (a gap).
export type Metric = 'lossD' | 'lossG' | 'recon' | 'kl';

/** Steps, then one column of values (null = no value at that step) per curve: what the chart draws. */
export type Columns = [number[], ...(number | null)[][]];

export interface CurvePoint {
  step: number;
  lossD?: number | null;
  lossG?: number | null;
  recon?: number | null;
  kl?: number | null;
}

const metrics: Metric[] = ['lossD', 'lossG', 'recon', 'kl'];

function finite(v: number | null | undefined): number | null {
  return v != null && Number.isFinite(v) ? v : null;
}

export class RunCurve {
  steps: number[] = [];
  values: Record<Metric, (number | null)[]> = { lossD: [], lossG: [], recon: [], kl: [] };

  get length(): number {
    return this.steps.length;
  }

  /** Whether any point carries this metric. */
  has(metric: Metric): boolean {
    return this.values[metric].some((v) => v !== null);
  }

  /** Add a point; a point for a step already present fills in what it has. Returns whether anything changed. */
  push(p: CurvePoint): boolean {
    const row = metrics.map((m) => finite(p[m]));
    if (row.every((v) => v === null)) return false;
    const n = this.steps.length;
    let at = n;
    if (n > 0 && p.step <= this.steps[n - 1]!) {
      // Out of order (history arriving after live points): binary search the slot.
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.steps[mid]! < p.step) lo = mid + 1;
        else hi = mid;
      }
      at = lo;
      if (this.steps[at] === p.step) {
        metrics.forEach((m, i) => {
          if (row[i] !== null) this.values[m][at] = row[i]!;
        });
        return true;
      }
    }
    this.steps.splice(at, 0, p.step);
    metrics.forEach((m, i) => this.values[m].splice(at, 0, row[i]!));
    return true;
  }

  /** The columns of some metrics of this run. */
  columns(which: readonly Metric[]): Columns {
    return [this.steps, ...which.map((m) => this.values[m])];
  }
}

/** One metric of several runs on one shared step axis (steps one run lacks are gaps). */
export function joinCurves(curves: readonly RunCurve[], metric: Metric): Columns {
  const all = new Set<number>();
  for (const c of curves) for (const s of c.steps) all.add(s);
  const steps = [...all].sort((a, b) => a - b);
  const index = new Map(steps.map((s, i) => [s, i]));
  const columns = curves.map((c) => {
    const column: (number | null)[] = new Array<number | null>(steps.length).fill(null);
    c.steps.forEach((s, i) => (column[index.get(s)!] = c.values[metric][i] ?? null));
    return column;
  });
  return [steps, ...columns];
}

/** An exponential moving average that skips gaps, like TensorBoard's smoothing slider. */
export function smooth(column: readonly (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return [...column];
  let debias = 0;
  let raw = 0;
  return column.map((v) => {
    if (v == null) return null;
    raw = raw * weight + (1 - weight) * v;
    debias = debias * weight + (1 - weight);
    return raw / debias;
  });
}

/** Every value column smoothed; the steps stay. */
export function smoothColumns([steps, ...values]: Columns, weight: number): Columns {
  return [steps, ...values.map((c) => smooth(c, weight))];
}

/** The step of `steps` (sorted ascending) nearest to `value`; null when there are none. Ties go to the earlier step. */
export function nearestStep(steps: readonly number[], value: number): number | null {
  if (steps.length === 0) return null;
  let lo = 0;
  let hi = steps.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  const after = steps[lo]!;
  const before = lo > 0 ? steps[lo - 1]! : after;
  return value - before <= after - value ? before : after;
}

/** The step `by` places from `current` in `steps` (sorted), clamped to the ends; from nothing, the last. */
export function stepFrom(steps: readonly number[], current: number | null, by: number): number | null {
  if (steps.length === 0) return null;
  const at = current === null ? steps.length - 1 : Math.max(0, steps.indexOf(nearestStep(steps, current)!));
  return steps[Math.max(0, Math.min(steps.length - 1, at + by))]!;
}
