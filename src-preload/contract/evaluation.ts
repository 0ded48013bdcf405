// Evaluation: the yardstick per checkpoint (KID, FID, precision/recall, diversity, class
// coverage), the collapse and copy alarms with their evidence, tests on the locked split, the
// published checkpoint, and how far newly imported images drift from what a model learned.
// Every number is on Atelier's own embedding: comparable within Atelier, not with published
// Inception-FID (docs/evaluation.md).
import { z } from 'zod';
import { count, id, projectFile } from './common';

/** What samples are scored against: the val split (routinely), the locked test split (once), or for a folder of outside images also train or all. */
export const EvalSplit = z.enum(['val', 'test', 'train', 'all']);

/** Samples drawn for one evaluation. */
export const evalSampleCount = z.number().int().min(16).max(10_000);

/** Near-identical samples: one group of the collapse alarm's evidence. */
export const CollapseGroup = z.object({ size: count, files: z.array(projectFile) });

export const CollapseReport = z.object({
  collapsed: z.boolean(),
  /** Plain reasons, for the alarm. */
  reasons: z.array(z.string()),
  /** Mean pairwise feature distance of the samples over the reference's: 1 ≈ as varied as the data. */
  diversity: z.number(),
  /** Share of samples with a near-identical other sample. */
  duplicateShare: z.number(),
  /** The largest groups of near-identical samples, a few files each. */
  groups: z.array(CollapseGroup),
});

/** A generated image beside its nearest training image (by features, and by pixels). */
export const NearestPair = z.object({
  /** The generated image (a file written for this evaluation, or the gallery image). */
  sample: projectFile,
  /** Nearest training image in feature space. */
  assetId: id.nullable(),
  assetName: z.string().nullable(),
  assetFile: projectFile.nullable(),
  /** Null when only pixels were compared (the training images' features were not cached yet). */
  featureDistance: z.number().nullable(),
  /** Nearest training image in pixel space (root-mean-square difference, 0–1). */
  pixelAssetId: id.nullable(),
  pixelAssetName: z.string().nullable(),
  pixelAssetFile: projectFile.nullable(),
  pixelDistance: z.number(),
  possibleCopy: z.boolean(),
});

/** A gallery image's copy check (generations:checkCopies): its nearest training images, when and against which thresholds. */
export const CopyCheck = NearestPair.extend({
  checkedAt: z.string(),
  threshold: z.object({ feature: z.number(), pixel: z.number() }),
});

export const Memorisation = z.object({
  /** Under these distances to the nearest training image a sample is a possible copy: half the smallest val→train distance. */
  threshold: z.object({ feature: z.number(), pixel: z.number() }),
  /** How many samples were compared, and how many are possible copies. */
  checked: count,
  flagged: count,
  /** The closest pairs (every flagged one first), for the side-by-side view. */
  pairs: z.array(NearestPair),
  /** False when only pixel distances were used (the training images' features were not cached yet). */
  features: z.boolean(),
});

export const Evaluation = z.object({
  id,
  /** Null for a folder of outside images (`atelier eval --images`). */
  runId: id.nullable(),
  runName: z.string().nullable(),
  checkpointId: id.nullable(),
  step: count.nullable(),
  split: EvalSplit,
  /** Scored by the run itself after a checkpoint (with a time budget), or asked for. */
  auto: z.boolean(),
  /** What was scored, e.g. "run 3 · step 600" or a folder name. */
  label: z.string(),
  samples: count,
  reference: count,
  kid: z.number(),
  kidStderr: z.number(),
  fid: z.number(),
  precision: z.number(),
  recall: z.number(),
  /** Conditional models: share of tags whose prompt lands nearest that tag's real images; null otherwise. */
  coverage: z.number().nullable(),
  collapse: CollapseReport,
  memorisation: Memorisation.nullable(),
  /** A few samples of this evaluation, for the view's strip. */
  preview: z.array(projectFile),
  seconds: z.number(),
  /** The ruler: network, package, input size (scores are comparable only within one). */
  embedding: z.string(),
  createdAt: z.string(),
});

/** How far newly imported images are from the images a model learned (after an import into a project with a trained model). */
export const DriftReport = z.object({
  id,
  importId: id.nullable(),
  createdAt: z.string(),
  images: count,
  /** Median nearest-training distance of the new images over that of images known to belong: ≈ 1 = like the training data. */
  score: z.number(),
  /** Share of new images farther from the training set than 95% of the val images are. */
  outlierShare: z.number(),
  /** The most unusual new images, most unusual first. */
  unusual: z.array(z.object({ assetId: id, name: z.string(), file: projectFile, ratio: z.number() })),
});

export type EvaluationT = z.output<typeof Evaluation>;
export type NearestPairT = z.output<typeof NearestPair>;
export type CopyCheckT = z.output<typeof CopyCheck>;
export type DriftReportT = z.output<typeof DriftReport>;
export type EvalSplitT = z.output<typeof EvalSplit>;
