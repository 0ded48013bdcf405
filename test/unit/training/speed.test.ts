// This workstation's speed: kept per backend and model shape, turned into steps for a budget and
// minutes for steps; a run's projected total follows its own rate.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectedTotal } from '../../../src-main/training/run-job';
import { minutesForSteps, readSpeed, recordSpeed, stepsForMinutes, type SpeedKey } from '../../../src-main/training/speed';

const key: SpeedKey = { backend: 'wasm', workers: 2, model: 'cgan', size: 32, preset: 'small', batchSize: 32 };

describe('training speed', () => {
  it('is recorded per backend and shape, and a damaged file reads as nothing known', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'atelier-speed-')), 'training-speed.json');
    expect(readSpeed(key, file)).toBeNull();
    await recordSpeed(key, { imgPerSec: 180, source: 'timing' }, file);
    expect(readSpeed(key, file)).toMatchObject({ imgPerSec: 180, source: 'timing' });
    expect(readSpeed({ ...key, workers: 1 }, file)).toBeNull();
    expect(readSpeed({ ...key, backend: 'cpu' }, file)).toBeNull();
    await recordSpeed(key, { imgPerSec: 160, overhead: 0.2, source: 'run' }, file);
    expect(readSpeed(key, file)).toMatchObject({ imgPerSec: 160, overhead: 0.2, source: 'run' });
    writeFileSync(file, '{ not json');
    expect(readSpeed(key, file)).toBeNull();
  });

  it('turns minutes into steps and back, counting the time between steps', () => {
    const s = { imgPerSec: 200, overhead: 0.2, source: 'run' as const, measuredAt: '' };
    // 12 min × 60 s × 200 img/s × 0.8 / 32 per step = 3,600 steps.
    expect(stepsForMinutes(s, 12, 32)).toBe(3600);
    expect(minutesForSteps(s, 3600, 32)).toBeCloseTo(12, 6);
    // Without a run's own overhead, the default share (12%) is assumed.
    expect(stepsForMinutes({ ...s, overhead: undefined }, 12, 32)).toBe(Math.round((12 * 60 * 200 * 0.88) / 32));
  });

  it('projects a budgeted run’s total from its own pace, within its ceiling', () => {
    expect(projectedTotal({ step: 100, totalSteps: 4000, trainedMs: 10_000 }, undefined)).toBe(4000);
    // 100 ms a step, 50 s left of a minute: 500 more.
    expect(projectedTotal({ step: 100, totalSteps: 4000, trainedMs: 10_000 }, 60_000)).toBe(600);
    expect(projectedTotal({ step: 100, totalSteps: 400, trainedMs: 10_000 }, 60_000)).toBe(400);
    expect(projectedTotal({ step: 700, totalSteps: 4000, trainedMs: 70_000 }, 60_000)).toBe(700);
  });
});
