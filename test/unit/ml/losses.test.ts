// GAN losses and the R1 penalty, on the wasm backend (the one that lacks kernels most often).
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src-main/ml/backend.js';
import { discriminatorLoss, generatorLoss, r1Penalty } from '../../../src-main/ml/losses.js';
import { leakyRelu } from '../../../src-main/ml/models/layers.js';
import { Rng } from '../../../src-main/ml/random.js';

beforeAll(async () => {
  const choice = await initBackend({ only: 'wasm' });
  expect(choice.name).toBe('wasm');
});

const softplus = (x: number) => Math.log1p(Math.exp(x));
const relu = (x: number) => Math.max(0, x);
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const value = (t: tf.Tensor) => (t.dataSync() as Float32Array)[0]!;
/** Runs `f` in a tidy and returns its scalar result as a number, leaving no tensor behind. */
const read = (f: () => tf.Tensor) => {
  const t = tf.tidy(f);
  const v = value(t);
  t.dispose();
  return v;
};

function randomVariable(shape: number[], seed: number, std = 1): tf.Variable {
  return tf.tidy(() =>
    tf.variable(
      tf.tensor(
        new Rng(seed).normalArray(
          shape.reduce((a, b) => a * b, 1),
          0,
          std,
        ),
        shape,
      ),
      true,
    ),
  );
}

function randomImages(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  return tf.tensor4d(
    new Rng(seed).uniformArray(
      shape.reduce((a, b) => a * b, 1),
      -1,
      1,
    ),
    shape,
  );
}

/**
 * Checks the gradient of `f` w.r.t. `vars` (from tf.variableGrads, so through the double
 * backprop) against a central finite difference along a random direction, and returns both.
 */
function directionalCheck(f: () => tf.Scalar, vars: tf.Variable[], seed: number, h: number): { analytic: number; numeric: number } {
  const rng = new Rng(seed);
  const dirs = vars.map((v) => tf.tensor(rng.normalArray(v.size), v.shape));
  const originals = vars.map((v) => v.clone());
  try {
    const { value: val, grads } = tf.variableGrads(f, vars);
    val.dispose();
    let analytic = 0;
    vars.forEach((v, i) => {
      const g = grads[v.name];
      expect(g, `gradient for ${v.name}`).toBeDefined();
      analytic += read(() => tf.sum(tf.mul(g!, dirs[i]!)));
    });
    tf.dispose(grads);
    const at = (sign: number) => {
      vars.forEach((v, i) => tf.tidy(() => v.assign(tf.add(originals[i]!, tf.mul(dirs[i]!, sign * h)))));
      return read(f);
    };
    const numeric = (at(1) - at(-1)) / (2 * h);
    vars.forEach((v, i) => v.assign(originals[i]!));
    return { analytic, numeric };
  } finally {
    tf.dispose([...dirs, ...originals]);
  }
}

