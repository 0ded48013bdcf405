// Small line charts as inline SVG for the model card: no script, no fonts or files to fetch,
// so the card stays one file that prints the same everywhere.

export interface Series {
  label: string;
  colour: string;
  points: { x: number; y: number; err?: number }[];
  /** Draw the raw points faintly and a moving average over them (noisy training losses). */
  smooth?: boolean;
}

const W = 640;
const H = 220;
const PAD = { left: 56, right: 16, top: 30, bottom: 34 };

/** A chart of one or more series over steps, with an optional marked step; every label is escaped by the caller's `esc`. */
export function lineChart(
  title: string,
  series: Series[],
  esc: (s: string) => string,
  options: { xLabel?: string; marker?: { x: number; label: string } } = {},
): string {
  const xLabel = options.xLabel ?? 'step';
  const all = series.flatMap((s) => s.points.filter((p) => Number.isFinite(p.y)));
  if (all.length === 0) return '';
  const xs = all.map((p) => p.x);
  const lows = all.map((p) => p.y - (p.err ?? 0));
  const highs = all.map((p) => p.y + (p.err ?? 0));
  const [x0, x1] = spread(Math.min(...xs), Math.max(...xs));
  const [y0, y1] = spread(Math.min(...lows), Math.max(...highs));
  const yTicks = ticks(y0, y1, 5);
  const xTicks = ticks(x0, x1, 6);
  const lo = Math.min(y0, yTicks[0] ?? y0);
  const hi = Math.max(y1, yTicks.at(-1) ?? y1);
  const px = (x: number) => PAD.left + ((x - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const py = (y: number) => PAD.top + (1 - (y - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
  const path = (pts: { x: number; y: number }[]) => pts.map((p, i) => `${i ? 'L' : 'M'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join('');
  const grid = yTicks
    .map((t) => {
      const y = py(t).toFixed(1);
      return `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}" class="grid"/><text x="${PAD.left - 6}" y="${y}" dy="0.32em" text-anchor="end">${fmtTick(t)}</text>`;
    })
    .join('');
  const xAxis = xTicks
    .filter((t) => t >= x0 && t <= x1)
    .map((t) => `<text x="${px(t).toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${fmtTick(t)}</text>`)
    .join('');
  const lines = series
    .map((s) => {
      const pts = s.points.filter((p) => Number.isFinite(p.y));
      if (pts.length === 0) return '';
      const bars = pts
        .filter((p) => p.err !== undefined && p.err > 0)
        .map(
          (p) =>
            `<line x1="${px(p.x).toFixed(1)}" x2="${px(p.x).toFixed(1)}" y1="${py(p.y - p.err!).toFixed(1)}" y2="${py(p.y + p.err!).toFixed(1)}" stroke="${s.colour}" stroke-width="1"/>`,
        )
        .join('');
      const dots =
        pts.length <= 40 ? pts.map((p) => `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="2.4" fill="${s.colour}"/>`).join('') : '';
      if (s.smooth && pts.length > 8) {
        return `<path d="${path(pts)}" fill="none" stroke="${s.colour}" stroke-opacity="0.22" stroke-width="1"/><path d="${path(movingAverage(pts))}" fill="none" stroke="${s.colour}" stroke-width="1.8"/>`;
      }
      return `${bars}<path d="${path(pts)}" fill="none" stroke="${s.colour}" stroke-width="1.8"/>${dots}`;
    })
    .join('');
  const legend = series
    .map((s, i) => {
      const x = PAD.left + 8 + i * 150;
      // Above the plot, so no line runs under a label.
      return `<rect x="${x}" y="${PAD.top - 17}" width="14" height="3" fill="${s.colour}"/><text x="${x + 20}" y="${PAD.top - 15.5}" dy="0.32em">${esc(s.label)}</text>`;
    })
    .join('');
  const m = options.marker;
  const marker =
    m && m.x >= x0 && m.x <= x1
      ? `<line x1="${px(m.x).toFixed(1)}" x2="${px(m.x).toFixed(1)}" y1="${PAD.top}" y2="${H - PAD.bottom}" class="marker"/><text x="${(px(m.x) - 4).toFixed(1)}" y="${H - PAD.bottom - 6}" text-anchor="end" class="axis">${esc(m.label)}</text>`
      : '';
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}" xmlns="http://www.w3.org/2000/svg">
<rect x="${PAD.left}" y="${PAD.top}" width="${W - PAD.left - PAD.right}" height="${H - PAD.top - PAD.bottom}" class="plot"/>
${grid}${xAxis}${marker}${lines}${legend}
<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 4}" text-anchor="middle" class="axis">${esc(xLabel)}</text>
</svg>`;
}

/** Keeps at most `max` points, evenly spaced, always the last (a card needs the shape, not every step). */
export function thin<T>(points: T[], max = 400): T[] {
  if (points.length <= max) return points;
  const stride = points.length / max;
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(points[Math.floor(i * stride)]!);
  out[out.length - 1] = points.at(-1)!;
  return out;
}

/** Centred moving average over about a twentieth of the points: the trend through GAN noise. */
function movingAverage(points: { x: number; y: number }[]): { x: number; y: number }[] {
  const half = Math.max(1, Math.round(points.length / 40));
  return points.map((p, i) => {
    const from = Math.max(0, i - half);
    const to = Math.min(points.length, i + half + 1);
    let sum = 0;
    for (let j = from; j < to; j++) sum += points[j]!.y;
    return { x: p.x, y: sum / (to - from) };
  });
}

/** A range that is never empty, with a little air above and below. */
function spread(a: number, b: number): [number, number] {
  if (a === b) return [a - (Math.abs(a) || 1) * 0.1, b + (Math.abs(b) || 1) * 0.1];
  return [a, b];
}

/** Round tick values (1, 2, 5 × 10ⁿ) covering [a, b]. */
function ticks(a: number, b: number, n: number): number[] {
  const raw = (b - a) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => raw <= s) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.floor(a / step) * step; t <= b + step * 0.5; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

function fmtTick(t: number): string {
  if (t === 0) return '0';
  const abs = Math.abs(t);
  if (abs >= 1000) return t.toLocaleString('en', { maximumFractionDigits: 0 });
  if (abs >= 1) return String(Number(t.toFixed(2)));
  return String(Number(t.toPrecision(3)));
}
