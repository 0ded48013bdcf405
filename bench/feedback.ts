// The feedback-round experiment (issue 14): fine-tune a GAN checkpoint on the team's ratings of its
// generations and see which way of using them moves fresh generations toward what was liked.
// The "taste" is a visible rule, brightness, so the effect can be measured without people:
//   1. a fixture of procedurally drawn shapes whose brightness is spread evenly from dark to light;
//   2. a base DCGAN (the app's recipe: hinge, spectral-norm D, resize upsampling, EMA, DiffAugment
//      by translation) trained on it until its generations are as varied as the data;
//   3. `--rate` generations from fixed seeds rated by brightness: top quartile = liked (5★),
//      bottom quartile = rejected (1★);
//   4. fine-tunes from the base (fresh optimizers, a new seed), one per variant, all with the same
//      steps: control (reals only), A (liked joined to the reals, sampling weights so they make a
//      share of each batch), B (rejected shown to D as extra fakes, Dataset.negatives), A+B; and C,
//      latent steering without training (fresh latents moved toward the liked ones' mean);
//   5. for each: generations from NEW seeds and from the rated seeds — mean brightness, share above
//      the liked / below the rejected threshold, diversity (mean pairwise RMS distance, raw and with
//      each image's mean colour removed, to catch collapse beyond the brightness shift), distance to
//      the nearest liked image (copying), and training time.
// Not part of `npm run bench` (minutes). Run on an otherwise idle machine:
//   npx tsx bench/feedback.ts [--images 384] [--width 16] [--batch 32] [--base-steps 2000] [--steps 300]
//     [--every 100] [--rate 256] [--eval 256] [--workers 2] [--lr-scale 1] [--seed 1]
//     [--variants control,A25,A50,B25,B50,A25+B25,C] [--repeats 2] [--ema-t restart|keep|9000] [--base-only] [--no-ema]
//     [--sheets dir]  (8×8 contact sheets of fresh generations: the base and each variant's last step)
//     [--minimal]  (base + one round of the first variant, end to end and timed, as a unit test would run it)
// A variant is `control`, `A<liked %>`, `B<negatives % of the batch>`, `A<x>+B<y>` or `C` (steering).
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrainSettings } from '../src-preload/contract';
import { initBackend } from '../src-main/ml/backend';
import { loadCheckpoint, saveCheckpoint } from '../src-main/ml/checkpoint';
import { drawBytes, latentFor, loadGenerator } from '../src-main/ml/generator';
import { hashSeed, Rng } from '../src-main/ml/random';
import { configFromSettings } from '../src-main/ml/recipe';
import { fineTuneState, train, type Dataset, type Session, type TrainConfig, type TrainState } from '../src-main/ml/train';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const SIZE = 32;
const PER = SIZE * SIZE * 3;
const images = Number(arg('images', '384'));
const width = Number(arg('width', '16'));
const batch = Number(arg('batch', '32'));
const baseSteps = Number(arg('base-steps', '2000'));
const steps = Number(arg('steps', '300'));
const every = Number(arg('every', '100'));
const rateCount = Number(arg('rate', '256'));
const evalCount = Number(arg('eval', '256'));
const workers = Number(arg('workers', String(availableParallelism())));
const lrScale = Number(arg('lr-scale', '1'));
const seed = Number(arg('seed', '1'));
const variantNames = arg('variants', 'control,A25,A50,B25,B50,A25+B25,C').split(',');
const useEma = !process.argv.includes('--no-ema');
const repeats = Number(arg('repeats', '2'));
/** The parent's EMA for the round: 'restart' its warm-up (fineTuneState's restartEma), 'keep' its update count, or set it to a number (9000 = a long-trained parent). */
const emaCount = arg('ema-t', 'restart');
const RATED_SEED = 1001;
/** The training images, for the fidelity proxy. */
let realImages: Uint8Array[] = [];
const FRESH_SEED = 2002;

// ── the fixture ─────────────────────────────────────────────────────────────────────────────────

