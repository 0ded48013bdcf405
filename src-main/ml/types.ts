// The training step's shared words: its config, its dataset, its state (the checkpoint's
// content) and the reducer that averages gradients over replicas. Both the loop (train.ts) and the
// data-parallel replicas (parallel.ts) use them, and neither imports the other for them.
import type { AugmentationPolicyT } from '../../src-preload/contract';
import type { tf } from './backend.js';
import type { DiffAugmentPolicy } from './diffaugment.js';
import type { GanLossKind } from './losses.js';
import type { NamedArray } from './models/dcgan.js';

export type ModelFamily = 'dcgan' | 'cgan' | 'vae';

export interface TrainConfig {
  family: ModelFamily;
  size: 32 | 64;
  batchSize: number;
  steps: number;
  latentDim: number;
  lrG: number;
  lrD: number;
  beta1: number;
  beta2: number;
  seed: number;
  /** Base channel count of the networks (64 = the reference DCGAN; smaller is faster). */
  width: number;
  /** GAN loss. */
  loss: GanLossKind;
  /** Generator upsampling: ConvTranspose (the reference DCGAN) or nearest ×2 + Conv 3×3 (no checkerboard). */
  gUpsample: 'transposed' | 'resize';
  /** Discriminator normalisation; R1 needs 'none' or 'spectral' (BatchNorm's gradient is not twice differentiable here). */
  dNorm: 'batch' | 'none' | 'spectral';
  /** R1 penalty weight γ (0 = off), applied every r1Every steps with weight γ·r1Every (lazy R1). */
  r1: number;
  r1Every: number;
  /** Decay of the generator's moving average used for samples; 0 = no EMA. */
  ema: number;
  /** DiffAugment applied to every image D sees (reals and fakes); null = off. */
  diffAugment: DiffAugmentPolicy | null;
  /** Length of the conditioning vector (cgan; vae when conditional); 0 = unconditional. */
  classes: number;
  /** VAE: weight of the KL term. */
  beta: number;
  /** Parameters not trained (fine-tuning), as `<network>/<name prefix>`, e.g. `generator/fc`. */
  freeze: string[];
  /**
   * Learning-rate decay (GANs): constant for the first half of this many steps, then linear to 0 at
   * this step (CycleGAN's schedule), so a time-budgeted run anneals by its end. Absent or 0: constant.
   * A budget run's estimate of its steps, not its step ceiling.
   */
  lrDecaySteps?: number;
}

/** RGB images of size × size, as bytes (0–255, NHWC), with optional per-image data. */
export interface Dataset {
  pixels: Uint8Array;
  count: number;
  size: number;
  /** Relative sampling weight per image (oversampling rare tags); uniform epochs when absent. */
  weights?: Float32Array;
  /**
   * Loss weight per image (class weights: inverse tag frequency, mean 1): scales the image's real
   * term in D's loss (GAN) or its reconstruction + KL (VAE). Every image counts the same when absent.
   */
  lossWeights?: Float32Array;
  /** Conditioning vector per image (count × classes), for conditional models. */
  cond?: Float32Array;
  /** The dataset's augmentation policy, applied to each real image as it is batched. */
  augment?: AugmentationPolicyT;
  /** Images D is taught to call fake (a feedback round's disliked generations; GANs only, a VAE ignores them). */
  negatives?: NegativeImages;
}

/**
 * Extra fakes for D (a feedback round's disliked generations): each step draws
 * `negativesPerBatch(batchSize, share)` of them, cycling through them in a seeded order per
 * epoch like the reals, and D's fake term becomes the mean over the generated fakes and these
 * together. Not augmented by `Dataset.augment` (DiffAugment, when on, applies to them as to every
 * image D sees). G's loss is unchanged.
 */
export interface NegativeImages {
  /** RGB bytes (0–255, NHWC) of `count` images of the dataset's size. */
  pixels: Uint8Array;
  count: number;
  /** Conditioning vector per image (count × classes); required for a conditional model. */
  cond?: Float32Array;
  /** Negatives per step as a fraction of the batch size, in (0, 1]: 0.25 with batch 64 adds 16 to its 64 fakes. */
  share: number;
}

export const TRAIN_STATE_FORMAT = 'atelier.model';
export const TRAIN_STATE_VERSION = 2;

/** Everything needed to resume training or to generate; plain arrays, valid on any backend. */
export interface TrainState {
  format: typeof TRAIN_STATE_FORMAT;
  version: typeof TRAIN_STATE_VERSION;
  config: TrainConfig;
  /** Completed training steps. Every random draw is a function of (config.seed, step, slot), so this is the RNG state too. */
  step: number;
  /** Weight groups: `generator`, `discriminator`, `ema` (GAN) or `vae`, and `optimizer.<network>`. */
  groups: Record<string, NamedArray[]>;
  /** Backend the state was produced on (informational). */
  backend: string;
  /** Milliseconds of training (the step loop's wall time) behind this state, across resumes; a time budget counts these. */
  trainedMs?: number;
}

/** Averages gradients (and loss values) over replicas; the identity in a single process. */
export interface Reducer {
  readonly replicas: number;
  /** `grads` in a fixed order (the optimizer's); weighted by `share`. Returns tensors the caller owns (asynchronous: a GPU's reads are). */
  reduce(grads: tf.Tensor[], scalars: number[], share: number): Promise<{ grads: tf.Tensor[]; scalars: number[] }>;
}
