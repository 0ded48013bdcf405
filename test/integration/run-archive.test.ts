// Archiving and deleting runs through the studio's contract, on rows and files made by hand (no
// training): archive hides nothing from the engine and restores; a delete is refused for a run in
// the queue; its confirmation counts what goes (checkpoints, grids, evaluations, bytes) and what
// depends on it; then rows and files are gone, the gallery's images from it stay viewable, a run
// fine-tuned from it and its model card still work, and a crash between the transaction and the
// file removal leaves only files, which the next delete sweeps. Also the sample grid's cell tags.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationDetailT, RunDetailT, RunRemovalT, RunT } from '../../src-preload/contract';
import { exportBundle } from '../../src-main/bundles/export-bundle';
import { openBundle } from '../../src-main/bundles/open-bundle';
import { forkLauncher } from '../../src-main/host/jobs';
import { createStudio, type Studio } from '../../src-main/host/studio';
import type { Project } from '../../src-main/store/project';
import { atelier } from './cli-helpers';
import { routerCalls } from './router-calls';
import { generationRow } from '../fixtures/generation-row';

const JOB_PROCESS = fileURLToPath(new URL('../../src-main/host/job-process.ts', import.meta.url));

let root: string;
let studio: Studio;
let project: Project;
const { call, failure } = routerCalls(() => studio);

/** A file of `bytes` bytes at a project path. */
function file(path: string, bytes: number): void {
  mkdirSync(join(project.path(path), '..'), { recursive: true });
  writeFileSync(project.path(path), Buffer.alloc(bytes, 7));
}

function run(name: string, extra: { status?: 'queued' | 'done'; parentCheckpointId?: number; classes?: string[] } = {}): number {
  return project.runs.create({
    name,
    model: extra.classes ? 'cgan' : 'dcgan',
    size: 32,
    preset: 'small',
    steps: 10,
    batchSize: 8,
    seed: 1,
    settings: extra.classes ? { classes: extra.classes } : {},
    parentCheckpointId: extra.parentCheckpointId ?? null,
    assets: [],
    status: extra.status ?? 'done',
  });
}

/** A checkpoint with weights on disk (two files, 1,000 bytes). */
function checkpoint(runId: number, step: number): number {
  const dir = `checkpoints/run-${runId}/step-${step}`;
  file(`${dir}/checkpoint.json`, 200);
  file(`${dir}/weights.bin`, 800);
  return project.runs.addCheckpoint(runId, step, dir);
}

function evaluation(runId: number, checkpointId: number, evidence: string): void {
  project.evaluations.add({
    runId,
    checkpointId,
    split: 'val',
    auto: true,
    label: 'auto',
    samples: 64,
    reference: 10,
    kid: 0.1,
    kidStderr: 0.01,
    fid: 50,
    precision: 0.5,
    recall: 0.5,
    coverage: null,
    report: { collapse: { collapsed: false, reasons: [], diversity: 1, duplicateShare: 0, groups: [] }, memorisation: null, preview: [] },
    seconds: 1,
    embedding: 'test',
  });
  file(`${evidence}/nearest-0.png`, 300);
}

let a: number; // the run to delete: conditional, 2 checkpoints, 2 grids, an evaluation, an image drawn from it
let child: number; // fine-tuned from a's first checkpoint
let generationId: number;
let aFirst: number;
let aSecond: number;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'atelier-run-archive-'));
  studio = createStudio({ launchJob: forkLauncher(JOB_PROCESS), log: () => {}, lockProjects: false, runQueue: false });
  ({ project } = await studio.createProject(join(root, 'p')));
  a = run('Fox sketches', { classes: ['red', 'blue', 'fox'] });
  aFirst = checkpoint(a, 5);
  aSecond = checkpoint(a, 10);
  for (const step of [5, 10]) {
    const grid = `checkpoints/run-${a}/samples/step-${String(step).padStart(7, '0')}.png`;
    file(grid, 100);
    project.runs.addSample(a, step, grid);
  }
  project.runs.recordProgress(a, { step: 10, lossD: 1, lossG: 2, imgPerSec: 5 });
  evaluation(a, aSecond, `evaluations/run-${a}-step-10-auto`);
  await call('checkpoints:publish', { checkpointId: aSecond });
  child = run('Fox sketches, fine-tuned', { parentCheckpointId: aFirst });
  checkpoint(child, 3);
  file('generated/fixture/0.png', 50);
  const made = project.generations.addBatch([
    generationRow({ checkpointId: aSecond, seed: 42, index: 0, file: 'generated/fixture/0.png', prompt: 'red fox', latent: new Float32Array(100) }),
  ]);
  generationId = made.ids[0]!;
});

