// Evaluation speed (issue 13): 1,000 samples at 32×32 scored against a 1,000-image split whose
// features are already cached — what re-scoring a checkpoint costs — through the production path
// (evaluation/score.ts: embed the samples, KID, FID, precision/recall, diversity, collapse, and the
// copy check against 1,000 training images by features and pixels, calibrated on the split).
// The "samples" are other Twemoji, blurred (embedding cost does not depend on what the pixels
// show). Target: under 60 s on 2 cores. Prints numbers; never fails on timing.
//   npx tsx bench/evaluation.ts [--n 1000]
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { cachedFeatures, decodeImage, loadEmbedding } from '../src-main/evaluation/features.js';
import { scoreSamples } from '../src-main/evaluation/score.js';
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
if (entries.length < 3 * N) throw new Error(`Only ${entries.length} emoji; asked for 3×${N}.`);

const secs = (t: number) => ((performance.now() - t) / 1000).toFixed(1);
console.log(
  `${availableParallelism()} cores, load average ${loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')} (a shared machine shows it here)`,
);
let t = performance.now();
await loadEmbedding();
console.log(`embedding loaded in ${secs(t)} s`);

const source = (f: string) => ({ path: join(dir, f), hash: f, classes: [] as number[] });
const split = entries.slice(0, N).map(source);
const train = entries.slice(N, 2 * N).map(source);
const pixels = new Uint8Array(N * SIZE * SIZE * 3);
await Promise.all(
  entries.slice(2 * N, 3 * N).map(async (f, k) => {
    const im = await decodeImage(join(dir, f), view);
    const blurred = await sharp(im.pixels, { raw: { width: SIZE, height: SIZE, channels: 3 } })
      .blur(0.8)
      .raw()
      .toBuffer();
    pixels.set(blurred, k * SIZE * SIZE * 3);
  }),
);

const tmp = mkdtempSync(join(tmpdir(), 'atelier-bench-eval-'));
const db = openDatabase(join(tmp, 'atelier.db'));
const store = new FeatureStore(db);
t = performance.now();
for (const list of [split, train])
  await cachedFeatures(
    store,
    list.map((s) => ({ hash: s.hash, image: () => decodeImage(s.path, view) })),
    view,
  );
console.log(`split and training images: ${2 * N} embedded and cached in ${secs(t)} s (once per project; the studio does it in the background)`);

let last = performance.now();
const start = performance.now();
const result = await scoreSamples({
  samples: { count: N, size: SIZE, pixels },
  sampleLabels: null,
  reference: split,
  train,
  // Half the split calibrates the copy check, as the val split does in a project.
  val: split.slice(0, N / 2),
  view,
  projectDir: tmp,
  cache: store,
  embedTrain: true,
  evidenceDir: 'evaluations/bench',
  onProgress(_, message) {
    if (message.startsWith('Embedding samples:')) return;
    console.log(`  +${secs(last)} s  ${message}`);
    last = performance.now();
  },
});
const total = secs(start);
console.log(`  +${secs(last)} s  done`);
console.log(
  `KID ${result.kid.toFixed(4)} ± ${result.kidStderr.toFixed(4)}, FID ${result.fid.toFixed(1)}, precision ${result.precision.toFixed(2)}, recall ${result.recall.toFixed(2)}, ` +
    `diversity ${result.collapse.diversity.toFixed(2)}, ${result.memorisation?.flagged ?? 0} possible copies of ${result.memorisation?.checked ?? 0}`,
);
console.log(`TOTAL scoring ${N} samples against a cached ${N}-image split (and ${N} training images for copies): ${total} s (target < 60 s)`);
db.close();
rmSync(tmp, { recursive: true, force: true });
