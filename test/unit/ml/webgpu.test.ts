// Training on WebGPU gives what training on the CPU (WebAssembly) gives: the default recipe (resize-conv G,
// spectral-norm D, hinge loss, lazy R1, DiffAugment, EMA) for every family, at 32 and 64 px, three
// steps of batch 2 on each backend from the same seed; the losses and every weight agree, a
// checkpoint written on one backend continues on the other, a step leaks nothing on the GPU, and
// the EMA generator's samples agree. Every read-back on these paths is asynchronous (Dawn in Node
// has no synchronous one), so a synchronous read left anywhere fails here.
//
// Layer by layer (test/unit/ml/layer-cases.ts): every distinct layer of every network the studio
// trains — dcgan, cgan and vae at 32 and 64 px, small (width 32) and medium (width 64), each
// generator upsampling and discriminator norm, latent sizes from the recipe — is built alone at its
// real shape (batch 1; 2 for the norms and the nearest-upsampling convolution, where the batch
// matters) and run on WebGPU and on WebAssembly: the forward pass and the gradients with respect to
// the input and to each weight agree within LAYER_TOLERANCE of each tensor's largest value (lavapipe
// differs by at most 5e-6); each D conv that takes the R1 penalty is also checked through its
// double backprop (∇ₓ, and that gradient's own gradient w.r.t. the filter). Every comparison is
// shown able to fail: moving one input value, one weight and one upstream gradient value by 1
// puts WebAssembly's answer outside the tolerance. The whole sweep (126 layers) takes about 15–20 s
// on lavapipe, so all of it runs here; nothing of it is left to test/slow/. The losses are held to
// the CPU by the training runs below.
//
// Where there is no GPU, Mesa's lavapipe (a software Vulkan device, installed by .ci/run) is the
// adapter: slow, so small networks and batches; it tests correctness, never speed. Without any
// adapter and without lavapipe installed the file is skipped, saying why.
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findGpuAdapter, initBackend, takeGpuError, tf, watchGpuErrors } from '../../../src-main/ml/backend.js';
import { DIFF_AUGMENT_ALL } from '../../../src-main/ml/diffaugment.js';
import type { NamedArray } from '../../../src-main/ml/models/dcgan.js';
import { BatchSampler, createSession, defaultTrainConfig, train, trainOnBatch, type Dataset, type TrainConfig } from '../../../src-main/ml/train.js';
import { twoColours } from '../../fixtures/two-colours.js';
import { caseName, layerCases, outputNames, relativeError, runLayer } from './layer-cases.js';

const ICD_DIR = '/usr/share/vulkan/icd.d';
const lavapipeInstalled = existsSync(ICD_DIR) && readdirSync(ICD_DIR).some((f) => f.startsWith('lvp_icd'));
let adapter: string | null = null;
let bindingLimit = 0;
let noAdapter = '';

beforeAll(async () => {
  await initBackend({ only: 'wasm' }); // the reference: the CPU backend the studio uses
  try {
    const a = await findGpuAdapter();
    adapter = a.description || a.device;
    bindingLimit = a.limits.maxStorageBufferBindingSize;
    await import('@tensorflow/tfjs-backend-webgpu');
  } catch (error) {
    noAdapter = (error as Error).message;
  }
}, 60_000);

afterAll(async () => {
  await tf.setBackend('wasm');
});

/** The default recipe's parts, on networks small enough for a software GPU. */
function recipe(family: TrainConfig['family'], size: 32 | 64): TrainConfig {
  return defaultTrainConfig({
    family,
    size,
    classes: family === 'dcgan' ? 0 : 2,
    steps: 3,
    batchSize: 2,
    width: 8,
    latentDim: 16,
    loss: 'hinge',
    gUpsample: 'resize',
    dNorm: 'spectral',
    r1: 1,
    r1Every: 2,
    ema: 0.99,
    diffAugment: { ...DIFF_AUGMENT_ALL },
    seed: 5,
  });
}

function data(cfg: TrainConfig): Dataset {
  const d = twoColours(8, cfg.size);
  return cfg.family === 'dcgan' ? { pixels: d.pixels, count: d.count, size: d.size } : d;
}

async function on<T>(backend: 'wasm' | 'webgpu', work: () => Promise<T>): Promise<T> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
  if (backend === 'webgpu') watchGpuErrors(); // as initBackend does when it picks WebGPU
  return work();
}

