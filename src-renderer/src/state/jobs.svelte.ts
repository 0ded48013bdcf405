// The jobs running in the engine, as `job:progress` / `job:finished` events report
// them. The status bar and the Train and Generate screens all read from here.
import type { JobFinishedT, JobProgressT } from '../../../src-preload/contract';
import { api } from '../lib/api';
import { estimateSecondsLeft, type ProgressSample } from '../lib/format';

export type JobKind = JobProgressT['kind'];

export interface ActiveJob {
  jobId: string;
  kind: JobKind;
  runId: number | null;
  step: number;
  total: number;
  fraction: number;
  message: string;
  lossD?: number;
  lossG?: number;
  imgPerSec?: number;
  first: ProgressSample;
  latest: ProgressSample;
}

export class Jobs {
  active = $state<ActiveJob[]>([]);
  /** The last job of each kind that ended in this session. */
  finished = $state<Partial<Record<JobKind, JobFinishedT>>>({});
  private progressListeners = new Set<(p: JobProgressT) => void>();
  private finishedListeners = new Set<(f: JobFinishedT) => void>();
  private stop: (() => void)[] = [];

  /** Listen to the engine and pick up jobs that were already running (e.g. after a reload). */
  async connect(): Promise<void> {
    this.disconnect();
    this.active = [];
    this.finished = {};
    this.stop.push(api.on('job:progress', (p) => this.progress(p)));
    this.stop.push(api.on('job:finished', (f) => this.finish(f)));
    const jobs = await api.jobs.list();
    const now = performance.now();
    for (const job of jobs) {
      if (job.status !== 'running' || this.active.some((a) => a.jobId === job.id)) continue;
      this.active.push({
        jobId: job.id,
        kind: job.kind,
        runId: job.runId,
        step: 0,
        total: 0,
        fraction: job.fraction,
        message: job.message,
        first: { time: now, step: 0 },
        latest: { time: now, step: 0 },
      });
    }
  }

  disconnect(): void {
    for (const stop of this.stop) stop();
    this.stop = [];
  }

  running(kind: JobKind): ActiveJob | undefined {
    return this.active.find((j) => j.kind === kind);
  }

  /** Seconds until a job is done at its current pace, or null while unknown. */
  secondsLeft(job: ActiveJob, batchSize?: number): number | null {
    return estimateSecondsLeft(job.first, job.latest, job.total, { imgPerSec: job.imgPerSec, batchSize });
  }

  onProgress(listener: (p: JobProgressT) => void): () => void {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  onFinished(listener: (f: JobFinishedT) => void): () => void {
    this.finishedListeners.add(listener);
    return () => this.finishedListeners.delete(listener);
  }

  /** A job this window just started: show it at once, before its first progress event. */
  started(jobId: string, kind: JobKind, runId: number | null, total: number): void {
    if (this.active.some((j) => j.jobId === jobId)) return;
    const now = performance.now();
    this.active.push({
      jobId,
      kind,
      runId,
      step: 0,
      total,
      fraction: 0,
      message: 'Starting…',
      first: { time: now, step: 0 },
      latest: { time: now, step: 0 },
    });
  }

  private progress(p: JobProgressT): void {
    const now = performance.now();
    const job = this.active.find((j) => j.jobId === p.jobId);
    if (!job) {
      this.active.push({ ...p, first: { time: now, step: p.step }, latest: { time: now, step: p.step } });
    } else {
      // The pace is measured from the first report that shows movement, so start-up time does not skew the ETA.
      if (job.first.step === 0 && job.latest.step === 0 && p.step > 0) job.first = { time: now, step: p.step };
      Object.assign(job, p, { latest: { time: now, step: p.step } });
    }
    for (const l of this.progressListeners) l(p);
  }

  private finish(f: JobFinishedT): void {
    this.active = this.active.filter((j) => j.jobId !== f.jobId);
    this.finished = { ...this.finished, [f.kind]: f };
    for (const l of this.finishedListeners) l(f);
  }
}

export const jobs = new Jobs();
