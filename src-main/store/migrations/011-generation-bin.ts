import type { Migration } from './migration';

// Generated images can be moved to a bin (deleted_at set): every gallery list leaves them out, the
// bin lists them, Restore clears the mark. Emptying the bin deletes the rows nothing else names and
// their files; a binned image that another image names as its parent (or a feedback round used)
// keeps its row for that provenance, with its file removed and purged_at set, out of the bin too.
const migration: Migration = {
  version: 11,
  name: '011-generation-bin',
  up(db) {
    db.exec(`
      ALTER TABLE generations ADD COLUMN deleted_at TEXT;
      ALTER TABLE generations ADD COLUMN purged_at TEXT;
      CREATE INDEX generations_binned ON generations(deleted_at) WHERE deleted_at IS NOT NULL;
    `);
  },
};

export default migration;