afterAll(() => {
  studio?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the tags of a sample grid’s cells', () => {
  it('come from what the job recorded, as the run’s tag names, and are null before one was recorded', async () => {
    expect((await call<RunDetailT>('runs:get', { runId: a })).sampleTags).toBeNull();
    const cells = Array.from({ length: 64 }, (_, i) => (i % 3 === 0 ? [0, 2] : [i % 3]));
    project.runs.setSampleCells(a, cells);
    const tags = (await call<RunDetailT>('runs:get', { runId: a })).sampleTags!;
    expect(tags).toHaveLength(64);
    expect(tags[0]).toEqual(['red', 'fox']);
    expect(tags[1]).toEqual(['blue']);
    expect(tags[2]).toEqual(['fox']);
  });
});

describe('archiving a run', () => {
  it('marks it archived in the list (the page hides it), keeps its checkpoints usable, and restores it', async () => {
    const archived = await call<RunT>('runs:archive', { runId: child, archived: true });
    expect(archived.archivedAt).toMatch(/^\d{4}-/);
    expect((await call<RunT[]>('runs:list', {})).find((r) => r.id === child)?.archivedAt).toBe(archived.archivedAt);
    const checkpoints = await call<{ runId: number }[]>('checkpoints:list', {});
    expect(checkpoints.some((c) => c.runId === child)).toBe(true);
    expect((await call<RunT>('runs:archive', { runId: child, archived: false })).archivedAt).toBeNull();
    expect((await failure('runs:archive', { runId: 999, archived: true })).code).toBe('not-found');
  });
});

