// Jobs the engine has started in separate processes: their progress, their end,
// and cancelling them (a kill: the job process never writes the database).
import { randomUUID } from 'node:crypto';
import { fork } from 'node:child_process';
import type { JobKind, JobStatus } from '../../src-preload/contract';
import type { z } from 'zod';
import type { RunJobs } from '../training/queue';
import type { EvaluationJobs } from '../evaluation/service';
import type { PreferenceJobs } from '../feedback/service';
import {
  evaluationMessage,
  preferenceMessage,
  trainMessage,
  type JobChannel,
  type JobControl,
  type JobMessage,
  type JobRequest,
  type LaunchJob,
} from './job-protocol';
import type { ErrorPayloadT } from '../../src-preload/contract';

export interface JobRecord {
  id: string;
  kind: z.output<typeof JobKind>;
  status: z.output<typeof JobStatus>;
  runId: number | null;
  fraction: number;
  message: string;
  startedAt: string;
}

export interface JobHandlers {
  onMessage(message: JobMessage, job: JobRecord): void;
  onFinish(job: JobRecord, error?: ErrorPayloadT): void;
}

/** A job that runs inside the engine (import): cancelled through its own signal. */
export interface LocalJob {
  record: JobRecord;
  signal: AbortSignal;
  progress(fraction: number, message: string): void;
  finish(status: 'done' | 'cancelled' | 'failed'): void;
}

export class JobManager {
  private readonly jobs = new Map<string, { record: JobRecord; channel: Pick<JobChannel, 'kill'> & Partial<Pick<JobChannel, 'send'>> }>();

  /** Registers work done in this process so it can be listed and cancelled like any job. */
  track(kind: JobRecord['kind']): LocalJob {
    const record: JobRecord = { id: randomUUID(), kind, status: 'running', runId: null, fraction: 0, message: 'Starting', startedAt: new Date().toISOString() };
    const controller = new AbortController();
    this.jobs.set(record.id, { record, channel: { kill: () => controller.abort() } });
    return {
      record,
      signal: controller.signal,
      progress(fraction, message) {
        record.fraction = fraction;
        record.message = message;
      },
      finish(status) {
        record.status = status;
        if (status === 'done') record.fraction = 1;
      },
    };
  }

  constructor(private readonly launch: LaunchJob) {}

  start(kind: JobRecord['kind'], runId: number | null, request: JobRequest, handlers: JobHandlers): JobRecord {
    const record: JobRecord = {
      id: randomUUID(),
      kind,
      status: 'running',
      runId,
      fraction: 0,
      message: 'Starting',
      startedAt: new Date().toISOString(),
    };
    const channel = this.launch();
    this.jobs.set(record.id, { record, channel });
    let error: ErrorPayloadT | undefined;
    let finished = false;
    const finish = (status: JobRecord['status']) => {
      if (finished) return;
      finished = true;
      record.status = status;
      if (status === 'done') record.fraction = 1;
      handlers.onFinish(record, error);
    };
    channel.onMessage((message) => {
      if (finished) return;
      if (message.type === 'progress') {
        record.fraction = message.total > 0 ? Math.min(1, message.step / message.total) : 0;
        record.message = message.message;
      } else if (message.type === 'error') {
        error = message.error;
        record.message = message.error.message;
      }
      handlers.onMessage(message, record);
      if (message.type === 'done') finish('done');
      if (message.type === 'error') finish('failed');
    });
    channel.onExit((code, signal) => {
      if (finished) return;
      if (record.status === 'cancelled') return finish('cancelled');
      error ??= {
        code: 'job-crashed',
        message: `The ${kind} job stopped unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}). The project is unharmed; the last checkpoint is kept.`,
      };
      record.message = error.message;
      finish('failed');
    });
    channel.send(request);
    return record;
  }

  /** Sends a control message (pause) to a running job process. */
  send(id: string, message: JobControl): boolean {
    const job = this.jobs.get(id);
    if (!job || job.record.status !== 'running' || !job.channel.send) return false;
    job.channel.send(message);
    return true;
  }

  cancel(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job || job.record.status !== 'running') return false;
    job.record.status = 'cancelled';
    job.record.message = 'Cancelled';
    job.channel.kill();
    return true;
  }

  list(): JobRecord[] {
    return [...this.jobs.values()].map((j) => ({ ...j.record })).reverse();
  }

  cancelAll(): void {
    for (const id of this.jobs.keys()) this.cancel(id);
  }
}

/**
 * Starting a job for one room: the room hears only its own job's messages (`own` picks them out of
 * the job process's one protocol) and its end.
 */
function hearing<M>(jobs: JobManager, own: (m: JobMessage) => M | null) {
  return (
    kind: JobRecord['kind'],
    runId: number | null,
    request: JobRequest,
    handlers: { onMessage(message: M, job: JobRecord): void; onFinish(job: JobRecord, error?: ErrorPayloadT): void },
  ): JobRecord =>
    jobs.start(kind, runId, request, {
      onMessage: (m, job) => {
        const mine = own(m);
        if (mine) handlers.onMessage(mine, job);
      },
      onFinish: (job, error) => handlers.onFinish(job, error),
    });
}

/** The engine's jobs as the run queue uses them: training jobs, which hear only a training job's own messages. */
export function runJobs(jobs: JobManager): RunJobs {
  return { start: hearing(jobs, trainMessage), send: (id, control) => jobs.send(id, control), cancel: (id) => jobs.cancel(id) };
}

/** The engine's jobs as the evaluation service uses them: evaluation jobs, which hear only an evaluation's messages. */
export function evaluationJobs(jobs: JobManager): EvaluationJobs {
  return { start: hearing(jobs, evaluationMessage) };
}

/** The engine's jobs as the feedback service uses them: preference jobs, which hear only their own messages. */
export function preferenceJobs(jobs: JobManager): PreferenceJobs {
  return { start: hearing(jobs, preferenceMessage) };
}

/** Starts job processes with child_process.fork (headless studio and CLI). */
export function forkLauncher(entry: string): LaunchJob {
  return () => {
    const child = fork(entry, [], {
      execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return {
      // A send to a process that has just died fails here instead of as an unhandled 'error'; its exit is reported by onExit.
      send: (request) => {
        if (child.connected) child.send(request, () => {});
      },
      onMessage: (listener) => child.on('message', (m) => listener(m as JobMessage)),
      onExit: (listener) => child.on('close', (code, signal) => listener(code, signal)),
      kill: () => child.kill('SIGKILL'),
    };
  };
}

/** The job-process entry that sits beside an entry module, in source (.ts) or built (.js) form. */
export function jobEntryBeside(entryUrl: string): string {
  const ext = entryUrl.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./job-process${ext}`, entryUrl).pathname;
}
