// Builders: shapes, parameter counts (mirroring pytorch_dcgan.py config a), input checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src-main/ml/backend.js';
import { buildDiscriminator, buildGenerator, r1Penalty, type Discriminator, type Generator } from '../../../src-main/ml/models/dcgan.js';
import { describeModel, MODEL_PRESETS, type ModelPreset } from '../../../src-main/ml/models/presets.js';
import { Rng } from '../../../src-main/ml/random.js';

beforeAll(async () => {
  await initBackend({ only: 'wasm' });
});

describe('32×32 DCGAN (config a)', () => {
  let g: Generator;
  let d: Discriminator;
  beforeAll(() => {
    g = buildGenerator({ latentDim: 100, size: 32, width: 64 });
    d = buildDiscriminator({ size: 32, width: 64 });
  });
  afterAll(() => {
    g.dispose();
    d.dispose();
  });

  it('has the parameter counts of the PyTorch reference', () => {
    expect(g.countParams()).toBe(1_068_931); // G ≈ 1.07M
    expect(d.countParams()).toBe(663_361); // D ≈ 0.66M
  });

  it('maps z [N,100] to images [N,32,32,3] in [−1,1], and images to logits [N]', () => {
    const [shape, min, max, logitsShape] = tf.tidy(() => {
      const z = tf.randomNormal([3, 100]) as tf.Tensor2D;
      const train = g.apply(z, { training: true });
      const ev = g.apply(z, { training: false });
      const both = tf.concat([train, ev]);
      const logits = d.apply(train);
      return [train.shape, both.min().dataSync()[0]!, both.max().dataSync()[0]!, logits.shape];
    });
    expect(shape).toEqual([3, 32, 32, 3]);
    expect(min).toBeGreaterThanOrEqual(-1);
    expect(max).toBeLessThanOrEqual(1);
    expect(logitsShape).toEqual([3]);
  });

  it('scores a real+fake batch in one pass exactly as in two (BatchNorm per half)', () => {
    tf.tidy(() => {
      const a = tf.randomUniform([4, 32, 32, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
      const b = tf.randomUniform([4, 32, 32, 3], -1, 1, 'float32', 2) as tf.Tensor4D;
      const one = d.apply(tf.concat([a, b]), { groups: 2 }).dataSync();
      const two = tf.concat([d.apply(a), d.apply(b)]).dataSync();
      one.forEach((v, i) => expect(v).toBeCloseTo(two[i]!, 4));
      const mixed = d.apply(tf.concat([a, b])).dataSync(); // one BatchNorm over both: different
      expect(mixed.some((v, i) => Math.abs(v - two[i]!) > 1e-4)).toBe(true);
    });
  });

  it('rejects inputs of the wrong shape', () => {
    expect(() => tf.tidy(() => g.apply(tf.zeros([2, 64]) as tf.Tensor2D, { training: false }))).toThrow(/z \[N, 100\]/);
    expect(() => tf.tidy(() => d.apply(tf.zeros([2, 64, 64, 3]) as tf.Tensor4D))).toThrow(/\[N, 32, 32, 3\]/);
  });

  it('is built the same way for the same seed', () => {
    const a = buildGenerator({ latentDim: 100, size: 32, width: 8 }, 5);
    const b = buildGenerator({ latentDim: 100, size: 32, width: 8 }, 5);
    const c = buildGenerator({ latentDim: 100, size: 32, width: 8 }, 6);
    const sa = a.snapshot();
    expect(b.snapshot()).toEqual(sa);
    expect(c.snapshot()).not.toEqual(sa);
    [a, b, c].forEach((n) => n.dispose());
  });
});

describe('64×64 variant and specs', () => {
  it('builds 64×64 networks with one more resolution step', () => {
    const g = buildGenerator({ latentDim: 16, size: 64, width: 8 });
    const d = buildDiscriminator({ size: 64, width: 8 });
    const [img, logits] = tf.tidy(() => {
      const x = g.apply(tf.randomNormal([2, 16]) as tf.Tensor2D, { training: true });
      return [x.shape, d.apply(x).shape];
    });
    expect(img).toEqual([2, 64, 64, 3]);
    expect(logits).toEqual([2]);
    expect([...g.params.keys()]).toContain('up3.w');
    expect([...d.params.keys()]).toContain('conv4.w');
    g.dispose();
    d.dispose();
  });

  it('rejects unsupported specs', () => {
    expect(() => buildGenerator({ latentDim: 100, size: 48 as 32, width: 64 })).toThrow(/size must be 32 or 64/);
    expect(() => buildDiscriminator({ size: 32, width: 0 })).toThrow(/width/);
    expect(() => buildGenerator({ latentDim: 0, size: 32, width: 8 })).toThrow(/latentDim/);
  });

  it('creates and frees its tensors', () => {
    const before = tf.memory().numTensors;
    const g = buildGenerator({ latentDim: 8, size: 32, width: 4 });
    expect(tf.memory().numTensors - before).toBe(g.params.size + g.stats.size);
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

// ---------------------------------------------------------------------------------------------
// Conditional GAN, norm 'none', R1, presets.

const tags = (rows: number[][]) => tf.tensor2d(rows, [rows.length, rows[0]!.length]);

/** Largest |a − b| relative to max |b|. */
function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 1e-12;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
}

describe('presets: shapes and parameter counts', () => {
  // [family, size, preset] → [G, D (norm batch), D (norm none)] with latentDim 100, classes 10 for cgan.
  const counts: [string, 32 | 64, ModelPreset, number, number, number][] = [
    ['dcgan', 32, 'small', 370_627, 167_841, 167_649],
    ['dcgan', 32, 'medium', 1_068_931, 663_361, 662_977],
    ['dcgan', 64, 'small', 1_100_227, 694_689, 694_241],
    ['dcgan', 64, 'medium', 3_576_707, 2_765_633, 2_764_737],
    ['cgan', 32, 'small', 576_427, 169_121, 168_929],
    ['cgan', 32, 'medium', 1_479_531, 665_921, 665_537],
    ['cgan', 64, 'small', 1_510_827, 697_249, 696_801],
    ['cgan', 64, 'medium', 4_396_907, 2_770_753, 2_769_857],
  ];

  it.each(counts)('%s %i px %s: G and D shapes and counts', (family, size, preset, gCount, dCount, dNoneCount) => {
    const classes = family === 'cgan' ? 10 : 0;
    const { width } = MODEL_PRESETS[preset];
    const g = buildGenerator({ latentDim: 100, size, width, classes }, 3);
    const d = buildDiscriminator({ size, width, classes }, 4);
    const dn = buildDiscriminator({ size, width, classes, norm: 'none' }, 4);
    try {
      expect([g.countParams(), d.countParams(), dn.countParams()]).toEqual([gCount, dCount, dNoneCount]);
      const [img, l1, l2] = tf.tidy(() => {
        const cond = classes ? (tf.oneHot([1, 7], classes).toFloat() as tf.Tensor2D) : undefined;
        const x = g.apply(tf.randomNormal([2, 100], 0, 1, 'float32', 1) as tf.Tensor2D, { training: true, cond });
        return [x.shape, d.apply(x, { cond }).shape, dn.apply(x, { cond }).shape];
      });
      expect(img).toEqual([2, size, size, 3]);
      expect(l1).toEqual([2]);
      expect(l2).toEqual([2]);
      const desc = describeModel(family as 'dcgan' | 'cgan', size, preset, classes);
      expect(desc.networks).toEqual([
        { name: 'generator', params: gCount },
        { name: 'discriminator', params: dCount },
      ]);
      expect(desc.totalParams).toBe(gCount + dCount);
      expect(describeModel(family as 'dcgan' | 'cgan', size, preset, classes, { norm: 'none' }).networks[1]!.params).toBe(dNoneCount);
    } finally {
      [g, d, dn].forEach((n) => n.dispose());
    }
  });

  it('describeModel checks its arguments and frees what it builds', () => {
    expect(MODEL_PRESETS).toEqual({ small: { width: 32 }, medium: { width: 64 } });
    const before = tf.memory().numTensors;
    const a = describeModel('dcgan', 32, 'small', 5); // classes ignored for dcgan
    expect(a.classes).toBe(0);
    expect(a.networks.map((n) => n.params)).toEqual([370_627, 167_841]);
    expect(describeModel('cgan', 32, 'small', 1, { latentDim: 16 }).latentDim).toBe(16);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => describeModel('cgan', 32, 'small', 0)).toThrow(/classes/);
    expect(() => describeModel('dcgan', 32, 'large' as ModelPreset, 0)).toThrow(/preset/);
    expect(() => describeModel('gan' as 'dcgan', 32, 'small', 0)).toThrow(/family/);
  });
});

describe('conditional generator', () => {
  let g: Generator;
  beforeAll(() => {
    g = buildGenerator({ latentDim: 16, size: 32, width: 8, classes: 5 }, 9);
  });
  afterAll(() => g.dispose());

  it('embeds c with embed.w and feeds concat(z, c·W) to fc.w', () => {
    expect(g.params.get('embed.w')!.shape).toEqual([5, 16]);
    expect(g.params.get('fc.w')!.shape).toEqual([32, 4 * 4 * 32]);
    const plain = buildGenerator({ latentDim: 16, size: 32, width: 8 }, 9);
    expect([...g.params.keys()].filter((k) => k !== 'embed.w')).toEqual([...plain.params.keys()]);
    expect(g.countParams() - plain.countParams()).toBe(5 * 16 + 16 * 4 * 4 * 32);
    plain.dispose();
  });

  it('same z with different c gives different images; same c the same ones', () => {
    tf.tidy(() => {
      const z = tf.randomNormal([2, 16], 0, 1, 'float32', 3) as tf.Tensor2D;
      const run = (rows: number[][]) => g.apply(z, { training: false, cond: tags(rows) }).dataSync();
      const a = run([
        [1, 0, 0, 0, 0],
        [1, 0, 0, 0, 0],
      ]);
      const b = run([
        [0, 0, 1, 0, 0],
        [0, 0, 1, 0, 0],
      ]);
      const multi = run([
        [1, 0, 1, 0, 0],
        [0.5, 0, 0, 0, 0.5],
      ]); // multi-hot and weighted vectors
      expect(maxRel(a, b)).toBeGreaterThan(1e-3);
      expect(maxRel(multi, a)).toBeGreaterThan(1e-3);
      expect(
        run([
          [1, 0, 0, 0, 0],
          [1, 0, 0, 0, 0],
        ]),
      ).toEqual(a);
      // an int32 multi-hot tensor is accepted and means the same as its float32 version
      expect(
        g
          .apply(z, {
            training: false,
            cond: tf.tensor2d(
              [
                [1, 0, 0, 0, 0],
                [1, 0, 0, 0, 0],
              ],
              [2, 5],
              'int32',
            ),
          })
          .dataSync(),
      ).toEqual(a);
    });
  });

  it('validates cond', () => {
    const z = tf.zeros([2, 16]) as tf.Tensor2D;
    expect(() => g.apply(z, { training: false })).toThrow(/conditional and needs cond \[N, 5\]/);
    expect(() => g.apply(z, { training: false, cond: tf.zeros([2, 4]) as tf.Tensor2D })).toThrow(/cond \[2, 5\].*\[2,4\]/);
    expect(() => g.apply(z, { training: false, cond: tf.zeros([3, 5]) as tf.Tensor2D })).toThrow(/cond \[2, 5\]/);
    expect(() => g.apply(z, { training: false, cond: tf.zeros([2]) as unknown as tf.Tensor2D })).toThrow(/cond \[2, 5\]/);
    const plain = buildGenerator({ latentDim: 16, size: 32, width: 4 });
    expect(() => plain.apply(z, { training: false, cond: tf.zeros([2, 5]) as tf.Tensor2D })).toThrow(/unconditional/);
    expect(() => buildGenerator({ latentDim: 16, size: 32, width: 4, classes: -1 })).toThrow(/classes/);
    expect(() => buildGenerator({ latentDim: 16, size: 32, width: 4, classes: 1.5 })).toThrow(/classes/);
    plain.dispose();
    tf.dispose(z);
  });

  it('classes 0 builds exactly the unconditional generator', () => {
    const a = buildGenerator({ latentDim: 16, size: 32, width: 4 }, 2);
    const b = buildGenerator({ latentDim: 16, size: 32, width: 4, classes: 0 }, 2);
    expect(b.snapshot()).toEqual(a.snapshot());
    a.dispose();
    b.dispose();
  });
});

describe('projection discriminator and norm none', () => {
  it('different c gives different logits, and the projection is linear in c', () => {
    for (const norm of ['batch', 'none'] as const) {
      const d = buildDiscriminator({ size: 32, width: 8, classes: 4, norm }, 5);
      tf.tidy(() => {
        const x = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 4) as tf.Tensor4D;
        const score = (rows: number[][]) => Array.from(d.apply(x, { cond: tags(rows) }).dataSync());
        const zero = score([
          [0, 0, 0, 0],
          [0, 0, 0, 0],
        ]);
        const a = score([
          [1, 0, 0, 0],
          [0, 1, 0, 0],
        ]);
        const b = score([
          [0, 0, 1, 0],
          [0, 0, 0, 1],
        ]);
        const ab = score([
          [1, 0, 1, 0],
          [0, 1, 0, 1],
        ]);
        expect(maxRel(a, b)).toBeGreaterThan(1e-3);
        // logit(c) = logit(0) + Σ h·(c·V): multi-hot vectors add up
        ab.forEach((v, i) => expect(v - zero[i]!).toBeCloseTo(a[i]! - zero[i]! + b[i]! - zero[i]!, 5));
      });
      d.dispose();
    }
  });

  it('matches the projection formula computed by hand', () => {
    const d = buildDiscriminator({ size: 32, width: 4, classes: 3, norm: 'none' }, 6);
    // fc.w = 0 leaves fc.b + Σ_positions,channels h · (c·V); with V = 1 that is fc.b + (Σc)·Σ h.
    const arrays = d
      .snapshot()
      .map((a) =>
        a.name === 'fc.w' ? { ...a, data: new Float32Array(a.data.length) } : a.name === 'proj.w' ? { ...a, data: new Float32Array(a.data.length).fill(1) } : a,
      );
    d.load(arrays);
    tf.tidy(() => {
      const x = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 8) as tf.Tensor4D;
      const logits = d
        .apply(x, {
          cond: tags([
            [1, 0, 0],
            [0.5, 0.5, 1],
          ]),
        })
        .dataSync();
      const fcb = d.params.get('fc.b')!.dataSync()[0]!;
      // recompute h: the conv stack up to the 4×4 map, by hand with the public ops
      const p = (n: string) => d.params.get(n)!;
      let h = tf.leakyRelu(tf.conv2d(x, p('conv1.w') as tf.Tensor4D, 2, 'same').add(p('conv1.b')), 0.2);
      h = tf.leakyRelu(tf.conv2d(h as tf.Tensor4D, p('conv2.w') as tf.Tensor4D, 2, 'same').add(p('conv2.b')), 0.2);
      h = tf.leakyRelu(tf.conv2d(h as tf.Tensor4D, p('conv3.w') as tf.Tensor4D, 2, 'same').add(p('conv3.b')), 0.2);
      expect(h.shape).toEqual([2, 4, 4, 16]);
      const sums = tf.sum(h.reshape([2, -1]), 1).dataSync();
      expect(logits[0]).toBeCloseTo(fcb + 1 * sums[0]!, 4);
      expect(logits[1]).toBeCloseTo(fcb + 2 * sums[1]!, 4);
    });
    d.dispose();
  });

  it('norm none has a bias per conv, no BatchNorm, and scores each image on its own', () => {
    const d = buildDiscriminator({ size: 32, width: 8, norm: 'none' }, 1);
    const batch = buildDiscriminator({ size: 32, width: 8 }, 1);
    expect([...d.params.keys()]).toEqual(['conv1.w', 'conv1.b', 'conv2.w', 'conv2.b', 'conv3.w', 'conv3.b', 'fc.w', 'fc.b']);
    expect([...batch.params.keys()]).toEqual(['conv1.w', 'conv1.b', 'conv2.w', 'bn2.gamma', 'bn2.beta', 'conv3.w', 'bn3.gamma', 'bn3.beta', 'fc.w', 'fc.b']);
    tf.tidy(() => {
      const x = tf.randomUniform([3, 32, 32, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
      const all = d.apply(x).dataSync();
      const first = d.apply(x.slice([0, 0, 0, 0], [1, 32, 32, 3])).dataSync();
      expect(first[0]).toBeCloseTo(all[0]!, 5);
      expect(d.apply(x, { groups: 3 }).dataSync()).toEqual(all); // groups only matter to BatchNorm
    });
    expect(() => buildDiscriminator({ size: 32, width: 8, norm: 'layer' as 'none' })).toThrow(/norm/);
    d.dispose();
    batch.dispose();
  });

  it('validates cond', () => {
    const d = buildDiscriminator({ size: 32, width: 4, classes: 3 });
    const plain = buildDiscriminator({ size: 32, width: 4 });
    const x = tf.zeros([2, 32, 32, 3]) as tf.Tensor4D;
    expect(() => d.apply(x)).toThrow(/discriminator is conditional and needs cond \[N, 3\]/);
    expect(() => d.apply(x, { cond: tf.zeros([2, 2]) as tf.Tensor2D })).toThrow(/cond \[2, 3\]/);
    expect(() => d.apply(x, { cond: tf.zeros([1, 3]) as tf.Tensor2D })).toThrow(/cond \[2, 3\]/);
    expect(() => plain.apply(x, { cond: tf.zeros([2, 3]) as tf.Tensor2D })).toThrow(/unconditional/);
    [d, plain].forEach((n) => n.dispose());
    tf.dispose(x);
  });

  it('is built the same way for the same seed', () => {
    const mk = (seed: number) => buildDiscriminator({ size: 32, width: 4, classes: 3, norm: 'none' }, seed);
    const [a, b, c] = [mk(5), mk(5), mk(6)];
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(c.snapshot()).not.toEqual(a.snapshot());
    const mg = (seed: number) => buildGenerator({ latentDim: 8, size: 32, width: 4, classes: 3 }, seed);
    const [ga, gb, gc] = [mg(5), mg(5), mg(6)];
    expect(gb.snapshot()).toEqual(ga.snapshot());
    expect(gc.snapshot()).not.toEqual(ga.snapshot());
    [a, b, c, ga, gb, gc].forEach((n) => n.dispose());
  });
});

describe('gradients', () => {
  it('forward + backward through conditional G and D leaks no tensors', () => {
    for (const norm of ['batch', 'none'] as const) {
      const g = buildGenerator({ latentDim: 8, size: 32, width: 4, classes: 3 }, 1);
      const d = buildDiscriminator({ size: 32, width: 4, classes: 3, norm }, 2);
      const z = tf.randomNormal([4, 8], 0, 1, 'float32', 1) as tf.Tensor2D;
      const cond = tags([
        [1, 0, 0],
        [0, 1, 1],
        [0, 0, 1],
        [0.3, 0.3, 0.4],
      ]);
      const vars = [...g.params.values(), ...d.params.values()];
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() => {
        const fake = g.apply(z, { training: true, updateStats: true, cond });
        const logits = d.apply(tf.concat([fake, fake]), { groups: 2, cond: tf.concat([cond, cond]) });
        return tf.softplus(tf.neg(logits)).mean() as tf.Scalar;
      }, vars);
      expect(Object.keys(grads).sort()).toEqual(vars.map((v) => v.name).sort()); // embed.w and proj.w get gradients too
      expect(tf.tidy(() => grads[g.params.get('embed.w')!.name]!.abs().sum().dataSync()[0]!)).toBeGreaterThan(0);
      value.dispose();
      tf.dispose(grads);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([z, cond]);
      g.dispose();
      d.dispose();
    }
  });

  it('R1: d/dw of mean ‖∇ₓD(x)‖² matches central finite differences (norm none, double backprop)', () => {
    const d = buildDiscriminator({ size: 32, width: 4, classes: 3, norm: 'none' }, 11);
    const x = tf.tensor4d(new Rng(3).uniformArray(2 * 32 * 32 * 3, -1, 1), [2, 32, 32, 3]);
    const cond = tags([
      [1, 0, 1],
      [0, 1, 0],
    ]);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => r1Penalty(d, x, { cond }), [...d.params.values()]);
    const r1 = value.dataSync()[0]!;
    expect(r1).toBeGreaterThan(0);
    // the penalty itself: mean over images of the squared norm of tf.grad's gradient
    const direct = tf.tidy(() => {
      const gx = tf.grad((xx: tf.Tensor) => d.apply(xx as tf.Tensor4D, { cond }).sum())(x);
      return tf.sum(tf.square(gx)).dataSync()[0]! / 2;
    });
    expect(r1).toBeCloseTo(direct, 10);
    const f = () => tf.tidy(() => r1Penalty(d, x, { cond }).dataSync()[0]!);
    // ‖∇ₓD‖² is a polynomial of degree 2 in any one weight while no LReLU changes side, so the
    // central difference is exact up to rounding: a large step for fc.w / proj.w (they change no
    // activation), a small one for conv weights (so no unit changes side; here units start to
    // flip at steps of ~1e-3, and float32 rounding dominates below ~3e-5).
    const checks: [string, number][] = [
      ['fc.w', 0.05],
      ['proj.w', 0.05],
      ['conv3.w', 2e-4],
      ['conv2.w', 2e-4],
    ];
    for (const [name, step] of checks) {
      const v = d.params.get(name)!;
      const g = grads[v.name]!.dataSync();
      let k = 0;
      for (let i = 0; i < g.length; i++) if (Math.abs(g[i]!) > Math.abs(g[k]!)) k = i;
      const orig = Float32Array.from(v.dataSync() as Float32Array);
      const at = (delta: number) => {
        const w = Float32Array.from(orig);
        w[k] = orig[k]! + delta;
        tf.tidy(() => v.assign(tf.tensor(w, v.shape)));
        return f();
      };
      const fd = (at(step) - at(-step)) / (2 * step);
      tf.tidy(() => v.assign(tf.tensor(orig, v.shape)));
      expect(Math.abs(fd - g[k]!) / Math.abs(g[k]!), `${name}[${k}]: grad ${g[k]} vs fd ${fd}`).toBeLessThan(1e-2);
    }
    value.dispose();
    tf.dispose(grads);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, cond]);
    d.dispose();
    const withBn = buildDiscriminator({ size: 32, width: 4 });
    expect(() => r1Penalty(withBn, tf.zeros([1, 32, 32, 3]) as tf.Tensor4D)).toThrow(/without BatchNorm/);
    withBn.dispose();
  });
});

