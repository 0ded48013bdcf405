// Data augmentation: random flips, quarter turns, small rotations, crops and colour
// jitter applied to training images as they are batched. Plain TypeScript on RGB uint8
// so every backend sees the same bytes for a seed; the policy is the contract's (edited in
// the Data view, previewed by datasets/augment.ts, applied by the training loop's BatchSampler).
import type { AugmentationPolicyT as AugmentationPolicy } from '../../src-preload/contract';
import type { Rng } from './random.js';

/** A square RGB uint8 image, row-major, size×size×3. */
export interface SquareImage {
  data: Uint8Array;
  size: number;
}

/** Corners uncovered by a rotation or crop take the project background. */
const BACKGROUND = 255;

/**
 * One random augmentation of `image` under `policy`. Always draws the same number of
 * values from `rng` (11), so changing one setting does not reshuffle the others, and a
 * seeded rng gives the same bytes every time. The output is a new array of the same size.
 */
export function augment(image: SquareImage, policy: AugmentationPolicy, rng: Rng): Uint8Array {
  const { data, size } = image;
  if (!Number.isInteger(size) || size < 1 || data.length !== size * size * 3) {
    throw new RangeError(`An image to augment must be size×size×3 bytes; got ${data.length} bytes for size ${size}.`);
  }
  const u = Array.from({ length: 11 }, () => rng.next());
  const flipH = u[0]! < policy.hflip;
  const flipV = u[1]! < policy.vflip;
  const quarterTurns = policy.rot90 ? Math.min(3, Math.floor(u[2]! * 4)) : 0;
  const degrees = policy.rotate * (2 * u[3]! - 1);
  const scale = policy.crop + (1 - policy.crop) * u[4]!;
  const j = policy.colourJitter;
  const brightness = 1 + j.brightness * (2 * u[7]! - 1);
  const contrast = 1 + j.contrast * (2 * u[8]! - 1);
  const saturation = 1 + j.saturation * (2 * u[9]! - 1);
  const hue = j.hue * (2 * u[10]! - 1);

  let out = degrees !== 0 || scale < 1 ? resample(data, size, degrees, scale, u[5]!, u[6]!) : data.slice();
  if (flipH) out = flipHorizontal({ data: out, size });
  if (flipV) out = flipVertical({ data: out, size });
  if (quarterTurns) out = rotate90({ data: out, size }, quarterTurns);
  if (brightness !== 1 || contrast !== 1 || saturation !== 1 || hue !== 0) jitterColour(out, brightness, contrast, saturation, hue);
  return out;
}

export function flipHorizontal({ data, size }: SquareImage): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const s = (y * size + x) * 3;
      const d = (y * size + size - 1 - x) * 3;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
    }
  }
  return out;
}

export function flipVertical({ data, size }: SquareImage): Uint8Array {
  const out = new Uint8Array(data.length);
  const row = size * 3;
  for (let y = 0; y < size; y++) out.set(data.subarray(y * row, (y + 1) * row), (size - 1 - y) * row);
  return out;
}

/** Quarter turns clockwise (negative or >3 are taken modulo 4). */
export function rotate90({ data, size }: SquareImage, quarterTurns = 1): Uint8Array {
  const k = ((quarterTurns % 4) + 4) % 4;
  if (k === 0) return data.slice();
  const out = new Uint8Array(data.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // Destination of source (x, y) after k clockwise quarter turns.
      const [dx, dy] = k === 1 ? [size - 1 - y, x] : k === 2 ? [size - 1 - x, size - 1 - y] : [y, size - 1 - x];
      const s = (y * size + x) * 3;
      const d = (dy * size + dx) * 3;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
    }
  }
  return out;
}

/**
 * Rotation by `degrees` and a square crop of side `scale` (centre placed by ox, oy ∈ [0,1)),
 * resized back to size×size, in one bilinear pass. Samples outside the image are background,
 * blended at the border rather than clamped, so rotated corners fade to white, not smear.
 */
