// Training runs: the queue, their settings and data snapshot, loss history, sample grids,
// checkpoints with validation, and sweeps; archiving and deleting a run (migration 010).
//
// A deleted run whose checkpoints are still named elsewhere (gallery images drawn from one, a run
// fine-tuned from one, a feedback round started from one) stays as a row marked deleted, with only
// those checkpoints' rows (their weights gone); every read here leaves deleted runs and their
// checkpoints out, so to the rest of the engine the run is gone.
import type { Db } from './db';

export type RunStatus = 'queued' | 'running' | 'paused' | 'done' | 'cancelled' | 'failed';
export type ModelFamily = 'dcgan' | 'cgan' | 'vae';

export interface RunRow {
  id: number;
  name: string;
  model: ModelFamily;
  size: 32 | 64;
  preset: 'small' | 'medium';
  steps: number;
  batchSize: number;
  seed: number;
  status: RunStatus;
  stepsDone: number;
  lossD: number | null;
  lossG: number | null;
  recon: number | null;
  kl: number | null;
  imgPerSec: number | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  latestCheckpointId: number | null;
  parentCheckpointId: number | null;
  sweepId: number | null;
  settings: Record<string, unknown>;
  latestSample: string | null;
  overfitting: boolean;
  /** When it was archived (hidden from the run list by default); null when it is not. */
  archivedAt: string | null;
  /** The backend its job trained on, with the sentence saying why; null before its job started (or for a run trained before this was kept). */
  backend: { name: string; message: string } | null;
}

export interface CheckpointRow {
  id: number;
  runId: number;
  step: number;
  dir: string;
  createdAt: string;
  dTrain: number | null;
  dVal: number | null;
}

export interface LossRow {
  step: number;
  lossD: number | null;
  lossG: number | null;
  recon: number | null;
  kl: number | null;
}

export interface RunAssetRow {
  assetId: number;
  role: 'train' | 'val';
  weight: number;
  /** Indices into the run's class list. */
  classes: number[];
}

const runColumns = `r.id, r.name, r.model, r.size, r.preset, r.steps, r.batch_size AS batchSize, r.seed, r.status, r.steps_done AS stepsDone,
  r.loss_d AS lossD, r.loss_g AS lossG, r.img_per_sec AS imgPerSec, r.error, r.created_at AS createdAt, r.finished_at AS finishedAt,
  r.parent_checkpoint_id AS parentCheckpointId, r.sweep_id AS sweepId, r.config AS settings, r.overfitting, r.archived_at AS archivedAt,
  r.backend AS backendName, r.backend_note AS backendNote,
  (SELECT id FROM checkpoints c WHERE c.run_id = r.id ORDER BY c.step DESC, c.id DESC LIMIT 1) AS latestCheckpointId,
  (SELECT file FROM run_samples s WHERE s.run_id = r.id ORDER BY s.step DESC LIMIT 1) AS latestSample`;

const checkpointColumns = 'c.id, c.run_id AS runId, c.step, c.dir, c.created_at AS createdAt, c.d_train AS dTrain, c.d_val AS dVal';

/** Runs that are not deleted (a deleted run's row may stay for the checkpoints its images name). */
const LIVE = 'r.deleted_at IS NULL';
/** Checkpoints of runs that are not deleted. */
const LIVE_CHECKPOINT = 'c.run_id IN (SELECT id FROM runs WHERE deleted_at IS NULL)';

/**
 * SQLite gives a new row the highest id + 1, so deleting the newest run (or checkpoint) would hand
 * its id to the next one, and with it its folder names (checkpoints/run-N) and any leftover files.
 * The highest id ever deleted is kept in meta, and new rows are numbered past it.
 */
const DELETED_UP_TO = { runs: 'runs_deleted_up_to', checkpoints: 'checkpoints_deleted_up_to' } as const;

/** What deleting a run would remove, and what names it (run-records.ts words it). */
export interface RunRemovalFacts {
  checkpoints: { id: number; step: number; dir: string }[];
  samples: { step: number; file: string }[];
  /** Evaluations of the run or of its checkpoints. */
  evaluations: number;
  /** Whether one of its checkpoints is the published one. */
  published: boolean;
  /** Images in the gallery drawn from its checkpoints (they stay). */
  generations: number;
  /** Other runs (not deleted) fine-tuned from its checkpoints, feedback rounds included. */
  children: { id: number; name: string; status: RunStatus; checkpoints: number }[];
  /** Feedback rounds that started from its checkpoints. */
  roundsFrom: { id: number; name: string }[];
  /** Whether this run is itself a feedback round. */
  isRound: boolean;
}

