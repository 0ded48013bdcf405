// The training queue with real job processes: runs wait their turn, pause and resume from
// their checkpoint, and a run whose engine is killed (SIGKILL, engine and job process together)
// continues from its last checkpoint when the project is opened again — with a database that
// passes integrity_check and one unbroken loss curve.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetailT, RunT } from '../../src-preload/contract';
import { importFiles } from '../../src-main/datasets/import';
import { forkLauncher } from '../../src-main/host/jobs';
import { createStudio, type Studio } from '../../src-main/host/studio';
import { Project } from '../../src-main/store/project';

const JOB_PROCESS = fileURLToPath(new URL('../../src-main/host/job-process.ts', import.meta.url));
const CLI = fileURLToPath(new URL('../../src-main/host/cli.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let root: string;
let dir: string;
let studio: Studio;

// Small and quick: 32 px, the small preset, batch 8, one thread.
const quick = { size: 32, preset: 'small', batchSize: 8, workers: 1, checkpointEvery: 5, sampleEvery: 5 } as const;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'atelier-queue-'));
  dir = join(root, 'p');
  studio = createStudio({ launchJob: forkLauncher(JOB_PROCESS), log: () => {} });
  const { project } = await studio.createProject(dir);
  const files = [];
  for (let i = 0; i < 12; i++) {
    const file = join(root, `tile-${i}.png`);
    await sharp({ create: { width: 40, height: 40, channels: 3, background: { r: i * 20, g: 255 - i * 20, b: 128 } } })
      .png()
      .toFile(file);
    files.push({ path: file, tags: [i % 2 ? 'warm' : 'cool'] });
  }
  expect((await importFiles(project, files)).imported).toBe(12);
});
afterAll(() => {
  studio?.close();
  rmSync(root, { recursive: true, force: true });
});

async function call<T>(s: Studio, name: string, input: unknown): Promise<T> {
  const r = await s.router.call(name, input);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result as T;
}

/** Resolves when the run's status is one of `wanted` (checked on every run:changed and now). */
function until(s: Studio, runId: number, wanted: RunT['status'][], what: (r: RunT) => boolean = () => true): Promise<RunT> {
  return new Promise((resolve) => {
    const check = () => {
      const run = s.project?.runs.get(runId) as RunT | null;
      if (run && wanted.includes(run.status) && what(run)) {
        stop();
        resolve(run);
        return true;
      }
      return false;
    };
    const stop = s.router.subscribe((event, payload) => {
      if ((event === 'run:changed' || event === 'job:progress') && (payload as { runId: number }).runId === runId) check();
    });
    check();
  });
}

function contiguous(steps: number[], to: number): boolean {
  return steps.length === to && steps.every((s, i) => s === i + 1);
}

