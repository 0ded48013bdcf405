// A time-budgeted run: it stops after the step that reaches its budget, with that step's samples
// and checkpoint like a run that reached its steps, and a resume counts the time already spent.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src-main/ml/backend.js';
import { loadCheckpoint, saveCheckpoint } from '../../../src-main/ml/checkpoint.js';
import { Rng } from '../../../src-main/ml/random.js';
import { defaultTrainConfig, train, type Dataset, type TrainState } from '../../../src-main/ml/train.js';

let dir: string;
beforeAll(async () => {
  await initBackend({ only: 'wasm' });
  dir = mkdtempSync(path.join(tmpdir(), 'atelier-budget-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rng = new Rng(3);
const data: Dataset = { pixels: Uint8Array.from({ length: 16 * 32 * 32 * 3 }, () => rng.int(256)), count: 16, size: 32 };
const cfg = defaultTrainConfig({ batchSize: 4, steps: 1_000, width: 8, latentDim: 16, seed: 5 });

describe('a time budget', () => {
  it('ends the run at its budget with the last samples and checkpoint, and a resume counts the time spent', async () => {
    const samples: number[] = [];
    const checkpoints: TrainState[] = [];
    const result = await train(data, cfg, {
      budgetMs: 600,
      sampleEvery: 1_000,
      checkpointEvery: 1_000,
      onSample: (s) => void samples.push(s.step),
      onCheckpoint: (state) => void checkpoints.push(state),
    });
    const step = result.state.step;
    expect(result.budgetReached).toBe(true);
    expect(result.stopped).toBe(false);
    expect(step).toBeGreaterThan(0);
    expect(step).toBeLessThan(cfg.steps);
    // The step that reached the budget drew its grid and saved its checkpoint, as a run's last step does.
    expect(samples).toEqual([step]);
    expect(checkpoints.map((c) => c.step)).toEqual([step]);
    expect(checkpoints[0]!.trainedMs).toBeGreaterThanOrEqual(600);

    // The time spent survives the checkpoint; a resume with 600 ms more trains about as long again.
    const folder = path.join(dir, 'ck');
    await saveCheckpoint(folder, checkpoints[0]!);
    const resumed = await loadCheckpoint(folder);
    expect(resumed.trainedMs).toBeCloseTo(checkpoints[0]!.trainedMs!, -1);
    const spent = resumed.trainedMs!;
    const again = await train(data, cfg, { resume: resumed, budgetMs: spent + 600 });
    expect(again.budgetReached).toBe(true);
    expect(again.state.step).toBeGreaterThan(step);
    expect(again.state.trainedMs!).toBeGreaterThanOrEqual(spent + 600);
    // Already past its budget: one step, then done.
    const over = await train(data, cfg, { resume: again.state, budgetMs: 1 });
    expect(over.state.step).toBe(again.state.step + 1);
  });
});
