// Jobs in real processes: a job process that dies is reported and leaves a project that
// passes integrity_check (the training queue has its own tests in training.test.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobFinishedT } from '../../src-preload/contract';
import { forkLauncher } from '../../src-main/host/jobs';
import { createStudio, type Studio } from '../../src-main/host/studio';
import { importFiles } from '../../src-main/datasets/import';

const JOB_PROCESS = fileURLToPath(new URL('../../src-main/host/job-process.ts', import.meta.url));
let root: string;
let studio: Studio;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'atelier-jobs-'));
  studio = createStudio({ launchJob: forkLauncher(JOB_PROCESS), log: () => {} });
  const { project } = await studio.createProject(join(root, 'p'));
  const files = [];
  for (let i = 0; i < 12; i++) {
    const file = join(root, `tile-${i}.png`);
    await sharp({ create: { width: 40, height: 40, channels: 3, background: { r: i * 20, g: 255 - i * 20, b: 128 } } })
      .png()
      .toFile(file);
    files.push({ path: file });
  }
  const report = await importFiles(project, files);
  expect(report.imported).toBe(12);
});
afterAll(() => {
  studio?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('jobs', () => {
  it('reports a job process that dies as a failed job, and the studio carries on', async () => {
    const crashing = join(root, 'crash.mjs');
    writeFileSync(
      crashing,
      "process.once('message', () => { process.send({ type: 'progress', step: 0, total: 1, message: 'about to die' }); setTimeout(() => process.exit(3), 20); });\n",
    );
    const local = createStudio({ launchJob: forkLauncher(crashing), log: () => {} });
    local.openProject(join(root, 'p'));
    const finishedJob = new Promise<JobFinishedT>((resolve) => {
      const stop = local.router.subscribe((event, payload) => {
        if (event === 'job:finished') {
          stop();
          resolve(payload as JobFinishedT);
        }
      });
    });
    const r = await local.router.call('runs:start', { steps: 5 });
    expect(r.ok).toBe(true);
    const finished = await finishedJob;
    expect(finished).toMatchObject({ status: 'failed', error: { code: 'job-crashed' } });
    expect(finished.error!.message).toContain('exit code 3');
    const runs = await local.router.call('runs:list', {});
    expect((runs as { result: { status: string; error: string }[] }).result[0]).toMatchObject({ status: 'failed' });
    expect(local.project!.db.pragma('integrity_check', { simple: true })).toBe('ok');
    local.close();
  });

  it('generation without any checkpoint says to train first', async () => {
    const fresh = createStudio({ launchJob: forkLauncher(JOB_PROCESS), log: () => {} });
    await fresh.createProject(join(root, 'empty'));
    expect(await fresh.router.call('generations:create', { count: 4 })).toEqual({
      ok: false,
      error: { code: 'no-checkpoint', message: 'There is no trained model yet. Train one first, then generate.' },
    });
    expect(await fresh.router.call('runs:start', { steps: 4 })).toMatchObject({ ok: false, error: { code: 'empty-dataset' } });
    fresh.close();
  });
});
