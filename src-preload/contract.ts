// The one contract between the UI and the engine. Every operation the renderer,
// the headless studio or the CLI can perform is declared here once: its name
// (`domain:action`), the schema of its input and of its output. Events the
// engine pushes are declared here too. Types for both sides derive from it.
import { z } from 'zod';

const count = z.number().int().nonnegative();
const id = z.number().int().positive();
/** A path relative to the project folder, e.g. `thumbs/ab/abcd….webp`. */
const projectFile = z.string();

export const BackendName = z.enum(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);

export const BackendInfo = z.object({
  name: BackendName,
  threads: count,
  message: z.string(),
});

export const ProjectSummary = z.object({
  dir: z.string(),
  name: z.string(),
  assetCount: count,
  tagCount: count,
  runCount: count,
  generationCount: count,
  checkpointCount: count,
  /** Transparent originals are composited on this colour for training. */
  background: z.string(),
});

export const Credit = z.object({ what: z.string(), author: z.string(), license: z.string(), url: z.string() });

export const Split = z.enum(['train', 'val', 'test']);
export const QualityFlag = z.enum(['tiny', 'extreme-aspect', 'blurry', 'too-dark', 'too-bright', 'near-blank', 'grayscale']);

export const Asset = z.object({
  id,
  hash: z.string(),
  name: z.string(),
  width: count,
  height: count,
  thumb: projectFile,
  tags: z.array(z.string()),
  split: Split.nullable(),
  excluded: z.boolean(),
  flags: z.array(QualityFlag),
  /** 0 = not rated, else 1–5 stars. */
  rating: z.number().int().min(0).max(5),
});

export const AssetDetail = Asset.extend({
  /** The original, as imported. */
  file: projectFile,
  bytes: count,
  hasAlpha: z.boolean(),
  phash: z.string().nullable(),
  quality: z.record(z.string(), z.number()).nullable(),
});

/** The longest tag name, in characters (a folder name used as a tag is cut to it). */
export const TAG_MAX_LENGTH = 100;
/** A tag's name: trimmed, 1–100 characters, no control characters (tabs, newlines). */
export const tagName = z
  .string()
  .trim()
  .min(1, 'a tag needs a name')
  .max(TAG_MAX_LENGTH, `a tag is at most ${TAG_MAX_LENGTH} characters`)
  .regex(/^[^\p{Cc}]*$/u, 'a tag cannot hold control characters (tabs, line breaks)');

/** What the grid can be narrowed to; the fields combine. */
const assetFilter = {
  tag: tagName.optional(),
  split: z.enum(['train', 'val', 'test', 'none']).optional(),
  flag: QualityFlag.optional(),
  excluded: z.boolean().optional(),
  /** Only these images (e.g. one near-duplicate cluster). */
  ids: z.array(id).max(100_000).optional(),
  /** At least this many stars (0 = any rating). */
  minRating: z.number().int().min(0, 'minRating is 0 (any) to 5 stars').max(5, 'minRating is 0 (any) to 5 stars').optional(),
  /** true: only images not rated yet; false: only rated ones. */
  unrated: z.boolean().optional(),
};
const selection = z.array(id).min(1).max(1_000_000);
/** 0 clears the rating; 1–5 are stars. */
const starRating = z.number().int('rating is a whole number of stars').min(0, 'rating is 0 (none) to 5 stars').max(5, 'rating is 0 (none) to 5 stars');

export const ImportReport = z.object({
  cancelled: z.boolean().default(false),
  imported: count,
  duplicates: count,
  failed: z.array(z.object({ file: z.string(), reason: z.string() })),
  seconds: z.number(),
});

