// Training for the three model families (DCGAN, conditional GAN, VAE) in one loop.
//
// A step is a list of phases (GAN: G then D; VAE: one). Each phase computes gradients on this
// replica's slice of the batch, hands them to a Reducer (identity in one process; an average
// over worker threads when data-parallel, see parallel.ts) and applies the result with Adam.
// Batches, latent vectors and augmentations are drawn from (seed, step, slot) alone, so a run
// resumed from a checkpoint sees exactly the data an uninterrupted run would have seen.
import { GPU_LIMIT_ERROR, initBackend, takeGpuError, tf } from './backend.js';
import { Adam } from './adam.js';
import { diffAugment } from './diffaugment.js';
import { Ema, EMA_STEP_ENTRY } from './ema.js';
import { discriminatorLoss, generatorLoss, r1Penalty } from './losses.js';
import { buildDiscriminator, buildGenerator, type Discriminator, type Generator, type NamedArray } from './models/dcgan.js';
import { buildVae, vaeLoss, type Vae } from './models/vae.js';
import { augment as augmentImage } from './pixel-augment.js';
import { hashSeed, Rng } from './random.js';
import {
  TRAIN_STATE_FORMAT,
  TRAIN_STATE_VERSION,
  type Dataset,
  type ModelFamily,
  type NegativeImages,
  type Reducer,
  type TrainConfig,
  type TrainState,
} from './types.js';
import { AtelierError } from '../errors.js';

export type { Dataset, ModelFamily, NegativeImages, Reducer, TrainConfig, TrainState } from './types.js';
export { TRAIN_STATE_FORMAT, TRAIN_STATE_VERSION } from './types.js';

/** The reference DCGAN (pytorch_dcgan.py config a) unless overridden. */
export const defaultTrainConfig = (partial: Partial<TrainConfig> = {}): TrainConfig => ({
  family: 'dcgan',
  size: 32,
  batchSize: 64,
  steps: 2000,
  latentDim: 100,
  lrG: 2e-4,
  lrD: 2e-4,
  beta1: 0.5,
  beta2: 0.999,
  seed: 1,
  width: 64,
  loss: 'ns',
  gUpsample: 'transposed',
  dNorm: 'batch',
  r1: 0,
  r1Every: 16,
  ema: 0,
  diffAugment: null,
  classes: 0,
  beta: 1,
  freeze: [],
  ...partial,
});

/** Losses of one step; which are present depends on the family. */
export interface StepLosses {
  lossD?: number;
  lossG?: number;
  recon?: number;
  kl?: number;
}

export interface TrainProgress extends StepLosses {
  step: number;
  totalSteps: number;
  /** The last window's rate (the mean of the last RATE_WINDOW steps), images per second of step time. */
  imgPerSec: number;
  /** The run's mean so far: images trained / training time (the loop's wall time: steps, samples, checkpoints), across resumes. */
  meanImgPerSec: number;
  /** Mean images per second of step time alone, over this session's steps after the first (the machine's speed, for estimates). */
  stepImgPerSec: number;
  elapsedMs: number;
  /** Training time behind this step, across resumes (what a time budget counts). */
  trainedMs: number;
  /** GPU memory tfjs holds after the step, in bytes (WebGPU only). */
  gpuBytes?: number;
}

/** Steps in the "last window" of img/s. */
export const RATE_WINDOW = 10;

export interface TrainHooks {
  onProgress?(p: TrainProgress): void;
  signal?: AbortSignal;
  /** Stop after the current step and return its state (a pause); checked between steps. */
  shouldStop?(): boolean;
  /** Call onCheckpoint every this many steps (and after the last step). */
  checkpointEvery?: number;
  onCheckpoint?(state: TrainState, session: Session): Promise<void> | void;
  /** Call onSample every this many steps (and after the last step) with the session, for sample grids. */
  sampleEvery?: number;
  onSample?(session: Session): Promise<void> | void;
  resume?: TrainState;
  /** Called once after the last step (or a stop), before the networks are released. */
  onFinish?(session: Session): Promise<void> | void;
  /** Data-parallel replicas (threads); 1 = this thread only. */
  workers?: number;
  /**
   * A time budget (ms of training, counted across resumes from TrainState.trainedMs): the loop ends
   * after the step that reaches it, with the last step's samples and checkpoint, like a run that
   * reached cfg.steps (which stays the ceiling).
   */
  budgetMs?: number;
  /** Called once the networks are built and the replicas started, before the first step. */
  onReady?(): void;
}

export interface TrainResult {
  state: TrainState;
  losses: (StepLosses & { step: number })[];
  /** True when the loop ended early (abort signal or shouldStop). */
  stopped: boolean;
  /** True when the time budget ended the run (a normal end, not a stop). */
  budgetReached: boolean;
}