type RawRun = Omit<RunRow, 'settings' | 'overfitting' | 'recon' | 'kl' | 'backend'> & {
  settings: string;
  overfitting: number;
  backendName: string | null;
  backendNote: string | null;
};

function toRun(raw: RawRun | undefined): RunRow | null {
  if (!raw) return null;
  let settings: Record<string, unknown>;
  try {
    settings = JSON.parse(raw.settings) as Record<string, unknown>;
  } catch {
    settings = {};
  }
  // The run's latest-loss columns hold a VAE's reconstruction and KL.
  const vae = raw.model === 'vae';
  const { backendName, backendNote, ...rest } = raw;
  return {
    ...rest,
    lossD: vae ? null : raw.lossD,
    lossG: vae ? null : raw.lossG,
    recon: vae ? raw.lossD : null,
    kl: vae ? raw.lossG : null,
    settings,
    overfitting: raw.overfitting !== 0,
    archivedAt: raw.archivedAt ?? null,
    backend: backendName ? { name: backendName, message: backendNote ?? '' } : null,
  };
}

export interface NewRun {
  name: string;
  model: ModelFamily;
  size: 32 | 64;
  preset: 'small' | 'medium';
  steps: number;
  batchSize: number;
  seed: number;
  settings: Record<string, unknown>;
  parentCheckpointId?: number | null;
  sweepId?: number | null;
  assets: RunAssetRow[];
  /** 'queued' (default) puts it in the training queue; an imported checkpoint's run starts 'done'. */
  status?: 'queued' | 'done';
}

export class RunStore {
  constructor(private readonly db: Db) {}

