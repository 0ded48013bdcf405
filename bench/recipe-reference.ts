// The lines a recipe trial's Atelier KID is read against (docs/training-recipe.md): the starter's
// val split compared with (a) 1,000 of its own training images (the same artist, other drawings:
// as close as a model could be) and (b) 1,000 emoji drawn by another artist (Google's Noto emoji
// from npm `emoji-datasource-google`, the same subjects in another style: issue 18's bar). Not
// part of `npm run bench`; fetch the other artist's set first:
//   npm pack emoji-datasource-google@16 && tar -xzf emoji-datasource-google-16.0.0.tgz package/img/google/64
//   npx tsx bench/recipe-reference.ts --other package/img/google/64 [--size 32] [--count 1000]
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage, embedImages, unpack } from '../src-main/evaluation/features';
import { kid, rng } from '../src-main/evaluation/metrics';
import { initBackend } from '../src-main/ml/backend';
import { starterSplit } from './starter-split';

const arg = (name: string, fallback?: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const size = Number(arg('size', '32')) as 32 | 64;
const count = Number(arg('count', '1000'));
const other = arg('other');

/** `n` of `total` indices, seeded, in order. */
function pickSome(total: number, n: number, seed: number): number[] {
  const random = rng(seed);
  const all = Array.from({ length: total }, (_, i) => i);
  for (let i = total - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, Math.min(n, total)).sort((a, b) => a - b);
}

await initBackend({ only: 'wasm' });
const split = await starterSplit(size);
try {
  const val = await embedImages(unpack(split.val.pixels.pixels, split.val.pixels.count, size));
  const trainPx = split.train.pixels;
  const ownIdx = pickSome(trainPx.count, count, 7);
  const stride = size * size * 3;
  const own = await embedImages(ownIdx.map((i) => ({ pixels: trainPx.pixels.subarray(i * stride, (i + 1) * stride), width: size, height: size })));
  const r = kid(own, val);
  console.log(`${size} px, val split ${val.rows} images`);
  console.log(`Atelier KID, ${own.rows} starter training images vs val: ${r.kid.toFixed(4)} ± ${r.stderr.toFixed(4)} (same artist: the floor)`);
  if (other) {
    const files = readdirSync(other)
      .filter((f) => f.endsWith('.png'))
      .sort();
    const picked = pickSome(files.length, count, 11).map((i) => files[i]!);
    const images = await Promise.all(picked.map((f) => decodeImage(join(other, f), { size, background: split.background })));
    const o = kid(await embedImages(images), val);
    console.log(`Atelier KID, ${images.length} images of ${other} vs val: ${o.kid.toFixed(4)} ± ${o.stderr.toFixed(4)} (another artist: the bar)`);
  } else console.log('(no --other folder: the other artist is not measured)');
} finally {
  split.remove();
}
