// The database side of a project bundle: a consistent copy taken while the studio keeps
// writing (SQLite's online backup, page by page, never a file copy of a WAL database), the
// copy trimmed to what the bundle carries, the counts its manifest states, and the checks an
// opened copy must pass.
import Database from 'better-sqlite3';
import type { Db } from './db';

/** Copies the live database to `file` with SQLite's online backup; progress is in pages. */
export async function snapshotDatabase(db: Db, file: string, onProgress?: (done: number, total: number) => void): Promise<void> {
  await db.backup(file, {
    progress({ totalPages, remainingPages }) {
      onProgress?.(totalPages - remainingPages, totalPages);
      // Pages per step: small enough that the studio's own writes wait at most a few milliseconds.
      return 1024;
    },
  });
}

/**
 * Makes a snapshot a single self-contained file (no WAL) and removes what the bundle leaves out:
 * without generations, every generated image's row goes, and with it its reviews, tags, vectors,
 * copy checks, the review queues of its batches and the ratings feedback rounds recorded.
 */
export function trimSnapshot(file: string, keep: { generations: boolean }): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = DELETE');
    db.pragma('foreign_keys = ON');
    if (!keep.generations) {
      db.transaction(() => {
        db.exec(`
          DELETE FROM feedback_round_ratings;
          DELETE FROM review_queues;
          UPDATE generations SET parent_id = NULL WHERE parent_id IS NOT NULL;
          DELETE FROM generations;
        `);
      })();
    }
    db.exec('VACUUM');
  } finally {
    db.close();
  }
}

export interface SnapshotCounts {
  assets: number;
  tags: number;
  runs: number;
  checkpoints: number;
  generations: number;
  reviews: number;
  reviewers: number;
}

/** What a database holds, as a bundle's manifest states it. */
export function snapshotCounts(db: Db): SnapshotCounts {
  const n = (sql: string) => db.prepare(sql).pluck().get() as number;
  return {
    assets: n('SELECT COUNT(*) FROM assets'),
    tags: n('SELECT COUNT(*) FROM tags'),
    runs: n('SELECT COUNT(*) FROM runs'),
    checkpoints: n('SELECT COUNT(*) FROM checkpoints'),
    generations: n('SELECT COUNT(*) FROM generations'),
    reviews: n('SELECT COUNT(*) FROM reviews'),
    reviewers: n('SELECT COUNT(DISTINCT reviewer) FROM reviews'),
  };
}

/** Counts of the snapshot file at `file` (opened read-only). */
export function countsOfFile(file: string): SnapshotCounts {
  const db = new Database(file, { readonly: true });
  try {
    return snapshotCounts(db);
  } finally {
    db.close();
  }
}

/** Every checkpoint's id and folder (project-relative). */
export function checkpointFolders(db: Db): { id: number; dir: string }[] {
  // A deleted run's checkpoints keep their rows for the gallery's provenance, but no weights.
  return db.prepare('SELECT id, dir FROM checkpoints WHERE run_id IN (SELECT id FROM runs WHERE deleted_at IS NULL) ORDER BY id').all() as {
    id: number;
    dir: string;
  }[];
}

/** Problems `PRAGMA integrity_check` finds (empty when the database is sound). */
export function integrityProblems(db: Db): string[] {
  const rows = db.pragma('integrity_check') as { integrity_check: string }[];
  return rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
}

/** Notes in an opened copy which bundle it came from (meta `opened_from`). */
export function recordOrigin(db: Db, origin: { bundle: string; createdAt: string }): void {
  db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('opened_from', ?)").run(JSON.stringify(origin));
}