/** `count` 32×32 images: a tinted background and one shape (disc, square or two-disc blob), brightness spread evenly. */
function fixture(count: number, fixtureSeed: number): Dataset {
  const rng = new Rng(hashSeed(fixtureSeed, 0xf1c));
  const pixels = new Uint8Array(count * PER);
  for (let n = 0; n < count; n++) {
    const level = 0.08 + 0.84 * ((n + rng.next()) / count); // stratified: every brightness equally common
    const tint = [rng.next(), rng.next(), rng.next()].map((t) => 0.85 + 0.3 * t);
    const bg = tint.map((t) => Math.min(1, level * t));
    // The shape contrasts with the background (lighter on dark, darker on light) in a random hue.
    const hue = [rng.next(), rng.next(), rng.next()];
    const hueMean = (hue[0]! + hue[1]! + hue[2]!) / 3 || 1;
    const target = level < 0.5 ? Math.min(1, level + 0.3) : Math.max(0, level - 0.3);
    const fg = hue.map((h) => Math.max(0, Math.min(1, (target * h) / hueMean)));
    const kind = rng.int(3);
    const cx = 8 + rng.next() * 16;
    const cy = 8 + rng.next() * 16;
    const r = 4 + rng.next() * 6;
    const dx = (rng.next() - 0.5) * 10;
    const dy = (rng.next() - 0.5) * 10;
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const inside =
          kind === 0
            ? (x - cx) ** 2 + (y - cy) ** 2 <= r * r
            : kind === 1
              ? Math.abs(x - cx) <= r * 0.85 && Math.abs(y - cy) <= r * 0.85
              : (x - cx) ** 2 + (y - cy) ** 2 <= r * r * 0.6 || (x - cx - dx) ** 2 + (y - cy - dy) ** 2 <= r * r * 0.5;
        const c = inside ? fg : bg;
        const o = n * PER + (y * SIZE + x) * 3;
        for (let k = 0; k < 3; k++) pixels[o + k] = Math.round(c[k]! * 255 + (rng.next() - 0.5) * 10);
      }
    }
  }
  return { pixels, count, size: SIZE };
}

// ── measures ────────────────────────────────────────────────────────────────────────────────────

/** Mean of an image's bytes in [0, 1]. */
function brightness(img: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < img.length; i++) s += img[i]!;
  return s / img.length / 255;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

/** RMS distance between two images in [0, 1] units; `centred` removes each image's mean colour first. */
function distance(a: Uint8Array, b: Uint8Array, centred: boolean): number {
  let ma = [0, 0, 0];
  let mb = [0, 0, 0];
  if (centred) {
    ma = [0, 1, 2].map((k) => channelMean(a, k));
    mb = [0, 1, 2].map((k) => channelMean(b, k));
  }
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - ma[i % 3]! - (b[i]! - mb[i % 3]!);
    s += d * d;
  }
  return Math.sqrt(s / a.length) / 255;
}

function channelMean(img: Uint8Array, k: number): number {
  let s = 0;
  for (let i = k; i < img.length; i += 3) s += img[i]!;
  return s / (img.length / 3);
}

/** Mean pairwise distance over every pair (the collapse detector). */
function diversity(set: Uint8Array[], centred: boolean): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < set.length; i++) for (let j = i + 1; j < set.length; j++, n++) s += distance(set[i]!, set[j]!, centred);
  return s / n;
}

interface Thresholds {
  liked: number;
  rejected: number;
}

interface SetStats {
  bright: number;
  liked: number;
  rejected: number;
  div: number;
  shapeDiv: number;
  /** Mean distance from each generation at or above the liked threshold to its nearest liked image: falls toward 0 if G copies them. */
  nnLiked: number;
  /** Mean distance from each generation to its nearest real image: a fidelity proxy (garish or broken images are far from every real one). */
  nnReal: number;
}