/** How training images are varied as they are batched (and previewed live in the Data view). */
export const AugmentationPolicy = z.object({
  /** Probability (0–1) that an image is mirrored left–right; 0 turns it off. */
  hflip: z.number().min(0).max(1),
  /** Probability (0–1) that an image is mirrored top–bottom. */
  vflip: z.number().min(0).max(1),
  /** A random quarter turn (0°, 90°, 180° or 270°) when on. */
  rot90: z.boolean(),
  /** Largest rotation in degrees either way; small, since corners fill with background. */
  rotate: z.number().min(0).max(30),
  /** Smallest crop side as a share of the image (0.7–1); 1 = no crop. */
  crop: z.number().min(0.7).max(1),
  colourJitter: z.object({
    /** Brightness is scaled by up to ±this (0.2 = 0.8×–1.2×). */
    brightness: z.number().min(0).max(0.5),
    /** Contrast around the mean luma, up to ±this. */
    contrast: z.number().min(0).max(0.5),
    /** Saturation (blend with gray), up to ±this. */
    saturation: z.number().min(0).max(0.5),
    /** Hue turned by up to ±this share of the colour wheel (0.05 = ±18°). */
    hue: z.number().min(0).max(0.25),
  }),
});

export const SplitInfo = z.object({
  counts: z.object({ train: count, val: count, test: count, none: count }),
  settings: z.object({ train: count, val: count, test: count, seed: count }).nullable(),
  locked: Split.nullable(),
});

export const TagCount = z.object({ name: z.string(), count });

/** dcgan: unconditional; cgan: conditioned on tags (projection discriminator); vae: variational autoencoder (conditioned on tags when the project has any). */
export const ModelKind = z.enum(['dcgan', 'cgan', 'vae']);
export const ModelPreset = z.enum(['small', 'medium']);
export const ImageSize = z.union([z.literal(32), z.literal(64)]);
export const GanLoss = z.enum(['ns', 'hinge']);

/** Everything that defines a run, as chosen in the Train view (defaults are the studio's recipe). */
export const TrainSettings = z
  .object({
    /** Shown in the run list and comparison; generated from the settings when absent. */
    name: z.string().trim().min(1).max(80).optional(),
    model: ModelKind.default('dcgan'),
    size: ImageSize.default(32),
    preset: ModelPreset.default('small'),
    steps: z.number().int().min(1).max(1_000_000),
    batchSize: z.number().int().min(2).max(512).default(32),
    seed: z.number().int().nonnegative().default(1),
    /** Learning rates; the family's default when absent (fine-tuning scales them by lrScale). */
    lrG: z.number().positive().max(0.1).optional(),
    lrD: z.number().positive().max(0.1).optional(),
    /** GAN loss: non-saturating (the DCGAN paper's) or hinge. Ignored for a VAE. */
    loss: GanLoss.default('hinge'),
    /** Generator upsampling: nearest ×2 + 3×3 conv (no checkerboard) or ConvTranspose (the reference DCGAN); the recipe's choice when absent. */
    upsample: z.enum(['resize', 'transposed']).optional(),
    /** Discriminator normalisation: BatchNorm (DCGAN), spectral norm, or none; the recipe's choice when absent (R1 needs spectral or none). */
    dNorm: z.enum(['batch', 'spectral', 'none']).optional(),
    /** R1 gradient penalty weight γ on real images; 0 turns it off. Ignored for a VAE. */
    r1: z.number().min(0).max(100).default(0),
    /** Sample from an exponential moving average of the generator's weights. */
    ema: z.boolean().default(true),
    /**
     * Differentiable augmentation of reals and fakes for D (GANs): 'translation' (shifts), 'full' (colour + shifts +
     * cutout), 'auto' = translation below 10,000 images, or 'off'. 'on' is the older name of 'full'.
     */
    diffAugment: z.enum(['auto', 'translation', 'full', 'on', 'off']).default('auto'),
    /** VAE only: weight of the KL term. */
    beta: z.number().min(0).max(10).default(1),
    checkpointEvery: z.number().int().min(1).optional(),
    /** A fixed-seed sample grid is drawn every this many steps. */
    sampleEvery: z.number().int().min(1).optional(),
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
    /** Fine-tune: layers kept fixed, by name prefix (see train:options). */
    freeze: z.array(z.string().min(1)).max(64).default([]),
    /** Fine-tune: learning rates are multiplied by this. */
    lrScale: z.number().positive().max(1).default(1),
    /** Processes that train this run together (data-parallel); the number of cores when absent. */
    workers: z.number().int().min(1).max(64).optional(),
  })
  .strict();

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
});

