// DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training"):
// the same random, differentiable transforms applied to every image D sees, real and fake, so D
// cannot memorise a small dataset while G still gets gradients through the augmentation.
//
// NHWC images in [−1, 1]. Policies follow the paper's reference code (DiffAugment_pytorch.py):
//   color       brightness  x += U(−0.5, 0.5)                              per image
//               saturation  x = (x − mean_c x)·U(0, 2) + mean_c x          mean over channels, per pixel
//               contrast    x = (x − mean x)·U(0.5, 1.5) + mean x          mean over the image
//   translation shift by integers in [−round(H/8), round(H/8)] × [−round(W/8), round(W/8)], zero fill
//   cutout      zero a round(H/2) × round(W/2) square.
// Deviation from the reference code: the cutout square always lies fully inside the image (its
// top-left corner is uniform over the valid positions), so exactly a quarter of every image is
// erased; the reference lets the square's centre reach the border, clipping it (1/16 to 1/4).
//
// All randomness comes from our JS Rng (not tfjs's), so a run is identical on every backend and
// resumes exactly. Draw order for a batch of N: brightness[N], saturation[N], contrast[N] (if
// color), shiftY[N], shiftX[N] (if translation), cutoutTop[N], cutoutLeft[N] (if cutout).
//
// Both parts are linear maps of x (plus the brightness constant) whose adjoints are maps of the
// same kind, so each is a tf.customGrad op whose gradient is the same op with adjoint settings:
// cheap, and differentiable to any order (R1 through the augmentation works).
// - colour: y = L(x) + b with L(x) = c·s·x + c·(1 − s)·mean_c(x) + (1 − c)·mean(x), which equals
//   brightness → saturation → contrast applied in turn. L is self-adjoint. mean_c broadcast back
//   over the channels is a 1×1 conv with a constant C×C filter (XNNPACK on wasm; broadcasting a
//   [N, H, W, 1] tensor, concat and tile are 5-100× slower there), the image mean a trailing-axes
//   Mean; everything else multiplies by [N, 1, 1, 1] per-image factors.
// - translation + cutout: out[i, j] = x[i − sy, j − sx] (0 outside), then zero the cutout
//   rectangle. Its adjoint is the translation by (−sy, −sx) followed by zeroing the rectangle
//   moved by (−sy, −sx). On wasm this is a small kernel of our own (AtelierTranslateCutout, row
//   copies on the wasm heap, no index tensors); GatherV2 there re-reads and checks every index in
//   JS and tfjs's gather gradient needs UnsortedSegmentSum, which wasm lacks. On other backends
//   it is one GatherV2 of pixel rows from the input plus an appended zero row.
// Kernels used on wasm, forward and backward: Add, Conv2D, Fill, Identity, Mean, Multiply,
// Reshape and AtelierTranslateCutout (test/unit/ml/diffaugment.test.ts lists them with tf.profile
// and checks each is registered; no gradient of a tfjs kernel is involved).
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from './backend.js';
import type { Rng } from './random.js';

type CustomGradFn = Parameters<typeof tf.customGrad>[0];

export interface DiffAugmentPolicy {
  color: boolean;
  translation: boolean;
  cutout: boolean;
}

/** The paper's 'color,translation,cutout' policy, its recommendation for small datasets. */
export const DIFF_AUGMENT_ALL: Readonly<DiffAugmentPolicy> = Object.freeze({ color: true, translation: true, cutout: true });

/** Fraction of the image size a translation may reach, and the cutout square's side. */
export const TRANSLATION_RATIO = 1 / 8;
export const CUTOUT_RATIO = 1 / 2;

/** The random draws of one diffAugment call (per image), for inspection and tests. */
export interface DiffAugmentParams {
  batch: number;
  height: number;
  width: number;
  color?: {
    /** Added to every value, U(−0.5, 0.5). */
    brightness: Float32Array;
    /** Scale of the deviation from the per-pixel channel mean, U(0, 2). */
    saturation: Float32Array;
    /** Scale of the deviation from the image mean, U(0.5, 1.5). */
    contrast: Float32Array;
  };
  /** Content moves down by shiftY and right by shiftX: out[i, j] = x[i − shiftY, j − shiftX], 0 outside. */
  translation?: { shiftY: Int32Array; shiftX: Int32Array };
  /** out[i, j] = 0 for top ≤ i < top + size[0], left ≤ j < left + size[1] (after translation). */
  cutout?: { top: Int32Array; left: Int32Array; size: [number, number] };
}

