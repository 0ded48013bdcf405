// The adversarial training loop: one D step then one G step per iteration, non-saturating loss,
// Adam. Batches and latent vectors are drawn from the seed and the step number alone, so a run
// resumed from a checkpoint sees exactly the data an uninterrupted run would have seen.
import { initBackend, tf } from './backend.js';
import { Adam } from './adam.js';
import { buildDiscriminator, buildGenerator, type Discriminator, type Generator, type NamedArray } from './models/dcgan.js';
import { hashSeed, Rng } from './random.js';

export interface TrainConfig {
  size: 32 | 64;
  batchSize: number;
  steps: number;
  latentDim: number;
  lrG: number;
  lrD: number;
  beta1: number;
  seed: number;
  /** Base channel count of both networks (64 = the reference DCGAN; smaller is faster). */
  width: number;
}

export const defaultTrainConfig = (partial: Partial<TrainConfig> = {}): TrainConfig => ({
  size: 32,
  batchSize: 64,
  steps: 2000,
  latentDim: 100,
  lrG: 2e-4,
  lrD: 2e-4,
  beta1: 0.5,
  seed: 1,
  width: 64,
  ...partial,
});

export interface TrainProgress {
  step: number;
  totalSteps: number;
  lossD: number;
  lossG: number;
  imgPerSec: number;
  elapsedMs: number;
}

/** NHWC RGB images in [−1, 1], `count` images of size × size. */
export interface Dataset {
  images: Float32Array;
  count: number;
  size: number;
  /** Relative sampling weight per image (oversampling rare tags); uniform epochs when absent. */
  weights?: Float32Array;
  /** Augmentation: the same images as RGB bytes and a transform applied to each as it is batched. */
  augment?: { pixels: Uint8Array; apply(image: { data: Uint8Array; size: number }, rng: Rng): Uint8Array };
}

export const TRAIN_STATE_FORMAT = 'atelier.dcgan';
export const TRAIN_STATE_VERSION = 1;

/** Everything needed to resume training or to generate; plain arrays, valid on any backend. */
export interface TrainState {
  format: typeof TRAIN_STATE_FORMAT;
  version: typeof TRAIN_STATE_VERSION;
  config: TrainConfig;
  /** Completed training steps. */
  step: number;
  generator: NamedArray[];
  discriminator: NamedArray[];
  optimizer: { generator: NamedArray[]; discriminator: NamedArray[] };
  /** Backend the state was produced on (informational). */
  backend: string;
}

export interface TrainHooks {
  onProgress?(p: TrainProgress): void;
  signal?: AbortSignal;
  /** Call onCheckpoint every this many steps (and after the last step). */
  checkpointEvery?: number;
  onCheckpoint?(state: TrainState): Promise<void> | void;
  resume?: TrainState;
}

export interface TrainResult {
  state: TrainState;
  losses: { step: number; lossD: number; lossG: number }[];
}

export class TrainingDivergedError extends Error {
  constructor(readonly step: number, lossD: number, lossG: number) {
    super(
      `Training diverged at step ${step}: discriminator loss ${lossD}, generator loss ${lossG}. ` +
        'Lower the learning rates or resume from an earlier checkpoint.',
    );
    this.name = 'TrainingDivergedError';
  }
}

export class TensorLeakError extends Error {
  constructor(readonly step: number, before: number, after: number) {
    super(`Training step ${step} leaked ${after - before} tensors (${before} → ${after}); this is a bug in the training code.`);
    this.name = 'TensorLeakError';
  }
}

export class TrainConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainConfigError';
  }
}

/** Generator and discriminator with their optimizers: the live (tfjs) side of a TrainState. */
export interface GanSession {
  config: TrainConfig;
  g: Generator;
  d: Discriminator;
  optG: Adam;
  optD: Adam;
  step: number;
  dispose(): void;
}

export function assertTrainConfig(cfg: TrainConfig): void {
  const bad = (msg: string) => {
    throw new TrainConfigError(`Invalid training settings: ${msg}`);
  };
  if (cfg.size !== 32 && cfg.size !== 64) bad(`image size must be 32 or 64, got ${cfg.size}`);
  if (!Number.isInteger(cfg.batchSize) || cfg.batchSize < 2) bad(`batch size must be an integer ≥ 2 (BatchNorm), got ${cfg.batchSize}`);
  if (!Number.isInteger(cfg.steps) || cfg.steps < 0) bad(`steps must be a whole number ≥ 0, got ${cfg.steps}`);
  if (!Number.isInteger(cfg.latentDim) || cfg.latentDim < 1) bad(`latent size must be a positive integer, got ${cfg.latentDim}`);
  if (!Number.isInteger(cfg.width) || cfg.width < 1) bad(`width must be a positive integer, got ${cfg.width}`);
  for (const k of ['lrG', 'lrD'] as const) if (!(cfg[k] > 0 && cfg[k] < 1)) bad(`${k} must be in (0, 1), got ${cfg[k]}`);
  if (!(cfg.beta1 >= 0 && cfg.beta1 < 1)) bad(`beta1 must be in [0, 1), got ${cfg.beta1}`);
  if (!Number.isInteger(cfg.seed)) bad(`seed must be an integer, got ${cfg.seed}`);
}

