import type { Migration } from './migration';

// Runs can be archived (hidden from the run list by default, restorable, their checkpoints still
// usable) and deleted. A deleted run whose checkpoints something still names (an image in the
// gallery drew from one, another run was fine-tuned from one, a feedback round started from one)
// keeps its row and those checkpoints' rows, weightless, so the gallery keeps its provenance; the
// row is marked deleted and every list leaves it out. A run with nothing pointing at it is removed.
//
// A conditional run's sample grid draws its 64 cells for the tags of 64 training images: which
// tags each cell was drawn for is recorded with the run (JSON, one list of class indices per cell).
const migration: Migration = {
  version: 10,
  name: '010-run-archive',
  up(db) {
    db.exec(`
      ALTER TABLE runs ADD COLUMN archived_at TEXT;
      ALTER TABLE runs ADD COLUMN deleted_at TEXT;
      ALTER TABLE runs ADD COLUMN sample_cells TEXT;
    `);
  },
};

export default migration;
