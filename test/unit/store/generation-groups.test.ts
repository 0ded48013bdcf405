// A grouped gallery list: a latent walk or an interpolation is one row (its first image, counting
// the batch's images), everything else is itself; a batch asked for, or the bin, is never grouped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src-main/store/db';
import { GenerationStore, type NewGeneration } from '../../../src-main/store/generations';
import { generationRow } from '../../fixtures/generation-row';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const image = (i: number, over: Partial<NewGeneration> = {}): NewGeneration =>
  generationRow({ checkpointId: 1, seed: 7, index: i, file: `samples/generated/x/${i}.png`, prompt: 'fox', backend: 'wasm', ...over });

describe('grouped gallery lists', () => {
  it('shows a walk or an interpolation as one tile with its count, and the whole batch when asked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atelier-groups-'));
    dirs.push(dir);
    const db = openDatabase(join(dir, 'atelier.db'));
    db.prepare("INSERT INTO runs (id, model, size, steps, batch_size, seed, config, status) VALUES (1, 'dcgan', 32, 10, 8, 1, '{}', 'done')").run();
    db.prepare("INSERT INTO checkpoints (id, run_id, step, dir) VALUES (1, 1, 10, 'checkpoints/run-1/step-10')").run();
    const store = new GenerationStore(db);
    const prompt = store.addBatch([image(0), image(1)]);
    const walk = store.addBatch(Array.from({ length: 9 }, (_, i) => image(i, { origin: 'walk', parentId: prompt.ids[0]! })));
    const interp = store.addBatch(Array.from({ length: 4 }, (_, i) => image(i, { origin: 'interpolation', parentId: prompt.ids[1]! })));
    const variation = store.addBatch([image(0, { origin: 'variation', parentId: prompt.ids[0]! }), image(1, { origin: 'variation' })]);

    const grouped = store.list({ offset: 0, limit: 50, sort: 'newest', grouped: true });
    expect(grouped.total).toBe(6);
    expect(grouped.items.map((g) => [g.id, g.group])).toEqual([
      [variation.ids[1], undefined],
      [variation.ids[0], undefined],
      [interp.ids[0], 4],
      [walk.ids[0], 9],
      [prompt.ids[1], undefined],
      [prompt.ids[0], undefined],
    ]);
    expect(store.ids({ sort: 'newest', grouped: true })).toHaveLength(6);
    // Expanded: the batch, every image; ungrouped: everything.
    expect(store.list({ offset: 0, limit: 50, sort: 'oldest', grouped: true, batchId: walk.batchId }).items.map((g) => g.id)).toEqual(walk.ids);
    expect(store.list({ offset: 0, limit: 50, sort: 'newest' }).total).toBe(17);
    // The first frame in the bin: the next one stands for the walk, counting the rest.
    store.bin([walk.ids[0]!]);
    const after = store.list({ offset: 0, limit: 50, sort: 'newest', grouped: true }).items.find((g) => g.origin === 'walk');
    expect([after?.id, after?.group]).toEqual([walk.ids[1], 8]);
    expect(store.list({ offset: 0, limit: 50, sort: 'newest', grouped: true, bin: true }).items.map((g) => g.id)).toEqual([walk.ids[0]]);
    db.close();
  });
});