function assertDataset(data: Dataset, cfg: TrainConfig): void {
  if (data.size !== cfg.size) throw new TrainConfigError(`The dataset has ${data.size}px images but training is set to ${cfg.size}px.`);
  if (!Number.isInteger(data.count) || data.count < 1) throw new TrainConfigError('The dataset has no images.');
  const expected = data.count * data.size * data.size * 3;
  if (data.images.length !== expected) {
    throw new TrainConfigError(`The dataset holds ${data.images.length} values; ${data.count} RGB images of ${data.size}px need ${expected}.`);
  }
}

/** Builds (or restores) the networks and optimizers for `cfg`. */
export function createSession(cfg: TrainConfig, resume?: TrainState): GanSession {
  assertTrainConfig(cfg);
  if (resume) assertCompatible(resume, cfg);
  const g = buildGenerator({ latentDim: cfg.latentDim, size: cfg.size, width: cfg.width }, hashSeed(cfg.seed, 1));
  const d = buildDiscriminator({ size: cfg.size, width: cfg.width }, hashSeed(cfg.seed, 2));
  const optG = new Adam(g.params, { lr: cfg.lrG, beta1: cfg.beta1, beta2: 0.999, eps: 1e-8 });
  const optD = new Adam(d.params, { lr: cfg.lrD, beta1: cfg.beta1, beta2: 0.999, eps: 1e-8 });
  const session: GanSession = {
    config: cfg,
    g,
    d,
    optG,
    optD,
    step: 0,
    dispose() {
      g.dispose();
      d.dispose();
      optG.dispose();
      optD.dispose();
    },
  };
  if (resume) {
    try {
      g.load(resume.generator);
      d.load(resume.discriminator);
      optG.setState(resume.optimizer.generator);
      optD.setState(resume.optimizer.discriminator);
      session.step = resume.step;
    } catch (err) {
      session.dispose();
      throw err;
    }
  }
  return session;
}

function assertCompatible(state: TrainState, cfg: TrainConfig): void {
  if (state.format !== TRAIN_STATE_FORMAT || state.version !== TRAIN_STATE_VERSION) {
    throw new TrainConfigError(`This checkpoint is ${state.format} v${state.version}; this version of Atelier reads ${TRAIN_STATE_FORMAT} v${TRAIN_STATE_VERSION}.`);
  }
  for (const k of ['size', 'latentDim', 'width'] as const) {
    if (state.config[k] !== cfg[k]) {
      throw new TrainConfigError(`Cannot resume: the checkpoint was trained with ${k} ${state.config[k]}, the new settings say ${cfg[k]}.`);
    }
  }
}

export function sessionState(s: GanSession): TrainState {
  return {
    format: TRAIN_STATE_FORMAT,
    version: TRAIN_STATE_VERSION,
    config: { ...s.config },
    step: s.step,
    generator: s.g.snapshot(),
    discriminator: s.d.snapshot(),
    optimizer: { generator: s.optG.getState(), discriminator: s.optD.getState() },
    backend: tf.getBackend(),
  };
}

/** Deterministic batch order: one seeded permutation of the dataset per epoch. */
export class BatchSampler {
  private epoch = -1;
  private perm = new Uint32Array(0);
  private readonly per: number;

  constructor(
    private readonly data: Dataset,
    private readonly seed: number,
    private readonly batchSize: number,
  ) {
    this.per = data.size * data.size * 3;
  }

  private cumulative: Float64Array | null = null;

  /** Indices of the images in batch number `step`. */
  indices(step: number): number[] {
    if (this.data.weights) return this.weightedIndices(step);
    const out: number[] = [];
    for (let j = 0; j < this.batchSize; j++) {
      const pos = step * this.batchSize + j;
      const epoch = Math.floor(pos / this.data.count);
      if (epoch !== this.epoch) this.shuffle(epoch);
      out.push(this.perm[pos - epoch * this.data.count]!);
    }
    return out;
  }

  batch(step: number): Float32Array {
    const out = new Float32Array(this.batchSize * this.per);
    const augment = this.data.augment;
    this.indices(step).forEach((idx, j) => {
      if (!augment) {
        out.set(this.data.images.subarray(idx * this.per, (idx + 1) * this.per), j * this.per);
        return;
      }
      // Seeded by (seed, step, slot): a resumed run sees exactly the batches it would have.
      const image = augment.apply(
        { data: augment.pixels.subarray(idx * this.per, (idx + 1) * this.per), size: this.data.size },
        new Rng(hashSeed(this.seed, 0xa06, step, j)),
      );
      for (let i = 0; i < this.per; i++) out[j * this.per + i] = image[i]! / 127.5 - 1;
    });
    return out;
  }

