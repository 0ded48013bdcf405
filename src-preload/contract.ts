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
});

export const AssetDetail = Asset.extend({
  /** The original, as imported. */
  file: projectFile,
  bytes: count,
  hasAlpha: z.boolean(),
  phash: z.string().nullable(),
  quality: z.record(z.string(), z.number()).nullable(),
});

/** What the grid can be narrowed to; the fields combine. */
const assetFilter = {
  tag: z.string().min(1).optional(),
  split: z.enum(['train', 'val', 'test', 'none']).optional(),
  flag: QualityFlag.optional(),
  excluded: z.boolean().optional(),
  /** Only these images (e.g. one near-duplicate cluster). */
  ids: z.array(id).max(100_000).optional(),
};
const selection = z.array(id).min(1).max(1_000_000);

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

export const ModelKind = z.enum(['dcgan']);
export const ImageSize = z.union([z.literal(32), z.literal(64)]);

export const RunStatus = z.enum(['queued', 'running', 'done', 'cancelled', 'failed']);

export const Run = z.object({
  id,
  model: ModelKind,
  size: ImageSize,
  steps: count,
  batchSize: count,
  seed: z.number().int(),
  status: RunStatus,
  stepsDone: count,
  lossD: z.number().nullable(),
  lossG: z.number().nullable(),
  imgPerSec: z.number().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  latestCheckpointId: id.nullable(),
});

export const LossPoint = z.object({ step: count, lossD: z.number(), lossG: z.number() });

export const RunDetail = Run.extend({ losses: z.array(LossPoint) });

export const Checkpoint = z.object({ id, runId: id, step: count, dir: projectFile, createdAt: z.string() });

export const Generation = z.object({
  id,
  file: projectFile,
  seed: z.number().int(),
  index: count,
  checkpointId: id,
  runId: id,
  size: count,
  createdAt: z.string(),
});

export const JobKind = z.enum(['train', 'generate', 'import']);
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
  imgPerSec: z.number().optional(),
});

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
  'tags:apply': op(
    z.object({ ids: selection, add: z.array(z.string().min(1)).default([]), remove: z.array(z.string().min(1)).default([]) }).strict(),
    z.object({ added: count, removed: count }),
    'Add and remove tags on a selection.',
  ),
  'tags:rename': op(
    z.object({ from: z.string().min(1), to: z.string().trim().min(1) }).strict(),
    z.object({ merged: z.boolean() }),
    'Rename a tag; renaming onto an existing tag merges the two.',
  ),
  'edits:undo': op(
    empty,
    z.object({ undone: z.string().nullable(), next: z.string().nullable() }),
    'Revert the most recent bulk edit (tags, exclusion, splits).',
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
  'train:start': op(
    z
      .object({
        model: ModelKind.default('dcgan'),
        size: ImageSize.default(32),
        steps: z.number().int().min(1).max(1_000_000),
        batchSize: z.number().int().min(1).max(512).default(64),
        seed: z.number().int().nonnegative().default(1),
        checkpointEvery: z.number().int().min(1).optional(),
        /** 'oversample' draws images of rare tags (by first tag) as often as common ones. */
        balance: z.enum(['none', 'oversample']).default('none'),
        /** Apply the dataset's augmentation policy to the real images. */
        augment: z.boolean().default(true),
      })
      .strict(),
    z.object({ runId: id, jobId: z.string() }),
    'Start a training run in a job process.',
  ),
  'runs:list': op(empty, z.array(Run), 'Every training run, newest first.'),
  'runs:get': op(z.object({ runId: id }).strict(), RunDetail, 'One run with its loss history.'),
  'generate:start': op(
    z
      .object({
        count: z.number().int().min(1).max(1024).default(16),
        seed: z.number().int().nonnegative().optional(),
        checkpointId: id.optional(),
      })
      .strict(),
    z.object({ jobId: z.string() }),
    'Generate images from a checkpoint (the newest one by default) in a job process.',
  ),
  'generations:list': op(
    z.object({ ...paging }).strict(),
    z.object({ total: count, items: z.array(Generation) }),
    'A page of generated images, newest first.',
  ),
  'jobs:list': op(empty, z.array(Job), 'Jobs that are running or finished in this session.'),
  'jobs:cancel': op(z.object({ jobId: z.string().min(1) }).strict(), z.object({ cancelled: z.boolean() }), 'Stop a job now.'),
} as const;

export const events = {
  'job:progress': JobProgress,
  'job:finished': JobFinished,
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
export type GenerationT = z.output<typeof Generation>;
export type JobT = z.output<typeof Job>;
export type JobProgressT = z.output<typeof JobProgress>;
export type JobFinishedT = z.output<typeof JobFinished>;
export type ProjectSummaryT = z.output<typeof ProjectSummary>;
export type TagCountT = z.output<typeof TagCount>;
export type BackendInfoT = z.output<typeof BackendInfo>;
export type ErrorPayloadT = z.output<typeof ErrorPayload>;