function stats(set: Uint8Array[], t: Thresholds, likedSet: Uint8Array[]): SetStats {
  const nearest = (img: Uint8Array, to: Uint8Array[]) => Math.min(...to.map((l) => distance(img, l, false)));
  const b = set.map(brightness);
  return {
    bright: mean(b),
    liked: b.filter((x) => x >= t.liked).length / b.length,
    rejected: b.filter((x) => x <= t.rejected).length / b.length,
    div: diversity(set, false),
    shapeDiv: diversity(set, true),
    nnLiked: mean(set.filter((_, i) => b[i]! >= t.liked).map((img) => nearest(img, likedSet))),
    nnReal: mean(set.map((img) => nearest(img, realImages))),
  };
}

// ── drawing ─────────────────────────────────────────────────────────────────────────────────────

function latents(drawSeed: number, n: number, latentDim: number): Float32Array {
  const z = new Float32Array(n * latentDim);
  for (let i = 0; i < n; i++) z.set(latentFor(drawSeed, i, latentDim), i * latentDim);
  return z;
}

/** n images from latent vectors `z`, from the EMA generator when there is one (what the app draws) or the live one. */
async function draw(state: TrainState, z: Float32Array, n: number, ema = useEma): Promise<Uint8Array[]> {
  const { ema: _ema, ...live } = state.groups;
  const g = loadGenerator(ema ? state : { ...state, groups: live });
  try {
    const bytes = await drawBytes(g, n, z, null);
    return Array.from({ length: n }, (_, i) => bytes.slice(i * PER, (i + 1) * PER));
  } finally {
    g.dispose();
  }
}

// ── variants ────────────────────────────────────────────────────────────────────────────────────

interface Variant {
  name: string;
  /** Share of each batch drawn from the liked generations (A); 0 = none. */
  liked: number;
  /** Negatives per batch as a share of the batch size (B); 0 = none. */
  negatives: number;
  /** Latent steering (C): no training. */
  steer: boolean;
}

function parseVariant(name: string): Variant {
  if (name === 'control') return { name, liked: 0, negatives: 0, steer: false };
  if (name === 'C') return { name, liked: 0, negatives: 0, steer: true };
  const a = /A(\d+)/.exec(name);
  const b = /B(\d+)/.exec(name);
  if (!a && !b) throw new Error(`unknown variant ${name} (control, A<pct>, B<pct>, A<pct>+B<pct>, C)`);
  return { name, liked: a ? Number(a[1]) / 100 : 0, negatives: b ? Number(b[1]) / 100 : 0, steer: false };
}

interface Rated {
  liked: Uint8Array[];
  rejected: Uint8Array[];
  likedZ: Float32Array[];
  allZ: Float32Array[];
}

/** The fine-tuning set of a variant: reals, plus liked generations by sampling weight (A) and rejected ones as negatives (B). */
function feedbackData(reals: Dataset, rated: Rated, v: Variant): Dataset {
  let data: Dataset = reals;
  if (v.liked > 0) {
    const nl = rated.liked.length;
    const pixels = new Uint8Array((reals.count + nl) * PER);
    pixels.set(reals.pixels);
    rated.liked.forEach((img, i) => pixels.set(img, (reals.count + i) * PER));
    // Each draw is a liked image with probability `liked`, spread evenly over them.
    const weights = Float32Array.from({ length: reals.count + nl }, (_, i) => (i < reals.count ? (1 - v.liked) / reals.count : v.liked / nl));
    data = { pixels, count: reals.count + nl, size: SIZE, weights };
  }
  if (v.negatives > 0) {
    const pixels = new Uint8Array(rated.rejected.length * PER);
    rated.rejected.forEach((img, i) => pixels.set(img, i * PER));
    data = { ...data, negatives: { pixels, count: rated.rejected.length, share: v.negatives } };
  }
  return data;
}

interface Row {
  variant: string;
  repeat: number;
  step: number;
  trainSec: number;
  fresh: SetStats;
  rated: SetStats;
  liveBright: number;
}

