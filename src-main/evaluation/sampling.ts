// The samples a checkpoint is scored on: `n` images from fixed seeds (so two checkpoints of a run
// are scored on the same latent vectors), and for a conditional model with conditions drawn from
// the reference split's own images, so the samples follow the data's tag balance.
import { tf } from '../ml/backend';
import { latentFor, toBytes } from '../ml/generator';
import { hashSeed, Rng } from '../ml/random';
import type { PixelSet } from './metrics';

/** Images per forward pass. */
const BATCH = 64;

export interface Drawn {
  pixels: PixelSet;
  /** Each sample's class (the first tag of its condition), for class coverage; null when unconditional. */
  labels: number[] | null;
}

/**
 * Draws n samples with `draw` (a generator's forward pass: z [n, latentDim], cond [n, classes]
 * or null → images [n, size, size, 3] in [−1, 1]).
 */
export async function drawSamples(
  draw: (z: tf.Tensor2D, cond: tf.Tensor2D | null) => tf.Tensor4D,
  model: { latentDim: number; classes: number; size: number },
  n: number,
  seed: number,
  conditionsFrom: readonly { classes: number[] }[],
): Promise<Drawn> {
  const { latentDim, classes, size } = model;
  const stride = size * size * 3;
  const pixels = new Uint8Array(n * stride);
  const pool = conditionsFrom.filter((s) => s.classes.some((c) => c < classes));
  const conditional = classes > 0 && pool.length > 0;
  const labels: number[] = [];
  const rng = new Rng(hashSeed(seed, 0xe7a1));
  for (let start = 0; start < n; start += BATCH) {
    const m = Math.min(BATCH, n - start);
    const z = new Float32Array(m * latentDim);
    for (let i = 0; i < m; i++) z.set(latentFor(hashSeed(seed, 0xe7a1), start + i, latentDim), i * latentDim);
    let cond: Float32Array | null = null;
    if (classes > 0) {
      cond = new Float32Array(m * classes);
      for (let i = 0; i < m && conditional; i++) {
        const tags = pool[rng.int(pool.length)]!.classes.filter((c) => c < classes);
        for (const c of tags) cond[i * classes + c] = 1;
        labels.push(tags[0]!);
      }
    }
    const images = tf.tidy(() => draw(tf.tensor2d(z, [m, latentDim]), cond ? tf.tensor2d(cond, [m, classes]) : null));
    try {
      pixels.set(toBytes((await images.data()) as Float32Array), start * stride);
    } finally {
      images.dispose();
    }
  }
  return { pixels: { count: n, size, pixels }, labels: conditional ? labels : null };
}