export class TrainingDivergedError extends AtelierError {
  constructor(
    readonly step: number,
    losses: StepLosses,
  ) {
    super(
      'training-diverged',
      `Training diverged at step ${step} (${Object.entries(losses)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}). Lower the learning rates or resume from an earlier checkpoint.`,
    );
    this.name = 'TrainingDivergedError';
  }
}

/** The GPU refused a step: too large a batch or model for its memory or its limits. */
export class GpuRefusedError extends AtelierError {
  constructor(
    readonly step: number,
    cfg: TrainConfig,
    readonly detail: string,
  ) {
    super(
      'gpu-refused',
      `The GPU refused training step ${step} (batch ${cfg.batchSize}, ${cfg.size} px, width ${cfg.width}): ${detail.replace(/\.$/, '')}. ` +
        `Lower the batch size (half of it is a good next try) or the model size; the last checkpoint is kept.`,
    );
    this.name = 'GpuRefusedError';
  }
}

export class TensorLeakError extends AtelierError {
  constructor(
    readonly step: number,
    before: number,
    after: number,
  ) {
    super('internal', `Training step ${step} leaked ${after - before} tensors (${before} → ${after}); this is a bug in the training code.`);
    this.name = 'TensorLeakError';
  }
}

export class TrainConfigError extends AtelierError {
  constructor(message: string) {
    super('invalid-input', message);
    this.name = 'TrainConfigError';
  }
}

export function assertTrainConfig(cfg: TrainConfig): void {
  const bad = (msg: string) => {
    throw new TrainConfigError(`Invalid training settings: ${msg}`);
  };
  if (!['dcgan', 'cgan', 'vae'].includes(cfg.family)) bad(`model must be dcgan, cgan or vae, got ${String(cfg.family)}`);
  if (cfg.size !== 32 && cfg.size !== 64) bad(`image size must be 32 or 64, got ${cfg.size}`);
  if (!Number.isInteger(cfg.batchSize) || cfg.batchSize < 2) bad(`batch size must be an integer ≥ 2 (BatchNorm), got ${cfg.batchSize}`);
  if (!Number.isInteger(cfg.steps) || cfg.steps < 0) bad(`steps must be a whole number ≥ 0, got ${cfg.steps}`);
  if (!Number.isInteger(cfg.latentDim) || cfg.latentDim < 1) bad(`latent size must be a positive integer, got ${cfg.latentDim}`);
  if (!Number.isInteger(cfg.width) || cfg.width < 1) bad(`width must be a positive integer, got ${cfg.width}`);
  for (const k of ['lrG', 'lrD'] as const) if (!(cfg[k] > 0 && cfg[k] < 1)) bad(`${k} must be in (0, 1), got ${cfg[k]}`);
  if (!(cfg.beta1 >= 0 && cfg.beta1 < 1)) bad(`beta1 must be in [0, 1), got ${cfg.beta1}`);
  if (!(cfg.beta2 > 0 && cfg.beta2 < 1)) bad(`beta2 must be in (0, 1), got ${cfg.beta2}`);
  if (!Number.isInteger(cfg.seed)) bad(`seed must be an integer, got ${cfg.seed}`);
  if (cfg.loss !== 'ns' && cfg.loss !== 'hinge') bad(`loss must be ns or hinge, got ${String(cfg.loss)}`);
  if (!(cfg.r1 >= 0)) bad(`R1 weight must be ≥ 0, got ${cfg.r1}`);
  if (!Number.isInteger(cfg.r1Every) || cfg.r1Every < 1) bad(`R1 interval must be a positive integer, got ${cfg.r1Every}`);
  if (cfg.r1 > 0 && cfg.dNorm === 'batch') bad('the R1 penalty needs a discriminator without BatchNorm (dNorm none or spectral)');
  if (!(cfg.ema >= 0 && cfg.ema < 1)) bad(`EMA decay must be in [0, 1), got ${cfg.ema}`);
  if (!Number.isInteger(cfg.classes) || cfg.classes < 0) bad(`classes must be a whole number, got ${cfg.classes}`);
  if (cfg.family === 'cgan' && cfg.classes < 1) bad('a conditional GAN needs at least one class (tag) to condition on');
  if (!(cfg.beta >= 0)) bad(`beta must be ≥ 0, got ${cfg.beta}`);
}

