// One evaluation, from generated pixels to numbers and evidence: features of the samples and of
// the reference split (through the cache), KID, FID, precision/recall, diversity, class coverage,
// the collapse alarm, the memorisation check (calibrated on val→train distances), and the
// evidence images written under the project's evaluations/ folder. Runs in a job process.
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { trainingPixels } from '../datasets/training-set';
import { embeddingVersion, embedImages, fileFeatures, nearestRows, pixelNearest, unpack, viewKey, type FeatureCache, type View } from './features';
import { calibrateCopies, coverageAlarm, detectCollapse, fid, flagCopies, kid, precisionRecall, type FeatureMatrix, type PixelSet } from './metrics';
import type { EvalSource, ScoredEvaluation, ScoredPair } from './protocol';

export type { ScoredEvaluation, ScoredPair } from './protocol';

export interface ScoreInput {
  /** The generated (or outside) images at the training size, packed RGB. */
  samples: PixelSet;
  /** Each sample's class (the first tag of its condition), for class coverage; null when unconditional. */
  sampleLabels: number[] | null;
  reference: EvalSource[];
  train: EvalSource[];
  val: EvalSource[];
  view: View;
  projectDir: string;
  cache: FeatureCache;
  /** Training images already decoded at the training size (a training job has them), in `train` order. */
  trainPixels?: PixelSet;
  /** Embed training images whose features are not cached (a full evaluation), or use only the cached ones (inside a run's time budget). */
  embedTrain: boolean;
  /** Project-relative folder for the evidence images. */
  evidenceDir: string;
  onProgress?(fraction: number, message: string): void;
}

/** Images shown as the evaluation's strip, and per collapse group / kept pairs. */
const PREVIEW = 12;
const GROUPS = 3;
const GROUP_FILES = 6;
const PAIRS = 12;

function nameOf(list: EvalSource[], hash: string): string {
  const s = list.find((x) => x.hash === hash);
  return s ? (s.name ?? basename(s.path)) : `The image ${hash.slice(0, 12)}`;
}

export async function scoreSamples(input: ScoreInput): Promise<ScoredEvaluation> {
  const started = performance.now();
  const { view, cache, samples } = input;
  const say = input.onProgress ?? (() => {});
  if (samples.count < 4) throw new Error(`An evaluation needs at least 4 images to score; there are ${samples.count}.`);
  if (input.reference.length < 4) throw new Error(`The split to compare with has ${input.reference.length} images; an evaluation needs at least 4.`);

  say(0.05, `Reading features of ${input.reference.length.toLocaleString('en')} reference images`);
  // A reference image that cannot be decoded (damaged since import) is left out and named.
  const reference = await fileFeatures(cache, input.reference, view, {
    onProgress: (done, total) => say(0.05 + 0.25 * (done / total), `Embedding reference images: ${done.toLocaleString('en')} of ${total.toLocaleString('en')}`),
    onSkip: (hash, reason) => say(0.05, `${nameOf(input.reference, hash)} cannot be decoded (${reason}); it is left out of this evaluation.`),
  });
  if (reference.rows < 4) throw new Error(`Only ${reference.rows} of the split's images could be decoded; an evaluation needs at least 4.`);
  say(0.3, `Embedding ${samples.count.toLocaleString('en')} samples`);
  const fake = await embedImages(unpack(samples.pixels, samples.count, samples.size), {
    onProgress: (done, total) => say(0.3 + 0.4 * (done / total), `Embedding samples: ${done.toLocaleString('en')} of ${total.toLocaleString('en')}`),
  });

  say(0.7, 'Measuring');
  const k = kid(fake, reference);
  const f = fid(fake, reference);
  const pr = precisionRecall(reference, fake);
  const collapse = detectCollapse(fake, reference);
  const refLabels = reference.kept.map((i) => input.reference[i]!.classes[0] ?? -1);
  let coverage: number | null = null;
  if (input.sampleLabels && refLabels.some((c) => c >= 0)) {
    const real = labelled(reference, refLabels);
    const drawn = labelled(fake, input.sampleLabels);
    const alarm = coverageAlarm(real.m, real.labels, drawn.m, drawn.labels);
    coverage = alarm.coverage;
    // A conditional model that ignores its tags has collapsed too.
    if (alarm.reason) {
      collapse.collapsed = true;
      collapse.reasons.push(alarm.reason);
    }
  }

  say(0.75, 'Looking for copies of training images');
  const check =
    input.train.length > 0
      ? await copyCheck({
          samples,
          features: fake,
          train: input.train,
          val: input.val,
          view,
          projectDir: input.projectDir,
          cache,
          embedTrain: input.embedTrain,
          ...(input.trainPixels ? { trainPixels: input.trainPixels } : {}),
          ...(input.onProgress ? { onProgress: input.onProgress } : {}),
        })
      : null;

  say(0.95, 'Writing the evidence');
  const write = sampleWriter(input);
  const preview = await Promise.all(Array.from({ length: Math.min(PREVIEW, samples.count) }, (_, i) => write(i)));
  const groups = await Promise.all(
    collapse.groups.slice(0, GROUPS).map(async (g) => ({ size: g.length, files: await Promise.all(g.slice(0, GROUP_FILES).map(write)) })),
  );
  const pairs = check ? await Promise.all(evidencePairs(check).map(async (p) => ({ ...p.pair, sample: await write(p.index) }))) : [];
  return {
    samples: samples.count,
    reference: reference.rows,
    kid: k.kid,
    kidStderr: k.stderr,
    fid: f,
    precision: pr.precision,
    recall: pr.recall,
    coverage: coverage !== null && Number.isFinite(coverage) ? coverage : null,
    collapse: { collapsed: collapse.collapsed, reasons: collapse.reasons, diversity: collapse.diversity, duplicateShare: collapse.duplicateShare, groups },
    memorisation: check
      ? { threshold: check.threshold, checked: check.pairs.length, flagged: check.pairs.filter((p) => p.possibleCopy).length, features: check.features, pairs }
      : null,
    preview,
    seconds: (performance.now() - started) / 1000,
    embedding: embeddingVersion(),
  };
}

