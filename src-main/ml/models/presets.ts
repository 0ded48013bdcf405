// Model size presets and what they cost in parameters, for the UI's model picker.
import { buildDiscriminator, buildGenerator, countParameters, type DiscriminatorNorm, type ImageSize, type Network } from './dcgan.js';
import { buildVae } from './vae.js';

/** Network width per preset: D's first conv / G's last hidden layer (the VAE's likewise). */
export const MODEL_PRESETS = {
  small: { width: 32 },
  medium: { width: 64 },
} as const;

export type ModelPreset = keyof typeof MODEL_PRESETS;

/** dcgan: unconditional GAN; cgan: GAN conditioned on a tag vector (projection D); vae: VAE. */
export type ModelFamily = 'dcgan' | 'cgan' | 'vae';

/** The latent size used unless told otherwise (the trainer's default). */
export const DEFAULT_LATENT_DIM = 100;

export interface NetworkParams {
  name: 'generator' | 'discriminator' | 'vae';
  params: number;
}

export interface ModelDescription {
  family: ModelFamily;
  size: ImageSize;
  preset: ModelPreset;
  width: number;
  latentDim: number;
  /** Conditioning vector length actually used (always 0 for dcgan). */
  classes: number;
  /** The discriminator's normalisation (GAN families only). */
  norm?: DiscriminatorNorm;
  /** Trainable parameters per network: generator and discriminator for GANs, one 'vae'. */
  networks: NetworkParams[];
  totalParams: number;
}

export interface DescribeOptions {
  latentDim?: number;
  /** The discriminator's normalisation; default 'batch'. */
  norm?: DiscriminatorNorm;
}

const cache = new Map<string, ModelDescription>();

/**
 * Parameter counts of the networks a family / size / preset / conditioning-length combination
 * builds, counted by running the builders in counting mode (no weights drawn, no tensors: a few
 * milliseconds for all of them, so the engine can answer the Train view at once; memoised).
 * `classes` is ignored for 'dcgan', must be ≥ 1 for 'cgan' and may be 0 (unconditional) for 'vae'.
 */
export function describeModel(family: ModelFamily, size: ImageSize, preset: ModelPreset, classes = 0, opts: DescribeOptions = {}): ModelDescription {
  if (!Object.hasOwn(MODEL_PRESETS, preset)) throw new Error(`describeModel: unknown preset ${String(preset)}`);
  if (family !== 'dcgan' && family !== 'cgan' && family !== 'vae') throw new Error(`describeModel: unknown model family ${String(family)}`);
  if (!Number.isInteger(classes) || classes < 0) throw new Error(`describeModel: classes must be a non-negative integer, got ${classes}`);
  if (family === 'cgan' && classes < 1) throw new Error('describeModel: a conditional GAN needs classes ≥ 1');
  const { width } = MODEL_PRESETS[preset];
  const latentDim = opts.latentDim ?? DEFAULT_LATENT_DIM;
  const used = family === 'dcgan' ? 0 : classes;
  const norm = family === 'vae' ? undefined : (opts.norm ?? 'batch');
  const key = JSON.stringify([family, size, preset, used, latentDim, norm]);
  const known = cache.get(key);
  if (known) return structuredClone(known);

  const count = (build: () => Network<unknown>): number => countParameters(build);
  const networks: NetworkParams[] =
    family === 'vae'
      ? [{ name: 'vae', params: count(() => buildVae({ size, latentDim, width, classes: used })) }]
      : [
          { name: 'generator', params: count(() => buildGenerator({ latentDim, size, width, classes: used })) },
          { name: 'discriminator', params: count(() => buildDiscriminator({ size, width, classes: used, norm })) },
        ];
  const description: ModelDescription = {
    family,
    size,
    preset,
    width,
    latentDim,
    classes: used,
    ...(norm ? { norm } : {}),
    networks,
    totalParams: networks.reduce((a, n) => a + n.params, 0),
  };
  cache.set(key, description);
  return structuredClone(description);
}
