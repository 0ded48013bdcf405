// A run's sample grids: the same 64 latent vectors (and conditions) at every sample step, drawn
// as an 8×8 PNG, so a person sees one set of images improve.
import { mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { tf } from '../ml/backend';
import { latentFor, toBytes } from '../ml/generator';
import { hashSeed, Rng } from '../ml/random';
import type { Dataset, Session, TrainConfig } from '../ml/train';

export interface SampleGrid {
  z: Float32Array;
  cond: Float32Array | null;
  n: number;
  /**
   * For a conditional run, the classes (indices into the run's class list) each cell is drawn
   * for, in reading order: read from the very condition vectors the grid uses, so what a person
   * is told a cell shows is what the generator was given. Null for an unconditional run.
   */
  cells: number[][] | null;
}

/** The fixed latent vectors (and conditions, taken from 64 training images) every sample grid of a run uses. */
export function sampleGrid(config: TrainConfig, data: Dataset): SampleGrid {
  const n = 64;
  const z = new Float32Array(n * config.latentDim);
  for (let i = 0; i < n; i++) z.set(latentFor(hashSeed(config.seed, 0x9a1d), i, config.latentDim), i * config.latentDim);
  if (config.classes === 0 || !data.cond) return { z, cond: null, n, cells: null };
  const cond = new Float32Array(n * config.classes);
  const rng = new Rng(hashSeed(config.seed, 0xc0d));
  for (let i = 0; i < n; i++) {
    const idx = rng.int(data.count);
    cond.set(data.cond.subarray(idx * config.classes, (idx + 1) * config.classes), i * config.classes);
  }
  return { z, cond, n, cells: cellClasses(cond, n, config.classes) };
}

/** The classes whose entry is set in each cell's condition vector. */
export function cellClasses(cond: Float32Array, n: number, classes: number): number[][] {
  const cells: number[][] = [];
  for (let i = 0; i < n; i++) {
    const set: number[] = [];
    for (let c = 0; c < classes; c++) if (cond[i * classes + c]! > 0) set.push(c);
    cells.push(set);
  }
  return cells;
}

/** An 8×8 grid of samples with 2 px gutters, as a PNG. */
export async function writeGrid(session: Session, grid: SampleGrid, file: string): Promise<void> {
  const { size, latentDim, classes } = session.config;
  const images = tf.tidy(() => session.sample(tf.tensor2d(grid.z, [grid.n, latentDim]), grid.cond ? tf.tensor2d(grid.cond, [grid.n, classes]) : null));
  const values = (await images.data()) as Float32Array;
  images.dispose();
  const cols = 8;
  const gap = 2;
  const side = cols * size + (cols + 1) * gap;
  const out = new Uint8Array(side * side * 3).fill(236);
  const bytes = toBytes(values);
  for (let i = 0; i < grid.n; i++) {
    const ox = gap + (i % cols) * (size + gap);
    const oy = gap + Math.floor(i / cols) * (size + gap);
    for (let y = 0; y < size; y++) {
      const src = (i * size * size + y * size) * 3;
      out.set(bytes.subarray(src, src + size * 3), ((oy + y) * side + ox) * 3);
    }
  }
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  await sharp(Buffer.from(out.buffer), { raw: { width: side, height: side, channels: 3 } })
    .png()
    .toFile(tmp);
  await rename(tmp, file);
}
