// Evaluation results and drift reports (migration 008), and the published checkpoint (meta).
// Headline numbers are columns; the evidence is one JSON report per row, written and read whole.
import type { Db } from './db';

export type EvalSplit = 'val' | 'test' | 'train' | 'all';

/** The evidence of one evaluation: stored as JSON, shaped by the contract's Evaluation. */
export interface EvaluationReport {
  collapse: unknown;
  memorisation: unknown;
  preview: string[];
}

export interface NewEvaluation {
  runId: number | null;
  checkpointId: number | null;
  split: EvalSplit;
  auto: boolean;
  label: string;
  samples: number;
  reference: number;
  kid: number;
  kidStderr: number;
  fid: number;
  precision: number;
  recall: number;
  coverage: number | null;
  report: EvaluationReport;
  seconds: number;
  embedding: string;
}

export interface EvaluationRow extends Omit<NewEvaluation, 'report'> {
  id: number;
  runName: string | null;
  step: number | null;
  createdAt: string;
  report: EvaluationReport;
}

export interface DriftRow {
  id: number;
  importId: number | null;
  images: number;
  score: number;
  outlierShare: number;
  unusual: { assetId: number; ratio: number }[];
  createdAt: string;
}

export interface CopyRow {
  generationId: number;
  featureHash: string | null;
  featureDistance: number | null;
  pixelHash: string | null;
  pixelDistance: number;
  possibleCopy: boolean;
  featureThreshold: number;
  pixelThreshold: number;
  checkedAt?: string;
}

const columns = `e.id, e.run_id AS runId, r.name AS runName, e.checkpoint_id AS checkpointId, c.step, e.split, e.auto, e.label, e.samples,
  e.reference, e.kid, e.kid_stderr AS kidStderr, e.fid, e.precision, e.recall, e.coverage, e.report, e.seconds, e.embedding, e.created_at AS createdAt`;
const from = 'FROM evaluations e LEFT JOIN runs r ON r.id = e.run_id LEFT JOIN checkpoints c ON c.id = e.checkpoint_id';

type Raw = Omit<EvaluationRow, 'auto' | 'report'> & { auto: number; report: string };
const row = (r: Raw): EvaluationRow => ({ ...r, auto: r.auto === 1, report: JSON.parse(r.report) as EvaluationReport });

export class EvaluationStore {
  constructor(private readonly db: Db) {}

  add(e: NewEvaluation): number {
    const info = this.db
      .prepare(
        `INSERT INTO evaluations (run_id, checkpoint_id, split, auto, label, samples, reference, kid, kid_stderr, fid, precision, recall, coverage, report, seconds, embedding)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        e.runId,
        e.checkpointId,
        e.split,
        e.auto ? 1 : 0,
        e.label,
        e.samples,
        e.reference,
        e.kid,
        e.kidStderr,
        e.fid,
        e.precision,
        e.recall,
        e.coverage,
        JSON.stringify(e.report),
        e.seconds,
        e.embedding,
      );
    return Number(info.lastInsertRowid);
  }

  get(id: number): EvaluationRow | null {
    const r = this.db.prepare(`SELECT ${columns} ${from} WHERE e.id = ?`).get(id) as Raw | undefined;
    return r ? row(r) : null;
  }

  /** A run's evaluations, or the project's, oldest first. */
  list(runId?: number): EvaluationRow[] {
    const stmt = this.db.prepare(`SELECT ${columns} ${from} ${runId === undefined ? '' : 'WHERE e.run_id = ?'} ORDER BY e.id`);
    return ((runId === undefined ? stmt.all() : stmt.all(runId)) as Raw[]).map(row);
  }

  /** The checkpoint's test result, if it was tested (at most one: a unique index). */
  test(checkpointId: number): EvaluationRow | null {
    const r = this.db.prepare(`SELECT ${columns} ${from} WHERE e.checkpoint_id = ? AND e.split = 'test'`).get(checkpointId) as Raw | undefined;
    return r ? row(r) : null;
  }

  /** The checkpoint with the lowest KID on the val split (its latest scoring counts), with that score. */
  bestByKid(): EvaluationRow | null {
    const r = this.db
      .prepare(
        `SELECT ${columns} ${from}
         WHERE e.split = 'val' AND e.checkpoint_id IS NOT NULL
           AND e.id = (SELECT max(id) FROM evaluations x WHERE x.checkpoint_id = e.checkpoint_id AND x.split = 'val')
         ORDER BY e.kid LIMIT 1`,
      )
      .get() as Raw | undefined;
    return r ? row(r) : null;
  }

  /** The published checkpoint's id (Generate's default), or null; a checkpoint that is gone is not published. */
  published(): number | null {
    const v = this.db.prepare("SELECT value FROM meta WHERE key = 'published_checkpoint'").pluck().get() as string | undefined;
    if (v === undefined) return null;
    const id = Number(v);
    return this.db.prepare('SELECT 1 FROM checkpoints WHERE id = ?').get(id) ? id : null;
  }

  publish(checkpointId: number | null): void {
    if (checkpointId === null) this.db.prepare("DELETE FROM meta WHERE key = 'published_checkpoint'").run();
    else this.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('published_checkpoint', ?)").run(String(checkpointId));
  }

  /** Records gallery images' copy checks (replacing earlier ones). */
  putCopies(rows: readonly CopyRow[]): void {
    const put = this.db.prepare(
      `INSERT OR REPLACE INTO generation_copies (generation_id, feature_hash, feature_distance, pixel_hash, pixel_distance, possible_copy, feature_threshold, pixel_threshold)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const r of rows)
        put.run(r.generationId, r.featureHash, r.featureDistance, r.pixelHash, r.pixelDistance, r.possibleCopy ? 1 : 0, r.featureThreshold, r.pixelThreshold);
    })();
  }

  copies(generationId: number): CopyRow | null {
    const r = this.db
      .prepare(
        `SELECT generation_id AS generationId, feature_hash AS featureHash, feature_distance AS featureDistance, pixel_hash AS pixelHash,
           pixel_distance AS pixelDistance, possible_copy AS possibleCopy, feature_threshold AS featureThreshold, pixel_threshold AS pixelThreshold,
           checked_at AS checkedAt
         FROM generation_copies WHERE generation_id = ?`,
      )
      .get(generationId) as (Omit<CopyRow, 'possibleCopy'> & { possibleCopy: number }) | undefined;
    return r ? { ...r, possibleCopy: r.possibleCopy === 1 } : null;
  }

  addDrift(d: Omit<DriftRow, 'id' | 'createdAt'>): number {
    const info = this.db
      .prepare('INSERT INTO drift_reports (import_id, images, score, outlier_share, unusual) VALUES (?, ?, ?, ?, ?)')
      .run(d.importId, d.images, d.score, d.outlierShare, JSON.stringify(d.unusual));
    return Number(info.lastInsertRowid);
  }

  latestDrift(): DriftRow | null {
    const r = this.db
      .prepare(
        'SELECT id, import_id AS importId, images, score, outlier_share AS outlierShare, unusual, created_at AS createdAt FROM drift_reports ORDER BY id DESC LIMIT 1',
      )
      .get() as (Omit<DriftRow, 'unusual'> & { unusual: string }) | undefined;
    return r ? { ...r, unusual: JSON.parse(r.unusual) as DriftRow['unusual'] } : null;
  }
}
