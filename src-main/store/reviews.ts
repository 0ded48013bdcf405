// A team's reviews of generated images, review queues, the preference model's rows and
// predictions, and feedback rounds with the ratings each used. Every review is one statement,
// committed before the call returns: what the screen acknowledges is on disk.
import { applyReviewChange, type MyReviewT, type RejectReasonT, type ReviewChangeT, type ReviewQueueT, type ReviewT } from '../../src-preload/contract';
import { assetFile } from './assets';
import type { Db } from './db';

interface ReviewRow {
  generationId: number;
  reviewer: string;
  stars: number;
  favourite: number;
  reject: RejectReasonT | null;
  comment: string;
  createdAt: string;
  updatedAt: string;
}

const REVIEW_COLUMNS = `generation_id AS generationId, reviewer, stars, favourite, reject, comment, created_at AS createdAt, updated_at AS updatedAt`;

function fromRow(r: ReviewRow): ReviewT {
  return { ...r, favourite: r.favourite === 1 };
}

/** A rated image as the preference model learns from it: its mean score over reviewers. */
export interface RatedImage {
  /** A generation's id, or a dataset image's (kind says which). */
  id: number;
  kind: 'generation' | 'asset';
  /** Mean over reviewers of their score (stars; a reject without stars counts 1, a favourite without stars 5). */
  score: number;
  reviewers: string[];
  /** The file's content hash (null for a generation not hashed yet) and its project-relative file. */
  hash: string | null;
  file: string;
  updatedAt: string;
}

export interface PreferenceModelRow {
  id: number;
  embedding: string;
  view: string;
  ratings: number;
  reviewers: number;
  spearman: number | null;
  mae: number | null;
  baselineMae: number | null;
  trusted: boolean;
  verdict: string;
  weights: Float32Array | null;
  params: { intercept: number; mean: number[]; lambda: number; newest: string };
  seconds: number;
  createdAt: string;
}

export interface FeedbackRoundRow {
  runId: number;
  fromCheckpointId: number;
  preferenceModelId: number | null;
  method: Record<string, number | string | boolean>;
  comparison: unknown;
  verdict: 'better' | 'no clear change' | 'worse' | null;
  createdAt: string;
}

export interface RoundRating {
  generationId: number;
  role: 'liked' | 'disliked';
  score: number;
  weight: number;
  reviewers: string[];
}

/** A review's score as a number of stars, or null when it says nothing about how good the image is. */
export const SCORE_SQL = `CASE WHEN r.stars > 0 THEN r.stars WHEN r.reject IS NOT NULL THEN 1 WHEN r.favourite = 1 THEN 5 END`;

export class ReviewStore {
  constructor(private readonly db: Db) {}

