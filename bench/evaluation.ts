// Evaluation speed (issue 13): 1,000 samples at 32×32 scored against a 1,000-image split whose
// features are already cached — what re-scoring a checkpoint costs. The "samples" are other
// Twemoji, blurred (embedding cost does not depend on what the pixels show). Target: under 60 s
// on 2 cores. Prints numbers; never fails on timing.
//   npx tsx bench/evaluation.ts [--n 1000]
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { cachedFeatures, decodeImage, embedImages, loadEmbedding, type RgbImage } from '../src-main/evaluation/features.js';
import { calibrateCopies, detectCollapse, diversity, fid, kid, memorisation, nearest, nearestPixels, precisionRecall } from '../src-main/evaluation/metrics.js';
import { openDatabase } from '../src-main/store/db.js';
import { FeatureStore } from '../src-main/store/features.js';

const i = process.argv.indexOf('--n');
const N = i >= 0 ? Number(process.argv[i + 1]) : 1000;
const SIZE = 32;
const view = { size: SIZE, background: '#ffffff' };
const require = createRequire(import.meta.url);
const dir = join(dirname(require.resolve('emoji-datasource-twitter/package.json')), 'img', 'twitter', '64');
const entries = (
  require('emoji-datasource-twitter/emoji.json') as { image: string; has_img_twitter: boolean; skin_variations?: Record<string, { image: string }> }[]
)
  .filter((e) => e.has_img_twitter)
  .flatMap((e) => [e.image, ...Object.values(e.skin_variations ?? {}).map((v) => v.image)]);
if (entries.length < 2 * N) throw new Error(`Only ${entries.length} emoji; asked for 2×${N}.`);

const secs = (t: number) => ((performance.now() - t) / 1000).toFixed(1);
const pack = (images: RgbImage[]) => {
  const pixels = new Uint8Array(images.length * SIZE * SIZE * 3);
  images.forEach((im, k) => pixels.set(im.pixels, k * SIZE * SIZE * 3));
  return { count: images.length, size: SIZE, pixels };
};

console.log(
  `${availableParallelism()} cores, load average ${loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')} (a shared machine shows it here)`,
);
let t = performance.now();
await loadEmbedding();
console.log(`embedding loaded in ${secs(t)} s`);
const split = await Promise.all(entries.slice(0, N).map((f) => decodeImage(join(dir, f), view)));
const samples = await Promise.all(
  entries.slice(N, 2 * N).map(async (f) => {
    const im = await decodeImage(join(dir, f), view);
    return {
      pixels: new Uint8Array(
        await sharp(im.pixels, { raw: { width: SIZE, height: SIZE, channels: 3 } })
          .blur(0.8)
          .raw()
          .toBuffer(),
      ),
      width: SIZE,
      height: SIZE,
    };
  }),
);
const tmp = mkdtempSync(join(tmpdir(), 'atelier-bench-eval-'));
const db = openDatabase(join(tmp, 'atelier.db'));
const store = new FeatureStore(db);
const sources = split.map((im, k) => ({ hash: `split-${k}`, image: () => im }));
t = performance.now();
await cachedFeatures(store, sources, view);
console.log(`split: ${N} images embedded and cached in ${secs(t)} s (once per project)`);

const start = performance.now();
t = performance.now();
const real = await cachedFeatures(store, sources, view);
console.log(`split features from the cache: ${secs(t)} s (${real.embedded} embedded)`);
t = performance.now();
const fake = await embedImages(samples);
const embedS = secs(t);
console.log(`samples: ${N} embedded in ${embedS} s (${(N / Number(embedS)).toFixed(1)} images/s)`);
t = performance.now();
const k = kid(fake, real);
console.log(`KID ${k.kid.toFixed(4)} ± ${k.stderr.toFixed(4)} in ${secs(t)} s`);
t = performance.now();
console.log(`FID ${fid(fake, real).toFixed(2)} in ${secs(t)} s`);
t = performance.now();
const pr = precisionRecall(real, fake);
console.log(`precision ${pr.precision.toFixed(3)}, recall ${pr.recall.toFixed(3)} in ${secs(t)} s`);
t = performance.now();
const div = diversity(fake, real);
const collapse = detectCollapse(fake, real);
console.log(`diversity ${div.score.toFixed(3)}, collapse ${collapse.collapsed} in ${secs(t)} s`);
t = performance.now();
// The split stands in for the training set here; its own nearest neighbours calibrate the copy check.
const cal = calibrateCopies({ feature: nearest(real, real).distance, pixel: nearestPixels(pack(split), pack(split)).distance });
const copies = memorisation({ features: fake, pixels: pack(samples) }, { features: real, pixels: pack(split) }, cal).filter((e) => e.possibleCopy).length;
console.log(`memorisation (feature + pixel nearest of ${N} against ${N}) in ${secs(t)} s: ${copies} possible copies`);
console.log(`TOTAL scoring ${N} samples against a cached ${N}-image split: ${secs(start)} s (target < 60 s)`);
db.close();
rmSync(tmp, { recursive: true, force: true });