describe('GAN losses', () => {
  const real = [2.5, -0.3, 0.8, -1.7];
  const fake = [-2.1, 0.4, 1.2, -0.05];

  it('non-saturating losses are BCE with logits', () => {
    tf.tidy(() => {
      const r = tf.tensor1d(real);
      const f = tf.tensor1d(fake);
      expect(value(discriminatorLoss('ns', r, f))).toBeCloseTo(mean(real.map((x) => softplus(-x))) + mean(fake.map(softplus)), 5);
      expect(value(generatorLoss('ns', f))).toBeCloseTo(mean(fake.map((x) => softplus(-x))), 5);
    });
  });

  it('hinge losses', () => {
    tf.tidy(() => {
      const r = tf.tensor1d(real);
      const f = tf.tensor1d(fake);
      expect(value(discriminatorLoss('hinge', r, f))).toBeCloseTo(mean(real.map((x) => relu(1 - x))) + mean(fake.map((x) => relu(1 + x))), 5);
      expect(value(generatorLoss('hinge', f))).toBeCloseTo(-mean(fake), 5);
    });
  });

  it('gradients w.r.t. the logits', () => {
    tf.tidy(() => {
      const r = tf.tensor1d(real);
      const f = tf.tensor1d(fake);
      const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
      const n = real.length;
      const [gr, gf] = tf.grads((a, b) => discriminatorLoss('ns', a as tf.Tensor1D, b as tf.Tensor1D))([r, f]);
      Array.from(gr!.dataSync()).forEach((g, i) => expect(g).toBeCloseTo(-sigmoid(-real[i]!) / n, 5));
      Array.from(gf!.dataSync()).forEach((g, i) => expect(g).toBeCloseTo(sigmoid(fake[i]!) / n, 5));
      const [hr, hf] = tf.grads((a, b) => discriminatorLoss('hinge', a as tf.Tensor1D, b as tf.Tensor1D))([r, f]);
      Array.from(hr!.dataSync()).forEach((g, i) => expect(g).toBeCloseTo(real[i]! < 1 ? -1 / n : 0, 6));
      Array.from(hf!.dataSync()).forEach((g, i) => expect(g).toBeCloseTo(fake[i]! > -1 ? 1 / n : 0, 6));
      const gg = tf.grad((a) => generatorLoss('hinge', a as tf.Tensor1D))(f);
      Array.from(gg.dataSync()).forEach((g) => expect(g).toBeCloseTo(-1 / n, 6));
    });
  });

  it('per-image weights scale each real term before the mean (class weights), by hand on a batch of four', () => {
    const w = [2, 0.5, 1, 0.5]; // mean 1, as class weights are
    tf.tidy(() => {
      const r = tf.tensor1d(real);
      const f = tf.tensor1d(fake);
      const weights = tf.tensor1d(w);
      // ns real terms: softplus(−x) = 0.07889, 0.85435, 0.37110, 1.87959; hinge: relu(1 − x) = 0, 1.3, 0.2, 2.7.
      const nsReal = (2 * softplus(-2.5) + 0.5 * softplus(0.3) + 1 * softplus(-0.8) + 0.5 * softplus(1.7)) / 4;
      const hingeReal = (2 * 0 + 0.5 * 1.3 + 1 * 0.2 + 0.5 * 2.7) / 4; // 0.55
      expect(hingeReal).toBeCloseTo(0.55, 10);
      expect(value(discriminatorLoss('ns', r, f, weights))).toBeCloseTo(nsReal + mean(fake.map(softplus)), 5);
      expect(value(discriminatorLoss('hinge', r, f, weights))).toBeCloseTo(0.55 + mean(fake.map((x) => relu(1 + x))), 5);
      // The gradient w.r.t. a real logit carries its weight; fakes are untouched.
      const [hr, hf] = tf.grads((a, b) => discriminatorLoss('hinge', a as tf.Tensor1D, b as tf.Tensor1D, weights))([r, f]);
      expect(Array.from(hr!.dataSync(), (g) => g + 0)).toEqual([0, -0.5 / 4, -1 / 4, -0.5 / 4]); // + 0 turns −0 into 0
      Array.from(hf!.dataSync()).forEach((g, i) => expect(g).toBeCloseTo(fake[i]! > -1 ? 1 / 4 : 0, 6));
    });
  });

  it('uniform weights of 1 give exactly the unweighted loss, and a weight vector of the wrong length is refused', () => {
    tf.tidy(() => {
      const r = tf.tensor1d(real);
      const f = tf.tensor1d(fake);
      const ones = tf.ones([4]) as tf.Tensor1D;
      for (const kind of ['ns', 'hinge'] as const) {
        expect(value(discriminatorLoss(kind, r, f, ones))).toBe(value(discriminatorLoss(kind, r, f)));
        expect(value(discriminatorLoss(kind, r, f, null))).toBe(value(discriminatorLoss(kind, r, f)));
      }
      expect(() => discriminatorLoss('ns', r, f, tf.ones([3]) as tf.Tensor1D)).toThrow('realWeights must be [4] like the real logits, got [3]');
    });
  });

  it('rejects an unknown kind', () => {
    const x = tf.tensor1d([0]);
    expect(() => generatorLoss('wgan' as never, x)).toThrow(/unknown GAN loss/);
    x.dispose();
  });
});

