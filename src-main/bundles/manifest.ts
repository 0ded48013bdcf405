// A bundle's manifest.json: what the bundle is, which Atelier and database schema wrote it,
// what was left out, and every other member with its size and SHA-256. The manifest is the
// contract of a bundle: a member it does not list, or one whose bytes do not hash to what it
// says, is refused on open.
import { z } from 'zod';

export const MANIFEST = 'manifest.json';
export const BUNDLE_FORMAT = 'atelier.bundle';
/** Bumped when a bundle's layout changes in a way an older Atelier cannot read. */
export const BUNDLE_VERSION = 1;
/** The database inside a bundle: a consistent snapshot (SQLite's online backup), one file, no WAL. */
export const BUNDLE_DB = 'atelier.db';
/** The model card of the bundle's published (else newest) checkpoint, when it has one. */
export const BUNDLE_CARD = 'model-card.html';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in hex');
const count = z.number().int().min(0);

export const ManifestEntry = z.object({
  path: z.string().min(1).max(1024),
  bytes: count,
  sha256,
});

export const CheckpointChoice = z.enum(['all', 'published', 'none']);
export type CheckpointChoiceT = z.output<typeof CheckpointChoice>;

export const Manifest = z.object({
  format: z.literal(BUNDLE_FORMAT),
  version: z.number().int().min(1),
  createdAt: z.string(),
  /** The Atelier that wrote it. */
  atelier: z.string(),
  /** The database's schema version (PRAGMA user_version) in the snapshot. */
  schema: z.number().int().min(0),
  project: z.object({ name: z.string().max(500) }),
  options: z.object({ generations: z.boolean(), checkpoints: CheckpointChoice }),
  /** Checkpoints whose rows are in the database but whose weights were left out (by --checkpoints). */
  omittedCheckpoints: z.array(z.number().int().min(1)),
  counts: z.object({ assets: count, tags: count, runs: count, checkpoints: count, generations: count, reviews: count, reviewers: count }),
  entries: z.array(ManifestEntry),
});
export type ManifestT = z.output<typeof Manifest>;
export type ManifestEntryT = z.output<typeof ManifestEntry>;
