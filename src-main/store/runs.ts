// Training runs: the queue, their settings and data snapshot, loss history, sample grids,
// checkpoints with validation, and sweeps.
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
  r.parent_checkpoint_id AS parentCheckpointId, r.sweep_id AS sweepId, r.config AS settings, r.overfitting,
  (SELECT id FROM checkpoints c WHERE c.run_id = r.id ORDER BY c.step DESC, c.id DESC LIMIT 1) AS latestCheckpointId,
  (SELECT file FROM run_samples s WHERE s.run_id = r.id ORDER BY s.step DESC LIMIT 1) AS latestSample`;

const checkpointColumns = 'c.id, c.run_id AS runId, c.step, c.dir, c.created_at AS createdAt, c.d_train AS dTrain, c.d_val AS dVal';

type RawRun = Omit<RunRow, 'settings' | 'overfitting' | 'recon' | 'kl'> & { settings: string; overfitting: number };

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
  return {
    ...raw,
    lossD: vae ? null : raw.lossD,
    lossG: vae ? null : raw.lossG,
    recon: vae ? raw.lossD : null,
    kl: vae ? raw.lossG : null,
    settings,
    overfitting: raw.overfitting !== 0,
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
          `INSERT INTO runs (name, model, size, preset, steps, batch_size, seed, config, status, parent_checkpoint_id, sweep_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
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

  createSweep(grid: unknown): number {
    return Number(this.db.prepare('INSERT INTO sweeps (grid) VALUES (?)').run(JSON.stringify(grid)).lastInsertRowid);
  }

  get(id: number): RunRow | null {
    return toRun(this.db.prepare(`SELECT ${runColumns} FROM runs r WHERE r.id = ?`).get(id) as RawRun | undefined);
  }

  list(): RunRow[] {
    return (this.db.prepare(`SELECT ${runColumns} FROM runs r ORDER BY r.id DESC`).all() as RawRun[]).map((r) => toRun(r)!);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n;
  }

  /** Queued runs, first in first out. */
  queued(): RunRow[] {
    return (this.db.prepare(`SELECT ${runColumns} FROM runs r WHERE r.status = 'queued' ORDER BY r.id`).all() as RawRun[]).map((r) => toRun(r)!);
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
    const info = this.db.prepare('INSERT INTO checkpoints (run_id, step, dir) VALUES (?, ?, ?)').run(runId, step, dir);
    return Number(info.lastInsertRowid);
  }

  setValidation(checkpointId: number, dTrain: number, dVal: number | null, overfitting: boolean): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE checkpoints SET d_train = ?, d_val = ? WHERE id = ?').run(dTrain, dVal, checkpointId);
      this.db.prepare('UPDATE runs SET overfitting = ? WHERE id = (SELECT run_id FROM checkpoints WHERE id = ?)').run(overfitting ? 1 : 0, checkpointId);
    })();
  }

  checkpoint(id: number): CheckpointRow | null {
    return (this.db.prepare(`SELECT ${checkpointColumns} FROM checkpoints c WHERE c.id = ?`).get(id) as CheckpointRow | undefined) ?? null;
  }

  checkpoints(runId: number): CheckpointRow[] {
    return this.db.prepare(`SELECT ${checkpointColumns} FROM checkpoints c WHERE c.run_id = ? ORDER BY c.step`).all(runId) as CheckpointRow[];
  }

  allCheckpoints(): (CheckpointRow & { runName: string; model: ModelFamily; size: 32 | 64 })[] {
    return this.db
      .prepare(`SELECT ${checkpointColumns}, r.name AS runName, r.model, r.size FROM checkpoints c JOIN runs r ON r.id = c.run_id ORDER BY c.id DESC`)
      .all() as (CheckpointRow & { runName: string; model: ModelFamily; size: 32 | 64 })[];
  }

  latestCheckpoint(runId?: number): CheckpointRow | null {
    const where = runId === undefined ? '' : 'WHERE c.run_id = ?';
    const stmt = this.db.prepare(`SELECT ${checkpointColumns} FROM checkpoints c ${where} ORDER BY c.step DESC, c.id DESC LIMIT 1`);
    return ((runId === undefined ? stmt.get() : stmt.get(runId)) as CheckpointRow | undefined) ?? null;
  }

  checkpointCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM checkpoints').get() as { n: number }).n;
  }
}
