// The job process: training, evaluation and generation run here, never on the thread that
// serves the UI. Started by child_process.fork (headless, CLI) or Electron's
// utilityProcess; it receives one request, streams typed messages back and exits.
// It writes files (checkpoints, samples) but never the project database.
// This file only dispatches: a training run is training/run-job.ts, an evaluation
// evaluation/eval-job.ts, the generator process generate/generator-process.ts.
import { toErrorPayload } from '../errors';
import { installCrashHandlers, log, logToProject } from '../log';
import { GeneratorProcess } from '../generate/generator-process';
import { initBackend } from '../ml/backend';
import { runTrainingJob } from '../training/run-job';
import { runCopiesJob, runDriftJob, runEmbedJob, runEvaluationJob } from '../evaluation/eval-job';
import { runPreferenceJob } from '../feedback/preference-job';
import type { JobControl, JobMessage, JobRequest } from './job-protocol';

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

// A job that crashes leaves its stack in the project's log (the engine only hears code and message).
installCrashHandlers('job');

function post(message: JobMessage): void {
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
}

/** Set by a `pause` message; a training run checkpoints and stops at the next step boundary. */
let pauseRequested = false;
/** Set by a generator request: it draws for the `draw` controls that follow. */
let generator: GeneratorProcess | null = null;

async function run(request: JobRequest): Promise<void> {
  const backend = await initBackend();
  post({
    type: 'ready',
    backend: { name: backend.name, threads: backend.threads, message: backend.message, ...(backend.adapter ? { adapter: backend.adapter } : {}) },
  });
  if (request.type === 'train') await runTrainingJob(request, { post, pauseRequested: () => pauseRequested });
  else if (request.type === 'evaluate') await runEvaluationJob(request, post);
  else if (request.type === 'embed') await runEmbedJob(request, post);
  else if (request.type === 'drift') await runDriftJob(request, post);
  else if (request.type === 'copies') await runCopiesJob(request, post);
  else if (request.type === 'preference') await runPreferenceJob(request, post);
  else await generator!.serve();
}

/**
 * Posts the last message, then exits once it has left: Node's IPC sends asynchronously, and an exit
 * before the message is written makes a finished job look like a crash ("stopped unexpectedly
 * (exit code 0)") on a busy machine. Electron's parentPort has no such callback: a short grace.
 */
function postAndExit(message: JobMessage, code: number): void {
  if (!parentPort && process.send) {
    process.send(message, undefined, {}, () => process.exit(code));
    return;
  }
  post(message);
  setTimeout(() => process.exit(code), 50);
}

function onRequest(request: JobRequest): void {
  run(request).then(
    () => postAndExit({ type: 'done' }, 0),
    (error: unknown) => {
      log.error(`${request.type} job failed`, error);
      postAndExit({ type: 'error', error: toErrorPayload(error) }, 1);
    },
  );
}

// The first message is the request; later ones are controls (pause, draw).
let started = false;
function onMessage(message: JobRequest | JobControl): void {
  if (!started) {
    started = true;
    const request = message as JobRequest;
    logToProject(request.projectDir);
    // Draw controls may follow the request at once, before start-up is done.
    if (request.type === 'generator') generator = new GeneratorProcess(request, post);
    onRequest(request);
  } else if (message.type === 'pause') {
    pauseRequested = true;
  } else if (message.type === 'draw') {
    generator?.draw(message);
  }
}

if (parentPort) parentPort.on('message', (event) => onMessage(event.data as JobRequest | JobControl));
else process.on('message', (message) => onMessage(message as JobRequest | JobControl));
