// The model card names the data, the metrics and the credits: a small real project is built
// through the stores (no training), its card rendered, read as facts and as HTML, and printed.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { modelCard, TWEMOJI_ATTRIBUTION } from '../../../src-main/bundles/model-card';
import { defaultPolicy } from '../../../src-main/datasets/augment';
import { starterItems } from '../../../src-main/datasets/starter';
import { EMBEDDING_CREDITS } from '../../../src-main/evaluation/credits';
import type { NewAsset, Split } from '../../../src-main/store/assets';
import type { NewEvaluation } from '../../../src-main/store/evaluations';
import { Project } from '../../../src-main/store/project';
import { generationRow } from '../../fixtures/generation-row';

const root = mkdtempSync(join(tmpdir(), 'atelier-card-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const HOSTILE_TAG = '<script>alert(1)</script>';
const NOW = new Date('2025-03-04T10:20:00Z');

function fakeAsset(i: number, tags: string[], flags = 0): NewAsset {
  const hash = createHash('sha256').update(`image ${i}`).digest('hex');
  return {
    hash,
    ext: 'png',
    name: `tile ${i}`,
    width: 48,
    height: 48,
    bytes: 900,
    hasAlpha: false,
    thumb: `assets/${hash.slice(0, 2)}/${hash}.png`,
    tags,
    flags,
  };
}

/** A checkpoint folder as ml/checkpoint.ts writes it: only checkpoint.json's manifest is read. */
function writeCheckpoint(p: Project, dir: string, weights: { name: string; shape: number[] }[]): void {
  mkdirSync(p.path(dir), { recursive: true });
  writeFileSync(
    p.path(join(dir, 'checkpoint.json')),
    JSON.stringify({ format: 'atelier.train', version: 2, step: 0, weightsManifest: [{ paths: ['weights.bin'], weights }] }),
  );
}

function evaluation(runId: number, checkpointId: number, over: Partial<NewEvaluation> = {}): NewEvaluation {
  return {
    runId,
    checkpointId,
    split: 'val',
    auto: true,
    label: `run ${runId}`,
    samples: 64,
    reference: 4,
    kid: 0.0371,
    kidStderr: 0.0042,
    fid: 88.25,
    precision: 0.61,
    recall: 0.34,
    coverage: null,
    report: {
      collapse: { collapsed: false, reasons: [], diversity: 0.87, duplicateShare: 0.03, groups: [] },
      memorisation: { threshold: { feature: 2, pixel: 0.05 }, checked: 64, flagged: 2, pairs: [], features: true },
      preview: [],
    },
    seconds: 4,
    embedding: 'mobilenet_v2@nsfwjs-4.3.0/160/gap',
    ...over,
  };
}

/** 20 tagged tiles (2 excluded, 1 flagged tiny), split 14/4/2, one GAN run with losses, two checkpoints, val scores, reviews and a feedback round. */
function teamProject(): { p: Project; runId: number; first: number; last: number; roundRun: number; roundCheckpoint: number } {
  const p = Project.create(join(root, 'team'));
  p.imports.save(
    { cancelled: false, imported: 20, duplicates: 1, failed: [{ file: 'notes.txt', reason: 'not an image' }], seconds: 1.5 },
    '2025-03-01T09:00:00Z',
  );
  const tinyMask = 1; // bit 0 = 'tiny' (datasets/quality.ts)
  const ids = p.assets.insertMany(
    Array.from({ length: 20 }, (_, i) => fakeAsset(i, i % 4 === 0 ? ['cat', HOSTILE_TAG] : i % 2 ? ['cat'] : ['dog'], i === 19 ? tinyMask : 0)),
  );
  const splits = new Map<number, Split>(ids.map((id, i) => [id, i < 14 ? 'train' : i < 18 ? 'val' : 'test']));
  p.assets.setSplits(splits, 'split 70/20/10 (seed 3)');
  p.setMeta('split.settings', JSON.stringify({ train: 70, val: 20, test: 10, seed: 3 }));
  p.assets.setExcluded([ids[13]!, ids[19]!], true);

  const train = ids.slice(0, 13).map((assetId) => ({ assetId, role: 'train' as const, weight: 1, classes: [] }));
  const val = ids.slice(14, 18).map((assetId) => ({ assetId, role: 'val' as const, weight: 1, classes: [] }));
  const settings = {
    model: 'dcgan',
    size: 32,
    steps: 300,
    batchSize: 8,
    loss: 'hinge',
    ema: true,
    diffAugment: 'translation',
    balance: 'oversample',
    augment: true,
    augmentation: defaultPolicy,
    classes: [],
    images: train.length,
    valImages: val.length,
    config: { family: 'dcgan', size: 32, latentDim: 64, width: 16, lrG: 0.0002, lrD: 0.0002, classes: 0 },
  };
  const runId = p.runs.create({
    name: 'Tiles, first try',
    model: 'dcgan',
    size: 32,
    preset: 'small',
    steps: 300,
    batchSize: 8,
    seed: 1,
    settings,
    assets: [...train, ...val],
  });
  for (let step = 1; step <= 300; step++)
    p.runs.recordProgress(runId, { step, lossD: 1.2 + Math.sin(step / 9) * 0.2, lossG: 0.9 + Math.cos(step / 7) * 0.3, imgPerSec: 40 });
  p.runs.setStatus(runId, 'done');
  const weights = [
    { name: 'generator/fc.w', shape: [64, 1024] },
    { name: 'generator/out.b', shape: [3] },
    { name: 'discriminator/conv1.w', shape: [4, 4, 3, 16] },
    { name: 'ema/fc.w', shape: [64, 1024] },
    { name: 'optimizer.generator/m.fc.w', shape: [64, 1024] },
  ];
  const first = p.runs.addCheckpoint(runId, 150, 'checkpoints/run-1/step-150');
  const last = p.runs.addCheckpoint(runId, 300, 'checkpoints/run-1/step-300');
  writeCheckpoint(p, 'checkpoints/run-1/step-150', weights);
  writeCheckpoint(p, 'checkpoints/run-1/step-300', weights);
  p.evaluations.add(evaluation(runId, first, { kid: 0.0512, kidStderr: 0.006 }));
  p.evaluations.add(evaluation(runId, last));

  const drawn = p.generations.addBatch(
    Array.from({ length: 3 }, (_, i) =>
      generationRow({
        checkpointId: last,
        seed: 5,
        index: i,
        file: `samples/g/${i}.png`,
        prompt: 'cat',
        latent: new Float32Array(64),
        backend: 'cpu',
        tags: [{ tag: 'cat', weight: 1 }],
      }),
    ),
  ).ids;
  p.reviews.set('Ana Lima', drawn, { stars: 5 });
  p.reviews.set('Bo', [drawn[0]!], { stars: 1, reject: 'boring' });

  const roundRun = p.runs.create({
    name: 'Feedback round 1',
    model: 'dcgan',
    size: 32,
    preset: 'small',
    steps: 50,
    batchSize: 8,
    seed: 2,
    settings,
    parentCheckpointId: last,
    assets: train,
    status: 'done',
  });
  const roundCheckpoint = p.runs.addCheckpoint(roundRun, 50, 'checkpoints/run-2/step-50');
  writeCheckpoint(p, 'checkpoints/run-2/step-50', weights);
  p.reviews.addRound({ runId: roundRun, fromCheckpointId: last, preferenceModelId: null, method: { negativeShare: 0.25 } }, [
    { generationId: drawn[1]!, role: 'liked', score: 5, weight: 1, reviewers: ['Ana Lima'] },
    { generationId: drawn[0]!, role: 'disliked', score: 3, weight: 1, reviewers: ['Ana Lima', 'Bo'] },
  ]);
  p.reviews.setComparison(roundRun, { before: null, after: null, reason: 'The predicted rating rose by 0.40 stars.' }, 'better');
  return { p, runId, first, last, roundRun, roundCheckpoint };
}

const team = teamProject();

describe('modelCard', () => {
  it('names the data: sources, counts, tags, curation and the split', () => {
    const { facts, html } = modelCard(team.p, { checkpointId: team.last }, { now: NOW, version: '9.9.9' });
    expect(facts.data).toMatchObject({ images: 20, included: 18, excluded: 2, starterImages: 0 });
    expect(facts.data.imports).toEqual([
      expect.objectContaining({ imported: 20, duplicates: 1, failed: 1, failures: [{ file: 'notes.txt', reason: 'not an image' }] }),
    ]);
    expect(facts.data.tags.top[0]).toEqual({ name: 'cat', count: 15 });
    expect(facts.data.exclusions).toEqual({ total: 2, withQualityFlags: 1, byHand: 1 });
    expect(facts.data.split).toMatchObject({ train: 13, val: 4, test: 1, none: 0 });
    expect(facts.data.trainedOn).toEqual({ train: 13, val: 4, classes: [] });
    expect(html).toContain('notes.txt: not an image');
    expect(html).toMatch(/<td>cat<\/td><td class="num">15<\/td>/);
    expect(html).toMatch(/<tr><td>Train<\/td><td class="num">13<\/td><\/tr>/);
    expect(html).toContain('13 training images and 4 validation images');
    expect(html).toContain('Atelier 9.9.9');
  });

  it('names the model: family, parameters from the manifest, every setting', () => {
    const { facts, html } = modelCard(team.p, { checkpointId: team.last }, { now: NOW });
    expect(facts.model.networks).toEqual([
      { name: 'generator', values: 64 * 1024 + 3 },
      { name: 'discriminator', values: 4 * 4 * 3 * 16 },
    ]);
    expect(facts.model).toMatchObject({ latentDim: 64, width: 16, classes: 0, totalValues: 64 * 1024 + 3 + 768 });
    expect(facts.hyperparameters).toContainEqual({ name: 'batchSize', value: '8' });
    expect(facts.curves.losses).toHaveLength(300);
    expect(html).toContain((64 * 1024 + 3).toLocaleString('en'));
    expect(html.match(/<svg class="chart"/g)).toHaveLength(2); // losses, and val KID over steps
  });

  it('names the metrics with their caveats, and says which checkpoint a run card is about', () => {
    const { facts, html } = modelCard(team.p, { checkpointId: team.last }, { now: NOW });
    expect(facts.evaluations).toEqual([expect.objectContaining({ kid: 0.0371, kidStderr: 0.0042, split: 'val' })]);
    expect(html).toContain('0.0371 ± 0.0042');
    expect(html).toContain('88.25');
    expect(html).toMatch(/never with published/);
    expect(html).toContain('2 of 64');
    expect(html).toContain(EMBEDDING_CREDITS[0]!.what.replaceAll("'", '&#39;'));
    expect(facts.curves.kid.map((k) => k.step)).toEqual([150, 300]);

    expect(modelCard(team.p, { runId: team.runId }).facts).toMatchObject({ choice: 'best-val-kid', checkpoint: { id: team.last } });
    team.p.evaluations.publish(team.first);
    try {
      const published = modelCard(team.p, { runId: team.runId });
      expect(published.facts).toMatchObject({ choice: 'published', checkpoint: { id: team.first, published: true } });
      expect(published.html).toContain('0.0512 ± 0.0060');
    } finally {
      team.p.evaluations.publish(null);
    }
  });

  it('says plainly when a checkpoint was never evaluated, and names the reviewers and the round', () => {
    const { facts, html } = modelCard(team.p, { runId: team.roundRun }, { now: NOW });
    expect(facts).toMatchObject({ choice: 'latest', checkpoint: { id: team.roundCheckpoint }, evaluations: [] });
    expect(html).toContain(`Checkpoint ${team.roundCheckpoint} was never evaluated`);
    expect(facts.run.ancestors).toEqual([{ runId: team.runId, runName: 'Tiles, first try', checkpointId: team.last, step: 300 }]);
    expect(facts.feedback.reviewers).toEqual([
      { reviewer: 'Ana Lima', reviews: 3 },
      { reviewer: 'Bo', reviews: 1 },
    ]);
    expect(facts.feedback.rounds).toEqual([
      expect.objectContaining({ shapedThisModel: true, verdict: 'better', liked: 1, disliked: 1, reviewers: ['Ana Lima', 'Bo'] }),
    ]);
    expect(html).toMatch(/<td>Ana Lima<\/td><td class="num">3<\/td>/);
    expect(html).toContain('The predicted rating rose by 0.40 stars.');
    expect(html).toContain('No preference model has been fitted');
  });

  it('escapes what came from the project', () => {
    const { html } = modelCard(team.p, { checkpointId: team.last });
    expect(html).not.toContain(HOSTILE_TAG);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/<script/i);
  });

  it('credits Twemoji word for word when the project holds starter images, and only then', () => {
    expect(modelCard(team.p, { checkpointId: team.last }).html).not.toContain('Twemoji by Twitter');
    const starter = Project.create(join(root, 'starter'));
    try {
      const item = starterItems()[0]!;
      const hash = createHash('sha256').update(readFileSync(item.path)).digest('hex');
      const [id] = starter.assets.insertMany([{ ...fakeAsset(0, item.tags ?? []), hash, width: 64, height: 64, name: item.name ?? 'emoji' }]);
      const runId = starter.runs.create({
        name: 'Emoji',
        model: 'dcgan',
        size: 32,
        preset: 'small',
        steps: 10,
        batchSize: 8,
        seed: 1,
        settings: {},
        assets: [{ assetId: id!, role: 'train', weight: 1, classes: [] }],
        status: 'done',
      });
      const { facts, html } = modelCard(starter, { runId });
      expect(facts.data.starterImages).toBe(1);
      expect(facts.starterAttribution).toBe(TWEMOJI_ATTRIBUTION);
      expect(html).toContain(
        'Emoji artwork: Twemoji by Twitter, Inc and other contributors, licensed CC-BY 4.0 (https://creativecommons.org/licenses/by/4.0/), via the npm package emoji-datasource-twitter (MIT).',
      );
      expect(html).toContain('TensorFlow.js');
      expect(facts).toMatchObject({ choice: 'none', checkpoint: null });
    } finally {
      starter.close();
    }
  });

  it('prints to a PDF of several pages in Chromium, with no request leaving the page', async () => {
    const { html } = modelCard(team.p, { checkpointId: team.last }, { now: NOW, version: '0.1.0' });
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.setContent(html);
      const pdf = await page.pdf({ format: 'A4' });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      const pages = pdf.toString('latin1').match(/\/Type\s*\/Page\b/g)?.length ?? 0;
      expect(pages).toBeGreaterThan(1);
      expect(pages).toBeLessThan(12);
      expect(requests).toEqual([]);
      mkdirSync('test-results', { recursive: true });
      await page.screenshot({ path: 'test-results/model-card.png', fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
