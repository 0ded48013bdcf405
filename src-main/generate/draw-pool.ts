// Drawing on every core: the generator process splits a batch of latent vectors into one slice
// per thread (itself plus worker threads, each with its own WebAssembly instance and its own copy
// of the weights), draws the slices at once and puts the pixels back in order. An image depends
// only on its own latent and condition vector, so the split never changes a single byte.
import type { Worker } from 'node:worker_threads';
import { drawBytes, type LoadedGenerator } from '../ml/generator.js';
import { spawnWorker } from '../ml/threads.js';
import { GeneratorCache } from './generator-cache.js';

/** One slice of a batch for a drawing thread (draw-worker.ts). */
export interface SliceRequest {
  id: number;
  /** Absolute checkpoint folder. */
  dir: string;
  n: number;
  z: Float32Array;
  cond: Float32Array | null;
}

/** Fewer images than this per extra thread are drawn on one thread: the hand-off would cost more than it saves. */
const MIN_SLICE = 4;

export class DrawPool {
  private readonly local = new GeneratorCache();
  private readonly workers: ({ worker: Worker; pending: Map<number, { resolve(p: Uint8Array): void; reject(e: Error): void }> } | null)[];
  private nextId = 1;
  /** Per worker: checkpoint folders it has loaded (or is loading), most recent last. */
  private readonly loaded: Map<string, Promise<boolean>>[];

  /** `threads` counts this thread: 1 draws everything here. */
  constructor(threads: number) {
    this.workers = Array.from({ length: Math.max(0, threads - 1) }, () => null);
    this.loaded = this.workers.map(() => new Map());
  }

  /** This thread's generator for a checkpoint folder (loaded on first use). */
  generator(dir: string): Promise<LoadedGenerator> {
    return this.local.get(dir);
  }

  async draw(dir: string, n: number, z: Float32Array, cond: Float32Array | null): Promise<{ generator: LoadedGenerator; pixels: Uint8Array; threads: number }> {
    const generator = await this.local.get(dir);
    const { latentDim, classes, size } = generator;
    // Only threads that already hold this checkpoint take a slice: one still starting would make
    // everyone wait for it. The others load it now, for the next batch.
    const ready: number[] = [];
    for (let i = 0; i < this.workers.length; i++) {
      const state = this.loaded[i]!.get(dir);
      if (state && (await Promise.race([state, Promise.resolve(null)])) === true) ready.push(i);
      else if (!state) void this.load(i, dir);
    }
    const parts = Math.max(1, Math.min(1 + ready.length, Math.floor(n / MIN_SLICE)));
    if (parts === 1) return { generator, pixels: await drawBytes(generator, n, z, cond), threads: 1 };
    // Slice k covers images [start_k, start_k+1): sizes differ by at most one.
    const bounds = Array.from({ length: parts + 1 }, (_, k) => Math.round((k * n) / parts));
    const per = size * size * 3;
    const slice = (k: number) => {
      const from = bounds[k]!;
      const to = bounds[k + 1]!;
      return { n: to - from, z: z.slice(from * latentDim, to * latentDim), cond: cond && classes > 0 ? cond.slice(from * classes, to * classes) : null };
    };
    // Hand the other slices out first: drawing here blocks this thread until it is done.
    const remote = Array.from({ length: parts - 1 }, (_, k) => this.remote(ready[k]!, { dir, ...slice(k + 1) }));
    const mine = slice(0);
    const slices = [drawBytes(generator, mine.n, mine.z, mine.cond), ...remote];
    const pixels = new Uint8Array(n * per);
    (await Promise.all(slices)).forEach((p, k) => pixels.set(p, bounds[k]! * per));
    return { generator, pixels, threads: parts };
  }

  /** Loads a checkpoint on every thread (the Generate view opening), so the first real draw is quick. */
  async warm(dir: string): Promise<void> {
    await this.local.get(dir);
    await Promise.all(this.workers.map((_, i) => this.load(i, dir)));
  }

  /** Has worker i load a checkpoint (one throwaway image); resolves true once it can draw from it. */
  private load(i: number, dir: string): Promise<boolean> {
    const loaded = this.loaded[i]!;
    let state = loaded.get(dir);
    if (!state) {
      state = this.local.get(dir).then((generator) => this.remote(i, { dir, n: 1, z: new Float32Array(generator.latentDim), cond: null }).then(() => true));
      state = state.catch(() => {
        loaded.delete(dir);
        return false;
      });
      loaded.set(dir, state);
      // The worker keeps two checkpoints, like this thread: forget what it will have evicted.
      for (const old of loaded.keys()) {
        if (loaded.size <= 2) break;
        loaded.delete(old);
      }
    }
    return state;
  }

  private remote(i: number, req: Omit<SliceRequest, 'id'>): Promise<Uint8Array> {
    let w = this.workers[i];
    if (!w) {
      const worker = spawnWorker('draw-worker', import.meta.url, null);
      const pending = new Map<number, { resolve(p: Uint8Array): void; reject(e: Error): void }>();
      const entry = { worker, pending };
      const fail = (e: Error) => {
        if (this.workers[i] === entry) this.workers[i] = null;
        this.loaded[i]!.clear();
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
