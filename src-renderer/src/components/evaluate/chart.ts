// Geometry for the Evaluate charts (drawn as SVG, small enough not to need uPlot): a domain with
// room around the data, round-numbered ticks, linear scales, and the paths of a line and of a
// ±standard-error band. Pure, so the spec beside it checks the numbers.

export type Range = [number, number];

/** 1, 2 or 5 times a power of ten, at least `raw`'s size: the step between ticks. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

/** Round-numbered ticks inside [min, max], about `count` of them; `integer` keeps them whole (steps). */
export function niceTicks([min, max]: Range, count = 4, integer = false): number[] {
  if (!(max > min)) return [min];
  let step = niceStep((max - min) / count);
  if (integer) step = Math.max(1, Math.round(step));
  const out: number[] = [];
  const first = Math.ceil(min / step - 1e-9) * step;
  for (let v = first; v <= max + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}

/** Decimals a tick label needs at this tick step. */
export function tickDecimals(ticks: readonly number[]): number {
  if (ticks.length < 2) return 2;
  const step = Math.abs(ticks[1]! - ticks[0]!);
  return Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
}

/**
 * The span of the values with a margin (`pad` of the span each side), widened to `include`
 * (e.g. 0–1 for shares); a single value gets a span around it.
 */
export function domainOf(values: readonly number[], include?: Range, pad = 0.08): Range {
  const finite = values.filter(Number.isFinite);
  let lo = Math.min(...finite, ...(include ? [include[0]] : []));
  let hi = Math.max(...finite, ...(include ? [include[1]] : []));
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return include ?? [0, 1];
  if (hi === lo) {
    const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    return [lo - d, hi + d];
  }
  const margin = (hi - lo) * pad;
  if (!include || lo < include[0]) lo -= margin;
  if (!include || hi > include[1]) hi += margin;
  return [lo, hi];
}

/** A linear map from a domain onto pixels (a reversed range draws upwards). */
export function scale([d0, d1]: Range, [r0, r1]: Range): (v: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

const px = (v: number) => Math.round(v * 10) / 10;

/** An SVG path through points (already in pixels), in order. */
export function linePath(points: readonly { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p.x)},${px(p.y)}`).join('');
}

/** The closed outline of a band between `lo` and `hi` along x (pixels): along the top, back along the bottom. */
export function bandPath(points: readonly { x: number; lo: number; hi: number }[]): string {
  if (points.length === 0) return '';
  const top = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p.x)},${px(p.hi)}`);
  const bottom = [...points].reverse().map((p) => `L${px(p.x)},${px(p.lo)}`);
  return `${top.join('')}${bottom.join('')}Z`;
}

/**
 * One point per x for the line and band, in x order: where several evaluations share a step, the
 * last filled one (asked for, more samples) wins over hollow ones (scored during training).
 */
export function onePerX<P extends { x: number; hollow?: boolean }>(points: readonly P[]): P[] {
  const byX = new Map<number, P>();
  for (const p of points) {
    const held = byX.get(p.x);
    if (!held || !p.hollow || held.hollow) byX.set(p.x, p);
  }
  return [...byX.values()].sort((a, b) => a.x - b.x);
}
