// Every distinct layer of the studio's networks, as a kernel check one backend can be held to
// against another: the layer alone, at its real shape, forward and the gradients with respect to
// its input and its weights. The shapes come from the real builders (dcgan.ts, vae.ts) at the
// recipe's widths (recipe.ts: small 32, medium 64) and latent sizes (GANs 100, the VAE 64), for
// 32 and 64 px, every generator upsampling and discriminator norm a person can pick, and a project
// of 8 tags for the conditional ones; a parameter no case covers is an error here, so a new layer
// cannot go unchecked. Identical layers (most repeat across families, sizes and presets) are one case.
// Each D conv that takes the R1 penalty (norm 'spectral' or 'none') is also a double-backprop case.
import { tf } from '../../../src-main/ml/backend.js';
import {
  buildDiscriminator,
  buildGenerator,
  parameterShapes,
  spectralNormalized,
  upsamplings,
  type DiscriminatorNorm,
  type ImageSize,
  type Upsampling,
} from '../../../src-main/ml/models/dcgan.js';
import { batchNormTrain, dense, leakyRelu } from '../../../src-main/ml/models/layers.js';
import { buildVae } from '../../../src-main/ml/models/vae.js';
import { PRESET_WIDTH } from '../../../src-main/ml/recipe.js';

export type LayerKind =
  /** Conv 4×4 stride 2 'same' + bias (D and the VAE encoder). */
  | 'conv'
  /** ConvTranspose 4×4 stride 2 'same' (+ bias on the output layer): G 'transposed', the VAE decoder. */
  | 'convT'
  /** Nearest ×2 then Conv 3×3 stride 1 'same' (+ bias on the output layer): G 'resize'. Batch 2: tfjs-backend-cpu's gradient of the nearest upsampling was wrong beyond the first image. */
  | 'resizeConv'
  /** layers.dense (a 1×1 convolution), + bias where the layer has one. */
  | 'dense'
  /** layers.batchNormTrain (batch statistics, hand-written gradient), in `groups` slices; batch 2. */
  | 'bnTrain'
  /** tf.batchNorm4d with running statistics (drawing samples): forward and the input's gradient; batch 2. */
  | 'bnInfer'
  /** spectralNormalized(w): w / σ(w), the gradient through the power iteration's σ. */
  | 'spectral'
  /** relu, leakyRelu(0.2) and tanh side by side (concatenated on channels). */
  | 'act'
  /**
   * The R1 penalty's double backprop through a D conv layer (conv + bias + leakyRelu): the
   * output is ∇ₓ Σ r·layer(x) for fixed r, and its gradient reaches the filter through second derivatives.
   */
  | 'r1conv';

export interface LayerCase {
  kind: LayerKind;
  /** The input: NHWC, or [N, K] for dense (absent for spectral; for r1conv the images R1 is taken at). */
  x: number[];
  /** The weight: filter, matrix, or [channels] for the norms. */
  w: number[];
  bias: boolean;
  /** bnTrain: statistics per this many slices of the batch (D's real + fake pass). */
  groups: number;
  /** Where the layer occurs, e.g. 'cgan 64px medium G/up2 (resize)'. */
  where: string[];
}

export const CLASSES = 8;
const GAN_LATENT = 100;
const VAE_LATENT = 64;
const SIZES: ImageSize[] = [32, 64];
const PRESETS = Object.keys(PRESET_WIDTH) as (keyof typeof PRESET_WIDTH)[];
const UPSAMPLINGS: Upsampling[] = ['resize', 'transposed'];
const NORMS: DiscriminatorNorm[] = ['spectral', 'batch', 'none'];

export function caseName(c: LayerCase): string {
  const extra = c.kind === 'bnTrain' && c.groups > 1 ? ` in ${c.groups} groups` : c.kind === 'r1conv' ? ' + bias, leakyRelu' : c.bias ? ' + bias' : '';
  return c.kind === 'spectral' ? `spectral [${c.w}]` : `${c.kind} [${c.x}] · [${c.w}]${extra}`;
}

