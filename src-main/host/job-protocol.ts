// Typed messages between the engine and a job process. A job is started with one
// request and answers with a stream of messages ending in `done` or `error`.
import type { AugmentationPolicyT, BackendInfoT, ErrorPayloadT } from '../../src-preload/contract';
import type { TrainConfig } from '../ml/train';

export interface TrainRequest {
  type: 'train';
  projectDir: string;
  runId: number;
  /** The full model and optimisation config (see ml/train.ts). */
  config: TrainConfig;
  checkpointEvery: number;
  sampleEvery: number;
  /** Data-parallel threads in the job process. */
  workers: number;
  /** Images to train on, absolute paths, with their sampling weight and class indices. */
  assets: { path: string; hash: string; weight: number; classes: number[] }[];
  /** Held-out images for the validation signal (may be empty). */
  val: { path: string; hash: string; classes: number[] }[];
  background: string;
  /** The dataset's augmentation policy, applied to real images as they are batched. */
  augmentation: AugmentationPolicyT | null;
  /** Continue this run from its own checkpoint (project-relative folder). */
  resumeFrom?: string;
  /** Fine-tune: start from another run's checkpoint weights (project-relative folder). */
  parentCheckpoint?: string;
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

/** Messages the engine may send a running job after its request. */
export type JobControl = { type: 'pause' };

export type JobMessage =
  | { type: 'ready'; backend: BackendInfoT }
  | { type: 'progress'; step: number; total: number; message: string; lossD?: number; lossG?: number; recon?: number; kl?: number; imgPerSec?: number }
  | { type: 'checkpoint'; step: number; dir: string }
  | { type: 'validation'; step: number; dTrain: number; dVal: number | null }
  | { type: 'sample'; step: number; file: string }
  | { type: 'paused'; step: number }
  | { type: 'generated'; size: number; files: { file: string; index: number }[] }
  | { type: 'done' }
  | { type: 'error'; error: ErrorPayloadT };

/** How the engine talks to one job process, whichever way it was started. */
export interface JobChannel {
  send(request: JobRequest | JobControl): void;
  onMessage(listener: (message: JobMessage) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

export type LaunchJob = () => JobChannel;
