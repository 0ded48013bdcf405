// Typed messages between the engine and a job process. A job is started with one
// request and answers with a stream of messages ending in `done` or `error`.
import type { AugmentationPolicyT, BackendInfoT, ErrorPayloadT } from '../../src-preload/contract';

export interface TrainRequest {
  type: 'train';
  projectDir: string;
  runId: number;
  config: { size: 32 | 64; steps: number; batchSize: number; seed: number; checkpointEvery: number };
  /** Originals to train on, absolute paths. */
  assets: { path: string; hash: string }[];
  background: string;
  /** Sampling weight per asset (same order), for oversampling; uniform when absent. */
  weights?: number[];
  /** The dataset's augmentation policy, applied to real images as they are batched. */
  augmentation: AugmentationPolicyT | null;
}

export interface GenerateRequest {
  type: 'generate';
  projectDir: string;
  /** Project-relative folder of the checkpoint. */
  checkpointDir: string;
  count: number;
  seed: number;
  /** Project-relative folder the PNGs go to. */
  outDir: string;
}

export type JobRequest = TrainRequest | GenerateRequest;

export type JobMessage =
  | { type: 'ready'; backend: BackendInfoT }
  | { type: 'progress'; step: number; total: number; message: string; lossD?: number; lossG?: number; imgPerSec?: number }
  | { type: 'checkpoint'; step: number; dir: string }
  | { type: 'generated'; size: number; files: { file: string; index: number }[] }
  | { type: 'done' }
  | { type: 'error'; error: ErrorPayloadT };

/** How the engine talks to one job process, whichever way it was started. */
export interface JobChannel {
  send(request: JobRequest): void;
  onMessage(listener: (message: JobMessage) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

export type LaunchJob = () => JobChannel;
