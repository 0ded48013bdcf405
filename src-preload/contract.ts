// The one contract between the UI and the engine. Every operation the renderer,
// the headless studio or the CLI can perform is declared here once: its name
// (`domain:action`), the schema of its input and of its output. Events the
// engine pushes are declared here too. Types for both sides derive from it.
//
// The schemas live by domain under contract/ (common, errors, project, datasets,
// training, generation, evaluation, review, bundles, jobs); this file is the index: the table of operations and
// events, and the types derived from them.
//
// Naming: `domain:action`, where the domain is what the operation acts on, as the
// studio names it to people: collections are plural (assets, tags, runs,
// checkpoints, prompts, generations, jobs, imports, splits, edits, duplicates), a
// single thing or a mass noun is singular (app, project, quality, augmentation).
// The action is a verb (list, get, create, start…) or the question answered (info,
// options, summary).
import { z } from 'zod';
import { count, id, projectFile, selection, empty, paging } from './contract/common';
import { BackendSetting, ProjectSummary, Credit, RecentProject, StudioBackend } from './contract/project';
import {
  Split,
  QualityFlag,
  Asset,
  AssetDetail,
  tagName,
  assetFilter,
  starRating,
  ImportReport,
  AugmentationPolicy,
  SplitInfo,
  TagCount,
} from './contract/datasets';
import {
  ModelKind,
  ModelPreset,
  ImageSize,
  TrainSettings,
  RunStatus,
  Run,
  Checkpoint,
  RunDetail,
  learningRate,
  batchSize,
  RunEstimateInput,
  RunEstimate,
  RunRemoval,
  RunDeleted,
} from './contract/training';
import {
  PostProcessStep,
  Generation,
  GenerationDetail,
  ParsedPrompt,
  PromptProblem,
  GeneratorChoice,
  LatentEndpoint,
  generationFilter,
  GeneratedBatch,
  promptText,
  generationSeed,
  generationCount,
  truncation,
  variationCount,
  variationStrength,
  interpolationSteps,
  walkSize,
  walkRadius,
} from './contract/generation';
import { Job, JobProgress, RunChanged, JobFinished } from './contract/jobs';
import { Evaluation, DriftReport, evalSampleCount } from './contract/evaluation';
import { bundleExportInput, BundleExported, BundleOptions, BundleInfo, BundleOpened, ModelCard, WebExport } from './contract/bundles';
import { reviewerName, Review, reviewChange, ReviewQueue, PreferenceStatus, PreferenceModel, FeedbackRound } from './contract/review';

export * from './contract/common';
export * from './contract/errors';
export * from './contract/project';
export * from './contract/datasets';
export * from './contract/training';
export * from './contract/generation';
export * from './contract/jobs';
export * from './contract/evaluation';
export * from './contract/review';
export * from './contract/bundles';

function op<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string) {
  return { input, output, summary };
}

