import type { Migration } from './migration';

// Reviews: a team rates generated images, each person under the reviewer name their workstation
// gives. One row per (image, reviewer) holds that person's stars, favourite, reject reason and
// comment, with when it was first and last changed; a review cleared of everything is deleted.
// The gallery's columns on generations (mean stars, how many rated, the spread between them,
// favourites, rejects) are kept by triggers, so sorting 100,000 images by rating stays an index
// walk. The single `rating` of 005 becomes the review of a reviewer named "unnamed" (it was made
// before names existed) and the column becomes that mean.
//
// A batch can be sent to named reviewers (review_queues): it is pending for one until they have
// reviewed every image in it. The preference model (the team's taste learnt from ratings) is kept
// with its held-out accuracy; its prediction for an image is a column, for sorting and culling.
// A feedback round is a run fine-tuned on the ratings: which ones it used, and its before/after
// comparison, are recorded with it. A generation's content hash names its features in the cache.
const migration: Migration = {
  version: 9,
  name: '009-reviews',
  up(db) {
    db.exec(`
      CREATE TABLE reviews (
        generation_id INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
        reviewer TEXT NOT NULL CHECK (length(reviewer) BETWEEN 1 AND 60),
        stars INTEGER NOT NULL DEFAULT 0 CHECK (stars BETWEEN 0 AND 5),
        favourite INTEGER NOT NULL DEFAULT 0 CHECK (favourite IN (0, 1)),
        reject TEXT CHECK (reject IN ('artefacts', 'off-prompt', 'copy', 'boring', 'other')),
        comment TEXT NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        PRIMARY KEY (generation_id, reviewer)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX reviews_by_reviewer ON reviews(reviewer, generation_id);

      CREATE TEMP TABLE earlier_ratings AS SELECT id, rating, created_at FROM generations WHERE rating > 0;

      DROP INDEX generations_by_rating;
      ALTER TABLE generations DROP COLUMN rating;
      -- Mean stars of the reviewers who gave stars (0 = none), how many did, max − min of them.
      ALTER TABLE generations ADD COLUMN rating REAL NOT NULL DEFAULT 0;
      ALTER TABLE generations ADD COLUMN ratings INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE generations ADD COLUMN rating_spread INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE generations ADD COLUMN favourites INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE generations ADD COLUMN rejects INTEGER NOT NULL DEFAULT 0;
      -- The preference model's predicted stars (null until predicted), and the file's sha256.
      ALTER TABLE generations ADD COLUMN predicted REAL;
      ALTER TABLE generations ADD COLUMN hash TEXT;
      CREATE INDEX generations_by_rating ON generations(rating, id);
      CREATE INDEX generations_by_predicted ON generations(predicted, id);
    `);
    const summary = `
        UPDATE generations SET
          rating = coalesce((SELECT avg(stars) FROM reviews WHERE generation_id = $ID AND stars > 0), 0),
          ratings = (SELECT count(*) FROM reviews WHERE generation_id = $ID AND stars > 0),
          rating_spread = coalesce((SELECT max(stars) - min(stars) FROM reviews WHERE generation_id = $ID AND stars > 0), 0),
          favourites = (SELECT count(*) FROM reviews WHERE generation_id = $ID AND favourite = 1),
          rejects = (SELECT count(*) FROM reviews WHERE generation_id = $ID AND reject IS NOT NULL)
        WHERE id = $ID;`;
    db.exec(`
      CREATE TRIGGER reviews_summary_insert AFTER INSERT ON reviews BEGIN ${summary.replaceAll('$ID', 'NEW.generation_id')} END;
      CREATE TRIGGER reviews_summary_update AFTER UPDATE ON reviews BEGIN ${summary.replaceAll('$ID', 'NEW.generation_id')} END;
      CREATE TRIGGER reviews_summary_delete AFTER DELETE ON reviews BEGIN ${summary.replaceAll('$ID', 'OLD.generation_id')} END;
    `);
    // Ratings made before names existed become "unnamed" reviews (the triggers fill the summary).
    db.exec(`
      INSERT INTO reviews (generation_id, reviewer, stars, created_at, updated_at)
        SELECT id, 'unnamed', rating, created_at, created_at FROM earlier_ratings;
      DROP TABLE earlier_ratings;

      CREATE TABLE review_queues (
        id INTEGER PRIMARY KEY,
        batch_id INTEGER NOT NULL,
        reviewer TEXT NOT NULL CHECK (length(reviewer) BETWEEN 1 AND 60),
        sent_by TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        UNIQUE (batch_id, reviewer)
      ) STRICT;

      CREATE TABLE preference_models (
        id INTEGER PRIMARY KEY,
        embedding TEXT NOT NULL,
        view TEXT NOT NULL,
        ratings INTEGER NOT NULL,
        reviewers INTEGER NOT NULL,
        -- Held-out accuracy (k-fold): Spearman's rank correlation, mean absolute error, and the MAE of
        -- always guessing the mean; null when there were too few ratings to hold any out.
        spearman REAL,
        mae REAL,
        baseline_mae REAL,
        trusted INTEGER NOT NULL CHECK (trusted IN (0, 1)),
        verdict TEXT NOT NULL,
        -- Float32 weights over the features, and the JSON of the rest (feature means, intercept, λ).
        weights BLOB,
        params TEXT NOT NULL,
        seconds REAL NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      ) STRICT;

      CREATE TABLE feedback_rounds (
        run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        from_checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id),
        preference_model_id INTEGER REFERENCES preference_models(id) ON DELETE SET NULL,
        -- How the ratings were used (the method's parameters), as JSON.
        method TEXT NOT NULL,
        -- The before/after comparison once drawn (JSON), and its verdict.
        comparison TEXT,
        verdict TEXT CHECK (verdict IN ('better', 'no clear change', 'worse')),
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      ) STRICT;

      -- The ratings a round used, as they stood when it was queued.
      CREATE TABLE feedback_round_ratings (
        run_id INTEGER NOT NULL REFERENCES feedback_rounds(run_id) ON DELETE CASCADE,
        generation_id INTEGER NOT NULL REFERENCES generations(id),
        role TEXT NOT NULL CHECK (role IN ('liked', 'disliked')),
        score REAL NOT NULL,
        weight REAL NOT NULL,
        reviewers TEXT NOT NULL,
        PRIMARY KEY (run_id, generation_id)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};

export default migration;
