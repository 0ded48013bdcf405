// Chooses the tfjs compute backend once per process: a GPU through WebGPU (Dawn in Node), native
// TensorFlow (CUDA, then CPU), WASM, then pure JS. Everything else in the app imports `tf` from
// here, so the choice is made before any op runs.
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

export type BackendName = 'webgpu' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** The GPU WebGPU runs on, as its driver describes it. */
export interface GpuAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU pretending to be a GPU (Mesa's llvmpipe/lavapipe, SwiftShader, Microsoft's WARP). */
  software: boolean;
  /** The limits a model's largest tensors meet first, in bytes. */
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
}

export interface BackendChoice {
  name: BackendName;
  /**
   * Training replicas: native TensorFlow's thread pool, one WebAssembly replica per core; one on
   * a GPU (it is fed one larger batch instead).
   */
  threads: number;
  /** One human sentence for the UI and log: what was chosen and why the better ones were not. */
  message: string;
  /** Every backend tried before the chosen one, with a short reason it was skipped. */
  tried: { name: BackendName; error: string }[];
  /** The GPU, when the backend is WebGPU. */
  adapter?: GpuAdapter;
}

export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** Each backend in a few words, for sentences and the Settings switch. */
export const BACKEND_LABELS: Record<BackendName, string> = {
  webgpu: 'WebGPU',
  'tensorflow-gpu': 'native TensorFlow on CUDA',
  tensorflow: 'native TensorFlow on the CPU',
  wasm: 'WebAssembly',
  cpu: 'the JavaScript CPU backend',
};

export class BackendUnavailableError extends AtelierError {
  constructor(
    message: string,
    readonly tried: { name: BackendName; error: string }[],
  ) {
    super('no-backend', message);
    this.name = 'BackendUnavailableError';
  }
}

/**
 * `ATELIER_BACKEND` names the one backend to use (tests, CI, a person who knows better); only a
 * backend named this way may run on a software GPU adapter. Unset or empty: the order above.
 */
export function forcedBackend(env: NodeJS.ProcessEnv = process.env): BackendName | undefined {
  const raw = env.ATELIER_BACKEND?.trim();
  if (!raw) return undefined;
  if ((BACKEND_ORDER as readonly string[]).includes(raw)) return raw as BackendName;
  throw new AtelierError(
    'invalid-input',
    `ATELIER_BACKEND=${raw} is not a backend: use one of ${BACKEND_ORDER.join(', ')}, or leave it unset to choose the fastest.`,
  );
}

let chosen: Promise<BackendChoice> | undefined;

/**
 * Initialises the first backend that works, in the order of BACKEND_ORDER (or only `opts.only`).
 * Idempotent: later calls return the first call's choice, whatever their options.
 */
export function initBackend(opts: { only?: BackendName } = {}): Promise<BackendChoice> {
  chosen ??= Promise.resolve()
    .then(() => choose(opts.only ?? forcedBackend()))
    .then((choice) => {
      if (opts.only) return choice;
      // The job processes this one starts (training, drawing, scoring) inherit the choice: the
      // same backend everywhere, and no second look for a GPU in each. They inherit its reason
      // too: a job runs its backend because the studio chose it, for the studio's reasons.
      const inherited = process.env.ATELIER_BACKEND_REASON;
      if (inherited && process.env.ATELIER_BACKEND === choice.name) return { ...choice, message: inherited };
      process.env.ATELIER_BACKEND = choice.name;
      process.env.ATELIER_BACKEND_REASON = choice.message;
      return choice;
    })
    .catch((err: unknown) => {
      chosen = undefined; // a failed start-up may be retried (e.g. with another `only`)
      throw err;
    });
  return chosen;
}

/**
 * Forgets this process's choice and makes it again (the studio, when its Settings change): only
 * `forced`, or the automatic order when it is undefined. The jobs this process starts from then on
 * inherit the new choice. Rejects, as initBackend does, when the backend cannot start.
 */
export function chooseBackendAgain(forced: BackendName | string | undefined): Promise<BackendChoice> {
  chosen = undefined;
  delete process.env.ATELIER_BACKEND_REASON;
  if (forced) process.env.ATELIER_BACKEND = forced;
  else delete process.env.ATELIER_BACKEND;
  return initBackend();
}

