// The overfitting signal: at each checkpoint, how sure the discriminator is that training images
// and held-out images are real (StyleGAN2-ADA's r_t heuristic). A gap means it memorises.
import { join } from 'node:path';
import { trainingPixels } from '../datasets/training-set';
import { tf } from '../ml/backend';
import { hashSeed, Rng } from '../ml/random';
import type { Dataset, Session } from '../ml/train';
import type { TrainRequest } from './protocol';

/** dTrain − dVal above this (in E[sign D] units, range 2) flags a discriminator that memorises. */
export const OVERFIT_GAP = 0.3;

const VALIDATION_IMAGES = 256;

export interface Validation {
  train: { x: Float32Array; cond?: Float32Array; count: number };
  val: { x: Float32Array; cond?: Float32Array; count: number } | null;
}

/** Up to 256 training and 256 held-out images, chosen once per run, for D's overfitting signal. */
export async function validationSet(
  request: TrainRequest,
  train: Dataset,
  condOf: (l: { classes: number[] }[]) => Float32Array | undefined,
  onSkip: (source: { hash: string }, reason: string) => void,
): Promise<Validation | null> {
  if (request.config.family === 'vae') return null;
  const { size, classes } = request.config;
  const per = size * size * 3;
  const pick = (n: number) => {
    const rng = new Rng(hashSeed(request.config.seed, 0x7a1));
    const idx = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    return idx.slice(0, Math.min(n, VALIDATION_IMAGES));
  };
  const gather = (pixels: Uint8Array, cond: Float32Array | undefined, idx: number[]) => ({
    x: Float32Array.from({ length: idx.length * per }, (_, k) => pixels[idx[Math.floor(k / per)]! * per + (k % per)]! / 127.5 - 1),
    ...(cond ? { cond: Float32Array.from({ length: idx.length * classes }, (_, k) => cond[idx[Math.floor(k / classes)]! * classes + (k % classes)]!) } : {}),
    count: idx.length,
  });
  const trainPart = gather(train.pixels, train.cond, pick(train.count));
  if (request.val.length === 0) return { train: trainPart, val: null };
  const valPixels = await trainingPixels(request.val, { size, background: request.background, cacheDir: join(request.projectDir, 'cache'), onSkip });
  if (valPixels.count === 0) return { train: trainPart, val: null };
  return { train: trainPart, val: gather(valPixels.pixels, condOf(valPixels.kept.map((i) => request.val[i]!)), pick(valPixels.count)) };
}

/** E[sign(D(x))] on training and held-out images (StyleGAN2-ADA's r_t heuristic), in batches of 64. */
export async function validate(session: Session, v: Validation | null): Promise<{ dTrain: number; dVal: number | null } | null> {
  if (!v) return null;
  const { size, classes } = session.config;
  const rt = async (part: Validation['train']) => {
    let sum = 0;
    for (let start = 0; start < part.count; start += 64) {
      const n = Math.min(64, part.count - start);
      if (n < 2) break; // BatchNorm needs two images
      const signs = tf.tidy(() => {
        const x = tf.tensor4d(part.x.subarray(start * size * size * 3, (start + n) * size * size * 3), [n, size, size, 3]);
        const cond = part.cond ? tf.tensor2d(part.cond.subarray(start * classes, (start + n) * classes), [n, classes]) : null;
        const logits = session.score(x, cond);
        return logits ? tf.sign(logits).sum() : tf.scalar(0);
      });
      try {
        sum += (await signs.data())[0]!;
      } finally {
        signs.dispose();
      }
    }
    return sum / part.count;
  };
  return { dTrain: await rt(v.train), dVal: v.val ? await rt(v.val) : null };
}
