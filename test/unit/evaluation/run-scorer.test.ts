// A run scores its checkpoints within its time budget: nothing before 10% of the training time
// pays for the minimum, a checkpoint that used the allowance leaves nothing for the next one
// until training time accrues again, and a scored checkpoint reports its evaluation.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { trainingPixels } from '../../../src-main/datasets/training-set';
import { tf } from '../../../src-main/ml/backend';
import { embedImages, decodeImage, type FeatureCache } from '../../../src-main/evaluation/features';
import type { EvaluationMessage } from '../../../src-main/evaluation/protocol';
import { BUDGET, MAX_SAMPLES, MIN_SAMPLES, RunScorer } from '../../../src-main/evaluation/run-scorer';

const emojiDir = join(dirname(createRequire(import.meta.url).resolve('emoji-datasource-twitter/package.json')), 'img', 'twitter', '64');
const files = readdirSync(emojiDir)
  .filter((f) => f.endsWith('.png'))
  .sort()
  .filter((_, i) => i % 61 === 0)
  .slice(0, 40);
const sources = files.map((f) => ({ path: join(emojiDir, f), hash: f, classes: [] as number[] }));
const train = sources.slice(0, 30);
const val = sources.slice(30);
const view = { size: 32, background: '#ffffff' };
const project = mkdtempSync(join(tmpdir(), 'atelier-scorer-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('RunScorer', () => {
  it('spends at most its share of training time, and reports what it scored', async () => {
    // The val split's features are cached (the studio embeds them ahead of runs).
    const valFeatures = await embedImages(await Promise.all(val.map((s) => decodeImage(s.path, view))));
    const cached = new Map(val.map((s, i) => [s.hash, valFeatures.data.slice(i * 1280, (i + 1) * 1280)]));
    const cache: FeatureCache = { get: (hashes) => new Map(hashes.filter((h) => cached.has(h)).map((h) => [h, cached.get(h)!])), put: () => {} };
    const pixels = await trainingPixels(train, { ...view, cacheDir: join(project, 'cache') });
    let now = 0;
    const posted: EvaluationMessage[] = [];
    const scorer = new RunScorer({
      projectDir: project,
      runId: 7,
      seed: 1,
      view,
      cache,
      train: { sources: train, pixels: { count: pixels.count, size: 32, pixels: pixels.pixels } },
      val,
      post: (m) => posted.push(m),
      now: () => now,
    });
    now = 10; // 10 s of training pay for 1 s of scoring: not the minimum
    expect(scorer.samplesAffordable()).toBe(0);
    now = 100;
    const n = scorer.samplesAffordable();
    expect(n).toBeGreaterThanOrEqual(MIN_SAMPLES);
    expect(n).toBeLessThanOrEqual(MAX_SAMPLES);
    // A checkpoint whose scoring takes 9.5 s (the clock moves while it draws) uses the allowance up.
    let calls = 0;
    const draw = (z: tf.Tensor2D) => {
      if (calls++ === 0) now += 9.5;
      return tf.randomUniform([z.shape[0], 32, 32, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
    };
    expect(await scorer.afterCheckpoint(100, { latentDim: 8, classes: 0, size: 32 }, draw)).toBe(n);
    const result = posted.find((m) => m.type === 'evaluated');
    expect(result).toMatchObject({ type: 'evaluated', step: 100, auto: true, result: { samples: n, reference: val.length } });
    expect(scorer.samplesAffordable()).toBe(0);
    expect(await scorer.afterCheckpoint(110, { latentDim: 8, classes: 0, size: 32 }, draw)).toBe(0); // skipped: nothing drawn
    expect(now).toBe(109.5);
    expect(calls).toBe(Math.ceil(n / 64));
    // Training time accrues again: the budget is 10% of all of it, minus what scoring took.
    now = 400;
    const later = scorer.samplesAffordable();
    expect(later).toBeGreaterThan(0);
    expect(BUDGET * (400 - 9.5) - 9.5).toBeGreaterThan(2 + later / 200); // within the allowance even at a generous 200 images/s
  }, 120_000);
});
