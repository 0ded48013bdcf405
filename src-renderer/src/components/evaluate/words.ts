// How the Evaluate screen writes its numbers. Scores are Atelier's own (docs/evaluation.md): every
// place a KID or FID shows says "Atelier KID" / "Atelier FID", and the caveat below stays visible.

export const CAVEAT = 'Scores are measured on Atelier’s own image embedding (MobileNetV2): comparable between runs in Atelier, not with published FID numbers.';

/** A score with three significant digits (KID is often 0.0x, FID tens). */
export function formatScore(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  if (a === 0) return '0';
  return v.toFixed(Math.min(5, 2 - Math.floor(Math.log10(a))));
}

/** KID with its standard error, both to the decimal the error allows (two significant digits of it). */
export function formatKid(kid: number, stderr: number): string {
  if (!Number.isFinite(kid)) return '—';
  if (!(stderr > 0) || !Number.isFinite(stderr)) return formatScore(kid);
  const decimals = Math.max(1, Math.min(5, 1 - Math.floor(Math.log10(stderr))));
  return `${kid.toFixed(decimals)} ± ${stderr.toFixed(decimals)}`;
}

/** A share (0–1) as a whole percentage. */
export function formatShare(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '—';
  return `${Math.round(v * 100)}%`;
}

/** A 0–1 quantity with two decimals (precision, recall, diversity). */
export function formatRatio(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '—';
  return v.toFixed(2);
}

/** A distance between images (feature or pixel), three significant digits. */
export function formatDistance(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '—';
  return v >= 10 ? v.toFixed(1) : v.toPrecision(3);
}

export const splitWords = { val: 'validation', test: 'test (locked)', train: 'training images', all: 'all images' } as const;

/** One distance of a copy check against its threshold, in words: "0.412 · a copy is under 0.210". */
export function distanceAgainst(distance: number | null, threshold: number): string {
  if (distance === null) return 'not compared';
  return `${formatDistance(distance)} · a copy is under ${formatDistance(threshold)}`;
}

/** Why a checked image is, or is not, a possible copy (the same rule as an evaluation's copy alarm); a copy's words follow its badge. */
export function copyVerdict(check: {
  featureDistance: number | null;
  pixelDistance: number;
  possibleCopy: boolean;
  threshold: { feature: number; pixel: number };
}): string {
  if (!check.possibleCopy) return 'Not a copy: farther from every training image than held-back real images are.';
  const byFeatures = check.featureDistance !== null && check.featureDistance < check.threshold.feature;
  const byPixels = check.pixelDistance < check.threshold.pixel;
  const what = byFeatures && byPixels ? 'in features and in pixels' : byPixels ? 'in pixels' : 'in features';
  return `Closer ${what} to a training image than held-back real images ever are.`;
}