/** Every distinct layer of every network the studio trains, each with the places it occurs. */
export function layerCases(): LayerCase[] {
  const found = new Map<string, LayerCase>();
  const add = (c: Omit<LayerCase, 'where'>, where: string) => {
    const key = caseName({ ...c, where: [] });
    const known = found.get(key);
    if (known) known.where.push(where);
    else found.set(key, { ...c, where: [where] });
  };
  for (const size of SIZES) {
    for (const preset of PRESETS) {
      const width = PRESET_WIDTH[preset];
      for (const family of ['dcgan', 'cgan'] as const) {
        const classes = family === 'cgan' ? CLASSES : 0;
        for (const upsample of UPSAMPLINGS) {
          const shapes = parameterShapes(() => buildGenerator({ latentDim: GAN_LATENT, size, width, classes, upsample }));
          decoderCases(shapes, '', size, upsample, (c, p) => add(c, `${family} ${size}px ${preset} G/${p} (${upsample})`));
          unclaimed(shapes, 'generator');
        }
        for (const norm of NORMS) {
          const shapes = parameterShapes(() => buildDiscriminator({ size, width, classes, norm }));
          encoderCases(shapes, '', size, norm, (c, p) => add(c, `${family} ${size}px ${preset} D/${p} (${norm})`));
        }
      }
      for (const classes of [0, CLASSES]) {
        const shapes = parameterShapes(() => buildVae({ size, latentDim: VAE_LATENT, width, classes }));
        const where = (p: string) => `vae ${size}px ${preset}${classes ? ` ${classes} tags` : ''} ${p}`;
        encoderCases(shapes, 'enc.', size, 'none', (c, p) => add(c, where(p)));
        decoderCases(shapes, 'dec.', size, 'transposed', (c, p) => add(c, where(p)));
        unclaimed(shapes, 'vae');
      }
      // The activations at the largest feature map and at the image.
      add({ kind: 'act', x: [1, size / 2, size / 2, width], w: [], bias: false, groups: 1 }, `${size}px ${preset} first/last hidden layer`);
      add({ kind: 'act', x: [1, size, size, 3], w: [], bias: false, groups: 1 }, `${size}px image`);
    }
  }
  return [...found.values()];
}

type Emit = (c: Omit<LayerCase, 'where'>, param: string) => void;

/** Parameters a case has claimed, per shapes map: what remains unclaimed is a layer nobody checks. */
const claimed = new WeakMap<Map<string, number[]>, Set<string>>();
function claim(shapes: Map<string, number[]>, ...names: string[]): void {
  let set = claimed.get(shapes);
  if (!set) claimed.set(shapes, (set = new Set()));
  for (const n of names) {
    if (!shapes.has(n)) throw new Error(`layer cases: the network has no parameter ${n}`);
    set.add(n);
  }
}
function unclaimed(shapes: Map<string, number[]>, what: string): void {
  const set = claimed.get(shapes) ?? new Set();
  const left = [...shapes.keys()].filter((n) => !set.has(n));
  if (left.length) throw new Error(`layer cases: no case covers ${what} parameters ${left.join(', ')}`);
}

function shapeOf(shapes: Map<string, number[]>, name: string): number[] {
  const s = shapes.get(name);
  if (!s) throw new Error(`layer cases: the network has no parameter ${name}`);
  return s;
}

