// A job process that fails leaves its error with the stack in the project's log: the
// engine and the page only hear `{ code, message }`, the log keeps where it happened.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunT } from '../../src-preload/contract';
import { importFiles } from '../../src-main/datasets/import';
import { forkLauncher } from '../../src-main/host/jobs';
import { createStudio, type Studio } from '../../src-main/host/studio';
import { assetFile } from '../../src-main/store/assets';

const JOB_PROCESS = fileURLToPath(new URL('../../src-main/host/job-process.ts', import.meta.url));
let root: string;
let studio: Studio;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'atelier-job-log-'));
  studio = createStudio({ launchJob: forkLauncher(JOB_PROCESS), log: () => {} });
  const { project } = await studio.createProject(join(root, 'p'));
  const files = [];
  for (let i = 0; i < 2; i++) {
    const file = join(root, `tile-${i}.png`);
    await sharp({ create: { width: 40, height: 40, channels: 3, background: { r: i * 90, g: 100, b: 90 } } })
      .png()
      .toFile(file);
    files.push({ path: file, name: `tile-${i}.png` });
  }
  expect((await importFiles(project, files)).imported).toBe(2);
});
afterAll(() => {
  studio?.close();
  rmSync(root, { recursive: true, force: true });
});

it("a failed training job's stack lands in <project>/logs/atelier.log", async () => {
  const project = studio.project!;
  // Both originals damaged on disk after import: the job process cannot train.
  for (const a of project.assets.all()) writeFileSync(project.path(assetFile(a.hash, a.ext)), 'the disk ate this picture');
  const started = await studio.router.call('runs:start', { model: 'dcgan', size: 32, preset: 'small', batchSize: 2, workers: 1, steps: 2 });
  if (!started.ok) throw new Error(started.error.message);
  const runId = (started.result as { runId: number }).runId;
  const run = await new Promise<RunT>((resolve) => {
    const check = () => {
      const r = studio.project?.runs.get(runId) as RunT | null;
      if (r && (r.status === 'done' || r.status === 'failed')) resolve(r);
    };
    studio.router.subscribe((event) => event === 'run:changed' && check());
    check();
  });
  expect(run.status).toBe('failed');
  expect(run.error).toMatch(/could be decoded/);
  const lines = readFileSync(join(project.dir, 'logs', 'atelier.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { level: string; msg: string; process?: string; err?: { message: string; stack: string } });
  const failed = lines.find((l) => l.process === 'job' && l.msg === 'train job failed');
  expect(failed, JSON.stringify(lines, null, 1)).toBeDefined();
  expect(failed!.level).toBe('error');
  expect(failed!.err!.message).toBe(run.error);
  expect(failed!.err!.stack).toMatch(/could be decoded[^\n]*\n\s+at /);
}, 120_000);
