// Negatives (a feedback round's disliked generations) as extra fakes for D: drawn from (seed,
// step) like the reals, scored in D's fake term on every replica, refused when malformed, ignored
// by a VAE, and absent = the run trains exactly as before. And a round's fine-tune restarting the
// EMA's warm-up.
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src-main/ml/backend.js';
import { Rng } from '../../../src-main/ml/random.js';
import {
  BatchSampler,
  createSession,
  defaultTrainConfig,
  fineTuneState,
  negativesPerBatch,
  train,
  trainOnBatch,
  type Dataset,
  type NegativeImages,
  type TrainConfig,
} from '../../../src-main/ml/train.js';
import { twoColours } from '../../fixtures/two-colours';

beforeAll(async () => {
  await initBackend({ only: 'wasm' });
});

const tiny = (partial: Partial<TrainConfig> = {}): TrainConfig => defaultTrainConfig({ batchSize: 8, steps: 4, width: 8, latentDim: 16, seed: 7, ...partial });
const PER = 32 * 32 * 3;

function noise(count: number, seed = 1): Dataset {
  const rng = new Rng(seed);
  return { pixels: Uint8Array.from({ length: count * PER }, () => rng.int(256)), count, size: 32 };
}

/** `count` flat images of one grey level. */
function flat(count: number, level: number, share: number): NegativeImages {
  return { pixels: new Uint8Array(count * PER).fill(level), count, share };
}

