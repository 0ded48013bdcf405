// Training: one step leaks nothing, losses are finite, batches are deterministic, resumes are exact.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Adam } from '../../../src-main/ml/adam.js';
import { initBackend, tf } from '../../../src-main/ml/backend.js';
import {
  lrFactor,
  BatchSampler,
  createSession,
  defaultTrainConfig,
  TensorLeakError,
  train,
  TrainConfigError,
  trainOnBatch,
  TrainingDivergedError,
  type Dataset,
  type Session,
} from '../../../src-main/ml/train.js';
import { Rng } from '../../../src-main/ml/random.js';

// Small networks and batches keep this quick; the code path is the full DCGAN's.
const cfg = defaultTrainConfig({ batchSize: 8, steps: 4, width: 8, latentDim: 16, seed: 3 });

function dataset(count: number, seed = 1): Dataset {
  const rng = new Rng(seed);
  return { pixels: Uint8Array.from({ length: count * 32 * 32 * 3 }, () => rng.int(256)), count, size: 32 };
}

beforeAll(async () => {
  await initBackend({ only: 'wasm' });
});

describe('train step', () => {
  let s: Session;
  const data = dataset(20);
  beforeAll(() => {
    s = createSession(cfg);
  });
  afterAll(() => s.dispose());

  it('leaks no tensors', async () => {
    const batches = new BatchSampler(data, cfg.seed, cfg.batchSize);
    await trainOnBatch(s, batches); // first step: kernels warm up
    const before = tf.memory().numTensors;
    const { lossD, lossG } = await trainOnBatch(s, batches);
    expect(tf.memory().numTensors).toBe(before);
    expect(Number.isFinite(lossD) && Number.isFinite(lossG)).toBe(true);
    expect(s.step).toBe(2);
  });

  it('changes the weights of both networks and the running statistics', async () => {
    const before = await s.state();
    await trainOnBatch(s, new BatchSampler(data, cfg.seed, cfg.batchSize));
    const after = await s.state();
    const changed = (a: { name: string; data: Float32Array }[], b: typeof a, name: string) =>
      a.find((x) => x.name === name)!.data.some((v, i) => v !== b.find((x) => x.name === name)!.data[i]);
    expect(changed(before.groups.generator!, after.groups.generator!, 'up1.w')).toBe(true);
    expect(changed(before.groups.generator!, after.groups.generator!, 'bn1.mean')).toBe(true);
    expect(changed(before.groups.discriminator!, after.groups.discriminator!, 'conv2.w')).toBe(true);
    expect(after.groups['optimizer.generator']!.find((x) => x.name === 't')!.data[0]).toBe(3);
  });
});

