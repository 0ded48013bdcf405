// Evaluate, through the engine and real job processes, on real Twemoji: a checkpoint is scored
// against the val split with evidence on disk; the test split is scored once and a second test
// says so; publishing makes a checkpoint Generate's default; a folder made elsewhere is scored
// with the same yardstick — planted copies of training images are flagged, noise scores worse
// than held-back originals, and a file that is not an image is skipped by name; the CLI prints
// every metric as its last line.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationT, JobFinishedT, OpOutput } from '../../src-preload/contract';
import { importFiles } from '../../src-main/datasets/import';
import { forkLauncher } from '../../src-main/host/jobs';
import { createStudio, type Studio } from '../../src-main/host/studio';
import { runEnds } from '../fixtures/tiles-studio';
import { atelier } from './cli-helpers';
import { routerCalls } from './router-calls';

const JOB_PROCESS = fileURLToPath(new URL('../../src-main/host/job-process.ts', import.meta.url));
const require = createRequire(import.meta.url);
const EMOJI = join(dirname(require.resolve('emoji-datasource-twitter/package.json')), 'img', 'twitter', '64');
const entries = (require('emoji-datasource-twitter/emoji.json') as { image: string; has_img_twitter: boolean; category: string }[]).filter(
  (e) => e.has_img_twitter && ['Smileys & Emotion', 'Animals & Nature', 'Food & Drink'].includes(e.category),
);

let root: string;
let dir: string;
let studio: Studio;
let checkpoints: number[];

const { call } = routerCalls(() => studio);

async function finished(jobId: string): Promise<JobFinishedT> {
  return studio.waitForJob(jobId);
}

async function evaluation(id: number): Promise<EvaluationT> {
  const { evaluations } = await call<OpOutput<'evaluations:list'>>('evaluations:list', {});
  return evaluations.find((e) => e.id === id)!;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'atelier-eval-'));
  dir = join(root, 'p');
  studio = createStudio({ launchJob: forkLauncher(JOB_PROCESS), log: () => {} });
  const { project } = await studio.createProject(dir);
  const files = entries.slice(0, 160).map((e) => ({ path: join(EMOJI, e.image), name: e.image, tags: [e.category] }));
  expect((await importFiles(project, files)).imported).toBe(160);
  await call('splits:assign', { train: 70, val: 15, test: 15, seed: 2 });
  const { runId } = await call<{ runId: number }>('runs:start', {
    model: 'cgan',
    size: 32,
    preset: 'small',
    steps: 20,
    batchSize: 16,
    workers: 1,
    checkpointEvery: 10,
    sampleEvery: 10,
  });
  const run = await runEnds(studio, runId);
  expect(run.status).toBe('done');
  checkpoints = project.runs.checkpoints(runId).map((c) => c.id);
  expect(checkpoints).toHaveLength(2);
}, 240_000);

