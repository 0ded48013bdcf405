// A drawing thread of the generator process (see draw-pool.ts): loads checkpoints into its own
// tfjs (WebAssembly) instance and draws the slice of a batch it is sent, one request at a time.
import { parentPort } from 'node:worker_threads';
import { initBackend } from './backend.js';
import { SamplerCache } from './draw-pool.js';
import { drawBytes } from './generate.js';

const cache = new SamplerCache();
let queue: Promise<void> = Promise.resolve();

export interface SliceRequest {
  id: number;
  /** Absolute checkpoint folder. */
  dir: string;
  n: number;
  z: Float32Array;
  cond: Float32Array | null;
}

parentPort!.on('message', (m: SliceRequest) => {
  queue = queue.then(async () => {
    try {
      await initBackend();
      const pixels = await drawBytes(await cache.get(m.dir), m.n, m.z, m.cond);
      parentPort!.postMessage({ id: m.id, pixels }, [pixels.buffer as ArrayBuffer]);
    } catch (err) {
      parentPort!.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) });
    }
  });
});
