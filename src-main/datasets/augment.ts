// Data augmentation as the Data view knows it: the policy (its schema is the contract's), the
// presets, and a live preview of a policy on one image. The pixel work itself is plain
// TypeScript in ml/pixel-augment.ts, where the training loop applies it as it batches images.
import sharp from 'sharp';
import { AugmentationPolicy as AugmentationPolicyContract, type AugmentationPolicyT } from '../../src-preload/contract';
import { augment } from '../ml/pixel-augment';
import { hashSeed, Rng } from '../ml/random';

export { augment, flipHorizontal, flipVertical, rotate90, type SquareImage } from '../ml/pixel-augment';

// The policy's schema is part of the contract: the UI edits it, training applies it.
export const AugmentationPolicySchema = AugmentationPolicyContract;
export type AugmentationPolicy = AugmentationPolicyT;

/** Changes nothing: the starting point of the policy editor and of tests. */
export const identityPolicy: AugmentationPolicy = {
  hflip: 0,
  vflip: 0,
  rot90: false,
  rotate: 0,
  crop: 1,
  colourJitter: { brightness: 0, contrast: 0, saturation: 0, hue: 0 },
};

/**
 * A new project's policy: nothing. With the default recipe's own augmentation of what D sees
 * (DiffAugment shifts), flips, crops and colour jitter on top doubled the distance to the art
 * in 12 minutes on the starter set (Atelier KID 0.101 against 0.054 without:
 * docs/training-recipe.md, trials T1–T2). A person turns them on for what their art allows.
 */
export const defaultPolicy: AugmentationPolicy = identityPolicy;

/** `count` augmented copies of an image as PNGs, for the policy editor's live preview. */
export async function augmentPreview(
  input: Buffer,
  policy: AugmentationPolicy,
  options: { count: number; seed: number; size: number; background?: string },
): Promise<Buffer[]> {
  const checked = AugmentationPolicySchema.parse(policy);
  const { count, seed, size } = options;
  const background = options.background ?? '#ffffff';
  if (!Number.isInteger(size) || size < 1 || size > 1024) throw new RangeError(`A preview size must be 1–1024 pixels; got ${size}.`);
  const data = await sharp(input, { pages: 1 })
    .autoOrient()
    .flatten({ background })
    .resize(size, size, { fit: 'contain', background })
    .toColourspace('srgb')
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer();
  const image = { data: new Uint8Array(data.buffer, data.byteOffset, data.length), size };
  const previews: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    // One stream per preview tile: tile i looks the same whatever `count` is.
    const pixels = augment(image, checked, new Rng(hashSeed(seed, i)));
    previews.push(
      await sharp(pixels, { raw: { width: size, height: size, channels: 3 } })
        .png()
        .toBuffer(),
    );
  }
  return previews;
}