describe('training queue', () => {
  it('runs queued work in order, one run per free core', async () => {
    const a = await call<{ runId: number; status: string }>(studio, 'runs:start', { ...quick, steps: 100_000, workers: 64 });
    const b = await call<{ runId: number; status: string }>(studio, 'runs:start', { ...quick, steps: 6 });
    expect(a.status).toBe('running');
    expect(b.status).toBe('queued'); // a uses every core; b waits its turn
    await call(studio, 'runs:cancel', { runId: a.runId });
    const done = await until(studio, b.runId, ['done', 'failed']);
    expect(done.error).toBeNull();
    expect(done.status).toBe('done');
    const detail = await call<RunDetailT>(studio, 'runs:get', { runId: b.runId });
    expect(
      contiguous(
        detail.losses.map((l) => l.step),
        6,
      ),
    ).toBe(true);
    expect(detail.samples.map((s) => s.step)).toEqual([5, 6]);
    expect(detail.checkpoints.map((c) => c.step)).toEqual([5, 6]);
    // The run says which backend its job trained on, and why: the studio's, which its jobs inherit.
    const backend = await studio.backend();
    expect(detail.backend).toEqual({ name: backend.name, message: expect.stringContaining('Training') as string });
    for (const s of detail.samples) expect(existsSync(join(dir, s.file))).toBe(true);
    const meta = await sharp(join(dir, detail.samples[0]!.file)).metadata();
    expect([meta.width, meta.height]).toEqual([8 * 32 + 9 * 2, 8 * 32 + 9 * 2]); // an 8×8 grid with gutters
    expect((await call<RunT>(studio, 'runs:get', { runId: a.runId })).status).toBe('cancelled');
  });

  it('pauses at a checkpoint and resumes from it to one unbroken curve', async () => {
    const { runId } = await call<{ runId: number }>(studio, 'runs:start', { ...quick, steps: 30, checkpointEvery: 50 });
    await until(studio, runId, ['running'], (r) => r.stepsDone >= 3);
    await call(studio, 'runs:pause', { runId });
    const paused = await until(studio, runId, ['paused']);
    expect(paused.stepsDone).toBeGreaterThanOrEqual(3);
    expect(paused.stepsDone).toBeLessThan(30);
    const atPause = (await call<RunDetailT>(studio, 'runs:get', { runId })).checkpoints.at(-1)!;
    expect(atPause.step).toBe(paused.stepsDone); // pausing wrote a checkpoint at the step it stopped

    // The page hears of the resumed job at once, at the step it resumes from, before the job process speaks.
    const heard: { step: number; phase?: string; message: string }[] = [];
    const stopListening = studio.router.subscribe((event, payload) => {
      const p = payload as { runId: number; step: number; phase?: string; message: string };
      if (event === 'job:progress' && p.runId === runId) heard.push(p);
    });
    await call(studio, 'runs:resume', { runId });
    const done = await until(studio, runId, ['done', 'failed']);
    stopListening();
    expect(heard[0]).toMatchObject({ step: paused.stepsDone, phase: 'loading', message: 'Starting the training process' });
    expect(done.error).toBeNull();
    const detail = await call<RunDetailT>(studio, 'runs:get', { runId });
    expect(
      contiguous(
        detail.losses.map((l) => l.step),
        30,
      ),
    ).toBe(true);
    expect(detail.checkpoints.map((c) => c.step)).toEqual([atPause.step, 30]);
    expect(studio.project!.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('a killed job process fails the run with a reason; resume continues from its last checkpoint', async () => {
    const { runId } = await call<{ runId: number }>(studio, 'runs:start', { ...quick, steps: 40, checkpointEvery: 4 });
    await until(studio, runId, ['running'], (r) => r.latestCheckpointId !== null && r.stepsDone >= 6);
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((pid) => pid > 0);
    for (const pid of children) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // the ps itself, already gone
      }
    }
    const failed = await until(studio, runId, ['failed']);
    expect(failed.error).toMatch(/stopped unexpectedly \(signal SIGKILL\)/);
    const lastCheckpoint = (await call<RunDetailT>(studio, 'runs:get', { runId })).checkpoints.at(-1)!.step;

    await call(studio, 'runs:resume', { runId });
    const done = await until(studio, runId, ['done', 'failed']);
    expect(done.status).toBe('done');
    const detail = await call<RunDetailT>(studio, 'runs:get', { runId });
    expect(
      contiguous(
        detail.losses.map((l) => l.step),
        40,
      ),
    ).toBe(true);
    expect(detail.checkpoints.map((c) => c.step)).toContain(lastCheckpoint);
    expect(detail.checkpoints.at(-1)!.step).toBe(40);
  });

  it('a sweep queues one run per combination and runs them side by side, one core each', async () => {
    const { sweepId, runIds } = await call<{ sweepId: number; runIds: number[] }>(studio, 'runs:sweep', {
      base: { ...quick, steps: 4, name: 'lr sweep' },
      grid: { lr: [1e-4, 4e-4] },
    });
    expect(runIds).toHaveLength(2);
    const runs = runIds.map((id) => studio.project!.runs.get(id)!);
    expect(runs.map((r) => r.name)).toEqual(['lr sweep: lr 0.0001', 'lr sweep: lr 0.0004']);
    expect(runs.every((r) => r.sweepId === sweepId && r.settings.workers === 1)).toBe(true);
    expect(runs.map((r) => r.status)).toEqual(['running', 'running']); // two cores here, one each
    for (const id of runIds) expect((await until(studio, id, ['done', 'failed'])).status).toBe('done');
    expect(runs.map((r) => (studio.project!.runs.get(r.id)!.settings.config as { lrG: number }).lrG)).toEqual([1e-4, 4e-4]);
    const tooMany = await studio.router.call('runs:sweep', {
      base: { ...quick, steps: 4 },
      grid: { lr: [1, 2, 3, 4, 5].map((x) => x * 1e-4), batchSize: [4, 8, 16, 32] },
    });
    expect(tooMany).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringContaining('20 runs') } });
  });

  it('balance classWeights stores each image’s loss weight (mean 1, rare tags above common ones) and trains with them', async () => {
    const cool = (await call<{ ids: number[] }>(studio, 'assets:ids', { tag: 'cool' })).ids;
    // Two cool images also get "accent", which sorts first: strata accent 2, cool 4, warm 6 of 12.
    await call(studio, 'tags:apply', { ids: cool.slice(0, 2), add: ['accent'] });
    try {
      const { runId } = await call<{ runId: number }>(studio, 'runs:start', { ...quick, steps: 3, balance: 'classWeights' });
      const train = studio.project!.runs.assets(runId).filter((r) => r.role === 'train');
      expect(train).toHaveLength(12);
      const weightOf = new Map(train.map((r) => [r.assetId, r.weight]));
      expect(train.reduce((sum, r) => sum + r.weight, 0) / train.length).toBeCloseTo(1, 12);
      // N / (strata · count): 12 / (3 · 2) = 2 for accent, 12 / (3 · 4) = 1 for cool, 12 / (3 · 6) = ⅔ for warm.
      expect(weightOf.get(cool[0]!)).toBeCloseTo(2, 12);
      expect(weightOf.get(cool[2]!)).toBeCloseTo(1, 12);
      const warm = (await call<{ ids: number[] }>(studio, 'assets:ids', { tag: 'warm' })).ids;
      expect(weightOf.get(warm[0]!)).toBeCloseTo(2 / 3, 12);
      const done = await until(studio, runId, ['done', 'failed']);
      expect(done.error).toBeNull();
      expect(done.settings.balance).toBe('classWeights');
      const weighted = (await call<RunDetailT>(studio, 'runs:get', { runId })).losses;
      expect(weighted.map((l) => l.step)).toEqual([1, 2, 3]);
      // The same run unweighted: step 1 draws the same batch (no oversampling) and G's loss comes
      // before any update, so it matches; D's differs because the job weighted its real terms.
      const plain = await call<{ runId: number }>(studio, 'runs:start', { ...quick, steps: 1 });
      expect((await until(studio, plain.runId, ['done', 'failed'])).status).toBe('done');
      const [first] = (await call<RunDetailT>(studio, 'runs:get', { runId: plain.runId })).losses;
      expect(first!.lossG).toBe(weighted[0]!.lossG);
      expect(first!.lossD).not.toBe(weighted[0]!.lossD);
    } finally {
      await call(studio, 'edits:undo', {});
    }
  });

  it('validates on the val split at each checkpoint, and fine-tunes from a checkpoint with frozen layers', async () => {
    await call(studio, 'splits:assign', { train: 50, val: 50, test: 0, seed: 3 });
    const { runId } = await call<{ runId: number }>(studio, 'runs:start', { ...quick, steps: 4, checkpointEvery: 2 });
    expect((await until(studio, runId, ['done', 'failed'])).status).toBe('done');
    const detail = await call<RunDetailT>(studio, 'runs:get', { runId });
    expect(detail.checkpoints.map((c) => c.step)).toEqual([2, 4]);
    for (const c of detail.checkpoints) {
      expect(c.dTrain).toBeGreaterThanOrEqual(-1);
      expect(c.dTrain).toBeLessThanOrEqual(1);
      expect(c.dVal).not.toBeNull();
    }
    expect(detail.settings).toMatchObject({ images: 6, valImages: 6 });

    const parent = detail.checkpoints.at(-1)!.id;
    const wrongLayer = await studio.router.call('runs:start', { ...quick, steps: 2, fromCheckpointId: parent, freeze: ['generator/nope'] });
    expect(wrongLayer).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringContaining('generator/nope') } });
    const wrongSize = await studio.router.call('runs:start', { ...quick, preset: 'medium', steps: 2, fromCheckpointId: parent });
    expect(wrongSize).toMatchObject({ ok: false, error: { code: 'incompatible-checkpoint' } });
    const tuned = await call<{ runId: number }>(studio, 'runs:start', { ...quick, steps: 3, fromCheckpointId: parent, freeze: ['generator/fc'], lrScale: 0.1 });
    const done = await until(studio, tuned.runId, ['done', 'failed']);
    expect(done.status).toBe('done');
    expect(done.parentCheckpointId).toBe(parent);
    expect(done.name).toMatch(/^Fine-tune DCGAN/);
    expect((done.settings.config as { lrG: number }).lrG).toBeCloseTo(2e-5, 10);
    await call(studio, 'splits:assign', { train: 100, val: 0, test: 0, seed: 3 });
  });

  it('imports a checkpoint folder from elsewhere as a finished run, and refuses a damaged one', async () => {
    const source = studio.project!.runs.allCheckpoints().find((c) => c.model === 'dcgan')!;
    const outside = join(root, 'shared-checkpoint');
    cpSync(join(dir, source.dir), outside, { recursive: true });
    const runsBefore = studio.project!.runs.count();
    const ck = await call<{ id: number; runId: number; step: number; dir: string }>(studio, 'checkpoints:import', { dir: outside, name: 'From a colleague' });
    expect(ck.step).toBe(source.step);
    expect(ck.dir).toBe(`checkpoints/imported-${ck.runId}/step-${source.step}`);
    const run = studio.project!.runs.get(ck.runId)!;
    expect(run).toMatchObject({ name: 'From a colleague', status: 'done', model: 'dcgan', stepsDone: source.step });
    const { runId } = await call<{ runId: number }>(studio, 'runs:start', { ...quick, steps: 2, fromCheckpointId: ck.id });
    expect((await until(studio, runId, ['done', 'failed'])).status).toBe('done');

    const empty = join(root, 'not-a-checkpoint');
    mkdirSync(empty);
    const refused = await studio.router.call('checkpoints:import', { dir: empty });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid-checkpoint', message: expect.stringContaining('not a checkpoint folder') } });
    expect(studio.project!.runs.count()).toBe(runsBefore + 2); // the import and the fine-tune, nothing for the refusal
  });

  it('after SIGKILL of the whole engine, reopening the project resumes the run from its last checkpoint', async () => {
    studio.close(); // the CLI below takes the project
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, 'train', dir, '--steps', '60', '--batch', '8', '--preset', 'small', '--workers', '1', '--checkpoint-every', '5', '--json'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // its own process group: engine and job process die together
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Wait (reading the database as another process would) for a checkpoint past step 5.
    const runId = await new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        try {
          const peek = Project.open(dir);
          const run = peek.runs.list()[0];
          const ck = run ? peek.runs.latestCheckpoint(run.id) : null;
          peek.close();
          if (run && run.status === 'running' && ck && ck.step >= 10) {
            clearInterval(timer);
            resolve(run.id);
          }
        } catch (err) {
          clearInterval(timer);
          reject(err as Error);
        }
      }, 200);
      child.once('exit', (code) => {
        clearInterval(timer);
        reject(new Error(`the CLI ended before it was killed (code ${code}): ${stderr}`));
      });
    });
    process.kill(-child.pid!, 'SIGKILL');
    await new Promise((r) => child.once('close', r));

    const peek = Project.open(dir);
    const killedAt = peek.runs.get(runId)!;
    const lastCheckpoint = peek.runs.latestCheckpoint(runId)!.step;
    expect(peek.db.pragma('integrity_check', { simple: true })).toBe('ok');
    peek.close();
    expect(killedAt.status).toBe('running'); // nobody lived to record the end

    studio = createStudio({ launchJob: forkLauncher(JOB_PROCESS), log: () => {} });
    studio.openProject(dir); // the stale lock is taken over and the run goes back into the queue
    const done = await until(studio, runId, ['done', 'failed']);
    expect(done.error).toBeNull();
    const detail = await call<RunDetailT>(studio, 'runs:get', { runId });
    expect(
      contiguous(
        detail.losses.map((l) => l.step),
        60,
      ),
    ).toBe(true);
    expect(detail.checkpoints.map((c) => c.step)).toContain(lastCheckpoint);
    expect(studio.project!.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});
