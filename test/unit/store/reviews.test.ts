// Reviews as a team makes them: one review per (image, reviewer), the gallery's summary columns
// kept by triggers, "not reviewed by me", queues pending until done, and the old single rating
// carried over as an "unnamed" reviewer's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src-main/store/db';
import { GenerationStore } from '../../../src-main/store/generations';
import { ReviewStore } from '../../../src-main/store/reviews';

const dirs: string[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-reviews-'));
  dirs.push(dir);
  return join(dir, 'atelier.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function seeded(file: string, upTo?: number) {
  const db = openDatabase(file, upTo ? { upTo } : {});
  db.prepare("INSERT INTO runs (id, model, size, steps, batch_size, seed, config, status) VALUES (1, 'dcgan', 32, 10, 8, 1, '{}', 'done')").run();
  db.prepare("INSERT INTO checkpoints (id, run_id, step, dir) VALUES (1, 1, 10, 'checkpoints/run-1/step-10')").run();
  const insert = db.prepare('INSERT INTO generations (checkpoint_id, seed, idx, file, size, batch_id) VALUES (1, 1, ?, ?, 32, ?)');
  for (let i = 0; i < 4; i++) insert.run(i, `samples/g/${i}.png`, i < 3 ? 1 : 2);
  return db;
}

const page = (store: GenerationStore, f: object = {}) => store.list({ offset: 0, limit: 50, sort: 'oldest', ...f }).items;

describe('ReviewStore', () => {
  it("keeps two reviewers' ratings of one image apart and averages them, with a disagreement marker", () => {
    const db = seeded(tempDb());
    const reviews = new ReviewStore(db);
    const generations = new GenerationStore(db);
    expect(reviews.set('Ana', [1], { stars: 5, comment: 'the outline is lovely' })).toBe(1);
    expect(reviews.set('Bo', [1], { stars: 2, reject: 'boring' })).toBe(1);
    expect(reviews.set('Bo', [2], { stars: 4 })).toBe(1);
    expect(reviews.of(1).map((r) => [r.reviewer, r.stars, r.reject, r.comment])).toEqual([
      ['Ana', 5, null, 'the outline is lovely'],
      ['Bo', 2, 'boring', ''],
    ]);
    const [one, two, three] = page(generations);
    expect(one).toMatchObject({ rating: 3.5, ratings: 2, disagreement: true, rejects: 1, favourites: 0 });
    expect(two).toMatchObject({ rating: 4, ratings: 1, disagreement: false });
    expect(three).toMatchObject({ rating: 0, ratings: 0 });
    // Changing one field keeps the others; clearing everything deletes the review.
    reviews.set('Ana', [1], { favourite: true });
    expect(reviews.mine('Ana', [1]).get(1)).toEqual({ stars: 5, favourite: true, reject: null, comment: 'the outline is lovely' });
    expect(reviews.set('Ana', [1], { favourite: true })).toBe(0);
    reviews.set('Bo', [1], { stars: 0, reject: null });
    expect(reviews.of(1).map((r) => r.reviewer)).toEqual(['Ana']);
    expect(page(generations)[0]).toMatchObject({ rating: 5, ratings: 1, disagreement: false, rejects: 0, favourites: 1 });
    // Filters and sorts.
    expect(page(generations, { notReviewedBy: 'Bo' }).map((g) => g.id)).toEqual([1, 3, 4]);
    expect(page(generations, { notReviewedBy: 'Ana' }).map((g) => g.id)).toEqual([2, 3, 4]);
    expect(page(generations, { favourites: true }).map((g) => g.id)).toEqual([1]);
    expect(page(generations, { sort: 'rating' }).map((g) => g.id)).toEqual([1, 2, 4, 3]);
    expect(page(generations, { minRating: 4.5 }).map((g) => g.id)).toEqual([1]);
    // Unknown images are passed over; the database refuses out-of-range values.
    expect(reviews.set('Ana', [999], { stars: 3 })).toBe(0);
    expect(() => reviews.set('Ana', [2], { stars: 6 })).toThrow(/CHECK/);
    expect(reviews.reviewers()).toEqual(['Ana', 'Bo']);
    db.close();
  });

  it('shows a batch as pending for a reviewer until they have reviewed every image in it', () => {
    const db = seeded(tempDb());
    const reviews = new ReviewStore(db);
    reviews.queue(1, ['Cy', 'Di'], 'Ana');
    reviews.queue(1, ['Cy'], 'Bo'); // sent twice: the first stands
    expect(reviews.queues().map((q) => [q.reviewer, q.sentBy, q.images, q.reviewed, q.pending])).toEqual([
      ['Di', 'Ana', 3, 0, true],
      ['Cy', 'Ana', 3, 0, true],
    ]);
    reviews.set('Cy', [1, 2], { stars: 3 });
    expect(reviews.queues({ reviewer: 'Cy' })[0]).toMatchObject({ reviewed: 2, pending: true });
    reviews.set('Cy', [3], { reject: 'artefacts' });
    expect(reviews.queues({ reviewer: 'Cy' })[0]).toMatchObject({ reviewed: 3, pending: false });
    expect(reviews.queues({ pendingOnly: true }).map((q) => q.reviewer)).toEqual(['Di']);
    expect(reviews.reviewers()).toEqual(['Cy', 'Di']);
    db.close();
  });

  it('learns from generations by their mean score (a reject counts 1, a favourite 5) and from rated dataset images', () => {
    const db = seeded(tempDb());
    const reviews = new ReviewStore(db);
    reviews.set('Ana', [1], { stars: 4 });
    reviews.set('Bo', [1], { stars: 2 });
    reviews.set('Ana', [2], { reject: 'artefacts' });
    reviews.set('Ana', [3], { favourite: true });
    reviews.set('Ana', [4], { comment: 'hmm' }); // says nothing of how good it is
    expect(reviews.rated().map((r) => [r.kind, r.id, r.score, r.reviewers.sort()])).toEqual([
      ['generation', 1, 3, ['Ana', 'Bo']],
      ['generation', 2, 1, ['Ana']],
      ['generation', 3, 5, ['Ana']],
    ]);
    db.close();
  });

  it('migration 009 turns the single rating of 005 into an "unnamed" review and sorts by its index', () => {
    const file = tempDb();
    const v8 = seeded(file, 8);
    v8.prepare('UPDATE generations SET rating = 4 WHERE id = 2').run();
    v8.close();
    const db = openDatabase(file);
    expect(new ReviewStore(db).of(2).map((r) => [r.reviewer, r.stars])).toEqual([['unnamed', 4]]);
    expect(page(new GenerationStore(db))[1]).toMatchObject({ rating: 4, ratings: 1 });
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    expect(plan('SELECT id FROM generations ORDER BY rating DESC, id DESC LIMIT 10')).toContain('generations_by_rating');
    expect(plan('SELECT id FROM generations ORDER BY predicted DESC, id DESC LIMIT 10')).toContain('generations_by_predicted');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
  });
});
