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
  /** Images to train on, absolute paths, with their weight and class indices. */
  assets: { path: string; hash: string; weight: number; classes: number[] }[];
  /** What an image's weight changes: how often it is drawn (oversampling) or how much its loss counts (class weights). */
  weighting: 'sampling' | 'loss';
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

/**
 * A long-lived generator: it keeps the last checkpoints it loaded (weights on the backend) and
 * draws images for `draw` controls until it is killed, so a grid appears in milliseconds.
 */
export interface SamplerRequest {
  type: 'sampler';
  projectDir: string;
}

export type JobRequest = TrainRequest | SamplerRequest;

/** One batch for the sampler: latent and condition vectors as base64 little-endian float32. */
export interface DrawControl {
  type: 'draw';
  id: number;
  /** Project-relative folder of the checkpoint. */
  checkpointDir: string;
  n: number;
  z: string;
  cond: string | null;
}

/** Messages the engine may send a running job after its request. */
export type JobControl = { type: 'pause' } | DrawControl;

export type JobMessage =
  | { type: 'ready'; backend: BackendInfoT }
  | { type: 'progress'; step: number; total: number; message: string; lossD?: number; lossG?: number; recon?: number; kl?: number; imgPerSec?: number }
  | { type: 'checkpoint'; step: number; dir: string }
  | { type: 'validation'; step: number; dTrain: number; dVal: number | null }
  | { type: 'sample'; step: number; file: string }
  | { type: 'paused'; step: number }
  /** An image the job could not decode (damaged since import): left out of this run. */
  | { type: 'skipped'; hash: string; reason: string }
  | { type: 'drawn'; id: number; size: number; latentDim: number; classes: number; pixels: string; ms: number }
  | { type: 'draw-failed'; id: number; error: ErrorPayloadT }
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