/** How translation + cutout run: 'auto' = the wasm kernel on wasm, a gather elsewhere. */
export type GeometryImpl = 'auto' | 'gather';

/** Draws the augmentation of a batch of N images of H × W from `rng` (see the draw order above). */
export function sampleDiffAugment(batch: number, height: number, width: number, policy: DiffAugmentPolicy, rng: Rng): DiffAugmentParams {
  if (![batch, height, width].every((v) => Number.isInteger(v) && v > 0)) {
    throw new Error(`diffAugment: bad batch shape ${batch} × ${height} × ${width}`);
  }
  const params: DiffAugmentParams = { batch, height, width };
  const draw = (lo: number, hi: number) => rng.uniformArray(batch, lo, hi);
  const ints = (lo: number, hiInclusive: number) => {
    const out = new Int32Array(batch);
    for (let i = 0; i < batch; i++) out[i] = lo + rng.int(hiInclusive - lo + 1);
    return out;
  };
  if (policy.color) params.color = { brightness: draw(-0.5, 0.5), saturation: draw(0, 2), contrast: draw(0.5, 1.5) };
  if (policy.translation) {
    const my = Math.round(height * TRANSLATION_RATIO);
    const mx = Math.round(width * TRANSLATION_RATIO);
    params.translation = { shiftY: ints(-my, my), shiftX: ints(-mx, mx) };
  }
  if (policy.cutout) {
    const size: [number, number] = [Math.round(height * CUTOUT_RATIO), Math.round(width * CUTOUT_RATIO)];
    params.cutout = { top: ints(0, height - size[0]), left: ints(0, width - size[1]), size };
  }
  return params;
}

/**
 * Applies DiffAugment to NHWC images in [−1, 1] with draws from `rng`; differentiable w.r.t. x.
 * Always returns a new tensor (the caller owns it). With the policy all false it is a copy of x
 * and nothing is drawn from rng.
 */
export function diffAugment(x: tf.Tensor4D, policy: DiffAugmentPolicy, rng: Rng): tf.Tensor4D {
  if (!policy.color && !policy.translation && !policy.cutout) return tf.clone(x);
  if (x.rank !== 4) throw new Error(`diffAugment expects NHWC images, got shape [${x.shape}]`);
  const [n, h, w] = x.shape;
  return applyDiffAugment(x, sampleDiffAugment(n, h, w, policy, rng));
}

/** Applies given draws (from sampleDiffAugment) to x [N, H, W, C]; always a new tensor. */
export function applyDiffAugment(x: tf.Tensor4D, params: DiffAugmentParams, impl: GeometryImpl = 'auto'): tf.Tensor4D {
  if (x.rank !== 4) throw new Error(`diffAugment expects NHWC images, got shape [${x.shape}]`);
  const [n, h, w] = x.shape;
  if (n !== params.batch || h !== params.height || w !== params.width) {
    throw new Error(`diffAugment: draws are for [${params.batch}, ${params.height}, ${params.width}], images are [${x.shape}]`);
  }
  if (!params.color && !params.translation && !params.cutout) return tf.clone(x);
  return tf.tidy(() => {
    let y: tf.Tensor4D = x;
    if (params.color) y = applyColor(y, params.color);
    const geometry = geometryOf(params);
    if (geometry) y = translateCutout(y, geometry, impl);
    return y;
  });
}

// ---------------------------------------------------------------------------------------------
// Colour

function applyColor(x: tf.Tensor4D, p: NonNullable<DiffAugmentParams['color']>): tf.Tensor4D {
  const n = x.shape[0];
  const coef = { x: new Float32Array(n), channelMean: new Float32Array(n), imageMean: new Float32Array(n) };
  for (let i = 0; i < n; i++) {
    const s = p.saturation[i]!;
    const c = p.contrast[i]!;
    coef.x[i] = c * s;
    coef.channelMean[i] = c * (1 - s);
    coef.imageMean[i] = 1 - c;
  }
  return tf.add(colorLinear(x, coef), tf.tensor4d(p.brightness, [n, 1, 1, 1]));
}

