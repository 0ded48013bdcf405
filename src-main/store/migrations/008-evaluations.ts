import type { Migration } from './migration';

// Evaluation results: one row per scoring of a checkpoint (automatic after a checkpoint, or
// asked for) or of a folder of outside images; the headline numbers are columns (charts and
// the best-by-KID query read them), the evidence (collapse groups, nearest pairs, preview
// files) is one JSON report. A checkpoint is tested on the locked test split at most once:
// a partial unique index says so. Drift reports belong to an import.
const migration: Migration = {
  version: 8,
  name: '008-evaluations',
  up(db) {
    db.exec(`
      CREATE TABLE evaluations (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs(id) ON DELETE CASCADE,
        checkpoint_id INTEGER REFERENCES checkpoints(id) ON DELETE CASCADE,
        split TEXT NOT NULL CHECK (split IN ('val', 'test', 'train', 'all')),
        auto INTEGER NOT NULL DEFAULT 0 CHECK (auto IN (0, 1)),
        label TEXT NOT NULL,
        samples INTEGER NOT NULL,
        reference INTEGER NOT NULL,
        kid REAL NOT NULL,
        kid_stderr REAL NOT NULL,
        fid REAL NOT NULL,
        precision REAL NOT NULL,
        recall REAL NOT NULL,
        coverage REAL,
        report TEXT NOT NULL,
        seconds REAL NOT NULL,
        embedding TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      ) STRICT;
      CREATE INDEX evaluations_by_run ON evaluations(run_id, checkpoint_id);
      CREATE UNIQUE INDEX evaluations_one_test ON evaluations(checkpoint_id) WHERE split = 'test';

      CREATE TABLE drift_reports (
        id INTEGER PRIMARY KEY,
        import_id INTEGER REFERENCES import_reports(id) ON DELETE SET NULL,
        images INTEGER NOT NULL,
        score REAL NOT NULL,
        outlier_share REAL NOT NULL,
        unusual TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      ) STRICT;

      -- A gallery image's nearest training images (by content hash) and its copy flag, when checked.
      CREATE TABLE generation_copies (
        generation_id INTEGER PRIMARY KEY REFERENCES generations(id) ON DELETE CASCADE,
        feature_hash TEXT,
        feature_distance REAL,
        pixel_hash TEXT,
        pixel_distance REAL NOT NULL,
        possible_copy INTEGER NOT NULL CHECK (possible_copy IN (0, 1)),
        feature_threshold REAL NOT NULL,
        pixel_threshold REAL NOT NULL,
        checked_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      ) STRICT;
    `);
  },
};

export default migration;
