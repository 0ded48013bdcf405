import type { Migration } from './migration';

// Runs gain a queue and a pause state, fine-tuning parents, sweeps, sample grids, validation
// per checkpoint and a snapshot of the images they train on. SQLite cannot change a CHECK
// constraint in place, so `runs` and `run_losses` are rebuilt (the documented create–copy–
// drop–rename procedure, with foreign keys off for the migration and checked before commit).
const migration: Migration = {
  version: 4,
  name: '004-training-studio',
  foreignKeysOff: true,
  up(db) {
    db.exec(`
      CREATE TABLE sweeps (
        id INTEGER PRIMARY KEY,
        grid TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      ) STRICT;

      CREATE TABLE runs_new (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL DEFAULT '',
        model TEXT NOT NULL,
        size INTEGER NOT NULL,
        preset TEXT NOT NULL DEFAULT 'medium',
        steps INTEGER NOT NULL,
        batch_size INTEGER NOT NULL,
        seed INTEGER NOT NULL,
        config TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'done', 'cancelled', 'failed')),
        steps_done INTEGER NOT NULL DEFAULT 0,
        loss_d REAL,
        loss_g REAL,
        img_per_sec REAL,
        error TEXT,
        parent_checkpoint_id INTEGER REFERENCES checkpoints(id),
        sweep_id INTEGER REFERENCES sweeps(id),
        overfitting INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        finished_at TEXT
      ) STRICT;
      INSERT INTO runs_new (id, name, model, size, preset, steps, batch_size, seed, config, status, steps_done, loss_d, loss_g, img_per_sec, error, created_at, finished_at)
        SELECT id, 'Run ' || id, model, size, 'medium', steps, batch_size, seed, config, status, steps_done, loss_d, loss_g, img_per_sec, error, created_at, finished_at FROM runs;
      DROP TABLE runs;
      ALTER TABLE runs_new RENAME TO runs;
      CREATE INDEX runs_by_status ON runs(status, id);

      CREATE TABLE run_losses_new (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        loss_d REAL,
        loss_g REAL,
        recon REAL,
        kl REAL,
        PRIMARY KEY (run_id, step)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO run_losses_new (run_id, step, loss_d, loss_g) SELECT run_id, step, loss_d, loss_g FROM run_losses;
      DROP TABLE run_losses;
      ALTER TABLE run_losses_new RENAME TO run_losses;

      ALTER TABLE checkpoints ADD COLUMN d_train REAL;
      ALTER TABLE checkpoints ADD COLUMN d_val REAL;

      -- A fixed-seed grid of samples every N steps, for the step slider.
      CREATE TABLE run_samples (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        file TEXT NOT NULL,
        PRIMARY KEY (run_id, step)
      ) STRICT, WITHOUT ROWID;

      -- The images a run trains on (and validates on), frozen when it is queued, so a run that
      -- resumes after a restart sees the same data whatever was curated since. classes: the
      -- indices (into the run's class list) of the image's tags, comma-separated.
      CREATE TABLE run_assets (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        asset_id INTEGER NOT NULL REFERENCES assets(id),
        role TEXT NOT NULL CHECK (role IN ('train', 'val')),
        weight REAL NOT NULL DEFAULT 1,
        classes TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (run_id, role, asset_id)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};

export default migration;