/** The largest difference between two sets of named weights with the same names and shapes, relative to values above 1 (Adam's second moments of a VAE's summed loss run into the hundreds). */
function maxDifference(a: readonly NamedArray[], b: readonly NamedArray[]): number {
  expect(a.map((x) => x.name)).toEqual(b.map((x) => x.name));
  let max = 0;
  a.forEach((x, i) => {
    const y = b[i]!;
    expect(x.shape).toEqual(y.shape);
    for (let k = 0; k < x.data.length; k++) max = Math.max(max, Math.abs(x.data[k]! - y.data[k]!) / Math.max(1, Math.abs(y.data[k]!)));
  });
  return max;
}

/** Largest difference allowed between WebGPU's and WebAssembly's answers for one layer, relative to the tensor's largest value. */
const LAYER_TOLERANCE = 1e-4;
const layers = layerCases();

const cases: [TrainConfig['family'], 32 | 64][] = [
  ['dcgan', 32],
  ['cgan', 32],
  ['vae', 32],
  ['cgan', 64],
];

describe('WebGPU', () => {
  it('has an adapter where lavapipe is installed', (ctx) => {
    if (!adapter && !lavapipeInstalled) ctx.skip(`no GPU adapter (${noAdapter}) and no lavapipe in ${ICD_DIR}: install mesa-vulkan-drivers (.ci/run does)`);
    expect(noAdapter).toBe('');
    expect(adapter).toBeTruthy();
  });

  it('keeps the first command the GPU refused for the training loop to report (WebGPU does not throw where it happens)', async (ctx) => {
    if (!adapter) ctx.skip(noAdapter);
    // One tensor just over the device's largest storage binding: small on a software adapter (128 MiB); a real GPU's is gigabytes.
    if (bindingLimit > 2 ** 28) ctx.skip(`this GPU binds up to ${bindingLimit} bytes: too much to allocate in a test`);
    await on('webgpu', async () => {
      expect(takeGpuError()).toBeNull();
      const big = tf.ones([bindingLimit / 4 / 1024 + 1, 1024]);
      const result = big.add(1);
      await result.data().catch(() => undefined); // the values are garbage either way
      await new Promise((r) => setTimeout(r, 50));
      tf.dispose([big, result]);
      expect(takeGpuError()).toMatch(/larger than the maximum storage buffer binding size/);
      expect(takeGpuError()).toBeNull(); // taken once
    });
  }, 60_000);

  it("learns on the GPU: a VAE's reconstruction loss on the fixture falls over 40 steps, and each step reports the GPU memory held", async (ctx) => {
    if (!adapter) ctx.skip(noAdapter);
    const cfg = { ...recipe('vae', 32), steps: 40, batchSize: 4, lrG: 3e-3 }; // the fixture's two flat colours take a brisk rate
    const gpuBytes: (number | undefined)[] = [];
    const { losses } = await on('webgpu', () => train(data(cfg), cfg, { onProgress: (p) => gpuBytes.push(p.gpuBytes) }));
    // Each step says what the run holds on the GPU (the run view shows it); WebAssembly says nothing.
    expect(gpuBytes.every((b) => typeof b === 'number' && b > 0)).toBe(true);
    const onWasm: (number | undefined)[] = [];
    await on('wasm', () => train(data(cfg), { ...cfg, steps: 1 }, { onProgress: (p) => onWasm.push(p.gpuBytes) }));
    expect(onWasm).toEqual([undefined]);
    const mean = (from: number, to: number) => losses.slice(from, to).reduce((s, l) => s + l.recon!, 0) / (to - from);
    // Red and blue flat images: the first steps reconstruct noise, the last ones the two colours.
    expect(mean(35, 40)).toBeLessThan(mean(0, 5) * 0.7);
  }, 120_000);

  describe.each(cases)('%s at %i px', (family, size) => {
    it('trains like the CPU: the same losses and weights after three steps, nothing leaked', async (ctx) => {
      if (!adapter) ctx.skip(noAdapter);
      const cfg = recipe(family, size);
      const cpu = await on('wasm', () => train(data(cfg), cfg));
      // train() fails a step that leaves a tensor behind (TensorLeakError), on any backend.
      const gpu = await on('webgpu', () => train(data(cfg), cfg));
      expect(gpu.losses.map((l) => l.step)).toEqual([1, 2, 3]);
      gpu.losses.forEach((l, i) => {
        for (const [key, value] of Object.entries(l)) {
          const expected = (cpu.losses[i] as unknown as Record<string, number>)[key]!;
          expect(Math.abs(value - expected), `${key} at step ${l.step}`).toBeLessThan(1e-3 * Math.max(1, Math.abs(expected)));
        }
      });
      expect(Object.keys(gpu.state.groups)).toEqual(Object.keys(cpu.state.groups));
      for (const [name, group] of Object.entries(gpu.state.groups)) {
        // Adam divides by √v: three steps of lr 2e-4 bound any drift a sign of a tiny gradient can cause.
        expect(maxDifference(group, cpu.state.groups[name]!), name).toBeLessThan(1e-3);
      }
      expect(gpu.state.backend).toBe('webgpu');
    }, 240_000);

    it('continues a checkpoint from the other backend exactly, and draws the same samples', async (ctx) => {
      if (!adapter) ctx.skip(noAdapter);
      const cfg = recipe(family, size);
      const trained = await on('wasm', () => train(data(cfg), cfg));
      const next = { ...cfg, steps: 4 };
      const z = Float32Array.from({ length: 4 * cfg.latentDim }, (_, i) => Math.sin(i * 1.7));
      const cond = cfg.classes
        ? Float32Array.from({ length: 4 * cfg.classes }, (_, i) => (i % cfg.classes === Math.floor(i / cfg.classes) % cfg.classes ? 1 : 0))
        : null;
      const continueOn = (backend: 'wasm' | 'webgpu') =>
        on(backend, async () => {
          const session = createSession(next, trained.state);
          try {
            // What it loaded reads back unchanged.
            const loaded = await session.state();
            for (const [name, group] of Object.entries(trained.state.groups)) expect(maxDifference(loaded.groups[name]!, group), name).toBe(0);
            const before = tf.memory().numTensors;
            const losses = await trainOnBatch(session, new BatchSampler(data(cfg), cfg.seed, cfg.batchSize));
            expect(tf.memory().numTensors).toBe(before);
            const images = tf.tidy(() => session.sample(tf.tensor2d(z, [4, cfg.latentDim]), cond ? tf.tensor2d(cond, [4, cfg.classes]) : null));
            const pixels = (await images.data()) as Float32Array;
            images.dispose();
            return { losses, pixels };
          } finally {
            session.dispose();
          }
        });
      const cpu = await continueOn('wasm');
      const gpu = await continueOn('webgpu');
      for (const [key, value] of Object.entries(gpu.losses)) {
        const expected = (cpu.losses as Record<string, number>)[key]!;
        expect(Math.abs(value - expected), key).toBeLessThan(1e-3 * Math.max(1, Math.abs(expected)));
      }
      expect(gpu.pixels.length).toBe(4 * size * size * 3);
      let max = 0;
      gpu.pixels.forEach((v, i) => (max = Math.max(max, Math.abs(v - cpu.pixels[i]!))));
      expect(max).toBeLessThan(1e-3);
    }, 240_000);
  });

  describe('each layer at its real shape agrees with WebAssembly: forward, the input gradient, the weight gradients', () => {
    it('come from every family, size and preset (a parameter no layer covers is an error in layer-cases.ts)', () => {
      for (const family of ['dcgan', 'cgan', 'vae'])
        for (const size of [32, 64])
          for (const preset of ['small', 'medium']) {
            const prefix = `${family} ${size}px ${preset}`;
            expect(layers.filter((c) => c.where.some((w) => w.startsWith(prefix))).length, prefix).toBeGreaterThan(5);
          }
      expect(new Set(layers.map((c) => c.kind))).toEqual(new Set(['conv', 'convT', 'resizeConv', 'dense', 'bnTrain', 'bnInfer', 'spectral', 'act', 'r1conv']));
    });

    it.for(layers.map((layer) => ({ name: caseName(layer), layer })))('$name', { timeout: 60_000 }, async ({ layer }, ctx) => {
      if (!adapter) ctx.skip(noAdapter);
      const reference = await runLayer(layer, 'wasm');
      const wrong = await runLayer(layer, 'wasm', true); // one input value, one weight, one upstream gradient value moved by 1
      const gpu = await on('webgpu', () => runLayer(layer, 'webgpu'));
      expect(takeGpuError()).toBeNull();
      const names = outputNames(layer);
      expect(gpu).toHaveLength(names.length);
      names.forEach((name, i) => {
        const where = `${name} (${layer.where.join('; ')})`;
        expect(relativeError(gpu[i]!, reference[i]!), where).toBeLessThan(LAYER_TOLERANCE);
        // The comparison would notice a kernel that got one value wrong.
        expect(relativeError(gpu[i]!, wrong[i]!), `${where}, one value moved`).toBeGreaterThan(LAYER_TOLERANCE);
      });
    });
  });
});
