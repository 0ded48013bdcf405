// Data-parallel training on one machine: the thread that runs train() is replica 0 and worker
// threads are replicas 1…n−1, each with its own tfjs (WebAssembly) instance on its own core.
// Every replica holds identical weights, computes gradients on its slice of the batch, and the
// slices' gradients are averaged through shared memory before each applies the same Adam update,
// so the weights stay identical without ever being sent. (tfjs-wasm's own pthread build does
// not start its workers under Node, so threads are used at this level instead.)
//
// Shared memory: a control block (barrier counter, generation, command, error flag), two gradient
// buffers used alternately (a replica may only overwrite a buffer after everyone has passed the
// next barrier, by which time all reads of it are done), and the dataset's pixels.
import type { Worker } from 'node:worker_threads';
import { tf } from './backend.js';
import { spawnWorker } from './threads.js';
import type { Dataset, Reducer, TrainConfig, TrainState } from './types.js';
import { AtelierError } from '../errors.js';

const ARRIVED = 0;
const GENERATION = 1;
const COMMAND = 2;
const ERROR = 3;
const STOP = 4;
const CONTROL_INTS = 8;
/** Room for loss values after the gradients in each replica's slot. */
const SCALARS = 16;
const ERROR_BYTES = 2048;
/** How long the leader waits at a barrier for a worker before declaring it lost. */
const WORKER_TIMEOUT_MS = 120_000;

export class ReplicaError extends AtelierError {
  constructor(message: string) {
    super('run-failed', message);
    this.name = 'ReplicaError';
  }
}

/** What every replica's thread gets: plain data and shared buffers only. */
export interface ReplicaInit {
  cfg: TrainConfig;
  state: TrainState;
  replica: number;
  replicas: number;
  control: SharedArrayBuffer;
  buffers: [SharedArrayBuffer, SharedArrayBuffer];
  errors: SharedArrayBuffer;
  capacity: number;
  data: Omit<Dataset, 'pixels'> & { pixels: SharedArrayBuffer };
}

/** The barrier and gradient averaging, the same code on every replica. */
export class SharedReducer implements Reducer {
  private readonly control: Int32Array;
  private readonly buffers: [Float32Array, Float32Array];
  private readonly errors: Uint8Array;
  private phase = 0;

  constructor(
    private readonly init: Pick<ReplicaInit, 'control' | 'buffers' | 'errors' | 'capacity' | 'replica' | 'replicas'>,
    private readonly timeoutMs = WORKER_TIMEOUT_MS,
  ) {
    this.control = new Int32Array(init.control);
    this.buffers = [new Float32Array(init.buffers[0]), new Float32Array(init.buffers[1])];
    this.errors = new Uint8Array(init.errors);
  }

  get replicas(): number {
    return this.init.replicas;
  }

  async reduce(grads: tf.Tensor[], scalars: number[], share: number): Promise<{ grads: tf.Tensor[]; scalars: number[] }> {
    const { capacity, replica, replicas } = this.init;
    const read = await Promise.all(grads.map((g) => g.data()));
    const buf = this.buffers[this.phase++ % 2]!;
    const base = replica * capacity;
    let offset = 0;
    const sizes: number[] = [];
    for (const [k] of grads.entries()) {
      const values = read[k] as Float32Array;
      if (offset + values.length > capacity - SCALARS) throw new ReplicaError(`gradients exceed the shared buffer (${capacity} values)`);
      for (let i = 0; i < values.length; i++) buf[base + offset + i] = values[i]! * share;
      sizes.push(values.length);
      offset += values.length;
    }
    if (scalars.length > SCALARS) throw new ReplicaError(`at most ${SCALARS} loss values can be averaged, got ${scalars.length}`);
    scalars.forEach((v, i) => (buf[base + capacity - SCALARS + i] = v * share));
    this.barrier();
    // Summed in replica order on every replica, so every replica gets the same bits.
    const out: tf.Tensor[] = [];
    offset = 0;
    grads.forEach((g, k) => {
      const n = sizes[k]!;
      const sum = new Float32Array(n);
      for (let r = 0; r < replicas; r++) {
        const from = r * capacity + offset;
        for (let i = 0; i < n; i++) sum[i]! += buf[from + i]!;
      }
      out.push(tf.tensor(sum, g.shape, 'float32'));
      offset += n;
    });
    const averaged = scalars.map((_, i) => {
      let s = 0;
      for (let r = 0; r < replicas; r++) s += buf[r * capacity + capacity - SCALARS + i]!;
      return s;
    });
    return { grads: out, scalars: averaged };
  }

