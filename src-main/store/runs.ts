// Training runs, their loss history and their checkpoints.
import type { Db } from './db';

export type RunStatus = 'queued' | 'running' | 'done' | 'cancelled' | 'failed';

export interface RunRow {
  id: number;
  model: 'dcgan';
  size: 32 | 64;
  steps: number;
  batchSize: number;
  seed: number;
  status: RunStatus;
  stepsDone: number;
  lossD: number | null;
  lossG: number | null;
  imgPerSec: number | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  latestCheckpointId: number | null;
}

export interface CheckpointRow {
  id: number;
  runId: number;
  step: number;
  dir: string;
  createdAt: string;
}

const runColumns = `r.id, r.model, r.size, r.steps, r.batch_size AS batchSize, r.seed, r.status, r.steps_done AS stepsDone,
  r.loss_d AS lossD, r.loss_g AS lossG, r.img_per_sec AS imgPerSec, r.error, r.created_at AS createdAt, r.finished_at AS finishedAt,
  (SELECT id FROM checkpoints c WHERE c.run_id = r.id ORDER BY c.step DESC, c.id DESC LIMIT 1) AS latestCheckpointId`;

export class RunStore {
  constructor(private readonly db: Db) {}

  create(run: { model: 'dcgan'; size: 32 | 64; steps: number; batchSize: number; seed: number; config: unknown }): number {
    const info = this.db
      .prepare(
        `INSERT INTO runs (model, size, steps, batch_size, seed, config, status) VALUES (?, ?, ?, ?, ?, ?, 'running')`,
      )
      .run(run.model, run.size, run.steps, run.batchSize, run.seed, JSON.stringify(run.config));
    return Number(info.lastInsertRowid);
  }

  get(id: number): RunRow | null {
    return (this.db.prepare(`SELECT ${runColumns} FROM runs r WHERE r.id = ?`).get(id) as RunRow | undefined) ?? null;
  }

  list(): RunRow[] {
    return this.db.prepare(`SELECT ${runColumns} FROM runs r ORDER BY r.id DESC`).all() as RunRow[];
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n;
  }

  recordProgress(id: number, p: { step: number; lossD: number; lossG: number; imgPerSec: number }): void {
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE runs SET steps_done = ?, loss_d = ?, loss_g = ?, img_per_sec = ? WHERE id = ?')
        .run(p.step, p.lossD, p.lossG, p.imgPerSec, id);
      this.db
        .prepare('INSERT OR REPLACE INTO run_losses (run_id, step, loss_d, loss_g) VALUES (?, ?, ?, ?)')
        .run(id, p.step, p.lossD, p.lossG);
    })();
  }

  finish(id: number, status: Exclude<RunStatus, 'queued' | 'running'>, error: string | null = null): void {
    this.db
      .prepare(`UPDATE runs SET status = ?, error = ?, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?`)
      .run(status, error, id);
  }

  /** Runs left 'running' by a process that died are not running any more. */
  markInterrupted(): number {
    return this.db
      .prepare(
        `UPDATE runs SET status = 'failed', error = 'Atelier stopped while this run was training.', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE status IN ('running', 'queued')`,
      )
      .run().changes;
  }

  losses(id: number): { step: number; lossD: number; lossG: number }[] {
    return this.db
      .prepare('SELECT step, loss_d AS lossD, loss_g AS lossG FROM run_losses WHERE run_id = ? ORDER BY step')
      .all(id) as { step: number; lossD: number; lossG: number }[];
  }

  addCheckpoint(runId: number, step: number, dir: string): number {
    const info = this.db.prepare('INSERT INTO checkpoints (run_id, step, dir) VALUES (?, ?, ?)').run(runId, step, dir);
    return Number(info.lastInsertRowid);
  }

  checkpoint(id: number): CheckpointRow | null {
    return (
      (this.db
        .prepare('SELECT id, run_id AS runId, step, dir, created_at AS createdAt FROM checkpoints WHERE id = ?')
        .get(id) as CheckpointRow | undefined) ?? null
    );
  }

  latestCheckpoint(): CheckpointRow | null {
    return (
      (this.db
        .prepare('SELECT id, run_id AS runId, step, dir, created_at AS createdAt FROM checkpoints ORDER BY id DESC LIMIT 1')
        .get() as CheckpointRow | undefined) ?? null
    );
  }

  checkpointCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM checkpoints').get() as { n: number }).n;
  }
}
