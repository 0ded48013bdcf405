// Sampling speed: 16 images at 32×32 from the reference DCGAN generator (config a of the PyTorch
// DCGAN benchmark script pytorch_dcgan.py: ≈1.07M parameters, ConvTranspose, BatchNorm), in
// Atelier's generator process path (wasm) and, given that script, in PyTorch side by side; then the
// whole Generate press as the studio serves it (latents, warm generator process, 64 PNGs written,
// rows stored). Prints numbers; never fails on timing.
//   npx tsx bench/sampling.ts [--iters 50] [--torch path/to/pytorch_dcgan.py [--python python3]]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkLauncher } from '../src-main/host/jobs.js';
import { createStudio } from '../src-main/host/studio.js';
import { initBackend } from '../src-main/ml/backend.js';
import { keepPhaseFilters } from '../src-main/ml/wasm-kernels.js';
import { saveCheckpoint } from '../src-main/ml/checkpoint.js';
import { DrawPool } from '../src-main/generate/draw-pool.js';
import { drawBytes, latentFor, loadGenerator } from '../src-main/ml/generator.js';
import { createSession, defaultTrainConfig, type TrainConfig } from '../src-main/ml/train.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const iters = Number(arg('iters', '50'));
// The PyTorch side runs only when given the script (--torch or ATELIER_TORCH_BENCH) and an interpreter with torch.
const PY = arg('python', process.env.PYTHON ?? 'python3');
const TORCH_SCRIPT = arg('torch', process.env.ATELIER_TORCH_BENCH ?? '');
const JOB_PROCESS = fileURLToPath(new URL('../src-main/host/job-process.ts', import.meta.url));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(0.9 * (xs.length - 1))]!;

/** ms per draw of n images (latents made in JS, pixels read back as bytes: what the generator process does). */
async function timeDraws(n: number, latentDim: number, draw: (n: number, z: Float32Array) => Promise<Uint8Array>): Promise<number[]> {
  const once = async (seed: number) => {
    const z = new Float32Array(n * latentDim);
    for (let i = 0; i < n; i++) z.set(latentFor(seed, i, latentDim), i * latentDim);
    return draw(n, z);
  };
  for (let i = 0; i < 5; i++) await once(i);
  const times: number[] = [];
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    await once(100 + i);
    times.push(performance.now() - t0);
  }
  return times;
}

/** One thread: the generator drawn directly. */
async function single(cfg: TrainConfig, n: number): Promise<number[]> {
  const session = createSession(cfg);
  const generator = loadGenerator(await session.state());
  session.dispose();
  try {
    return await timeDraws(n, cfg.latentDim, (m, z) => drawBytes(generator, m, z, null));
  } finally {
    generator.dispose();
  }
}

/** Every core: the generator process's DrawPool (this thread plus worker threads). */
async function pooled(cfg: TrainConfig, n: number, dir: string): Promise<number[]> {
  const session = createSession(cfg);
  await saveCheckpoint(dir, await session.state());
  session.dispose();
  const pool = new DrawPool(availableParallelism());
  await pool.warm(dir);
  return timeDraws(n, cfg.latentDim, async (m, z) => (await pool.draw(dir, m, z, null)).pixels);
}

