// Chooses the tfjs compute backend once per process: native GPU, native CPU, WASM, then pure JS.
// Everything else in the app imports `tf` from here, so the choice is made before any op runs.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import path from 'node:path';
import { registerCpuKernelFixes } from './cpu-kernels.js';
import { registerWasmTrainingKernels } from './wasm-kernels.js';
import { AtelierError } from '../errors.js';

export { tf };

// The cpu backend is the last fallback and the reference kernels are checked against: its broken
// kernels are replaced before anything can run on it.
registerCpuKernelFixes();

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendChoice {
  name: BackendName;
  /** Cores training uses: native TensorFlow's thread pool, or one WebAssembly replica per core. */
  threads: number;
  /** One human sentence for the UI and log: what was chosen and why the better ones were not. */
  message: string;
  /** Every backend tried before the chosen one, with a short reason it was skipped. */
  tried: { name: BackendName; error: string }[];
}

export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export class BackendUnavailableError extends AtelierError {
  constructor(
    message: string,
    readonly tried: { name: BackendName; error: string }[],
  ) {
    super('no-backend', message);
    this.name = 'BackendUnavailableError';
  }
}

let chosen: Promise<BackendChoice> | undefined;

/**
 * Initialises the first backend that works, in the order of BACKEND_ORDER (or only `opts.only`).
 * Idempotent: later calls return the first call's choice, whatever their options.
 */
export function initBackend(opts: { only?: BackendName } = {}): Promise<BackendChoice> {
  chosen ??= choose(opts.only).catch((err: unknown) => {
    chosen = undefined; // a failed start-up may be retried (e.g. with another `only`)
    throw err;
  });
  return chosen;
}

async function choose(only?: BackendName): Promise<BackendChoice> {
  const tried: { name: BackendName; error: string }[] = [];
  const order = only ? [only] : BACKEND_ORDER;
  for (const name of order) {
    try {
      const threads = await tryBackend(name);
      return { name, threads, tried, message: describe(name, threads, tried) };
    } catch (err) {
      tried.push({ name, error: explainFailure(name, err) });
    }
  }
  const reasons = tried.map((t) => `${t.name}: ${t.error}`).join('; ');
  throw new BackendUnavailableError(`No tfjs backend could start (${reasons}).`, tried);
}

/** Activates one backend; returns its thread count or throws why it cannot run here. */
async function tryBackend(name: BackendName): Promise<number> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      // Variable specifiers: these optional packages are usually absent, and neither tsc nor a
      // bundler may try to resolve them at build time.
      const spec = name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      await import(/* @vite-ignore */ spec);
      if (!(await tf.setBackend('tensorflow'))) throw new Error('backend "tensorflow" failed to initialise');
      return cpus().length;
    }
    case 'wasm': {
      const before = { exception: process.listeners('uncaughtException'), rejection: process.listeners('unhandledRejection') };
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(wasmDistDir());
      registerWasmTrainingKernels();
      const ok = await tf.setBackend('wasm');
      // Emscripten's module rethrows every uncaught error from its own handlers, printing
      // its whole minified source; Node's default handling says the same, readably.
      for (const l of process.listeners('uncaughtException')) if (!before.exception.includes(l)) process.off('uncaughtException', l);
      for (const l of process.listeners('unhandledRejection')) if (!before.rejection.includes(l)) process.off('unhandledRejection', l);
      if (!ok) throw new Error('backend "wasm" failed to initialise');
      // One op runs on one thread; training runs one replica per core (ml/parallel.ts).
      return Math.max(wasm.getThreadsCount(), cpus().length);
    }
    case 'cpu': {
      if (!(await tf.setBackend('cpu'))) throw new Error('backend "cpu" failed to initialise');
      return 1;
    }
  }
}

/** Folder holding the .wasm binaries, found the way Node resolves the package (works unbundled). */
export function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkg), 'dist') + path.sep;
}

/** Turns a load error into something a user can act on. */
export function explainFailure(name: BackendName, err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (module|package)/.test(raw)) {
    return 'not installed';
  }
  const lib = /(lib[\w.+-]+\.so[\w.]*)/.exec(raw)?.[1];
  const pkg = name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  if (name === 'tensorflow-gpu' && /libcu|libcudnn|CUDA/i.test(raw)) {
    // CUDA 12 machines lack the CUDA 11 runtime tfjs-node-gpu 4.x links against (libcudart.so.11.0).
    return `CUDA libraries not found (${lib ?? 'libcudart'}): tfjs-node-gpu needs CUDA 11.2 + cuDNN 8 (CUDA 12 alone is not enough); install them for GPU training`;
  }
  if (/NODE_MODULE_VERSION|compiled against a different Node\.js version|N-API|napi/i.test(raw)) {
    return `native binding was built for another Node.js/Electron version: run \`npm rebuild ${pkg}\` (or electron-builder install-app-deps)`;
  }
  if (lib) return `native library ${lib} could not be loaded`;
  if (/tfjs_binding\.node/.test(raw)) return 'native binding missing: reinstall @tensorflow/tfjs-node';
  const firstLine = raw.split('\n')[0] ?? raw;
  return firstLine.length > 160 ? `${firstLine.slice(0, 157)}...` : firstLine;
}

function describe(name: BackendName, threads: number, tried: { name: BackendName; error: string }[]): string {
  const why = tried.length ? ` (${tried.map((t) => `${t.name}: ${t.error}`).join('; ')})` : '';
  switch (name) {
    case 'tensorflow-gpu':
      return 'Training on the GPU with native TensorFlow (CUDA).';
    case 'tensorflow':
      return `Training on the CPU with native TensorFlow, ${threads} threads${why}.`;
    case 'wasm':
      return `Training on the CPU with WebAssembly (SIMD) on ${threads} core${threads === 1 ? '' : 's'}, one training thread each; native TensorFlow is not available${why}.`;
    case 'cpu':
      return `Training with the pure JavaScript CPU backend: training will be ~100× slower than with WebAssembly or native TensorFlow${why}.`;
  }
}
