// A timed training trial on the starter set, for choosing the default recipe: trains for a
// fixed wall-clock budget with the same settings → config mapping the app uses, then writes an
// 8×8 contact sheet of fixed-seed samples (from the EMA generator when on). Not part of
// `npm run bench` (it takes minutes); run it on an otherwise idle machine:
//   npx tsx bench/recipe.ts --minutes 12 --out docs/recipe-12min.png [--model dcgan] [--preset small]
//     [--batch 32] [--loss hinge|ns] [--r1 0] [--no-ema] [--diff auto|on|off] [--no-cutout] [--no-colour] [--lr 2e-4] [--lrd 2e-4]
//     [--dnorm spectral|batch|none] [--upsample resize|transposed] [--workers N] [--beta1 0.5]
//     [--balance oversample|classWeights]  (as a run's dataset balancing: by tag stratum)
//     [--decay [--decay-steps N]]  (learning rate constant for half the run, then linear to 0)
//     [--width W]  (the networks' base width instead of the preset's)
//     [--untagged] (the starter without its tags: the app's untagged default, a DCGAN)
//     [--self-condition K] (a conditional GAN on K clusters of the images' colour prints instead of tags)
//     [--no-augment] (without the dataset's augmentation policy) [--kid N] (samples scored, 0 = none)
//     [--steps N]  (stop after N steps instead of a time budget: a trial that is not timed can
//                   share the machine; 12 idle minutes of the default recipe are ≈ 4,000 steps)
// With --model cgan or vae the starter set's tags (category, subcategory, skin tone) condition it.
import { availableParallelism, loadavg } from 'node:os';
import sharp from 'sharp';
import { TrainSettings } from '../src-preload/contract';
import { initBackend, tf } from '../src-main/ml/backend';
import { latentFor, toBytes } from '../src-main/ml/generator';
import { hashSeed } from '../src-main/ml/random';
import { configFromSettings, recipeSettings } from '../src-main/ml/recipe';
import { assign, kMeans, printVectors } from './self-condition';
import { starterSplit } from './starter-split';
import { train, type Session } from '../src-main/ml/train';
import { drawSamples } from '../src-main/evaluation/sampling';
import { embedImages, unpack } from '../src-main/evaluation/features';
import { kid, type KidResult } from '../src-main/evaluation/metrics';

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const minutes = Number(arg('minutes', '12'));
const maxSteps = arg('steps') ? Number(arg('steps')) : Infinity;
const out = arg('out', 'docs/recipe-trial.png')!;

/** 64 fixed latents; for a conditional model, the tags of 64 training images spread across the set. */
async function contactSheet(session: Session, file: string, cond: Float32Array | null, count: number): Promise<void> {
  const { size, latentDim, classes } = session.config;
  const n = 64;
  const z = new Float32Array(n * latentDim);
  for (let i = 0; i < n; i++) z.set(latentFor(hashSeed(2026, 0x5eed), i, latentDim), i * latentDim);
  let c: Float32Array | null = null;
  if (cond && classes > 0) {
    c = new Float32Array(n * classes);
    for (let i = 0; i < n; i++) {
      const idx = Math.floor(((i + 0.5) * count) / n);
      c.set(cond.subarray(idx * classes, (idx + 1) * classes), i * classes);
    }
  }
  const images = tf.tidy(() => session.sample(tf.tensor2d(z, [n, latentDim]), c ? tf.tensor2d(c, [n, classes]) : null));
  const bytes = toBytes((await images.data()) as Float32Array);
  images.dispose();
  const gap = 2;
  const side = 8 * size + 9 * gap;
  const sheet = new Uint8Array(side * side * 3).fill(200);
  for (let i = 0; i < n; i++) {
    const ox = gap + (i % 8) * (size + gap);
    const oy = gap + Math.floor(i / 8) * (size + gap);
    for (let y = 0; y < size; y++)
      sheet.set(bytes.subarray((i * size * size + y * size) * 3, (i * size * size + (y + 1) * size) * 3), ((oy + y) * side + ox) * 3);
  }
  await sharp(Buffer.from(sheet.buffer), { raw: { width: side, height: side, channels: 3 } })
    .resize(side * 2, side * 2, { kernel: 'nearest' })
    .png()
    .toFile(file);
}