describe('BatchSampler batches', () => {
  it('visits every image once per epoch, in a seeded order', () => {
    const data = dataset(10);
    const a = new BatchSampler(data, 1, 5);
    const epoch = [...a.indices(0), ...a.indices(1)];
    expect([...epoch].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(new BatchSampler(data, 1, 5).indices(1)).toEqual(a.indices(1));
    expect(new BatchSampler(data, 2, 5).indices(0)).not.toEqual(a.indices(0));
  });
});

describe('train()', () => {
  it('runs a few steps with finite losses, reports progress and checkpoints', async () => {
    const progress: number[] = [];
    const checkpoints: number[] = [];
    const { state, losses } = await train(dataset(24), cfg, {
      onProgress: (p) => {
        expect(p.totalSteps).toBe(4);
        expect(p.imgPerSec).toBeGreaterThan(0);
        progress.push(p.step);
      },
      checkpointEvery: 2,
      onCheckpoint: (st) => {
        checkpoints.push(st.step);
      },
    });
    expect(losses.map((l) => l.step)).toEqual([1, 2, 3, 4]);
    for (const l of losses) expect(Number.isFinite(l.lossD!) && Number.isFinite(l.lossG!)).toBe(true);
    expect(progress).toEqual([1, 2, 3, 4]);
    expect(checkpoints).toEqual([2, 4]);
    expect(state.step).toBe(4);
    expect(state.backend).toBe('wasm');
  });

  it('resumes to exactly where an uninterrupted run gets', async () => {
    const data = dataset(16, 9);
    const straight = await train(data, cfg);
    const half = await train(data, { ...cfg, steps: 2 });
    const resumed = await train(data, cfg, { resume: half.state });
    expect(resumed.losses.map((l) => l.step)).toEqual([3, 4]);
    expect(resumed.losses).toEqual(straight.losses.slice(2));
    expect(resumed.state.groups.generator).toEqual(straight.state.groups.generator);
  });

  it('class weights: all 1 trains bit-for-bit like no weights; others change the run; bad ones are refused', async () => {
    const data = dataset(16, 9);
    const plain = await train(data, cfg);
    const ones = await train({ ...data, lossWeights: new Float32Array(16).fill(1) }, cfg);
    expect(ones.losses).toEqual(plain.losses);
    expect(ones.state.groups.discriminator).toEqual(plain.state.groups.discriminator);
    const skewed = Float32Array.from({ length: 16 }, (_, i) => (i < 4 ? 2.5 : 0.5)); // mean 1
    const weighted = await train({ ...data, lossWeights: skewed }, cfg);
    expect(weighted.losses.map((l) => l.lossD)).not.toEqual(plain.losses.map((l) => l.lossD));
    for (const l of weighted.losses) expect(Number.isFinite(l.lossD!) && Number.isFinite(l.lossG!)).toBe(true);
    await expect(train({ ...data, lossWeights: new Float32Array(15) }, cfg)).rejects.toThrow('15 loss weights for 16 images');
    await expect(train({ ...data, lossWeights: new Float32Array(16).fill(-1) }, cfg)).rejects.toThrow(/finite and ≥ 0; image 0 has -1/);
  });

  it('a VAE trains with class weights too', async () => {
    const vae = { ...cfg, family: 'vae' as const, latentDim: 8, lrG: 1e-3, beta1: 0.9 };
    const data = { ...dataset(16, 2), lossWeights: Float32Array.from({ length: 16 }, (_, i) => (i % 4 === 0 ? 2.5 : 0.5)) };
    const { losses } = await train(data, vae);
    expect(losses).toHaveLength(4);
    for (const l of losses) expect(Number.isFinite(l.recon!) && Number.isFinite(l.kl!)).toBe(true);
    const plain = await train(dataset(16, 2), vae);
    expect(losses.map((l) => l.recon)).not.toEqual(plain.losses.map((l) => l.recon));
  });

  it('stops between steps when aborted', async () => {
    const ac = new AbortController();
    const { state } = await train(dataset(16), { ...cfg, steps: 50 }, { onProgress: (p) => p.step === 2 && ac.abort(), signal: ac.signal });
    expect(state.step).toBe(2);
  });

  it('fails loudly when a step leaks a tensor', async () => {
    const leaked: tf.Tensor[] = [];
    const apply = Adam.prototype.applyGradientList;
    const spy = vi.spyOn(Adam.prototype, 'applyGradientList').mockImplementation(function (this: Adam, grads) {
      if (this === undefined) throw new Error('unbound');
      leaked.push(tf.zeros([1])); // simulated leak inside a step
      return apply.call(this, grads);
    });
    try {
      await expect(train(dataset(16), cfg)).rejects.toBeInstanceOf(TensorLeakError);
    } finally {
      spy.mockRestore();
      tf.dispose(leaked);
    }
  });

  it('fails with a clear error when the losses stop being finite', async () => {
    // Weights that have gone non-finite (what a blown-up run leaves) give non-finite losses.
    const data = dataset(16);
    const { state } = await train(data, { ...cfg, steps: 1 });
    state.groups.discriminator!.find((a) => a.name === 'fc.w')!.data[0] = Number.NaN;
    const run = train(data, { ...cfg, steps: 3 }, { resume: state });
    await expect(run).rejects.toThrowError(TrainingDivergedError);
    await expect(train(data, { ...cfg, steps: 3 }, { resume: state })).rejects.toThrow(/diverged at step 2/);
  });

  it('rejects bad settings and mismatched data', async () => {
    await expect(train(dataset(4), { ...cfg, batchSize: 1 })).rejects.toBeInstanceOf(TrainConfigError);
    await expect(train({ ...dataset(4), size: 64 }, cfg)).rejects.toThrow(/64px images/);
    await expect(train({ ...dataset(4), count: 5 }, cfg)).rejects.toThrow(/need/);
  });

  it('leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    await train(dataset(8), { ...cfg, steps: 1 });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('learning-rate decay', () => {
  it('keeps the rate for the first half of lrDecaySteps, then falls linearly to 0 at its end', () => {
    expect(lrFactor({}, 5000)).toBe(1);
    expect(lrFactor({ lrDecaySteps: 0 }, 5000)).toBe(1);
    const cfg = { lrDecaySteps: 4000 };
    expect([0, 1999, 2000, 3000, 3999, 4000, 9000].map((s) => lrFactor(cfg, s))).toEqual([1, 1, 1, 0.5, 1 / 2000, 0, 0]);
  });
});