function assertDataset(data: Dataset, cfg: TrainConfig): void {
  if (data.size !== cfg.size) throw new TrainConfigError(`The dataset has ${data.size}px images but training is set to ${cfg.size}px.`);
  if (!Number.isInteger(data.count) || data.count < 1) throw new TrainConfigError('The dataset has no images.');
  const expected = data.count * data.size * data.size * 3;
  if (data.pixels.length !== expected) {
    throw new TrainConfigError(`The dataset holds ${data.pixels.length} values; ${data.count} RGB images of ${data.size}px need ${expected}.`);
  }
  if (data.lossWeights) {
    if (data.lossWeights.length !== data.count) {
      throw new TrainConfigError(`The dataset has ${data.lossWeights.length} loss weights for ${data.count} images; it needs one per image.`);
    }
    const bad = data.lossWeights.findIndex((w) => !(Number.isFinite(w) && w >= 0));
    if (bad >= 0) throw new TrainConfigError(`Loss weights must be finite and ≥ 0; image ${bad} has ${data.lossWeights[bad]}.`);
  }
  if (cfg.classes > 0 && data.cond?.length !== data.count * cfg.classes) {
    throw new TrainConfigError(
      `A conditional model needs ${cfg.classes} condition values per image; the dataset has ${data.cond?.length ?? 0} for ${data.count} images.`,
    );
  }
  if (data.negatives && cfg.family !== 'vae') assertNegatives(data.negatives, data.size, cfg);
}

function assertNegatives(neg: NegativeImages, size: number, cfg: TrainConfig): void {
  if (!Number.isInteger(neg.count) || neg.count < 1) throw new TrainConfigError('The disliked images for the discriminator are empty; leave them out instead.');
  const expected = neg.count * size * size * 3;
  if (neg.pixels.length !== expected) {
    throw new TrainConfigError(`The disliked images hold ${neg.pixels.length} values; ${neg.count} RGB images of ${size}px need ${expected}.`);
  }
  if (!(neg.share > 0 && neg.share <= 1)) throw new TrainConfigError(`The share of disliked images per batch must be in (0, 1], got ${neg.share}.`);
  if (cfg.classes > 0 && neg.cond?.length !== neg.count * cfg.classes) {
    throw new TrainConfigError(
      `A conditional model needs ${cfg.classes} condition values per disliked image; there are ${neg.cond?.length ?? 0} for ${neg.count} images.`,
    );
  }
}

/** Negatives (extra fakes) in each step's batch for a share of the batch size: at least one. */
export function negativesPerBatch(batchSize: number, share: number): number {
  return Math.max(1, Math.min(batchSize, Math.round(batchSize * share)));
}

/** What one replica feeds a step: its slice of the global batch. */
export interface LocalBatch {
  real: tf.Tensor4D;
  z: tf.Tensor2D;
  cond: tf.Tensor2D | null;
  /** Each real image's loss weight ([n]), or null when every image counts the same. */
  lossWeights: tf.Tensor1D | null;
  /** This slice's extra fakes for D ([k, size, size, 3] in [−1, 1]) and their conditions; absent = none. */
  negatives?: tf.Tensor4D | null;
  negativeCond?: tf.Tensor2D | null;
  /** This slice's share of the global batch (its gradients are weighted by it). */
  share: number;
  /** Seeds this slice's DiffAugment draws. */
  rng: Rng;
}

export const localReducer: Reducer = {
  replicas: 1,
  reduce: async (grads, scalars) => ({ grads, scalars }),
};

/** The live (tfjs) side of a TrainState for any family. */
export interface Session {
  readonly config: TrainConfig;
  step: number;
  /**
   * One training step on this replica's slice; every phase goes through `reducer`. Asynchronous:
   * its loss values are read back without blocking, as a GPU backend requires.
   */
  trainStep(batch: LocalBatch, reducer: Reducer, opts?: { leader?: boolean }): Promise<StepLosses>;
  /** Images for a sample grid: [N, size, size, 3] in [−1, 1], from the EMA generator when there is one. */
  sample(z: tf.Tensor2D, cond: tf.Tensor2D | null): tf.Tensor4D;
  /** D's logits for images (GAN only; null for a VAE): the validation signal. */
  score(x: tf.Tensor4D, cond: tf.Tensor2D | null): tf.Tensor1D | null;
  /** Weights, optimizer slots and EMA read back (without blocking: every backend supports it). */
  state(): Promise<TrainState>;
  dispose(): void;
}

/** Parameters a freeze list leaves trainable. */
function trainable(network: string, params: ReadonlyMap<string, tf.Variable>, freeze: readonly string[]): Map<string, tf.Variable> {
  const frozen = (name: string) => freeze.some((f) => `${network}/${name}`.startsWith(f));
  return new Map([...params].filter(([name]) => !frozen(name)));
}

/** The share of the configured learning rate at `step` (TrainConfig.lrDecaySteps). */
export function lrFactor(cfg: Pick<TrainConfig, 'lrDecaySteps'>, step: number): number {
  const end = cfg.lrDecaySteps ?? 0;
  if (!(end > 0)) return 1;
  const start = end / 2;
  return step < start ? 1 : Math.max(0, (end - step) / (end - start));
}

function adamFor(cfg: TrainConfig, lr: number, params: Map<string, tf.Variable>): Adam {
  return new Adam(params, { lr, beta1: cfg.beta1, beta2: cfg.beta2, eps: 1e-8 });
}

