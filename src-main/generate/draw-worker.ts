// A drawing thread of the generator process (see draw-pool.ts): loads checkpoints into its own
// tfjs (WebAssembly) instance and draws the slice of a batch it is sent, one request at a time.
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../ml/backend.js';
import { drawBytes } from '../ml/generator.js';
import type { SliceRequest } from './draw-pool.js';
import { GeneratorCache } from './generator-cache.js';

const cache = new GeneratorCache();
let queue: Promise<void> = Promise.resolve();

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
