// The pixels a model trains on: every original composited on the project's
// background colour (the starter set is all transparency) and resized to the
// training resolution. Made once per asset set and size, then read from cache/.
//
// openImage is the one way an original is opened for its pixels, here and at import, so
// a file import accepts is a file training can read (same decoder, options and limits).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { safeSvg } from './image-header';
import { writeAtomically } from './atomic-write';

/** Drawings are rasterised this densely (then resized), so small ones keep their detail. */
export const SVG_DENSITY = 300;
/** The most pixels one decode may make (sharp's own default, spelt out): import refuses anything above it. */
export const DECODE_PIXEL_LIMIT = 0x3fff * 0x3fff;

/**
 * An original opened for its pixels: the first page (or frame), turned as its EXIF
 * orientation says, a drawing rasterised at SVG_DENSITY with every outside reference
 * removed. Damage and truncation fail the decode; libjpeg's warnings do not.
 */
export function openImage(input: string | Uint8Array, svg: boolean, limitInputPixels = DECODE_PIXEL_LIMIT): sharp.Sharp {
  const source = svg ? safeSvg(typeof input === 'string' ? readFileSync(input) : input) : input;
  return sharp(source, { pages: 1, failOn: 'error', limitInputPixels, ...(svg ? { density: SVG_DENSITY } : {}) }).rotate();
}

export interface TrainingSource {
  /** Absolute path of the original. */
  path: string;
  hash: string;
}

export interface TrainingPixels {
  size: number;
  /** Images in `pixels`: the sources that could be decoded. */
  count: number;
  /** NHWC RGB, uint8. */
  pixels: Uint8Array;
  /** Index in `sources` of each image in `pixels`, in order (every index unless one was skipped). */
  kept: number[];
  fromCache: boolean;
}

/**
 * Every source decoded, composited and resized. A source that cannot be decoded (damaged
 * on disk since import) is left out and reported through `onSkip`; the rest go on.
 */
export async function trainingPixels(
  sources: TrainingSource[],
  options: {
    size: number;
    background: string;
    cacheDir: string;
    onProgress?(done: number, total: number): void;
    onSkip?(source: TrainingSource, reason: string): void;
  },
): Promise<TrainingPixels> {
  const { size, background } = options;
  const digest = createHash('sha1')
    .update(`${size}|${background}|`)
    .update(sources.map((s) => s.hash).join(','))
    .digest('hex')
    .slice(0, 16);
  const cacheFile = join(options.cacheDir, `train-${size}-${digest}.rgb`);
  const stride = size * size * 3;
  if (existsSync(cacheFile)) {
    const pixels = new Uint8Array(await readFile(cacheFile));
    if (pixels.length === stride * sources.length) return { size, count: sources.length, pixels, kept: sources.map((_, i) => i), fromCache: true };
  }
  const pixels = new Uint8Array(stride * sources.length);
  const failed = new Set<number>();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < sources.length) {
      const i = next++;
      const source = sources[i]!;
      try {
        const raw = await openImage(source.path, source.path.endsWith('.svg'))
          .flatten({ background })
          .resize(size, size, { fit: 'contain', background, kernel: 'lanczos3' })
          .removeAlpha()
          .raw()
          .toBuffer();
        pixels.set(raw.subarray(0, stride), i * stride);
      } catch (error) {
        failed.add(i);
        const message = String((error as Error)?.message ?? error)
          .split('\n')[0]!
          .replace(/\.$/, '');
        options.onSkip?.(source, (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${basename(source.path)} is missing` : message);
      }
      options.onProgress?.(++done, sources.length);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  if (failed.size === 0) {
    await writeAtomically(cacheFile, pixels);
    return { size, count: sources.length, pixels, kept: sources.map((_, i) => i), fromCache: false };
  }
  // Not cached: the next run meets the same file and says so again.
  const kept = sources.map((_, i) => i).filter((i) => !failed.has(i));
  const packed = new Uint8Array(stride * kept.length);
  kept.forEach((from, to) => packed.set(pixels.subarray(from * stride, (from + 1) * stride), to * stride));
  return { size, count: kept.length, pixels: packed, kept, fromCache: false };
}
