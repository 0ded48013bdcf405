// The studio and its open project.
import { z } from 'zod';
import { count } from './common';

export const BackendName = z.enum(['webgpu', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);

/** The GPU WebGPU runs on, as its driver describes it. */
export const GpuAdapter = z.object({
  vendor: z.string(),
  architecture: z.string(),
  device: z.string(),
  description: z.string(),
  /** A CPU pretending to be a GPU (llvmpipe, SwiftShader, WARP): only used when forced. */
  software: z.boolean(),
  limits: z.object({ maxBufferSize: z.number(), maxStorageBufferBindingSize: z.number() }),
});

export const BackendInfo = z.object({
  name: BackendName,
  threads: count,
  message: z.string(),
  adapter: GpuAdapter.optional(),
});

/** The compute backend a person picked for this workstation: 'auto' (the fastest that starts here) or one backend. */
export const BackendSetting = z.enum(['auto', ...BackendName.options]);

/** The studio's backend (every job it starts uses the same): what runs, why, and what the workstation's setting asks for. */
export const StudioBackend = BackendInfo.extend({
  setting: BackendSetting,
  /** The backend the setting names could not start here: why, in a sentence a person can act on (the automatic choice runs instead). */
  refused: z.string().optional(),
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

/** A project opened before on this workstation (the Welcome screen's list), newest first. */
export const RecentProject = z.object({
  dir: z.string(),
  name: z.string(),
  /** ISO time it was last opened or created here. */
  openedAt: z.string(),
  /** The folder (or its atelier.db) is no longer there: moved, renamed or deleted. */
  missing: z.boolean(),
});

export const Credit = z.object({ what: z.string(), author: z.string(), license: z.string(), url: z.string() });

export type ProjectSummaryT = z.output<typeof ProjectSummary>;
export type RecentProjectT = z.output<typeof RecentProject>;
export type BackendInfoT = z.output<typeof BackendInfo>;
export type BackendSettingT = z.output<typeof BackendSetting>;
export type StudioBackendT = z.output<typeof StudioBackend>;
