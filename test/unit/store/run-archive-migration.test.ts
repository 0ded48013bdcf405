// Migration 010: runs gain archived_at, deleted_at and sample_cells; existing runs are neither
// archived nor deleted, and the store's reads leave a deleted run (and its checkpoints) out.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion } from '../../../src-main/store/db';
import { RunStore } from '../../../src-main/store/runs';

const dirs: string[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-mig010-'));
  dirs.push(dir);
  return join(dir, 'atelier.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('migration 010', () => {
  it('adds archive, delete and sample-cell columns to runs made before it, which stay listed', () => {
    const file = tempDb();
    const v9 = openDatabase(file, { upTo: 9 });
    v9.prepare(
      "INSERT INTO runs (id, name, model, size, preset, steps, batch_size, seed, status, config) VALUES (1, 'old', 'cgan', 32, 'small', 10, 8, 1, 'done', '{}')",
    ).run();
    v9.prepare("INSERT INTO checkpoints (id, run_id, step, dir) VALUES (5, 1, 10, 'checkpoints/run-1/step-10')").run();
    v9.close();
    let db = openDatabase(file, { upTo: 10 });
    expect(schemaVersion(db)).toBe(10);
    const columns = (db.prepare("SELECT name FROM pragma_table_info('runs')").pluck().all() as string[]).filter((c) =>
      ['archived_at', 'deleted_at', 'sample_cells'].includes(c),
    );
    expect(columns).toEqual(['archived_at', 'deleted_at', 'sample_cells']);
    // The store reads today's schema: the later migrations leave these columns as they are.
    db.close();
    db = openDatabase(file);
    const runs = new RunStore(db);
    expect(runs.get(1)).toMatchObject({ name: 'old', archivedAt: null });
    expect(runs.sampleCells(1)).toBeNull();
    runs.setSampleCells(1, [[0], [1, 2]]);
    expect(runs.sampleCells(1)).toEqual([[0], [1, 2]]);
    runs.setArchived(1, true);
    expect(runs.list()[0]!.archivedAt).toMatch(/^\d{4}-/);
    // A deleted run's row (kept for its images' provenance) is gone from every read.
    db.prepare("UPDATE runs SET deleted_at = 'now' WHERE id = 1").run();
    expect(runs.get(1)).toBeNull();
    expect(runs.list()).toEqual([]);
    expect(runs.checkpoint(5)).toBeNull();
    expect(runs.allCheckpoints()).toEqual([]);
    expect(runs.checkpointCount()).toBe(0);
    expect(runs.origin(5)).toMatchObject({ deleted: true, run: { name: 'old' }, checkpoint: { step: 10 } });
    db.close();
  });
});
