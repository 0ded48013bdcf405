// The studio and its open project.
import { z } from 'zod';
import { count } from './common';

export const BackendName = z.enum(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);

export const BackendInfo = z.object({
  name: BackendName,
  threads: count,
  message: z.string(),
});

export const ProjectSummary = z.object({
  dir: z.string(),
  name: z.string(),
  assetCount: count,
  tagCount: count,
  runCount: count,
  generationCount: count,
  checkpointCount: count,
  /** Transparent originals are composited on this colour for training. */
  background: z.string(),
});

export const Credit = z.object({ what: z.string(), author: z.string(), license: z.string(), url: z.string() });

export type ProjectSummaryT = z.output<typeof ProjectSummary>;
export type BackendInfoT = z.output<typeof BackendInfo>;