afterAll(() => {
  studio?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('evaluating a checkpoint', () => {
  let scored: EvaluationT;

  it('scores a checkpoint against the val split, with its evidence on disk and a run:changed', async () => {
    const changes: string[] = [];
    const stop = studio.router.subscribe((event, payload) => {
      if (event === 'run:changed') changes.push((payload as { reason: string }).reason);
    });
    const started = await call<OpOutput<'evaluations:start'>>('evaluations:start', { checkpointId: checkpoints[1], split: 'val', samples: 64 });
    expect(started.alreadyTested).toBeNull();
    const done = await finished(started.jobId!);
    stop();
    expect(done).toMatchObject({ kind: 'evaluate', status: 'done' });
    scored = await evaluation(done.evaluationId!);
    expect(changes).toContain('evaluation');
    expect(scored).toMatchObject({ split: 'val', auto: false, samples: 64, checkpointId: checkpoints[1], step: 20 });
    expect(scored.reference).toBeGreaterThanOrEqual(20);
    for (const v of [scored.kid, scored.kidStderr, scored.fid, scored.precision, scored.recall, scored.collapse.diversity])
      expect(Number.isFinite(v)).toBe(true);
    // 20 steps of training draw blobs: far from the real images.
    expect(scored.kid).toBeGreaterThan(0.05);
    expect(scored.coverage).not.toBeNull();
    expect(scored.embedding).toMatch(/^mobilenet_v2@nsfwjs-/);
    expect(scored.preview.length).toBe(12);
    for (const f of scored.preview) expect(existsSync(join(dir, f))).toBe(true);
    const mem = scored.memorisation!;
    expect(mem.features).toBe(true);
    expect(mem.checked).toBe(64);
    expect(mem.pairs.length).toBeGreaterThanOrEqual(12);
    expect(mem.pairs[0]!.assetId).not.toBeNull();
    expect(existsSync(join(dir, mem.pairs[0]!.assetFile!))).toBe(true);
  }, 240_000);

  it('tests a checkpoint on the locked test split once; a second test returns the first result', async () => {
    const first = await call<OpOutput<'evaluations:start'>>('evaluations:start', { checkpointId: checkpoints[1], split: 'test', samples: 32 });
    const done = await finished(first.jobId!);
    expect(done.status).toBe('done');
    const test = await evaluation(done.evaluationId!);
    expect(test.split).toBe('test');
    const again = await call<OpOutput<'evaluations:start'>>('evaluations:start', { checkpointId: checkpoints[1], split: 'test', samples: 32 });
    expect(again.jobId).toBeNull();
    expect(again.alreadyTested).toMatchObject({ id: test.id, split: 'test', kid: test.kid });
  }, 240_000);

  it('suggests the best checkpoint by KID, and a published checkpoint becomes Generate’s default', async () => {
    const list = await call<OpOutput<'evaluations:list'>>('evaluations:list', {});
    expect(list.suggested).toMatchObject({ checkpointId: checkpoints[1], step: 20 });
    expect(list.published).toBeNull();
    let options = await call<OpOutput<'generations:options'>>('generations:options', {});
    expect(options.current!.checkpointId).toBe(checkpoints[1]); // the newest
    expect(await call('checkpoints:publish', { checkpointId: checkpoints[0] })).toEqual({ published: checkpoints[0] });
    options = await call<OpOutput<'generations:options'>>('generations:options', {});
    expect(options.current).toMatchObject({ checkpointId: checkpoints[0], published: true });
    expect(options.generators.filter((g) => g.published).map((g) => g.checkpointId)).toEqual([checkpoints[0]]);
    expect((await call<OpOutput<'evaluations:list'>>('evaluations:list', {})).published).toBe(checkpoints[0]);
    const bad = await studio.router.call('checkpoints:publish', { checkpointId: 999 });
    expect(bad.ok).toBe(false);
    await call('checkpoints:publish', { checkpointId: null });
    expect((await call<OpOutput<'generations:options'>>('generations:options', {})).current!.checkpointId).toBe(checkpoints[1]);
  }, 60_000);
});

describe('an imported checkpoint', () => {
  it("is scored against the project's own val split (it brought no images)", async () => {
    const p = studio.project!;
    const ck = await call<{ id: number; runId: number }>('checkpoints:import', {
      dir: p.path(p.runs.checkpoint(checkpoints[0]!)!.dir),
      name: 'From a colleague',
    });
    expect(p.runs.assets(ck.runId)).toHaveLength(0);
    const started = await call<OpOutput<'evaluations:start'>>('evaluations:start', { checkpointId: ck.id, split: 'val', samples: 32 });
    const done = await finished(started.jobId!);
    expect(done.status).toBe('done');
    const e = await evaluation(done.evaluationId!);
    expect(e).toMatchObject({ runId: ck.runId, samples: 32, reference: p.assets.all({ excluded: false }).filter((a) => a.split === 'val').length });
    expect(e.memorisation!.checked).toBe(32);
  }, 240_000);
});

describe('scoring a folder made elsewhere', () => {
  it('flags planted copies of training images, names them, and skips a file that is not an image', async () => {
    const p = studio.project!;
    const train = p.assets.all().filter((a) => a.split === 'train');
    const test = p.assets.all().filter((a) => a.split === 'test');
    const folder = join(root, 'planted');
    mkdirSync(folder);
    // Six exact copies of training images among held-back (test) originals, and a text file.
    const planted = train.slice(0, 6);
    planted.forEach((a, i) => copyFileSync(p.path(`assets/${a.hash.slice(0, 2)}/${a.hash}.${a.ext}`), join(folder, `copy-${i}.png`)));
    test.slice(0, 14).forEach((a, i) => copyFileSync(p.path(`assets/${a.hash.slice(0, 2)}/${a.hash}.${a.ext}`), join(folder, `own-${i}.png`)));
    writeFileSync(join(folder, 'notes.png'), 'not an image');
    const { jobId } = await call<OpOutput<'evaluations:images'>>('evaluations:images', { dir: folder, split: 'val' });
    const done = await finished(jobId);
    expect(done.status).toBe('done');
    const e = await evaluation(done.evaluationId!);
    expect(e).toMatchObject({ runId: null, checkpointId: null, label: 'planted', samples: 20 });
    const flagged = e.memorisation!.pairs.filter((x) => x.possibleCopy);
    expect(flagged.length).toBeGreaterThanOrEqual(6);
    for (const a of planted) expect(flagged.some((x) => x.pixelAssetId === a.id && x.pixelDistance === 0)).toBe(true);
    // The held-back originals are real images, not copies: at most the planted ones are flagged.
    expect(e.memorisation!.flagged).toBeLessThanOrEqual(8);
  }, 240_000);

  it('scores held-back originals better than noise on the same yardstick', async () => {
    const p = studio.project!;
    const held = join(root, 'held');
    const noise = join(root, 'noise');
    mkdirSync(held);
    mkdirSync(noise);
    const test = p.assets.all().filter((a) => a.split === 'test');
    test.forEach((a, i) => copyFileSync(p.path(`assets/${a.hash.slice(0, 2)}/${a.hash}.${a.ext}`), join(held, `${i}.png`)));
    for (let i = 0; i < test.length; i++) {
      const raw = Buffer.from(Array.from({ length: 32 * 32 * 3 }, (_, k) => (k * 7919 + i * 104729) % 251));
      await sharp(raw, { raw: { width: 32, height: 32, channels: 3 } })
        .png()
        .toFile(join(noise, `${i}.png`));
    }
    const score = async (folder: string) => {
      const { jobId } = await call<OpOutput<'evaluations:images'>>('evaluations:images', { dir: folder, split: 'val' });
      const done = await finished(jobId);
      expect(done.status).toBe('done');
      return evaluation(done.evaluationId!);
    };
    const real = await score(held);
    const bad = await score(noise);
    expect(real.kid).toBeLessThan(bad.kid / 3);
    expect(real.fid).toBeLessThan(bad.fid);
    expect(real.collapse.collapsed).toBe(false);
  }, 240_000);

  it('refuses a folder that does not exist, naming it', async () => {
    const { jobId } = await call<OpOutput<'evaluations:images'>>('evaluations:images', { dir: join(root, 'nowhere'), split: 'val' });
    const done = await finished(jobId);
    expect(done.status).toBe('failed');
    expect(done.error!.message).toContain('nowhere');
  }, 60_000);
});

describe('gallery copy check', () => {
  it("checks generated images against their run's training images; each detail shows its nearest training image", async () => {
    const batch = await call<OpOutput<'generations:create'>>('generations:create', { prompt: '', count: 4, seed: 5 });
    const ids = batch.items.map((g) => g.id);
    await studio.filesWritten();
    expect((await call<OpOutput<'generations:get'>>('generations:get', { id: ids[0] })).copies).toBeNull();
    const { jobId } = await call<OpOutput<'generations:checkCopies'>>('generations:checkCopies', { ids });
    expect((await finished(jobId)).status).toBe('done');
    for (const id of ids) {
      const { copies } = await call<OpOutput<'generations:get'>>('generations:get', { id });
      expect(copies).not.toBeNull();
      expect(copies!.assetId).not.toBeNull();
      expect(copies!.pixelAssetId).not.toBeNull();
      expect(copies!.featureDistance).toBeGreaterThan(0);
      expect(copies!.threshold.feature).toBeGreaterThan(0);
      // 20 steps of training make blobs, not copies.
      expect(copies!.possibleCopy).toBe(false);
      expect(existsSync(join(dir, copies!.assetFile!))).toBe(true);
    }
    const missing = await studio.router.call('generations:checkCopies', { ids: [99_999] });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.error.message).toContain('99999');
  }, 240_000);
});

describe('drift', () => {
  it('after an import into a project with a trained model, scores how far the new images are and lists the most unusual first', async () => {
    const folder = join(root, 'incoming');
    mkdirSync(folder);
    const more = entries.slice(160, 172);
    more.forEach((e) => copyFileSync(join(EMOJI, e.image), join(folder, e.image)));
    for (let i = 0; i < 3; i++) {
      const raw = Buffer.from(Array.from({ length: 48 * 48 * 3 }, (_, k) => (k * 7919 + i * 104729) % 251));
      await sharp(raw, { raw: { width: 48, height: 48, channels: 3 } })
        .png()
        .toFile(join(folder, `zz-noise-${i}.png`));
    }
    const drifted = new Promise<JobFinishedT>((resolve) => {
      const stop = studio.router.subscribe((event, payload) => {
        const f = payload as JobFinishedT;
        if (event === 'job:finished' && f.kind === 'evaluate') {
          stop();
          resolve(f);
        }
      });
    });
    const report = await call<{ imported: number }>('assets:import', { paths: [folder] });
    expect(report.imported).toBe(15);
    expect((await drifted).status).toBe('done');
    const { drift } = await call<OpOutput<'evaluations:list'>>('evaluations:list', {});
    expect(drift).not.toBeNull();
    expect(drift!.images).toBe(15);
    expect(drift!.score).toBeGreaterThan(0.5);
    // The three noise images are the most unusual of the new images.
    expect(
      drift!.unusual
        .slice(0, 3)
        .map((u) => u.name)
        .sort(),
    ).toEqual(['zz-noise-0.png', 'zz-noise-1.png', 'zz-noise-2.png']);
    expect(drift!.unusual[0]!.ratio).toBeGreaterThan(drift!.unusual[5]!.ratio);
  }, 240_000);
});

describe('atelier eval', () => {
  it('prints every metric as its last line, and says a second test was already done', async () => {
    const r = await atelier(['eval', dir, '--checkpoint', String(checkpoints[0]), '--samples', '32', '--json']);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ checkpointId: checkpoints[0], split: 'val', samples: 32, alreadyTested: false });
    for (const k of ['kid', 'kidStderr', 'fid', 'precision', 'recall', 'diversity']) expect(typeof r.json[k]).toBe('number');
    expect(r.json.copies).toMatchObject({ checked: 32 });
    const test = await atelier(['eval', dir, '--checkpoint', String(checkpoints[1]), '--split', 'test']);
    expect(test.code).toBe(0);
    expect(test.stdout).toContain('already tested');
    const usage = await atelier(['eval', dir, '--split', 'train']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--split');
  }, 240_000);
});
