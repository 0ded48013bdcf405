// A training run inside the job process: decode the run's images, build the validation set and
// the sample grid, train, and write checkpoints and sample grids into the project folder while
// reporting each as a message. It writes files but never the project database; the engine's
// run queue (queue.ts) records what the messages report.
import { join } from 'node:path';
import { trainingPixels } from '../datasets/training-set';
import { jobFeatureCache } from '../evaluation/eval-job';
import { RunScorer } from '../evaluation/run-scorer';
import { initBackend } from '../ml/backend';
import { loadCheckpoint, saveCheckpoint } from '../ml/checkpoint';
import { fineTuneState, train, type Dataset, type Session, type TrainProgress, type TrainState } from '../ml/train';
import type { TrainMessage, TrainRequest } from './protocol';
import { recordSpeed } from './speed';
import { sampleGrid, writeGrid } from './sample-grid';
import { validate, validationSet } from './validation';

export interface RunJobOptions {
  post(message: TrainMessage): void;
  /** True once the engine asked for a pause: the loop checkpoints and stops at the next step boundary. */
  pauseRequested(): boolean;
}

/** The feature cache for scoring; a run whose cache cannot be opened trains on without scoring. */
function openCache(projectDir: string, post: RunJobOptions['post']): ReturnType<typeof jobFeatureCache> | null {
  try {
    return jobFeatureCache(projectDir, post);
  } catch (error) {
    post({ type: 'progress', step: 0, total: 0, message: `Checkpoints will not be scored during this run: ${(error as Error).message}` });
    return null;
  }
}

