// A training run inside the job process: decode the run's images, build the validation set and
// the sample grid, train, and write checkpoints and sample grids into the project folder while
// reporting each as a message. It writes files but never the project database; the engine's
// run queue (queue.ts) records what the messages report.
import { join } from 'node:path';
import { trainingPixels } from '../datasets/training-set';
import { jobFeatureCache } from '../evaluation/eval-job';
import { RunScorer } from '../evaluation/run-scorer';
import { loadCheckpoint, saveCheckpoint } from '../ml/checkpoint';
import { fineTuneState, train, type Dataset, type Session, type TrainState } from '../ml/train';
import type { TrainMessage, TrainRequest } from './protocol';
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
  const { config, projectDir, runId } = request;
  const classes = config.classes;
  const onSkip = (source: { hash: string }, reason: string) => post({ type: 'skipped', hash: source.hash, reason });
  post({
    type: 'progress',
    step: 0,
    total: config.steps,
    message: `Preparing ${request.assets.length.toLocaleString('en')} images at ${config.size}×${config.size}`,
  });
  const cacheDir = join(projectDir, 'cache');
  const data = await trainingPixels(request.assets, { size: config.size, background: request.background, cacheDir, onSkip });
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
  let lastSaved = resume && request.resumeFrom ? resume.step : -1;
  const save = async (state: TrainState, session: Session) => {
    await saveCheckpoint(join(projectDir, checkpointDir(state.step)), state);
    lastSaved = state.step;
    post({ type: 'checkpoint', step: state.step, dir: checkpointDir(state.step) });
    const v = validate(session, validation);
    if (v) post({ type: 'validation', step: state.step, ...v });
    if (scorer && scorer.samplesAffordable() > 0) {
      post({ type: 'progress', step: state.step, total: config.steps, message: `Scoring the checkpoint at step ${state.step.toLocaleString('en')}` });
      await scorer.afterCheckpoint(state.step, { latentDim: config.latentDim, classes: config.classes, size: config.size }, (z, c) => session.sample(z, c));
    }
  };
  const result = await train(dataset, config, {
    resume,
    workers: request.workers,
    checkpointEvery: request.checkpointEvery,
    sampleEvery: request.sampleEvery,
    shouldStop: pauseRequested,
    onProgress(p) {
      const { step, totalSteps, imgPerSec, lossD, lossG, recon, kl } = p;
      post({
        type: 'progress',
        step,
        total: totalSteps,
        message: `Step ${step.toLocaleString('en')} of ${totalSteps.toLocaleString('en')}`,
        lossD,
        lossG,
        recon,
        kl,
        imgPerSec,
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
  if (result.stopped && pauseRequested()) post({ type: 'paused', step: result.state.step });
}