describe('deleting a run', () => {
  it('is refused for a run in the queue, with the reason and what to do', async () => {
    const queued = run('Waiting', { status: 'queued' });
    const plan = await call<RunRemovalT>('runs:removal', { runId: queued });
    expect(plan.blocked).toMatch(/waiting in the queue.*Cancel it first/);
    const refused = await failure('runs:delete', { runId: queued });
    expect(refused.code).toBe('invalid-state');
    expect(refused.message).toMatch(/Cancel it first/);
    expect(project.runs.get(queued)).not.toBeNull();
    await call('runs:cancel', { runId: queued });
    await call('runs:delete', { runId: queued });
    expect(project.runs.get(queued)).toBeNull();
  });

  it('names what goes, with sizes, and what depends on it', async () => {
    const plan = await call<RunRemovalT>('runs:removal', { runId: a });
    expect(plan).toMatchObject({
      runId: a,
      name: 'Fox sketches',
      blocked: null,
      checkpoints: 2,
      checkpointBytes: 2000,
      samples: 2,
      sampleBytes: 200,
      evaluations: 1,
      evaluationBytes: 300,
      bytes: 2500,
      published: true,
      generations: 1,
      fineTuned: [{ runId: child, name: 'Fox sketches, fine-tuned' }],
      feedbackRoundsFrom: [],
      isFeedbackRound: false,
    });
  });

  it('removes its rows and files; the gallery image drawn from it and the run fine-tuned from it stay', async () => {
    const done = await call<{ removed: number; bytes: number; keptGenerations: number }>('runs:delete', { runId: a });
    expect(done).toMatchObject({ bytes: 2500, keptGenerations: 1 });
    expect(existsSync(project.path(`checkpoints/run-${a}`))).toBe(false);
    expect(existsSync(project.path(`evaluations/run-${a}-step-10-auto`))).toBe(false);
    expect((await failure('runs:get', { runId: a })).code).toBe('not-found');
    expect((await call<RunT[]>('runs:list', {})).map((r) => r.id)).not.toContain(a);
    expect((await call<{ runId: number }[]>('checkpoints:list', {})).map((c) => c.runId)).not.toContain(a);
    expect(project.runs.losses(a)).toEqual([]);
    expect(project.runs.samples(a)).toEqual([]);
    expect(project.evaluations.list(a)).toEqual([]);
    expect(project.evaluations.published()).toBeNull();
    // The image stays in the gallery with its prompt and seed; its file is untouched.
    const g = await call<GenerationDetailT>('generations:get', { id: generationId });
    expect(g).toMatchObject({ prompt: 'red fox', seed: 42, checkpointId: aSecond, runName: 'Fox sketches (deleted)', checkpointStep: 10 });
    expect(existsSync(project.path('generated/fixture/0.png'))).toBe(true);
    const page = await call<{ items: { id: number }[] }>('generations:list', {});
    expect(page.items.map((i) => i.id)).toContain(generationId);
    // Redrawing it says the weights are gone rather than failing obscurely.
    expect((await failure('generations:regenerate', { id: generationId })).message).toMatch(/deleted with its run Fox sketches.*stay in the gallery/);
    // The fine-tuned run keeps its own checkpoint, and its model card renders.
    expect((await call<RunDetailT>('runs:get', { runId: child })).checkpoints).toHaveLength(1);
    const card = await call<{ html: string }>('cards:get', { runId: child });
    expect(card.html).toContain('Fox sketches, fine-tuned');
  });

  it('leaves a project that still exports as a bundle, opens, and shows the gallery image', async () => {
    const file = join(root, 'after-delete.atelier');
    const out = await exportBundle(project, file, { generations: true, checkpoints: 'published', atelier: 'test' });
    expect(out.bytes).toBeGreaterThan(0);
    const opened = join(root, 'opened');
    await openBundle(file, opened);
    const copy = studio.openProject(opened);
    try {
      expect(copy.runs.list().map((r) => r.id)).not.toContain(a);
      expect((await call<GenerationDetailT>('generations:get', { id: generationId })).runName).toBe('Fox sketches (deleted)');
    } finally {
      project = studio.openProject(join(root, 'p'));
    }
  });

  it('removes a run nothing points at entirely, and never gives its id to a new run', async () => {
    const lone = run('Lone');
    const loneCheckpoint = checkpoint(lone, 1);
    await call('runs:delete', { runId: lone });
    expect(project.db.prepare('SELECT count(*) FROM runs WHERE id = ?').pluck().get(lone)).toBe(0);
    expect(project.db.prepare('SELECT count(*) FROM checkpoints WHERE run_id = ?').pluck().get(lone)).toBe(0);
    expect(existsSync(project.path(`checkpoints/run-${lone}`))).toBe(false);
    // It was the newest: its ids (and so its folder names) are never handed out again.
    const after = run('After');
    expect(after).toBe(lone + 1);
    expect(checkpoint(after, 1)).toBe(loneCheckpoint + 1);
  });

  it('after a crash between the transaction and the files, leaves no rows, and the next delete sweeps the files', async () => {
    const crashed = run('Crashed');
    checkpoint(crashed, 1);
    project.runs.remove(crashed); // the rows went; the process died before the files did
    expect(project.runs.get(crashed)).toBeNull();
    expect(existsSync(project.path(`checkpoints/run-${crashed}`))).toBe(true);
    const next = run('Next');
    await call('runs:delete', { runId: next });
    expect(existsSync(project.path(`checkpoints/run-${crashed}`))).toBe(false);
    // A live run's folder is never swept.
    expect(existsSync(project.path(`checkpoints/run-${child}`))).toBe(true);
  });
});

describe('atelier runs archive|restore|delete', () => {
  it('archives from the command line, and deletes only with --yes after saying what goes', async () => {
    const id = run('From the terminal');
    checkpoint(id, 2);
    const dir = project.dir;
    const archived = await atelier(['runs', 'archive', dir, String(id), '--json'], { timeoutMs: 60_000 });
    expect(archived.code).toBe(0);
    expect(archived.json.archivedAt).toMatch(/^\d{4}-/);
    const asked = await atelier(['runs', 'delete', dir, String(id)], { timeoutMs: 60_000 });
    expect(asked.code).toBe(0);
    expect(asked.stdout).toMatch(/would remove: 1 checkpoint \(0\.0 MB\), 0 sample grids/);
    expect(asked.stdout).toMatch(/Nothing was deleted: run again with --yes/);
    expect(project.runs.get(id)).not.toBeNull();
    const deleted = await atelier(['runs', 'delete', dir, String(id), '--yes', '--json'], { timeoutMs: 60_000 });
    expect(deleted.code).toBe(0);
    expect(deleted.json).toMatchObject({ deleted: true, runId: id, bytes: 1000 });
    expect(project.runs.get(id)).toBeNull();
    expect(existsSync(project.path(`checkpoints/run-${id}`))).toBe(false);
  }, 120_000);
});
