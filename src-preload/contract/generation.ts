// Generation: prompts, generators, generated images and their provenance, the gallery filter.
import { z } from 'zod';
import { CopyCheck } from './evaluation';
import { MyReview } from './review';
import { count, id, projectFile } from './common';

// The limits of what a person may ask for, declared once: the operations below use them, and
// the Generate view's forms check their fields with the same schemas.

/** A prompt as typed in the box. */
export const promptText = z.string().max(2000);
/** A seed a person can type (a 31-bit whole number). */
export const generationSeed = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);
/** How many images one Generate draws. */
export const generationCount = z.number().int().min(1).max(1024);
/** Truncation of the latent: below 1 draws closer to the model's average. */
export const truncation = z.number().gt(0).max(3);
/** How many variations of an image one press makes. */
export const variationCount = z.number().int().min(1).max(64);
/** How far variations stray: 0 = the same image. */
export const variationStrength = z.number().min(0).max(2);
/** Images in an interpolation strip, both ends included. */
export const interpolationSteps = z.number().int().min(3).max(64);
/** Cells per side of a latent walk's grid. */
export const walkSize = z.number().int().min(3).max(9);
/** How far a latent walk's edges reach from its centre. */
export const walkRadius = z.number().gt(0).max(3);

/** One image → image operation, stored with a post-processed image and replayed to regenerate it. */
export const PostProcessStep = z.discriminatedUnion('op', [
  z.object({ op: z.literal('upscale'), factor: z.union([z.literal(2), z.literal(4)]), kernel: z.enum(['lanczos', 'nearest']) }).strict(),
  z.object({ op: z.literal('sharpen'), amount: z.number().min(0).max(10) }).strict(),
  z.object({ op: z.literal('reducePalette'), colours: z.number().int().min(2).max(256) }).strict(),
  z.object({ op: z.literal('backgroundToTransparent'), colour: z.string().regex(/^#[0-9a-f]{6}$/i), tolerance: z.number().min(0).max(255) }).strict(),
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
  /** Mean stars of the reviewers who gave stars (0 = nobody has), and how many did. */
  rating: z.number().min(0).max(5),
  ratings: count,
  /** Two reviewers' stars are 2 or more apart. */
  disagreement: z.boolean(),
  favourites: count,
  rejects: count,
  /** This workstation's reviewer's own review; null when they have not reviewed it. */
  mine: MyReview.nullable(),
  /** The preference model's predicted stars (null until predicted). */
  predicted: z.number().nullable(),
  /** Post-processing applied, in order (empty for a drawn image). */
  post: z.array(PostProcessStep),
  /** In a grouped gallery list: the images of the walk or interpolation this one tile stands for (itself included). */
  group: count.optional(),
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
  /** Its nearest training images and the copy flag, once checked (generations:checkCopies); null before. */
  copies: CopyCheck.nullable(),
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
  /** The project's published checkpoint (Evaluate): Generate's default. */
  published: z.boolean(),
});

/** An interpolation end: a generated image, or a prompt (its seed's first latent). */
export const LatentEndpoint = z.union([z.object({ generationId: id }).strict(), z.object({ prompt: promptText }).strict()]);

/** What the gallery filters and sorts by (generations:list, generations:ids). */
export const generationFilter = {
  /** Words that must all appear in the prompt. */
  text: z.string().max(200).optional(),
  tag: z.string().max(200).optional(),
  runId: id.optional(),
  checkpointId: id.optional(),
  seed: z.number().int().optional(),
  batchId: count.optional(),
  origin: GenerationOrigin.optional(),
  /** At least this mean of stars (0 = any). */
  minRating: z.number().min(0).max(5).optional(),
  /** Only images this workstation's reviewer has not reviewed yet. */
  notReviewedByMe: z.boolean().optional(),
  /** Only images someone marked favourite. */
  favourites: z.boolean().optional(),
  /** ISO dates (inclusive from, exclusive to). */
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
  /** predicted: the preference model's predicted stars, best first (unpredicted last). */
  sort: z.enum(['newest', 'oldest', 'rating', 'predicted']).default('newest'),
  /** The bin's images (moved there by generations:bin) instead of the gallery's. */
  bin: z.boolean().optional(),
  /** One tile per latent walk or interpolation (its first image, with `group` counting them); off when a batch is asked for. */
  grouped: z.boolean().optional(),
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

export type GenerationT = z.output<typeof Generation>;
export type GenerationDetailT = z.output<typeof GenerationDetail>;
export type GeneratedBatchT = z.output<typeof GeneratedBatch>;
export type GeneratorChoiceT = z.output<typeof GeneratorChoice>;
export type PostProcessStepT = z.output<typeof PostProcessStep>;
export type ParsedPromptT = z.output<typeof ParsedPrompt>;