/** G or the VAE decoder: fc → bn0 → [up_i → bn_i] → out, with the embedding of a conditional G. */
function decoderCases(shapes: Map<string, number[]>, prefix: string, size: ImageSize, upsample: Upsampling, emit: Emit): void {
  const ups = upsamplings(size);
  const fc = shapeOf(shapes, `${prefix}fc.w`);
  emit({ kind: 'dense', x: [1, fc[0]!], w: fc, bias: false, groups: 1 }, 'fc');
  claim(shapes, `${prefix}fc.w`);
  if (shapes.has('embed.w')) {
    const e = shapeOf(shapes, 'embed.w');
    emit({ kind: 'dense', x: [1, e[0]!], w: e, bias: false, groups: 1 }, 'embed');
    claim(shapes, 'embed.w');
  }
  for (let i = 0; i < ups; i++) {
    const bn = `${prefix}bn${i}`;
    const c = shapeOf(shapes, `${bn}.gamma`);
    const s = 4 * 2 ** i;
    emit({ kind: 'bnTrain', x: [2, s, s, c[0]!], w: c, bias: false, groups: 1 }, `bn${i}`);
    emit({ kind: 'bnInfer', x: [2, s, s, c[0]!], w: c, bias: false, groups: 1 }, `bn${i}`);
    claim(shapes, `${bn}.gamma`, `${bn}.beta`, `${bn}.mean`, `${bn}.var`);
  }
  const upLayer = (name: string, inSize: number, bias: boolean) => {
    const w = shapeOf(shapes, `${prefix}${name}.w`);
    // A transposed filter is [k, k, out, in]; the resize-conv's [3, 3, in, out].
    if (upsample === 'transposed') emit({ kind: 'convT', x: [1, inSize, inSize, w[3]!], w, bias, groups: 1 }, name);
    else emit({ kind: 'resizeConv', x: [2, inSize, inSize, w[2]!], w, bias, groups: 1 }, name);
    claim(shapes, `${prefix}${name}.w`, ...(bias ? [`${prefix}${name}.b`] : []));
  };
  for (let i = 1; i < ups; i++) upLayer(`up${i}`, 4 * 2 ** (i - 1), false);
  upLayer('out', size / 2, true);
}

/** D or the VAE encoder: conv1 … conv_n (bias or BatchNorm, spectral norm), then D's heads or the VAE's. */
function encoderCases(shapes: Map<string, number[]>, prefix: string, size: ImageSize, norm: DiscriminatorNorm, emit: Emit): void {
  const downs = upsamplings(size);
  for (let k = 1; k <= downs; k++) {
    const conv = `${prefix}conv${k}`;
    const w = shapeOf(shapes, `${conv}.w`);
    const s = size / 2 ** (k - 1);
    const bias = shapes.has(`${conv}.b`);
    emit({ kind: 'conv', x: [1, s, s, w[2]!], w, bias, groups: 1 }, `conv${k}`);
    claim(shapes, `${conv}.w`, ...(bias ? [`${conv}.b`] : []));
    // D without BatchNorm takes the R1 penalty (the VAE's encoder never does).
    if (prefix === '' && norm !== 'batch') emit({ kind: 'r1conv', x: [1, s, s, w[2]!], w, bias: true, groups: 1 }, `conv${k} (R1)`);
    if (norm === 'spectral') {
      emit({ kind: 'spectral', x: [], w, bias: false, groups: 1 }, `conv${k}`);
      claim(shapes, `${conv}.u`);
    }
    if (shapes.has(`${prefix}bn${k}.gamma`)) {
      const c = shapeOf(shapes, `${prefix}bn${k}.gamma`);
      // D scores real and fake images in one pass with statistics per half (groups 2).
      emit({ kind: 'bnTrain', x: [2, s / 2, s / 2, c[0]!], w: c, bias: false, groups: 2 }, `bn${k}`);
      claim(shapes, `${prefix}bn${k}.gamma`, `${prefix}bn${k}.beta`);
    }
  }
  if (prefix === '') {
    const fc = shapeOf(shapes, 'fc.w');
    emit({ kind: 'dense', x: [1, fc[0]!], w: fc, bias: true, groups: 1 }, 'fc');
    claim(shapes, 'fc.w', 'fc.b');
    if (norm === 'spectral') {
      emit({ kind: 'spectral', x: [], w: fc, bias: false, groups: 1 }, 'fc');
      claim(shapes, 'fc.u');
    }
    if (shapes.has('proj.w')) {
      const p = shapeOf(shapes, 'proj.w');
      emit({ kind: 'dense', x: [1, p[0]!], w: p, bias: false, groups: 1 }, 'proj');
      claim(shapes, 'proj.w');
    }
    unclaimed(shapes, 'discriminator');
  } else {
    for (const head of ['mean', 'logvar']) {
      const w = shapeOf(shapes, `${prefix}${head}.w`);
      emit({ kind: 'dense', x: [1, w[0]!], w, bias: true, groups: 1 }, head);
      claim(shapes, `${prefix}${head}.w`, `${prefix}${head}.b`);
    }
  }
}

