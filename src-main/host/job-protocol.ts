// Typed messages between the engine and a job process. A job is started with one
// request and answers with a stream of messages ending in `done` or `error`. Each room
// declares its own part (training/protocol.ts, generate/protocol.ts); this joins them.
import type { BackendInfoT, ErrorPayloadT } from '../../src-preload/contract';
import type { DrawControl, DrawMessage, GeneratorMessage, GeneratorRequest, LaunchGenerator } from '../generate/protocol';
import type { PauseControl, TrainMessage, TrainRequest } from '../training/protocol';
import type { CopiesRequest, DriftRequest, EmbedRequest, EvaluateRequest, EvaluationMessage } from '../evaluation/protocol';
import type { PreferenceMessage, PreferenceRequest } from '../feedback/protocol';

export type { CopiesRequest, DrawControl, DriftRequest, EmbedRequest, EvaluateRequest, GeneratorRequest, PauseControl, PreferenceRequest, TrainRequest };

export type JobRequest = TrainRequest | GeneratorRequest | EvaluateRequest | EmbedRequest | DriftRequest | CopiesRequest | PreferenceRequest;

/** Messages the engine may send a running job after its request. */
export type JobControl = PauseControl | DrawControl;

export type JobMessage =
  | { type: 'ready'; backend: BackendInfoT }
  | TrainMessage
  | EvaluationMessage
  | PreferenceMessage
  | DrawMessage
  | { type: 'done' }
  | { type: 'error'; error: ErrorPayloadT };

/** How the engine talks to one job process, whichever way it was started. */
export interface JobChannel {
  send(request: JobRequest | JobControl): void;
  onMessage(listener: (message: JobMessage) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

export type LaunchJob = () => JobChannel;

/** A training job's own messages (the run queue's view), its backend's start-up among them: null for the job's end and for draw answers. */
export function trainMessage(m: JobMessage): TrainMessage | null {
  switch (m.type) {
    case 'done':
    case 'error':
    case 'drawn':
    case 'draw-failed':
    case 'hashes':
    case 'preference-model':
    case 'predictions':
      return null;
    default:
      return m;
  }
}

/** An evaluation job's own messages (the evaluation service's view). */
export function evaluationMessage(m: JobMessage): EvaluationMessage | null {
  switch (m.type) {
    case 'features':
    case 'evaluated':
    case 'drifted':
    case 'copies':
    case 'progress':
      return m;
    default:
      return null;
  }
}

/** A preference job's own messages (the feedback service's view). */
export function preferenceMessage(m: JobMessage): PreferenceMessage | null {
  switch (m.type) {
    case 'features':
    case 'hashes':
    case 'preference-model':
    case 'predictions':
    case 'progress':
      return m;
    default:
      return null;
  }
}

/** A generator process's messages (the generator client's view): null for what only a training job or the job's end sends. */
export function generatorMessage(m: JobMessage): GeneratorMessage | null {
  switch (m.type) {
    case 'ready':
    case 'error':
    case 'drawn':
    case 'draw-failed':
      return m;
    default:
      return null;
  }
}

/** Job processes seen as generator processes: the generator client sends only its request and draws, and hears only its messages. */
export function generatorLauncher(launch: LaunchJob): LaunchGenerator {
  return () => {
    const channel = launch();
    return {
      send: (message) => channel.send(message),
      onMessage: (listener) =>
        channel.onMessage((m) => {
          const g = generatorMessage(m);
          if (g) listener(g);
        }),
      onExit: (listener) => channel.onExit(listener),
      kill: () => channel.kill(),
    };
  };
}
