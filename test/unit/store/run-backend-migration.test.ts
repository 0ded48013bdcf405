// Migration 012: runs gain the backend their job trained on and its sentence; runs made before it
// have none (null), and the store keeps the latest start's (a resume may run elsewhere).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion } from '../../../src-main/store/db';
import { RunStore } from '../../../src-main/store/runs';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('migration 012', () => {
  it('leaves earlier runs without a backend; a start records it, a later start replaces it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atelier-mig012-'));
    dirs.push(dir);
    const file = join(dir, 'atelier.db');
    const v11 = openDatabase(file, { upTo: 11 });
    v11
      .prepare(
        "INSERT INTO runs (id, name, model, size, preset, steps, batch_size, seed, status, config) VALUES (1, 'old', 'dcgan', 32, 'small', 10, 8, 1, 'done', '{}')",
      )
      .run();
    v11.close();
    const db = openDatabase(file, { upTo: 12 });
    expect(schemaVersion(db)).toBe(12);
    const runs = new RunStore(db);
    expect(runs.get(1)).toMatchObject({ name: 'old', backend: null });
    runs.setBackend(1, { name: 'webgpu', message: 'Training on the GPU with WebGPU: NVIDIA ampere (RTX 3060).' });
    expect(runs.get(1)!.backend).toEqual({ name: 'webgpu', message: 'Training on the GPU with WebGPU: NVIDIA ampere (RTX 3060).' });
    runs.setBackend(1, { name: 'wasm', message: 'Training on the CPU with WebAssembly (SIMD) on 2 cores.' });
    expect(runs.list()[0]!.backend).toEqual({ name: 'wasm', message: 'Training on the CPU with WebAssembly (SIMD) on 2 cores.' });
    db.close();
  });
});
