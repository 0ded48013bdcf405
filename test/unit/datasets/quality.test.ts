// Quality measures and flags: each flag fires on the synthetic extreme it names and stays
// quiet on the real starter set.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { analyseImage } from '../../../src-main/datasets/perceptual-hash.js';
import {
  datasetSaturation,
  defaultThresholds,
  measureQuality,
  QUALITY_FLAGS,
  qualityFlags,
  qualityScore,
  type QualityFlag,
  type RawImage,
} from '../../../src-main/datasets/quality.js';

function solid(width: number, height: number, rgb: [number, number, number]): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { data, width, height, channels: 3 };
}

function paint(width: number, height: number, f: (x: number, y: number) => [number, number, number]): RawImage {
  const img = solid(width, height, [0, 0, 0]);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) img.data.set(f(x, y), (y * width + x) * 3);
  return img;
}

const checkerboard = () => paint(128, 128, (x, y) => (((x >> 3) + (y >> 3)) % 2 ? [230, 60, 60] : [30, 30, 140]));
const colourful = { medianSaturation: 0.4 };

async function blurred(img: RawImage, sigma: number): Promise<RawImage> {
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .blur(sigma)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}

const flagsOf = (img: RawImage, dataset?: { medianSaturation: number }) => qualityFlags(measureQuality(img), defaultThresholds, dataset);

describe('measureQuality', () => {
  it('measures a flat colour exactly', () => {
    const m = measureQuality(solid(50, 40, [255, 0, 0]));
    expect(m.width).toBe(50);
    expect(m.height).toBe(40);
    expect(m.aspect).toBeCloseTo(1.25);
    expect(m.meanLuma).toBeCloseTo(0.299 * 255, 3);
    expect(m.stdLuma).toBeCloseTo(0, 3);
    expect(m.laplacianVariance).toBeCloseTo(0, 6);
    expect(m.saturation).toBeCloseTo(1, 6);
    expect(m.blankFraction).toBe(1);
  });

  it('composites alpha on white', () => {
    const rgba = new Uint8Array(16 * 16 * 4); // fully transparent black
    const m = measureQuality({ data: rgba, width: 16, height: 16, channels: 4 });
    expect(m.meanLuma).toBeCloseTo(255, 3);
  });

  it('measures a large image on a small copy but reports its real size', () => {
    const m = measureQuality(paint(1000, 500, (x) => (x < 500 ? [0, 0, 0] : [255, 255, 255])));
    expect([m.width, m.height, m.aspect]).toEqual([1000, 500, 2]);
    expect(m.meanLuma).toBeCloseTo(127.5, 0);
    expect(m.blankFraction).toBeCloseTo(0.5, 1);
  });

  it('lets the caller give the original size of a downscaled decode', () => {
    expect(measureQuality(solid(64, 32, [9, 9, 9]), { width: 4000, height: 2000 }).width).toBe(4000);
  });

  it('rejects a buffer shorter than its size says', () => {
    expect(() => measureQuality({ data: new Uint8Array(10), width: 8, height: 8, channels: 3 })).toThrow(RangeError);
  });
});

