// Training: model families, run settings, runs, losses, checkpoints, samples.
import { z } from 'zod';
import { count, id, projectFile } from './common';
import { Evaluation } from './evaluation';

/** dcgan: unconditional; cgan: conditioned on tags (projection discriminator); vae: variational autoencoder (conditioned on tags when the project has any). */
export const ModelKind = z.enum(['dcgan', 'cgan', 'vae']);
export const ModelPreset = z.enum(['small', 'medium']);
export const ImageSize = z.union([z.literal(32), z.literal(64)]);
export const GanLoss = z.enum(['ns', 'hinge']);

// The limits of a run's settings, declared once: TrainSettings uses them, and the Train view's
// form checks its fields with the same schema (and words its problems from these bounds).

/** A run's name as a person types it. */
export const runName = z.string().trim().min(1).max(80);
/** Training steps; also the bound of the checkpoint and sample intervals. */
export const trainSteps = z.number().int().min(1).max(1_000_000);
/** Images per training step. */
export const batchSize = z.number().int().min(2).max(512);
/** The seed of a run's weights and batches. */
export const trainSeed = z.number().int().nonnegative();
/** A learning rate (G's or D's). */
export const learningRate = z.number().positive().max(0.1);
/** R1 gradient penalty weight γ. */
export const r1Weight = z.number().min(0).max(100);
/** A VAE's KL weight β. */
export const klWeight = z.number().min(0).max(10);
/** Steps between checkpoints or between sample grids. */
export const stepInterval = z.number().int().min(1).max(1_000_000);
/** Processes that train one run together. */
export const workerCount = z.number().int().min(1).max(64);
/** Fine-tuning's learning-rate multiplier. */
export const lrScale = z.number().positive().max(1);
/** A time budget: minutes of training (a week at most). */
export const trainMinutes = z.number().positive().max(10_080);

/** The Train view's time budgets, by what a person gets from them on the default recipe (docs/training-recipe.md). */
export const BUDGET_PRESETS = [
  { minutes: 3, label: 'Quick look' },
  { minutes: 12, label: 'Recognisable' },
  { minutes: 60, label: 'Best' },
] as const;

/**
 * Steps after which the default recipe (conditional GAN, 32 px, small, batch 32) drew recognisable
 * kinds of emoji on the starter set: trial Q made 3,875 in 12 minutes on two cores
 * (docs/training-recipe.md). Until a checkpoint has a score, earlier ones are called early.
 */
export const RECOGNISABLE_STEPS = 3_875;
/** Around here the recipe's samples turn from colour blobs into shapes. */
export const SHAPES_STEPS = 1_500;