async function main(): Promise<void> {
  const backend = await initBackend({ only: 'wasm' });
  keepPhaseFilters(true); // as in the generator process: weights stay put between draws
  console.log(`sampling bench: ${backend.name} (${backend.threads} threads reported), load ${loadavg()[0]!.toFixed(2)}, ${iters} timed draws`);
  const reference = defaultTrainConfig({ size: 32, width: 64, latentDim: 100, gUpsample: 'transposed', seed: 0 });
  const recipe = defaultTrainConfig({ size: 32, width: 32, latentDim: 100, gUpsample: 'resize', seed: 0 });
  const scratch = mkdtempSync(join(tmpdir(), 'atelier-sampling-ck-'));
  const a16 = await single(reference, 16);
  const p16 = await pooled(reference, 16, join(scratch, 'a'));
  const p64 = await pooled(reference, 64, join(scratch, 'a64'));
  const r16 = await pooled(recipe, 16, join(scratch, 'r'));
  rmSync(scratch, { recursive: true, force: true });
  console.log(`Atelier, reference DCGAN (config a), 16 images, 1 thread: median ${median(a16).toFixed(1)} ms, p90 ${p90(a16).toFixed(1)} ms`);
  console.log(
    `Atelier, reference DCGAN (config a), 16 images, ${availableParallelism()} threads (generator process): median ${median(p16).toFixed(1)} ms, p90 ${p90(p16).toFixed(1)} ms`,
  );
  console.log(`Atelier, reference DCGAN (config a), 64 images, ${availableParallelism()} threads: median ${median(p64).toFixed(1)} ms`);
  console.log(`Atelier, default recipe (small, resize+conv), 16 images, ${availableParallelism()} threads: median ${median(r16).toFixed(1)} ms`);

  let torch: number | undefined;
  if (TORCH_SCRIPT && existsSync(TORCH_SCRIPT) && spawnSync(PY, ['-c', 'import torch']).status === 0) {
    const out = join(mkdtempSync(join(tmpdir(), 'atelier-torch-')), 'r.json');
    const run = spawnSync(
      PY,
      [TORCH_SCRIPT, '--config', 'a', '--steps', '1', '--repeats', '1', '--warmup', '5', '--inf-iters', '2', '--lat-iters', String(iters), '--json', out],
      {
        encoding: 'utf8',
      },
    );
    try {
      const r = JSON.parse(readFileSync(out, 'utf8')) as { results: { latency_bs16_ms_median?: number }[] };
      torch = r.results[0]?.latency_bs16_ms_median;
    } catch {
      // no JSON: the error is printed below
    }
    if (torch === undefined) console.log(`pytorch run gave no result (exit ${run.status}): ${(run.stderr ?? '').slice(-300)}`);
  } else {
    console.log(
      TORCH_SCRIPT
        ? `pytorch: not available (${PY} cannot import torch, or ${TORCH_SCRIPT} is missing), skipping the side-by-side run`
        : 'pytorch: skipped (--torch <pytorch_dcgan.py> runs it side by side)',
    );
  }
  if (torch !== undefined) {
    console.log(`PyTorch 2 threads, same generator, 16 images: median ${torch.toFixed(1)} ms`);
    console.log(`ratio: Atelier (generator process) is ${(torch / median(p16)).toFixed(2)}× faster than PyTorch (target: under 30 ms)`);
  }

  // The whole Generate press, engine side: warm generator process, 64 PNGs written, rows stored.
  const root = mkdtempSync(join(tmpdir(), 'atelier-sampling-'));
  const studio = createStudio({ launchJob: forkLauncher(JOB_PROCESS), log: () => {}, lockProjects: false, runQueue: false });
  try {
    const { project } = await studio.createProject(join(root, 'p'));
    const call = async (name: string, input: unknown) => {
      const r = await studio.router.call(name, input);
      if (!r.ok) throw new Error(r.error.message);
      return r.result as { ms: number };
    };
    for (const [label, cfg, preset] of [
      ['reference DCGAN (config a)', reference, 'medium'],
      ['default recipe (small)', recipe, 'small'],
    ] as const) {
      const session = createSession(cfg);
      const runId = project.runs.create({
        name: label,
        model: 'dcgan',
        size: 32,
        preset,
        steps: 1,
        batchSize: 64,
        seed: 0,
        settings: { config: cfg },
        assets: [],
        status: 'done',
      });
      const folder = `checkpoints/run-${runId}/step-0000001`;
      await saveCheckpoint(project.path(folder), await session.state());
      session.dispose();
      const checkpointId = project.runs.addCheckpoint(runId, 1, folder);
      await call('generations:options', { checkpointId });
      await new Promise((r) => setTimeout(r, 3000)); // the drawing threads load it in the background
      const engine: number[] = [];
      for (let i = 0; i < 12; i++) {
        const r = await call('generations:create', { prompt: `seed:${i}, n:64`, checkpointId });
        if (i >= 2) engine.push(r.ms);
      }
      console.log(
        `Generate press, 64 images, ${label} (draw in the generator process + 64 PNGs + rows): median ${median(engine).toFixed(1)} ms, p90 ${p90(engine).toFixed(1)} ms`,
      );
    }
  } finally {
    studio.close();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error('sampling bench failed:', err instanceof Error ? err.stack : err);
  process.exitCode = 1;
});