/** One optimisation phase: gradients on this slice, reduced over replicas, applied with Adam. */
async function phase(opt: Adam, reducer: Reducer, share: number, loss: () => { total: tf.Scalar; parts: tf.Scalar[] }): Promise<number[]> {
  const { grads, scalars } = await opt.computeGradients(loss);
  let reduced: { grads: tf.Tensor[]; scalars: number[] } | null = null;
  try {
    reduced = await reducer.reduce(grads, scalars, share);
    opt.applyGradientList(reduced.grads);
  } finally {
    tf.dispose(grads);
    if (reduced && reduced.grads !== grads) tf.dispose(reduced.grads);
  }
  return reduced.scalars;
}

function ganSession(cfg: TrainConfig, resume?: TrainState): Session {
  const classes = cfg.family === 'cgan' ? cfg.classes : 0;
  const g: Generator = buildGenerator({ latentDim: cfg.latentDim, size: cfg.size, width: cfg.width, classes, upsample: cfg.gUpsample }, hashSeed(cfg.seed, 1));
  const d: Discriminator = buildDiscriminator({ size: cfg.size, width: cfg.width, classes, norm: cfg.dNorm }, hashSeed(cfg.seed, 2));
  const optG = adamFor(cfg, cfg.lrG, trainable('generator', g.params, cfg.freeze));
  const optD = adamFor(cfg, cfg.lrD, trainable('discriminator', d.params, cfg.freeze));
  const ema = cfg.ema > 0 ? new Ema(g.params, cfg.ema) : null;
  // A second generator holds the averaged weights for sampling (BatchNorm statistics copied from the live one).
  let emaGenerator: Generator | null = null;
  const dispose = () => {
    g.dispose();
    d.dispose();
    optG.dispose();
    optD.dispose();
    ema?.dispose();
    emaGenerator?.dispose();
  };
  const augment = (x: tf.Tensor4D, rng: Rng) => (cfg.diffAugment ? diffAugment(x, cfg.diffAugment, rng) : x);
  const condOpt = (cond: tf.Tensor2D | null) => (cond ? { cond } : {});

  const session: Session = {
    config: cfg,
    step: 0,
    async trainStep(batch, reducer, opts = {}) {
      const { real, z, cond, share } = batch;
      const decay = lrFactor(cfg, session.step);
      optG.config.lr = cfg.lrG * decay;
      optD.config.lr = cfg.lrD * decay;
      // G first, keeping its output: the D phase then scores the same fakes without a second G
      // forward pass (the fakes come from G before this step's update, as in PyTorch's loop).
      let fake: tf.Tensor4D | null = null;
      const augRng = new Rng(batch.rng.next() * 4294967296);
      const [lossG] = await phase(optG, reducer, share, () => {
        const f = g.apply(z, { training: true, updateStats: true, ...condOpt(cond) });
        fake = tf.keep(f);
        const total = generatorLoss(cfg.loss, d.apply(augment(f, new Rng(augRng.next() * 4294967296)), condOpt(cond)));
        return { total, parts: [total] };
      });
      const fakeConst = fake as unknown as tf.Tensor4D;
      const lazyR1 = cfg.r1 > 0 && session.step % cfg.r1Every === 0;
      let lossD: number;
      try {
        [lossD] = (await phase(optD, reducer, share, () => {
          const rngD = new Rng(augRng.next() * 4294967296);
          const { negatives, negativeCond = null } = batch;
          let onReal: tf.Tensor1D;
          let onFake: tf.Tensor1D;
          if (negatives && cfg.dNorm !== 'batch') {
            // One pass: without batch statistics each image is scored on its own (and spectral norm's power step runs once).
            const all = tf.concat([augment(real, rngD), augment(fakeConst, rngD), augment(negatives, rngD)]);
            const allCond = cond ? tf.concat([cond, cond, negativeCond!]) : null;
            const n = real.shape[0];
            [onReal, onFake] = tf.split(d.apply(all, { updateStats: true, ...condOpt(allCond) }), [n, all.shape[0] - n]) as [tf.Tensor1D, tf.Tensor1D];
          } else {
            const both = tf.concat([augment(real, rngD), augment(fakeConst, rngD)]);
            const bothCond = cond ? tf.concat([cond, cond]) : null;
            [onReal, onFake] = tf.split(d.apply(both, { groups: 2, updateStats: true, ...condOpt(bothCond) }), 2) as [tf.Tensor1D, tf.Tensor1D];
            // BatchNorm: the negatives are a batch of their own (statistics per group, as real and fake).
            if (negatives) onFake = tf.concat([onFake, d.apply(augment(negatives, rngD), condOpt(negativeCond))]);
          }
          // Fake term: the mean over generated fakes and negatives together.
          const adv = discriminatorLoss(cfg.loss, onReal, onFake, batch.lossWeights);
          if (!lazyR1) return { total: adv, parts: [adv] };
          const penalty = r1Penalty((x) => d.apply(x, condOpt(cond)), augment(real, new Rng(augRng.next() * 4294967296)));
          return { total: tf.add(adv, tf.mul(penalty, (cfg.r1 / 2) * cfg.r1Every)) as tf.Scalar, parts: [adv] };
        })) as [number];
      } finally {
        fakeConst.dispose();
      }
      if (ema && opts.leader !== false) ema.update();
      session.step += 1;
      return { lossD, lossG: lossG! };
    },
    sample(z, cond) {
      if (!ema) return g.apply(z, { training: false, ...condOpt(cond) });
      emaGenerator ??= buildGenerator(g.spec, 0);
      // The averages and the live generator's BatchNorm statistics, copied on the backend (no read back).
      emaGenerator.copyFrom(new Map<string, tf.Tensor>([...ema.averages(), ...g.stats]));
      return emaGenerator.apply(z, { training: false, ...condOpt(cond) });
    },
    score: (x, cond) => d.apply(x, condOpt(cond)),
    async state() {
      const step = session.step;
      const [generator, discriminator, optimizerG, optimizerD, averages] = await Promise.all([
        g.read(),
        d.read(),
        optG.readState(),
        optD.readState(),
        // With its update count, so a resume during the warm-up continues it exactly.
        ema?.readState(),
      ]);
      return stateOf(cfg, step, {
        generator,
        discriminator,
        'optimizer.generator': optimizerG,
        'optimizer.discriminator': optimizerD,
        ...(averages ? { ema: averages } : {}),
      });
    },
    dispose,
  };
  if (resume) {
    try {
      g.load(group(resume, 'generator'));
      d.load(group(resume, 'discriminator'));
      if (ema) {
        if (resume.groups.ema) ema.setState(resume.groups.ema);
        // No averages saved (a fine-tune of a run without EMA): they start at the loaded weights.
        else ema.load(group(resume, 'generator').filter((a) => g.params.has(a.name)));
      }
      if (resume.groups['optimizer.generator']) {
        optG.setState(group(resume, 'optimizer.generator'));
        optD.setState(group(resume, 'optimizer.discriminator'));
        session.step = resume.step;
      }
    } catch (err) {
      dispose();
      throw err;
    }
  }
  return session;
}