async function evaluate(
  state: TrainState,
  t: Thresholds,
  rated: Rated,
  latentDim: number,
  sheet?: string,
): Promise<Omit<Row, 'variant' | 'repeat' | 'step' | 'trainSec'>> {
  const zFresh = latents(FRESH_SEED, evalCount, latentDim);
  const fresh = await draw(state, zFresh, evalCount);
  if (sheet) await contactSheet(fresh.slice(0, 64), sheet);
  const again = await draw(state, latents(RATED_SEED, rateCount, latentDim), rateCount);
  const live = useEma ? await draw(state, zFresh, evalCount, false) : fresh;
  return { fresh: stats(fresh, t, rated.liked), rated: stats(again, t, rated.liked), liveBright: mean(live.map(brightness)) };
}

/** An 8-wide grid of images (×2, nearest), for looking at what a variant draws. */
async function contactSheet(set: Uint8Array[], file: string): Promise<void> {
  const { default: sharp } = await import('sharp');
  const gap = 2;
  const cols = 8;
  const rows = Math.ceil(set.length / cols);
  const w = cols * SIZE + (cols + 1) * gap;
  const h = rows * SIZE + (rows + 1) * gap;
  const sheet = new Uint8Array(w * h * 3).fill(128);
  set.forEach((img, i) => {
    const ox = gap + (i % cols) * (SIZE + gap);
    const oy = gap + Math.floor(i / cols) * (SIZE + gap);
    for (let y = 0; y < SIZE; y++) sheet.set(img.subarray(y * SIZE * 3, (y + 1) * SIZE * 3), ((oy + y) * w + ox) * 3);
  });
  await sharp(Buffer.from(sheet.buffer), { raw: { width: w, height: h, channels: 3 } })
    .resize(w * 2, h * 2, { kernel: 'nearest' })
    .png()
    .toFile(file);
}

/** C: fresh latents moved by α toward the liked latents' mean (relative to all rated latents' mean), no training. */
async function steer(base: TrainState, t: Thresholds, rated: Rated, latentDim: number, alpha: number): Promise<SetStats> {
  const meanOf = (zs: Float32Array[]) => {
    const m = new Float32Array(latentDim);
    for (const z of zs) for (let i = 0; i < latentDim; i++) m[i]! += z[i]! / zs.length;
    return m;
  };
  const likedMean = meanOf(rated.likedZ);
  const allMean = meanOf(rated.allZ);
  const z = latents(FRESH_SEED, evalCount, latentDim);
  for (let n = 0; n < evalCount; n++) for (let i = 0; i < latentDim; i++) z[n * latentDim + i]! += alpha * (likedMean[i]! - allMean[i]!);
  return stats(await draw(base, z, evalCount), t, rated.liked);
}

/** The parent with its EMA's update count set (0 restarts the warm-up; 9000 = a long-trained parent). */
function withEmaCount(state: TrainState, t: number): TrainState {
  const ema = state.groups.ema;
  if (!ema) return state;
  return { ...state, groups: { ...state.groups, ema: ema.map((a) => (a.name === 't' ? { ...a, data: Float32Array.of(t) } : a)) } };
}

// ── the run ─────────────────────────────────────────────────────────────────────────────────────

function recipe(): TrainConfig {
  const settings = TrainSettings.parse({ model: 'dcgan', preset: 'small', size: SIZE, batchSize: batch, steps: baseSteps, seed, augment: false });
  return { ...configFromSettings(settings, { classes: 0, images }), width, ema: useEma ? 0.999 : 0 };
}