function resample(data: Uint8Array, size: number, degrees: number, scale: number, ox: number, oy: number): Uint8Array {
  const out = new Uint8Array(data.length);
  const theta = (degrees * Math.PI) / 180;
  const cos = Math.cos(theta) * scale;
  const sin = Math.sin(theta) * scale;
  const cx = (0.5 + (ox - 0.5) * (1 - scale)) * size;
  const cy = (0.5 + (oy - 0.5) * (1 - scale)) * size;
  const half = size / 2;
  const texel = (x: number, y: number, c: number) => (x < 0 || y < 0 || x >= size || y >= size ? BACKGROUND : data[(y * size + x) * 3 + c]!);
  for (let y = 0; y < size; y++) {
    const v = y + 0.5 - half;
    for (let x = 0; x < size; x++) {
      const u = x + 0.5 - half;
      // Inverse map: output pixel centre → source coordinates (pixel centres at +0.5).
      const sx = cx + cos * u - sin * v - 0.5;
      const sy = cy + sin * u + cos * v - 0.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const d = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) {
        const top = texel(x0, y0, c) * (1 - fx) + texel(x0 + 1, y0, c) * fx;
        const bottom = texel(x0, y0 + 1, c) * (1 - fx) + texel(x0 + 1, y0 + 1, c) * fx;
        out[d + c] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return out;
}

const [LR, LG, LB] = [0.299, 0.587, 0.114];
const LUMA = [LR, LG, LB];

/**
 * Brightness, contrast, saturation and hue as one affine colour map (3×3 + offset), applied
 * in place with clamping. Hue turns the chroma plane of YIQ, which keeps luma fixed.
 */
function jitterColour(rgb: Uint8Array, brightness: number, contrast: number, saturation: number, hue: number): void {
  const n = rgb.length / 3;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += LR * rgb[i * 3]! + LG * rgb[i * 3 + 1]! + LB * rgb[i * 3 + 2]!;
  mean = (mean / n) * brightness;

  // x → contrast·(brightness·x − mean) + mean
  let m = scaleMatrix(contrast * brightness);
  const offset = (1 - contrast) * mean;
  let o: [number, number, number] = [offset, offset, offset];
  // Saturation: s·x + (1 − s)·luma(x)·[1,1,1]
  const sat = [0, 1, 2].map((r) => [0, 1, 2].map((c) => (r === c ? saturation : 0) + (1 - saturation) * LUMA[c]!));
  m = multiply(sat, m);
  o = apply(sat, o);
  if (hue !== 0) {
    const a = 2 * Math.PI * hue;
    const toYiq = [[...LUMA], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]];
    const fromYiq = invert3(toYiq);
    const turn = [
      [1, 0, 0],
      [0, Math.cos(a), -Math.sin(a)],
      [0, Math.sin(a), Math.cos(a)],
    ];
    const h = multiply(fromYiq, multiply(turn, toYiq));
    m = multiply(h, m);
    o = apply(h, o);
  }
  const [m00, m01, m02] = m[0]!;
  const [m10, m11, m12] = m[1]!;
  const [m20, m21, m22] = m[2]!;
  for (let i = 0; i < rgb.length; i += 3) {
    const r = rgb[i]!;
    const g = rgb[i + 1]!;
    const b = rgb[i + 2]!;
    rgb[i] = clamp(m00! * r + m01! * g + m02! * b + o[0]);
    rgb[i + 1] = clamp(m10! * r + m11! * g + m12! * b + o[1]);
    rgb[i + 2] = clamp(m20! * r + m21! * g + m22! * b + o[2]);
  }
}

function clamp(x: number): number {
  return x <= 0 ? 0 : x >= 255 ? 255 : Math.round(x);
}

function scaleMatrix(k: number): number[][] {
  return [
    [k, 0, 0],
    [0, k, 0],
    [0, 0, k],
  ];
}

function multiply(a: number[][], b: number[][]): number[][] {
  return [0, 1, 2].map((r) => [0, 1, 2].map((c) => a[r]![0]! * b[0]![c]! + a[r]![1]! * b[1]![c]! + a[r]![2]! * b[2]![c]!));
}

function apply(a: number[][], v: [number, number, number]): [number, number, number] {
  return [0, 1, 2].map((r) => a[r]![0]! * v[0] + a[r]![1]! * v[1] + a[r]![2]! * v[2]) as [number, number, number];
}

function invert3(a: number[][]): number[][] {
  const [[a00, a01, a02], [a10, a11, a12], [a20, a21, a22]] = a as [[number, number, number], [number, number, number], [number, number, number]];
  const c00 = a11 * a22 - a12 * a21;
  const c01 = a12 * a20 - a10 * a22;
  const c02 = a10 * a21 - a11 * a20;
  const det = a00 * c00 + a01 * c01 + a02 * c02;
  return [
    [c00 / det, (a02 * a21 - a01 * a22) / det, (a01 * a12 - a02 * a11) / det],
    [c01 / det, (a00 * a22 - a02 * a20) / det, (a02 * a10 - a00 * a12) / det],
    [c02 / det, (a01 * a20 - a00 * a21) / det, (a00 * a11 - a01 * a10) / det],
  ];
}
