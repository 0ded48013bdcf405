// Perceptual hashes for near-duplicate detection: a 64-bit DCT hash (pHash) of the
// image's 32×32 luminance, which survives resizing, re-encoding and small colour
// changes, unlike the content hash (sha256) the import stores originals under.
// One decode gives both the hash and the quality measures, since the import runs both.
import { basename } from 'node:path';
import sharp from 'sharp';
import { AtelierError } from '../errors';
import { areaWeights, downscaleRgb, MEASURE_SIZE, measureQuality, toRgbOnWhite, type QualityMeasures, type RawImage } from './quality';

/** Side of the luma grid the DCT runs on; the hash keeps its lowest 8×8 frequencies. */
export const HASH_GRID = 32;
const LOW = 8;
// In units of the mean distance of the AC coefficients from their median.
const DEAD_ZONE = 0.2;

export class InvalidHashError extends AtelierError {
  override name = 'InvalidHashError';
  constructor(message: string) {
    super('invalid-input', message);
  }
}

export class ImageAnalysisError extends AtelierError {
  override name = 'ImageAnalysisError';
  constructor(message: string) {
    super('unreadable-image', message);
  }
}

export interface ImageAnalysis {
  /** 16 hex characters (64 bits). */
  phash: string;
  quality: QualityMeasures;
}

/** The perceptual hash of an image file or its bytes. */
export async function perceptualHash(input: Buffer | string): Promise<string> {
  return (await analyseImage(input)).phash;
}

/**
 * Hash and quality measures from one sharp decode: EXIF-oriented, shrunk to ≤128 px by
 * sharp so a large photo never reaches JavaScript at full size, then composited on white
 * (the starter set is emoji with alpha).
 */