/** Rows with a label (≥ 0), and their labels. */
function labelled(m: FeatureMatrix, labels: readonly number[]): { m: FeatureMatrix; labels: number[] } {
  const keep = labels.map((l, i) => (l >= 0 ? i : -1)).filter((i) => i >= 0);
  const data = new Float32Array(keep.length * m.dim);
  keep.forEach((r, i) => data.set(m.data.subarray(r * m.dim, (r + 1) * m.dim), i * m.dim));
  return { m: { rows: keep.length, dim: m.dim, data }, labels: keep.map((i) => labels[i]!) };
}

/** The images checked (at the training size) and their features, and what they are checked against. */
export type CopyCheckInput = Pick<ScoreInput, 'samples' | 'train' | 'val' | 'view' | 'projectDir' | 'cache' | 'trainPixels' | 'embedTrain' | 'onProgress'> & {
  features: FeatureMatrix;
};

/**
 * Each image's nearest training image by features and by pixels, flagged as a possible copy
 * under thresholds calibrated on val→train distances (held-back real images are not copies).
 * Without val images, the training set's own nearest distances (leave-one-out) calibrate.
 * Used for an evaluation's samples and for gallery images (generations:checkCopies).
 */
export async function copyCheck(input: CopyCheckInput) {
  const { view, cache, features: fake } = input;
  const cacheDir = join(input.projectDir, 'cache');
  const trainPixels = input.trainPixels ? { set: input.trainPixels, sources: input.train } : await packed(input.train, view, cacheDir);
  const trainSet = trainPixels.sources;
  // Features of the training images: all of them embedded (a full evaluation), or the cached ones only.
  let trainFeatures: FeatureMatrix | null = null;
  if (input.embedTrain) {
    const embedded = await fileFeatures(cache, trainSet, view, {
      onProgress: (done, total) =>
        input.onProgress?.(0.75 + 0.15 * (done / total), `Embedding training images (once): ${done.toLocaleString('en')} of ${total.toLocaleString('en')}`),
      onSkip: () => {},
    });
    // Rows line up with trainSet: its images decoded once already (packed), so none is skipped here.
    if (embedded.rows === trainSet.length) trainFeatures = embedded;
  } else {
    const found = cache.get(
      trainSet.map((s) => s.hash),
      { embedding: embeddingVersion(), view: viewKey(view) },
    );
    if (trainSet.every((s) => found.has(s.hash))) {
      const data = new Float32Array(trainSet.length * fake.dim);
      trainSet.forEach((s, i) => data.set(found.get(s.hash)!, i * fake.dim));
      trainFeatures = { rows: trainSet.length, dim: fake.dim, data };
    }
  }
  const inTrain = new Set(trainSet.map((t) => t.hash));
  const valSet = input.val.filter((v) => !inTrain.has(v.hash));
  let calibration;
  if (valSet.length >= 2) {
    const valPixels = await packed(valSet, view, cacheDir);
    const valFeatures = trainFeatures ? await fileFeatures(cache, valPixels.sources, view) : null;
    calibration = calibrateCopies({
      feature: valFeatures && trainFeatures ? (await nearestRows(valFeatures, trainFeatures)).distance : [],
      pixel: (await pixelNearest(valPixels.set, trainPixels.set)).distance,
    });
  } else {
    // No val split: the training images' own nearest other training image (leave-one-out).
    const selfFeatures = trainFeatures ? await nearestRows(trainFeatures, trainFeatures, 2) : null;
    calibration = calibrateCopies({
      feature: selfFeatures ? selfFeatures.distance.filter((_, k) => k % 2 === 1) : [],
      pixel: (await pixelNearest(trainPixels.set, trainPixels.set, { skipSame: true })).distance,
    });
  }
  // A feature threshold is only meaningful when features were compared.
  const threshold = {
    feature: trainFeatures && Number.isFinite(calibration.feature) ? calibration.feature : 0,
    pixel: Number.isFinite(calibration.pixel) ? calibration.pixel : 0,
  };
  const entries = flagCopies(trainFeatures ? await nearestRows(fake, trainFeatures) : null, await pixelNearest(input.samples, trainPixels.set), threshold);
  const features = trainFeatures !== null;
  return {
    threshold,
    features,
    /** One per checked image, in order: its nearest training images (by content hash) and the flag. */
    pairs: entries.map((e): Omit<ScoredPair, 'sample'> => ({
      featureHash: features && e.nearestByFeature >= 0 ? trainSet[e.nearestByFeature]!.hash : null,
      featureDistance: features ? e.featureDistance : null,
      pixelHash: e.nearestByPixel >= 0 ? trainSet[e.nearestByPixel]!.hash : null,
      pixelDistance: e.pixelDistance,
      possibleCopy: e.possibleCopy,
    })),
  };
}