async function choose(only?: BackendName): Promise<BackendChoice> {
  const tried: { name: BackendName; error: string }[] = [];
  const order = only ? [only] : BACKEND_ORDER;
  for (const name of order) {
    try {
      const { threads, adapter } = await tryBackend(name, only === name);
      return { name, threads, tried, message: describe(name, threads, tried, adapter, only === name), ...(adapter ? { adapter } : {}) };
    } catch (err) {
      tried.push({ name, error: explainFailure(name, err) });
    }
  }
  const reasons = tried.map((t) => `${t.name}: ${t.error}`).join('; ');
  throw new BackendUnavailableError(`No tfjs backend could start (${reasons}).`, tried);
}

/** Activates one backend; returns its thread count (and GPU) or throws why it cannot run here. */
async function tryBackend(name: BackendName, forced: boolean): Promise<{ threads: number; adapter?: GpuAdapter }> {
  switch (name) {
    case 'webgpu': {
      // Every read-back on the training, drawing and scoring paths is asynchronous (Dawn in Node has
      // no synchronous one; test/unit/ml/webgpu.test.ts holds them to it), so a real GPU is first.
      const adapter = await findGpuAdapter();
      if (adapter.software && !forced) {
        throw new SkipReason(
          `the only GPU adapter is a software renderer (${adapter.description || adapter.device}), slower than WebAssembly on this CPU; choosing WebGPU for this workstation (or ATELIER_BACKEND=webgpu) uses it anyway`,
        );
      }
      await import('@tensorflow/tfjs-backend-webgpu');
      if (!(await tf.setBackend('webgpu'))) throw new Error('backend "webgpu" failed to initialise');
      watchGpuErrors();
      return { threads: 1, adapter };
    }
    case 'tensorflow-gpu':
    case 'tensorflow': {
      // Variable specifiers: these optional packages are usually absent, and neither tsc nor a
      // bundler may try to resolve them at build time.
      const spec = name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      await import(/* @vite-ignore */ spec);
      if (!(await tf.setBackend('tensorflow'))) throw new Error('backend "tensorflow" failed to initialise');
      return { threads: cpus().length };
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
      return { threads: Math.max(wasm.getThreadsCount(), cpus().length) };
    }
    case 'cpu': {
      if (!(await tf.setBackend('cpu'))) throw new Error('backend "cpu" failed to initialise');
      return { threads: 1 };
    }
  }
}

let gpuError: string | null = null;
const watched = new WeakSet<GPUDevice>();

/**
 * WebGPU reports a refused command (a buffer over the device's binding limit, memory it cannot
 * allocate) as an event, not where the command was issued, and the results are then garbage: the
 * first such report is kept (and not printed) until takeGpuError() collects it.
 */
export function watchGpuErrors(): void {
  const device = (tf.findBackend('webgpu') as unknown as { device?: GPUDevice } | null)?.device;
  if (!device || watched.has(device)) return;
  watched.add(device);
  device.addEventListener('uncapturederror', (event) => {
    event.preventDefault();
    gpuError ??= (event as GPUUncapturedErrorEvent).error.message.split('\n')[0]!.trim();
  });
  void device.lost.then((info) => {
    gpuError ??= `the GPU device was lost (${info.message || info.reason})`;
  });
}

/** The first error the GPU reported since the last call, or null; clears it. */
export function takeGpuError(): string | null {
  const error = gpuError;
  gpuError = null;
  return error;
}

/** Errors tfjs-backend-webgpu throws itself when a tensor is too large for the device. */
export const GPU_LIMIT_ERROR = /dispatch size exceeds|out of memory|exceeds the max|maxStorageBufferBindingSize|maxBufferSize|device (was )?lost/i;

/** A reason to pass a backend by that is already a sentence (not a load error to translate). */
class SkipReason extends Error {}

/**
 * Dawn's Node bindings (npm \`webgpu\`, prebuilt per platform) give this process a \`navigator.gpu\`;
 * returns the adapter WebGPU would use, or throws why there is none.
 */
export async function findGpuAdapter(): Promise<GpuAdapter> {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (!g.navigator?.gpu) {
    const dawn = await loadDawn();
    // The WebGPU classes (GPUBufferUsage, …) tfjs-backend-webgpu reads from the global scope.
    for (const [key, value] of Object.entries(dawn.globals)) if (!(key in globalThis)) Object.assign(globalThis, { [key]: value });
    const gpu = dawn.create([]);
    if (g.navigator) Object.assign(g.navigator, { gpu });
    else g.navigator = { gpu };
  }
  const adapter = await g.navigator!.gpu!.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new SkipReason('no GPU adapter: no Vulkan, Metal or Direct3D 12 driver offered one');
  const info = adapter.info;
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    software: (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true || /llvmpipe|lavapipe|swiftshader|software|basic render|warp/i.test(text),
    limits: { maxBufferSize: adapter.limits.maxBufferSize, maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize },
  };
}