/** The evaluator's yardstick (docs/evaluation.md): Atelier KID of `n` EMA samples against the val split. */
async function yardstick(session: Session, n: number, val: Uint8Array, valCount: number, valConds: { classes: number[] }[]): Promise<KidResult> {
  const { size, latentDim, classes } = session.config;
  const drawn = await drawSamples((z, c) => session.sample(z, c), { size, latentDim, classes }, n, 2026, valConds);
  const samples = await embedImages(unpack(drawn.pixels.pixels, n, size));
  const real = await embedImages(unpack(val, valCount, size));
  return kid(samples, real);
}

async function main(): Promise<void> {
  const untagged = process.argv.includes('--untagged');
  // The app's own defaults for a starter project (recipeSettings: what the Train view and `atelier train`
  // queue when nothing is changed), then only what the flags change.
  const base = recipeSettings({ tagged: !untagged, steps: Number.isFinite(maxSteps) ? maxSteps : 1_000_000 });
  const settings = TrainSettings.parse({
    ...base,
    ...(arg('model') ? { model: arg('model') } : arg('self-condition') ? { model: 'cgan' } : {}),
    ...(arg('preset') ? { preset: arg('preset') } : {}),
    ...(arg('size') ? { size: Number(arg('size')) } : {}),
    ...(arg('batch') ? { batchSize: Number(arg('batch')) } : {}),
    ...(arg('loss') ? { loss: arg('loss') } : {}),
    ...(arg('r1') ? { r1: Number(arg('r1')) } : {}),
    ...(arg('dnorm') ? { dNorm: arg('dnorm') } : {}),
    ...(arg('upsample') ? { upsample: arg('upsample') } : {}),
    ...(process.argv.includes('--no-ema') ? { ema: false } : {}),
    ...(arg('diff') ? { diffAugment: arg('diff') } : {}),
    ...(arg('lr') ? { lrG: Number(arg('lr')), lrD: Number(arg('lr')) } : {}),
    ...(arg('lrd') ? { lrD: Number(arg('lrd')) } : {}),
    ...(process.argv.includes('--no-augment') ? { augment: false } : {}),
  });
  const split = await starterSplit(settings.size);
  try {
    const { project, curation } = split;
    const assets = split.train.assets;
    const valAssets = split.val.assets;
    const pixels = split.train.pixels;
    const val = split.val.pixels;
    // The same class list the Train view uses: tags in use, most frequent first.
    const classes: string[] =
      settings.model === 'dcgan' || arg('self-condition')
        ? []
        : project.assets
            .tags()
            .filter((t) => t.count > 0)
            .slice(0, 256)
            .map((t) => t.name);
    let tagsOf = project.assets.tagsByAsset();
    const clusters = Number(arg('self-condition', '0'));
    if (clusters > 0) {
      // Self-conditioning: the "tags" are clusters of the training images' colour prints.
      const qualities = project.assets.qualities([...assets, ...valAssets].map((a) => a.id));
      const vectors = printVectors(assets.map((a) => qualities.get(a.id)));
      const { centroids, assignment } = kMeans(vectors, clusters, 1);
      const valAssignment = assign(printVectors(valAssets.map((a) => qualities.get(a.id))), centroids);
      tagsOf = new Map<number, string[]>();
      assets.forEach((a, i) => tagsOf.set(a.id, [`cluster ${assignment[i]!}`]));
      valAssets.forEach((a, i) => tagsOf.set(a.id, [`cluster ${valAssignment[i]!}`]));
      classes.splice(0, classes.length, ...Array.from({ length: clusters }, (_, i) => `cluster ${i}`));
      const sizes = Array.from({ length: clusters }, (_, j) => assignment.filter((x) => x === j).length).sort((a, b) => b - a);
      console.log(`self-conditioning on ${clusters} colour-print clusters of ${assets.length} images; sizes ${sizes.join(' ')}`);
    }
    const cond = new Float32Array(assets.length * classes.length);
    const index = new Map(classes.map((c, i) => [c, i]));
    assets.forEach((a, i) => (tagsOf.get(a.id) ?? []).forEach((t) => index.has(t) && (cond[i * classes.length + index.get(t)!] = 1)));
    const valConds = valAssets.map((a) => ({ classes: (tagsOf.get(a.id) ?? []).filter((t) => index.has(t)).map((t) => index.get(t)!) }));
    const balance = arg('balance');
    const weights =
      balance === 'oversample'
        ? Float32Array.from(curation.oversamplingWeights(assets))
        : balance === 'classWeights'
          ? Float32Array.from(curation.classWeights(assets))
          : null;
    const policy = settings.augment ? curation.augmentation() : null;
    const cfg = configFromSettings(settings, { classes: classes.length, images: pixels.count });
    if (arg('beta1')) cfg.beta1 = Number(arg('beta1'));
    // Experiments beyond the settings a run exposes.
    if (process.argv.includes('--no-cutout') && cfg.diffAugment) cfg.diffAugment = { ...cfg.diffAugment, cutout: false };
    if (process.argv.includes('--no-colour') && cfg.diffAugment) cfg.diffAugment = { ...cfg.diffAugment, color: false };
    // Learning rate constant for half the run, then linear to 0 at its end (--steps N, or --decay-steps N for a timed trial).
    if (process.argv.includes('--decay')) cfg.lrDecaySteps = Number(arg('decay-steps', String(maxSteps)));
    if (arg('width')) cfg.width = Number(arg('width'));
    const backend = await initBackend();
    const workers = Number(arg('workers', String(availableParallelism())));
    console.log(
      `recipe trial: ${Number.isFinite(maxSteps) ? `${maxSteps} steps` : `${minutes} min`}, ${pixels.count} training images (${val.count} val), ${backend.name}, ${workers} threads, load ${loadavg()[0]!.toFixed(2)}`,
    );
    console.log(`settings: ${JSON.stringify(settings)}`);
    console.log(`dataset augmentation: ${policy ? JSON.stringify(policy) : 'off'}`);
    console.log(`config: ${JSON.stringify({ ...cfg, steps: undefined })}`);
    const started = performance.now();
    const budget = minutes * 60_000;
    let lastLog = 0;
    let lastStep = 0;
    const data = {
      pixels: pixels.pixels,
      count: pixels.count,
      size: pixels.size,
      ...(classes.length ? { cond } : {}),
      ...(policy ? { augment: policy } : {}),
      ...(balance === 'oversample' ? { weights: weights! } : balance === 'classWeights' ? { lossWeights: weights! } : {}),
    };
    if (balance) console.log(`balance: ${balance}`);
    const kidSamples = Number(arg('kid', '1000'));
    let score: KidResult | null = null;
    const result = await train(data, cfg, {
      workers,
      shouldStop: () => (Number.isFinite(maxSteps) ? lastStep >= maxSteps : performance.now() - started > budget),
      onProgress(p) {
        lastStep = p.step;
        if (p.elapsedMs - lastLog > 30_000) {
          lastLog = p.elapsedMs;
          console.log(
            `  ${(p.elapsedMs / 60_000).toFixed(1)} min  step ${p.step}  D ${p.lossD?.toFixed(3)}  G ${p.lossG?.toFixed(3)}  ${p.imgPerSec.toFixed(1)} img/s`,
          );
        }
      },
      onFinish: async (session) => {
        await contactSheet(session, out, classes.length ? cond : null, pixels.count);
        if (kidSamples > 0) score = await yardstick(session, kidSamples, val.pixels, val.count, valConds);
      },
    });
    console.log(`done: ${result.state.step} steps in ${((performance.now() - started) / 60_000).toFixed(1)} min → ${out}`);
    if (score) {
      const k = score as KidResult;
      console.log(`Atelier KID (${kidSamples} EMA samples vs ${val.count} val images, MobileNetV2 features): ${k.kid.toFixed(4)} ± ${k.stderr.toFixed(4)}`);
    }
  } finally {
    split.remove();
  }
}

main().catch((err: unknown) => {
  console.error('recipe trial failed:', err instanceof Error ? err.stack : err);
  process.exitCode = 1;
});
