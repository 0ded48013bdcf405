import type { Migration } from './migration';

// What curation needs: per-image measures (perceptual hash, quality flags), the
// split an image belongs to, exclusion (never deletion), import reports, and an
// undo log for bulk edits.
const migration: Migration = {
  version: 3,
  name: '003-curation',
  up(db) {
    db.exec(`
      ALTER TABLE assets ADD COLUMN phash TEXT;
      -- Bit i set = QUALITY_FLAGS[i] applies (tiny, extreme-aspect, blurry, …).
      ALTER TABLE assets ADD COLUMN flags INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE assets ADD COLUMN quality TEXT;
      ALTER TABLE assets ADD COLUMN split TEXT CHECK (split IN ('train', 'val', 'test'));
      -- Excluded images stay in the project (and on disk); training skips them.
      ALTER TABLE assets ADD COLUMN excluded INTEGER NOT NULL DEFAULT 0 CHECK (excluded IN (0, 1));
      CREATE INDEX assets_by_split ON assets(split, id);
      CREATE INDEX assets_excluded ON assets(id) WHERE excluded = 1;

      CREATE TABLE import_reports (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        imported INTEGER NOT NULL,
        duplicates INTEGER NOT NULL,
        failed INTEGER NOT NULL,
        cancelled INTEGER NOT NULL DEFAULT 0,
        seconds REAL NOT NULL
      ) STRICT;

      CREATE TABLE import_failures (
        report_id INTEGER NOT NULL REFERENCES import_reports(id) ON DELETE CASCADE,
        file TEXT NOT NULL,
        reason TEXT NOT NULL
      ) STRICT;
      CREATE INDEX import_failures_by_report ON import_failures(report_id);

      -- One row per bulk edit; payload holds what is needed to put things back.
      CREATE TABLE undo_log (
        id INTEGER PRIMARY KEY,
        label TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      ) STRICT;
    `);
  },
};

export default migration;
