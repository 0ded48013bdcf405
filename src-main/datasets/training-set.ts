// The pixels a model trains on: every original composited on the project's
// background colour (the starter set is all transparency) and resized to the
// training resolution. Made once per asset set and size, then read from cache/.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { safeSvg } from './image-header';
import { writeAtomically } from './import';

export interface TrainingSource {
  /** Absolute path of the original. */
  path: string;
  hash: string;
}

export interface TrainingPixels {
  size: number;
  count: number;
  /** NHWC RGB, uint8. */
  pixels: Uint8Array;
  fromCache: boolean;
}

export async function trainingPixels(
  sources: TrainingSource[],
  options: { size: number; background: string; cacheDir: string; onProgress?(done: number, total: number): void },
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
    if (pixels.length === stride * sources.length) return { size, count: sources.length, pixels, fromCache: true };
  }
  const pixels = new Uint8Array(stride * sources.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < sources.length) {
      const i = next++;
      const path = sources[i]!.path;
      // Vector originals are rasterized (densely, then resized) with external references removed.
      const input = path.endsWith('.svg') ? safeSvg(readFileSync(path)) : path;
      const raw = await sharp(input, { pages: 1, ...(path.endsWith('.svg') ? { density: 300 } : {}) })
        .flatten({ background })
        .resize(size, size, { fit: 'contain', background, kernel: 'lanczos3' })
        .removeAlpha()
        .raw()
        .toBuffer();
      pixels.set(raw.subarray(0, stride), i * stride);
      options.onProgress?.(++done, sources.length);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  await writeAtomically(cacheFile, pixels);
  return { size, count: sources.length, pixels, fromCache: false };
}
