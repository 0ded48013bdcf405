// What the engine and the generator process say to each other (the job process's generator
// side). host/job-protocol.ts joins these with training's messages into the job process's one
// protocol.
import type { BackendInfoT, ErrorPayloadT } from '../../src-preload/contract';

/**
 * A long-lived generator: it keeps the last checkpoints it loaded (weights on the backend) and
 * draws images for `draw` controls until it is killed, so a grid appears in milliseconds.
 */
export interface GeneratorRequest {
  type: 'generator';
  projectDir: string;
}

/** One batch for the generator process: latent and condition vectors as base64 little-endian float32. */
export interface DrawControl {
  type: 'draw';
  id: number;
  /** Project-relative folder of the checkpoint. */
  checkpointDir: string;
  n: number;
  z: string;
  cond: string | null;
}

/** What the generator process answers to a draw. */
export type DrawMessage =
  | { type: 'drawn'; id: number; size: number; latentDim: number; classes: number; pixels: string; ms: number }
  | { type: 'draw-failed'; id: number; error: ErrorPayloadT };

/** What the engine's generator client hears: the process starting up or failing as a whole, and its draws. */
export type GeneratorMessage = { type: 'ready'; backend: BackendInfoT } | { type: 'error'; error: ErrorPayloadT } | DrawMessage;

/** How the generator client talks to its process (a job channel, seen from the generator's side). */
export interface GeneratorChannel {
  send(message: GeneratorRequest | DrawControl): void;
  onMessage(listener: (message: GeneratorMessage) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

export type LaunchGenerator = () => GeneratorChannel;