  /** Waits until every replica has arrived. Throws if a replica reported an error or the run is stopping. */
  barrier(timeoutMs = this.timeoutMs): void {
    const c = this.control;
    const generation = Atomics.load(c, GENERATION);
    if (Atomics.add(c, ARRIVED, 1) === this.init.replicas - 1) {
      Atomics.store(c, ARRIVED, 0);
      Atomics.add(c, GENERATION, 1);
      Atomics.notify(c, GENERATION);
      return;
    }
    const deadline = Date.now() + timeoutMs;
    while (Atomics.load(c, GENERATION) === generation) {
      this.check();
      if (Date.now() > deadline) throw new ReplicaError(`a training thread stopped responding for ${Math.round(timeoutMs / 1000)} s`);
      Atomics.wait(c, GENERATION, generation, 100);
    }
    this.check();
  }

  private check(): void {
    if (Atomics.load(this.control, STOP) !== 0) throw new ReplicaError('the run is stopping');
    if (Atomics.load(this.control, ERROR) !== 0) {
      const text = new TextDecoder().decode(this.errors).replace(/\0+$/, '');
      throw new ReplicaError(`a training thread failed: ${text || 'unknown error'}`);
    }
  }

  /** The leader's word before each step: true = run the step, false = finish. */
  command(go: boolean): void {
    Atomics.store(this.control, COMMAND, go ? 1 : 0);
    this.barrier();
  }

  /** A worker's wait for the leader's word (no timeout: the leader may be writing a checkpoint). */
  awaitCommand(): boolean {
    this.barrier(Number.POSITIVE_INFINITY);
    return Atomics.load(this.control, COMMAND) === 1;
  }

  reportError(message: string): void {
    const bytes = new TextEncoder().encode(message.slice(0, ERROR_BYTES / 4));
    this.errors.set(bytes.subarray(0, ERROR_BYTES - 1));
    Atomics.store(this.control, ERROR, 1);
    Atomics.notify(this.control, GENERATION);
  }

  abort(): void {
    Atomics.store(this.control, STOP, 1);
    Atomics.notify(this.control, GENERATION);
  }
}

/** Values the largest network's gradients (plus losses) need. */
function gradientCapacity(state: TrainState): number {
  let most = 0;
  for (const name of ['generator', 'discriminator', 'vae']) {
    const n = (state.groups[name] ?? []).reduce((sum, a) => sum + a.data.length, 0);
    most = Math.max(most, n);
  }
  return most + SCALARS;
}

export interface ReplicaGroup {
  reducer: SharedReducer;
  /** The leader calls this before each of its steps. */
  beginStep(go: boolean): void;
  /** Ends the workers (cleanly after the last step, or abruptly after an error). */
  stop(): Promise<void>;
}

/**
 * Starts replicas 1…n−1 from `state` (the leader's exact starting weights) and returns the
 * leader's reducer. Resolves once every worker has built its networks.
 */
export async function startReplicas(opts: { data: Dataset; cfg: TrainConfig; state: TrainState; replicas: number }): Promise<ReplicaGroup> {
  const { data, cfg, state, replicas } = opts;
  const capacity = gradientCapacity(state);
  const control = new SharedArrayBuffer(CONTROL_INTS * 4);
  const buffers: [SharedArrayBuffer, SharedArrayBuffer] = [new SharedArrayBuffer(replicas * capacity * 4), new SharedArrayBuffer(replicas * capacity * 4)];
  const errors = new SharedArrayBuffer(ERROR_BYTES);
  const pixels = new SharedArrayBuffer(data.pixels.byteLength);
  new Uint8Array(pixels).set(data.pixels);
  const shared = { control, buffers, errors, capacity, replicas };
  // Pixels are shared; the small per-image arrays (sampling and loss weights, conditions) and the negatives are copied to each worker.
  const { pixels: _own, ...rest } = data;
  const workers: Worker[] = [];
  const exits: Promise<void>[] = [];
  const ready: Promise<void>[] = [];
  for (let replica = 1; replica < replicas; replica++) {
    const w = spawnWorker('replica-worker', import.meta.url, { ...shared, cfg, state, replica, data: { ...rest, pixels } });
    workers.push(w);
    ready.push(
      new Promise((resolve, reject) => {
        w.once('message', (m: { type: string }) => (m.type === 'ready' ? resolve() : reject(new ReplicaError(`worker ${replica} said ${m.type}`))));
        w.once('error', (e) => reject(new ReplicaError(`training thread ${replica} could not start: ${e.message}`)));
        w.once('exit', (code) => reject(new ReplicaError(`training thread ${replica} exited (code ${code}) while starting`)));
      }),
    );
    exits.push(new Promise((resolve) => w.once('exit', () => resolve())));
  }
  const reducer = new SharedReducer({ ...shared, replica: 0 });
  try {
    await Promise.all(ready);
  } catch (err) {
    reducer.abort();
    await Promise.all(workers.map((w) => w.terminate()));
    throw err;
  }
  let stopped = false;
  return {
    reducer,
    beginStep: (go) => reducer.command(go),
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        reducer.command(false); // clean end: workers leave their loop
      } catch {
        reducer.abort(); // a worker is gone or mid-step: wake everyone and end them
      }
      const timer = setTimeout(() => workers.forEach((w) => void w.terminate()), 10_000);
      await Promise.all(exits);
      clearTimeout(timer);
    },
  };
}