async function baseModel(reals: Dataset, cfg: TrainConfig, t0: Thresholds | null): Promise<TrainState> {
  const key = `atelier-feedback-base-${images}-${width}-${batch}-${baseSteps}-${seed}-${workers}-${useEma ? 'ema' : 'live'}`;
  const dir = join(tmpdir(), key);
  if (existsSync(join(dir, 'checkpoint.json'))) {
    console.log(`base: cached ${dir}`);
    return loadCheckpoint(dir);
  }
  const started = performance.now();
  const latentDim = cfg.latentDim;
  const z = latents(FRESH_SEED, evalCount, latentDim);
  const { state } = await train(reals, cfg, {
    workers,
    sampleEvery: 250,
    onSample: async (session: Session) => {
      const set = await draw(await session.state(), z, evalCount);
      const b = set.map(brightness);
      const sd = Math.sqrt(mean(b.map((x) => (x - mean(b)) ** 2)));
      console.log(
        `  base step ${session.step}: ${((performance.now() - started) / 1000).toFixed(0)} s, brightness ${mean(b).toFixed(3)} ± ${sd.toFixed(3)}` +
          ` (q10 ${quantile(b, 0.1).toFixed(2)}, q90 ${quantile(b, 0.9).toFixed(2)})` +
          (t0
            ? `, ≥ data q75 ${pct(b.filter((x) => x >= t0.liked).length / b.length)}, ≤ data q25 ${pct(b.filter((x) => x <= t0.rejected).length / b.length)}`
            : '') +
          `, diversity ${diversity(set, false).toFixed(3)} / shape ${diversity(set, true).toFixed(3)}`,
      );
    },
  });
  console.log(`base: ${baseSteps} steps in ${((performance.now() - started) / 1000).toFixed(0)} s (including the progress samples)`);
  mkdirSync(dir, { recursive: true });
  await saveCheckpoint(dir, state);
  return state;
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

/**
 * The whole round end to end as a unit test would run it, timed: base training (no progress
 * samples, no cache), rating, one round of the first variant, fresh generations before and after.
 */
async function minimal(): Promise<void> {
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  await initBackend({ only: 'wasm' });
  const reals = fixture(images, seed);
  const cfg = recipe();
  const { state: base } = await train(reals, cfg, { workers });
  const baseSec = (performance.now() - started) / 1000;
  const zRated = latents(RATED_SEED, rateCount, cfg.latentDim);
  const ratedSet = await draw(base, zRated, rateCount);
  const rb = ratedSet.map(brightness);
  const t = { liked: quantile(rb, 0.75), rejected: quantile(rb, 0.25) };
  const rated: Rated = { liked: ratedSet.filter((_, i) => rb[i]! >= t.liked), rejected: ratedSet.filter((_, i) => rb[i]! <= t.rejected), likedZ: [], allZ: [] };
  const v = parseVariant(variantNames[0]!);
  const ft: TrainConfig = { ...cfg, steps, seed: seed + 100, lrG: cfg.lrG * lrScale, lrD: cfg.lrD * lrScale };
  const { state: after } = await train(feedbackData(reals, rated, v), ft, { workers, resume: fineTuneState(base, ft, { restartEma: emaCount === 'restart' }) });
  const zFresh = latents(FRESH_SEED, evalCount, cfg.latentDim);
  const before = mean((await draw(base, zFresh, evalCount)).map(brightness));
  const now = (await draw(after, zFresh, evalCount)).map(brightness);
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `minimal round (${v.name}, ${images} images, width ${width}, batch ${batch}, base ${baseSteps} + round ${steps} steps, ${workers} thread(s), seed ${seed}): ` +
      `fresh brightness ${before.toFixed(3)} → ${mean(now).toFixed(3)} (Δ ${signed(mean(now) - before)}), ≥ liked ${pct(now.filter((x) => x >= t.liked).length / now.length)}; ` +
      `base ${baseSec.toFixed(1)} s, total ${((performance.now() - started) / 1000).toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU, load ${loadavg()[0]!.toFixed(2)}`,
  );
}