/**
 * Dawn's Node bindings, or a sentence why not. The job may run in Electron's utilityProcess, where
 * the native module could fail to load (a package built for another platform, no Vulkan loader):
 * the next backend is then chosen, with this reason.
 */
async function loadDawn(): Promise<{ create(flags: string[]): GPU; globals: Record<string, unknown> }> {
  try {
    const dawn = (await import('webgpu')) as { create(flags: string[]): GPU; globals: Record<string, unknown> };
    if (typeof dawn.create !== 'function') throw new Error('the module has no create()');
    return dawn;
  } catch (error) {
    throw new SkipReason(dawnLoadFailure(error));
  }
}

/** Why Dawn's bindings did not load, in words a person can act on. */
export function dawnLoadFailure(error: unknown): string {
  // A loader that wraps the module's own error (Node's ESM loader, a test's mock) keeps it as the cause.
  const cause = (error as { cause?: unknown } | null)?.cause;
  const root = cause instanceof Error ? cause : error;
  const raw = root instanceof Error ? root.message : String(root);
  const code = (root as { code?: unknown } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (module|package)/.test(raw)) {
    return /dawn\.node/.test(raw)
      ? `Dawn's WebGPU bindings (npm webgpu) have no build for ${process.platform}-${process.arch} in this installation`
      : 'not installed';
  }
  const lib = /(lib[\w.+-]+\.so[\w.]*|[\w-]+\.dll|[\w-]+\.dylib)/.exec(raw)?.[1];
  if (lib) return `Dawn's WebGPU bindings (npm webgpu) could not be loaded: ${lib} is missing (install the GPU's Vulkan, Metal or Direct3D 12 driver)`;
  const firstLine = raw.split('\n')[0] ?? raw;
  return `Dawn's WebGPU bindings (npm webgpu) could not be loaded: ${firstLine.length > 160 ? `${firstLine.slice(0, 157)}...` : firstLine}`;
}

/** The adapter in a few words: "NVIDIA ampere (NVIDIA GeForce RTX 3060)". */
export function adapterLabel(a: GpuAdapter): string {
  const detail = a.description || a.device;
  return `${[a.vendor, a.architecture].filter(Boolean).join(' ') || 'unknown GPU'}${detail ? ` (${detail})` : ''}`;
}

/** Folder holding the .wasm binaries, found the way Node resolves the package (works unbundled). */
export function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkg), 'dist') + path.sep;
}

/** Turns a load error into something a user can act on. */
export function explainFailure(name: BackendName, err: unknown): string {
  if (err instanceof SkipReason) return err.message;
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

/** Why this backend and not a better one: the ones passed by, or that it was named (Settings, ATELIER_BACKEND). */
function describe(name: BackendName, threads: number, tried: { name: BackendName; error: string }[], adapter: GpuAdapter | undefined, forced: boolean): string {
  const why = forced
    ? ' (chosen for this workstation, or by ATELIER_BACKEND)'
    : tried.length
      ? ` (${tried.map((t) => `${t.name}: ${t.error}`).join('; ')})`
      : '';
  switch (name) {
    case 'webgpu':
      return adapter?.software
        ? `Training with WebGPU on a software renderer, ${adapterLabel(adapter)}: chosen for this workstation (or by ATELIER_BACKEND), slower than WebAssembly.`
        : `Training on the GPU with WebGPU: ${adapter ? adapterLabel(adapter) : 'unknown adapter'}${why}.`;
    case 'tensorflow-gpu':
      return `Training on the GPU with native TensorFlow (CUDA)${why}.`;
    case 'tensorflow':
      return `Training on the CPU with native TensorFlow, ${threads} threads${why}.`;
    case 'wasm':
      return forced
        ? `Training on the CPU with WebAssembly (SIMD) on ${threads} core${threads === 1 ? '' : 's'}, one training thread each${why}.`
        : `Training on the CPU with WebAssembly (SIMD) on ${threads} core${threads === 1 ? '' : 's'}, one training thread each; no usable GPU or native TensorFlow${why}.`;
    case 'cpu':
      return `Training with the pure JavaScript CPU backend: training will be ~100× slower than with WebAssembly or native TensorFlow${why}.`;
  }
}
