// The job process: training and generation run here, never on the thread that
// serves the UI. Started by child_process.fork (headless, CLI) or Electron's
// utilityProcess; it receives one request, streams typed messages back and exits.
// It writes files (checkpoints, samples) but never the project database.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { trainingPixels } from '../datasets/training-set';
import { initBackend } from '../ml/backend';
import { loadCheckpoint, saveCheckpoint } from '../ml/checkpoint';
import { generate } from '../ml/generate';
import { defaultTrainConfig, train, type Dataset } from '../ml/train';
import { augment } from '../datasets/augment';
import { toErrorPayload } from './errors';
import type { GenerateRequest, JobMessage, JobRequest, TrainRequest } from './job-protocol';

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function post(message: JobMessage): void {
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
}

async function run(request: JobRequest): Promise<void> {
  const backend = await initBackend();
  post({ type: 'ready', backend: { name: backend.name, threads: backend.threads, message: backend.message } });
  if (request.type === 'train') await runTraining(request);
  else await runGeneration(request);
}

async function runTraining(request: TrainRequest): Promise<void> {
  const { config, projectDir } = request;
  post({ type: 'progress', step: 0, total: config.steps, message: `Preparing ${request.assets.length} images at ${config.size}×${config.size}` });
  const data = await trainingPixels(request.assets, {
    size: config.size,
    background: request.background,
    cacheDir: join(projectDir, 'cache'),
  });
  const images = new Float32Array(data.pixels.length);
  for (let i = 0; i < images.length; i++) images[i] = data.pixels[i]! / 127.5 - 1;

  const cfg = defaultTrainConfig({ size: config.size, batchSize: config.batchSize, steps: config.steps, seed: config.seed });
  const checkpointDir = (step: number) => `checkpoints/run-${request.runId}/step-${step}`;
  let lastSaved = -1;
  const policy = request.augmentation;
  const dataset: Dataset = {
    images,
    count: data.count,
    size: data.size,
    ...(request.weights ? { weights: Float32Array.from(request.weights) } : {}),
    ...(policy ? { augment: { pixels: data.pixels, apply: (image, rng) => augment(image, policy, rng) } } : {}),
  };
  const { state } = await train(dataset, cfg, {
    checkpointEvery: config.checkpointEvery,
    onProgress(p) {
      post({
        type: 'progress',
        step: p.step,
        total: p.totalSteps,
        message: `Step ${p.step} of ${p.totalSteps}`,
        lossD: p.lossD,
        lossG: p.lossG,
        imgPerSec: p.imgPerSec,
      });
    },
    async onCheckpoint(s) {
      await saveCheckpoint(join(projectDir, checkpointDir(s.step)), s);
      lastSaved = s.step;
      post({ type: 'checkpoint', step: s.step, dir: checkpointDir(s.step) });
    },
  });
  if (lastSaved !== state.step) {
    await saveCheckpoint(join(projectDir, checkpointDir(state.step)), state);
    post({ type: 'checkpoint', step: state.step, dir: checkpointDir(state.step) });
  }
}

async function runGeneration(request: GenerateRequest): Promise<void> {
  const { projectDir } = request;
  post({ type: 'progress', step: 0, total: request.count, message: 'Loading checkpoint' });
  const state = await loadCheckpoint(join(projectDir, request.checkpointDir));
  const out = await generate(state, { count: request.count, seed: request.seed });
  await mkdir(join(projectDir, request.outDir), { recursive: true });
  const files: { file: string; index: number }[] = [];
  for (let i = 0; i < out.images.length; i++) {
    const file = `${request.outDir}/${String(i).padStart(4, '0')}.png`;
    await sharp(Buffer.from(out.images[i]!), { raw: { width: out.size, height: out.size, channels: 3 } })
      .png()
      .toFile(join(projectDir, file));
    files.push({ file, index: i });
    post({ type: 'progress', step: i + 1, total: request.count, message: `Image ${i + 1} of ${request.count}` });
  }
  post({ type: 'generated', size: out.size, files });
}

function onRequest(request: JobRequest): void {
  run(request).then(
    () => {
      post({ type: 'done' });
      setTimeout(() => process.exit(0), 50);
    },
    (error: unknown) => {
      post({ type: 'error', error: toErrorPayload(error) });
      setTimeout(() => process.exit(1), 50);
    },
  );
}

if (parentPort) parentPort.on('message', (event) => onRequest(event.data as JobRequest));
else process.once('message', (message) => onRequest(message as JobRequest));