describe('qualityFlags', () => {
  it('does not call a sharp checkerboard blurry, but does its gaussian-blurred copy', async () => {
    const sharpBoard = checkerboard();
    const soft = await blurred(sharpBoard, 4);
    expect(measureQuality(soft).laplacianVariance).toBeLessThan(measureQuality(sharpBoard).laplacianVariance / 20);
    expect(flagsOf(sharpBoard, colourful)).toEqual([]);
    expect(flagsOf(soft, colourful)).toEqual(['blurry']);
  });

  it('flags black as too dark and white as too bright', () => {
    expect(flagsOf(solid(64, 64, [0, 0, 0]))).toContain('too-dark');
    expect(flagsOf(solid(64, 64, [255, 255, 255]))).toContain('too-bright');
    expect(flagsOf(solid(64, 64, [0, 0, 0]))).not.toContain('too-bright');
  });

  it('flags a single tiny dot on white as near blank, and not as blurry', () => {
    const dot = paint(128, 128, (x, y) => (x >= 60 && x < 63 && y >= 60 && y < 63 ? [0, 0, 0] : [255, 255, 255]));
    const flags = flagsOf(dot);
    expect(flags).toContain('near-blank');
    expect(flags).not.toContain('blurry');
  });

  it('flags a gray image only in a mostly colour dataset', () => {
    const gray = paint(64, 64, (x, y) => [x * 4, x * 4, x * 4].map((v) => (v + y) % 256) as [number, number, number]);
    expect(flagsOf(gray, colourful)).toContain('grayscale');
    expect(flagsOf(gray, { medianSaturation: 0.02 })).not.toContain('grayscale');
    expect(flagsOf(gray)).not.toContain('grayscale');
    expect(flagsOf(checkerboard(), colourful)).not.toContain('grayscale');
  });

  it('judges colour by the content, not by a white background around it', () => {
    const emoji = paint(64, 64, (x, y) => ((x - 32) ** 2 + (y - 32) ** 2 < 100 ? [240, 40, 40] : [255, 255, 255]));
    expect(measureQuality(emoji).saturation).toBeGreaterThan(0.7);
  });

  it('flags 8×8 as tiny and 400×20 as extreme aspect', () => {
    const noisy = (w: number, h: number) => paint(w, h, (x, y) => ((x * 7 + y * 13) % 5 ? [200, 50, 50] : [20, 120, 220]));
    expect(flagsOf(noisy(8, 8))).toContain('tiny');
    expect(flagsOf(noisy(400, 20))).toContain('extreme-aspect');
    expect(flagsOf(noisy(20, 400))).toContain('extreme-aspect');
    expect(flagsOf(noisy(64, 64))).not.toContain('tiny');
  });

  it('lists flags in QUALITY_FLAGS order, each with a description', () => {
    const all = QUALITY_FLAGS.map((f) => f.flag);
    expect(all).toEqual(['tiny', 'extreme-aspect', 'blurry', 'too-dark', 'too-bright', 'near-blank', 'grayscale']);
    for (const f of QUALITY_FLAGS) expect(f.description.length).toBeGreaterThan(10);
    const flags = flagsOf(solid(4, 40, [0, 0, 0]), colourful);
    expect(flags).toEqual(all.filter((f) => flags.includes(f as QualityFlag)));
    expect(flags).toEqual(['tiny', 'extreme-aspect', 'too-dark', 'near-blank', 'grayscale']);
  });

  it('ranks a sharp copy above a blurred one', async () => {
    const board = checkerboard();
    expect(qualityScore(measureQuality(board))).toBeGreaterThan(qualityScore(measureQuality(await blurred(board, 3))));
  });

  it('leaves most of the starter Twemoji unflagged', async () => {
    const dir = join(process.cwd(), 'node_modules/emoji-datasource-twitter/img/twitter/64');
    // Every 4th file keeps this quick; bench/curation.ts measures all of them.
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.png'))
      .sort()
      .filter((_, i) => i % 4 === 0);
    const measures = await Promise.all(files.map(async (f) => (await analyseImage(readFileSync(join(dir, f)))).quality));
    const dataset = datasetSaturation(measures);
    expect(dataset.medianSaturation).toBeGreaterThan(defaultThresholds.colourDatasetFrom);
    const flagged = measures.filter((m) => qualityFlags(m, defaultThresholds, dataset).length > 0).length;
    expect(flagged / files.length).toBeLessThan(0.08);
  });
});

describe('stored flag bits', () => {
  it('round-trip every flag through the mask, in QUALITY_FLAGS order', async () => {
    const { flagMask, flagsFromMask, QUALITY_FLAGS } = await import('../../../src-main/datasets/quality');
    const all = QUALITY_FLAGS.map((f) => f.flag);
    expect(flagsFromMask(flagMask(all))).toEqual(all);
    expect(flagMask([])).toBe(0);
    expect(flagMask(['blurry'])).toBe(1 << 2);
    expect(flagsFromMask(flagMask(['grayscale', 'tiny']))).toEqual(['tiny', 'grayscale']);
  });

  it('flags neither flat art nor photo-like textures wholesale, but a gray or a blurred one', async () => {
    const dir = join(process.cwd(), 'node_modules/emoji-datasource-twitter/img/twitter/64');
    const flat = await Promise.all(
      ['1f49c.png', '2764-fe0f.png', '1f7e3.png', '23f8-fe0f.png', '2733-fe0f.png', '1f1e6-1f1f2.png'].map(
        async (f) => (await analyseImage(join(dir, f))).quality,
      ),
    );
    // A purple heart, a red heart, a purple circle, a purple pause button, ✳ on green, Armenia's flag: crisp and colourful.
    for (const m of flat) expect(qualityFlags(m, defaultThresholds, colourful)).toEqual([]);
    // Photo-like: gradients with fine noise (seeded) and objects with edges, in colour.
    let seed = 7;
    const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 41) - 20;
    const clip = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
    const photos = [0, 1, 2, 3].map((k) =>
      paint(256, 192, (x, y) => {
        const object = (x - 80 - k * 20) ** 2 + (y - 96) ** 2 < 1600 || (x > 150 && x < 200 && y > 40 + k * 10 && y < 150);
        const base = object ? [200 - k * 30, 90 + k * 20, 60] : [90 + k * 30 + x / 3, 60 + y / 2, 200 - x / 4 - k * 20];
        return [clip(base[0]! + noise()), clip(base[1]! + noise()), clip(base[2]! + noise())];
      }),
    );
    for (const p of photos) expect(flagsOf(p, colourful)).toEqual([]);
    // The same photos blurred, and turned gray, are flagged.
    for (const p of photos) expect(flagsOf(await blurred(p, 4), colourful)).toContain('blurry');
    for (const p of photos) {
      const gray = paint(p.width, p.height, (x, y) => {
        const i = (y * p.width + x) * 3;
        const v = Math.round(0.299 * p.data[i]! + 0.587 * p.data[i + 1]! + 0.114 * p.data[i + 2]!);
        return [v, v, v];
      });
      expect(flagsOf(gray, colourful)).toContain('grayscale');
    }
  });
});