function vaeSession(cfg: TrainConfig, resume?: TrainState): Session {
  const classes = cfg.classes;
  const vae: Vae = buildVae({ size: cfg.size, latentDim: cfg.latentDim, width: cfg.width, classes }, hashSeed(cfg.seed, 3));
  const opt = adamFor(cfg, cfg.lrG, trainable('vae', vae.params, cfg.freeze));
  const condOpt = (cond: tf.Tensor2D | null) => (cond ? { cond } : {});
  const session: Session = {
    config: cfg,
    step: 0,
    async trainStep(batch, reducer) {
      const parts = await phase(opt, reducer, batch.share, () => {
        // The step's latent noise is the reparameterisation's ε: seeded in JS like everything else.
        const { loss, recon, kl } = vaeLoss(vae, batch.real, batch.z, {
          ...condOpt(batch.cond),
          ...(batch.lossWeights ? { weights: batch.lossWeights } : {}),
          beta: cfg.beta,
          training: true,
        });
        return { total: loss, parts: [recon, kl] };
      });
      session.step += 1;
      return { recon: parts[0]!, kl: parts[1]! };
    },
    sample: (z, cond) => vae.decode(z, { training: false, ...condOpt(cond) }),
    score: () => null,
    async state() {
      const step = session.step;
      const [weights, optimizer] = await Promise.all([vae.read(), opt.readState()]);
      return stateOf(cfg, step, { vae: weights, 'optimizer.vae': optimizer });
    },
    dispose() {
      vae.dispose();
      opt.dispose();
    },
  };
  if (resume) {
    try {
      vae.load(group(resume, 'vae'));
      if (resume.groups['optimizer.vae']) {
        opt.setState(group(resume, 'optimizer.vae'));
        session.step = resume.step;
      }
    } catch (err) {
      session.dispose();
      throw err;
    }
  }
  return session;
}

function stateOf(cfg: TrainConfig, step: number, groups: Record<string, NamedArray[]>): TrainState {
  return { format: TRAIN_STATE_FORMAT, version: TRAIN_STATE_VERSION, config: { ...cfg }, step, groups, backend: tf.getBackend() };
}

function group(state: TrainState, name: string): NamedArray[] {
  const g = state.groups[name];
  if (!g) throw new TrainConfigError(`The checkpoint has no ${name} weights (it holds ${Object.keys(state.groups).join(', ')}).`);
  return g;
}