export async function analyseImage(input: Buffer | string): Promise<ImageAnalysis> {
  const name = typeof input === 'string' ? basename(input) : 'the image';
  try {
    // Alpha is composited in JS (analyseRaw): sharp's flatten halves the decode rate of a 64-px PNG.
    const { data, info } = await sharp(input, { pages: 1 })
      .autoOrient()
      .resize({ width: MEASURE_SIZE, height: MEASURE_SIZE, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    let original = { width: info.width, height: info.height };
    // Only an image whose long side came out at the limit may have been shrunk: ask the header for its real size.
    if (Math.max(info.width, info.height) >= MEASURE_SIZE) {
      const meta = await sharp(input, { pages: 1 }).metadata();
      original = { width: meta.autoOrient.width, height: meta.autoOrient.height };
    }
    return analyseRaw({ data, width: info.width, height: info.height, channels: info.channels as RawImage['channels'] }, original);
  } catch (error) {
    if (error instanceof ImageAnalysisError) throw error;
    throw new ImageAnalysisError(`${name} cannot be analysed for duplicates and quality: ${String((error as Error)?.message ?? error).split('\n')[0]}`);
  }
}

/**
 * Hash and quality measures of pixels already decoded (e.g. the import's own raw decode):
 * alpha over white, shrunk to ≤128 px. `original` is the file's size when `raw` is a downscale.
 */
export function analyseRaw(raw: RawImage, original?: { width: number; height: number }): ImageAnalysis {
  const small = downscaleRgb(toRgbOnWhite(raw), raw.width, raw.height, MEASURE_SIZE);
  const quality = measureQuality({ data: small.rgb, width: small.width, height: small.height, channels: 3 }, original ?? raw);
  return { phash: hashFromLuma(lumaGrid(small.rgb, small.width, small.height)), quality };
}

/** Rec. 601 luma of interleaved RGB, area-averaged to size×size (aspect ignored, as pHash does). */
export function lumaGrid(rgb: Uint8Array, width: number, height: number, size = HASH_GRID): Float32Array {
  const xs = areaWeights(width, size);
  const ys = areaWeights(height, size);
  const rows = new Float32Array(height * size);
  for (let y = 0; y < height; y++) {
    for (let ox = 0; ox < size; ox++) {
      const { start, weights } = xs[ox]!;
      let s = 0;
      for (let k = 0; k < weights.length; k++) {
        const p = (y * width + start + k) * 3;
        s += (0.299 * rgb[p]! + 0.587 * rgb[p + 1]! + 0.114 * rgb[p + 2]!) * weights[k]!;
      }
      rows[y * size + ox] = s;
    }
  }
  const out = new Float32Array(size * size);
  for (let oy = 0; oy < size; oy++) {
    const { start, weights } = ys[oy]!;
    for (let x = 0; x < size; x++) {
      let s = 0;
      for (let k = 0; k < weights.length; k++) s += rows[(start + k) * size + x]! * weights[k]!;
      out[oy * size + x] = s;
    }
  }
  return out;
}

const bases = new Map<number, Float64Array>();

/** Rows 0..7 of the orthonormal DCT-II matrix for n points (row-major, 8×n). */
function dctBasis(n: number): Float64Array {
  let c = bases.get(n);
  if (!c) {
    c = new Float64Array(LOW * n);
    for (let u = 0; u < LOW; u++) {
      const scale = Math.sqrt((u === 0 ? 1 : 2) / n);
      for (let x = 0; x < n; x++) c[u * n + x] = scale * Math.cos(((2 * x + 1) * u * Math.PI) / (2 * n));
    }
    bases.set(n, c);
  }
  return c;
}

/**
 * pHash of a size×size luma grid: the 8×8 lowest DCT frequencies without DC (brightness,
 * which a perceptual hash must ignore), each bit = coefficient clearly above their median.
 * Bit 0 (the DC slot) is always 0, so the hash stays 64 bits and 16 hex characters.
 */
export function hashFromLuma(luma: Float32Array | Uint8Array, size = HASH_GRID): string {
  if (!Number.isInteger(size) || size < LOW) throw new RangeError(`A luma grid for a hash must be at least ${LOW}×${LOW}; got ${size}.`);
  if (luma.length < size * size) throw new RangeError(`A ${size}×${size} luma grid needs ${size * size} values; got ${luma.length}.`);
  const c = dctBasis(size);
  // Separable: T = C·X (8×size), then D = T·Cᵀ (8×8). About 10k multiply-adds for 32×32.
  const t = new Float64Array(LOW * size);
  for (let u = 0; u < LOW; u++) {
    for (let y = 0; y < size; y++) {
      const cu = c[u * size + y]!;
      const row = y * size;
      for (let x = 0; x < size; x++) t[u * size + x]! += cu * luma[row + x]!;
    }
  }
  const d = new Float64Array(LOW * LOW);
  for (let u = 0; u < LOW; u++) {
    for (let v = 0; v < LOW; v++) {
      let s = 0;
      for (let x = 0; x < size; x++) s += t[u * size + x]! * c[v * size + x]!;
      d[u * LOW + v] = s;
    }
  }
  const ac = Array.from(d.subarray(1)).sort((a, b) => a - b);
  const median = ac[(ac.length - 1) >> 1]!;
  let spread = 0;
  for (const v of ac) spread += Math.abs(v - median);
  spread /= ac.length;
  // A dead zone above the median: symmetric images (most emoji, flags) have many coefficients
  // at ~0, right at the median, whose bits JPEG noise would flip at random. On the starter
  // set this takes resize+JPEG distances from p99 24 to p99 6 (bench/curation.ts).
  // The absolute floor keeps a flat image's hash all zeros instead of rounding noise.
  const cut = median + DEAD_ZONE * spread + 1e-6;
  let hi = 0;
  let lo = 0;
  for (let k = 1; k < LOW * LOW; k++) {
    if (d[k]! <= cut) continue;
    if (k < 32) hi |= 1 << (31 - k);
    else lo |= 1 << (63 - k);
  }
  return hex32(hi) + hex32(lo);
}

function hex32(x: number): string {
  return (x >>> 0).toString(16).padStart(8, '0');
}

/** A 16-hex hash as two unsigned 32-bit halves (high, low). */
export function parseHash(hash: string): [number, number] {
  // By hand rather than regex + parseInt: clustering parses 100k hashes per call.
  let hi = 0;
  let lo = 0;
  let ok = hash.length === 16;
  for (let i = 0; ok && i < 16; i++) {
    const c = hash.charCodeAt(i);
    const v = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (v < 0) ok = false;
    else if (i < 8) hi = hi * 16 + v;
    else lo = lo * 16 + v;
  }
  if (!ok) throw new InvalidHashError(`"${hash}" is not a perceptual hash: expected 16 hexadecimal characters.`);
  return [hi, lo];
}

/** Number of differing bits between two hashes (0–64). */
export function hamming(a: string, b: string): number {
  const [ah, al] = parseHash(a);
  const [bh, bl] = parseHash(b);
  return popcount32(ah ^ bh) + popcount32(al ^ bl);
}

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
