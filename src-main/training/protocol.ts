// What the engine and a training job say to each other. host/job-protocol.ts joins these with
// the generator's messages into the job process's one protocol.
import type { AugmentationPolicyT, BackendInfoT } from '../../src-preload/contract';
import type { EvaluationMessage } from '../evaluation/protocol';
import type { TrainConfig } from '../ml/train';
import type { SpeedKey } from './speed';

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
  /** Score each checkpoint against the val split within the run's time budget (evaluation/run-scorer.ts). */
  score?: boolean;
  /** A feedback round's disliked images, shown to the discriminator as extra fakes. */
  negatives?: { path: string; hash: string; weight: number; classes: number[] }[];
  /** The share of a batch's fakes that are negatives. */
  negativeShare?: number;
  /** Fine-tune with the EMA's warm-up started again (a feedback round: docs/feedback.md says why). */
  restartEma?: boolean;
  /** A time budget in ms of training (across resumes): the run ends after the step that reaches it; config.steps stays the ceiling. */
  budgetMs?: number;
  /** The run's shape, for recording this workstation's speed (training/speed.ts); the job adds its backend. */
  speedKey?: Omit<SpeedKey, 'backend'>;
  /** Not a run: time real steps on synthetic images for this many seconds and report the speed (assets are then empty). */
  timing?: { seconds: number };
  /** Not a run: decode the training and validation images into the pixel cache, so the next run of this size starts at once. */
  prepare?: boolean;
}

/** What a run is doing before its first step (shown in the run view instead of a bare "estimating…"). */
export type StartupPhase = 'loading' | 'building' | 'first-step';

/** Asks a training job to checkpoint and stop at the next step boundary. */
export interface PauseControl {
  type: 'pause';
}

export type ProgressMessage = {
  type: 'progress';
  step: number;
  total: number;
  message: string;
  lossD?: number;
  lossG?: number;
  recon?: number;
  kl?: number;
  /** The last window's rate (RATE_WINDOW steps). */
  imgPerSec?: number;
  /** The run's mean so far (images / training time, across resumes). */
  meanImgPerSec?: number;
  /** GPU memory the run holds, in bytes (WebGPU only). */
  gpuBytes?: number;
  /** Set while the run starts up: what it is doing. */
  phase?: StartupPhase;
};

/** What a training job reports while it runs (before its `done` or `error`). */
export type TrainMessage =
  /** The job process started its backend (job-process.ts, for every job): the run records it. */
  | { type: 'ready'; backend: BackendInfoT }
  | ProgressMessage
  | { type: 'checkpoint'; step: number; dir: string }
  | { type: 'validation'; step: number; dTrain: number; dVal: number | null }
  | { type: 'sample'; step: number; file: string }
  /** A conditional run's sample grid: the classes each of its cells is drawn for (sample-grid.ts). */
  | { type: 'sample-cells'; cells: number[][] }
  | { type: 'paused'; step: number }
  /** This workstation's measured speed (a timing job's answer; a run's at its end). */
  | { type: 'speed'; imgPerSec: number; overhead?: number; backend: string }
  /** An image the job could not decode (damaged since import): left out of this run. */
  | { type: 'skipped'; hash: string; reason: string }
  /** A checkpoint scored by the run itself, and the features it embedded for the cache. */
  | Exclude<EvaluationMessage, { type: 'progress' }>;
