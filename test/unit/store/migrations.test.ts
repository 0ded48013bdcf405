import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion } from '../../../src-main/store/db';
import { latestVersion, migrations } from '../../../src-main/store/migrations/index';

const dirs: string[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-mig-'));
  dirs.push(dir);
  return join(dir, 'atelier.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tables(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
}

function plan(db: Database.Database, sql: string, ...params: unknown[]): string {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' | ');
}

describe('migrations', () => {
  it('are numbered 1..N with unique names', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(new Set(migrations.map((m) => m.name)).size).toBe(migrations.length);
  });

  it('001 creates assets and tags, and the tag filter uses its index', () => {
    const db = openDatabase(tempDb(), { upTo: 1 });
    expect(schemaVersion(db)).toBe(1);
    expect(tables(db)).toEqual(['asset_tags', 'assets', 'meta', 'tags']);
    db.prepare("INSERT INTO assets (hash, ext, name, width, height, bytes, has_alpha, thumb) VALUES ('ab', 'png', 'a', 1, 1, 1, 0, 't')").run();
    expect(() =>
      db.prepare("INSERT INTO assets (hash, ext, name, width, height, bytes, has_alpha, thumb) VALUES ('ab', 'png', 'b', 1, 1, 1, 0, 't')").run(),
    ).toThrow(/UNIQUE/);
    expect(plan(db, 'SELECT asset_id FROM asset_tags WHERE tag_id = ? ORDER BY asset_id', 1)).toContain('asset_tags_by_tag');
    db.close();
  });

  it('002 adds runs, losses, checkpoints and generations on top of 001 data', () => {
    const file = tempDb();
    const v1 = openDatabase(file, { upTo: 1 });
    v1.prepare("INSERT INTO assets (hash, ext, name, width, height, bytes, has_alpha, thumb) VALUES ('cd', 'png', 'kept', 2, 2, 9, 1, 't')").run();
    v1.close();
    const db = openDatabase(file, { upTo: 2 });
    expect(schemaVersion(db)).toBe(2);
    expect(tables(db)).toEqual(['asset_tags', 'assets', 'checkpoints', 'generations', 'meta', 'run_losses', 'runs', 'tags']);
    expect(db.prepare('SELECT name FROM assets').get()).toEqual({ name: 'kept' });
    expect(() =>
      db.prepare("INSERT INTO runs (model, size, steps, batch_size, seed, config, status) VALUES ('dcgan', 32, 1, 1, 1, '{}', 'bogus')").run(),
    ).toThrow(/CHECK/);
    expect(plan(db, 'SELECT id FROM checkpoints WHERE run_id = ? ORDER BY step DESC', 1)).toContain('checkpoints_by_run');
    db.close();
  });

  it('003 adds curation columns with defaults on existing rows, import reports and the undo log', () => {
    const file = tempDb();
    const v2 = openDatabase(file, { upTo: 2 });
    v2.prepare("INSERT INTO assets (hash, ext, name, width, height, bytes, has_alpha, thumb) VALUES ('ef', 'png', 'old', 2, 2, 9, 1, 't')").run();
    v2.close();
    const db = openDatabase(file, { upTo: 3 });
    expect(db.prepare('SELECT name, flags, excluded, split, phash FROM assets').get()).toEqual({
      name: 'old',
      flags: 0,
      excluded: 0,
      split: null,
      phash: null,
    });
    expect(tables(db)).toEqual(expect.arrayContaining(['import_reports', 'import_failures', 'undo_log']));
    expect(() => db.prepare("UPDATE assets SET split = 'holdout'").run()).toThrow(/CHECK/);
    expect(plan(db, 'SELECT id FROM assets WHERE split = ? ORDER BY id', 'val')).toContain('assets_by_split');
    db.close();
  });

  it('004 rebuilds runs and losses keeping every row and reference, with foreign keys checked', () => {
    const file = tempDb();
    const v3 = openDatabase(file, { upTo: 3 });
    v3.prepare(
      "INSERT INTO runs (id, model, size, steps, batch_size, seed, config, status, steps_done) VALUES (7, 'dcgan', 32, 10, 8, 1, '{}', 'done', 10)",
    ).run();
    v3.prepare('INSERT INTO run_losses (run_id, step, loss_d, loss_g) VALUES (7, 1, 1.5, 0.5)').run();
    v3.prepare("INSERT INTO checkpoints (id, run_id, step, dir) VALUES (3, 7, 10, 'checkpoints/run-7/step-10')").run();
    v3.prepare("INSERT INTO generations (checkpoint_id, seed, idx, file, size) VALUES (3, 1, 0, 'samples/a.png', 32)").run();
    v3.close();
    const db = openDatabase(file, { upTo: 4 });
    expect(schemaVersion(db)).toBe(4);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1); // back on after the rebuild
    expect(db.prepare('SELECT id, name, preset, status, steps_done AS done, overfitting FROM runs').get()).toEqual({
      id: 7,
      name: 'Run 7',
      preset: 'medium',
      status: 'done',
      done: 10,
      overfitting: 0,
    });
    expect(db.prepare('SELECT step, loss_d, loss_g, recon, kl FROM run_losses').get()).toEqual({ step: 1, loss_d: 1.5, loss_g: 0.5, recon: null, kl: null });
    expect(db.prepare('SELECT count(*) AS n FROM generations g JOIN checkpoints c ON c.id = g.checkpoint_id JOIN runs r ON r.id = c.run_id').get()).toEqual({
      n: 1,
    });
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.prepare("UPDATE runs SET status = 'paused'").run(); // the new state is allowed
    expect(() => db.prepare("UPDATE runs SET status = 'sleeping'").run()).toThrow(/CHECK/);
    expect(tables(db)).toEqual(expect.arrayContaining(['run_samples', 'run_assets', 'sweeps']));
    expect(plan(db, "SELECT id FROM runs WHERE status = 'queued' ORDER BY id")).toContain('runs_by_status');
    db.close();
  });

  it('006 adds an unrated rating to existing images, refuses out-of-range ones, and the rating filter uses its index', () => {
    const file = tempDb();
    const v5 = openDatabase(file, { upTo: 5 });
    v5.prepare("INSERT INTO assets (hash, ext, name, width, height, bytes, has_alpha, thumb) VALUES ('ab', 'png', 'old', 2, 2, 9, 1, 't')").run();
    v5.close();
    const db = openDatabase(file, { upTo: 6 });
    expect(schemaVersion(db)).toBe(6);
    expect(db.prepare('SELECT name, rating FROM assets').get()).toEqual({ name: 'old', rating: 0 });
    db.prepare('UPDATE assets SET rating = 5').run();
    expect(() => db.prepare('UPDATE assets SET rating = 6').run()).toThrow(/CHECK/);
    expect(() => db.prepare('UPDATE assets SET rating = -1').run()).toThrow(/CHECK/);
    // The shapes AssetStore's filter uses: ids of rated images from the index, unrated ones in index order.
    expect(plan(db, 'SELECT a.id FROM assets a WHERE a.id IN (SELECT id FROM assets WHERE rating >= ?) ORDER BY a.id LIMIT 200', 3)).toContain(
      'COVERING INDEX assets_by_rating (rating>?)',
    );
    expect(plan(db, 'SELECT a.id FROM assets a WHERE a.rating = 0 ORDER BY a.id LIMIT 200')).toMatch(
      /SEARCH a USING (COVERING )?INDEX assets_by_rating \(rating=\?\)$/,
    );
    expect(plan(db, 'SELECT count(*) FROM assets a WHERE a.rating >= ?', 3)).toBe('SEARCH a USING COVERING INDEX assets_by_rating (rating>?)');
    db.close();
  });

  it('007 adds the feature cache: one vector per hash, embedding and view, its length checked', () => {
    const file = tempDb();
    const v6 = openDatabase(file, { upTo: 6 });
    v6.prepare("INSERT INTO assets (hash, ext, name, width, height, bytes, has_alpha, thumb) VALUES ('ab', 'png', 'old', 2, 2, 9, 1, 't')").run();
    v6.close();
    const db = openDatabase(file, { upTo: 7 });
    expect(schemaVersion(db)).toBe(7);
    expect(tables(db)).toContain('image_features');
    expect(db.prepare('SELECT name FROM assets').get()).toEqual({ name: 'old' });
    const put = db.prepare('INSERT INTO image_features (hash, embedding, view, dim, features) VALUES (?, ?, ?, ?, ?)');
    put.run('ab', 'e1', '32', 2, Buffer.alloc(8));
    put.run('ab', 'e1', '64', 2, Buffer.alloc(8)); // another view of the same image
    put.run('ab', 'e2', '32', 2, Buffer.alloc(8)); // another embedding
    expect(() => put.run('ab', 'e1', '32', 2, Buffer.alloc(8))).toThrow(/UNIQUE|PRIMARY/);
    expect(() => put.run('cd', 'e1', '32', 3, Buffer.alloc(8))).toThrow(/CHECK/);
    expect(plan(db, 'SELECT features FROM image_features WHERE hash = ? AND embedding = ? AND view = ?', 'ab', 'e1', '32')).toContain('PRIMARY KEY');
    db.close();
  });

  it('008 adds evaluations (one test per checkpoint), gallery copy checks and drift reports, cascading with their run', () => {
    const file = tempDb();
    const v7 = openDatabase(file, { upTo: 7 });
    v7.prepare(
      "INSERT INTO runs (id, name, model, size, preset, steps, batch_size, seed, status, config) VALUES (1, 'r', 'dcgan', 32, 'small', 10, 8, 1, 'done', '{}')",
    ).run();
    v7.prepare("INSERT INTO checkpoints (id, run_id, step, dir) VALUES (5, 1, 10, 'checkpoints/run-1/step-10')").run();
    v7.close();
    const db = openDatabase(file, { upTo: 8 });
    expect(schemaVersion(db)).toBe(8);
    expect(tables(db)).toEqual(expect.arrayContaining(['evaluations', 'generation_copies', 'drift_reports']));
    const add = db.prepare(
      "INSERT INTO evaluations (run_id, checkpoint_id, split, label, samples, reference, kid, kid_stderr, fid, precision, recall, report, seconds, embedding) VALUES (1, 5, ?, 'r', 64, 40, 0.1, 0.01, 50, 0.5, 0.2, '{}', 3, 'e')",
    );
    add.run('val');
    add.run('val'); // scored again: kept
    add.run('test');
    expect(() => add.run('test')).toThrow(/UNIQUE/); // tested once
    expect(() => add.run('holdout')).toThrow(/CHECK/);
    expect(plan(db, "SELECT * FROM evaluations WHERE checkpoint_id = ? AND split = 'test'", 5)).toMatch(/evaluations_one_test|evaluations_by_run/);
    db.prepare('DELETE FROM runs WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) FROM evaluations').pluck().get()).toBe(0);
    db.close();
  });

  it('runs all pending migrations in one transaction: a failing one leaves the old version', () => {
    const file = tempDb();
    openDatabase(file, { upTo: 1 }).close();
    const broken = [
      ...migrations,
      {
        version: latestVersion + 1,
        name: 'broken',
        up: () => {
          throw new Error('boom');
        },
      },
    ];
    expect(() => openDatabase(file, { list: broken })).toThrow(/boom/);
    const raw = new Database(file);
    expect(raw.pragma('user_version', { simple: true })).toBe(1);
    expect(tables(raw)).not.toContain('runs');
    raw.close();
  });

  it('refuses a database written by a newer Atelier, with a message that says what to do', () => {
    const file = tempDb();
    const raw = new Database(file);
    raw.pragma(`user_version = ${latestVersion + 3}`);
    raw.close();
    expect(() => openDatabase(file)).toThrow(`schema ${latestVersion + 3}; this version knows up to ${latestVersion}). Update Atelier`);
  });

  it('uses WAL and foreign keys', () => {
    const db = openDatabase(tempDb());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });
});
