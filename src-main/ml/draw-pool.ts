// Drawing on every core: the generator process splits a batch of latent vectors into one slice
// per thread (itself plus worker threads, each with its own WebAssembly instance and its own copy
// of the weights), draws the slices at once and puts the pixels back in order. An image depends
// only on its own latent and condition vector, so the split never changes a single byte.
import type { Worker } from 'node:worker_threads';
import { tf } from './backend.js';
import { loadCheckpoint } from './checkpoint.js';
import { samplerFor, toBytes, type Sampler } from './generate.js';
import { spawnWorker } from './parallel.js';
import type { SliceRequest } from './sampler-worker.js';

/** Loaded generators by checkpoint folder, the most recently used kept. */
export class SamplerCache {
  private readonly samplers = new Map<string, Promise<Sampler>>();
  constructor(private readonly keep = 2) {}

  get(dir: string): Promise<Sampler> {
    let s = this.samplers.get(dir);
    if (s) {
      this.samplers.delete(dir); // most recent last
    } else {
      s = loadCheckpoint(dir).then((state) => samplerFor(state));
      s.catch(() => this.samplers.delete(dir));
    }
    this.samplers.set(dir, s);
    for (const [old, sampler] of this.samplers) {
      if (this.samplers.size <= this.keep) break;
      this.samplers.delete(old);
      void sampler.then((x) => x.dispose(), () => {});
    }
    return s;
  }
}

/** n RGB images as bytes from n latent vectors (and condition vectors for a conditional model). */
export async function drawBytes(sampler: Sampler, n: number, z: Float32Array, cond: Float32Array | null): Promise<Uint8Array> {
  const { latentDim, classes } = sampler;
  const c = classes > 0 ? (cond ?? new Float32Array(n * classes)) : null;
  const images = tf.tidy(() => sampler.draw(tf.tensor2d(z, [n, latentDim]), c ? tf.tensor2d(c, [n, classes]) : null));
  try {
    return toBytes((await images.data()) as Float32Array);
  } finally {
    images.dispose();
  }
}

/** Fewer images than this per extra thread are drawn on one thread: the hand-off would cost more than it saves. */
const MIN_SLICE = 4;

export class DrawPool {
  private readonly local = new SamplerCache();
  private readonly workers: ({ worker: Worker; pending: Map<number, { resolve(p: Uint8Array): void; reject(e: Error): void }> } | null)[];
  private nextId = 1;

  /** `threads` counts this thread: 1 draws everything here. */
  constructor(private readonly threads: number) {
    this.workers = Array.from({ length: Math.max(0, threads - 1) }, () => null);
  }

  /** This thread's generator for a checkpoint folder (loaded on first use). */
  sampler(dir: string): Promise<Sampler> {
    return this.local.get(dir);
  }

  async draw(dir: string, n: number, z: Float32Array, cond: Float32Array | null): Promise<{ sampler: Sampler; pixels: Uint8Array }> {
    const sampler = await this.local.get(dir);
    const { latentDim, classes, size } = sampler;
    const parts = Math.max(1, Math.min(this.threads, Math.floor(n / MIN_SLICE)));
    if (parts === 1) return { sampler, pixels: await drawBytes(sampler, n, z, cond) };
    // Slice k covers images [start_k, start_k+1): sizes differ by at most one.
    const bounds = Array.from({ length: parts + 1 }, (_, k) => Math.round((k * n) / parts));
    const per = size * size * 3;
    const slices = bounds.slice(0, -1).map((from, k) => {
      const to = bounds[k + 1]!;
      const zs = z.slice(from * latentDim, to * latentDim);
      const cs = cond && classes > 0 ? cond.slice(from * classes, to * classes) : null;
      return k === 0 ? drawBytes(sampler, to - from, zs, cs) : this.remote(k - 1, { dir, n: to - from, z: zs, cond: cs });
    });
    const pixels = new Uint8Array(n * per);
    (await Promise.all(slices)).forEach((p, k) => pixels.set(p, bounds[k]! * per));
    return { sampler, pixels };
  }

  /** Loads a checkpoint on every thread (the Generate view opening), so the first real draw is quick. */
  async warm(dir: string): Promise<void> {
    const sampler = await this.local.get(dir);
    const z = new Float32Array(sampler.latentDim);
    await Promise.all(this.workers.map((_, i) => this.remote(i, { dir, n: 1, z, cond: null })));
  }

  private remote(i: number, req: Omit<SliceRequest, 'id'>): Promise<Uint8Array> {
    let w = this.workers[i];
    if (!w) {
      const worker = spawnWorker('sampler-worker', null);
      const pending = new Map<number, { resolve(p: Uint8Array): void; reject(e: Error): void }>();
      const entry = { worker, pending };
      const fail = (e: Error) => {
        if (this.workers[i] === entry) this.workers[i] = null;
        for (const p of pending.values()) p.reject(e);
        pending.clear();
      };
      worker.on('message', (m: { id: number; pixels?: Uint8Array; error?: string }) => {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (pending.size === 0) worker.unref(); // an idle thread keeps nobody alive
        if (m.pixels) p?.resolve(m.pixels);
        else p?.reject(new Error(`drawing thread ${i + 1}: ${m.error}`));
      });
      worker.on('error', (e) => fail(new Error(`drawing thread ${i + 1} failed: ${e.message}`)));
      worker.on('exit', (code) => fail(new Error(`drawing thread ${i + 1} stopped (exit code ${code})`)));
      this.workers[i] = w = entry;
    }
    const id = this.nextId++;
    const entry = w;
    return new Promise<Uint8Array>((resolve, reject) => {
      entry.pending.set(id, { resolve, reject });
      entry.worker.ref();
      entry.worker.postMessage({ id, ...req });
    });
  }
}