describe('r1Penalty', () => {
  it('linear D(x) = Σ w·x: ‖w‖² per image, gradient 2w', () => {
    const w = randomVariable([4, 4, 3], 1, 0.5);
    const x = randomImages([3, 4, 4, 3], 2);
    const d = (xx: tf.Tensor4D) => tf.sum(tf.mul(xx, w), [1, 2, 3]) as tf.Tensor1D;
    const wv = Array.from(w.dataSync());
    const norm2 = wv.reduce((s, v) => s + v * v, 0);
    const p = r1Penalty(d, x);
    expect(value(p)).toBeCloseTo(norm2, 4);
    p.dispose();
    const { value: val, grads } = tf.variableGrads(() => r1Penalty(d, x), [w]);
    expect(value(val)).toBeCloseTo(norm2, 4);
    Array.from(grads[w.name]!.dataSync()).forEach((g, i) => expect(g).toBeCloseTo(2 * wv[i]!, 4));
    tf.dispose([val, grads, w, x]);
  });

  it('quadratic D(x) = (Σ w·x)²: mean of 4 (w·x)² ‖w‖², gradient checked analytically and by finite difference', () => {
    const w = randomVariable([3, 3, 2], 3, 0.3);
    const x = randomImages([4, 3, 3, 2], 4);
    const d = (xx: tf.Tensor4D) => tf.square(tf.sum(tf.mul(xx, w), [1, 2, 3])) as tf.Tensor1D;
    const wv = Array.from(w.dataSync());
    const xv = Array.from(x.dataSync());
    const k = wv.length;
    const norm2 = wv.reduce((s, v) => s + v * v, 0);
    const dots = [0, 1, 2, 3].map((n) => wv.reduce((s, v, i) => s + v * xv[n * k + i]!, 0));
    const expected = mean(dots.map((a) => 4 * a * a * norm2));
    // ∂/∂w of 4 (w·x)² ‖w‖² = 8 (w·x) ‖w‖² x + 8 (w·x)² w
    const expectedGrad = wv.map((wi, i) => mean(dots.map((a, n) => 8 * a * norm2 * xv[n * k + i]! + 8 * a * a * wi)));
    const { value: val, grads } = tf.variableGrads(() => r1Penalty(d, x), [w]);
    expect(value(val)).toBeCloseTo(expected, 4);
    const g = Array.from(grads[w.name]!.dataSync());
    g.forEach((gi, i) => expect(Math.abs(gi - expectedGrad[i]!)).toBeLessThan(1e-4 * (1 + Math.abs(expectedGrad[i]!))));
    tf.dispose([val, grads]);
    const { analytic, numeric } = directionalCheck(() => r1Penalty(d, x), [w], 5, 1e-3);
    expect(Math.abs(analytic - numeric)).toBeLessThan(2e-3 * Math.max(1, Math.abs(analytic)));
    tf.dispose([w, x]);
  });

  it('tiny conv D (conv2d + leaky relu, no customGrad): double backprop matches finite differences on wasm', () => {
    const alpha = 0.2;
    const leaky = (t: tf.Tensor) => tf.add(tf.mul(tf.relu(t), 1 - alpha), tf.mul(t, alpha));
    const w1 = randomVariable([4, 4, 3, 6], 11, 0.3);
    const b1 = randomVariable([6], 12, 0.1);
    const w2 = randomVariable([4, 4, 6, 5], 13, 0.2);
    const w3 = randomVariable([2, 2, 5], 14, 0.5);
    const vars = [w1, b1, w2, w3];
    const d = (x: tf.Tensor4D) => {
      let h = leaky(tf.add(tf.conv2d(x, w1 as tf.Tensor4D, 2, 'same'), b1)) as tf.Tensor4D; // [N, 4, 4, 6]
      h = leaky(tf.conv2d(h, w2 as tf.Tensor4D, 2, 'same')) as tf.Tensor4D; // [N, 2, 2, 5]
      return tf.sum(tf.mul(h, w3), [1, 2, 3]) as tf.Tensor1D;
    };
    const x = randomImages([3, 8, 8, 3], 15);
    const before = tf.memory().numTensors;
    const { value: val, grads } = tf.variableGrads(() => r1Penalty(d, x), vars);
    expect(value(val)).toBeGreaterThan(0);
    const names = ['w1', 'b1', 'w2', 'w3'];
    vars.forEach((v, i) => {
      const g = grads[v.name];
      expect(g, names[i]).toBeDefined();
      const l1 = read(() => tf.sum(tf.abs(g!)));
      expect(Number.isFinite(l1), names[i]).toBe(true);
      // ∇ₓD is a product of weights and (piecewise constant) leaky-relu slopes, so b1 only moves
      // the kinks: its gradient is exactly zero; every weight's is not.
      if (v === b1) expect(l1, names[i]).toBe(0);
      else expect(l1, names[i]).toBeGreaterThan(0);
    });
    tf.dispose([val, grads]);
    expect(tf.memory().numTensors).toBe(before); // saved tensors of both tapes are released

    // Per-variable finite differences (kinks of relu are far away for a small step).
    vars.forEach((v, i) => {
      const { analytic, numeric } = directionalCheck(() => r1Penalty(d, x), [v], 100 + i, 1e-3);
      expect(Math.abs(analytic - numeric), `${names[i]}: ${analytic} vs ${numeric}`).toBeLessThan(2e-2 * Math.max(1e-2, Math.abs(analytic)));
    });
    tf.dispose([...vars, x]);
  });

  it('models/layers.ts leakyRelu (a customGrad) gives the same R1 gradients as the plain formulation', () => {
    const w1 = randomVariable([3, 3, 3, 4], 31, 0.3);
    const w2 = randomVariable([4, 4, 4], 32, 0.5);
    const x = randomImages([2, 8, 8, 3], 33);
    const make = (act: (t: tf.Tensor) => tf.Tensor) => (xx: tf.Tensor4D) =>
      tf.sum(tf.mul(act(tf.conv2d(xx, w1 as tf.Tensor4D, 2, 'same')), w2), [1, 2, 3]) as tf.Tensor1D;
    const plain = make((t) => tf.add(tf.mul(tf.relu(t), 0.8), tf.mul(t, 0.2)));
    const custom = make((t) => leakyRelu(t, 0.2));
    const a = tf.variableGrads(() => r1Penalty(plain, x), [w1, w2]);
    const b = tf.variableGrads(() => r1Penalty(custom, x), [w1, w2]);
    expect(value(b.value)).toBeCloseTo(value(a.value), 5);
    for (const v of [w1, w2]) {
      const diff = read(() => tf.max(tf.abs(tf.sub(a.grads[v.name]!, b.grads[v.name]!))));
      const scale = read(() => tf.max(tf.abs(a.grads[v.name]!)));
      expect(scale).toBeGreaterThan(0);
      expect(diff / scale).toBeLessThan(1e-5);
    }
    tf.dispose([a.value, a.grads, b.value, b.grads, w1, w2, x]);
  });

  it('through Adam-style minimize with a loss term: value equals r1 added to the D loss', () => {
    const w = randomVariable([2, 2, 1], 21);
    const x = randomImages([2, 2, 2, 1], 22);
    const d = (xx: tf.Tensor4D) => tf.sum(tf.mul(xx, w), [1, 2, 3]) as tf.Tensor1D;
    const gamma = 10;
    const { value: val, grads } = tf.variableGrads(
      () => tf.add(discriminatorLoss('ns', d(x), d(tf.neg(x) as tf.Tensor4D)), tf.mul(r1Penalty(d, x), gamma / 2)) as tf.Scalar,
      [w],
    );
    const r1 = r1Penalty(d, x);
    const base = discriminatorLoss('ns', d(x), d(tf.neg(x) as tf.Tensor4D));
    expect(value(val)).toBeCloseTo(value(base) + (gamma / 2) * value(r1), 4);
    tf.dispose([val, grads, r1, base, w, x]);
  });
});
