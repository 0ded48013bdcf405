// A job process that fails leaves its error with the stack in the project's log: the
// engine and the page only hear `{ code, message }`, the log keeps where it happened.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Studio } from '../../src-main/host/studio';
import { assetFile } from '../../src-main/store/assets';
import { runEnds, studioWithTiles, type TilesStudio } from '../fixtures/tiles-studio';

let fixture: TilesStudio;
let studio: Studio;

beforeAll(async () => {
  fixture = await studioWithTiles('job-log', 2);
  studio = fixture.studio;
});
afterAll(() => fixture?.close());

it("a failed training job's stack lands in <project>/logs/atelier.log", async () => {
  const project = studio.project!;
  // Both originals damaged on disk after import: the job process cannot train.
  for (const a of project.assets.all()) writeFileSync(project.path(assetFile(a.hash, a.ext)), 'the disk ate this picture');
  const started = await studio.router.call('runs:start', { model: 'dcgan', size: 32, preset: 'small', batchSize: 2, workers: 1, steps: 2 });
  if (!started.ok) throw new Error(started.error.message);
  const runId = (started.result as { runId: number }).runId;
  const run = await runEnds(studio, runId);

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