  /** Adds a run to the end of the queue with its data snapshot, in one transaction. */
  create(run: NewRun): number {
    return this.db.transaction(() => {
      const info = this.db
        .prepare(
          `INSERT INTO runs (id, name, model, size, preset, steps, batch_size, seed, config, status, parent_checkpoint_id, sweep_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          this.nextId('runs'),
          run.name,
          run.model,
          run.size,
          run.preset,
          run.steps,
          run.batchSize,
          run.seed,
          JSON.stringify(run.settings),
          run.status ?? 'queued',
          run.parentCheckpointId ?? null,
          run.sweepId ?? null,
        );
      const id = Number(info.lastInsertRowid);
      const insert = this.db.prepare('INSERT INTO run_assets (run_id, asset_id, role, weight, classes) VALUES (?, ?, ?, ?, ?)');
      for (const a of run.assets) insert.run(id, a.assetId, a.role, a.weight, a.classes.join(','));
      return id;
    })();
  }

  /** The id a new row of `table` gets: past every row there is and every one deleted. */
  private nextId(table: keyof typeof DELETED_UP_TO): number {
    const max = (this.db.prepare(`SELECT coalesce(max(id), 0) FROM ${table}`).pluck().get() as number) ?? 0;
    const deleted = Number(this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(DELETED_UP_TO[table]) ?? 0);
    return Math.max(max, Number.isFinite(deleted) ? deleted : 0) + 1;
  }

  private rememberDeleted(table: keyof typeof DELETED_UP_TO, ids: readonly number[]): void {
    if (ids.length === 0) return;
    const highest = Math.max(...ids);
    this.db
      .prepare(
        `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = CAST(max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)`,
      )
      .run(DELETED_UP_TO[table], String(highest));
  }

  createSweep(grid: unknown): number {
    return Number(this.db.prepare('INSERT INTO sweeps (grid) VALUES (?)').run(JSON.stringify(grid)).lastInsertRowid);
  }

  get(id: number): RunRow | null {
    return toRun(this.db.prepare(`SELECT ${runColumns} FROM runs r WHERE r.id = ? AND ${LIVE}`).get(id) as RawRun | undefined);
  }

  /** Every run that is not deleted, archived ones included (archivedAt says), newest first. */
  list(): RunRow[] {
    return (this.db.prepare(`SELECT ${runColumns} FROM runs r WHERE ${LIVE} ORDER BY r.id DESC`).all() as RawRun[]).map((r) => toRun(r)!);
  }

  count(): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM runs r WHERE ${LIVE}`).get() as { n: number }).n;
  }

  /** Queued runs, first in first out. */
  queued(): RunRow[] {
    return (this.db.prepare(`SELECT ${runColumns} FROM runs r WHERE r.status = 'queued' AND ${LIVE} ORDER BY r.id`).all() as RawRun[]).map((r) => toRun(r)!);
  }

  /** Archives a run (hidden from the run list by default; its checkpoints stay usable) or restores it. */
  setArchived(id: number, archived: boolean): void {
    this.db
      .prepare(`UPDATE runs SET archived_at = CASE WHEN ? THEN coalesce(archived_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) ELSE NULL END WHERE id = ?`)
      .run(archived ? 1 : 0, id);
  }

  /** The backend the run's job started on, and why (a resume records its own). */
  setBackend(id: number, backend: { name: string; message: string }): void {
    this.db.prepare('UPDATE runs SET backend = ?, backend_note = ? WHERE id = ?').run(backend.name, backend.message, id);
  }

  /** Which classes (indices into the run's class list) each cell of its sample grid was drawn for. */
  setSampleCells(id: number, cells: readonly (readonly number[])[]): void {
    this.db.prepare('UPDATE runs SET sample_cells = ? WHERE id = ?').run(JSON.stringify(cells), id);
  }

  /** The classes of each sample-grid cell, or null for an unconditional run or one trained before they were recorded. */
  sampleCells(id: number): number[][] | null {
    const raw = this.db.prepare('SELECT sample_cells FROM runs WHERE id = ?').pluck().get(id) as string | null | undefined;
    if (!raw) return null;
    try {
      const cells = JSON.parse(raw) as unknown;
      return Array.isArray(cells) && cells.every((c) => Array.isArray(c) && c.every((i) => Number.isInteger(i))) ? (cells as number[][]) : null;
    } catch {
      return null;
    }
  }

  assets(runId: number): RunAssetRow[] {
    return (
      this.db.prepare('SELECT asset_id AS assetId, role, weight, classes FROM run_assets WHERE run_id = ? ORDER BY role, asset_id').all(runId) as {
        assetId: number;
        role: 'train' | 'val';
        weight: number;
        classes: string;
      }[]
    ).map((r) => ({ ...r, classes: r.classes === '' ? [] : r.classes.split(',').map(Number) }));
  }

  setStatus(id: number, status: RunStatus, error: string | null = null): void {
    const ends = status === 'done' || status === 'cancelled' || status === 'failed';
    this.db
      .prepare(`UPDATE runs SET status = ?, error = ?, finished_at = CASE WHEN ? THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ELSE NULL END WHERE id = ?`)
      .run(status, error, ends ? 1 : 0, id);
  }

  recordProgress(id: number, p: { step: number; lossD?: number; lossG?: number; recon?: number; kl?: number; imgPerSec: number }): void {
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE runs SET steps_done = ?, loss_d = ?, loss_g = ?, img_per_sec = ? WHERE id = ?')
        .run(p.step, p.lossD ?? p.recon ?? null, p.lossG ?? p.kl ?? null, p.imgPerSec, id);
      this.db
        .prepare('INSERT OR REPLACE INTO run_losses (run_id, step, loss_d, loss_g, recon, kl) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, p.step, p.lossD ?? null, p.lossG ?? null, p.recon ?? null, p.kl ?? null);
    })();
  }

  /** Runs a crashed process left 'running' go back to the front of the queue, to resume from their last checkpoint. */
  requeueInterrupted(): number {
    return this.db.prepare(`UPDATE runs SET status = 'queued', error = NULL WHERE status = 'running'`).run().changes;
  }

  /** How far a run got when no training step recorded it (a run made for an imported checkpoint). */
  setStepsDone(id: number, step: number): void {
    this.db.prepare('UPDATE runs SET steps_done = ? WHERE id = ?').run(step, id);
  }

