// Worker-thread entries (training replicas, drawing threads): each is its own entry file, built
// beside the others or run from source through tsx, started with plain data as `workerData`.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** A worker-thread entry beside the module at `besideUrl`: built (`out/main/<name>.js`) or from source through tsx. */
function workerEntry(name: string, besideUrl: string): { url: URL; viaTsx: boolean } {
  // Built: out/main/<name>.js, beside the entries (the calling module may sit in out/main/chunks/).
  for (const rel of [`./${name}.js`, `../${name}.js`]) {
    const built = new URL(rel, besideUrl);
    if (existsSync(built)) return { url: built, viaTsx: false };
  }
  return { url: new URL(`./${name}.ts`, besideUrl), viaTsx: true };
}

/**
 * Starts the worker-thread entry `name` that sits beside the module at `besideUrl` (pass the
 * caller's `import.meta.url`) with `workerData`.
 */
export function spawnWorker(name: string, besideUrl: string, init: unknown): Worker {
  const { url, viaTsx } = workerEntry(name, besideUrl);
  if (!viaTsx) return new Worker(url, { workerData: init });
  // The ESM build of tsx's API (its `import` export), found from the package folder.
  const tsxRoot = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsx = pathToFileURL(join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true, workerData: init });
}
