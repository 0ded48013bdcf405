// Star ratings of dataset images: a bulk edit on a selection (one transaction, one undo
// entry), the rating filter alone and combined with the others, and undo of mixed ratings.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewAsset } from '../../../src-main/store/assets';
import { Project } from '../../../src-main/store/project';

let dir: string;
let p: Project;

function fakeAssets(n: number, tag = (i: number) => (i % 10 === 0 ? 'rare' : 'common')): NewAsset[] {
  return Array.from({ length: n }, (_, i) => ({
    hash: `h${i.toString(16).padStart(8, '0')}`,
    ext: 'png',
    name: `img-${i}.png`,
    width: 8,
    height: 8,
    bytes: 100,
    hasAlpha: false,
    thumb: `thumbs/${i}.webp`,
    tags: [tag(i)],
  }));
}

/** Counts the SQL statements `body` executes on the project's connection, its writes outside a transaction, and the transactions it opens. */
function watchStatements(project: Project, body: () => void): { executed: number; writesOutsideTransaction: number; transactions: number } {
  const db = project.db;
  const seen = { executed: 0, writesOutsideTransaction: 0, transactions: 0 };
  const statement = Object.getPrototypeOf(db.prepare('SELECT 1')) as Record<'run' | 'get' | 'all' | 'iterate', (...args: unknown[]) => unknown>;
  const methods = ['run', 'get', 'all', 'iterate'] as const;
  const originals = methods.map((m) => statement[m]);
  methods.forEach((m, i) => {
    statement[m] = function (this: { reader: boolean; source: string }, ...args: unknown[]) {
      // BEGIN, COMMIT and savepoints are the transaction itself, counted below.
      if (!/^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/i.test(this.source)) {
        seen.executed++;
        if (!this.reader && !db.inTransaction) seen.writesOutsideTransaction++;
      }
      return originals[i]!.apply(this, args);
    };
  });
  const transaction = db.transaction;
  db.transaction = ((fn: (...args: unknown[]) => unknown) => {
    const wrapped = transaction.call(db, fn);
    return Object.assign((...args: unknown[]) => {
      if (!db.inTransaction) seen.transactions++;
      return wrapped(...args);
    }, wrapped);
  }) as typeof db.transaction;
  try {
    body();
  } finally {
    methods.forEach((m, i) => (statement[m] = originals[i]!));
    delete (db as { transaction?: unknown }).transaction;
  }
  return seen;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-ratings-'));
  p = Project.create(join(dir, 'p'));
});
afterEach(() => {
  p.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('asset ratings', () => {
  it('new images are unrated; rating a selection changes only what differs, in one undo entry', () => {
    const ids = p.assets.insertMany(fakeAssets(20));
    expect(p.assets.get(ids[0]!)!.rating).toBe(0);
    expect(p.assets.setRating(ids.slice(0, 5), 4)).toBe(5);
    expect(p.assets.lastEdit()).toBe('rate 5 images 4 stars');
    // Already 4 stars: nothing changes and nothing is logged; duplicates and unknown ids are ignored.
    expect(p.assets.setRating([ids[0]!, ids[0]!, 999_999], 4)).toBe(0);
    expect(p.assets.lastEdit()).toBe('rate 5 images 4 stars');
    expect(p.assets.setRating([ids[0]!], 1)).toBe(1);
    expect(p.assets.lastEdit()).toBe('rate 1 image 1 star');
    expect(p.assets.setRating(ids.slice(0, 2), 0)).toBe(2);
    expect(p.assets.lastEdit()).toBe('clear the rating of 2 images');
    expect(p.assets.page({}, 0, 6).map((a) => a.rating)).toEqual([0, 0, 4, 4, 4, 0]);
  });

  it('refuses a rating outside 0–5 with a message that names the range', () => {
    const ids = p.assets.insertMany(fakeAssets(2));
    expect(() => p.assets.setRating(ids, 7)).toThrow('A rating is a whole number of stars from 0 to 5, got 7.');
    expect(() => p.assets.setRating(ids, 2.5)).toThrow(RangeError);
    expect(p.assets.lastEdit()).toBeNull();
  });

  it('filters by minimum rating and by unrated, combined with a tag, consistently across count, page and ids', () => {
    const ids = p.assets.insertMany(fakeAssets(40));
    p.assets.setRating(ids.slice(0, 10), 2); // ids[0] is rare, the rest common
    p.assets.setRating(ids.slice(10, 13), 5); // ids[10] rare
    expect(p.assets.count({ minRating: 1 })).toBe(13);
    expect(p.assets.count({ minRating: 3 })).toBe(3);
    expect(p.assets.count({ minRating: 0 })).toBe(40); // 0 = any
    expect(p.assets.count({ unrated: true })).toBe(27);
    expect(p.assets.count({ unrated: false })).toBe(13);
    expect(p.assets.count({ unrated: true, minRating: 2 })).toBe(0); // fields combine with AND
    expect(p.assets.ids({ minRating: 5 })).toEqual(ids.slice(10, 13));
    expect(p.assets.page({ minRating: 2 }, 10, 5).map((a) => a.id)).toEqual(ids.slice(10, 13));
    expect(p.assets.ids({ tag: 'rare', minRating: 1 })).toEqual([ids[0], ids[10]]);
    expect(p.assets.count({ tag: 'rare', unrated: true })).toBe(2);
  });

  it('undo puts every image back to the rating it had, whatever it was', () => {
    const ids = p.assets.insertMany(fakeAssets(30));
    p.assets.setRating(ids.slice(0, 10), 2);
    p.assets.setRating(ids.slice(10, 20), 4);
    const before = p.assets.page({}, 0, 30).map((a) => a.rating);
    expect(p.assets.setRating(ids, 5)).toBe(30);
    expect(p.assets.count({ minRating: 5 })).toBe(30);
    expect(p.assets.undo()).toBe('rate 30 images 5 stars');
    expect(p.assets.page({}, 0, 30).map((a) => a.rating)).toEqual(before);
    expect(p.assets.lastEdit()).toBe('rate 10 images 4 stars');
  });

  it('rates 10,000 images with a few statements in one transaction, never one per image, and undoes them the same way', () => {
    const ids = p.assets.insertMany(fakeAssets(12_000));
    p.assets.setRating(ids.slice(0, 3000), 3);
    const selection = ids.slice(2000, 12_000);
    const rate = watchStatements(p, () => expect(p.assets.setRating(selection, 5)).toBe(10_000));
    expect(p.assets.count({ minRating: 5 })).toBe(10_000);
    const undo = watchStatements(p, () => expect(p.assets.undo()).toBe('rate 10,000 images 5 stars'));
    expect(p.assets.count({ minRating: 3 })).toBe(3000);
    expect(p.assets.count({ unrated: true })).toBe(9000);
    // Counted rather than timed: a loop over the selection would run thousands of statements.
    for (const s of [rate, undo]) {
      expect(s.transactions).toBe(1);
      expect(s.executed).toBeGreaterThan(0);
      expect(s.executed).toBeLessThanOrEqual(5);
      expect(s.writesOutsideTransaction).toBe(0);
    }
  });
});
