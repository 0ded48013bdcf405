// Every error code that can reach a person, in one list: a program branches on the
// code, a person reads the message. The engine's AtelierError takes only these.
import { z } from 'zod';

export const ErrorCode = z.enum([
  // Anything: a bug in Atelier (the message says so; the log has the stack).
  'internal',
  // The contract and the adapters.
  'unknown-operation',
  'invalid-input',
  'unauthorized',
  'forbidden',
  'bad-host',
  'bad-origin',
  'bad-url',
  'method',
  'unsupported-media-type',
  'too-large',
  'offline',
  'bad-response',
  'io',
  // Projects and their folders.
  'no-project',
  'not-a-project',
  'not-a-folder',
  'project-exists',
  'project-busy',
  'folder-not-empty',
  'hidden-folder',
  'system-folder',
  'outside-projects-folder',
  'cannot-create-folder',
  'store-unreadable',
  'store-too-new',
  // Data.
  'not-found',
  'invalid-state',
  'missing-file',
  'missing-asset',
  'empty-dataset',
  'no-classes',
  // An image whose pixels cannot be decoded for hashing and quality measures.
  'unreadable-image',
  // Training.
  'no-queue',
  'run-failed',
  'run-stopped',
  'job-crashed',
  'no-checkpoint',
  'invalid-checkpoint',
  'incompatible-checkpoint',
  // A run whose losses stopped being finite numbers (lower the learning rates).
  'training-diverged',
  // The GPU refused a training step (a buffer over its limits, out of memory, the device lost): the message says what to lower.
  'gpu-refused',
  // No compute backend (tfjs-node, WASM or plain JS) could start on this machine.
  'no-backend',
  // A native module (better-sqlite3) built for the other runtime (Node or Electron): the message names the command that rebuilds it.
  'native-module-mismatch',
  // Generation.
  'invalid-prompt',
  'unconditional',
  'generator-stopped',
  'generator-crashed',
  // Review and feedback: this workstation has no reviewer name yet; too few ratings for a round.
  'no-reviewer',
  'too-few-ratings',
  // Export: a file Atelier will not overwrite; work the person cancelled; a bundle that is
  // damaged or not Atelier's, one built to harm (paths out of its folder, links, a zip bomb),
  // and one written by a newer Atelier.
  'file-exists',
  'cancelled',
  'bundle-invalid',
  'bundle-unsafe',
  'bundle-too-new',
]);
export type ErrorCodeT = z.output<typeof ErrorCode>;

export const ErrorPayload = z.object({ code: z.string(), message: z.string() });
export type ErrorPayloadT = z.output<typeof ErrorPayload>;