describe('spectral norm discriminator', () => {
  /** Largest singular value of a [rows, cols] matrix, by many power iterations in JS. */
  function sigmaMax(data: Float32Array, rows: number, cols: number): number {
    let u = new Float64Array(cols).fill(1);
    let s = 0;
    for (let it = 0; it < 200; it++) {
      const v = new Float64Array(rows);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) v[r]! += data[r * cols + c]! * u[c]!;
      const nv = Math.hypot(...v);
      const u2 = new Float64Array(cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) u2[c]! += data[r * cols + c]! * (v[r]! / nv);
      s = Math.hypot(...u2);
      u = u2.map((x) => x / s);
    }
    return s;
  }

  it('divides each weight by its largest singular value once the power iteration has run', async () => {
    const { spectralNormalized } = await import('../../../src-main/ml/models/dcgan.js');
    const rng = new Rng(4);
    const w = tf.variable(tf.tensor(rng.normalArray(4 * 4 * 8 * 16), [4, 4, 8, 16]));
    const u = tf.variable(tf.tensor(rng.normalArray(16), [16]), false);
    for (let i = 0; i < 30; i++) tf.tidy(() => void spectralNormalized(w, u, true));
    const normalized = tf.tidy(() => spectralNormalized(w, u, false));
    expect(sigmaMax(normalized.dataSync() as Float32Array, 4 * 4 * 8, 16)).toBeCloseTo(1, 3);
    expect(sigmaMax(w.dataSync() as Float32Array, 4 * 4 * 8, 16)).toBeGreaterThan(5); // the raw weight is far from 1
    tf.dispose([w, u, normalized]);
  });

  it('trains with R1 (no BatchNorm), moves u only when told, and leaks nothing', () => {
    const d = buildDiscriminator({ size: 32, width: 4, norm: 'spectral' });
    const x = tf.randomUniform([4, 32, 32, 3], -1, 1) as tf.Tensor4D;
    const u0 = d.stats.get('conv2.u')!.dataSync().slice();
    tf.tidy(() => void d.apply(x)); // scoring leaves the power iteration alone
    expect(d.stats.get('conv2.u')!.dataSync()).toEqual(u0);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => tf.add(d.apply(x, { updateStats: true }).mean(), r1Penalty(d, x)) as tf.Scalar, [...d.params.values()]);
    expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
    expect(d.stats.get('conv2.u')!.dataSync()).not.toEqual(u0);
    value.dispose();
    tf.dispose(grads);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    d.dispose();
  });
});

describe('countParameters', () => {
  it('counts what a build would create without creating it', async () => {
    const { countParameters } = await import('../../../src-main/ml/models/dcgan.js');
    const before = tf.memory().numTensors;
    const counted = countParameters(() => buildDiscriminator({ size: 64, width: 16, classes: 5, norm: 'spectral' }));
    expect(tf.memory().numTensors).toBe(before);
    const real = buildDiscriminator({ size: 64, width: 16, classes: 5, norm: 'spectral' });
    expect(counted).toBe(real.countParams());
    real.dispose();
  });
});
