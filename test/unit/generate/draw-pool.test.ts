// Drawing a batch on two threads gives the same bytes as on one: each image depends only on its
// own latent and condition vector, and every thread runs the same WebAssembly build.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src-main/ml/backend.js';
import { saveCheckpoint } from '../../../src-main/ml/checkpoint.js';
import { DrawPool } from '../../../src-main/generate/draw-pool.js';
import { latentFor } from '../../../src-main/ml/generator.js';
import { createSession, defaultTrainConfig } from '../../../src-main/ml/train.js';

let dir: string;
beforeAll(async () => {
  await initBackend({ only: 'wasm' });
  dir = mkdtempSync(join(tmpdir(), 'atelier-pool-'));
  const session = createSession(defaultTrainConfig({ family: 'cgan', classes: 3, width: 8, latentDim: 16, seed: 3, gUpsample: 'resize' }));
  await saveCheckpoint(join(dir, 'ck'), await session.state());
  session.dispose();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('DrawPool', () => {
  it('draws 13 images on two threads to the same bytes as on one, in order', async () => {
    const n = 13;
    const z = new Float32Array(n * 16);
    for (let i = 0; i < n; i++) z.set(latentFor(9, i, 16), i * 16);
    const cond = Float32Array.from({ length: n * 3 }, (_, k) => (k % 3 === Math.floor(k / 3) % 3 ? 1 : 0));
    const one = await new DrawPool(1).draw(join(dir, 'ck'), n, z, cond);
    const pool = new DrawPool(2);
    // Before the second thread holds the checkpoint, this thread draws alone (nobody waits for a thread starting up).
    const early = await pool.draw(join(dir, 'ck'), n, z, cond);
    expect(early.threads).toBe(1);
    expect(Buffer.compare(Buffer.from(early.pixels), Buffer.from(one.pixels))).toBe(0);
    await pool.warm(join(dir, 'ck'));
    const two = await pool.draw(join(dir, 'ck'), n, z, cond);
    expect(one.pixels.length).toBe(n * 32 * 32 * 3);
    expect(two.threads).toBe(2);
    expect(Buffer.compare(Buffer.from(two.pixels), Buffer.from(one.pixels))).toBe(0);
    // And each image is its own: the first alone gives the first image's bytes.
    const first = await pool.draw(join(dir, 'ck'), 1, z.slice(0, 16), cond.slice(0, 3));
    expect(Buffer.compare(Buffer.from(first.pixels), Buffer.from(one.pixels.subarray(0, 32 * 32 * 3)))).toBe(0);
  });

  it('names a missing checkpoint', async () => {
    await expect(new DrawPool(2).draw(join(dir, 'nowhere'), 8, new Float32Array(8 * 16), null)).rejects.toThrow(/nowhere/);
  });
});
