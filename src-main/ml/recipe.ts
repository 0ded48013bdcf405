// The studio's default recipe: how the settings a person picks in the Train view (or on the
// command line) become a full training config. Defaults here were chosen by experiment on the
// starter set (see docs/training-recipe.md); every one can be overridden per run.
import { TrainSettings, type TrainSettingsT } from '../../src-preload/contract';
import { defaultTrainConfig, type TrainConfig } from './train.js';

export const PRESET_WIDTH = { small: 32, medium: 64 } as const;

/** DiffAugment is switched on automatically below this many training images. */
export const SMALL_DATASET = 10_000;

/** DiffAugment's own policy for tiny sets (Zhao et al. 2020): colour, translation and cutout. */
export const FULL_DIFF_AUGMENT = { color: true, translation: true, cutout: true } as const;

/**
 * The default ('auto' below SMALL_DATASET images, and 'translation'): shifts only. In 12 minutes on the starter
 * set it drew clearer faces, flags and figures than the full policy (trial Q against M in
 * docs/training-recipe.md), and it makes a fifth more steps in the same time; colour and cutout
 * blunt what D learns about colours and shapes more than they protect a short run from memorising.
 */
export const TRANSLATION_DIFF_AUGMENT = { color: false, translation: true, cutout: false } as const;

/** The time budget a new run gets unless the person picks another ("Recognisable", 12 minutes). */
export const DEFAULT_MINUTES = 12;

/**
 * The settings a run gets when nothing is changed: what the Train view and `atelier train
 * --minutes 12` queue for a project with tags (a conditional GAN) or without (a DCGAN), and what
 * bench/recipe.ts trains its trials from. One recipe: test/unit/ml/recipe.test.ts holds the Train
 * view's defaults to it. `steps` is the budget's estimate, made per machine when a run is queued
 * (runs:estimate); a run stops at its budget whatever the estimate.
 */
export function recipeSettings(ctx: { tagged: boolean; steps?: number }): TrainSettingsT {
  return TrainSettings.parse({ model: ctx.tagged ? 'cgan' : 'dcgan', minutes: DEFAULT_MINUTES, steps: ctx.steps ?? 1_000 });
}

export interface RecipeContext {
  /** Length of the conditioning vector (the project's tag vocabulary), 0 if it has no tags. */
  classes: number;
  /** Images in the run's training set. */
  images: number;
}

export function configFromSettings(s: TrainSettingsT, ctx: RecipeContext): TrainConfig {
  const vae = s.model === 'vae';
  const full = s.diffAugment === 'full' || s.diffAugment === 'on';
  const diff = full || s.diffAugment === 'translation' || (s.diffAugment === 'auto' && ctx.images < SMALL_DATASET);
  const lrG = (s.lrG ?? (vae ? 1e-3 : 2e-4)) * s.lrScale;
  const lrD = (s.lrD ?? (vae ? 1e-3 : 2e-4)) * s.lrScale;
  return defaultTrainConfig({
    family: s.model,
    size: s.size,
    width: PRESET_WIDTH[s.preset],
    batchSize: s.batchSize,
    steps: s.steps,
    seed: s.seed,
    latentDim: vae ? 64 : 100,
    lrG,
    lrD,
    // β1 = 0 for the GANs (as SNGAN/StyleGAN2 do with hinge + spectral norm): crisper 12-minute samples than 0.5 (trials K, L).
    beta1: vae ? 0.9 : 0,
    beta2: 0.999,
    loss: s.loss,
    gUpsample: s.upsample ?? 'resize',
    dNorm: s.dNorm ?? 'spectral',
    r1: vae ? 0 : s.r1,
    r1Every: 16,
    ema: !vae && s.ema ? 0.999 : 0,
    diffAugment: !vae && diff ? { ...(full ? FULL_DIFF_AUGMENT : TRANSLATION_DIFF_AUGMENT) } : null,
    classes: s.model === 'dcgan' ? 0 : ctx.classes,
    beta: s.beta,
    freeze: s.freeze,
  });
}

/** A short readable name for a run from what distinguishes it. */
export function runName(s: TrainSettingsT, fineTune: boolean): string {
  const family = { dcgan: 'DCGAN', cgan: 'cGAN', vae: 'VAE' }[s.model];
  return `${fineTune ? 'Fine-tune ' : ''}${family} ${s.size}px ${s.preset}`;
}

/** Layer groups a fine-tuning run can freeze, by family (prefixes of `<network>/<parameter>`). */
export const FREEZABLE: Record<'dcgan' | 'cgan' | 'vae', { name: string; label: string }[]> = {
  dcgan: [
    { name: 'generator/fc', label: 'Generator: latent projection (4×4 stem)' },
    { name: 'generator/up1', label: 'Generator: first upsampling block' },
    { name: 'generator/up2', label: 'Generator: second upsampling block' },
    { name: 'discriminator/conv1', label: 'Discriminator: first convolution' },
    { name: 'discriminator/conv2', label: 'Discriminator: second convolution' },
  ],
  cgan: [
    { name: 'generator/embed', label: 'Generator: tag embedding' },
    { name: 'generator/fc', label: 'Generator: latent projection (4×4 stem)' },
    { name: 'generator/up1', label: 'Generator: first upsampling block' },
    { name: 'discriminator/conv1', label: 'Discriminator: first convolution' },
    { name: 'discriminator/conv2', label: 'Discriminator: second convolution' },
    { name: 'discriminator/proj', label: 'Discriminator: tag projection' },
  ],
  vae: [
    { name: 'vae/enc', label: 'Encoder (all of it)' },
    { name: 'vae/dec', label: 'Decoder' },
  ],
};