/** Builds (or restores) the networks and optimizers for `cfg`. */
export function createSession(cfg: TrainConfig, resume?: TrainState): Session {
  assertTrainConfig(cfg);
  if (resume) assertCompatible(resume, cfg);
  return cfg.family === 'vae' ? vaeSession(cfg, resume) : ganSession(cfg, resume);
}

function assertCompatible(state: TrainState, cfg: TrainConfig): void {
  if (state.format !== TRAIN_STATE_FORMAT || state.version !== TRAIN_STATE_VERSION) {
    throw new TrainConfigError(
      `This checkpoint is ${state.format} v${state.version}; this version of Atelier reads ${TRAIN_STATE_FORMAT} v${TRAIN_STATE_VERSION}.`,
    );
  }
  const family = (f: ModelFamily) => (f === 'vae' ? 'vae' : 'gan');
  if (family(state.config.family) !== family(cfg.family)) {
    throw new TrainConfigError(`Cannot continue a ${state.config.family} checkpoint as a ${cfg.family}.`);
  }
  for (const k of ['size', 'latentDim', 'width', 'classes', 'dNorm', 'gUpsample', 'family'] as const) {
    if (state.config[k] !== cfg[k]) {
      throw new TrainConfigError(
        `Cannot start from this checkpoint: it was trained with ${k} ${String(state.config[k])}, the new settings say ${String(cfg[k])}.`,
      );
    }
  }
}

export interface FineTuneOptions {
  /**
   * Restart the EMA's warm-up (its update count t = 0): the sampling average then follows this
   * run's few hundred steps instead of lagging behind them at the parent's decay (0.999 ≈ the last
   * 1,000 steps). A feedback round wants this (docs/feedback.md); the averages themselves are kept.
   */
  restartEma?: boolean;
}

/**
 * Fine-tuning: the weights (and EMA) of `parent` under a new config, with fresh optimizers and
 * step 0. Same family, size, width, latent size and classes are required; the checkpoint's
 * own config supplies any that were not chosen.
 */
export function fineTuneState(parent: TrainState, cfg: TrainConfig, opts: FineTuneOptions = {}): TrainState {
  assertCompatible(parent, cfg);
  const { ['optimizer.generator']: _g, ['optimizer.discriminator']: _d, ['optimizer.vae']: _v, ...weights } = parent.groups;
  if (opts.restartEma && weights.ema) {
    weights.ema = [{ name: EMA_STEP_ENTRY, shape: [], data: Float32Array.of(0) }, ...weights.ema.filter((a) => a.name !== EMA_STEP_ENTRY)];
  }
  const { trainedMs: _trained, ...rest } = parent; // a new run's time budget starts at zero
  return { ...rest, config: { ...cfg }, step: 0, groups: weights };
}

/** Deterministic batch order: one seeded permutation of the dataset per epoch. */
export class BatchSampler {
  private epoch = -1;
  private perm: Uint32Array = new Uint32Array(0);
  private readonly per: number;
  private cumulative: Float64Array | null = null;
  private negativeEpoch = -1;
  private negativePerm: Uint32Array = new Uint32Array(0);

  constructor(
    private readonly data: Dataset,
    private readonly seed: number,
    private readonly batchSize: number,
  ) {
    this.per = data.size * data.size * 3;
  }

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

  /** Slots [from, to) of batch `step` as floats in [−1, 1] (NHWC), augmented per slot. */
  batch(step: number, from = 0, to = this.batchSize): Float32Array {
    const indices = this.indices(step).slice(from, to);
    const out = new Float32Array(indices.length * this.per);
    const { augment, pixels, size } = this.data;
    indices.forEach((idx, k) => {
      const j = from + k;
      let image = pixels.subarray(idx * this.per, (idx + 1) * this.per);
      // Seeded by (seed, step, slot): a resumed run sees exactly the batches it would have.
      if (augment) image = augmentImage({ data: image, size }, augment, new Rng(hashSeed(this.seed, 0xa06, step, j))) as typeof image;
      const base = k * this.per;
      for (let i = 0; i < this.per; i++) out[base + i] = image[i]! / 127.5 - 1;
    });
    return out;
  }

  /** Conditioning vectors for slots [from, to) of batch `step`. */
  cond(step: number, classes: number, from = 0, to = this.batchSize): Float32Array {
    const indices = this.indices(step).slice(from, to);
    const out = new Float32Array(indices.length * classes);
    const cond = this.data.cond!;
    indices.forEach((idx, k) => out.set(cond.subarray(idx * classes, (idx + 1) * classes), k * classes));
    return out;
  }

  /** Loss weights of slots [from, to) of batch `step`; null when the dataset has none. */
  lossWeights(step: number, from = 0, to = this.batchSize): Float32Array | null {
    const weights = this.data.lossWeights;
    if (!weights) return null;
    return Float32Array.from(this.indices(step).slice(from, to), (idx) => weights[idx]!);
  }

