// DCGAN training throughput on the WASM backend (32×32, batch 64, one D step + one G step per
// iteration, as the PyTorch DCGAN benchmark script pytorch_dcgan.py --config a), with a per-kernel
// breakdown, the same steps on WebGPU (Dawn) when this machine has an adapter, and PyTorch side by
// side when given that script and an interpreter with torch. On a software adapter (llvmpipe,
// SwiftShader, WARP) the WebGPU number is printed for the record and not judged (a few steps: it
// is slow); without an adapter the row says why. Prints numbers; never fails on timing.
//   npx tsx bench/train-throughput.ts [--steps 20] [--warmup 3] [--batch 64] [--workers N] [--mode subpixel|zero-insert|stock]
//     [--gpu-steps N] [--torch path/to/pytorch_dcgan.py [--python python3]]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { adapterLabel, findGpuAdapter, initBackend, takeGpuError, tf, watchGpuErrors } from '../src-main/ml/backend.js';
import { availableParallelism } from 'node:os';
import { BatchSampler, createSession, defaultTrainConfig, train, trainOnBatch } from '../src-main/ml/train.js';
import { setBackpropInputMode, type BackpropInputMode } from '../src-main/ml/wasm-kernels.js';
import { Rng } from '../src-main/ml/random.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const steps = Number(arg('steps', '20'));
const warmup = Number(arg('warmup', '3'));
const batch = Number(arg('batch', '64'));
const modes = arg('mode', 'subpixel').split(',') as BackpropInputMode[];
// The PyTorch side runs only when given the script (--torch or ATELIER_TORCH_BENCH) and an interpreter with torch.
const PY = arg('python', process.env.PYTHON ?? 'python3');
const TORCH_SCRIPT = arg('torch', process.env.ATELIER_TORCH_BENCH ?? '');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const choice = await initBackend({ only: 'wasm' });
  console.log(`backend: ${choice.name}, threads: ${choice.threads}, simd: ${String(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))}`);
  console.log(`config: 32x32 DCGAN, batch ${batch}, warm-up ${warmup}, timed steps ${steps}`);

  const cfg = defaultTrainConfig({ size: 32, batchSize: batch, steps: warmup + steps + 1, seed: 0 });
  // Synthetic data like the PyTorch script: a few pre-generated batches in [−1, 1].
  const count = batch * 4;
  const rng = new Rng(7);
  const pixels = Uint8Array.from({ length: count * 32 * 32 * 3 }, () => rng.int(256));
  const sampler = new BatchSampler({ pixels, count, size: 32 }, cfg.seed, batch);

  const results: { mode: string; imgPerSec: number; msPerStep: number }[] = [];
  for (const mode of modes) {
    setBackpropInputMode(mode);
    const session = createSession(cfg);
    try {
      if (results.length === 0) {
        const st = await session.state();
        const params = (g: string) => st.groups[g]!.filter((a) => !/\.(mean|var)$/.test(a.name)).reduce((n, a) => n + a.data.length, 0);
        console.log(`params: G ${params('generator')}, D ${params('discriminator')}`);
      }
      for (let i = 0; i < warmup; i++) await trainOnBatch(session, sampler);
      const times: number[] = [];
      let last: { lossD?: number; lossG?: number } = {};
      for (let i = 0; i < steps; i++) {
        const t0 = performance.now();
        last = await trainOnBatch(session, sampler); // reads the losses, so every step has completed
        times.push(performance.now() - t0);
      }
      const total = times.reduce((a, b) => a + b, 0);
      const imgPerSec = (batch * steps * 1000) / total;
      const ms = median(times);
      results.push({ mode, imgPerSec, msPerStep: ms });
      console.log(
        `[wasm/${mode}] ${steps} steps in ${(total / 1000).toFixed(2)} s -> ${imgPerSec.toFixed(1)} img/s ` +
          `(median ${ms.toFixed(0)} ms/step), lossD=${last.lossD?.toFixed(3)} lossG=${last.lossG?.toFixed(3)}`,
      );

      // Where the time goes: a few profiled steps, averaged (profiling adds a little overhead).
      const profiledSteps = 3;
      const profile = await tf.profile(async () => {
        for (let i = 0; i < profiledSteps; i++) await trainOnBatch(session, sampler);
      });
      const byKernel = new Map<string, { ms: number; calls: number }>();
      let profiled = 0;
      for (const k of profile.kernels) {
        const ms = (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0) / profiledSteps;
        const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
        e.ms += ms;
        e.calls += 1;
        byKernel.set(k.name, e);
        profiled += ms;
      }
      console.log(
        `  per-kernel time per step, mean of ${profiledSteps} (${profiled.toFixed(0)} ms in kernels; 'unnamed scope' = custom-gradient layers, overlapping the rest):`,
      );
      for (const [name, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 14)) {
        console.log(
          `    ${name.padEnd(24)} ${e.ms.toFixed(1).padStart(8)} ms ${((100 * e.ms) / profiled).toFixed(1).padStart(5)}%  ${e.calls / profiledSteps} calls`,
        );
      }
      const convs = profile.kernels
        .filter((k) => k.name.startsWith('Conv2D'))
        .reduce((acc, k) => {
          const key = `${k.name} ${k.inputShapes.map((s) => `[${String(s)}]`).join(' ')}`;
          acc.set(key, (acc.get(key) ?? 0) + Number(k.kernelTimeMs) / profiledSteps);
          return acc;
        }, new Map<string, number>());
      console.log('  conv kernels by shape (ms per step):');
      for (const [key, ms] of [...convs].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
        console.log(`    ${ms.toFixed(1).padStart(7)} ms  ${key}`);
      }
    } finally {
      session.dispose();
    }
  }

  // Data-parallel: the whole train() loop with one replica per core (what a run in the app uses).
  const workers = Number(arg('workers', String(availableParallelism())));
  if (workers > 1) {
    setBackpropInputMode(modes[0]!);
    const stamps: number[] = [];
    await train({ pixels, count, size: 32 }, { ...cfg, steps: warmup + steps }, { workers, onProgress: () => stamps.push(performance.now()) });
    const timed = stamps.slice(warmup - 1); // from the end of the last warm-up step
    const total = timed[timed.length - 1]! - timed[0]!;
    const n = timed.length - 1;
    const imgPerSec = (batch * n * 1000) / total;
    results.push({ mode: `${workers} threads`, imgPerSec, msPerStep: total / n });
    console.log(`[wasm/${workers} threads] ${n} steps in ${(total / 1000).toFixed(2)} s -> ${imgPerSec.toFixed(1)} img/s (data-parallel, gradients averaged)`);
  }

  const best = results.reduce((a, b) => (b.imgPerSec > a.imgPerSec ? b : a));
  const gpu = await webgpuRow(cfg, { pixels, count, size: 32 });

  let torch: number | undefined;
  if (!TORCH_SCRIPT) {
    console.log('pytorch: skipped (--torch <pytorch_dcgan.py> runs it side by side)');
  } else if (existsSync(TORCH_SCRIPT)) {
    const probe = spawnSync(PY, ['-c', 'import torch'], { encoding: 'utf8' });
    if (probe.status === 0) {
      console.log(`running ${PY} ${TORCH_SCRIPT} --config a ...`);
      const run = spawnSync(PY, [TORCH_SCRIPT, '--config', 'a', '--batch', String(batch), '--steps', String(steps)], {
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
      });
      const m = /"train_img_per_s_median":\s*([\d.]+)/.exec(run.stdout ?? '');
      if (m) torch = Number(m[1]);
      else console.log(`pytorch run gave no result (exit ${run.status}): ${(run.stderr ?? '').slice(-400)}`);
    } else {
      console.log(`pytorch: not available (${PY} cannot import torch), skipping the side-by-side run`);
    }
  } else {
    console.log(`pytorch: ${TORCH_SCRIPT} not found, skipping the side-by-side run`);
  }

  console.log('\nsummary');
  for (const r of results) console.log(`  wasm ${r.mode.padEnd(12)} ${r.imgPerSec.toFixed(1)} img/s  (${r.msPerStep.toFixed(0)} ms/step)`);
  if ('imgPerSec' in gpu) {
    const ratio = `webgpu / best wasm = ${(gpu.imgPerSec / best.imgPerSec).toFixed(2)}${torch !== undefined ? `, webgpu / pytorch = ${(gpu.imgPerSec / torch).toFixed(2)}` : ''}`;
    console.log(
      `  webgpu       ${gpu.imgPerSec.toFixed(1)} img/s  (${gpu.msPerStep.toFixed(0)} ms/step) on ${gpu.adapter}${gpu.software ? ': a software adapter, for the record, not judged' : ''}  -> ${ratio}`,
    );
  } else {
    console.log(`  webgpu       not measured: ${gpu.skipped}`);
  }
  if (torch !== undefined) {
    console.log(`  pytorch cpu  ${torch.toFixed(1)} img/s  -> best wasm (${best.mode}) / pytorch = ${(best.imgPerSec / torch).toFixed(2)}`);
  }
}

