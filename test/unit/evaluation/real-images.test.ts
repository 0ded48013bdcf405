// The yardstick on real images with the real embedding: held-back Twemoji score better than
// blurred or noise images, the collapse alarm and the copy check behave. Kept to ~400 images
// (about 15 s of embedding on one WASM thread).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, embedImages, type RgbImage } from '../../../src-main/evaluation/features';
import {
  calibrateCopies,
  detectCollapse,
  fid,
  kid,
  memorisation,
  nearest,
  nearestPixels,
  precisionRecall,
  rng,
  type FeatureMatrix,
  type PixelSet,
} from '../../../src-main/evaluation/metrics';

const SIZE = 32;
const view = { size: SIZE, background: '#ffffff' };
const require = createRequire(import.meta.url);
const emojiDir = join(dirname(require.resolve('emoji-datasource-twitter/package.json')), 'img', 'twitter', '64');
// Base emoji only (no skin-tone variants, which are near-copies of each other by design), spread over all categories.
const entries = (require('emoji-datasource-twitter/emoji.json') as { image: string; has_img_twitter: boolean; sort_order: number }[])
  .filter((e) => e.has_img_twitter)
  .sort((a, b) => a.sort_order - b.sort_order);
const picked = entries.filter((_, i) => i % Math.floor(entries.length / 200) === 0).slice(0, 200);

const pack = (images: RgbImage[]): PixelSet => {
  const pixels = new Uint8Array(images.length * SIZE * SIZE * 3);
  images.forEach((im, i) => pixels.set(im.pixels, i * SIZE * SIZE * 3));
  return { count: images.length, size: SIZE, pixels };
};
const raw = async (s: sharp.Sharp): Promise<RgbImage> => ({ pixels: new Uint8Array(await s.removeAlpha().raw().toBuffer()), width: SIZE, height: SIZE });

let train: RgbImage[];
let val: RgbImage[];
const f: Record<'train' | 'val' | 'blur' | 'noise' | 'same', FeatureMatrix> = {} as never;

beforeAll(async () => {
  const all = await Promise.all(picked.map((e) => decodeImage(join(emojiDir, e.image), view)));
  train = all.filter((_, i) => i % 2 === 0);
  // Twemoji has a few identical pictures under two code points; a project holds one (import
  // de-duplicates by content), so the held-back half leaves out exact copies of the other.
  const same = (a: RgbImage, b: RgbImage) => a.pixels.every((v, k) => v === b.pixels[k]);
  val = all.filter((im, i) => i % 2 === 1 && !train.some((t) => same(t, im)));
  const blurred = await Promise.all(val.map((im) => raw(sharp(im.pixels, { raw: { width: SIZE, height: SIZE, channels: 3 } }).blur(2))));
  const random = rng(5);
  const noise = Array.from({ length: 60 }, () => ({
    pixels: Uint8Array.from({ length: SIZE * SIZE * 3 }, () => Math.floor(random() * 256)),
    width: SIZE,
    height: SIZE,
  }));
  const repeated = Array.from({ length: 40 }, () => val[0]!);
  const feats = await embedImages([...train, ...val, ...blurred, ...noise, ...repeated]);
  let at = 0;
  const take = (n: number): FeatureMatrix => {
    const m = { rows: n, dim: feats.dim, data: feats.data.slice(at * feats.dim, (at + n) * feats.dim) };
    at += n;
    return m;
  };
  f.train = take(train.length);
  f.val = take(val.length);
  f.blur = take(blurred.length);
  f.noise = take(noise.length);
  f.same = take(repeated.length);
}, 120_000);

describe('the yardstick on real images', () => {
  it('held-back real images score better than blurred or noise images (KID, FID, precision)', () => {
    const real = kid(f.val, f.train);
    const blur = kid(f.blur, f.train);
    const noise = kid(f.noise, f.train);
    expect(Math.abs(real.kid)).toBeLessThan(3 * real.stderr + 0.01);
    expect(blur.kid).toBeGreaterThan(real.kid + 5 * blur.stderr);
    expect(noise.kid).toBeGreaterThan(real.kid + 5 * noise.stderr);
    expect(fid(f.val, f.train)).toBeLessThan(fid(f.blur, f.train));
    expect(fid(f.blur, f.train)).toBeLessThan(fid(f.noise, f.train));
    const pr = { real: precisionRecall(f.train, f.val), blur: precisionRecall(f.train, f.blur), noise: precisionRecall(f.train, f.noise) };
    // Blurred emoji stay inside the real manifold (precision ≈ 1) but cover none of it (recall ≈ 0).
    expect(pr.real.precision).toBeGreaterThan(0.7);
    expect(pr.noise.precision).toBeLessThan(0.1);
    expect(pr.real.recall).toBeGreaterThan(pr.blur.recall);
  });

  it('the collapse alarm fires on one image repeated, with the evidence, and is silent on real images', () => {
    const alarm = detectCollapse(f.same, f.train);
    expect(alarm.collapsed).toBe(true);
    expect(alarm.groups[0]).toHaveLength(40);
    const quiet = detectCollapse(f.val, f.train);
    expect(quiet.collapsed, quiet.reasons.join(' ')).toBe(false);
  });

  it('memorisation flags exact and near copies planted among generated images, and is silent on the val split', async () => {
    const trainPx = pack(train);
    const valPx = pack(val);
    const cal = calibrateCopies({ feature: nearest(f.val, f.train).distance, pixel: nearestPixels(valPx, trainPx).distance });
    // "Generated": blurred held-back images, with an exact copy of training image 3 and a near
    // copy of 11 (4 levels brighter, with ±2 levels of pixel noise) planted at 5 and 20.
    const blurred = await Promise.all(val.slice(0, 30).map((im) => raw(sharp(im.pixels, { raw: { width: SIZE, height: SIZE, channels: 3 } }).blur(1.5))));
    const random = rng(9);
    const near = { ...train[11]!, pixels: train[11]!.pixels.map((v) => Math.min(255, Math.max(0, v + 4 + Math.floor(random() * 5) - 2))) };
    blurred[5] = train[3]!;
    blurred[20] = near;
    const gen = { features: await embedImages(blurred), pixels: pack(blurred) };
    const report = memorisation(gen, { features: f.train, pixels: trainPx }, cal);
    expect(report.filter((e) => e.possibleCopy).map((e) => [e.sample, e.nearestByFeature, e.nearestByPixel])).toEqual([
      [5, 3, 3],
      [20, 11, 11],
    ]);
    const onVal = memorisation({ features: f.val, pixels: valPx }, { features: f.train, pixels: trainPx }, cal);
    expect(onVal.filter((e) => e.possibleCopy)).toEqual([]);
  });
});