  /** Extra fakes per step (0 without negatives). */
  get negativesPerBatch(): number {
    const neg = this.data.negatives;
    return neg ? negativesPerBatch(this.batchSize, neg.share) : 0;
  }

  /** Indices into `negatives` for batch `step`: a seeded permutation per epoch, as the reals. */
  negativeIndices(step: number): number[] {
    const neg = this.data.negatives;
    if (!neg) return [];
    const k = this.negativesPerBatch;
    const out: number[] = [];
    for (let j = 0; j < k; j++) {
      const pos = step * k + j;
      const epoch = Math.floor(pos / neg.count);
      if (epoch !== this.negativeEpoch) {
        this.negativePerm = permutation(neg.count, hashSeed(this.seed, 0x4e6a, epoch));
        this.negativeEpoch = epoch;
      }
      out.push(this.negativePerm[pos - epoch * neg.count]!);
    }
    return out;
  }

  /** Negatives [from, to) of batch `step` as floats in [−1, 1] (NHWC), with their conditions when `classes` > 0. */
  negatives(step: number, classes: number, from = 0, to = this.negativesPerBatch): { pixels: Float32Array; cond: Float32Array | null; count: number } {
    const neg = this.data.negatives;
    const indices = this.negativeIndices(step).slice(from, to);
    const pixels = new Float32Array(indices.length * this.per);
    const cond = classes > 0 ? new Float32Array(indices.length * classes) : null;
    indices.forEach((idx, k) => {
      const image = neg!.pixels.subarray(idx * this.per, (idx + 1) * this.per);
      for (let i = 0; i < this.per; i++) pixels[k * this.per + i] = image[i]! / 127.5 - 1;
      cond?.set(neg!.cond!.subarray(idx * classes, (idx + 1) * classes), k * classes);
    });
    return { pixels, cond, count: indices.length };
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
    this.perm = permutation(this.data.count, hashSeed(this.seed, 0x5eed, epoch));
    this.epoch = epoch;
  }
}

/** A seeded Fisher–Yates permutation of 0…n−1. */
function permutation(n: number, seed: number): Uint32Array {
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const rng = new Rng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  return perm;
}

/** Latent vectors for training step `step` (the whole batch; replicas take their slice). */
export function trainingNoise(cfg: TrainConfig, step: number): Float32Array {
  return new Rng(hashSeed(cfg.seed, 0x2a7e, step)).normalArray(cfg.batchSize * cfg.latentDim);
}

/** Slot range [from, to) of replica `r` of `n` in a batch of `batch`. */
export function replicaSlice(batch: number, r: number, n: number): [number, number] {
  return [Math.floor((batch * r) / n), Math.floor((batch * (r + 1)) / n)];
}

/** Runs step `session.step` on this replica's slice (tensors created and disposed here). */
export async function trainOnBatch(
  s: Session,
  batches: BatchSampler,
  reducer: Reducer = localReducer,
  replica = 0,
  opts: { leader?: boolean } = {},
): Promise<StepLosses> {
  const { size, batchSize, latentDim, classes } = s.config;
  const [from, to] = replicaSlice(batchSize, replica, reducer.replicas);
  const n = to - from;
  const step = s.step;
  const real = tf.tensor4d(batches.batch(step, from, to), [n, size, size, 3]);
  const z = tf.tensor2d(trainingNoise(s.config, step).subarray(from * latentDim, to * latentDim), [n, latentDim]);
  const cond = classes > 0 ? tf.tensor2d(batches.cond(step, classes, from, to), [n, classes]) : null;
  const weights = batches.lossWeights(step, from, to);
  const lossWeights = weights ? tf.tensor1d(weights) : null;
  // Each replica scores its own slice of the step's negatives (a VAE has no use for them).
  const k = s.config.family === 'vae' ? 0 : batches.negativesPerBatch;
  const [negFrom, negTo] = replicaSlice(k, replica, reducer.replicas);
  const neg = negTo > negFrom ? batches.negatives(step, classes, negFrom, negTo) : null;
  const negatives = neg ? tf.tensor4d(neg.pixels, [neg.count, size, size, 3]) : null;
  const negativeCond = neg?.cond ? tf.tensor2d(neg.cond, [neg.count, classes]) : null;
  try {
    const rng = new Rng(hashSeed(s.config.seed, 0xd1ff, step, replica));
    return await s.trainStep({ real, z, cond, lossWeights, negatives, negativeCond, share: n / batchSize, rng }, reducer, opts);
  } finally {
    real.dispose();
    z.dispose();
    cond?.dispose();
    lossWeights?.dispose();
    negatives?.dispose();
    negativeCond?.dispose();
  }
}

