// Builders: shapes, parameter counts (mirroring pytorch_dcgan.py config a), input checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src-main/ml/backend.js';
import { buildDiscriminator, buildGenerator, type Discriminator, type Generator } from '../../../src-main/ml/models/dcgan.js';

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
