// Images from a trained generator (the pure forward part; the generator process, its cache and
// drawing threads are in generate/). Image i of a request depends only on (seed, i) and the weights:
// its latent vector comes from a seeded JS generator and BatchNorm uses the running averages,
// so the same seed gives the same bytes however many images are asked for at once.
import { initBackend, tf } from './backend.js';
import { loadCheckpoint } from './checkpoint.js';
import { buildGenerator } from './models/dcgan.js';
import { buildVae } from './models/vae.js';
import { hashSeed, Rng } from './random.js';
import type { TrainState } from './train.js';

export interface GenerateOptions {
  count: number;
  seed: number;
  /** Truncation trick: latent values are redrawn until |z| ≤ truncation (smaller = safer, less varied). */
  truncation?: number;
  /** Images per forward pass (memory vs speed); does not change the images. */
  batchSize?: number;
  /** Conditioning vector (length = the model's classes) used for every image; zeros when absent. */
  cond?: Float32Array;
}

/** A decoder ready to draw: the EMA generator when the checkpoint has one. */
export interface LoadedGenerator {
  size: number;
  latentDim: number;
  classes: number;
  draw(z: tf.Tensor2D, cond: tf.Tensor2D | null): tf.Tensor4D;
  dispose(): void;
}

export function loadGenerator(state: TrainState): LoadedGenerator {
  const { size, latentDim, width, family, classes, gUpsample } = state.config;
  if (family === 'vae') {
    const vae = buildVae({ size, latentDim, width, classes });
    try {
      vae.load(state.groups.vae ?? []);
    } catch (err) {
      vae.dispose();
      throw err;
    }
    return { size, latentDim, classes, draw: (z, cond) => vae.decode(z, { training: false, ...(cond ? { cond } : {}) }), dispose: () => vae.dispose() };
  }
  const conditional = family === 'cgan' ? classes : 0;
  const g = buildGenerator({ latentDim, size, width, classes: conditional, upsample: gUpsample });
  try {
    const live = state.groups.generator ?? [];
    const ema = state.groups.ema?.filter((a) => a.name !== 't'); // the EMA's update count is not a weight
    // EMA holds the averaged parameters; BatchNorm's running statistics come from the live generator.
    g.load(ema ? [...ema, ...live.filter((a) => g.stats.has(a.name))] : live);
  } catch (err) {
    g.dispose();
    throw err;
  }
  return { size, latentDim, classes: conditional, draw: (z, cond) => g.apply(z, { training: false, ...(cond ? { cond } : {}) }), dispose: () => g.dispose() };
}

/** n RGB images as bytes from n latent vectors (and condition vectors for a conditional model). */
export async function drawBytes(generator: LoadedGenerator, n: number, z: Float32Array, cond: Float32Array | null): Promise<Uint8Array> {
  const { latentDim, classes } = generator;
  const c = classes > 0 ? (cond ?? new Float32Array(n * classes)) : null;
  const images = tf.tidy(() => generator.draw(tf.tensor2d(z, [n, latentDim]), c ? tf.tensor2d(c, [n, classes]) : null));
  try {
    return toBytes((await images.data()) as Float32Array);
  } finally {
    images.dispose();
  }
}

export interface GeneratedImages {
  size: number;
  /** One RGB image per entry, size·size·3 bytes, rows top to bottom. */
  images: Uint8Array[];
}

/** Latent vector of image `index` for `seed`. */
export function latentFor(seed: number, index: number, latentDim: number, truncation?: number): Float32Array {
  const rng = new Rng(hashSeed(seed, 0x9e11, index));
  return truncation === undefined ? rng.normalArray(latentDim) : rng.truncatedNormalArray(latentDim, truncation);
}

export async function generate(source: TrainState | string, opts: GenerateOptions): Promise<GeneratedImages> {
  const { count, seed, truncation } = opts;
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a whole number ≥ 0, got ${count}`);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  if (truncation !== undefined && !(truncation > 0)) throw new RangeError(`truncation must be > 0, got ${truncation}`);
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 64));

  await initBackend();
  const state = typeof source === 'string' ? await loadCheckpoint(source) : source;
  const generator = loadGenerator(state);
  const { size, latentDim, classes } = generator;
  if (opts.cond && opts.cond.length !== classes) throw new RangeError(`this model takes ${classes} condition values, got ${opts.cond.length}`);
  try {
    const images: Uint8Array[] = [];
    const per = size * size * 3;
    for (let start = 0; start < count; start += batchSize) {
      const n = Math.min(batchSize, count - start);
      const z = new Float32Array(n * latentDim);
      for (let j = 0; j < n; j++) z.set(latentFor(seed, start + j, latentDim, truncation), j * latentDim);
      const cond = classes > 0 && opts.cond ? new Float32Array(n * classes) : null;
      for (let j = 0; cond && j < n; j++) cond.set(opts.cond!, j * classes);
      const bytes = await drawBytes(generator, n, z, cond);
      for (let j = 0; j < n; j++) images.push(bytes.slice(j * per, (j + 1) * per));
    }
    return { size, images };
  } finally {
    generator.dispose();
  }
}

/** [−1, 1] floats → 0..255 bytes. */
export function toBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.round(((values[i]! + 1) / 2) * 255);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}