/**
 * The same training steps on WebGPU (one replica: a GPU takes one batch, not one per core). On a
 * software adapter only a few steps (--gpu-steps, default 3): it runs on the CPU and is slow.
 */
async function webgpuRow(
  cfg: ReturnType<typeof defaultTrainConfig>,
  data: { pixels: Uint8Array; count: number; size: 32 },
): Promise<{ imgPerSec: number; msPerStep: number; adapter: string; software: boolean } | { skipped: string }> {
  let adapter;
  try {
    adapter = await findGpuAdapter();
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) return { skipped: 'the WebGPU backend did not start' };
  } catch (err) {
    return { skipped: err instanceof Error ? err.message : String(err) };
  }
  watchGpuErrors();
  const label = adapterLabel(adapter);
  const gpuSteps = Number(arg('gpu-steps', adapter.software ? '3' : String(steps)));
  const gpuWarmup = adapter.software ? 1 : warmup;
  console.log(`[webgpu] ${label}${adapter.software ? ' (software adapter: a few steps, for the record)' : ''}: warm-up ${gpuWarmup}, timed steps ${gpuSteps}`);
  const sampler = new BatchSampler(data, cfg.seed, batch);
  const session = createSession(cfg);
  try {
    for (let i = 0; i < gpuWarmup; i++) await trainOnBatch(session, sampler);
    const times: number[] = [];
    let last: { lossD?: number; lossG?: number } = {};
    for (let i = 0; i < gpuSteps; i++) {
      const t0 = performance.now();
      last = await trainOnBatch(session, sampler); // reads the losses back, so the GPU has finished the step
      times.push(performance.now() - t0);
    }
    const refused = takeGpuError();
    if (refused) return { skipped: `the GPU refused a command (${refused}); lower --batch` };
    const total = times.reduce((a, b) => a + b, 0);
    const imgPerSec = (batch * gpuSteps * 1000) / total;
    console.log(
      `[webgpu] ${gpuSteps} steps in ${(total / 1000).toFixed(2)} s -> ${imgPerSec.toFixed(1)} img/s (median ${median(times).toFixed(0)} ms/step), ` +
        `lossD=${last.lossD?.toFixed(3)} lossG=${last.lossG?.toFixed(3)}`,
    );
    return { imgPerSec, msPerStep: median(times), adapter: label, software: adapter.software };
  } finally {
    session.dispose();
    await tf.setBackend('wasm');
  }
}

main().catch((err: unknown) => {
  // A benchmark reports; it does not fail a build.
  console.error('benchmark failed:', err instanceof Error ? err.message : err);
});