  /** History past `step` belongs to work a resumed run will redo; it is dropped so the curves stay one line. */
  truncateAfter(id: number, step: number): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM run_losses WHERE run_id = ? AND step > ?').run(id, step);
      this.db.prepare('DELETE FROM run_samples WHERE run_id = ? AND step > ?').run(id, step);
      this.db.prepare('UPDATE runs SET steps_done = ? WHERE id = ?').run(step, id);
    })();
  }

  losses(id: number): LossRow[] {
    return this.db.prepare('SELECT step, loss_d AS lossD, loss_g AS lossG, recon, kl FROM run_losses WHERE run_id = ? ORDER BY step').all(id) as LossRow[];
  }

  addSample(runId: number, step: number, file: string): void {
    this.db.prepare('INSERT OR REPLACE INTO run_samples (run_id, step, file) VALUES (?, ?, ?)').run(runId, step, file);
  }

  samples(runId: number): { step: number; file: string }[] {
    return this.db.prepare('SELECT step, file FROM run_samples WHERE run_id = ? ORDER BY step').all(runId) as { step: number; file: string }[];
  }

  addCheckpoint(runId: number, step: number, dir: string): number {
    const existing = this.db.prepare('SELECT id FROM checkpoints WHERE dir = ?').get(dir) as { id: number } | undefined;
    if (existing) return existing.id; // a resumed run rewrote the same step
    const info = this.db.prepare('INSERT INTO checkpoints (id, run_id, step, dir) VALUES (?, ?, ?, ?)').run(this.nextId('checkpoints'), runId, step, dir);
    return Number(info.lastInsertRowid);
  }

  setValidation(checkpointId: number, dTrain: number, dVal: number | null, overfitting: boolean): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE checkpoints SET d_train = ?, d_val = ? WHERE id = ?').run(dTrain, dVal, checkpointId);
      this.db.prepare('UPDATE runs SET overfitting = ? WHERE id = (SELECT run_id FROM checkpoints WHERE id = ?)').run(overfitting ? 1 : 0, checkpointId);
    })();
  }

  checkpoint(id: number): CheckpointRow | null {
    return (
      (this.db.prepare(`SELECT ${checkpointColumns} FROM checkpoints c WHERE c.id = ? AND ${LIVE_CHECKPOINT}`).get(id) as CheckpointRow | undefined) ?? null
    );
  }

  checkpoints(runId: number): CheckpointRow[] {
    return this.db
      .prepare(`SELECT ${checkpointColumns} FROM checkpoints c WHERE c.run_id = ? AND ${LIVE_CHECKPOINT} ORDER BY c.step`)
      .all(runId) as CheckpointRow[];
  }

  allCheckpoints(): (CheckpointRow & { runName: string; model: ModelFamily; size: 32 | 64 })[] {
    return this.db
      .prepare(
        `SELECT ${checkpointColumns}, r.name AS runName, r.model, r.size FROM checkpoints c JOIN runs r ON r.id = c.run_id WHERE ${LIVE} ORDER BY c.id DESC`,
      )
      .all() as (CheckpointRow & { runName: string; model: ModelFamily; size: 32 | 64 })[];
  }

  latestCheckpoint(runId?: number): CheckpointRow | null {
    const where = runId === undefined ? '' : 'AND c.run_id = ?';
    const stmt = this.db.prepare(`SELECT ${checkpointColumns} FROM checkpoints c WHERE ${LIVE_CHECKPOINT} ${where} ORDER BY c.step DESC, c.id DESC LIMIT 1`);
    return ((runId === undefined ? stmt.get() : stmt.get(runId)) as CheckpointRow | undefined) ?? null;
  }

  checkpointCount(): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM checkpoints c WHERE ${LIVE_CHECKPOINT}`).get() as { n: number }).n;
  }

  /**
   * The checkpoint and run that drew a gallery image, even when the run was deleted (its row and
   * that checkpoint's stay, weightless, for the images): provenance, never something to draw with.
   */
  origin(checkpointId: number): { checkpoint: CheckpointRow; run: RunRow; deleted: boolean } | null {
    const checkpoint = this.db.prepare(`SELECT ${checkpointColumns} FROM checkpoints c WHERE c.id = ?`).get(checkpointId) as CheckpointRow | undefined;
    if (!checkpoint) return null;
    const raw = this.db.prepare(`SELECT ${runColumns}, r.deleted_at AS deletedAt FROM runs r WHERE r.id = ?`).get(checkpoint.runId) as
      (RawRun & { deletedAt: string | null }) | undefined;
    if (!raw) return null;
    const { deletedAt, ...run } = raw;
    return { checkpoint, run: toRun(run)!, deleted: deletedAt !== null };
  }

  // --- Deleting a run ---------------------------------------------------------------------

  /** What deleting a run would remove and what points at it (null when there is no such run). */
  removalFacts(runId: number): RunRemovalFacts | null {
    if (!this.get(runId)) return null;
    const checkpoints = this.db.prepare('SELECT id, step, dir FROM checkpoints WHERE run_id = ? ORDER BY step').all(runId) as RunRemovalFacts['checkpoints'];
    const mine = '(SELECT id FROM checkpoints WHERE run_id = $run)';
    const n = (sql: string) => this.db.prepare(sql).pluck().get({ run: runId }) as number;
    return {
      checkpoints,
      samples: this.samples(runId),
      evaluations: n(`SELECT count(*) FROM evaluations WHERE run_id = $run OR checkpoint_id IN ${mine}`),
      published: n(`SELECT count(*) FROM meta WHERE key = 'published_checkpoint' AND CAST(value AS INTEGER) IN ${mine}`) > 0,
      generations: n(`SELECT count(*) FROM generations WHERE checkpoint_id IN ${mine}`),
      children: this.db
        .prepare(
          `SELECT r.id, r.name, r.status, (SELECT count(*) FROM checkpoints k WHERE k.run_id = r.id) AS checkpoints
           FROM runs r WHERE r.parent_checkpoint_id IN ${mine} AND r.id <> $run AND ${LIVE} ORDER BY r.id`,
        )
        .all({ run: runId }) as RunRemovalFacts['children'],
      roundsFrom: this.db
        .prepare(
          `SELECT r.id, r.name FROM feedback_rounds f JOIN runs r ON r.id = f.run_id
           WHERE f.from_checkpoint_id IN ${mine} AND f.run_id <> $run AND ${LIVE} ORDER BY r.id`,
        )
        .all({ run: runId }) as RunRemovalFacts['roundsFrom'],
      isRound: n('SELECT count(*) FROM feedback_rounds WHERE run_id = $run') > 0,
    };
  }

  /**
   * Deletes a run's rows in one transaction: its losses, sample grids, data snapshot, evaluations,
   * its feedback round, the published mark on one of its checkpoints, and its checkpoints. A
   * checkpoint something still names (a gallery image, another run's parent, a feedback round's
   * start) keeps its row, and then so does the run, marked deleted. Files are the caller's, after.
   */
  remove(runId: number): { keptCheckpoints: number } {
    return this.db.transaction(() => {
      const p = { run: runId };
      const mine = '(SELECT id FROM checkpoints WHERE run_id = $run)';
      const named = this.db
        .prepare(
          `SELECT id FROM checkpoints WHERE run_id = $run AND (
             id IN (SELECT checkpoint_id FROM generations)
             OR id IN (SELECT parent_checkpoint_id FROM runs WHERE parent_checkpoint_id IS NOT NULL AND id <> $run)
             OR id IN (SELECT from_checkpoint_id FROM feedback_rounds WHERE run_id <> $run))`,
        )
        .pluck()
        .all(p) as number[];
      this.db.prepare(`DELETE FROM evaluations WHERE run_id = $run OR checkpoint_id IN ${mine}`).run(p);
      this.db.prepare(`DELETE FROM meta WHERE key = 'published_checkpoint' AND CAST(value AS INTEGER) IN ${mine}`).run(p);
      this.db.prepare('DELETE FROM feedback_rounds WHERE run_id = $run').run(p);
      for (const table of ['run_losses', 'run_samples', 'run_assets']) this.db.prepare(`DELETE FROM ${table} WHERE run_id = $run`).run(p);
      const keep = new Set(named);
      const drop = this.db.prepare('DELETE FROM checkpoints WHERE id = ?');
      const dropped = (this.db.prepare('SELECT id FROM checkpoints WHERE run_id = $run').pluck().all(p) as number[]).filter((id) => !keep.has(id));
      for (const id of dropped) drop.run(id);
      this.rememberDeleted('checkpoints', dropped);
      this.rememberDeleted('runs', [runId]);
      if (keep.size === 0) this.db.prepare('DELETE FROM runs WHERE id = $run').run(p);
      else
        this.db
          .prepare(
            `UPDATE runs SET deleted_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), archived_at = NULL, sample_cells = NULL, overfitting = 0 WHERE id = $run`,
          )
          .run(p);
      return { keptCheckpoints: keep.size };
    })();
  }

  /** Ids of the runs that are not deleted (for sweeping the folders a crash left behind). */
  liveIds(): Set<number> {
    return new Set(this.db.prepare(`SELECT id FROM runs r WHERE ${LIVE}`).pluck().all() as number[]);
  }
}
