import type { Migration } from './migration';

const migration: Migration = {
  version: 1,
  name: '001-assets-and-tags',
  up(db) {
    db.exec(`
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      -- Originals are content-addressed: the hash is the identity, the file lives at assets/<h[0:2]>/<hash>.<ext>.
      CREATE TABLE assets (
        id INTEGER PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        ext TEXT NOT NULL,
        name TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        has_alpha INTEGER NOT NULL,
        -- Project-relative; small web-format originals are their own thumbnail.
        thumb TEXT NOT NULL,
        imported_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      ) STRICT;

      CREATE TABLE tags (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE
      ) STRICT;

      CREATE TABLE asset_tags (
        asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
        tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
        PRIMARY KEY (asset_id, tag_id)
      ) STRICT, WITHOUT ROWID;

      -- Filtering the grid by tag walks this index, not the whole join table.
      CREATE INDEX asset_tags_by_tag ON asset_tags(tag_id, asset_id);
    `);
  },
};

export default migration;
