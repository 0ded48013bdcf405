import type { Migration } from './migration';

// Generated images gain their full provenance: the prompt, the exact latent and condition
// vectors they were drawn from (so "regenerate" needs nothing else), truncation, how they were
// made (from a prompt, as a variation, interpolation or latent-walk step, or by post-processing
// another image), the backend that drew them, and a rating. Prompts typed are kept as history;
// templates are prompts saved under a name. Rows written before this migration keep their seed
// and index, from which their latent can still be recomputed.
const migration: Migration = {
  version: 5,
  name: '005-generation-provenance',
  up(db) {
    db.exec(`
      ALTER TABLE generations ADD COLUMN prompt TEXT NOT NULL DEFAULT '';
      ALTER TABLE generations ADD COLUMN truncation REAL;
      ALTER TABLE generations ADD COLUMN origin TEXT NOT NULL DEFAULT 'prompt'
        CHECK (origin IN ('prompt', 'variation', 'interpolation', 'walk', 'postprocess'));
      ALTER TABLE generations ADD COLUMN parent_id INTEGER REFERENCES generations(id);
      ALTER TABLE generations ADD COLUMN params TEXT;
      ALTER TABLE generations ADD COLUMN post TEXT;
      ALTER TABLE generations ADD COLUMN backend TEXT NOT NULL DEFAULT '';
      ALTER TABLE generations ADD COLUMN batch_id INTEGER;
      ALTER TABLE generations ADD COLUMN width INTEGER;
      ALTER TABLE generations ADD COLUMN height INTEGER;
      ALTER TABLE generations ADD COLUMN rating INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5);

      UPDATE generations SET width = size, height = size;

      CREATE INDEX generations_by_created ON generations(created_at);
      CREATE INDEX generations_by_rating ON generations(rating, id);
      CREATE INDEX generations_by_seed ON generations(seed);
      CREATE INDEX generations_by_batch ON generations(batch_id);
      CREATE INDEX generations_by_parent ON generations(parent_id);

      -- The exact vectors an image was drawn from (float32, little-endian), apart from the rows the
      -- gallery scans so those stay narrow (a 100-value latent and a 100-tag condition are ~1 KB).
      CREATE TABLE generation_vectors (
        generation_id INTEGER PRIMARY KEY REFERENCES generations(id) ON DELETE CASCADE,
        latent BLOB NOT NULL,
        cond BLOB
      ) STRICT;

      -- The prompt's positive tags with their weights, for filtering the gallery by tag.
      CREATE TABLE generation_tags (
        generation_id INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
        tag TEXT NOT NULL COLLATE NOCASE,
        weight REAL NOT NULL,
        PRIMARY KEY (tag, generation_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE prompt_history (
        text TEXT PRIMARY KEY,
        uses INTEGER NOT NULL DEFAULT 1,
        last_used_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      ) STRICT;

      CREATE TABLE prompt_templates (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        text TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      ) STRICT;
    `);
    // Images written together (one Generate press) share a folder: number those batches.
    const rows = db.prepare('SELECT id, file FROM generations ORDER BY id').all() as { id: number; file: string }[];
    const batches = new Map<string, number>();
    const set = db.prepare('UPDATE generations SET batch_id = ? WHERE id = ?');
    for (const r of rows) {
      const folder = r.file.slice(0, r.file.lastIndexOf('/') + 1);
      if (!batches.has(folder)) batches.set(folder, batches.size + 1);
      set.run(batches.get(folder)!, r.id);
    }
  },
};

export default migration;