export async function runTrainingJob(request: TrainRequest, { post, pauseRequested }: RunJobOptions): Promise<void> {
  if (request.timing) return runTiming(request, post);
  if (request.prepare) {
    // The Train view is open: the pixels a run of this size needs are decoded while the person chooses.
    const options = { size: request.config.size, background: request.background, cacheDir: join(request.projectDir, 'cache') };
    await trainingPixels(request.assets, options);
    if (request.val.length > 0) await trainingPixels(request.val, options);
    return;
  }
  const { config, projectDir, runId } = request;
  const classes = config.classes;
  const onSkip = (source: { hash: string }, reason: string) => post({ type: 'skipped', hash: source.hash, reason });
  const images = request.assets.length.toLocaleString('en');
  const loading = (done: number | null) =>
    post({
      type: 'progress',
      step: 0,
      total: config.steps,
      phase: 'loading',
      message: `Loading ${images} images at ${config.size}×${config.size}${done === null ? '' : ` (${done.toLocaleString('en')} done)`}`,
    });
  loading(null);
  // A person watches this on a first run (no pixel cache yet): a few lines a second, not one per image.
  let lastLoadingPost = performance.now();
  const onLoadProgress = (done: number, total: number) => {
    const now = performance.now();
    if (now - lastLoadingPost < 400 || done === total) return;
    lastLoadingPost = now;
    loading(done);
  };
  const cacheDir = join(projectDir, 'cache');
  const data = await trainingPixels(request.assets, { size: config.size, background: request.background, cacheDir, onSkip, onProgress: onLoadProgress });
  // An image that cannot be decoded is left out (the engine names it and excludes it); the run goes on.
  const assets = data.kept.map((i) => request.assets[i]!);
  if (data.count < 2) {
    throw new Error(`Only ${data.count} of the ${request.assets.length.toLocaleString('en')} training images could be decoded; training needs at least two.`);
  }
  const condOf = (list: { classes: number[] }[]) => {
    if (classes === 0) return undefined;
    const cond = new Float32Array(list.length * classes);
    list.forEach((a, i) => a.classes.forEach((c) => c < classes && (cond[i * classes + c] = 1)));
    return cond;
  };
  const weights = assets.some((a) => a.weight !== 1) ? Float32Array.from(assets, (a) => a.weight) : undefined;
  const dataset: Dataset = {
    pixels: data.pixels,
    count: data.count,
    size: data.size,
    ...(weights ? (request.weighting === 'loss' ? { lossWeights: weights } : { weights }) : {}),
    ...(classes > 0 ? { cond: condOf(assets)! } : {}),
    ...(request.augmentation ? { augment: request.augmentation } : {}),
  };
  if (request.negatives?.length) {
    // A feedback round's disliked images: D is taught to call them fake (ml/types.ts NegativeImages).
    post({ type: 'progress', step: 0, total: config.steps, message: `Preparing ${request.negatives.length} disliked images for the discriminator` });
    const negatives = await trainingPixels(request.negatives, { size: config.size, background: request.background, cacheDir });
    if (negatives.count > 0) {
      const kept = negatives.kept.map((i) => request.negatives![i]!);
      dataset.negatives = {
        pixels: negatives.pixels,
        count: negatives.count,
        share: request.negativeShare ?? 0.25,
        ...(classes > 0 ? { cond: condOf(kept)! } : {}),
      };
    }
  }
  if (request.val.length > 0) {
    post({ type: 'progress', step: 0, total: config.steps, phase: 'loading', message: `Loading ${request.val.length.toLocaleString('en')} validation images` });
  }
  const validation = await validationSet(request, dataset, condOf, onSkip);
  // The yardstick after each checkpoint, within its share of the run's time (evaluation/run-scorer.ts).
  const cache = request.score ? openCache(projectDir, post) : null;
  const scorer = cache
    ? new RunScorer({
        projectDir,
        runId,
        seed: config.seed,
        view: { size: config.size, background: request.background },
        cache,
        train: { sources: assets, pixels: { count: data.count, size: data.size, pixels: data.pixels } },
        val: request.val,
        post,
      })
    : null;

  let resume: TrainState | undefined;
  if (request.resumeFrom) resume = await loadCheckpoint(join(projectDir, request.resumeFrom));
  else if (request.parentCheckpoint) {
    resume = fineTuneState(await loadCheckpoint(join(projectDir, request.parentCheckpoint)), config, { restartEma: request.restartEma === true });
  }

  const runDir = `checkpoints/run-${runId}`;
  const checkpointDir = (step: number) => `${runDir}/step-${step}`;
  const grid = sampleGrid(config, dataset);
  if (grid.cells) post({ type: 'sample-cells', cells: grid.cells });
  let lastSaved = resume && request.resumeFrom ? resume.step : -1;
  const save = async (state: TrainState, session: Session) => {
    await saveCheckpoint(join(projectDir, checkpointDir(state.step)), state);
    lastSaved = state.step;
    post({ type: 'checkpoint', step: state.step, dir: checkpointDir(state.step) });
    const v = await validate(session, validation);
    if (v) post({ type: 'validation', step: state.step, ...v });
    if (scorer && scorer.samplesAffordable() > 0) {
      post({ type: 'progress', step: state.step, total: config.steps, message: `Scoring the checkpoint at step ${state.step.toLocaleString('en')}` });
      await scorer.afterCheckpoint(state.step, { latentDim: config.latentDim, classes: config.classes, size: config.size }, (z, c) => session.sample(z, c));
    }
  };
  const threads = Math.max(1, Math.min(request.workers, config.batchSize));
  post({
    type: 'progress',
    step: resume?.step ?? 0,
    total: config.steps,
    phase: 'building',
    message: `Building the model${threads > 1 ? ` and starting ${threads} training threads` : ''}`,
  });
  let lastProgress: TrainProgress | null = null;
  const stepsBefore = resume && request.resumeFrom ? resume.step : 0;
  const result = await train(dataset, config, {
    resume,
    workers: request.workers,
    ...(request.budgetMs !== undefined ? { budgetMs: request.budgetMs } : {}),
    onReady() {
      const next = (resume && request.resumeFrom ? resume.step : 0) + 1;
      post({
        type: 'progress',
        step: next - 1,
        total: config.steps,
        phase: 'first-step',
        message: `Running step ${next.toLocaleString('en')} (the first step sets up the kernels)`,
      });
    },
    checkpointEvery: request.checkpointEvery,
    sampleEvery: request.sampleEvery,
    shouldStop: pauseRequested,
    onProgress(p) {
      lastProgress = p;
      const { step, imgPerSec, meanImgPerSec, lossD, lossG, recon, kl, gpuBytes } = p;
      const total = projectedTotal(p, request.budgetMs);
      post({
        type: 'progress',
        step,
        total,
        message: `Step ${step.toLocaleString('en')} of ${request.budgetMs !== undefined ? '≈' : ''}${total.toLocaleString('en')}`,
        lossD,
        lossG,
        recon,
        kl,
        imgPerSec,
        meanImgPerSec,
        ...(gpuBytes !== undefined ? { gpuBytes } : {}),
      });
    },
    async onSample(session) {
      const file = `${runDir}/samples/step-${String(session.step).padStart(7, '0')}.png`;
      await writeGrid(session, grid, join(projectDir, file));
      post({ type: 'sample', step: session.step, file });
    },
    onCheckpoint: save,
  });
  if (lastSaved !== result.state.step) {
    await saveCheckpoint(join(projectDir, checkpointDir(result.state.step)), result.state);
    post({ type: 'checkpoint', step: result.state.step, dir: checkpointDir(result.state.step) });
  }
  cache?.close();
  // This workstation's speed for the next estimates (training/speed.ts), from enough steps to mean something.
  const p = lastProgress as TrainProgress | null;
  if (p && request.speedKey && p.step - stepsBefore >= 20) {
    const backend = (await initBackend()).name;
    const overhead = Math.min(0.6, Math.max(0, 1 - p.meanImgPerSec / p.stepImgPerSec));
    await recordSpeed({ ...request.speedKey, backend }, { imgPerSec: p.stepImgPerSec, overhead, source: 'run' });
    post({ type: 'speed', imgPerSec: p.stepImgPerSec, overhead, backend });
  }
  if (result.stopped && pauseRequested()) post({ type: 'paused', step: result.state.step });
}