/** One image → image operation, stored with a post-processed image and replayed to regenerate it. */
export const PostProcessStep = z.discriminatedUnion('op', [
  z.object({ op: z.literal('upscale'), factor: z.union([z.literal(2), z.literal(4)]), kernel: z.enum(['lanczos', 'nearest']) }).strict(),
  z.object({ op: z.literal('sharpen'), amount: z.number().min(0).max(10) }).strict(),
  z.object({ op: z.literal('reducePalette'), colours: z.number().int().min(2).max(256) }).strict(),
  z
    .object({ op: z.literal('backgroundToTransparent'), colour: z.string().regex(/^#[0-9a-f]{6}$/i), tolerance: z.number().min(0).max(255) })
    .strict(),
]);

/** How a generated image came about. */
export const GenerationOrigin = z.enum(['prompt', 'variation', 'interpolation', 'walk', 'postprocess']);

export const Generation = z.object({
  id,
  file: projectFile,
  seed: z.number().int(),
  /** Position in its batch. */
  index: count,
  checkpointId: id,
  runId: id,
  /** The model's resolution; width/height are the file's (larger after an upscale). */
  size: count,
  width: count,
  height: count,
  createdAt: z.string(),
  /** The canonical prompt it was made from ('' when none). */
  prompt: z.string(),
  truncation: z.number().nullable(),
  origin: GenerationOrigin,
  /** The image it was derived from (variation, post-processing, a walk's centre). */
  parentId: id.nullable(),
  /** Images made by one press of a button share a batch. */
  batchId: count,
  /** 0 = not rated, else 1–5 stars. */
  rating: z.number().int().min(0).max(5),
  /** Post-processing applied, in order (empty for a drawn image). */
  post: z.array(PostProcessStep),
});

export const GenerationDetail = Generation.extend({
  runName: z.string(),
  model: z.enum(['dcgan', 'cgan', 'vae']),
  checkpointStep: count,
  /** The tfjs backend that drew it; regeneration is bit-identical on the same backend. */
  backend: z.string(),
  /** The condition vector's non-zero entries by tag (negative weight = a negative tag). */
  conditioning: z.array(z.object({ tag: z.string(), weight: z.number() })),
  /** Euclidean norm of the latent vector (≈ √dim for an untruncated draw). */
  latentNorm: z.number(),
  latentDim: count,
  /** Origin-specific parameters: variation strength, interpolation position, walk offsets. */
  params: z.record(z.string(), z.union([z.number(), z.string()])),
  children: count,
});

export const PromptTerm = z.object({ tag: z.string(), weight: z.number() });
export const ParsedPrompt = z.object({
  tags: z.array(PromptTerm),
  negative: z.array(z.string()),
  seed: z.number().int().nullable(),
  count: z.number().int().nullable(),
  truncation: z.number().nullable(),
  checkpoint: z.object({ kind: z.enum(['run', 'checkpoint']), id: z.number().int() }).nullable(),
});
export const PromptProblem = z.object({
  term: z.string(),
  start: count,
  end: count,
  message: z.string(),
  suggestions: z.array(z.string()),
});

/** A checkpoint as the Generate view offers it. */
export const GeneratorChoice = z.object({
  checkpointId: id,
  runId: id,
  runName: z.string(),
  step: count,
  model: z.enum(['dcgan', 'cgan', 'vae']),
  size: count,
  /** Tags the model was trained on, in condition-vector order (empty: unconditional). */
  classes: z.array(z.string()),
  createdAt: z.string(),
});

/** An interpolation end: a generated image, or a prompt (its seed's first latent). */
export const LatentEndpoint = z.union([z.object({ generationId: id }).strict(), z.object({ prompt: z.string().max(2000) }).strict()]);

/** What the gallery filters and sorts by (generations:list, generations:ids). */
const generationFilter = {
  /** Words that must all appear in the prompt. */
  text: z.string().max(200).optional(),
  tag: z.string().max(200).optional(),
  runId: id.optional(),
  checkpointId: id.optional(),
  seed: z.number().int().optional(),
  batchId: count.optional(),
  origin: GenerationOrigin.optional(),
  minRating: z.number().int().min(0).max(5).optional(),
  /** ISO dates (inclusive from, exclusive to). */
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
  sort: z.enum(['newest', 'oldest', 'rating']).default('newest'),
};

export const GeneratedBatch = z.object({
  batchId: count,
  items: z.array(Generation),
  /** Engine time from the request to the rows being stored (drawing, encoding, writing). */
  ms: z.number(),
  /** Things the person should know, e.g. that an unconditional model ignores tags. */
  notes: z.array(z.string()),
  /**
   * The first images' pixels (up to 256 images or 768 KB), so a fresh grid draws them at once
   * without a file request or a PNG decode per image; the rest load from their files.
   */
  previews: z
    .object({
      size: z.number().int().positive(),
      count,
      /** base64 of count × size × size × 3 bytes (RGB), images in item order. */
      rgb: z.string(),
    })
    .nullable(),
});

export const JobKind = z.enum(['train', 'import']);
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

export const ErrorPayload = z.object({ code: z.string(), message: z.string() });

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
  imgPerSec: z.number().optional(),
});

/** A run changed: status, a new sample grid, a checkpoint or validation. Refetch it with runs:get. */
export const RunChanged = z.object({ runId: id, status: RunStatus, reason: z.enum(['status', 'sample', 'checkpoint']) });

export const JobFinished = z.object({
  jobId: z.string(),
  kind: JobKind,
  runId: id.nullable(),
  status: z.enum(['done', 'cancelled', 'failed']),
  error: ErrorPayload.optional(),
  generationIds: z.array(id).optional(),
  checkpointId: id.optional(),
});

const empty = z.object({}).strict();
const paging = { offset: count.default(0), limit: z.number().int().min(1).max(2000).default(200) };

function op<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string) {
  return { input, output, summary };
}