interface ColorCoefficients {
  x: Float32Array;
  channelMean: Float32Array;
  imageMean: Float32Array;
}

/** L(x) = a·x + b·mean_c(x) + k·mean(x) per image; self-adjoint, so its gradient is L(dy). */
function colorLinear(x: tf.Tensor4D, coef: ColorCoefficients): tf.Tensor4D {
  const op = tf.customGrad(((xIn: tf.Tensor) => ({
    value: colorLinearForward(xIn as tf.Tensor4D, coef),
    gradFunc: (dy: tf.Tensor) => colorLinear(dy as tf.Tensor4D, coef),
  })) as unknown as CustomGradFn);
  return op(x) as tf.Tensor4D;
}

function colorLinearForward(x: tf.Tensor4D, coef: ColorCoefficients): tf.Tensor4D {
  const [n, , , c] = x.shape;
  const perImage = (v: Float32Array) => tf.tensor4d(v, [n, 1, 1, 1]);
  // mean over channels, broadcast back to every channel: a 1×1 conv with a constant filter.
  const channelMean = c === 1 ? x : tf.conv2d(x, tf.fill([1, 1, c, c], 1 / c) as tf.Tensor4D, 1, 'valid');
  const imageMean = tf.mean(x, [1, 2, 3], true); // [N, 1, 1, 1]
  return tf.add(
    tf.add(tf.mul(x, perImage(coef.x)), tf.mul(channelMean, perImage(coef.channelMean))),
    tf.mul(imageMean, perImage(coef.imageMean)),
  ) as tf.Tensor4D;
}

// ---------------------------------------------------------------------------------------------
// Translation + cutout

/** Per image: translate by (shiftY, shiftX) with zero fill, then zero rows × cols of a rectangle (clipped). */
interface Geometry {
  shiftY: Int32Array;
  shiftX: Int32Array;
  top: Int32Array;
  left: Int32Array;
  /** Rectangle size; 0 × 0 = no cutout. */
  cutH: number;
  cutW: number;
}

function geometryOf(p: DiffAugmentParams): Geometry | null {
  if (!p.translation && !p.cutout) return null;
  const zeros = new Int32Array(p.batch);
  return {
    shiftY: p.translation?.shiftY ?? zeros,
    shiftX: p.translation?.shiftX ?? zeros,
    top: p.cutout?.top ?? zeros,
    left: p.cutout?.left ?? zeros,
    cutH: p.cutout?.size[0] ?? 0,
    cutW: p.cutout?.size[1] ?? 0,
  };
}

/** The transpose: translate back, and cut the rectangle where it came from. */
function adjoint(g: Geometry): Geometry {
  const neg = (a: Int32Array) => a.map((v) => -v);
  return {
    shiftY: neg(g.shiftY),
    shiftX: neg(g.shiftX),
    top: g.top.map((t, i) => t - g.shiftY[i]!),
    left: g.left.map((l, i) => l - g.shiftX[i]!),
    cutH: g.cutH,
    cutW: g.cutW,
  };
}

function translateCutout(x: tf.Tensor4D, g: Geometry, impl: GeometryImpl): tf.Tensor4D {
  const op = tf.customGrad(((xIn: tf.Tensor) => ({
    value: translateCutoutForward(xIn as tf.Tensor4D, g, impl),
    gradFunc: (dy: tf.Tensor) => translateCutout(dy as tf.Tensor4D, adjoint(g), impl),
  })) as unknown as CustomGradFn);
  return op(x) as tf.Tensor4D;
}

function translateCutoutForward(x: tf.Tensor4D, g: Geometry, impl: GeometryImpl): tf.Tensor4D {
  if (impl === 'auto' && tf.getBackend() === 'wasm' && x.dtype === 'float32') {
    registerWasmTranslateCutout();
    return tf.engine().runKernel(TRANSLATE_CUTOUT, { x }, geometryAttrs(g)) as tf.Tensor4D;
  }
  const [n, h, w, c] = x.shape;
  const from = sourcePixels(n, h, w, g);
  const rows = tf.pad(x.reshape([n * h * w, c]), [
    [0, 1],
    [0, 0],
  ]); // row n·h·w is zero
  return tf.gather(rows, tf.tensor1d(from, 'int32')).reshape([n, h, w, c]) as tf.Tensor4D;
}