/**
 * The step total a run expects: its steps, or for a time-budgeted run the steps its remaining
 * budget buys at its own mean rate so far (capped by its ceiling).
 */
export function projectedTotal(p: Pick<TrainProgress, 'step' | 'totalSteps' | 'trainedMs'>, budgetMs: number | undefined): number {
  if (budgetMs === undefined || p.step === 0) return p.totalSteps;
  const msPerStep = p.trainedMs / p.step;
  const left = Math.max(0, budgetMs - p.trainedMs);
  return Math.min(p.totalSteps, Math.max(p.step, Math.round(p.step + left / msPerStep)));
}

/** A short timing of real steps on synthetic images of the run's shape: this workstation's speed. */
async function runTiming(request: TrainRequest, post: RunJobOptions['post']): Promise<void> {
  const { config } = request;
  const size = config.size;
  const count = Math.max(64, config.batchSize * 2);
  const pixels = new Uint8Array(count * size * size * 3);
  let x = 0x9e3779b9 ^ config.seed;
  for (let i = 0; i < pixels.length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    pixels[i] = x >>> 24;
  }
  const dataset: Dataset = { pixels, count, size };
  if (config.classes > 0) {
    const cond = new Float32Array(count * config.classes);
    for (let i = 0; i < count; i++) cond[i * config.classes + (i % config.classes)] = 1;
    dataset.cond = cond;
  }
  post({ type: 'progress', step: 0, total: 0, phase: 'building', message: "Measuring this machine's speed" });
  let last: TrainProgress | null = null;
  const budgetMs = request.timing!.seconds * 1000;
  await train(
    dataset,
    { ...config, steps: 1_000_000 },
    {
      workers: request.workers,
      onProgress(p) {
        last = p;
      },
      // At least three steps after the first (which sets up the kernels), however slow they are.
      shouldStop: () => last !== null && (last as TrainProgress).trainedMs >= budgetMs && (last as TrainProgress).step >= 4,
    },
  );
  const p = last as TrainProgress | null;
  if (!p) throw new Error('The speed timing ran no step.');
  const backend = (await initBackend()).name;
  if (request.speedKey) await recordSpeed({ ...request.speedKey, backend }, { imgPerSec: p.stepImgPerSec, source: 'timing' });
  post({ type: 'speed', imgPerSec: p.stepImgPerSec, backend });
}
