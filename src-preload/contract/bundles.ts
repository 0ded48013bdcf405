// Export: project bundles (one file a team moves between workstations), a checkpoint as a
// generator for the web, and the model card that goes with both.
import { z } from 'zod';
import { count, id } from './common';
import { ProjectSummary } from './project';

/** Which checkpoints' weights a bundle carries: every one, the published one (else the newest), none. */
export const BundleCheckpoints = z.enum(['all', 'published', 'none']);

const path = z.string().min(1).max(4096);

export const BundleCounts = z.object({
  assets: count,
  tags: count,
  runs: count,
  checkpoints: count,
  generations: count,
  reviews: count,
  reviewers: count,
});

export const bundleExportInput = z
  .object({
    /** The bundle file to write (…/name.atelier); never overwritten. */
    out: path,
    generations: z.boolean().default(true),
    checkpoints: BundleCheckpoints.default('all'),
  })
  .strict();

export const BundleExported = z.object({
  file: z.string(),
  bytes: count,
  members: count,
  seconds: z.number().nonnegative(),
  omittedCheckpoints: z.array(id),
  counts: BundleCounts,
  /** What was left out and why, in sentences. */
  notes: z.array(z.string()),
});

/** What the Export view shows before a bundle is written: a file name to offer, and what each choice weighs. */
export const BundleOptions = z.object({
  suggestedFile: z.string(),
  /** Bytes by part: everything but checkpoints and generated images; all checkpoints; the published (else newest) one; generated images. */
  bytes: z.object({ base: count, checkpoints: count, publishedCheckpoint: count, generations: count }),
  checkpoints: count,
  published: id.nullable(),
  generations: count,
});

/** A bundle as its manifest describes it, judged but not opened. */
export const BundleInfo = z.object({
  file: z.string(),
  bytes: count,
  name: z.string(),
  createdAt: z.string(),
  atelier: z.string(),
  generations: z.boolean(),
  checkpoints: BundleCheckpoints,
  omittedCheckpoints: z.array(id),
  counts: BundleCounts,
  /** Bytes once unpacked. */
  unpackedBytes: count,
  /** A new folder to open it into (beside the open project, or in the projects folder). */
  suggestedDir: z.string(),
});

export const BundleOpened = ProjectSummary.extend({ seconds: z.number().nonnegative(), from: z.string() });

export const ModelCard = z.object({ title: z.string(), html: z.string() });

export const WebExport = z.object({ dir: z.string(), files: z.array(z.string()), bytes: count });

export type BundleExportedT = z.output<typeof BundleExported>;
export type BundleOptionsT = z.output<typeof BundleOptions>;
export type BundleInfoT = z.output<typeof BundleInfo>;
export type BundleOpenedT = z.output<typeof BundleOpened>;
export type ModelCardT = z.output<typeof ModelCard>;
export type WebExportT = z.output<typeof WebExport>;
export type BundleCheckpointsT = z.output<typeof BundleCheckpoints>;
