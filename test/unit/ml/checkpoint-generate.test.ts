// Checkpoints round-trip exactly and load on another backend; generation is seeded and varied.
import { mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src-main/ml/backend.js';
import { CheckpointError, loadCheckpoint, saveCheckpoint } from '../../../src-main/ml/checkpoint.js';
import { generate } from '../../../src-main/ml/generator.js';
import { defaultTrainConfig, train, type TrainState } from '../../../src-main/ml/train.js';
import { Rng } from '../../../src-main/ml/random.js';

const cfg = defaultTrainConfig({ batchSize: 8, steps: 3, width: 8, latentDim: 16, seed: 11 });
let dir: string;
let state: TrainState;

beforeAll(async () => {
  await initBackend({ only: 'wasm' });
  dir = mkdtempSync(path.join(tmpdir(), 'atelier-ml-'));
  const rng = new Rng(2);
  const pixels = Uint8Array.from({ length: 16 * 32 * 32 * 3 }, () => rng.int(256));
  state = (await train({ pixels, count: 16, size: 32 }, cfg)).state;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const same = (a: Uint8Array[], b: Uint8Array[]) => a.length === b.length && a.every((x, i) => Buffer.compare(x, b[i]!) === 0);

describe('checkpoint', () => {
  it('round-trips the state exactly, in the tfjs weights format', async () => {
    const target = path.join(dir, 'step-3');
    const { bytes } = await saveCheckpoint(target, state);
    expect(bytes).toBeGreaterThan(0);
    expect(readdirSync(target).sort()).toEqual(['checkpoint.json', 'weights.bin']);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const loaded = await loadCheckpoint(target);
    expect(loaded).toEqual(state);
  });

  it('gives bit-identical generated images after a round trip', async () => {
    const target = path.join(dir, 'roundtrip');
    await saveCheckpoint(target, state);
    const a = await generate(state, { count: 6, seed: 42 });
    const b = await generate(target, { count: 6, seed: 42 });
    expect(same(a.images, b.images)).toBe(true);
  });

  it('replaces an existing checkpoint folder', async () => {
    const target = path.join(dir, 'latest');
    await saveCheckpoint(target, { ...state, step: 1 });
    await saveCheckpoint(target, state);
    expect((await loadCheckpoint(target)).step).toBe(3);
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('recovers a replacement interrupted between its renames', async () => {
    const target = path.join(dir, 'interrupted');
    await saveCheckpoint(target, state);
    // The state a crash right after "move the old checkpoint aside" leaves behind.
    renameSync(target, path.join(dir, '.interrupted.tmp-abc123.old'));
    expect((await loadCheckpoint(target)).step).toBe(3);
    expect(readdirSync(dir).filter((f) => f.startsWith('.interrupted'))).toEqual([]);
  });

  it('loads on another backend (cpu) and generates the same images up to rounding', async () => {
    const target = path.join(dir, 'cross');
    await saveCheckpoint(target, state);
    const onWasm = await generate(target, { count: 2, seed: 5 });
    await tf.setBackend('cpu');
    try {
      const onCpu = await generate(target, { count: 2, seed: 5 });
      for (let i = 0; i < 2; i++) {
        const diffs = onWasm.images[i]!.map((v, j) => Math.abs(v - onCpu.images[i]![j]!));
        expect(Math.max(...diffs)).toBeLessThanOrEqual(1);
      }
    } finally {
      await tf.setBackend('wasm');
    }
  });

  it('reports a folder that is not a checkpoint, and a damaged one', async () => {
    await expect(loadCheckpoint(path.join(dir, 'nothing-here'))).rejects.toBeInstanceOf(CheckpointError);
    const target = path.join(dir, 'damaged');
    await saveCheckpoint(target, state);
    const { truncateSync } = await import('node:fs');
    truncateSync(path.join(target, 'weights.bin'), 100);
    await expect(loadCheckpoint(target)).rejects.toThrow(/damaged/);
  });
});

describe('generate', () => {
  it('gives `count` distinct RGB images of size·size·3 bytes', async () => {
    const { size, images } = await generate(state, { count: 5, seed: 1 });
    expect(size).toBe(32);
    expect(images).toHaveLength(5);
    for (const img of images) expect(img.length).toBe(32 * 32 * 3);
    const distinct = new Set(images.map((i) => Buffer.from(i).toString('base64')));
    expect(distinct.size).toBe(5);
  });

  it('is deterministic for a seed, independent of batching, and differs across seeds', async () => {
    const a = await generate(state, { count: 4, seed: 9 });
    const b = await generate(state, { count: 4, seed: 9, batchSize: 4 });
    const c = await generate(state, { count: 4, seed: 10 });
    expect(same(a.images, b.images)).toBe(true);
    expect(a.images.some((img, i) => Buffer.compare(img, c.images[i]!) !== 0)).toBe(true);
    const first = await generate(state, { count: 1, seed: 9 });
    expect(Buffer.compare(first.images[0]!, a.images[0]!)).toBe(0);
  });

  it('supports truncation and validates its options', async () => {
    const t = await generate(state, { count: 2, seed: 9, truncation: 0.5 });
    expect(t.images).toHaveLength(2);
    await expect(generate(state, { count: -1, seed: 1 })).rejects.toThrow(RangeError);
    await expect(generate(state, { count: 1, seed: 1, truncation: 0 })).rejects.toThrow(/truncation/);
  });

  it('leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    await generate(state, { count: 3, seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
  });
});