/** The pairs an evaluation keeps as evidence: closest first by how far under (or over) its thresholds a sample is, every flagged one kept. */
function evidencePairs(check: Awaited<ReturnType<typeof copyCheck>>): { index: number; pair: Omit<ScoredPair, 'sample'> }[] {
  const { threshold } = check;
  const closeness = (p: Omit<ScoredPair, 'sample'>) =>
    Math.min(
      threshold.feature > 0 && p.featureDistance !== null ? p.featureDistance / threshold.feature : Infinity,
      threshold.pixel > 0 ? p.pixelDistance / threshold.pixel : Infinity,
    );
  const ranked = check.pairs.map((pair, index) => ({ index, pair })).sort((a, b) => closeness(a.pair) - closeness(b.pair));
  const flagged = check.pairs.filter((p) => p.possibleCopy).length;
  return ranked.slice(0, Math.max(PAIRS, Math.min(flagged, 48)));
}

/** Project images decoded at the training size through the training cache; the ones that decode. */
async function packed(list: EvalSource[], view: View, cacheDir: string): Promise<{ set: PixelSet; sources: EvalSource[] }> {
  const data = await trainingPixels(list, { size: view.size, background: view.background, cacheDir });
  return { set: { count: data.count, size: data.size, pixels: data.pixels }, sources: data.kept.map((i) => list[i]!) };
}

/** Writes sample i as a PNG under the evidence folder once; returns its project-relative path. */
function sampleWriter(input: ScoreInput): (i: number) => Promise<string> {
  const written = new Map<number, Promise<string>>();
  const { size, pixels } = input.samples;
  const stride = size * size * 3;
  return (i) => {
    let file = written.get(i);
    if (!file) {
      const rel = `${input.evidenceDir}/sample-${String(i).padStart(5, '0')}.png`;
      file = (async () => {
        await mkdir(join(input.projectDir, input.evidenceDir), { recursive: true });
        await sharp(Buffer.from(pixels.subarray(i * stride, (i + 1) * stride)), { raw: { width: size, height: size, channels: 3 } })
          .png()
          .toFile(join(input.projectDir, rel));
        return rel;
      })();
      written.set(i, file);
    }
    return file;
  };
}