/** Everything that defines a run, as chosen in the Train view (defaults are the studio's recipe). */
export const TrainSettings = z
  .object({
    /** Shown in the run list and comparison; generated from the settings when absent. */
    name: runName.optional(),
    model: ModelKind.default('dcgan'),
    size: ImageSize.default(32),
    preset: ModelPreset.default('small'),
    steps: trainSteps,
    batchSize: batchSize.default(32),
    seed: trainSeed.default(1),
    /** Learning rates; the family's default when absent (fine-tuning scales them by lrScale). */
    lrG: learningRate.optional(),
    lrD: learningRate.optional(),
    /** GAN loss: non-saturating (the DCGAN paper's) or hinge. Ignored for a VAE. */
    loss: GanLoss.default('hinge'),
    /** Generator upsampling: nearest ×2 + 3×3 conv (no checkerboard) or ConvTranspose (the reference DCGAN); the recipe's choice when absent. */
    upsample: z.enum(['resize', 'transposed']).optional(),
    /** Discriminator normalisation: BatchNorm (DCGAN), spectral norm, or none; the recipe's choice when absent (R1 needs spectral or none). */
    dNorm: z.enum(['batch', 'spectral', 'none']).optional(),
    /** R1 gradient penalty weight γ on real images; 0 turns it off. Ignored for a VAE. */
    r1: r1Weight.default(0),
    /** Sample from an exponential moving average of the generator's weights. */
    ema: z.boolean().default(true),
    /**
     * Differentiable augmentation of reals and fakes for D (GANs): 'translation' (shifts), 'full' (colour + shifts +
     * cutout), 'auto' = translation below 10,000 images, or 'off'. 'on' is the older name of 'full'.
     */
    diffAugment: z.enum(['auto', 'translation', 'full', 'on', 'off']).default('auto'),
    /** VAE only: weight of the KL term. */
    beta: klWeight.default(1),
    checkpointEvery: stepInterval.optional(),
    /** A fixed-seed sample grid is drawn every this many steps. */
    sampleEvery: stepInterval.optional(),
    /**
     * Rare tags (by each image's first tag) count as much as common ones: 'oversample' draws their
     * images more often; 'classWeights' draws every image as often but weights each real image's
     * loss by its tag's inverse frequency (mean weight 1 over the training set).
     */
    balance: z.enum(['none', 'oversample', 'classWeights']).default('none'),
    /** Apply the dataset's augmentation policy to the real images. */
    augment: z.boolean().default(true),
    /** Fine-tune: start from this checkpoint's weights (same family and size). */
    fromCheckpointId: id.optional(),
    /** Fine-tune: layers kept fixed, by name prefix (see runs:options). */
    freeze: z.array(z.string().min(1)).max(64).default([]),
    /** Fine-tune: learning rates are multiplied by this. */
    lrScale: lrScale.default(1),
    /** Processes that train this run together (data-parallel); the number of cores when absent. */
    workers: workerCount.optional(),
    /**
     * A time budget: the run trains for this many minutes of training time (across pauses), however
     * many steps that is; `steps` is then its estimate (intervals and the expected total), and the
     * run may go past it on a faster machine (up to BUDGET_STEP_CEILING times) or end before it on a slower one.
     */
    minutes: trainMinutes.optional(),
  })
  .strict();

/** A time-budgeted run never trains more than this many times its estimated steps. */
export const BUDGET_STEP_CEILING = 4;

/** What a run of these settings would take on this workstation, from its measured speed (runs:estimate). */
export const RunEstimateInput = z
  .object({
    model: ModelKind,
    size: ImageSize.default(32),
    preset: ModelPreset.default('small'),
    batchSize: batchSize.default(32),
    /** Threads per run; the number of cores when absent (one per run for a sweep). */
    workers: workerCount.optional(),
    /** Runs queued together (a sweep): one core each, side by side. */
    runs: z.number().int().min(1).max(16).default(1),
    /** Steps a budget of this many minutes buys… */
    minutes: trainMinutes.optional(),
    /** …or minutes these steps take. */
    steps: trainSteps.optional(),
    /** Time a few real steps when this workstation's speed is not known yet (a few seconds). */
    measure: z.boolean().default(false),
  })
  .strict();

export const RunEstimate = z.object({
  /** Images per second of step time on this workstation for this shape; null when not measured. */
  imgPerSec: z.number().nullable(),
  /** Where the speed comes from: a short timing of real steps, or a real run's mean. */
  source: z.enum(['timing', 'run']).nullable(),
  measuredAt: z.string().nullable(),
  backend: z.string(),
  /** Threads each run uses. */
  workers: count,
  /** Steps per minute of training, counting the time between steps (samples, checkpoints, scoring). */
  stepsPerMinute: z.number().nullable(),
  /** Steps the budget buys (per run), when minutes were given. */
  steps: count.nullable(),
  /** Wall-clock minutes until the last run ends (runs beyond the cores wait their turn). */
  minutes: z.number().nullable(),
  /** Why there is no estimate (not measured yet, and not asked to). */
  note: z.string().nullable(),
});
export type RunEstimateT = z.output<typeof RunEstimate>;

export const RunStatus = z.enum(['queued', 'running', 'paused', 'done', 'cancelled', 'failed']);