export const operations = {
  'app:info': op(
    empty,
    z.object({
      version: z.string(),
      backend: StudioBackend,
      project: ProjectSummary.nullable(),
      /** Where new projects go when the studio limits them to one folder (the headless studio); null in the desktop app. */
      projectsRoot: z.string().nullable(),
      credits: z.array(Credit),
    }),
    'What this studio is running on and which project is open.',
  ),
  'project:create': op(
    z.object({ dir: z.string().min(1), starter: z.boolean().default(false) }).strict(),
    ProjectSummary.extend({
      /** What the starter import brought in (byte-identical files are stored once); null without --starter. */
      starter: ImportReport.nullable().default(null),
    }),
    'Create a project folder (optionally filled with the starter dataset) and open it.',
  ),
  'project:open': op(z.object({ dir: z.string().min(1) }).strict(), ProjectSummary, 'Open an existing project folder.'),
  'projects:recent': op(empty, z.array(RecentProject), 'Projects opened before on this workstation, newest first; a moved or deleted one is marked missing.'),
  'projects:forget': op(
    z.object({ dir: z.string().min(1).max(4096) }).strict(),
    z.array(RecentProject),
    'Remove a project from the recent list (its folder is not touched).',
  ),
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
      .object({
        train: z.number().int().min(0).max(100),
        val: z.number().int().min(0).max(100),
        test: z.number().int().min(0).max(100),
        seed: z.number().int().nonnegative().default(1),
      })
      .strict()
      .refine((s) => s.train + s.val + s.test === 100, { message: 'train, val and test must add up to 100' }),
    SplitInfo,
    'Assign every image to train/val/test, stratified by its first tag, deterministic from the seed.',
  ),
  'splits:lock': op(z.object({ to: Split.nullable() }).strict(), SplitInfo, 'Lock the split: later imports go only to the chosen split (null unlocks).'),
  'splits:info': op(empty, SplitInfo, 'Images per split, the settings used and the lock.'),
  'augmentation:get': op(empty, AugmentationPolicy, "The dataset's augmentation policy, which training uses."),
  'augmentation:set': op(z.object({ policy: AugmentationPolicy }).strict(), AugmentationPolicy, "Save the dataset's augmentation policy."),
  'augmentation:preview': op(
    z
      .object({
        id,
        policy: AugmentationPolicy,
        count: z.number().int().min(1).max(16).default(8),
        seed: z.number().int().nonnegative().default(1),
        size: z.number().int().min(16).max(256).default(96),
      })
      .strict(),
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
  'uploads:begin': op(
    z
      .object({
        /** Each file as picked or dropped: its path relative to what was chosen (folders included), and its size. */
        files: z
          .array(z.object({ name: z.string().min(1).max(1024), bytes: z.number().int().min(0) }).strict())
          .min(1)
          .max(1_000_000),
        /** Adds the files to this upload (a large folder is declared in parts); absent: a new upload. */
        uploadId: z
          .string()
          .regex(/^[0-9a-f]{24}$/, 'an upload id')
          .optional(),
      })
      .strict(),
    z.object({ uploadId: z.string(), maxFileBytes: count }),
    'Begin an upload from a browser (the headless studio), or declare more files of one: every name and size is checked, and a staging folder is made inside the project; the bytes then go to POST /upload/<uploadId>.',
  ),
  'uploads:import': op(
    z
      .object({
        uploadId: z.string().regex(/^[0-9a-f]{24}$/, 'an upload id'),
        tagsFromFolders: z.boolean().default(false),
        maxMegapixels: z.number().min(1).max(1000).default(64),
      })
      .strict(),
    ImportReport,
    'Import the files of a finished upload (as a typed path would be: folder names as tags), then remove its staging folder.',
  ),
  'uploads:discard': op(
    z.object({ uploadId: z.string().regex(/^[0-9a-f]{24}$/, 'an upload id') }).strict(),
    z.object({ discarded: z.boolean() }),
    'Drop an upload that will not be imported (cancelled or failed) and its staging folder.',
  ),
  'runs:options': op(
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
  'runs:start': op(TrainSettings, z.object({ runId: id, status: RunStatus }), 'Queue a training run; it starts as soon as the queue reaches it.'),
  'runs:estimate': op(
    RunEstimateInput,
    RunEstimate,
    'What a run (or a sweep) of these settings takes on this workstation: steps for a time budget or time for steps, from the measured speed (timed on first use).',
  ),
  'runs:sweep': op(
    z
      .object({
        base: TrainSettings,
        /** Every combination of these values becomes one run (at most 16). */
        grid: z
          .object({
            lr: z.array(learningRate).min(1).max(6).optional(),
            batchSize: z.array(batchSize).min(1).max(6).optional(),
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
  'runs:archive': op(
    z.object({ runId: id, archived: z.boolean() }).strict(),
    Run,
    'Archive a run (the run list hides it unless archived runs are shown; its checkpoints stay usable), or restore it.',
  ),
  'runs:removal': op(
    z.object({ runId: id }).strict(),
    RunRemoval,
    'What deleting a run would remove (checkpoints, sample grids, evaluations, with their size), what depends on it, and what stays.',
  ),
  'runs:delete': op(
    z.object({ runId: id }).strict(),
    RunDeleted,
    'Delete a run that is not training or queued: its checkpoints, sample grids and evaluations; gallery images drawn from it stay. Files go once the database has forgotten them.',
  ),
  'checkpoints:list': op(
    empty,
    z.array(Checkpoint.extend({ runName: z.string(), model: ModelKind, size: ImageSize })),
    'Every checkpoint of the project, newest first.',
  ),
  'checkpoints:import': op(
    z.object({ dir: z.string().min(1), name: z.string().trim().min(1).max(80).optional() }).strict(),
    Checkpoint,
    'Copy a checkpoint folder from elsewhere (another project, a colleague) into this project, as a finished run to fine-tune or generate from.',
  ),
  'generations:options': op(
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
  'prompts:parse': op(
    z.object({ text: promptText, checkpointId: id.optional() }).strict(),
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
  'prompts:complete': op(
    z.object({ text: promptText, cursor: count, limit: z.number().int().min(1).max(50).default(8) }).strict(),
    z.object({ from: count, to: count, options: z.array(z.object({ tag: z.string(), score: z.number(), count: count.optional() })) }),
    'Completions for the term under the cursor: replace text.slice(from, to) with an option. Ordered by kind of match, then by how many images carry the tag (count).',
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
  'generations:create': op(
    z
      .object({
        prompt: promptText.default(''),
        /** The model picker's choice; a prompt's @run/@ck wins over it; the newest checkpoint when neither is given. */
        checkpointId: id.optional(),
        /** Used when the prompt has no n:. */
        count: generationCount.default(16),
        /** Used when the prompt has no seed:; random when neither is given. */
        seed: generationSeed.optional(),
        truncation: truncation.optional(),
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
  'generations:ids': op(
    z.object(generationFilter).strict(),
    z.object({ ids: z.array(id) }),
    'Every generated image id the filters match, in the grid order (select all).',
  ),
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
        count: variationCount.default(8),
        /** 0 = the same image; 1 = as far again as a fresh latent is from zero. */
        strength: variationStrength.default(0.3),
        seed: generationSeed.optional(),
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
        steps: interpolationSteps.default(8),
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
        size: walkSize.default(5),
        radius: walkRadius.default(1),
        seed: generationSeed.optional(),
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
    "Rate generated images 1–5 stars (0 clears) as this workstation's reviewer (reviews:set with stars only).",
  ),
  'generations:bin': op(
    z.object({ ids: z.array(id).min(1).max(10_000) }).strict(),
    z.object({ binned: count, inBin: count }),
    'Move generated images to the bin: the gallery leaves them out until they are restored or the bin is emptied.',
  ),
  'generations:restore': op(
    z.object({ ids: z.array(id).min(1).max(10_000) }).strict(),
    z.object({ restored: count, inBin: count }),
    'Take generated images out of the bin, back into the gallery.',
  ),
  'generations:emptyBin': op(
    empty,
    z.object({ deleted: count, kept: count, files: count }),
    'Delete the images in the bin and their files for good; an image another one was made from keeps its row (its provenance) without its file.',
  ),
  'generations:shown': op(
    z.object({ ids: z.array(id).max(4096) }).strict(),
    z.object({ items: z.array(Generation) }),
    'The images of these ids that are in the gallery (not binned), in the order asked: results a page shows again after a reload.',
  ),
  'reviewer:get': op(
    empty,
    z.object({
      /** This workstation's reviewer name; null until it is set (the studio asks once). */
      name: z.string().nullable(),
      /** Everyone who has reviewed in this project, and everyone a batch was sent to, by name. */
      known: z.array(z.string()),
    }),
    "This workstation's reviewer name and the reviewers this project knows.",
  ),
  'reviewer:set': op(
    z.object({ name: reviewerName }).strict(),
    z.object({ name: z.string() }),
    "Set this workstation's reviewer name (kept outside any project).",
  ),
  'backend:choose': op(
    z.object({ setting: BackendSetting }).strict(),
    StudioBackend,
    "Set this workstation's compute backend ('auto', or one backend to force) and start it: kept outside any project, used by the studio and every job it starts from now on. A backend that cannot start here is reported in `refused` and the automatic choice runs instead.",
  ),
  'reviews:set': op(
    z
      .object({
        ids: z.array(id).min(1).max(10_000),
        change: reviewChange,
        /** Review under this name instead of the workstation's (the CLI's --reviewer). */
        reviewer: reviewerName.optional(),
      })
      .strict(),
    z.object({
      updated: count,
      /** The images as they now stand (mean, count, your review), for up to 1,024 ids. */
      items: z.array(Generation),
    }),
    "Review images as this workstation's reviewer: stars (0 clears), favourite, a reject reason (null takes it back), a comment. Written at once.",
  ),
  'reviews:list': op(
    z.object({ generationId: id }).strict(),
    z.object({ reviews: z.array(Review) }),
    'Every review of one image: who, when, and what they said.',
  ),
  'reviews:queue': op(
    z.object({ batchId: id, reviewers: z.array(reviewerName).min(1).max(20) }).strict(),
    z.object({ queues: z.array(ReviewQueue) }),
    'Send a batch to named reviewers: it shows as pending for each until they have reviewed every image in it.',
  ),
  'reviews:queues': op(
    z.object({ reviewer: reviewerName.optional(), pendingOnly: z.boolean().default(false) }).strict(),
    z.object({ queues: z.array(ReviewQueue) }),
    'Batches sent for review, newest first, with how far each reviewer has got.',
  ),
  'preference:status': op(
    empty,
    PreferenceStatus,
    "The preference model (the team's taste learnt from ratings): how much it learnt from and how well it predicts.",
  ),
  'preference:train': op(
    empty,
    z.object({ jobId: z.string() }),
    "Learn the team's taste from every rating now, measure it on ratings held out, and predict every generated image.",
  ),
  'preference:predict': op(
    z.object({ ids: z.array(id).min(1).max(10_000) }).strict(),
    z.object({ model: PreferenceModel.nullable(), predictions: z.array(z.object({ id, predicted: z.number().nullable() })) }),
    'The predicted stars of generated images (null for an image not predicted yet).',
  ),
  'feedback:start': op(
    z
      .object({
        /** The checkpoint to fine-tune; the published one (else the newest) when absent. */
        fromCheckpointId: id.optional(),
        steps: z.number().int().min(10).max(100_000).optional(),
        /** Samples each side's KID is measured on after the round (256 when absent: a quick look). */
        samples: evalSampleCount.optional(),
      })
      .strict(),
    z.object({ runId: id, liked: count, disliked: count }),
    'A feedback round: fine-tune a checkpoint on the ratings (liked images join the real set, disliked ones are shown to D as fakes), then compare before and after.',
  ),
  'bundles:options': op(empty, BundleOptions, 'What a bundle of the open project would hold and weigh, and a file name to offer.'),
  'bundles:export': op(
    bundleExportInput,
    BundleExported,
    'Write the open project as one bundle file (database snapshot, originals, checkpoints, generations, reviews, metrics, model card), with progress; cancel through jobs:cancel.',
  ),
  'bundles:inspect': op(z.object({ file: z.string().min(1).max(4096) }).strict(), BundleInfo, 'Read and check a bundle without opening it.'),
  'bundles:open': op(
    z.object({ file: z.string().min(1).max(4096), dir: z.string().min(1).max(4096) }).strict(),
    BundleOpened,
    'Open a bundle as a new project folder (never into an existing project), then open that project.',
  ),
  'cards:get': op(
    z
      .object({ runId: id.optional(), checkpointId: id.optional() })
      .strict()
      .refine((v) => (v.runId === undefined) !== (v.checkpointId === undefined), 'give a runId or a checkpointId'),
    ModelCard,
    'The model card of a run or a checkpoint, as one printable HTML page.',
  ),
  'models:exportWeb': op(
    z.object({ checkpointId: id, dir: z.string().min(1).max(4096) }).strict(),
    WebExport,
    'Write a checkpoint as a generator folder for the web (weights, generate.js, index.html, model card).',
  ),
  'feedback:rounds': op(empty, z.object({ rounds: z.array(FeedbackRound) }), 'Feedback rounds, newest first, with their before/after comparison.'),
  'evaluations:list': op(
    z.object({ runId: id.optional() }).strict(),
    z.object({
      /** Oldest first; a run's or the whole project's. */
      evaluations: z.array(Evaluation),
      /** The checkpoint Generate draws from by default; null when none is published. */
      published: id.nullable(),
      /** The best checkpoint by KID on the val split (lowest), the one to publish. */
      suggested: z.object({ checkpointId: id, runId: id, runName: z.string(), step: count, kid: z.number(), kidStderr: z.number() }).nullable(),
      /** The latest import's drift from the trained model's data; null before any. */
      drift: DriftReport.nullable(),
    }),
    'Every evaluation of a run (or of the project), with the published and the suggested checkpoint.',
  ),
  'evaluations:start': op(
    z
      .object({
        checkpointId: id,
        /** val: routine; test: the locked split, once per checkpoint. */
        split: z.enum(['val', 'test']).default('val'),
        samples: evalSampleCount.default(1000),
      })
      .strict(),
    z.object({
      /** The evaluation job; null when the checkpoint was already tested. */
      jobId: z.string().nullable(),
      /** A test asked for twice: the first result, which stands. */
      alreadyTested: Evaluation.nullable(),
    }),
    'Score a checkpoint: draw samples and measure them against the val split, or once against the locked test split.',
  ),
  'evaluations:images': op(
    z.object({ dir: z.string().min(1), split: z.enum(['val', 'train', 'all']).default('val') }).strict(),
    z.object({ jobId: z.string() }),
    "Score a folder of images made elsewhere against the project's images with the same yardstick.",
  ),
  'generations:checkCopies': op(
    z.object({ ids: z.array(id).min(1).max(1024) }).strict(),
    z.object({ jobId: z.string() }),
    "Compare gallery images with the training images of the run that drew them (features and pixels); each image's detail then shows its nearest training image and whether it may be a copy.",
  ),
  'checkpoints:publish': op(
    z.object({ checkpointId: id.nullable() }).strict(),
    z.object({ published: id.nullable() }),
    'Publish a checkpoint: Generate draws from it by default. Null withdraws it.',
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
