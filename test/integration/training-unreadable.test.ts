// A training run that meets an original it cannot decode (damaged on disk after import)
// names it, leaves it out (and excludes it from the dataset) and trains on the rest.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
  root = mkdtempSync(join(tmpdir(), 'atelier-unreadable-'));
  studio = createStudio({ launchJob: forkLauncher(JOB_PROCESS), log: () => {} });
  const { project } = await studio.createProject(join(root, 'p'));
  const files = [];
  for (let i = 0; i < 6; i++) {
    const file = join(root, `tile-${i}.png`);
    await sharp({ create: { width: 40, height: 40, channels: 3, background: { r: i * 40, g: 200 - i * 30, b: 90 } } })
      .png()
      .toFile(file);
    files.push({ path: file, name: `tile-${i}.png` });
  }
  expect((await importFiles(project, files)).imported).toBe(6);
});
afterAll(() => {
  studio?.close();
  rmSync(root, { recursive: true, force: true });
});

it('names the unreadable image, excludes it and finishes the run on the others', async () => {
  const project = studio.project!;
  const victim = project.assets.all().find((a) => a.name === 'tile-3.png')!;
  writeFileSync(project.path(assetFile(victim.hash, victim.ext)), 'the disk ate this picture');
  const messages: string[] = [];
  const stop = studio.router.subscribe((event, payload) => {
    if (event === 'job:progress') messages.push((payload as { message: string }).message);
  });
  const started = await studio.router.call('runs:start', {
    model: 'dcgan',
    size: 32,
    preset: 'small',
    batchSize: 4,
    workers: 1,
    steps: 2,
    checkpointEvery: 2,
    sampleEvery: 2,
  });
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
  stop();
  expect(run.error).toBeNull();
  expect(run.status).toBe('done');
  expect(messages.some((m) => /tile-3\.png cannot be decoded/.test(m) && /left out/.test(m))).toBe(true);
  expect(project.assets.get(victim.id)!.excluded).toBe(true);
  expect(
    project.assets
      .all()
      .filter((a) => a.excluded)
      .map((a) => a.name),
  ).toEqual(['tile-3.png']);
});
