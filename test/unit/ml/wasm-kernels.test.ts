// The wasm training kernels must agree with the reference pure-JS cpu kernels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src-main/ml/backend.js';
import { setBackpropInputMode, type BackpropInputMode } from '../../../src-main/ml/wasm-kernels.js';
import { rand } from './layer-cases.js';

type Pad = 'same' | 'valid';
interface Case {
  name: string;
  x: [number, number, number, number];
  k: [number, number];
  co: number;
  s: [number, number];
  pad: Pad;
}

const cases: Case[] = [
  { name: 'k4 s2 same', x: [2, 8, 8, 3], k: [4, 4], co: 5, s: [2, 2], pad: 'same' },
  { name: 'k4 s2 valid, remainder', x: [2, 9, 9, 3], k: [4, 4], co: 4, s: [2, 2], pad: 'valid' },
  { name: 'k5 s2 same', x: [2, 9, 9, 4], k: [5, 5], co: 3, s: [2, 2], pad: 'same' },
  { name: 'k5 s2 valid', x: [2, 11, 11, 2], k: [5, 5], co: 3, s: [2, 2], pad: 'valid' },
  { name: 'k5 s2 same, odd size', x: [1, 7, 7, 3], k: [5, 5], co: 2, s: [2, 2], pad: 'same' },
  { name: 'k3 s1 same', x: [2, 6, 6, 3], k: [3, 3], co: 4, s: [1, 1], pad: 'same' },
  { name: 'k3 s1 valid', x: [2, 6, 6, 3], k: [3, 3], co: 4, s: [1, 1], pad: 'valid' },
  { name: 'k3 s2 same', x: [2, 7, 7, 3], k: [3, 3], co: 4, s: [2, 2], pad: 'same' },
  { name: 'k4 s1 same (asymmetric pad)', x: [2, 6, 6, 2], k: [4, 4], co: 3, s: [1, 1], pad: 'same' },
  { name: 'k3x5 s2x1 same (non-square)', x: [2, 8, 6, 3], k: [3, 5], co: 2, s: [2, 1], pad: 'same' },
];

// The exact conv layers of the 32×32 DCGAN (batch 2 keeps the cpu reference quick).
const dcganD: Case[] = [
  { name: 'D conv1 32→16, 3→64', x: [2, 32, 32, 3], k: [4, 4], co: 64, s: [2, 2], pad: 'same' },
  { name: 'D conv2 16→8, 64→128', x: [2, 16, 16, 64], k: [4, 4], co: 128, s: [2, 2], pad: 'same' },
  { name: 'D conv3 8→4, 128→256', x: [2, 8, 8, 128], k: [4, 4], co: 256, s: [2, 2], pad: 'same' },
];
// conv2dTranspose cases are given as the forward conv they transpose: x is the transposed conv's output.
const dcganG: Case[] = [
  { name: 'G up1 4→8, 256→128', x: [2, 8, 8, 128], k: [4, 4], co: 256, s: [2, 2], pad: 'same' },
  { name: 'G up2 8→16, 128→64', x: [2, 16, 16, 64], k: [4, 4], co: 128, s: [2, 2], pad: 'same' },
  { name: 'G up3 16→32, 64→3', x: [2, 32, 32, 3], k: [4, 4], co: 64, s: [2, 2], pad: 'same' },
];

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Runs fn on `backend` and returns its outputs as arrays; restores the previous backend. */
async function runOn(backend: string, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  const prev = tf.getBackend();
  await tf.setBackend(backend);
  try {
    const outs = tf.tidy(fn);
    const data = outs.map((o) => o.dataSync() as Float32Array);
    tf.dispose(outs);
    return data;
  } finally {
    await tf.setBackend(prev);
  }
}

/** max |a−b| / max |ref|: relative to the tensor's scale, so sums over many terms are judged fairly. */
function relErr(got: Float32Array, ref: Float32Array): number {
  expect(got.length).toBe(ref.length);
  let maxDiff = 0;
  let maxRef = 1e-12;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i] ?? 0;
    const d = Math.abs((got[i] ?? NaN) - r);
    maxDiff = Number.isNaN(d) ? Infinity : Math.max(maxDiff, d);
    maxRef = Math.max(maxRef, Math.abs(r));
  }
  return maxDiff / maxRef;
}

function convOutShape(c: Case): [number, number, number, number] {
  const [n, h, w] = c.x;
  const oh = c.pad === 'same' ? Math.ceil(h / c.s[0]) : Math.floor((h - c.k[0]) / c.s[0]) + 1;
  const ow = c.pad === 'same' ? Math.ceil(w / c.s[1]) : Math.floor((w - c.k[1]) / c.s[1]) + 1;
  return [n, oh, ow, c.co];
}

