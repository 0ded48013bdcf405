// A machine whose Dawn loads but finds no GPU adapter (no Vulkan driver: here the ICDs are hidden
// from a child process): the automatic order passes WebGPU by with a sentence and starts the next
// backend; WebGPU forced says the same sentence instead of crashing.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BACKEND = fileURLToPath(new URL('../../../src-main/ml/backend.ts', import.meta.url));
const NO_DRIVER = { VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json' };

/** What initBackend answers in a fresh process without a Vulkan driver. */
function choose(forced?: string): { name?: string; tried?: { name: string; error: string }[]; error?: string } {
  const script = `
    import { initBackend } from ${JSON.stringify(BACKEND)};
    initBackend().then(
      (c) => console.log(JSON.stringify({ name: c.name, tried: c.tried })),
      (e) => console.log(JSON.stringify({ error: e.message })),
    ).then(() => process.exit(0));`;
  const env: NodeJS.ProcessEnv = { ...process.env, ...NO_DRIVER };
  delete env.ATELIER_BACKEND;
  delete env.ATELIER_BACKEND_REASON;
  if (forced) env.ATELIER_BACKEND = forced;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env, timeout: 60_000 });
  const line = run.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no answer (exit ${run.status}): ${run.stderr.slice(-500)}`);
  return JSON.parse(line) as ReturnType<typeof choose>;
}

describe('without a GPU adapter', () => {
  it('the automatic order says why WebGPU was passed by and starts the next backend', () => {
    const choice = choose();
    expect(choice.tried?.[0]).toEqual({ name: 'webgpu', error: 'no GPU adapter: no Vulkan, Metal or Direct3D 12 driver offered one' });
    expect(['tensorflow-gpu', 'tensorflow', 'wasm']).toContain(choice.name); // WebAssembly where native TensorFlow is not installed (here)
  }, 60_000);

  it('WebGPU forced fails with that sentence', () => {
    expect(choose('webgpu')).toEqual({ error: 'No tfjs backend could start (webgpu: no GPU adapter: no Vulkan, Metal or Direct3D 12 driver offered one).' });
  }, 60_000);
});