/** Deterministic values in [−1, 1) (mulberry32); wasm-kernels.test.ts uses them too. */
export function rand(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

const count = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** The layer's output shape. */
function outShape(c: LayerCase): number[] {
  const [n, h, w] = c.x;
  switch (c.kind) {
    case 'conv':
      return [n!, h! / 2, w! / 2, c.w[3]!];
    case 'r1conv':
      return c.x;
    case 'convT':
      return [n!, h! * 2, w! * 2, c.w[2]!];
    case 'resizeConv':
      return [n!, h! * 2, w! * 2, c.w[3]!];
    case 'dense':
      return [n!, c.w[1]!];
    case 'bnTrain':
    case 'bnInfer':
      return c.x;
    case 'spectral':
      return c.w;
    case 'act':
      return [...c.x.slice(0, 3), c.x[3]! * 3];
  }
}

interface Inputs {
  /** Differentiated: the layer's input (not for spectral and r1conv), then its weights (r1conv: the filter only). */
  diff: { shape: number[]; data: Float32Array }[];
  /** Held constant: running statistics, the power iteration's vector, R1's weighting of the conv's outputs. */
  consts: { shape: number[]; data: Float32Array }[];
  dy: Float32Array;
}

/**
 * The case's values, the same on every backend. `perturbed`: one value of the input, of the first
 * weight and of the upstream gradient each moved by 1 — what a wrong kernel would look like.
 */
function inputs(c: LayerCase, perturbed: boolean): Inputs {
  const seed = seedOf(caseName(c));
  const diff: Inputs['diff'] = [];
  const channels = c.w[0]!;
  switch (c.kind) {
    case 'r1conv': // ∇ₓ depends on x and b only through leakyRelu's step, whose derivative is 0: only w is differentiated
      diff.push({ shape: c.w, data: rand(count(c.w), seed + 1) });
      break;
    case 'conv':
    case 'convT':
    case 'resizeConv':
    case 'dense':
      diff.push({ shape: c.x, data: rand(count(c.x), seed) }, { shape: c.w, data: rand(count(c.w), seed + 1) });
      if (c.bias) diff.push({ shape: [outShape(c).at(-1)!], data: rand(outShape(c).at(-1)!, seed + 2) });
      break;
    case 'bnTrain': {
      const gamma = rand(channels, seed + 1).map((v) => 1 + 0.2 * v);
      diff.push({ shape: c.x, data: rand(count(c.x), seed) }, { shape: c.w, data: gamma }, { shape: c.w, data: rand(channels, seed + 2).map((v) => 0.2 * v) });
      break;
    }
    case 'bnInfer':
      diff.push({ shape: c.x, data: rand(count(c.x), seed) });
      break;
    case 'spectral':
      diff.push({ shape: c.w, data: rand(count(c.w), seed + 1) });
      break;
    case 'act':
      diff.push({ shape: c.x, data: rand(count(c.x), seed).map((v) => 2 * v) });
      break;
  }
  const consts: Inputs['consts'] = [];
  const vector = (data: Float32Array) => ({ shape: [data.length], data });
  if (c.kind === 'bnInfer') {
    consts.push(
      vector(rand(channels, seed + 3).map((v) => 0.1 * v)), // running mean
      vector(rand(channels, seed + 4).map((v) => 1 + 0.5 * Math.abs(v))), // running variance
      vector(rand(channels, seed + 5).map((v) => 1 + 0.2 * v)), // γ
      vector(rand(channels, seed + 6).map((v) => 0.2 * v)), // β
    );
  }
  if (c.kind === 'spectral') consts.push(vector(rand(c.w.at(-1)!, seed + 3)));
  if (c.kind === 'r1conv') {
    const y = [c.x[0]!, c.x[1]! / 2, c.x[2]! / 2, c.w[3]!];
    consts.push({ shape: y, data: rand(count(y), seed + 3) }, { shape: c.x, data: rand(count(c.x), seed) }, vector(rand(c.w[3]!, seed + 2)));
  }
  const dy = rand(count(outShape(c)), seed + 7);
  if (perturbed) {
    for (const a of [diff[0]!.data, diff[1]?.data ?? diff[0]!.data, dy]) a[a.length >> 1]! += 1;
  }
  return { diff, consts, dy };
}

/** The layer as the networks run it, on the tensors `inputs` made. */
function layer(c: LayerCase, consts: tf.Tensor[], u: tf.Variable | null): (...xs: tf.Tensor[]) => tf.Tensor {
  const withBias = (y: tf.Tensor, b: tf.Tensor | undefined) => (b ? tf.add(y, b) : y);
  switch (c.kind) {
    case 'conv':
      return (x, w, b) => withBias(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'), b);
    case 'r1conv': {
      const [r, x, b] = consts as [tf.Tensor, tf.Tensor4D, tf.Tensor1D];
      return (w) => tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(r, leakyRelu(tf.add(tf.conv2d(xx as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'), b), 0.2))))(x);
    }
    case 'convT':
      return (x, w, b) => withBias(tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, outShape(c) as [number, number, number, number], 2, 'same'), b);
    case 'resizeConv':
      return (x, w, b) => {
        const [, h, wd] = c.x;
        return withBias(tf.conv2d(tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [h! * 2, wd! * 2]), w as tf.Tensor4D, 1, 'same'), b);
      };
    case 'dense':
      return (x, w, b) => withBias(dense(x as tf.Tensor2D, w as tf.Tensor2D), b);
    case 'bnTrain':
      return (x, g, b) => batchNormTrain(x as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5, c.groups);
    case 'bnInfer': {
      const [mean, variance, gamma, beta] = consts as tf.Tensor1D[];
      return (x) => tf.batchNorm4d(x as tf.Tensor4D, mean!, variance!, beta, gamma, 1e-5);
    }
    case 'spectral':
      return (w) => spectralNormalized(w!, u!, false);
    case 'act':
      return (x) => tf.concat([tf.relu(x!), leakyRelu(x!, 0.2), tf.tanh(x!)], 3);
  }
}

/**
 * Runs the case on `backend`: [output, gradient w.r.t. each differentiated input] (for an upstream
 * gradient of fixed random values), read back without blocking. Leaves that backend active.
 */
export async function runLayer(c: LayerCase, backend: string, perturbed = false): Promise<Float32Array[]> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
  const v = inputs(c, perturbed);
  const consts = v.consts.map((d) => tf.tensor(d.data, d.shape));
  const u = c.kind === 'spectral' ? tf.variable(consts[0]!, false) : null;
  try {
    const outs = tf.tidy(() => {
      const xs = v.diff.map((d) => tf.tensor(d.data, d.shape));
      const { value, grads } = tf.valueAndGrads(layer(c, consts, u))(xs, tf.tensor(v.dy, outShape(c)));
      return [value, ...grads];
    });
    const data = await Promise.all(outs.map((o) => o.data() as Promise<Float32Array>));
    tf.dispose(outs);
    return data;
  } finally {
    tf.dispose(consts);
    u?.dispose();
  }
}

/** max |got − ref| / max |ref|: relative to the tensor's scale, so long sums are judged fairly. */
export function relativeError(got: Float32Array, ref: Float32Array): number {
  if (got.length !== ref.length) return Infinity;
  let diff = 0;
  let scale = 1e-30;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i]! - ref[i]!);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return diff / scale;
}

/** Names of runLayer's outputs for messages. */
export function outputNames(c: LayerCase): string[] {
  switch (c.kind) {
    case 'bnTrain':
      return ['forward', 'd/dx', 'd/dγ', 'd/dβ'];
    case 'bnInfer':
    case 'act':
      return ['forward', 'd/dx'];
    case 'r1conv':
      return ['∇ₓ', 'd∇ₓ/dw'];
    case 'spectral':
      return ['forward', 'd/dw'];
    default:
      return ['forward', 'd/dx', 'd/dw', ...(c.bias ? ['d/db'] : [])];
  }
}