async function main(): Promise<void> {
  if (process.argv.includes('--minimal')) return minimal();
  const backend = await initBackend({ only: 'wasm' });
  const reals = fixture(images, seed);
  const realSet = Array.from({ length: images }, (_, i) => reals.pixels.slice(i * PER, (i + 1) * PER));
  realImages = realSet;
  const realB = realSet.map(brightness);
  const dataT = { liked: quantile(realB, 0.75), rejected: quantile(realB, 0.25) };
  const cfg = recipe();
  console.log(`feedback experiment: ${backend.name}, ${workers} threads, load ${loadavg()[0]!.toFixed(2)}`);
  const realSd = Math.sqrt(mean(realB.map((x) => (x - mean(realB)) ** 2)));
  console.log(
    `fixture: ${images} images, brightness ${mean(realB).toFixed(3)} ± ${realSd.toFixed(3)} (q25 ${dataT.rejected.toFixed(2)}, q75 ${dataT.liked.toFixed(2)})`,
  );
  const realSample = realSet.slice(0, evalCount);
  // New drawings of the fixture: how far a perfect generator's images would be from the nearest training image.
  const heldOut = fixture(evalCount, seed + 7);
  const heldOutNn = mean(
    Array.from({ length: evalCount }, (_, i) => Math.min(...realSet.map((r) => distance(heldOut.pixels.subarray(i * PER, (i + 1) * PER), r, false)))),
  );
  console.log(
    `  data diversity ${diversity(realSample, false).toFixed(3)} / shape ${diversity(realSample, true).toFixed(3)}; NN→real of new fixture drawings ${heldOutNn.toFixed(3)}`,
  );
  console.log(`config: ${JSON.stringify({ ...cfg, steps: baseSteps })}`);

  const base = await baseModel(reals, cfg, dataT);
  if (process.argv.includes('--base-only')) return;

  // Rating: brightness quartiles of the rated generations.
  const { latentDim } = cfg;
  const zRated = latents(RATED_SEED, rateCount, latentDim);
  const ratedSet = await draw(base, zRated, rateCount);
  const rb = ratedSet.map(brightness);
  const t: Thresholds = { liked: quantile(rb, 0.75), rejected: quantile(rb, 0.25) };
  const order = rb.map((b, i) => ({ b, i }));
  const rated: Rated = {
    liked: order.filter((o) => o.b >= t.liked).map((o) => ratedSet[o.i]!),
    rejected: order.filter((o) => o.b <= t.rejected).map((o) => ratedSet[o.i]!),
    likedZ: order.filter((o) => o.b >= t.liked).map((o) => zRated.subarray(o.i * latentDim, (o.i + 1) * latentDim)),
    allZ: order.map((o) => zRated.subarray(o.i * latentDim, (o.i + 1) * latentDim)),
  };
  console.log(
    `rated ${rateCount} generations: liked (≥ ${t.liked.toFixed(3)}) ${rated.liked.length}, rejected (≤ ${t.rejected.toFixed(3)}) ${rated.rejected.length}; ` +
      `liked set diversity ${diversity(rated.liked, false).toFixed(3)} / shape ${diversity(rated.liked, true).toFixed(3)}`,
  );

  const rows: Row[] = [];
  const sheets = arg('sheets', '');
  if (sheets) mkdirSync(sheets, { recursive: true });
  const baseEval = await evaluate(base, t, rated, latentDim, sheets ? join(sheets, 'base.png') : undefined);
  const report = (row: Row) => {
    rows.push(row);
    printRow(row, baseEval.fresh.bright);
  };
  report({ variant: 'base', repeat: 0, step: 0, trainSec: 0, ...baseEval });

  const parent = emaCount === 'keep' || emaCount === 'restart' ? base : withEmaCount(base, Number(emaCount));
  for (const v of variantNames.map(parseVariant)) {
    if (v.steer) {
      for (const alpha of [0.5, 1, 2]) {
        const s = await steer(base, t, rated, latentDim, alpha);
        report({ variant: `C α=${alpha}`, repeat: 0, step: 0, trainSec: 0, fresh: s, rated: s, liveBright: Number.NaN });
      }
      continue;
    }
    for (let repeat = 0; repeat < repeats; repeat++) {
      const ft: TrainConfig = { ...cfg, steps, seed: seed + 100 + repeat, lrG: cfg.lrG * lrScale, lrD: cfg.lrD * lrScale };
      const data = feedbackData(reals, rated, v);
      const started = performance.now();
      let evalMs = 0;
      await train(data, ft, {
        workers,
        resume: fineTuneState(parent, ft, { restartEma: emaCount === 'restart' }),
        sampleEvery: every,
        onSample: async (session) => {
          const e0 = performance.now();
          const trainSec = (e0 - started - evalMs) / 1000;
          const sheet = sheets && repeat === 0 && session.step === steps ? join(sheets, `${v.name}.png`) : undefined;
          report({ variant: v.name, repeat, step: session.step, trainSec, ...(await evaluate(await session.state(), t, rated, latentDim, sheet)) });
          evalMs += performance.now() - e0;
        },
      });
    }
  }

  console.log(
    `\nsummary: mean of ${repeats} fine-tune seed(s) [Δ range]; ${useEma ? 'EMA generator' : 'live generator'}, parent EMA count ${emaCount}; ` +
      `liked ≥ ${t.liked.toFixed(3)}, rejected ≤ ${t.rejected.toFixed(3)}; load ${loadavg()[0]!.toFixed(2)}`,
  );
  console.log(header());
  const groups = new Map<string, Row[]>();
  for (const r of rows) groups.set(`${r.variant}@${r.step}`, [...(groups.get(`${r.variant}@${r.step}`) ?? []), r]);
  for (const group of groups.values()) console.log(line(averaged(group), baseEval.fresh.bright, group));
}

