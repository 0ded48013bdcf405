// Progress of a long copy (a bundle written or opened), in bytes, with an estimate of the time
// left once there is enough to go on: what the app's bar and the CLI print.

export type OnProgress = (done: number, total: number, message: string) => void;

export function megabytes(bytes: number): string {
  if (bytes < 1e6) return `${Math.max(0, Math.round(bytes / 1e3)).toLocaleString('en')} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
  return `${(bytes / 1e9).toFixed(bytes < 1e10 ? 2 : 1)} GB`;
}

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds / 5) * 5)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  const h = Math.floor(seconds / 3600);
  return `${h} h ${Math.round((seconds - h * 3600) / 60)} min`;
}

/** Reports progress at most every 100 ms (and at the end), with "about N left" after the first second. */
export class ByteProgress {
  private done = 0;
  private last = 0;
  private readonly started = performance.now();

  constructor(
    private readonly total: number,
    private readonly verb: string,
    private readonly report: OnProgress | undefined,
  ) {}

  add(n: number, what: string): void {
    this.done += n;
    const now = performance.now();
    if (now - this.last < 100 && this.done < this.total) return;
    this.last = now;
    this.say(what);
  }

  say(what: string): void {
    if (!this.report) return;
    const elapsed = (performance.now() - this.started) / 1000;
    const eta = elapsed > 1 && this.done > 0 && this.done < this.total ? ` · about ${duration((elapsed * (this.total - this.done)) / this.done)} left` : '';
    this.report(this.done, this.total, `${this.verb} ${what}: ${megabytes(this.done)} of ${megabytes(this.total)}${eta}`);
  }
}
