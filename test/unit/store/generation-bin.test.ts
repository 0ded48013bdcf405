// Migration 011 and the bin: binned images leave the gallery's lists and counts, come back on
// Restore, and emptying the bin deletes the rows nothing names (with their reviews and vectors)
// while a binned parent of a kept image keeps its row (without its file) for the provenance.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion } from '../../../src-main/store/db';
import { GenerationStore, type NewGeneration } from '../../../src-main/store/generations';
import { generationRow } from '../../fixtures/generation-row';

const dirs: string[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-bin-'));
  dirs.push(dir);
  return join(dir, 'atelier.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const plan = (db: ReturnType<typeof openDatabase>, sql: string) =>
  (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');

const image = (i: number, over: Partial<NewGeneration> = {}): NewGeneration =>
  generationRow({ checkpointId: 1, seed: 7, index: i, file: `samples/generated/x/${i}.png`, prompt: 'fox', backend: 'wasm', ...over });

function withCheckpoint(upTo?: number) {
  const file = tempDb();
  const db = openDatabase(file, upTo === undefined ? {} : { upTo });
  db.prepare("INSERT INTO runs (id, model, size, steps, batch_size, seed, config, status) VALUES (1, 'dcgan', 32, 10, 8, 1, '{}', 'done')").run();
  db.prepare("INSERT INTO checkpoints (id, run_id, step, dir) VALUES (1, 1, 10, 'checkpoints/run-1/step-10')").run();
  return { file, db };
}

describe('migration 011 (the generation bin)', () => {
  it('keeps the images made before it in the gallery, none binned, and indexes the bin', () => {
    const { file, db: v10 } = withCheckpoint(10);
    v10.prepare("INSERT INTO generations (checkpoint_id, seed, idx, file, size) VALUES (1, 1, 0, 'samples/a.png', 32)").run();
    v10.close();
    const db = openDatabase(file, { upTo: 11 });
    expect(schemaVersion(db)).toBe(11);
    const store = new GenerationStore(db);
    expect(store.count()).toBe(1);
    expect(store.binCount()).toBe(0);
    expect(store.list({ offset: 0, limit: 10, sort: 'newest' }).total).toBe(1);
    expect(plan(db, 'SELECT id FROM generations WHERE deleted_at IS NOT NULL')).toContain('generations_binned');
    db.close();
  });
});

describe('the bin', () => {
  it('hides binned images from the gallery, lists them in the bin, and restores them', () => {
    const { db } = withCheckpoint();
    const store = new GenerationStore(db);
    const { ids } = store.addBatch([image(0), image(1), image(2)]);
    expect(store.bin([ids[0]!, ids[2]!])).toBe(2);
    expect(store.bin([ids[0]!])).toBe(0); // already there
    expect(store.count()).toBe(1);
    expect(store.list({ offset: 0, limit: 10, sort: 'newest' }).items.map((g) => g.id)).toEqual([ids[1]]);
    expect(store.ids({ sort: 'oldest' })).toEqual([ids[1]]);
    expect(store.list({ offset: 0, limit: 10, sort: 'oldest', bin: true }).items.map((g) => g.id)).toEqual([ids[0], ids[2]]);
    expect(store.shown(ids).map((g) => g.id)).toEqual([ids[1]]);
    expect(store.restore([ids[2]!, ids[1]!])).toBe(1); // ids[1] was never binned
    expect(store.ids({ sort: 'oldest' })).toEqual([ids[1], ids[2]]);
    expect(store.binCount()).toBe(1);
    db.close();
  });

  it('empties the bin: rows nothing names go with their reviews; a parent of a kept image keeps its row, out of the bin', () => {
    const { db } = withCheckpoint();
    const store = new GenerationStore(db);
    const { ids: a } = store.addBatch([image(0), image(1)]);
    // A variation of a[0] stays in the gallery; a variation of a[1] goes to the bin with it.
    const { ids: kept } = store.addBatch([image(0, { origin: 'variation', parentId: a[0]!, file: 'samples/generated/y/0.png' })]);
    const { ids: binnedChild } = store.addBatch([image(0, { origin: 'variation', parentId: a[1]!, file: 'samples/generated/z/0.png' })]);
    db.prepare("INSERT INTO reviews (generation_id, reviewer, stars) VALUES (?, 'Ana', 4)").run(a[1]);
    store.bin([a[0]!, a[1]!, binnedChild[0]!]);
    const emptied = store.emptyBin();
    expect(emptied).toEqual({
      deleted: 2,
      kept: 1,
      files: expect.arrayContaining(['samples/generated/x/0.png', 'samples/generated/x/1.png', 'samples/generated/z/0.png']) as unknown,
    });
    expect(emptied.files).toHaveLength(3);
    expect(store.binCount()).toBe(0);
    expect(store.get(a[1]!)).toBeNull();
    expect(store.get(binnedChild[0]!)).toBeNull();
    expect(db.prepare('SELECT count(*) FROM reviews').pluck().get()).toBe(0);
    // The kept image still names its parent, whose provenance remains; it cannot come back from a bin it is no longer in.
    expect(store.get(kept[0]!)!.parentId).toBe(a[0]);
    expect(store.get(a[0]!)).not.toBeNull();
    expect(store.restore([a[0]!])).toBe(0);
    expect(store.ids({ sort: 'oldest' })).toEqual([kept[0]]);
    expect(store.emptyBin()).toEqual({ deleted: 0, kept: 0, files: [] });
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
  });
});