/** conv2d forward + grads wrt input and filter (exercises both backprop kernels). */
function convGrads(c: Case): () => tf.Tensor[] {
  return () => {
    const fShape = [c.k[0], c.k[1], c.x[3], c.co];
    const x = tf.tensor4d(rand(size(c.x), 1), c.x);
    const f = tf.tensor4d(rand(size(fShape), 2), fShape as [number, number, number, number]);
    const yShape = convOutShape(c);
    const w = tf.tensor4d(rand(size(yShape), 3), yShape);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf
        .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad)
        .mul(w)
        .sum(),
    );
    return [tf.conv2d(x, f, c.s, c.pad), ...g([x, f])];
  };
}

/** conv2dTranspose forward + grads wrt its input and filter. */
function convTransposeGrads(c: Case): () => tf.Tensor[] {
  return () => {
    const fShape = [c.k[0], c.k[1], c.x[3], c.co] as [number, number, number, number];
    const inShape = convOutShape(c); // the transposed conv's input
    const x = tf.tensor4d(rand(size(inShape), 4), inShape);
    const f = tf.tensor4d(rand(size(fShape), 5), fShape);
    const w = tf.tensor4d(rand(size(c.x), 6), c.x);
    const fwd = (a: tf.Tensor, b: tf.Tensor) => tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, c.x, c.s, c.pad);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => fwd(a, b).mul(w).sum());
    return [fwd(x, f), ...g([x, f])];
  };
}

const TOL = 1e-4;
const cpuRefs = new Map<string, Promise<Float32Array[]>>();
const worst = new Map<string, number[]>();

/** Relative errors of [forward, dInput, dFilter] against the cpu backend (reference computed once). */
async function compare(kind: 'conv2d' | 'conv2dTranspose', c: Case, mode: string): Promise<number[]> {
  const build = kind === 'conv2d' ? convGrads : convTransposeGrads;
  const key = `${kind} ${c.name}`;
  if (!cpuRefs.has(key)) cpuRefs.set(key, runOn('cpu', build(c)));
  const ref = await cpuRefs.get(key)!;
  const got = await runOn('wasm', build(c));
  const errs = got.map((g, i) => relErr(g, ref[i]!));
  worst.set(`${key} [${mode}]`, errs);
  return errs;
}
const modes: BackpropInputMode[] = ['subpixel', 'zero-insert'];

beforeAll(async () => {
  const choice = await initBackend({ only: 'wasm' });
  expect(choice.name).toBe('wasm');
});

afterAll(() => {
  setBackpropInputMode('subpixel');
  if (worst.size) {
    const lines = [...worst].map(([k, e]) => `  ${e.map((x) => x.toExponential(1).padStart(8)).join(' ')}  ${k}`);
    console.log(`max relative error, wasm vs cpu (forward, d input, d filter):\n${lines.join('\n')}`);
  }
});

describe.each(modes)('wasm conv kernels vs cpu (Conv2DBackpropInput as %s)', (mode) => {
  beforeAll(() => setBackpropInputMode(mode));

  it.each([...cases, ...dcganD])('conv2d grads: $name', async (c) => {
    const [y, dx, dw] = await compare('conv2d', c, mode);
    expect(y).toBeLessThan(TOL);
    expect(dx, 'dx (Conv2DBackpropInput)').toBeLessThan(TOL);
    expect(dw, 'dW (Conv2DBackpropFilter)').toBeLessThan(TOL);
  });

  it.each([...cases, ...dcganG])('conv2dTranspose and grads: $name', async (c) => {
    const [y, dx, dw] = await compare('conv2dTranspose', c, mode);
    expect(y, 'forward (Conv2DBackpropInput)').toBeLessThan(TOL);
    expect(dx, 'dx (Conv2D)').toBeLessThan(TOL);
    expect(dw, 'dW (Conv2DBackpropFilter)').toBeLessThan(TOL);
  });
});

describe('wasm kernels hygiene', () => {
  it('leave no backend buffers behind', async () => {
    const c = cases[1]!;
    await runOn('wasm', convGrads(c)); // warm-up (kernel setup)
    const before = tf.engine().backend.numDataIds();
    await runOn('wasm', convGrads(c));
    await runOn('wasm', convTransposeGrads(c));
    expect(tf.engine().backend.numDataIds()).toBe(before);
  });

  it('leave the active backend as it was', () => {
    expect(tf.getBackend()).toBe('wasm');
  });
});