export const Run = z.object({
  id,
  name: z.string(),
  model: ModelKind,
  size: ImageSize,
  preset: ModelPreset,
  steps: count,
  batchSize: count,
  seed: z.number().int(),
  status: RunStatus,
  stepsDone: count,
  /** Latest losses: D and G for a GAN; reconstruction and KL for a VAE (the others null). */
  lossD: z.number().nullable(),
  lossG: z.number().nullable(),
  recon: z.number().nullable(),
  kl: z.number().nullable(),
  imgPerSec: z.number().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  latestCheckpointId: id.nullable(),
  /** The checkpoint a fine-tuning run started from. */
  parentCheckpointId: id.nullable(),
  /** Runs started together by one sweep share this id. */
  sweepId: id.nullable(),
  /** The full settings the run was started with (defaults filled in). */
  settings: z.record(z.string(), z.unknown()),
  /** Latest sample grid (project file), null before the first. */
  latestSample: projectFile.nullable(),
  /** True when validation says D has started to memorise the training images. */
  overfitting: z.boolean(),
  /** When the run was archived (hidden from the run list unless archived runs are shown; its checkpoints stay usable); null when it is not. */
  archivedAt: z.string().nullable().optional(),
  /** The compute backend its job trained on and the sentence saying why; null before its job started, or for a run trained before this was kept. */
  backend: z.object({ name: z.string(), message: z.string() }).nullable().optional(),
});

/** One step's losses; which are present depends on the family (GAN: d, g; VAE: recon, kl). */
export const LossPoint = z.object({
  step: count,
  lossD: z.number().nullable(),
  lossG: z.number().nullable(),
  recon: z.number().nullable(),
  kl: z.number().nullable(),
});

export const Checkpoint = z.object({
  id,
  runId: id,
  step: count,
  dir: projectFile,
  createdAt: z.string(),
  /**
   * Validation (StyleGAN2-ADA's overfitting heuristic): share of images D calls real, as
   * E[sign(D(x))] in [−1, 1], on training images and on the val split. A growing gap = memorising.
   */
  dTrain: z.number().nullable(),
  dVal: z.number().nullable(),
});

export const RunSample = z.object({ step: count, file: projectFile });

export const RunDetail = Run.extend({
  losses: z.array(LossPoint),
  samples: z.array(RunSample),
  checkpoints: z.array(Checkpoint),
  /** The run's latest scoring on the val split (its alarms show in the run view); null before one. */
  latestEvaluation: Evaluation.nullable(),
  /**
   * A conditional run's sample grid: the tags each of its 64 cells is drawn for, in reading order
   * (row by row), as the engine recorded them when it built the grid. Null for an unconditional run,
   * or one trained before Atelier recorded them.
   */
  sampleTags: z.array(z.array(z.string())).nullable().optional(),
});

/** What deleting a run removes, what depends on it, and what stays (runs:removal); the confirmation shows it. */
export const RunRemoval = z.object({
  runId: id,
  name: z.string(),
  status: RunStatus,
  /** Why it cannot be deleted now (it is training or queued, or a queued run starts from it); null when it can. */
  blocked: z.string().nullable(),
  /** Its checkpoints and the bytes of their weights. */
  checkpoints: count,
  checkpointBytes: count,
  /** Its sample grids and their bytes. */
  samples: count,
  sampleBytes: count,
  /** Scorings of the run or of its checkpoints, and the bytes of their evidence images. */
  evaluations: count,
  evaluationBytes: count,
  /** Bytes of every file that goes. */
  bytes: count,
  /** One of its checkpoints is the published one (Generate's default): it is withdrawn. */
  published: z.boolean(),
  /** Images in the gallery drawn from its checkpoints: they stay, with their prompts, seeds and ratings, but can no longer be redrawn. */
  generations: count,
  /** Runs fine-tuned from its checkpoints: they stay, with their own checkpoints. */
  fineTuned: z.array(z.object({ runId: id, name: z.string() })),
  /** Feedback rounds that started from its checkpoints: they stay, with their before/after comparison. */
  feedbackRoundsFrom: z.array(z.object({ runId: id, name: z.string() })),
  /** This run is a feedback round: its record of the ratings it used goes with it. */
  isFeedbackRound: z.boolean(),
});

export const RunDeleted = z.object({
  runId: id,
  /** Files and folders removed, and the bytes freed. */
  removed: count,
  bytes: count,
  /** Gallery images drawn from it, which stay. */
  keptGenerations: count,
});

export type RunT = z.output<typeof Run>;
export type RunDetailT = z.output<typeof RunDetail>;
export type TrainSettingsT = z.output<typeof TrainSettings>;
export type TrainSettingsInput = z.input<typeof TrainSettings>;
export type CheckpointT = z.output<typeof Checkpoint>;
export type RunRemovalT = z.output<typeof RunRemoval>;