/** Visits the runs of output pixels that copy input pixels: image b, output row i, columns [j0, j1), source row/col offset. */
function forEachRun(n: number, h: number, w: number, g: Geometry, visit: (b: number, i: number, j0: number, j1: number, sy: number, sx: number) => void): void {
  for (let b = 0; b < n; b++) {
    const sy = g.shiftY[b]!;
    const sx = g.shiftX[b]!;
    const top = g.top[b]!;
    const left = g.left[b]!;
    const i0 = Math.max(0, sy);
    const i1 = Math.min(h, h + sy);
    const j0 = Math.max(0, sx);
    const j1 = Math.min(w, w + sx);
    if (j1 <= j0) continue;
    const cl = Math.min(Math.max(left, j0), j1); // cut columns, clipped to [j0, j1)
    const cr = Math.min(Math.max(left + g.cutW, j0), j1);
    for (let i = i0; i < i1; i++) {
      if (g.cutH > 0 && i >= top && i < top + g.cutH && cr > cl) {
        if (cl > j0) visit(b, i, j0, cl, sy, sx);
        if (j1 > cr) visit(b, i, cr, j1, sy, sx);
      } else {
        visit(b, i, j0, j1, sy, sx);
      }
    }
  }
}

/** Output pixel p of the flattened [N·H·W] reads input pixel from[p], or N·H·W (the zero row). */
function sourcePixels(n: number, h: number, w: number, g: Geometry): Int32Array {
  const total = n * h * w;
  const from = new Int32Array(total).fill(total);
  forEachRun(n, h, w, g, (b, i, j0, j1, sy, sx) => {
    const dst = (b * h + i) * w;
    const src = (b * h + i - sy) * w - sx;
    for (let j = j0; j < j1; j++) from[dst + j] = src + j;
  });
  return from;
}

const TRANSLATE_CUTOUT = 'AtelierTranslateCutout';

function geometryAttrs(g: Geometry): tf.NamedAttrMap {
  return {
    shiftY: Array.from(g.shiftY),
    shiftX: Array.from(g.shiftX),
    top: Array.from(g.top),
    left: Array.from(g.left),
    cutH: g.cutH,
    cutW: g.cutW,
  };
}

function registerWasmTranslateCutout(): void {
  if (tf.getKernel(TRANSLATE_CUTOUT, 'wasm')) return;
  tf.registerKernel({ kernelName: TRANSLATE_CUTOUT, backendName: 'wasm', kernelFunc: translateCutoutWasm as unknown as tf.KernelFunc });
}

/** Row copies on the wasm heap: each run of kept pixels is one contiguous copy; the rest is zero. */
function translateCutoutWasm(args: { inputs: { x: tf.TensorInfo }; backend: BackendWasm; attrs: Record<string, unknown> }): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const g: Geometry = {
    shiftY: Int32Array.from(attrs.shiftY as number[]),
    shiftX: Int32Array.from(attrs.shiftX as number[]),
    top: Int32Array.from(attrs.top as number[]),
    left: Int32Array.from(attrs.left as number[]),
    cutH: attrs.cutH as number,
    cutW: attrs.cutW as number,
  };
  const out = backend.makeOutput([n, h, w, c], 'float32');
  // Views after the allocation: growing the heap detaches older ones.
  const xv = backend.typedArrayFromHeap(x) as Float32Array;
  const ov = backend.typedArrayFromHeap(out) as Float32Array;
  ov.fill(0);
  forEachRun(n, h, w, g, (b, i, j0, j1, sy, sx) => {
    const dst = ((b * h + i) * w + j0) * c;
    const src = ((b * h + i - sy) * w + j0 - sx) * c;
    ov.set(xv.subarray(src, src + (j1 - j0) * c), dst);
  });
  return out;
}