export const operations = {
  'app:info': op(
    empty,
    z.object({
      version: z.string(),
      backend: BackendInfo,
      project: ProjectSummary.nullable(),
      /** Where new projects go when the studio limits them to one folder (the headless studio); null in the desktop app. */
      projectsRoot: z.string().nullable(),
      credits: z.array(Credit),
    }),
    'What this studio is running on and which project is open.',
  ),
  'project:create': op(
    z.object({ dir: z.string().min(1), starter: z.boolean().default(false) }).strict(),
    ProjectSummary,
    'Create a project folder (optionally filled with the starter dataset) and open it.',
  ),
  'project:open': op(z.object({ dir: z.string().min(1) }).strict(), ProjectSummary, 'Open an existing project folder.'),
  'project:setBackground': op(
    z.object({ color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour like #ffffff') }).strict(),
    ProjectSummary,
    'Set the colour transparent images are composited on for training (the originals keep their alpha).',
  ),
  'assets:list': op(
    z.object({ ...paging, ...assetFilter }).strict(),
    z.object({ total: count, items: z.array(Asset) }),
    'A page of the dataset, optionally filtered by tag.',
  ),
  'tags:list': op(empty, z.array(TagCount), 'Every tag with its image count.'),
  'assets:get': op(z.object({ id }).strict(), AssetDetail, 'One image with its measures, for the detail pane.'),
  'assets:ids': op(z.object(assetFilter).strict(), z.object({ ids: z.array(id) }), 'Every image id a filter matches (select all).'),
  'assets:exclude': op(
    z.object({ ids: selection, excluded: z.boolean() }).strict(),
    z.object({ changed: count }),
    'Exclude images from training, or bring them back. Originals are never deleted.',
  ),
  'assets:rate': op(
    z.object({ ids: selection, rating: starRating }).strict(),
    z.object({ updated: count }),
    'Rate images 1–5 stars, or clear their rating with 0 (one undoable edit for the whole selection).',
  ),
  'tags:apply': op(
    z.object({ ids: selection, add: z.array(tagName).max(100).default([]), remove: z.array(tagName).max(100).default([]) }).strict(),
    z.object({ added: count, removed: count }),
    'Add and remove tags on a selection.',
  ),
  'tags:rename': op(
    z.object({ from: z.string().min(1).max(1000), to: tagName }).strict(),
    z.object({ merged: z.boolean() }),
    'Rename a tag; renaming onto an existing tag merges the two.',
  ),
  'edits:undo': op(
    empty,
    z.object({ undone: z.string().nullable(), next: z.string().nullable() }),
    'Revert the most recent bulk edit (tags, exclusion, splits, ratings).',
  ),
  'edits:last': op(empty, z.object({ label: z.string().nullable() }), 'What undo would revert.'),
  'quality:summary': op(
    empty,
    z.array(z.object({ flag: QualityFlag, label: z.string(), description: z.string(), count })),
    'How many images carry each quality flag.',
  ),
  'duplicates:find': op(
    z.object({ threshold: z.number().int().min(0).max(16).default(6) }).strict(),
    z.object({ threshold: count, clusters: z.array(z.object({ ids: z.array(id).min(2), keep: id })) }),
    'Clusters of near-duplicate images (perceptual hashes within `threshold` bits), with the one to keep by default.',
  ),
  'splits:assign': op(
    z
      .object({ train: z.number().int().min(0).max(100), val: z.number().int().min(0).max(100), test: z.number().int().min(0).max(100), seed: z.number().int().nonnegative().default(1) })
      .strict()
      .refine((s) => s.train + s.val + s.test === 100, { message: 'train, val and test must add up to 100' }),
    SplitInfo,
    'Assign every image to train/val/test, stratified by its first tag, deterministic from the seed.',
  ),
  'splits:lock': op(
    z.object({ to: Split.nullable() }).strict(),
    SplitInfo,
    'Lock the split: later imports go only to the chosen split (null unlocks).',
  ),
  'splits:info': op(empty, SplitInfo, 'Images per split, the settings used and the lock.'),
  'augment:get': op(empty, AugmentationPolicy, "The dataset's augmentation policy, which training uses."),
  'augment:set': op(z.object({ policy: AugmentationPolicy }).strict(), AugmentationPolicy, "Save the dataset's augmentation policy."),
  'augment:preview': op(
    z.object({ id, policy: AugmentationPolicy, count: z.number().int().min(1).max(16).default(8), seed: z.number().int().nonnegative().default(1), size: z.number().int().min(16).max(256).default(96) }).strict(),
    z.object({ images: z.array(z.string()) }),
    'Augmented copies of one image as PNG data URLs, for a live preview of a policy.',
  ),
  'imports:latest': op(empty, ImportReport.nullable(), 'The report of the most recent import, with every failure.'),
  'assets:import': op(
    z
      .object({
        paths: z.array(z.string().min(1)).min(1),
        tagsFromFolders: z.boolean().default(false),
        /** Images above this many megapixels are refused before they are decoded (decompression bombs). */
        maxMegapixels: z.number().min(1).max(1000).default(64),
      })
      .strict(),
    ImportReport,
    'Import image files and folders (recursively) into the open project.',
  ),
  'train:options': op(
    empty,
    z.object({
      /** Tags a conditional model is conditioned on (the project's vocabulary). */
      classes: z.array(z.string()),
      trainImages: count,
      valImages: count,
      /** Processes a run uses by default (the machine's cores). */
      workers: count,
      /** Layer groups that can be frozen when fine-tuning, per family. */
      freezable: z.record(ModelKind, z.array(z.object({ name: z.string(), label: z.string() }))),
      /** Parameter counts for each family, size and preset (a VAE's are all under generator, discriminator 0). */
      models: z.array(z.object({ model: ModelKind, size: ImageSize, preset: ModelPreset, generator: count, discriminator: count })),
      /** The family the Train view and the CLI start with: the conditional GAN when images have tags (see docs/training-recipe.md). */
      recommended: ModelKind,
    }),
    'What the Train view needs to offer choices: classes, image counts, freezable layers, model sizes.',
  ),
  'train:start': op(
    TrainSettings,
    z.object({ runId: id, status: RunStatus }),
    'Queue a training run; it starts as soon as the queue reaches it.',
  ),
  'train:sweep': op(
    z
      .object({
        base: TrainSettings,
        /** Every combination of these values becomes one run (at most 16). */
        grid: z
          .object({
            lr: z.array(z.number().positive().max(0.1)).min(1).max(6).optional(),
            batchSize: z.array(z.number().int().min(2).max(512)).min(1).max(6).optional(),
            preset: z.array(ModelPreset).min(1).max(2).optional(),
          })
          .strict(),
      })
      .strict(),
    z.object({ sweepId: id, runIds: z.array(id) }),
    'Queue a small grid of runs that differ in learning rate, batch size or model size; they run side by side, one core each.',
  ),
  'runs:list': op(empty, z.array(Run), 'Every training run, newest first.'),
  'runs:get': op(z.object({ runId: id }).strict(), RunDetail, 'One run with its loss history, sample grids and checkpoints.'),
  'runs:pause': op(z.object({ runId: id }).strict(), Run, 'Pause a run: it saves a checkpoint and stops; a queued run is held back.'),
  'runs:resume': op(z.object({ runId: id }).strict(), Run, 'Put a paused, cancelled or failed run back in the queue; it continues from its last checkpoint.'),
  'runs:cancel': op(z.object({ runId: id }).strict(), Run, 'Stop a run now (its checkpoints are kept) or take it out of the queue.'),
  'checkpoints:list': op(empty, z.array(Checkpoint.extend({ runName: z.string(), model: ModelKind, size: ImageSize })), 'Every checkpoint of the project, newest first.'),
  'checkpoints:import': op(
    z.object({ dir: z.string().min(1), name: z.string().trim().min(1).max(80).optional() }).strict(),
    Checkpoint,
    'Copy a checkpoint folder from elsewhere (another project, a colleague) into this project, as a finished run to fine-tune or generate from.',
  ),
  'generate:options': op(
    z.object({ checkpointId: id.optional() }).strict(),
    z.object({
      generators: z.array(GeneratorChoice),
      /** The newest checkpoint, or the one asked for; null when the project has none. */
      current: GeneratorChoice.nullable(),
      /** The project's tags, most used first: what prompts may name. */
      vocabulary: z.array(z.string()),
      /** Shown beside the prompt box, e.g. that an unconditional model only takes seeds and counts. */
      note: z.string().nullable(),
    }),
    'What the Generate view can draw from; warms the generator process for the current checkpoint.',
  ),
  'prompt:parse': op(
    z.object({ text: z.string().max(2000), checkpointId: id.optional() }).strict(),
    z.object({
      ok: z.boolean(),
      prompt: ParsedPrompt,
      /** Canonical text of the prompt as understood. */
      canonical: z.string(),
      problems: z.array(PromptProblem),
      note: z.string().nullable(),
    }),
    'Parse a prompt against the project vocabulary and the chosen model, with "did you mean" suggestions.',
  ),
  'prompt:complete': op(
    z.object({ text: z.string().max(2000), cursor: count, limit: z.number().int().min(1).max(50).default(8) }).strict(),
    z.object({ from: count, to: count, options: z.array(z.object({ tag: z.string(), score: z.number() })) }),
    'Completions for the term under the cursor: replace text.slice(from, to) with an option.',
  ),
  'prompts:history': op(
    z.object({ limit: z.number().int().min(1).max(500).default(50) }).strict(),
    z.array(z.object({ text: z.string(), uses: count, lastUsedAt: z.string() })),
    'Prompts generated from in this project, most recent first.',
  ),
  'prompts:templates': op(empty, z.array(z.object({ id, name: z.string(), text: z.string(), createdAt: z.string() })), 'Saved prompt templates.'),
  'prompts:saveTemplate': op(
    z.object({ name: z.string().trim().min(1).max(80), text: z.string().trim().min(1).max(2000) }).strict(),
    z.object({ id, name: z.string(), text: z.string(), createdAt: z.string() }),
    'Save a prompt under a name (replacing a template of that name).',
  ),
  'prompts:deleteTemplate': op(z.object({ id }).strict(), z.object({ deleted: z.boolean() }), 'Delete a saved prompt template.'),
  'generate:run': op(
    z
      .object({
        prompt: z.string().max(2000).default(''),
        /** The model picker's choice; a prompt's @run/@ck wins over it; the newest checkpoint when neither is given. */
        checkpointId: id.optional(),
        /** Used when the prompt has no n:. */
        count: z.number().int().min(1).max(1024).default(16),
        /** Used when the prompt has no seed:; random when neither is given. */
        seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
        truncation: z.number().gt(0).max(3).optional(),
      })
      .strict(),
    GeneratedBatch,
    'Generate images from a prompt; they are stored with their full provenance.',
  ),
  'generations:list': op(
    z
      .object({
        ...paging,
        ...generationFilter,
      })
      .strict(),
    z.object({ total: count, items: z.array(Generation) }),
    'A page of generated images matching the filters.',
  ),
  'generations:ids': op(z.object(generationFilter).strict(), z.object({ ids: z.array(id) }), 'Every generated image id the filters match, in the grid order (select all).'),
  'generations:get': op(z.object({ id }).strict(), GenerationDetail, 'One generated image with its provenance.'),
  'generations:regenerate': op(
    z.object({ id }).strict(),
    z.object({
      identical: z.boolean(),
      differingBytes: count,
      ms: z.number(),
      backend: z.string(),
      /** The image's file was missing: the redrawn image was written in its place (nothing to compare). */
      restored: z.boolean(),
    }),
    'Draw an image again from its stored provenance (and replay its post-processing) and compare it with the file (or write the file back when it is missing).',
  ),
  'generations:vary': op(
    z
      .object({
        id,
        count: z.number().int().min(1).max(64).default(8),
        /** 0 = the same image; 1 = as far again as a fresh latent is from zero. */
        strength: z.number().min(0).max(2).default(0.3),
        seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
      })
      .strict(),
    GeneratedBatch,
    'Children near an image: its latent plus scaled noise, same conditioning.',
  ),
  'generations:interpolate': op(
    z
      .object({
        from: LatentEndpoint,
        to: LatentEndpoint,
        steps: z.number().int().min(3).max(64).default(8),
        checkpointId: id.optional(),
      })
      .strict(),
    GeneratedBatch,
    'A strip from one image (or prompt) to another: spherical in latent space, linear in conditioning.',
  ),
  'generations:walk': op(
    z
      .object({
        id,
        /** Columns move along a random direction, or along a tag's condition (conditional models). */
        direction: z.union([z.literal('random'), z.object({ tag: z.string().min(1).max(200) }).strict()]).default('random'),
        size: z.number().int().min(3).max(9).default(5),
        radius: z.number().gt(0).max(3).default(1),
        seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
      })
      .strict(),
    GeneratedBatch.extend({ rows: count, columns: count }),
    'A grid around an image: rows and columns step along two directions in latent (or tag) space; the centre is the image.',
  ),
  'generations:postprocess': op(
    z.object({ id, steps: z.array(PostProcessStep).min(1).max(8) }).strict(),
    Generation,
    'A new image from an existing one with post-processing applied; the original stays.',
  ),
  'generations:export': op(
    z
      .object({
        ids: z.array(id).min(1).max(1024),
        format: z.enum(['png', 'webp']).default('png'),
        /** Pixels per image side (nearest-neighbour up, lanczos down); the file's own size when absent. */
        size: z.number().int().min(8).max(4096).optional(),
        /** One contact sheet instead of one file per image. */
        sheet: z.boolean().default(false),
        columns: z.number().int().min(1).max(64).optional(),
      })
      .strict(),
    z.object({ files: z.array(projectFile), folder: projectFile }),
    'Write images (or one contact sheet) to a new folder under exports/ in the project.',
  ),
  'generations:animate': op(
    z
      .object({
        ids: z.array(id).min(2).max(256),
        format: z.enum(['gif', 'webp']).default('gif'),
        fps: z.number().min(1).max(60).default(8),
        size: z.number().int().min(8).max(1024).optional(),
        /** Play forwards then backwards. */
        pingPong: z.boolean().default(true),
      })
      .strict(),
    z.object({ file: projectFile, frames: count }),
    'An animated GIF or WebP of images in order (an interpolation strip), under exports/.',
  ),
  'generations:rate': op(
    z.object({ ids: z.array(id).min(1).max(10_000), rating: z.number().int().min(0).max(5) }).strict(),
    z.object({ updated: count }),
    'Rate generated images 1–5 stars (0 clears).',
  ),
  'jobs:list': op(empty, z.array(Job), 'Jobs that are running or finished in this session.'),
  'jobs:cancel': op(z.object({ jobId: z.string().min(1) }).strict(), z.object({ cancelled: z.boolean() }), 'Stop a job now.'),
} as const;

export const events = {
  'job:progress': JobProgress,
  'job:finished': JobFinished,
  'run:changed': RunChanged,
} as const;

export type Operations = typeof operations;
export type OpName = keyof Operations;
export type OpInput<N extends OpName> = z.input<Operations[N]['input']>;
export type OpParsedInput<N extends OpName> = z.output<Operations[N]['input']>;
export type OpOutput<N extends OpName> = z.output<Operations[N]['output']>;
export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

export const opNames = Object.keys(operations) as OpName[];
export const eventNames = Object.keys(events) as EventName[];

export function isOpName(name: unknown): name is OpName {
  return typeof name === 'string' && Object.hasOwn(operations, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}

export type AssetT = z.output<typeof Asset>;
export type AugmentationPolicyT = z.output<typeof AugmentationPolicy>;
export type RunT = z.output<typeof Run>;
export type RunDetailT = z.output<typeof RunDetail>;
export type TrainSettingsT = z.output<typeof TrainSettings>;
export type TrainSettingsInput = z.input<typeof TrainSettings>;
export type CheckpointT = z.output<typeof Checkpoint>;
export type GenerationT = z.output<typeof Generation>;
export type GenerationDetailT = z.output<typeof GenerationDetail>;
export type GeneratedBatchT = z.output<typeof GeneratedBatch>;
export type GeneratorChoiceT = z.output<typeof GeneratorChoice>;
export type PostProcessStepT = z.output<typeof PostProcessStep>;
export type ParsedPromptT = z.output<typeof ParsedPrompt>;
export type JobT = z.output<typeof Job>;
export type JobProgressT = z.output<typeof JobProgress>;
export type JobFinishedT = z.output<typeof JobFinished>;
export type ProjectSummaryT = z.output<typeof ProjectSummary>;
export type TagCountT = z.output<typeof TagCount>;
export type BackendInfoT = z.output<typeof BackendInfo>;
export type ErrorPayloadT = z.output<typeof ErrorPayload>;
