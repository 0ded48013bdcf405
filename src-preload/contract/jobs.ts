// Background jobs (imports, training runs) and the events they push.
import { z } from 'zod';
import { count, id } from './common';
import { RunStatus } from './training';
import { ErrorPayload } from './errors';

export const JobKind = z.enum(['train', 'import', 'evaluate', 'preference', 'export', 'open-bundle']);
export const JobStatus = z.enum(['running', 'done', 'cancelled', 'failed']);

export const Job = z.object({
  id: z.string(),
  kind: JobKind,
  status: JobStatus,
  runId: id.nullable(),
  fraction: z.number().min(0).max(1),
  message: z.string(),
  startedAt: z.string(),
});

export const JobProgress = z.object({
  jobId: z.string(),
  kind: JobKind,
  runId: id.nullable(),
  step: count,
  total: count,
  fraction: z.number().min(0).max(1),
  message: z.string(),
  lossD: z.number().optional(),
  lossG: z.number().optional(),
  recon: z.number().optional(),
  kl: z.number().optional(),
  /** The last window's rate (10 steps). */
  imgPerSec: z.number().optional(),
  /** A run's mean so far: images over training time. */
  meanImgPerSec: z.number().optional(),
  /** GPU memory a run holds, in bytes (WebGPU only). */
  gpuBytes: z.number().nonnegative().optional(),
  /** What a run is doing before its first step: loading images, building the model, running the first step. */
  phase: z.enum(['loading', 'building', 'first-step']).optional(),
});

/** A run changed: status, a new sample grid, a checkpoint or validation. Refetch it with runs:get. */
export const RunChanged = z.object({ runId: id, status: RunStatus, reason: z.enum(['status', 'sample', 'checkpoint', 'evaluation']) });

export const JobFinished = z.object({
  jobId: z.string(),
  kind: JobKind,
  runId: id.nullable(),
  status: z.enum(['done', 'cancelled', 'failed']),
  error: ErrorPayload.optional(),
  generationIds: z.array(id).optional(),
  checkpointId: id.optional(),
  /** An evaluation job's result. */
  evaluationId: id.optional(),
});

export type JobT = z.output<typeof Job>;
export type JobKindT = z.output<typeof JobKind>;
export type JobProgressT = z.output<typeof JobProgress>;
export type JobFinishedT = z.output<typeof JobFinished>;
