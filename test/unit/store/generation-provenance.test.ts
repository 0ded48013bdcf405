// Migration 005 and the generation store: rows made before provenance keep everything and are
// grouped into their batches; new rows keep their exact vectors; the gallery filters use indexes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion } from '../../../src-main/store/db';
import { GenerationStore, type NewGeneration } from '../../../src-main/store/generations';
import { ReviewStore } from '../../../src-main/store/reviews';

const dirs: string[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-gen-'));
  dirs.push(dir);
  return join(dir, 'atelier.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function withRunAndCheckpoint(file: string, upTo: number) {
  const db = openDatabase(file, { upTo });
  db.prepare("INSERT INTO runs (id, model, size, steps, batch_size, seed, config, status) VALUES (1, 'dcgan', 32, 10, 8, 1, '{}', 'done')").run();
  db.prepare("INSERT INTO checkpoints (id, run_id, step, dir) VALUES (1, 1, 10, 'checkpoints/run-1/step-10')").run();
  return db;
}

const plan = (db: ReturnType<typeof openDatabase>, sql: string, ...params: unknown[]) =>
  (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' | ');

describe('migration 005 (generation provenance)', () => {
  it('keeps rows made before it, gives them their size and numbers their batches by folder', () => {
    const file = tempDb();
    const v4 = withRunAndCheckpoint(file, 4);
    const insert = v4.prepare('INSERT INTO generations (checkpoint_id, seed, idx, file, size) VALUES (1, ?, ?, ?, 32)');
    insert.run(5, 0, 'samples/20260101-ck1-s5/0000.png');
    insert.run(5, 1, 'samples/20260101-ck1-s5/0001.png');
    insert.run(9, 0, 'samples/20260102-ck1-s9/0000.png');
    v4.close();
    const db = openDatabase(file);
    expect(schemaVersion(db)).toBeGreaterThanOrEqual(5);
    const store = new GenerationStore(db);
    const rows = store.list({ offset: 0, limit: 10, sort: 'oldest' }).items;
    expect(rows.map((r) => [r.seed, r.index, r.batchId, r.width, r.origin, r.prompt, r.rating])).toEqual([
      [5, 0, 1, 32, 'prompt', '', 0],
      [5, 1, 1, 32, 'prompt', '', 0],
      [9, 0, 2, 32, 'prompt', '', 0],
    ]);
    expect(store.get(rows[0]!.id)!.latent).toBeNull(); // recomputed from seed and index when needed
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
  });
});

describe('GenerationStore', () => {
  const base = (i: number, over: Partial<NewGeneration> = {}): NewGeneration => ({
    checkpointId: 1,
    seed: 7,
    index: i,
    file: `samples/generated/x/${i}.png`,
    size: 32,
    width: 32,
    height: 32,
    prompt: 'red fox, seed:7',
    latent: Float32Array.from({ length: 4 }, (_, k) => k + i / 10),
    cond: Float32Array.from([1, 0, -1]),
    truncation: 0.7,
    origin: 'prompt',
    parentId: null,
    params: null,
    post: [],
    backend: 'wasm',
    tags: [{ tag: 'red fox', weight: 1 }],
    ...over,
  });

  it('stores a batch with exact vectors and numbers batches', () => {
    const db = withRunAndCheckpoint(tempDb(), 99);
    const store = new GenerationStore(db);
    const a = store.addBatch([base(0), base(1)]);
    const b = store.addBatch([
      base(0, { prompt: 'winter', tags: [{ tag: 'winter', weight: 1.5 }], seed: 3, origin: 'variation', parentId: a.ids[0]!, params: { strength: 0.3 } }),
    ]);
    expect([a.batchId, b.batchId]).toEqual([1, 2]);
    const r = store.get(a.ids[1]!)!;
    expect([...r.latent!]).toEqual([...Float32Array.from({ length: 4 }, (_, k) => k + 0.1)]);
    expect([...r.cond!]).toEqual([1, 0, -1]);
    expect(r).toMatchObject({ truncation: 0.7, backend: 'wasm', params: {}, post: [] });
    expect(store.get(b.ids[0]!)).toMatchObject({ origin: 'variation', parentId: a.ids[0], params: { strength: 0.3 } });
    expect(store.children(a.ids[0]!)).toBe(1);
    db.close();
  });

  it('filters by words, tag (any case), seed, origin, rating and batch, and sorts by rating', () => {
    const db = withRunAndCheckpoint(tempDb(), 99);
    const store = new GenerationStore(db);
    const { ids } = store.addBatch([base(0), base(1), base(2, { prompt: 'winter, seed:3', seed: 3, tags: [{ tag: 'winter', weight: 1 }] })]);
    const list = (f: object) => store.list({ offset: 0, limit: 50, sort: 'newest', ...f });
    expect(list({ text: 'FOX red' }).total).toBe(2);
    expect(list({ text: '100%_' }).total).toBe(0); // LIKE wildcards are literal
    expect(list({ tag: 'Winter' }).items.map((g) => g.id)).toEqual([ids[2]]);
    expect(list({ seed: 3 }).total).toBe(1);
    expect(list({ origin: 'variation' }).total).toBe(0);
    expect(new ReviewStore(db).set('ana', [ids[0]!, ids[2]!], { stars: 5 })).toBe(2);
    expect(list({ minRating: 5 }).total).toBe(2);
    expect(list({ sort: 'rating' }).items.map((g) => g.rating)).toEqual([5, 5, 0]);
    expect(list({ batchId: 1, sort: 'oldest' }).items.map((g) => g.id)).toEqual(ids);
    // Select all: the same matches in the same order as the pages, without paging.
    expect(store.ids({ sort: 'newest' })).toEqual([...ids].reverse());
    expect(store.ids({ sort: 'rating' })).toEqual(list({ sort: 'rating' }).items.map((g) => g.id));
    expect(store.ids({ text: 'fox', minRating: 5, sort: 'oldest' })).toEqual([ids[0]]);
    expect(plan(db, 'SELECT generation_id FROM generation_tags WHERE tag = ?', 'winter')).toMatch(/USING (PRIMARY KEY|COVERING INDEX)/);
    expect(plan(db, 'SELECT id FROM generations WHERE rating >= ? ORDER BY rating DESC, id DESC', 4)).toContain('generations_by_rating');
    db.close();
  });

  it('keeps prompt history (most recent first, counting uses) and named templates', () => {
    const db = withRunAndCheckpoint(tempDb(), 99);
    const store = new GenerationStore(db);
    store.recordPrompt('red fox');
    store.recordPrompt('winter');
    store.recordPrompt('red fox');
    store.recordPrompt('   ');
    expect(store.history(10).map((h) => [h.text, h.uses])).toEqual([
      ['red fox', 2],
      ['winter', 1],
    ]);
    const t = store.saveTemplate('Foxes', 'red fox:1.5');
    store.saveTemplate('foxes', 'red fox:2'); // same name, any case: replaced
    expect(store.templates()).toEqual([expect.objectContaining({ id: t.id, text: 'red fox:2' })]);
    expect(store.deleteTemplate(t.id)).toBe(true);
    expect(store.deleteTemplate(t.id)).toBe(false);
    db.close();
  });
});