/** The mean of a group's rows (same variant and step, different fine-tune seeds). */
function averaged(group: Row[]): Row {
  const avg = (f: (r: Row) => number) => mean(group.map(f));
  const set = (k: 'fresh' | 'rated'): SetStats => ({
    bright: avg((r) => r[k].bright),
    liked: avg((r) => r[k].liked),
    rejected: avg((r) => r[k].rejected),
    div: avg((r) => r[k].div),
    shapeDiv: avg((r) => r[k].shapeDiv),
    nnLiked: avg((r) => r[k].nnLiked),
    nnReal: avg((r) => r[k].nnReal),
  });
  const first = group[0]!;
  return {
    variant: first.variant,
    repeat: -1,
    step: first.step,
    trainSec: avg((r) => r.trainSec),
    fresh: set('fresh'),
    rated: set('rated'),
    liveBright: avg((r) => r.liveBright),
  };
}

function header(): string {
  return (
    '| variant | steps | train s | fresh brightness | Δ | fresh ≥ liked | fresh ≤ rejected | rated seeds Δ | live G Δ | diversity | shape div. | NN→liked | NN→real |\n' +
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|'
  );
}

const signed = (x: number) => (Number.isNaN(x) ? '–' : `${x >= 0 ? '+' : ''}${x.toFixed(3)}`);

function line(r: Row, baseBright: number, group?: Row[]): string {
  const f = r.fresh;
  const deltas = (group ?? []).map((g) => g.fresh.bright - baseBright);
  const range = deltas.length > 1 ? ` [${signed(Math.min(...deltas))}, ${signed(Math.max(...deltas))}]` : '';
  const name = group || r.repeat <= 0 ? r.variant : `${r.variant} #${r.repeat + 1}`;
  return (
    `| ${name} | ${r.step} | ${r.trainSec.toFixed(0)} | ${f.bright.toFixed(3)} | ${signed(f.bright - baseBright)}${range} | ${pct(f.liked)} | ${pct(f.rejected)} | ` +
    `${signed(r.rated.bright - baseRatedBright)} | ${signed(r.liveBright - baseLiveBright)} | ${f.div.toFixed(3)} | ${f.shapeDiv.toFixed(3)} | ${f.nnLiked.toFixed(3)} | ${f.nnReal.toFixed(3)} |`
  );
}

let printedHeader = false;
let baseRatedBright = Number.NaN;
let baseLiveBright = Number.NaN;
function printRow(r: Row, baseBright: number): void {
  if (r.variant === 'base') {
    baseRatedBright = r.rated.bright;
    baseLiveBright = r.liveBright;
  }
  if (!printedHeader) {
    console.log(header());
    printedHeader = true;
  }
  console.log(line(r, baseBright));
}

main().catch((err: unknown) => {
  console.error('feedback experiment failed:', err instanceof Error ? err.stack : err);
  process.exitCode = 1;
});