/** What the GPU holds, where tfjs says (WebGPU): weights, optimizer slots and the buffers it keeps for reuse. */
function gpuMemory(): { gpuBytes?: number } {
  const bytes = (tf.memory() as { numBytesInGPU?: number }).numBytesInGPU;
  return tf.getBackend() === 'webgpu' && typeof bytes === 'number' ? { gpuBytes: bytes } : {};
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function train(data: Dataset, cfg: TrainConfig, hooks: TrainHooks = {}): Promise<TrainResult> {
  assertTrainConfig(cfg);
  assertDataset(data, cfg);
  await initBackend();
  const session = createSession(cfg, hooks.resume);
  const batches = new BatchSampler(data, cfg.seed, cfg.batchSize);
  const workers = Math.max(1, Math.min(hooks.workers ?? 1, cfg.batchSize));
  const { startReplicas } = workers > 1 ? await import('./parallel.js') : { startReplicas: null };
  const group = startReplicas ? await startReplicas({ data, cfg, state: await session.state(), replicas: workers }) : null;
  const reducer = group?.reducer ?? localReducer;
  const losses: TrainResult['losses'] = [];
  hooks.onReady?.();
  const started = performance.now();
  const trainedBefore = hooks.resume?.trainedMs ?? 0;
  const stepsBefore = session.step;
  const trainedMs = () => trainedBefore + (performance.now() - started);
  const stateNow = async (): Promise<TrainState> => {
    const trained = trainedMs();
    return { ...(await session.state()), trainedMs: trained };
  };
  const recent: number[] = []; // durations of the last few steps, for img/s
  let stepMs = 0; // step time of this session after its first step (which pays for kernel set-up)
  let timedSteps = 0;
  let stopped = false;
  let budgetReached = false;
  try {
    while (session.step < cfg.steps) {
      if (hooks.signal?.aborted || hooks.shouldStop?.()) {
        stopped = true;
        break;
      }
      group?.beginStep(true);
      const baseline = tf.memory().numTensors; // weights and optimizer slots exist already; a step adds none
      const t0 = performance.now();
      let stepLosses: StepLosses;
      try {
        stepLosses = await trainOnBatch(session, batches, reducer, 0);
      } catch (error) {
        const refused = takeGpuError() ?? (GPU_LIMIT_ERROR.test((error as Error).message) ? (error as Error).message : null);
        throw refused ? new GpuRefusedError(session.step + 1, cfg, refused) : error;
      }
      const dt = performance.now() - t0;
      const step = session.step;
      // A command the GPU refused does not throw where it was issued: its results are garbage.
      const refused = takeGpuError();
      if (refused) throw new GpuRefusedError(step, cfg, refused);

      const numTensors = tf.memory().numTensors;
      if (numTensors > baseline) throw new TensorLeakError(step, baseline, numTensors);
      if (Object.values(stepLosses).some((v) => !Number.isFinite(v))) throw new TrainingDivergedError(step, stepLosses);

      losses.push({ step, ...stepLosses });
      recent.push(dt);
      if (recent.length > RATE_WINDOW) recent.shift();
      if (step > stepsBefore + 1) {
        stepMs += dt;
        timedSteps++;
      }
      const meanMs = recent.reduce((a, b) => a + b, 0) / recent.length;
      const trained = trainedMs();
      // Whole-run mean: this session's images over its time, plus what the checkpoint says came before.
      const meanImgPerSec = (cfg.batchSize * 1000 * step) / Math.max(1, trained);
      budgetReached = hooks.budgetMs !== undefined && trained >= hooks.budgetMs;
      hooks.onProgress?.({
        step,
        totalSteps: cfg.steps,
        ...stepLosses,
        imgPerSec: (cfg.batchSize * 1000) / meanMs,
        meanImgPerSec:
          trainedBefore > 0 || stepsBefore === 0 ? meanImgPerSec : (cfg.batchSize * 1000 * (step - stepsBefore)) / Math.max(1, trained - trainedBefore),
        stepImgPerSec: timedSteps > 0 ? (cfg.batchSize * 1000 * timedSteps) / stepMs : (cfg.batchSize * 1000) / dt,
        elapsedMs: performance.now() - started,
        trainedMs: trained,
        ...gpuMemory(),
      });
      const last = step === cfg.steps || budgetReached;
      const due = (every: number | undefined) => !!every && every > 0 && (step % every === 0 || last);
      if (hooks.onSample && due(hooks.sampleEvery)) await hooks.onSample(session);
      if (hooks.onCheckpoint && due(hooks.checkpointEvery)) await hooks.onCheckpoint(await stateNow(), session);
      if (budgetReached) break;
      await yieldToEventLoop(); // lets abort signals and IPC messages in between steps
    }
    await hooks.onFinish?.(session);
    return { state: await stateNow(), losses, stopped, budgetReached };
  } finally {
    await group?.stop();
    session.dispose();
  }
}
