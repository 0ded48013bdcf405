// The job process: training and generation run here, never on the thread that
// serves the UI. Started by child_process.fork (headless, CLI) or Electron's
// utilityProcess; it receives one request, streams typed messages back and exits.
// It writes files (checkpoints, samples) but never the project database.
import { mkdir, rename } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { trainingPixels } from '../datasets/training-set';
import { initBackend } from '../ml/backend';
import { loadCheckpoint, saveCheckpoint } from '../ml/checkpoint';
import { latentFor, toBytes } from '../ml/generate';
import { DrawPool } from '../ml/draw-pool';
import { hashSeed, Rng } from '../ml/random';
import { fineTuneState, train, type Dataset, type Session, type TrainConfig, type TrainState } from '../ml/train';
import { tf } from '../ml/backend';
import { toErrorPayload } from '../errors';
import type { DrawControl, JobControl, JobMessage, JobRequest, SamplerRequest, TrainRequest } from './job-protocol';

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
  else await runSampler(request);
}

function onSkip(source: { hash: string }, reason: string): void {
  post({ type: 'skipped', hash: source.hash, reason });
}

/** Set by a `pause` message; the loop checkpoints and stops at the next step boundary. */
let pauseRequested = false;

async function runTraining(request: TrainRequest): Promise<void> {
  const { config, projectDir, runId } = request;
  const classes = config.classes;
  post({ type: 'progress', step: 0, total: config.steps, message: `Preparing ${request.assets.length.toLocaleString('en')} images at ${config.size}×${config.size}` });
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
  const validation = await validationSet(request, dataset, condOf);

  let resume: TrainState | undefined;
  if (request.resumeFrom) resume = await loadCheckpoint(join(projectDir, request.resumeFrom));
  else if (request.parentCheckpoint) resume = fineTuneState(await loadCheckpoint(join(projectDir, request.parentCheckpoint)), config);

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
  };
  const result = await train(dataset, config, {
    resume,
    workers: request.workers,
    checkpointEvery: request.checkpointEvery,
    sampleEvery: request.sampleEvery,
    shouldStop: () => pauseRequested,
    onProgress(p) {
      const { step, totalSteps, imgPerSec, lossD, lossG, recon, kl } = p;
      post({ type: 'progress', step, total: totalSteps, message: `Step ${step.toLocaleString('en')} of ${totalSteps.toLocaleString('en')}`, lossD, lossG, recon, kl, imgPerSec });
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
  if (result.stopped && pauseRequested) post({ type: 'paused', step: result.state.step });
}

interface Validation {
  train: { x: Float32Array; cond?: Float32Array; count: number };
  val: { x: Float32Array; cond?: Float32Array; count: number } | null;
}

const VALIDATION_IMAGES = 256;

/** Up to 256 training and 256 held-out images, chosen once per run, for D's overfitting signal. */
async function validationSet(request: TrainRequest, train: Dataset, condOf: (l: { classes: number[] }[]) => Float32Array | undefined): Promise<Validation | null> {
  if (request.config.family === 'vae') return null;
  const { size, classes } = request.config;
  const per = size * size * 3;
  const pick = (n: number) => {
    const rng = new Rng(hashSeed(request.config.seed, 0x7a1));
    const idx = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    return idx.slice(0, Math.min(n, VALIDATION_IMAGES));
  };
  const gather = (pixels: Uint8Array, cond: Float32Array | undefined, idx: number[]) => ({
    x: Float32Array.from({ length: idx.length * per }, (_, k) => pixels[idx[Math.floor(k / per)]! * per + (k % per)]! / 127.5 - 1),
    ...(cond ? { cond: Float32Array.from({ length: idx.length * classes }, (_, k) => cond[idx[Math.floor(k / classes)]! * classes + (k % classes)]!) } : {}),
    count: idx.length,
  });
  const trainPart = gather(train.pixels, train.cond, pick(train.count));
  if (request.val.length === 0) return { train: trainPart, val: null };
  const valPixels = await trainingPixels(request.val, { size, background: request.background, cacheDir: join(request.projectDir, 'cache'), onSkip });
  if (valPixels.count === 0) return { train: trainPart, val: null };
  return { train: trainPart, val: gather(valPixels.pixels, condOf(valPixels.kept.map((i) => request.val[i]!)), pick(valPixels.count)) };
}

/** E[sign(D(x))] on training and held-out images (StyleGAN2-ADA's r_t heuristic), in batches of 64. */
function validate(session: Session, v: Validation | null): { dTrain: number; dVal: number | null } | null {
  if (!v) return null;
  const { size, classes } = session.config;
  const rt = (part: Validation['train']) => {
    let sum = 0;
    for (let start = 0; start < part.count; start += 64) {
      const n = Math.min(64, part.count - start);
      if (n < 2) break; // BatchNorm needs two images
      const signs = tf.tidy(() => {
        const x = tf.tensor4d(part.x.subarray(start * size * size * 3, (start + n) * size * size * 3), [n, size, size, 3]);
        const cond = part.cond ? tf.tensor2d(part.cond.subarray(start * classes, (start + n) * classes), [n, classes]) : null;
        const logits = session.score(x, cond);
        return logits ? tf.sign(logits).sum() : tf.scalar(0);
      });
      sum += signs.dataSync()[0]!;
      signs.dispose();
    }
    return sum / part.count;
  };
  return { dTrain: rt(v.train), dVal: v.val ? rt(v.val) : null };
}

/** The fixed latent vectors (and conditions, taken from 64 training images) every sample grid of a run uses. */
function sampleGrid(config: TrainConfig, data: Dataset): { z: Float32Array; cond: Float32Array | null; n: number } {
  const n = 64;
  const z = new Float32Array(n * config.latentDim);
  for (let i = 0; i < n; i++) z.set(latentFor(hashSeed(config.seed, 0x9a1d), i, config.latentDim), i * config.latentDim);
  if (config.classes === 0 || !data.cond) return { z, cond: null, n };
  const cond = new Float32Array(n * config.classes);
  const rng = new Rng(hashSeed(config.seed, 0xc0d));
  for (let i = 0; i < n; i++) {
    const idx = rng.int(data.count);
    cond.set(data.cond.subarray(idx * config.classes, (idx + 1) * config.classes), i * config.classes);
  }
  return { z, cond, n };
}

/** An 8×8 grid of samples with 2 px gutters, as a PNG. */
async function writeGrid(session: Session, grid: ReturnType<typeof sampleGrid>, file: string): Promise<void> {
  const { size, latentDim, classes } = session.config;
  const images = tf.tidy(() => session.sample(tf.tensor2d(grid.z, [grid.n, latentDim]), grid.cond ? tf.tensor2d(grid.cond, [grid.n, classes]) : null));
  const values = (await images.data()) as Float32Array;
  images.dispose();
  const cols = 8;
  const gap = 2;
  const side = cols * size + (cols + 1) * gap;
  const out = new Uint8Array(side * side * 3).fill(236);
  const bytes = toBytes(values);
  for (let i = 0; i < grid.n; i++) {
    const ox = gap + (i % cols) * (size + gap);
    const oy = gap + Math.floor(i / cols) * (size + gap);
    for (let y = 0; y < size; y++) {
      const src = (i * size * size + y * size) * 3;
      out.set(bytes.subarray(src, src + size * 3), ((oy + y) * side + ox) * 3);
    }
  }
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  await sharp(Buffer.from(out.buffer), { raw: { width: side, height: side, channels: 3 } }).png().toFile(tmp);
  await rename(tmp, file);
}

// ---------------------------------------------------------------------------------------
// The sampler: draws batches on request, keeping the two most recent checkpoints loaded.

let samplerProject = '';
/** Every core draws (the engine's own work is light while a person generates). */
const pool = new DrawPool(availableParallelism());
let drawing: Promise<void> = Promise.resolve();

function floats(base64: string, expected: number, what: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length !== expected * 4) throw new RangeError(`${what} has ${bytes.length / 4} values; this model needs ${expected}.`);
  // Copy into an aligned buffer: a Buffer may sit at any offset of its pool.
  return new Float32Array(new Uint8Array(bytes).buffer);
}

async function draw(c: DrawControl): Promise<void> {
  const started = performance.now();
  await initBackend(); // the request's start-up may still be under way
  const dir = join(samplerProject, c.checkpointDir);
  // One image is drawn on this thread; a batch on every core. A one-image draw (a warm-up) also loads the other threads.
  if (c.n === 1) void pool.warm(dir).catch(() => {});
  const { latentDim, classes } = await pool.sampler(dir);
  const z = floats(c.z, c.n * latentDim, 'The latent batch');
  const cond = classes > 0 && c.cond ? floats(c.cond, c.n * classes, 'The condition batch') : null;
  const { sampler, pixels } = await pool.draw(dir, c.n, z, cond);
  post({ type: 'drawn', id: c.id, size: sampler.size, latentDim, classes, pixels: Buffer.from(pixels.buffer, pixels.byteOffset, pixels.length).toString('base64'), ms: performance.now() - started });
}

function runSampler(_request: SamplerRequest): Promise<void> {
  // Never resolves: the sampler serves until the engine kills it or goes away.
  return new Promise(() => process.on('disconnect', () => process.exit(0)));
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

// The first message is the request; later ones are controls (pause).
let started = false;
function onMessage(message: JobRequest | JobControl): void {
  if (!started) {
    started = true;
    const request = message as JobRequest;
    // Draw controls may follow the request at once, before start-up is done.
    if (request.type === 'sampler') samplerProject = request.projectDir;
    onRequest(request);
  } else if (message.type === 'pause') {
    pauseRequested = true;
  } else if (message.type === 'draw') {
    const control = message;
    drawing = drawing.then(() =>
      draw(control).catch((error: unknown) => post({ type: 'draw-failed', id: control.id, error: toErrorPayload(error) })),
    );
  }
}

if (parentPort) parentPort.on('message', (event) => onMessage(event.data as JobRequest | JobControl));
else process.on('message', (message) => onMessage(message as JobRequest | JobControl));
