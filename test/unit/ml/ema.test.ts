// Exponential moving average of network weights.
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src-main/ml/backend.js';
import { Ema } from '../../../src-main/ml/ema.js';
import { buildGenerator } from '../../../src-main/ml/models/dcgan.js';

beforeAll(async () => {
  await initBackend({ only: 'wasm' });
});

function params(values: Record<string, number[]>): Map<string, tf.Variable> {
  return new Map(Object.entries(values).map(([k, v]) => [k, tf.tidy(() => tf.variable(tf.tensor1d(v)))]));
}

const arr = (e: Ema, name: string) => Array.from(e.snapshot().find((a) => a.name === name)!.data);
const setAll = (p: Map<string, tf.Variable>, value: number) => {
  for (const v of p.values()) tf.tidy(() => v.assign(tf.fill(v.shape, value)));
};

describe('Ema', () => {
  it('starts at the parameters and converges to constant parameters', () => {
    const p = params({ a: [1, 2, 3], b: [-4] });
    const ema = new Ema(p, 0.95);
    expect(arr(ema, 'a')).toEqual([1, 2, 3]);
    setAll(p, 5);
    for (let i = 0; i < 500; i++) ema.update();
    for (const v of [...arr(ema, 'a'), ...arr(ema, 'b')]) expect(v).toBeCloseTo(5, 4);
    expect(ema.updates).toBe(500);
    ema.dispose();
    tf.dispose([...p.values()]);
  });

  it('follows d·ema + (1 − d)·param with the warm-up decay, or the plain decay without it', () => {
    const p = params({ w: [0] });
    const warm = new Ema(p, 0.999);
    const plain = new Ema(p, 0.9, { warmup: false });
    tf.tidy(() => p.get('w')!.assign(tf.tensor1d([1])));
    let expectWarm = 0;
    let expectPlain = 0;
    for (let t = 0; t < 5; t++) {
      const d = Math.min(0.999, (1 + t) / (10 + t));
      expect(warm.currentDecay()).toBeCloseTo(d, 10);
      expectWarm = d * expectWarm + (1 - d);
      expectPlain = 0.9 * expectPlain + 0.1;
      warm.update();
      plain.update();
      expect(arr(warm, 'w')[0]).toBeCloseTo(expectWarm, 6);
      expect(arr(plain, 'w')[0]).toBeCloseTo(expectPlain, 6);
    }
    expect(warm.warmupUpdates()).toBe(8990);
    expect(plain.warmupUpdates()).toBe(0);
    warm.dispose();
    plain.dispose();
    tf.dispose([...p.values()]);
  });

  it('updates, snapshots and loads without leaking tensors; its variables are not trainable', () => {
    const g = buildGenerator({ latentDim: 8, size: 32, width: 4 }, 3);
    const before = tf.memory().numTensors;
    const ema = new Ema(g.params, 0.999);
    const withEma = tf.memory().numTensors;
    expect(withEma - before).toBe(g.params.size); // one variable per parameter, nothing else
    for (let i = 0; i < 5; i++) ema.update();
    const snap = ema.snapshot();
    ema.load(snap);
    ema.setState(ema.getState());
    expect(tf.memory().numTensors).toBe(withEma);
    // A snapshot loads straight into a copy of the network together with its statistics.
    const copy = buildGenerator(g.spec, 0);
    copy.load([...snap, ...g.snapshot().filter((a) => g.stats.has(a.name))]);
    copy.dispose();
    // tf.variableGrads() with no list takes every trainable variable: the EMA's must not be among them.
    const trainable = Object.values(tf.engine().registeredVariables).filter((v) => v.trainable);
    expect(trainable.length).toBe(g.params.size);
    ema.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => ema.update()).toThrow(/disposed/);
    g.dispose();
  });

  it('snapshot / getState / load round trip, including the update count', () => {
    const p = params({ a: [1, 2], b: [3] });
    const ema = new Ema(p, 0.9);
    setAll(p, 0);
    for (let i = 0; i < 3; i++) ema.update();
    const state = ema.getState();
    expect(state[0]).toEqual({ name: 't', shape: [], data: Float32Array.of(3) });
    expect(ema.snapshot().map((a) => a.name)).toEqual(['a', 'b']);

    const other = new Ema(p, 0.9);
    other.load(state);
    expect(other.updates).toBe(3);
    expect(other.snapshot()).toEqual(ema.snapshot());
    other.update();
    ema.update();
    expect(other.snapshot()).toEqual(ema.snapshot()); // resumes exactly

    // Without a step count the average is taken as established: no warm-up.
    const third = new Ema(p, 0.9);
    third.load(ema.snapshot());
    expect(third.updates).toBe(third.warmupUpdates());
    expect(third.currentDecay()).toBeCloseTo(0.9, 10);

    expect(() => other.load([{ name: 'a', shape: [2], data: Float32Array.of(0, 0) }])).toThrow(/missing \[b\]/);
    expect(() => other.load([...ema.snapshot(), { name: 'c', shape: [1], data: Float32Array.of(0) }])).toThrow(/unexpected \[c\]/);
    expect(() =>
      other.load([
        { name: 'a', shape: [1, 2], data: Float32Array.of(0, 0) },
        { name: 'b', shape: [1], data: Float32Array.of(0) },
      ]),
    ).toThrow(/shape/);
    expect(() => new Ema(p, 1)).toThrow(/decay/);
    for (const e of [ema, other, third]) e.dispose();
    tf.dispose([...p.values()]);
  });
});
