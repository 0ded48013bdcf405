// Numbers a person reads in the studio: durations, rates, counts.

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatRate(imgPerSec: number | null | undefined): string {
  if (imgPerSec == null || !Number.isFinite(imgPerSec)) return '—';
  return `${imgPerSec >= 100 ? Math.round(imgPerSec) : imgPerSec.toFixed(1)} img/s`;
}

export function formatPercent(fraction: number): string {
  return `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
}

/** A timestamp from the engine as a short local date and time. */
export function formatWhen(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export interface ProgressSample {
  /** Milliseconds, any monotonic clock. */
  time: number;
  step: number;
}

/**
 * Seconds left, from the pace observed since the job's first report; null until
 * the job has moved. Falls back to img/s when only one report has arrived.
 */
export function estimateSecondsLeft(
  first: ProgressSample,
  latest: ProgressSample,
  total: number,
  fallback?: { imgPerSec?: number; batchSize?: number },
): number | null {
  const remaining = Math.max(0, total - latest.step);
  if (remaining === 0) return 0;
  const steps = latest.step - first.step;
  const ms = latest.time - first.time;
  if (steps > 0 && ms > 0) return (remaining * ms) / steps / 1000;
  if (fallback?.imgPerSec && fallback.batchSize) return (remaining * fallback.batchSize) / fallback.imgPerSec;
  return null;
}
