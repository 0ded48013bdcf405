// An image's quality measures (from `assets:get`) as rows a designer can read.

export interface MeasureRow {
  label: string;
  value: string;
  hint: string;
}

const pct = (v: number) => `${Math.round(v * 100)}%`;

const known: Record<string, (v: number) => Omit<MeasureRow, 'value'> & { value: string }> = {
  meanLuma: (v) => ({ label: 'Brightness', value: pct(v / 255), hint: 'Average lightness, from black (0%) to white (100%).' }),
  stdLuma: (v) => ({ label: 'Contrast', value: pct(v / 128), hint: 'How much lightness varies across the image.' }),
  saturation: (v) => ({ label: 'Colourfulness', value: pct(v), hint: 'How far colours are from gray, on average.' }),
  laplacianVariance: (v) => ({
    label: 'Sharpness',
    value: v >= 100 ? String(Math.round(v)) : v.toFixed(1),
    hint: 'Strength of fine edges; low values look soft or blurry.',
  }),
  edgeSharpness: (v) => ({
    label: 'Sharpness',
    value: v.toFixed(2),
    hint: 'How crisp the edges are, whatever their contrast: about 1 ÷ edge width in pixels. Below 0.5 looks blurry.',
  }),
  blankFraction: (v) => ({ label: 'Flat area', value: pct(v), hint: 'Share of pixels in the single most common colour.' }),
  aspect: (v) => ({ label: 'Aspect', value: v >= 1 ? `${v.toFixed(2)} : 1` : `1 : ${(1 / v).toFixed(2)}`, hint: 'Width to height.' }),
};

/** The measures worth showing, in a stable order; width and height are shown elsewhere. */
export function measureRows(quality: Record<string, number> | null): MeasureRow[] {
  if (!quality) return [];
  // Images measured since edgeSharpness existed show it as their sharpness; older ones the Laplacian.
  const sharpness = typeof quality.edgeSharpness === 'number' ? 'edgeSharpness' : 'laplacianVariance';
  const order = ['meanLuma', 'stdLuma', 'saturation', sharpness, 'blankFraction', 'aspect'];
  const rows: MeasureRow[] = [];
  for (const key of order) {
    const v = quality[key];
    if (typeof v === 'number' && Number.isFinite(v)) rows.push(known[key]!(v));
  }
  return rows;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

export const splitNames = { train: 'Train', val: 'Validation', test: 'Test' } as const;
