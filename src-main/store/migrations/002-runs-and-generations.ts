import type { Migration } from './migration';

const migration: Migration = {
  version: 2,
  name: '002-runs-and-generations',
  up(db) {
    db.exec(`
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        model TEXT NOT NULL,
        size INTEGER NOT NULL,
        steps INTEGER NOT NULL,
        batch_size INTEGER NOT NULL,
        seed INTEGER NOT NULL,
        config TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'cancelled', 'failed')),
        steps_done INTEGER NOT NULL DEFAULT 0,
        loss_d REAL,
        loss_g REAL,
        img_per_sec REAL,
        error TEXT,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        finished_at TEXT
      ) STRICT;

      CREATE TABLE run_losses (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        loss_d REAL NOT NULL,
        loss_g REAL NOT NULL,
        PRIMARY KEY (run_id, step)
      ) STRICT, WITHOUT ROWID;

      -- A checkpoint folder is written under a temporary name and renamed before its row exists.
      CREATE TABLE checkpoints (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        dir TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      ) STRICT;
      CREATE INDEX checkpoints_by_run ON checkpoints(run_id, step);

      CREATE TABLE generations (
        id INTEGER PRIMARY KEY,
        checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id),
        seed INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        file TEXT NOT NULL,
        size INTEGER NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      ) STRICT;
      CREATE INDEX generations_by_checkpoint ON generations(checkpoint_id);
    `);
  },
};

export default migration;
