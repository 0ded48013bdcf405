// A data-parallel training replica (see parallel.ts): builds the same networks from the
// leader's state, then runs steps on its slice of each batch until the leader says stop.
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from './backend.js';
import { SharedReducer, type ReplicaInit } from './parallel.js';
import { BatchSampler, createSession, trainOnBatch } from './train.js';

async function main(init: ReplicaInit): Promise<void> {
  const reducer = new SharedReducer(init);
  try {
    await initBackend();
    const session = createSession(init.cfg, init.state);
    const batches = new BatchSampler({ ...init.data, pixels: new Uint8Array(init.data.pixels) }, init.cfg.seed, init.cfg.batchSize);
    parentPort!.postMessage({ type: 'ready' });
    try {
      while (reducer.awaitCommand()) await trainOnBatch(session, batches, reducer, init.replica, { leader: false });
    } finally {
      session.dispose();
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (!/the run is stopping/.test(message)) reducer.reportError(`thread ${init.replica}: ${message}`);
    parentPort!.postMessage({ type: 'failed', message });
  }
}

void main(workerData as ReplicaInit).finally(() => process.exit(0));
