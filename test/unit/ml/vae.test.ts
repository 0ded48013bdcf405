// VAE: shapes, parameter counts, conditioning, the loss's maths, BatchNorm statistics, leaks,
// seeding, and that it learns a trivial data set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Adam } from '../../../src-main/ml/adam.js';
import { initBackend, tf } from '../../../src-main/ml/backend.js';
import { describeModel, MODEL_PRESETS, type ModelPreset } from '../../../src-main/ml/models/presets.js';
import { buildVae, vaeLoss, type Vae } from '../../../src-main/ml/models/vae.js';
import { Rng } from '../../../src-main/ml/random.js';

beforeAll(async () => {
  await initBackend({ only: 'wasm' });
});

const tags = (rows: number[][]) => tf.tensor2d(rows, [rows.length, rows[0]!.length]);
const images = (n: number, size: number, seed: number) => tf.tensor4d(new Rng(seed).uniformArray(n * size * size * 3, -1, 1), [n, size, size, 3]);

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < b.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

/** maxDiff relative to max |b|. */
function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 1e-12;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(b[i]!));
  return maxDiff(a, b) / m;
}

describe('shapes and parameter counts', () => {
  // latentDim 100; classes 0 and 10
  const counts: [32 | 64, ModelPreset, number, number][] = [
    [32, 'small', 946_027, 968_507],
    [32, 'medium', 2_547_211, 2_590_171],
    [64, 'small', 2_609_771, 2_652_731],
    [64, 'medium', 7_971_851, 8_055_771],
  ];

  it.each(counts)('%i px %s', (size, preset, plainCount, condCount) => {
    const { width } = MODEL_PRESETS[preset];
    const plain = buildVae({ size, latentDim: 100, width });
    const cond = buildVae({ size, latentDim: 100, width, classes: 10 });
    try {
      expect(plain.countParams()).toBe(plainCount);
      expect(cond.countParams()).toBe(condCount);
      if (size === 32 && preset === 'small') {
        // (each describeModel builds its network again: checked once to keep the file fast)
        expect(describeModel('vae', size, preset, 0).networks).toEqual([{ name: 'vae', params: plainCount }]);
        expect(describeModel('vae', size, preset, 10).totalParams).toBe(condCount);
      }
      const shapes = tf.tidy(() => {
        const x = images(2, size, 1) as tf.Tensor4D;
        const c = tags([
          [1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
          [0, 1, 1, 0, 0, 0, 0, 0, 0, 0],
        ]);
        const a = plain.encode(x, { training: true });
        const b = cond.encode(x, { training: true, cond: c });
        const y = plain.decode(a.mean, { training: true });
        const yc = cond.decode(b.mean, { training: false, cond: c });
        const both = tf.concat([y, yc]);
        return {
          enc: [a.mean.shape, a.logVar.shape, b.mean.shape, b.logVar.shape],
          dec: [y.shape, yc.shape],
          min: both.min().dataSync()[0]!,
          max: both.max().dataSync()[0]!,
        };
      });
      expect(shapes.enc).toEqual([
        [2, 100],
        [2, 100],
        [2, 100],
        [2, 100],
      ]);
      expect(shapes.dec).toEqual([
        [2, size, size, 3],
        [2, size, size, 3],
      ]);
      expect(shapes.min).toBeGreaterThanOrEqual(-1);
      expect(shapes.max).toBeLessThanOrEqual(1);
    } finally {
      plain.dispose();
      cond.dispose();
    }
  });

  it('names its parameters after D (encoder) and G (decoder)', () => {
    const v = buildVae({ size: 32, latentDim: 8, width: 4, classes: 3 });
    expect([...v.params.keys()]).toEqual([
      'enc.conv1.w',
      'enc.conv1.b',
      'enc.conv2.w',
      'enc.conv2.b',
      'enc.conv3.w',
      'enc.conv3.b',
      'enc.mean.w',
      'enc.mean.b',
      'enc.logvar.w',
      'enc.logvar.b',
      'dec.fc.w',
      'dec.bn0.gamma',
      'dec.bn0.beta',
      'dec.up1.w',
      'dec.bn1.gamma',
      'dec.bn1.beta',
      'dec.up2.w',
      'dec.bn2.gamma',
      'dec.bn2.beta',
      'dec.out.w',
      'dec.out.b',
    ]);
    expect([...v.stats.keys()]).toEqual(['dec.bn0.mean', 'dec.bn0.var', 'dec.bn1.mean', 'dec.bn1.var', 'dec.bn2.mean', 'dec.bn2.var']);
    expect(v.params.get('enc.mean.w')!.shape).toEqual([4 * 4 * 16 + 3, 8]); // c joins the flattened features
    expect(v.params.get('dec.fc.w')!.shape).toEqual([8 + 3, 4 * 4 * 16]); // and z
    const big = buildVae({ size: 64, latentDim: 8, width: 4 });
    expect(big.params.has('enc.conv4.w')).toBe(true);
    expect(big.params.has('dec.up3.w')).toBe(true);
    v.dispose();
    big.dispose();
  });

  it('rejects unsupported specs and inputs of the wrong shape', () => {
    expect(() => buildVae({ size: 48 as 32, latentDim: 8, width: 4 })).toThrow(/size must be 32 or 64/);
    expect(() => buildVae({ size: 32, latentDim: 0, width: 4 })).toThrow(/latentDim/);
    expect(() => buildVae({ size: 32, latentDim: 8, width: 0 })).toThrow(/width/);
    expect(() => buildVae({ size: 32, latentDim: 8, width: 4, classes: -2 })).toThrow(/classes/);
    const v = buildVae({ size: 32, latentDim: 8, width: 4 });
    tf.tidy(() => {
      expect(() => v.encode(tf.zeros([2, 64, 64, 3]) as tf.Tensor4D, { training: false })).toThrow(/\[N, 32, 32, 3\]/);
      expect(() => v.decode(tf.zeros([2, 7]) as tf.Tensor2D, { training: false })).toThrow(/z \[N, 8\]/);
      expect(() => vaeLoss(v, tf.zeros([2, 32, 32, 3]) as tf.Tensor4D, tf.zeros([3, 8]) as tf.Tensor2D, { training: false })).toThrow(/eps \[2, 8\]/);
      expect(() => vaeLoss(v, tf.zeros([2, 32, 32, 3]) as tf.Tensor4D, tf.zeros([2, 8]) as tf.Tensor2D, { training: false, beta: -1 })).toThrow(/beta/);
    });
    v.dispose();
  });
});

describe('conditional VAE', () => {
  let v: Vae;
  beforeAll(() => {
    v = buildVae({ size: 32, latentDim: 8, width: 4, classes: 3 }, 4);
  });
  afterAll(() => v.dispose());

  it('same z with different c decodes to different images; different c encodes differently', () => {
    tf.tidy(() => {
      const z = tf.randomNormal([2, 8], 0, 1, 'float32', 2) as tf.Tensor2D;
      const dec = (rows: number[][]) => v.decode(z, { training: false, cond: tags(rows) }).dataSync();
      const a = dec([
        [1, 0, 0],
        [1, 0, 0],
      ]);
      expect(
        maxRel(
          dec([
            [0, 1, 0],
            [0, 1, 0],
          ]),
          a,
        ),
      ).toBeGreaterThan(1e-2);
      expect(
        maxRel(
          dec([
            [1, 0, 1],
            [0.5, 0.5, 0],
          ]),
          a,
        ),
      ).toBeGreaterThan(1e-2); // multi-hot / weighted
      expect(
        dec([
          [1, 0, 0],
          [1, 0, 0],
        ]),
      ).toEqual(a);
      const x = images(2, 32, 3) as tf.Tensor4D;
      const enc = (rows: number[][]) => v.encode(x, { training: false, cond: tags(rows) });
      const e1 = enc([
        [1, 0, 0],
        [1, 0, 0],
      ]);
      const e2 = enc([
        [0, 0, 1],
        [0, 0, 1],
      ]);
      expect(maxRel(e1.mean.dataSync(), e2.mean.dataSync())).toBeGreaterThan(1e-2);
      expect(maxRel(e1.logVar.dataSync(), e2.logVar.dataSync())).toBeGreaterThan(1e-2);
    });
  });

  it('validates cond', () => {
    tf.tidy(() => {
      const x = tf.zeros([2, 32, 32, 3]) as tf.Tensor4D;
      const z = tf.zeros([2, 8]) as tf.Tensor2D;
      expect(() => v.encode(x, { training: false })).toThrow(/VAE encoder is conditional and needs cond \[N, 3\]/);
      expect(() => v.decode(z, { training: false })).toThrow(/VAE decoder is conditional and needs cond \[N, 3\]/);
      expect(() => v.decode(z, { training: false, cond: tf.zeros([2, 4]) as tf.Tensor2D })).toThrow(/cond \[2, 3\]/);
      expect(() => v.encode(x, { training: false, cond: tf.zeros([1, 3]) as tf.Tensor2D })).toThrow(/cond \[2, 3\]/);
      expect(() => vaeLoss(v, x, z, { training: false })).toThrow(/needs cond/);
      const plain = buildVae({ size: 32, latentDim: 8, width: 4 });
      expect(() => plain.decode(z, { training: false, cond: tf.zeros([2, 3]) as tf.Tensor2D })).toThrow(/unconditional/);
      expect(() => plain.encode(x, { training: false, cond: tf.zeros([2, 3]) as tf.Tensor2D })).toThrow(/unconditional/);
      plain.dispose();
    });
  });
});

describe('loss, statistics, gradients, seeding', () => {
  it('vaeLoss is the summed squared error plus β·KL, with z = mean + exp(logVar/2)·eps', () => {
    const v = buildVae({ size: 32, latentDim: 6, width: 4 }, 7);
    tf.tidy(() => {
      const x = images(3, 32, 9) as tf.Tensor4D;
      const eps = tf.randomNormal([3, 6], 0, 1, 'float32', 4) as tf.Tensor2D;
      const { loss, recon, kl } = vaeLoss(v, x, eps, { training: false, beta: 0.25 });
      const { mean, logVar } = v.encode(x, { training: false });
      const m = mean.dataSync();
      const lv = logVar.dataSync();
      const e = eps.dataSync();
      const z = Float32Array.from(m, (mu, i) => mu + Math.exp(lv[i]! / 2) * e[i]!);
      const xr = v.decode(tf.tensor2d(z, [3, 6]), { training: false }).dataSync();
      const xs = x.dataSync();
      let sse = 0;
      for (let i = 0; i < xs.length; i++) sse += (xr[i]! - xs[i]!) ** 2;
      let k = 0;
      for (let i = 0; i < m.length; i++) k += 0.5 * (Math.exp(lv[i]!) + m[i]! ** 2 - 1 - lv[i]!);
      expect(recon.dataSync()[0]).toBeCloseTo(sse / 3, 1);
      expect(kl.dataSync()[0]! / (k / 3)).toBeCloseTo(1, 4);
      expect(loss.dataSync()[0]).toBeCloseTo(recon.dataSync()[0]! + 0.25 * kl.dataSync()[0]!, 3);
      // β defaults to 1
      const plain = vaeLoss(v, x, eps, { training: false });
      expect(plain.loss.dataSync()[0]).toBeCloseTo(recon.dataSync()[0]! + kl.dataSync()[0]!, 3);
    });
    v.dispose();
  });

  it('per-image weights: recon and KL become means of w · each image’s terms; uniform weights change nothing', () => {
    const v = buildVae({ size: 32, latentDim: 6, width: 4 }, 7);
    tf.tidy(() => {
      const x = images(3, 32, 11) as tf.Tensor4D;
      const eps = tf.randomNormal([3, 6], 0, 1, 'float32', 5) as tf.Tensor2D;
      // With running statistics (training: false) each image's terms depend on that image alone.
      const one = (i: number) =>
        vaeLoss(v, tf.slice(x, [i, 0, 0, 0], [1, 32, 32, 3]) as tf.Tensor4D, tf.slice(eps, [i, 0], [1, 6]) as tf.Tensor2D, { training: false });
      const per = [0, 1, 2].map((i) => {
        const l = one(i);
        return { recon: l.recon.dataSync()[0]!, kl: l.kl.dataSync()[0]! };
      });
      const w = [2.5, 0.25, 0.25];
      const weighted = vaeLoss(v, x, eps, { training: false, beta: 0.5, weights: tf.tensor1d(w) });
      const recon = (w[0]! * per[0]!.recon + w[1]! * per[1]!.recon + w[2]! * per[2]!.recon) / 3;
      const kl = (w[0]! * per[0]!.kl + w[1]! * per[1]!.kl + w[2]! * per[2]!.kl) / 3;
      expect(weighted.recon.dataSync()[0]! / recon).toBeCloseTo(1, 5);
      expect(weighted.kl.dataSync()[0]! / kl).toBeCloseTo(1, 5);
      expect(weighted.loss.dataSync()[0]! / (recon + 0.5 * kl)).toBeCloseTo(1, 5);

      const plain = vaeLoss(v, x, eps, { training: false });
      const uniform = vaeLoss(v, x, eps, { training: false, weights: tf.ones([3]) as tf.Tensor1D });
      // Equal up to float32 summation order (per image, then the mean, instead of one sum over the batch).
      expect(uniform.loss.dataSync()[0]! / plain.loss.dataSync()[0]!).toBeCloseTo(1, 5);
      expect(() => vaeLoss(v, x, eps, { training: false, weights: tf.ones([2]) as tf.Tensor1D })).toThrow('vaeLoss expects weights [3], got [2]');
    });
    v.dispose();
  });

  it('training steps move the decoder running statistics that decode(training: false) uses', () => {
    const v = buildVae({ size: 32, latentDim: 4, width: 4 }, 8);
    const stats = () => v.snapshot().filter((a) => a.name.endsWith('.mean') || a.name.endsWith('.var'));
    const x = images(4, 32, 10) as tf.Tensor4D;
    const eps = tf.zeros([4, 4]) as tf.Tensor2D;
    const run = (opts: { training: boolean; updateStats?: boolean }) => tf.tidy(() => vaeLoss(v, x, eps, opts).loss.dataSync()[0]!);
    const s0 = stats();
    const evalBefore = tf.tidy(() => v.decode(eps, { training: false }).dataSync());
    run({ training: false });
    run({ training: true, updateStats: false });
    expect(stats()).toEqual(s0);
    run({ training: true }); // updateStats defaults to training in vaeLoss
    expect(stats()).not.toEqual(s0);
    const evalAfter = tf.tidy(() => v.decode(eps, { training: false }).dataSync());
    expect(maxDiff(evalBefore, evalAfter)).toBeGreaterThan(1e-4);
    tf.dispose([x, eps]);
    v.dispose();
  });

  it('forward + backward leaks no tensors and reaches every parameter', () => {
    for (const classes of [0, 3]) {
      const v = buildVae({ size: 32, latentDim: 4, width: 4, classes }, 9);
      const x = images(4, 32, 11) as tf.Tensor4D;
      const eps = tf.randomNormal([4, 4], 0, 1, 'float32', 5) as tf.Tensor2D;
      const cond = classes
        ? tags([
            [1, 0, 0],
            [0, 1, 0],
            [0, 1, 1],
            [0.2, 0.3, 0.5],
          ])
        : undefined;
      const vars = [...v.params.values()];
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() => vaeLoss(v, x, eps, { training: true, cond }).loss, vars);
      expect(Object.keys(grads).sort()).toEqual(vars.map((p) => p.name).sort());
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      value.dispose();
      tf.dispose(grads);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, eps, ...(cond ? [cond] : [])]);
      v.dispose();
    }
  });

  it('is built the same way for the same seed, and frees its tensors', () => {
    const before = tf.memory().numTensors;
    const mk = (seed: number) => buildVae({ size: 32, latentDim: 4, width: 4, classes: 2 }, seed);
    const [a, b, c] = [mk(5), mk(5), mk(6)];
    expect(tf.memory().numTensors - before).toBe(3 * (a.params.size + a.stats.size));
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(c.snapshot()).not.toEqual(a.snapshot());
    [a, b, c].forEach((n) => n.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('learning', () => {
  it('reconstructs 8 flat-coloured images after 200 Adam steps', async () => {
    const v = buildVae({ size: 32, latentDim: 4, width: 4 }, 1);
    const colours = [
      [0.8, -0.6, -0.2],
      [-0.5, 0.3, 0.9],
    ];
    const data = new Float32Array(8 * 32 * 32 * 3);
    for (let n = 0; n < 8; n++) for (let p = 0; p < 32 * 32; p++) data.set(colours[n % 2]!, (n * 32 * 32 + p) * 3);
    const x = tf.tensor4d(data, [8, 32, 32, 3]);
    const zero = tf.zeros([8, 4]) as tf.Tensor2D;
    // Reconstruction of the posterior means, with batch statistics (the running averages of a
    // BatchNorm fed two flat colours are too fragile to judge learning by).
    const evalRecon = () => tf.tidy(() => vaeLoss(v, x, zero, { training: true, updateStats: false }).recon.dataSync()[0]!);
    const opt = new Adam(v.params, { lr: 3e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    const rng = new Rng(11);
    const start = evalRecon();
    const baseline = tf.memory().numTensors;
    const recons: number[] = [];
    for (let step = 0; step < 200; step++) {
      const eps = tf.tensor2d(rng.normalArray(8 * 4), [8, 4]);
      await opt.minimize(() => {
        const r = vaeLoss(v, x, eps, { training: true });
        recons.push(r.recon.dataSync()[0]!);
        return r.loss;
      });
      eps.dispose();
    }
    expect(tf.memory().numTensors).toBe(baseline);
    const end = evalRecon();
    const lastTen = recons.slice(-10).reduce((a, b) => a + b, 0) / 10;
    expect(start).toBeGreaterThan(500); // 3072 values off by ~0.6 each
    expect(end).toBeLessThan(start / 100);
    expect(lastTen).toBeLessThan(start / 50); // with sampled z too
    tf.dispose([x, zero]);
    opt.dispose();
    v.dispose();
  });
});
