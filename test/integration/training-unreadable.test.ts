// A training run that meets an original it cannot decode (damaged on disk after import)
// names it, leaves it out (and excludes it from the dataset) and trains on the rest.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Studio } from '../../src-main/host/studio';
import { assetFile } from '../../src-main/store/assets';
import { runEnds, studioWithTiles, type TilesStudio } from '../fixtures/tiles-studio';

let fixture: TilesStudio;
let studio: Studio;

beforeAll(async () => {
  fixture = await studioWithTiles('unreadable', 6);
  studio = fixture.studio;
});
afterAll(() => fixture?.close());

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
  const run = await runEnds(studio, runId);

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
