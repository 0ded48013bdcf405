// The dataset: images, tags, curation filters, imports, augmentation, splits.
import { z } from 'zod';
import { count, id, projectFile } from './common';

export const Split = z.enum(['train', 'val', 'test']);
export const QualityFlag = z.enum(['tiny', 'extreme-aspect', 'blurry', 'too-dark', 'too-bright', 'near-blank', 'grayscale']);

export const Asset = z.object({
  id,
  hash: z.string(),
  name: z.string(),
  width: count,
  height: count,
  thumb: projectFile,
  /** The original, as imported (the full-size viewer shows it). */
  file: projectFile,
  tags: z.array(z.string()),
  split: Split.nullable(),
  excluded: z.boolean(),
  flags: z.array(QualityFlag),
  /** 0 = not rated, else 1–5 stars. */
  rating: z.number().int().min(0).max(5),
});

export const AssetDetail = Asset.extend({
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
export const assetFilter = {
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
/** 0 clears the rating; 1–5 are stars. */
export const starRating = z.number().int('rating is a whole number of stars').min(0, 'rating is 0 (none) to 5 stars').max(5, 'rating is 0 (none) to 5 stars');

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

export type AssetT = z.output<typeof Asset>;
export type AugmentationPolicyT = z.output<typeof AugmentationPolicy>;
export type TagCountT = z.output<typeof TagCount>;