describe('BatchSampler negatives', () => {
  it('draws share × batch per step, each negative once per epoch, in a seeded order', () => {
    const data = { ...noise(4), negatives: flat(6, 0, 0.25) };
    const a = new BatchSampler(data, 3, 12);
    expect(a.negativesPerBatch).toBe(3);
    const epoch = [...a.negativeIndices(0), ...a.negativeIndices(1)];
    expect([...epoch].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(new BatchSampler(data, 3, 12).negativeIndices(7)).toEqual(a.negativeIndices(7)); // a function of (seed, step) only
    expect(new BatchSampler(data, 4, 12).negativeIndices(0)).not.toEqual(a.negativeIndices(0));
    // The real batches are the same with or without negatives.
    expect(a.indices(5)).toEqual(new BatchSampler(noise(4), 3, 12).indices(5));
    const { pixels, count } = a.negatives(0, 0, 1, 3);
    expect(count).toBe(2);
    expect(pixels.length).toBe(2 * PER);
    expect(pixels.every((v) => v === -1)).toBe(true);
    expect(new BatchSampler(noise(4), 3, 12).negativesPerBatch).toBe(0);
  });

  it('rounds the share to at least one negative and at most a batch', () => {
    expect(negativesPerBatch(64, 0.25)).toBe(16);
    expect(negativesPerBatch(8, 0.01)).toBe(1);
    expect(negativesPerBatch(8, 1)).toBe(8);
  });
});

describe('training with negatives', () => {
  it('changes D’s run (not the reals’ order), leaks nothing and stays deterministic, with BatchNorm and spectral D', async () => {
    for (const dNorm of ['batch', 'spectral'] as const) {
      const cfg = tiny({ dNorm });
      const plain = await train(noise(16, 2), cfg);
      const data = { ...noise(16, 2), negatives: flat(5, 255, 0.5) };
      const before = tf.memory().numTensors;
      const a = await train(data, cfg);
      expect(tf.memory().numTensors).toBe(before);
      const b = await train(data, cfg);
      expect(b.losses).toEqual(a.losses);
      expect(a.losses.map((l) => l.lossD)).not.toEqual(plain.losses.map((l) => l.lossD));
      for (const l of a.losses) expect(Number.isFinite(l.lossD!) && Number.isFinite(l.lossG!)).toBe(true);
      // The first G phase runs before D has seen any negative: its loss cannot differ.
      expect(a.losses[0]!.lossG).toBe(plain.losses[0]!.lossG);
    }
  });

  it('resumes to exactly where an uninterrupted run gets', async () => {
    const cfg = tiny({ steps: 4, dNorm: 'spectral', loss: 'hinge' });
    const data = { ...noise(16, 3), negatives: flat(3, 255, 0.25) };
    const straight = await train(data, cfg);
    const half = await train(data, { ...cfg, steps: 2 });
    const resumed = await train(data, cfg, { resume: half.state });
    expect(resumed.losses).toEqual(straight.losses.slice(2));
    expect(resumed.state.groups.discriminator).toEqual(straight.state.groups.discriminator);
  });

  it('teaches D to call the negatives fake', async () => {
    // Reals are noise; the negatives are white. D's score on white falls below what it is without them.
    const cfg = tiny({ steps: 30, dNorm: 'spectral', loss: 'hinge', beta1: 0 });
    const white = flat(4, 255, 0.5);
    const scoreWhite = async (data: Dataset) => {
      const { state } = await train(data, cfg);
      const s = createSession(cfg, state);
      try {
        const logits = tf.tidy(() => s.score(tf.fill([4, 32, 32, 3], 1) as tf.Tensor4D, null)!.mean());
        const v = (await logits.data())[0]!;
        logits.dispose();
        return v;
      } finally {
        s.dispose();
      }
    };
    const without = await scoreWhite(noise(16, 4));
    const withNegatives = await scoreWhite({ ...noise(16, 4), negatives: white });
    expect(withNegatives).toBeLessThan(without - 0.5);
  }, 30_000);

  it('two threads split the negatives: deterministic, resumable and different from no negatives', async () => {
    const cfg = tiny({ steps: 4, dNorm: 'spectral' });
    const data = { ...noise(16, 4), negatives: flat(6, 255, 0.5) };
    const a = await train(data, cfg, { workers: 2 });
    const b = await train(data, cfg, { workers: 2 });
    expect(b.losses).toEqual(a.losses);
    expect(b.state.groups.discriminator).toEqual(a.state.groups.discriminator);
    const half = await train(data, { ...cfg, steps: 2 }, { workers: 2 });
    const resumed = await train(data, cfg, { workers: 2, resume: half.state });
    expect(resumed.losses).toEqual(a.losses.slice(2));
    const plain = await train(noise(16, 4), cfg, { workers: 2 });
    expect(plain.losses.map((l) => l.lossD)).not.toEqual(a.losses.map((l) => l.lossD));
  }, 60_000);

  it('a conditional GAN scores negatives under their own conditions', async () => {
    const cfg = tiny({ family: 'cgan', classes: 2, dNorm: 'spectral' });
    const reds = twoColours(2);
    const negatives = { pixels: reds.pixels, count: 2, cond: reds.cond!, share: 0.25 };
    const { losses } = await train({ ...twoColours(16), negatives }, cfg);
    for (const l of losses) expect(Number.isFinite(l.lossD!)).toBe(true);
    await expect(train({ ...twoColours(16), negatives: { ...negatives, cond: undefined } }, cfg)).rejects.toThrow(
      /2 condition values per disliked image; there are 0 for 2/,
    );
  });

  it('a VAE ignores negatives', async () => {
    const vae = tiny({ family: 'vae', latentDim: 8, lrG: 1e-3, beta1: 0.9 });
    const plain = await train(noise(16, 5), vae);
    const withNegatives = await train({ ...noise(16, 5), negatives: flat(2, 0, 0.5) }, vae);
    expect(withNegatives.losses).toEqual(plain.losses);
  });

  it('refuses malformed negatives with a reason', async () => {
    const cfg = tiny();
    const data = noise(8);
    await expect(train({ ...data, negatives: { ...flat(2, 0, 0.5), count: 3 } }, cfg)).rejects.toThrow(/hold 6144 values; 3 RGB images of 32px need 9216/);
    await expect(train({ ...data, negatives: flat(2, 0, 0) }, cfg)).rejects.toThrow(/must be in \(0, 1\], got 0/);
    await expect(train({ ...data, negatives: flat(2, 0, 1.5) }, cfg)).rejects.toThrow(/got 1.5/);
    await expect(train({ ...data, negatives: { pixels: new Uint8Array(0), count: 0, share: 0.5 } }, cfg)).rejects.toThrow(/empty/);
  });

  it('a step without negatives builds none', async () => {
    const cfg = tiny();
    const s = createSession(cfg);
    try {
      const before = tf.memory().numTensors;
      await trainOnBatch(s, new BatchSampler(noise(8), cfg.seed, cfg.batchSize));
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      s.dispose();
    }
  });
});

describe('fineTuneState restartEma', () => {
  it('keeps the averages and sets the update count to 0, so the EMA follows the new run', async () => {
    const cfg = tiny({ ema: 0.999, steps: 3 });
    const parent = (await train(noise(16, 6), cfg)).state;
    const count = (st: typeof parent) => st.groups.ema!.find((a) => a.name === 't')!.data[0];
    expect(count(parent)).toBe(3);
    expect(count(fineTuneState(parent, cfg))).toBe(3);
    const restarted = fineTuneState(parent, cfg, { restartEma: true });
    expect(count(restarted)).toBe(0);
    expect(restarted.groups.ema!.filter((a) => a.name !== 't')).toEqual(parent.groups.ema!.filter((a) => a.name !== 't'));
    expect(count(parent)).toBe(3); // the parent is not changed
    const { state } = await train(noise(16, 6), cfg, { resume: restarted });
    expect(count(state)).toBe(3);
    const plain = tiny({ steps: 1 });
    const noEma = (await train(noise(16, 6), plain)).state;
    expect(fineTuneState(noEma, plain, { restartEma: true }).groups.ema).toBeUndefined();
  });
});
