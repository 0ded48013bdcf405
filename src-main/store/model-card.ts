// What the model card reads that the other stores do not answer: every import report (not
// only the latest), untagged images, and who reviewed how much (in the project, and of one run's images).
import type { Db } from './db';

export interface ImportReportSummary {
  id: number;
  startedAt: string;
  finishedAt: string;
  imported: number;
  duplicates: number;
  failed: number;
  cancelled: boolean;
  /** The first few refused files with their reasons (all of them are counted in `failed`). */
  failures: { file: string; reason: string }[];
}

export interface ReviewerCount {
  reviewer: string;
  reviews: number;
}

export class ModelCardStore {
  constructor(private readonly db: Db) {}

  /** Every import, oldest first, with up to `failuresEach` of its refused files. */
  importReports(failuresEach = 5): ImportReportSummary[] {
    const rows = this.db
      .prepare('SELECT id, started_at AS startedAt, finished_at AS finishedAt, imported, duplicates, failed, cancelled FROM import_reports ORDER BY id')
      .all() as (Omit<ImportReportSummary, 'cancelled' | 'failures'> & { cancelled: number })[];
    const failures = this.db.prepare('SELECT file, reason FROM import_failures WHERE report_id = ? ORDER BY rowid LIMIT ?');
    return rows.map((r) => ({
      ...r,
      cancelled: r.cancelled === 1,
      failures: failures.all(r.id, failuresEach) as { file: string; reason: string }[],
    }));
  }

  /** Images still in play that carry no tag. */
  untaggedIncluded(): number {
    return this.db
      .prepare('SELECT count(*) FROM assets a WHERE a.excluded = 0 AND NOT EXISTS (SELECT 1 FROM asset_tags at WHERE at.asset_id = a.id)')
      .pluck()
      .get() as number;
  }

  /** Reviews per reviewer, most first: of the whole project, or of the images drawn from one run's checkpoints. */
  reviewerCounts(runId?: number): ReviewerCount[] {
    if (runId === undefined) {
      return this.db
        .prepare('SELECT reviewer, count(*) AS reviews FROM reviews GROUP BY reviewer ORDER BY reviews DESC, reviewer COLLATE NOCASE')
        .all() as ReviewerCount[];
    }
    return this.db
      .prepare(
        `SELECT r.reviewer, count(*) AS reviews FROM reviews r
         JOIN generations g ON g.id = r.generation_id JOIN checkpoints c ON c.id = g.checkpoint_id
         WHERE c.run_id = ? GROUP BY r.reviewer ORDER BY reviews DESC, r.reviewer COLLATE NOCASE`,
      )
      .all(runId) as ReviewerCount[];
  }

  /** Images drawn from one run's checkpoints (the gallery's share of this model). */
  generationsOfRun(runId: number): number {
    return this.db.prepare('SELECT count(*) FROM generations g JOIN checkpoints c ON c.id = g.checkpoint_id WHERE c.run_id = ?').pluck().get(runId) as number;
  }
}
