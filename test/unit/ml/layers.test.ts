// Hand-written layer gradients must match tfjs's generic ones.
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src-main/ml/backend.js';
import { batchNormTrain, channelMoments, dense, leakyRelu } from '../../../src-main/ml/models/layers.js';
import { Rng } from '../../../src-main/ml/random.js';

beforeAll(async () => {
  await initBackend({ only: 'wasm' });
});

const t = (shape: number[], seed: number, mean = 0, std = 1) =>
  tf.tensor(
    new Rng(seed).normalArray(
      shape.reduce((a, b) => a * b, 1),
      mean,
      std,
    ),
    shape,
  );

function maxRel(a: tf.Tensor, b: tf.Tensor): number {
  const av = a.dataSync();
  const bv = b.dataSync();
  let d = 0;
  let m = 1e-12;
  for (let i = 0; i < bv.length; i++) {
    d = Math.max(d, Math.abs(av[i]! - bv[i]!));
    m = Math.max(m, Math.abs(bv[i]!));
  }
  return d / m;
}

describe('custom-gradient layers', () => {
  it('batchNormTrain matches moments + batchNorm, values and gradients', () => {
    tf.tidy(() => {
      const x = t([4, 5, 5, 6], 1, 0.5, 2) as tf.Tensor4D;
      const g = t([6], 2, 1, 0.1) as tf.Tensor1D;
      const b = t([6], 3) as tf.Tensor1D;
      const w = t([4, 5, 5, 6], 4);
      const ref = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
        const { mean, variance } = tf.moments(xx, [0, 1, 2]);
        return tf.batchNorm4d(xx as tf.Tensor4D, mean as tf.Tensor1D, variance as tf.Tensor1D, bb as tf.Tensor1D, gg as tf.Tensor1D, 1e-5);
      };
      const ours = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => batchNormTrain(xx as tf.Tensor4D, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-5);
      expect(maxRel(ours(x, g, b), ref(x, g, b))).toBeLessThan(1e-5);
      const gRef = tf.grads((a, c, d) => ref(a!, c!, d!).mul(w).sum())([x, g, b]);
      const gOurs = tf.grads((a, c, d) => ours(a!, c!, d!).mul(w).sum())([x, g, b]);
      gOurs.forEach((gr, i) => expect(maxRel(gr, gRef[i]!), `grad ${i}`).toBeLessThan(1e-4));
      const { mean, variance } = channelMoments(x);
      const m2 = tf.moments(x, [0, 1, 2]);
      expect(maxRel(mean, m2.mean)).toBeLessThan(1e-5);
      expect(maxRel(variance, m2.variance)).toBeLessThan(1e-5);
    });
  });

  it('batchNormTrain with groups equals separate calls per slice, values and gradients', () => {
    tf.tidy(() => {
      const x = t([6, 3, 3, 4], 11, 1, 3) as tf.Tensor4D;
      const g = t([4], 12, 1, 0.1) as tf.Tensor1D;
      const b = t([4], 13) as tf.Tensor1D;
      const w = t([6, 3, 3, 4], 14);
      const grouped = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => batchNormTrain(xx as tf.Tensor4D, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-5, 2);
      const separate = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
        tf.concat(tf.split(xx, 2).map((part) => batchNormTrain(part as tf.Tensor4D, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-5)));
      expect(maxRel(grouped(x, g, b), separate(x, g, b))).toBeLessThan(1e-5);
      const ga = tf.grads((a, c, d) => grouped(a!, c!, d!).mul(w).sum())([x, g, b]);
      const gb = tf.grads((a, c, d) => separate(a!, c!, d!).mul(w).sum())([x, g, b]);
      ga.forEach((gr, i) => expect(maxRel(gr, gb[i]!), `grad ${i}`).toBeLessThan(1e-4));
      expect(() => batchNormTrain(x, g, b, 1e-5, 4)).toThrow(/groups/);
    });
  });

  it('leakyRelu matches tf.leakyRelu, values and gradient', () => {
    tf.tidy(() => {
      const x = t([3, 7], 5);
      const w = t([3, 7], 6);
      expect(maxRel(leakyRelu(x, 0.2), tf.leakyRelu(x, 0.2))).toBeLessThan(1e-6);
      const a = tf.grad((v: tf.Tensor) => leakyRelu(v, 0.2).mul(w).sum())(x);
      const b = tf.grad((v: tf.Tensor) => tf.leakyRelu(v, 0.2).mul(w).sum())(x);
      expect(maxRel(a, b)).toBeLessThan(1e-6);
    });
  });

  it('dense matches matMul, values and gradients', () => {
    tf.tidy(() => {
      const x = t([5, 12], 7) as tf.Tensor2D;
      const w = t([12, 9], 8) as tf.Tensor2D;
      const u = t([5, 9], 9);
      expect(maxRel(dense(x, w), tf.matMul(x, w))).toBeLessThan(1e-5);
      const a = tf.grads((p, q) =>
        dense(p as tf.Tensor2D, q as tf.Tensor2D)
          .mul(u)
          .sum(),
      )([x, w]);
      const b = tf.grads((p, q) => tf.matMul(p!, q!).mul(u).sum())([x, w]);
      a.forEach((g, i) => expect(maxRel(g, b[i]!)).toBeLessThan(1e-5));
    });
  });
});

describe('double backprop (gradients of gradients, as an R1 penalty takes)', () => {
  // References built only from ops whose gradients tfjs can differentiate again: tf.leakyRelu's
  // gradient goes through Greater (no gradient), and ops whose gradient reads their saved output
  // (tanh, exp, sigmoid, …) lose that dependence in a second derivative.
  it('leakyRelu: the gradient of a function of its gradient matches relu(x)·(1−α) + αx', () => {
    tf.tidy(() => {
      const x = t([3, 7], 21);
      const w = t([3, 7], 22);
      const u = t([3, 7], 23);
      const outer = (act: (v: tf.Tensor) => tf.Tensor) =>
        tf.grad((ww: tf.Tensor) => tf.square(tf.grad((xx: tf.Tensor) => act(tf.mul(xx, ww)).mul(u).sum())(x)).sum())(w);
      const ours = outer((v) => leakyRelu(v, 0.2));
      const ref = outer((v) => tf.add(tf.mul(tf.relu(v), 0.8), tf.mul(v, 0.2)));
      expect(maxRel(ours, ref)).toBeLessThan(1e-5);
      expect(tf.abs(ref).sum().dataSync()[0]).toBeGreaterThan(0);
    });
  });

  it('dense: the gradient of a function of its gradient matches matMul', () => {
    tf.tidy(() => {
      const x = t([5, 12], 24) as tf.Tensor2D;
      const w = t([12, 9], 25, 0, 0.3) as tf.Tensor2D;
      const u = t([5, 9], 26);
      const outer = (mm: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor) =>
        tf.grads((xx, ww) =>
          tf
            .square(
              tf.grad((v: tf.Tensor) =>
                tf
                  .square(mm(v as tf.Tensor2D, ww as tf.Tensor2D))
                  .mul(u)
                  .sum(),
              )(xx!),
            )
            .sum(),
        )([x, w]);
      const ours = outer(dense);
      const ref = outer((a, b) => tf.matMul(a, b));
      ours.forEach((g, i) => expect(maxRel(g, ref[i]!), `grad ${i}`).toBeLessThan(1e-4));
      ref.forEach((g) => expect(tf.abs(g).sum().dataSync()[0]).toBeGreaterThan(0));
    });
  });
});
