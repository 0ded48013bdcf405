// Images from a trained generator. Image i of a request depends only on (seed, i) and the weights:
// its latent vector comes from a seeded JS generator and BatchNorm uses the running averages,
// so the same seed gives the same bytes however many images are asked for at once.
import { initBackend, tf } from './backend.js';
import { loadCheckpoint } from './checkpoint.js';
import { buildGenerator } from './models/dcgan.js';
import { hashSeed, Rng } from './random.js';
import type { TrainState } from './train.js';

export interface GenerateOptions {
  count: number;
  seed: number;
  /** Truncation trick: latent values are redrawn until |z| ≤ truncation (smaller = safer, less varied). */
  truncation?: number;
  /** Images per forward pass (memory vs speed); does not change the images. */
  batchSize?: number;
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
  const { size, latentDim, width } = state.config;
  const g = buildGenerator({ latentDim, size, width });
  try {
    g.load(state.generator);
    const images: Uint8Array[] = [];
    const per = size * size * 3;
    for (let start = 0; start < count; start += batchSize) {
      const n = Math.min(batchSize, count - start);
      const z = new Float32Array(n * latentDim);
      for (let j = 0; j < n; j++) z.set(latentFor(seed, start + j, latentDim, truncation), j * latentDim);
      const pixels = tf.tidy(() => g.apply(tf.tensor2d(z, [n, latentDim]), { training: false }));
      const values = (await pixels.data()) as Float32Array;
      pixels.dispose();
      for (let j = 0; j < n; j++) images.push(toBytes(values.subarray(j * per, (j + 1) * per)));
    }
    return { size, images };
  } finally {
    g.dispose();
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
