import type { Migration } from './migration';

// Dataset images gain a 0–5 star rating (0 = not rated yet), set from the Data grid a
// selection at a time, and the grid can be narrowed to a minimum rating or to unrated images.
const migration: Migration = {
  version: 6,
  name: '006-asset-ratings',
  up(db) {
    db.exec(`
      ALTER TABLE assets ADD COLUMN rating INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5);
      -- The rating filter walks this index in grid order (id) within each rating.
      CREATE INDEX assets_by_rating ON assets(rating, id);
    `);
  },
};

export default migration;