  /** Sampling with replacement in proportion to the weights, a fresh stream per step. */
  private weightedIndices(step: number): number[] {
    const weights = this.data.weights!;
    if (!this.cumulative) {
      this.cumulative = new Float64Array(weights.length);
      let sum = 0;
      for (let i = 0; i < weights.length; i++) this.cumulative[i] = sum += Math.max(0, weights[i]!);
      if (!(sum > 0)) throw new TrainConfigError('Every sampling weight is zero; nothing can be drawn for a batch.');
    }
    const cumulative = this.cumulative;
    const total = cumulative[cumulative.length - 1]!;
    const rng = new Rng(hashSeed(this.seed, 0xba1a, step));
    const out: number[] = [];
    for (let j = 0; j < this.batchSize; j++) {
      const x = rng.next() * total;
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid]! > x) hi = mid;
        else lo = mid + 1;
      }
      out.push(lo);
    }
    return out;
  }

  private shuffle(epoch: number): void {
    const n = this.data.count;
    const perm = new Uint32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    const rng = new Rng(hashSeed(this.seed, 0x5eed, epoch));
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = t;
    }
    this.perm = perm;
    this.epoch = epoch;
  }
}

/** Latent vectors for training step `step`. */
export function trainingNoise(cfg: TrainConfig, step: number): Float32Array {
  return new Rng(hashSeed(cfg.seed, 0x2a7e, step)).normalArray(cfg.batchSize * cfg.latentDim);
}

const softplus = (x: tf.Tensor) => tf.softplus(x);

/**
 * One D step (real → 1, G(z) → 0) then one G step (D(G(z)) → 1), as pytorch/examples dcgan.
 * Losses are BCE-with-logits written as softplus: −log σ(x) = softplus(−x), −log(1−σ(x)) = softplus(x).
 */
export function trainStep(s: GanSession, real: tf.Tensor4D, z: tf.Tensor2D): { lossD: number; lossG: number } {
  const fake = tf.tidy(() => s.g.apply(z, { training: true })); // a constant for the D step
  let lossD: number;
  try {
    // Real and fake go through D as one batch with BatchNorm statistics kept per half, which is
    // the same maths as two passes (as PyTorch does) with half the conv calls.
    const both = tf.concat([real, fake]);
    try {
      lossD = s.optD.minimize(() => {
        const [onReal, onFake] = tf.split(s.d.apply(both, { groups: 2 }), 2);
        return tf.add(softplus(tf.neg(onReal!)).mean(), softplus(onFake!).mean()) as tf.Scalar;
      });
    } finally {
      both.dispose();
    }
  } finally {
    fake.dispose();
  }
  const lossG = s.optG.minimize(() => softplus(tf.neg(s.d.apply(s.g.apply(z, { training: true, updateStats: true })))).mean() as tf.Scalar);
  s.step += 1;
  return { lossD, lossG };
}

/** Runs one step on batch `step` of `sampler` (tensors created and disposed here). */
export function trainOnBatch(s: GanSession, sampler: BatchSampler): { lossD: number; lossG: number } {
  const { size, batchSize, latentDim } = s.config;
  const real = tf.tensor4d(sampler.batch(s.step), [batchSize, size, size, 3]);
  const z = tf.tensor2d(trainingNoise(s.config, s.step), [batchSize, latentDim]);
  try {
    return trainStep(s, real, z);
  } finally {
    real.dispose();
    z.dispose();
  }
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function train(data: Dataset, cfg: TrainConfig, hooks: TrainHooks = {}): Promise<TrainResult> {
  assertTrainConfig(cfg);
  assertDataset(data, cfg);
  await initBackend();
  const session = createSession(cfg, hooks.resume);
  const sampler = new BatchSampler(data, cfg.seed, cfg.batchSize);
  const losses: TrainResult['losses'] = [];
  const started = performance.now();
  const recent: number[] = []; // durations of the last few steps, for img/s
  const baseline = tf.memory().numTensors; // weights and optimizer slots exist already; a step adds none
  try {
    while (session.step < cfg.steps) {
      if (hooks.signal?.aborted) break;
      const t0 = performance.now();
      const { lossD, lossG } = trainOnBatch(session, sampler);
      const dt = performance.now() - t0;
      const step = session.step;

      const numTensors = tf.memory().numTensors;
      if (numTensors > baseline) throw new TensorLeakError(step, baseline, numTensors);
      if (!Number.isFinite(lossD) || !Number.isFinite(lossG)) throw new TrainingDivergedError(step, lossD, lossG);

      losses.push({ step, lossD, lossG });
      recent.push(dt);
      if (recent.length > 10) recent.shift();
      const meanMs = recent.reduce((a, b) => a + b, 0) / recent.length;
      hooks.onProgress?.({
        step,
        totalSteps: cfg.steps,
        lossD,
        lossG,
        imgPerSec: (cfg.batchSize * 1000) / meanMs,
        elapsedMs: performance.now() - started,
      });
      const every = hooks.checkpointEvery;
      if (hooks.onCheckpoint && every && every > 0 && (step % every === 0 || step === cfg.steps)) {
        await hooks.onCheckpoint(sessionState(session));
      }
      await yieldToEventLoop(); // lets abort signals and IPC messages in between steps
    }
    return { state: sessionState(session), losses };
  } finally {
    session.dispose();
  }
}
