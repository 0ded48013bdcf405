// Every family through the real training loop: cGAN and VAE steps, learning on a trivially
// learnable fixture, fine-tuning with frozen layers, data-parallel replicas that stay in step,
// and checkpoints that give bit-identical samples after a round trip.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src-main/ml/backend.js';
import { loadCheckpoint, saveCheckpoint } from '../../../src-main/ml/checkpoint.js';
import { generate } from '../../../src-main/ml/generator.js';
import { Rng } from '../../../src-main/ml/random.js';
import { defaultTrainConfig, fineTuneState, train, type Dataset, type TrainConfig } from '../../../src-main/ml/train.js';
import { twoColours } from '../../fixtures/two-colours';

let dir: string;
beforeAll(async () => {
  await initBackend({ only: 'wasm' });
  dir = mkdtempSync(path.join(tmpdir(), 'atelier-families-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function noise(count: number, seed = 1): Dataset {
  const rng = new Rng(seed);
  return { pixels: Uint8Array.from({ length: count * 32 * 32 * 3 }, () => rng.int(256)), count, size: 32 };
}

const tiny = (partial: Partial<TrainConfig>): TrainConfig => defaultTrainConfig({ batchSize: 8, steps: 3, width: 8, latentDim: 16, seed: 5, ...partial });

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const same = (a: Uint8Array[], b: Uint8Array[]) => a.length === b.length && a.every((x, i) => Buffer.compare(x, b[i]!) === 0);

describe('conditional GAN', () => {
  it('trains with hinge loss, EMA, DiffAugment and lazy R1 without leaks, and checkpoints the EMA', async () => {
    const cfg = tiny({
      family: 'cgan',
      classes: 2,
      loss: 'hinge',
      ema: 0.99,
      diffAugment: { color: true, translation: true, cutout: true },
      r1: 1,
      r1Every: 2,
      dNorm: 'none',
    });
    const before = tf.memory().numTensors;
    const { state, losses } = await train(twoColours(16), cfg);
    expect(tf.memory().numTensors).toBe(before);
    expect(losses).toHaveLength(3);
    for (const l of losses) expect(Number.isFinite(l.lossD!) && Number.isFinite(l.lossG!)).toBe(true);
    expect(Object.keys(state.groups).sort()).toEqual(['discriminator', 'ema', 'generator', 'optimizer.discriminator', 'optimizer.generator']);
    expect(state.groups.ema!.find((a) => a.name === 't')!.data[0]).toBe(3);
  });

  it('draws what it is conditioned on: red for class 0, blue for class 1', async () => {
    const cfg = tiny({ family: 'cgan', classes: 2, steps: 120, batchSize: 16, lrG: 2e-3, lrD: 2e-3, loss: 'hinge' });
    const { state } = await train(twoColours(32), cfg);
    const redness = async (cond: number[]) => {
      const { images } = await generate(state, { count: 8, seed: 3, cond: Float32Array.from(cond) });
      return mean(images.map((img) => mean([...img].filter((_, i) => i % 3 === 0)) - mean([...img].filter((_, i) => i % 3 === 2))));
    };
    const red = await redness([1, 0]);
    const blue = await redness([0, 1]);
    expect(red).toBeGreaterThan(blue + 60); // red − blue channel means, in 0–255 units
  }, 60_000);
});

describe('VAE', () => {
  it('learns to reconstruct a trivially learnable set: reconstruction falls by an order of magnitude', async () => {
    const cfg = tiny({ family: 'vae', classes: 2, steps: 150, batchSize: 8, lrG: 3e-3, beta1: 0.9, latentDim: 8 });
    const { losses, state } = await train(twoColours(16), cfg);
    const first = mean(losses.slice(0, 5).map((l) => l.recon!));
    const last = mean(losses.slice(-5).map((l) => l.recon!));
    expect(last).toBeLessThan(first / 10);
    expect(Object.keys(state.groups).sort()).toEqual(['optimizer.vae', 'vae']);
    const { images } = await generate(state, { count: 2, seed: 1, cond: Float32Array.of(1, 0) });
    expect(images[0]).toHaveLength(32 * 32 * 3);
  }, 60_000);
});

describe('checkpoints of every family', () => {
  for (const family of ['dcgan', 'cgan', 'vae'] as const) {
    it(`${family}: samples are bit-identical after a round trip, for the same seed`, async () => {
      const cfg = tiny({ family, classes: family === 'dcgan' ? 0 : 2, ema: family === 'vae' ? 0 : 0.9 });
      const data = family === 'dcgan' ? noise(16) : twoColours(16);
      const { state } = await train(data, cfg);
      const target = path.join(dir, `${family}-roundtrip`);
      await saveCheckpoint(target, state);
      const loaded = await loadCheckpoint(target);
      expect(loaded).toEqual(state);
      const cond = family === 'dcgan' ? {} : { cond: Float32Array.of(0, 1) };
      const a = await generate(state, { count: 4, seed: 9, ...cond });
      const b = await generate(loaded, { count: 4, seed: 9, ...cond });
      expect(same(a.images, b.images)).toBe(true);
    });
  }
});

describe('fine-tuning', () => {
  it('starts from the parent weights, keeps frozen layers exactly, and trains the rest', async () => {
    const parent = (await train(noise(16), tiny({ steps: 2 }))).state;
    const cfg = tiny({ steps: 3, lrG: 1e-4, freeze: ['generator/fc', 'discriminator/conv1'] });
    const { state } = await train(noise(16, 2), cfg, { resume: fineTuneState(parent, cfg) });
    const weight = (s: typeof state, group: string, name: string) => s.groups[group]!.find((a) => a.name === name)!.data;
    expect(weight(state, 'generator', 'fc.w')).toEqual(weight(parent, 'generator', 'fc.w'));
    expect(weight(state, 'discriminator', 'conv1.w')).toEqual(weight(parent, 'discriminator', 'conv1.w'));
    expect(weight(state, 'generator', 'up1.w')).not.toEqual(weight(parent, 'generator', 'up1.w'));
    expect(state.step).toBe(3); // a fresh run of its own: steps count from 0
    expect(state.groups['optimizer.generator']!.some((a) => a.name.startsWith('fc.'))).toBe(false);
  });

  it('refuses a checkpoint of another size or family with a reason', async () => {
    const parent = (await train(noise(16), tiny({ steps: 1 }))).state;
    const other = tiny({ width: 16 });
    expect(() => fineTuneState(parent, other)).toThrow(/trained with width 8, the new settings say 16/);
    expect(() => fineTuneState(parent, tiny({ family: 'vae' }))).toThrow(/Cannot continue a dcgan checkpoint as a vae/);
  });
});

describe('data-parallel replicas', () => {
  it('two threads train together: finite losses, deterministic, resumable, and no leaked tensors', async () => {
    const cfg = tiny({ steps: 4, batchSize: 8 });
    const data = noise(16, 4);
    const before = tf.memory().numTensors;
    const a = await train(data, cfg, { workers: 2 });
    const b = await train(data, cfg, { workers: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(a.losses.map((l) => l.lossD)).toEqual(b.losses.map((l) => l.lossD));
    expect(a.state.groups.generator).toEqual(b.state.groups.generator);
    const half = await train(data, { ...cfg, steps: 2 }, { workers: 2 });
    const resumed = await train(data, cfg, { workers: 2, resume: half.state });
    expect(resumed.losses).toEqual(a.losses.slice(2));
  }, 60_000);

  it('every thread applies the loss weights: with all weights 0, what the real images hold cannot matter', async () => {
    // D then learns only from fakes on every replica, so two datasets of different noise train
    // identically; were a worker to ignore the weights, its real terms would pull the runs apart.
    const cfg = tiny({ steps: 3, batchSize: 8 });
    const zero = new Float32Array(16);
    const a = await train({ ...noise(16, 4), lossWeights: zero }, cfg, { workers: 2 });
    const b = await train({ ...noise(16, 5), lossWeights: zero }, cfg, { workers: 2 });
    expect(b.losses).toEqual(a.losses);
    expect(b.state.groups.discriminator).toEqual(a.state.groups.discriminator);
    const c = await train(noise(16, 5), cfg, { workers: 2 });
    expect(c.losses.map((l) => l.lossD)).not.toEqual(a.losses.map((l) => l.lossD));
  }, 60_000);

  it('averages every phase across threads, weighted by each slice of the batch', async () => {
    const { SharedReducer } = await import('../../../src-main/ml/parallel.js');
    const { Worker } = await import('node:worker_threads');
    const capacity = 64;
    const shared = {
      control: new SharedArrayBuffer(32),
      buffers: [new SharedArrayBuffer(2 * capacity * 4), new SharedArrayBuffer(2 * capacity * 4)] as [SharedArrayBuffer, SharedArrayBuffer],
      errors: new SharedArrayBuffer(2048),
      capacity,
      replicas: 2,
    };
    // Replica 1 in a real thread: three phases of gradients [10·k + 1, …] with a 0.75 share.
    const tsx = new URL('../../../node_modules/tsx/dist/esm/api/index.mjs', import.meta.url).href;
    const fixture = new URL('./fixtures/reducer-worker.ts', import.meta.url).href;
    const worker = new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(fixture)}); })`, {
      eval: true,
      workerData: { ...shared, replica: 1 },
    });
    const fromWorker = new Promise<number[][]>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const reducer = new SharedReducer({ ...shared, replica: 0 });
    const mine: number[][] = [];
    for (let k = 0; k < 3; k++) {
      const g = tf.fill([2, 3], 10 * k);
      const { grads, scalars } = await reducer.reduce([g], [k], 0.25);
      mine.push([...(grads[0]!.dataSync() as Float32Array), ...scalars]);
      tf.dispose([g, ...grads]);
    }
    const theirs = await fromWorker;
    await worker.terminate();
    for (let k = 0; k < 3; k++) {
      const expected = 0.25 * 10 * k + 0.75 * (10 * k + 1);
      expect(mine[k]!.slice(0, 6)).toEqual(Array(6).fill(expected));
      expect(mine[k]![6]).toBeCloseTo(0.25 * k + 0.75 * (k + 100), 5);
      expect(theirs[k]).toEqual(mine[k]); // both threads get the same bits
    }
  }, 60_000);
});