  /**
   * Applies one change to `reviewer`'s review of each image (creating it where needed); a review
   * left with nothing in it is deleted. Returns how many reviews changed.
   */
  set(reviewer: string, ids: readonly number[], change: ReviewChangeT): number {
    const get = this.db.prepare(`SELECT ${REVIEW_COLUMNS} FROM reviews WHERE generation_id = ? AND reviewer = ?`);
    const exists = this.db.prepare('SELECT 1 FROM generations WHERE id = ?').pluck();
    const upsert = this.db.prepare(
      `INSERT INTO reviews (generation_id, reviewer, stars, favourite, reject, comment) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (generation_id, reviewer) DO UPDATE SET stars = excluded.stars, favourite = excluded.favourite, reject = excluded.reject,
         comment = excluded.comment, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
    );
    const remove = this.db.prepare('DELETE FROM reviews WHERE generation_id = ? AND reviewer = ?');
    return this.db.transaction(() => {
      let changed = 0;
      for (const id of new Set(ids)) {
        if (!exists.get(id)) continue;
        const row = get.get(id, reviewer) as ReviewRow | undefined;
        const old = row ? { stars: row.stars, favourite: row.favourite === 1, reject: row.reject, comment: row.comment } : null;
        const next = applyReviewChange(old, change);
        if (next === null) {
          if (old) changed += remove.run(id, reviewer).changes;
          continue;
        }
        if (old && old.stars === next.stars && old.favourite === next.favourite && old.reject === next.reject && old.comment === next.comment) continue;
        upsert.run(id, reviewer, next.stars, next.favourite ? 1 : 0, next.reject, next.comment);
        changed++;
      }
      return changed;
    })();
  }

  /** Every review of one image, oldest first. */
  of(generationId: number): ReviewT[] {
    return (
      this.db.prepare(`SELECT ${REVIEW_COLUMNS} FROM reviews WHERE generation_id = ? ORDER BY created_at, reviewer`).all(generationId) as ReviewRow[]
    ).map(fromRow);
  }

  /** `reviewer`'s own reviews of the images among `ids`, by image. */
  mine(reviewer: string, ids: readonly number[]): Map<number, MyReviewT> {
    const rows = this.db
      .prepare(`SELECT ${REVIEW_COLUMNS} FROM reviews WHERE reviewer = ? AND generation_id IN (SELECT value FROM json_each(?))`)
      .all(reviewer, JSON.stringify(ids)) as ReviewRow[];
    return new Map(rows.map((r) => [r.generationId, { stars: r.stars, favourite: r.favourite === 1, reject: r.reject, comment: r.comment }]));
  }

  /** Everyone who has reviewed here or was sent a batch, by name. */
  reviewers(): string[] {
    return this.db.prepare('SELECT reviewer FROM reviews UNION SELECT reviewer FROM review_queues ORDER BY 1 COLLATE NOCASE').pluck().all() as string[];
  }

  // --- queues ---------------------------------------------------------------------------

  /** Sends a batch to reviewers (a batch already sent to someone stays as it was). */
  queue(batchId: number, reviewers: readonly string[], sentBy: string): void {
    const insert = this.db.prepare('INSERT OR IGNORE INTO review_queues (batch_id, reviewer, sent_by) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      for (const r of reviewers) insert.run(batchId, r, sentBy);
    })();
  }

  queues(filter: { reviewer?: string | undefined; pendingOnly?: boolean; batchIds?: number[] } = {}): ReviewQueueT[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.reviewer !== undefined) {
      where.push('q.reviewer = ?');
      args.push(filter.reviewer);
    }
    if (filter.batchIds) {
      where.push('q.batch_id IN (SELECT value FROM json_each(?))');
      args.push(JSON.stringify(filter.batchIds));
    }
    const rows = this.db
      .prepare(
        `SELECT q.id, q.batch_id AS batchId, q.reviewer, q.sent_by AS sentBy, q.created_at AS createdAt,
           (SELECT count(*) FROM generations g WHERE g.batch_id = q.batch_id) AS images,
           (SELECT count(*) FROM generations g JOIN reviews r ON r.generation_id = g.id AND r.reviewer = q.reviewer WHERE g.batch_id = q.batch_id) AS reviewed,
           coalesce((SELECT prompt FROM generations g WHERE g.batch_id = q.batch_id ORDER BY g.id LIMIT 1), '') AS prompt,
           coalesce((SELECT created_at FROM generations g WHERE g.batch_id = q.batch_id ORDER BY g.id LIMIT 1), q.created_at) AS drawnAt
         FROM review_queues q ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY q.id DESC`,
      )
      .all(...args) as Omit<ReviewQueueT, 'pending'>[];
    const out = rows.map((r) => ({ ...r, pending: r.reviewed < r.images }));
    return filter.pendingOnly ? out.filter((q) => q.pending) : out;
  }

  // --- what the preference model learns from -------------------------------------------

  /** Every rated image: generations by their reviews' mean score, dataset images by their stars. */
  rated(): RatedImage[] {
    const generations = this.db
      .prepare(
        `SELECT g.id, avg(${SCORE_SQL}) AS score, json_group_array(r.reviewer) AS reviewers, g.hash, g.file, max(r.updated_at) AS updatedAt
         FROM reviews r JOIN generations g ON g.id = r.generation_id
         WHERE ${SCORE_SQL} IS NOT NULL GROUP BY g.id ORDER BY g.id`,
      )
      .all() as { id: number; score: number; reviewers: string; hash: string | null; file: string; updatedAt: string }[];
    const assets = this.db
      .prepare(`SELECT id, rating AS score, hash, ext, imported_at AS updatedAt FROM assets WHERE rating > 0 AND excluded = 0 ORDER BY id`)
      .all() as { id: number; score: number; hash: string; ext: string; updatedAt: string }[];
    return [
      ...generations.map((g) => ({ ...g, kind: 'generation' as const, reviewers: JSON.parse(g.reviewers) as string[] })),
      ...assets.map((a) => ({
        id: a.id,
        kind: 'asset' as const,
        score: a.score,
        reviewers: [],
        hash: a.hash,
        file: assetFile(a.hash, a.ext),
        updatedAt: a.updatedAt,
      })),
    ];
  }

  setHashes(pairs: readonly { id: number; hash: string }[]): void {
    const update = this.db.prepare('UPDATE generations SET hash = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const p of pairs) update.run(p.hash, p.id);
    })();
  }

  /** Generations to predict, newest first: every one (a new model), or those without a prediction. */
  toPredict(all: boolean): { id: number; hash: string | null; file: string }[] {
    return this.db.prepare(`SELECT id, hash, file FROM generations ${all ? '' : 'WHERE predicted IS NULL'} ORDER BY id DESC`).all() as {
      id: number;
      hash: string | null;
      file: string;
    }[];
  }

  /** The files (and hashes) of the given generations. */
  filesOf(ids: readonly number[]): { id: number; hash: string | null; file: string }[] {
    return this.db.prepare('SELECT id, hash, file FROM generations WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id').all(JSON.stringify(ids)) as {
      id: number;
      hash: string | null;
      file: string;
    }[];
  }

  newestGeneration(): number {
    return (this.db.prepare('SELECT coalesce(max(id), 0) FROM generations').pluck().get() as number) ?? 0;
  }

  /** Whether some generation has no prediction yet (an index lookup). */
  hasUnpredicted(): boolean {
    return this.db.prepare('SELECT 1 FROM generations WHERE predicted IS NULL LIMIT 1').get() !== undefined;
  }

  clearPredictions(): void {
    this.db.prepare('UPDATE generations SET predicted = NULL WHERE predicted IS NOT NULL').run();
  }

  setPredictions(rows: readonly { id: number; predicted: number | null }[]): void {
    const update = this.db.prepare('UPDATE generations SET predicted = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const r of rows) update.run(r.predicted, r.id);
    })();
  }

  predictions(ids: readonly number[]): Map<number, number | null> {
    const rows = this.db.prepare('SELECT id, predicted FROM generations WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as {
      id: number;
      predicted: number | null;
    }[];
    return new Map(rows.map((r) => [r.id, r.predicted]));
  }

  countPredicted(): { predicted: number; generations: number } {
    return this.db.prepare('SELECT count(predicted) AS predicted, count(*) AS generations FROM generations').get() as {
      predicted: number;
      generations: number;
    };
  }

  // --- preference models ----------------------------------------------------------------

  addModel(m: Omit<PreferenceModelRow, 'id' | 'createdAt'>): number {
    return Number(
      this.db
        .prepare(
          `INSERT INTO preference_models (embedding, view, ratings, reviewers, spearman, mae, baseline_mae, trusted, verdict, weights, params, seconds)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          m.embedding,
          m.view,
          m.ratings,
          m.reviewers,
          m.spearman,
          m.mae,
          m.baselineMae,
          m.trusted ? 1 : 0,
          m.verdict,
          m.weights ? Buffer.from(m.weights.buffer, m.weights.byteOffset, m.weights.byteLength) : null,
          JSON.stringify(m.params),
          m.seconds,
        ).lastInsertRowid,
    );
  }

  /** The newest preference model, or null before any. */
  latestModel(): PreferenceModelRow | null {
    const r = this.db
      .prepare(
        `SELECT id, embedding, view, ratings, reviewers, spearman, mae, baseline_mae AS baselineMae, trusted, verdict, weights, params, seconds,
           created_at AS createdAt FROM preference_models ORDER BY id DESC LIMIT 1`,
      )
      .get() as (Omit<PreferenceModelRow, 'trusted' | 'weights' | 'params'> & { trusted: number; weights: Buffer | null; params: string }) | undefined;
    if (!r) return null;
    return {
      ...r,
      trusted: r.trusted === 1,
      weights: r.weights ? new Float32Array(new Uint8Array(r.weights).buffer) : null,
      params: JSON.parse(r.params) as PreferenceModelRow['params'],
    };
  }

  // --- feedback rounds ------------------------------------------------------------------

  addRound(
    round: { runId: number; fromCheckpointId: number; preferenceModelId: number | null; method: FeedbackRoundRow['method'] },
    ratings: readonly RoundRating[],
  ): void {
    const insert = this.db.prepare('INSERT INTO feedback_round_ratings (run_id, generation_id, role, score, weight, reviewers) VALUES (?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO feedback_rounds (run_id, from_checkpoint_id, preference_model_id, method) VALUES (?, ?, ?, ?)')
        .run(round.runId, round.fromCheckpointId, round.preferenceModelId, JSON.stringify(round.method));
      for (const r of ratings) insert.run(round.runId, r.generationId, r.role, r.score, r.weight, JSON.stringify(r.reviewers));
    })();
  }

  /** Feedback rounds, newest first (one run's when `runId` is given). */
  rounds(runId?: number): FeedbackRoundRow[] {
    const rows = this.db
      .prepare(
        `SELECT run_id AS runId, from_checkpoint_id AS fromCheckpointId, preference_model_id AS preferenceModelId, method, comparison, verdict,
           created_at AS createdAt FROM feedback_rounds ${runId === undefined ? '' : 'WHERE run_id = ?'} ORDER BY run_id DESC`,
      )
      .all(...(runId === undefined ? [] : [runId])) as (Omit<FeedbackRoundRow, 'method' | 'comparison'> & { method: string; comparison: string | null })[];
    return rows.map((r) => ({
      ...r,
      method: JSON.parse(r.method) as FeedbackRoundRow['method'],
      comparison: r.comparison ? (JSON.parse(r.comparison) as unknown) : null,
    }));
  }

  round(runId: number): FeedbackRoundRow | null {
    return this.rounds(runId)[0] ?? null;
  }

  roundRatings(runId: number): RoundRating[] {
    const rows = this.db
      .prepare('SELECT generation_id AS generationId, role, score, weight, reviewers FROM feedback_round_ratings WHERE run_id = ? ORDER BY generation_id')
      .all(runId) as (Omit<RoundRating, 'reviewers'> & { reviewers: string })[];
    return rows.map((r) => ({ ...r, reviewers: JSON.parse(r.reviewers) as string[] }));
  }

  setComparison(runId: number, comparison: unknown, verdict: FeedbackRoundRow['verdict']): void {
    this.db.prepare('UPDATE feedback_rounds SET comparison = ?, verdict = ? WHERE run_id = ?').run(JSON.stringify(comparison), verdict, runId);
  }
}
