import type { Migration } from './migration';

// Evaluation's feature cache: an image's embedding is computed once per (content hash,
// embedding version, view) and read back when a checkpoint is scored again. The view says
// how the image was prepared before embedding (training size and background colour), so
// the same file seen at 32 px and at 64 px is two rows. No foreign key: generated images
// and folders scored from outside the project have hashes too.
const migration: Migration = {
  version: 7,
  name: '007-image-features',
  up(db) {
    db.exec(`
      CREATE TABLE image_features (
        hash TEXT NOT NULL,
        embedding TEXT NOT NULL,
        view TEXT NOT NULL,
        dim INTEGER NOT NULL CHECK (dim > 0),
        features BLOB NOT NULL CHECK (length(features) = 4 * dim),
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        PRIMARY KEY (hash, embedding, view)
      ) WITHOUT ROWID;
    `);
  },
};

export default migration;
