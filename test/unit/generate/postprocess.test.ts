// Post-processing: sizes, exact nearest-neighbour upscales, bounded and deterministic
// palettes, transparency, contact sheet layout, encoding, validation, inputs left alone,
// and replay of stored steps to the same bytes.
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  applySteps,
  backgroundToTransparent,
  contactSheet,
  encode,
  LABEL_HEIGHT,
  PostProcessError,
  PostProcessStepSchema,
  reducePalette,
  sharpen,
  upscale,
  type PostProcessStep,
  type RawImage,
} from '../../../src-main/generate/postprocess.js';
import { Rng } from '../../../src-main/ml/random.js';

beforeAll(() => {
  // A training run shares the machine: one libvips thread is plenty for these tiny images.
  sharp.concurrency(1);
});

/** A seeded noisy image: many distinct colours, no symmetry. */
function noise(width: number, height: number, channels: 3 | 4 = 3, seed = 1): RawImage {
  const rng = new Rng(seed);
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = rng.int(256);
  if (channels === 4) for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return { width, height, channels, data };
}

function pixel(img: RawImage, x: number, y: number): number[] {
  const o = (y * img.width + x) * img.channels;
  return Array.from(img.data.subarray(o, o + img.channels));
}

function distinctColours(img: RawImage): Set<number> {
  const set = new Set<number>();
  for (let o = 0; o < img.data.length; o += img.channels) set.add((img.data[o]! << 16) | (img.data[o + 1]! << 8) | img.data[o + 2]!);
  return set;
}

describe('upscale', () => {
  it('nearest replicates every pixel into an exact factor×factor block', async () => {
    for (const channels of [3, 4] as const) {
      const img = noise(5, 3, channels);
      for (const factor of [2, 4] as const) {
        const up = await upscale(img, factor, 'nearest');
        expect([up.width, up.height, up.channels]).toEqual([5 * factor, 3 * factor, channels]);
        for (let y = 0; y < up.height; y++) {
          for (let x = 0; x < up.width; x++) expect(pixel(up, x, y)).toEqual(pixel(img, Math.floor(x / factor), Math.floor(y / factor)));
        }
      }
    }
  });

  it('lanczos gives the right size and keeps the channels', async () => {
    const up = await upscale(noise(6, 4, 4), 2, 'lanczos');
    expect([up.width, up.height, up.channels, up.data.length]).toEqual([12, 8, 4, 12 * 8 * 4]);
    const flat: RawImage = { width: 4, height: 4, channels: 3, data: new Uint8Array(48).fill(90) };
    expect(distinctColours(await upscale(flat, 4, 'lanczos'))).toEqual(new Set([(90 << 16) | (90 << 8) | 90]));
  });

  it('rejects bad factors and malformed images, naming what is wrong', async () => {
    const img = noise(4, 4);
    await expect(upscale(img, 3 as 2, 'nearest')).rejects.toThrow(/factor must be 2 or 4; got 3/);
    await expect(upscale({ ...img, data: img.data.subarray(1) }, 2, 'nearest')).rejects.toThrow(/needs 48 bytes; its buffer has 47/);
    await expect(upscale({ ...img, channels: 2 as 3 }, 2, 'nearest')).rejects.toThrow(PostProcessError);
    await expect(upscale({ ...img, width: 0 }, 2, 'nearest')).rejects.toThrow(/at least 1×1/);
  });
});

describe('sharpen', () => {
  it('keeps size and channels, changes an edgy image, and leaves amount 0 alone', async () => {
    const img = noise(16, 16);
    const before = img.data.slice();
    const out = await sharpen(img, 2);
    expect([out.width, out.height, out.channels]).toEqual([16, 16, 3]);
    expect(Buffer.compare(Buffer.from(out.data), Buffer.from(img.data))).not.toBe(0);
    expect((await sharpen(img, 0)).data).toEqual(img.data);
    expect(img.data).toEqual(before);
    const rgba = await sharpen(noise(8, 8, 4), 1);
    expect(rgba.channels).toBe(4);
    for (let i = 3; i < rgba.data.length; i += 4) expect(rgba.data[i]).toBe(255);
    await expect(sharpen(img, -1)).rejects.toThrow(/sharpen amount must be a number from 0 to 10/);
  });
});

describe('reducePalette', () => {
  it('leaves at most N colours, all from the returned palette', async () => {
    const img = noise(24, 24);
    for (const n of [2, 5, 16]) {
      const { image, palette } = await reducePalette(img, n);
      expect(palette.length).toBeLessThanOrEqual(n);
      const allowed = new Set(palette.map(([r, g, b]) => (r << 16) | (g << 8) | b));
      expect(distinctColours(image)).toEqual(allowed);
      expect([image.width, image.height, image.channels]).toEqual([24, 24, 3]);
    }
  });

  it('is deterministic and does not touch its input', async () => {
    const img = noise(20, 20, 4, 7);
    const before = img.data.slice();
    const a = await reducePalette(img, 8);
    const b = await reducePalette({ ...img, data: img.data.slice() }, 8);
    expect(a.image.data).toEqual(b.image.data);
    expect(a.palette).toEqual(b.palette);
    expect(img.data).toEqual(before);
    // Alpha passes through unchanged.
    for (let i = 3; i < img.data.length; i += 4) expect(a.image.data[i]).toBe(img.data[i]);
  });

  it('keeps an image that already has few colours exactly, and separates clear clusters', async () => {
    const data = new Uint8Array(4 * 4 * 3);
    for (let i = 0; i < 16; i++) data.set(i < 8 ? [250, 10, 10] : [10, 10, 250], i * 3);
    const two: RawImage = { width: 4, height: 4, channels: 3, data };
    const same = await reducePalette(two, 4);
    expect(same.image.data).toEqual(data);
    expect(same.palette).toEqual([
      [10, 10, 250],
      [250, 10, 10],
    ]);
    // Two tight clusters of near-reds and near-blues reduce to one red and one blue.
    const jitter = noise(8, 8, 3, 3);
    for (let i = 0; i < 64; i++) jitter.data.set(i % 2 ? [240 + (jitter.data[i * 3]! % 10), 10, 10] : [10, 10, 240 + (jitter.data[i * 3]! % 10)], i * 3);
    const { palette } = await reducePalette(jitter, 2);
    expect(palette).toHaveLength(2);
    expect(palette.every(([r, , b]) => Math.abs(r - b) > 200)).toBe(true);
  });

  it('rejects palette sizes outside 2..256', async () => {
    await expect(reducePalette(noise(4, 4), 1)).rejects.toThrow(/2 to 256 colours; got 1/);
    await expect(reducePalette(noise(4, 4), 300)).rejects.toThrow(PostProcessError);
  });
});

describe('backgroundToTransparent', () => {
  it('clears pixels within tolerance and keeps the others opaque', () => {
    const data = new Uint8Array([255, 255, 255, 250, 252, 255, 200, 255, 255, 0, 0, 0]);
    const img: RawImage = { width: 2, height: 2, channels: 3, data };
    const out = backgroundToTransparent(img, '#FFFFFF', 10);
    expect(out.channels).toBe(4);
    expect([pixel(out, 0, 0), pixel(out, 1, 0), pixel(out, 0, 1), pixel(out, 1, 1)]).toEqual([
      [255, 255, 255, 0],
      [250, 252, 255, 0],
      [200, 255, 255, 255],
      [0, 0, 0, 255],
    ]);
    expect(backgroundToTransparent(img, '#ffffff', 0).data[7]).toBe(255);
    expect(img.data).toEqual(new Uint8Array([255, 255, 255, 250, 252, 255, 200, 255, 255, 0, 0, 0]));
  });

  it('rejects colours that are not #rrggbb and tolerances outside 0..255', () => {
    const img = noise(2, 2);
    expect(() => backgroundToTransparent(img, 'white', 5)).toThrow(/'white' is not a colour: write it as #rrggbb/);
    expect(() => backgroundToTransparent(img, '#fff', 5)).toThrow(PostProcessError);
    expect(() => backgroundToTransparent(img, '#ffffff', 256)).toThrow(/tolerance must be a number from 0 to 255/);
  });
});

describe('encode', () => {
  it('writes PNG and lossless WebP, resized on the longer side', async () => {
    const img = noise(20, 10);
    const png = await encode(img, 'png');
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 20, 10]);
    const decoded = await sharp(png).raw().toBuffer();
    expect(new Uint8Array(decoded)).toEqual(img.data);

    const webp = await encode(img, 'webp', 40, 'nearest');
    const wmeta = await sharp(webp).metadata();
    expect([wmeta.format, wmeta.width, wmeta.height]).toEqual(['webp', 40, 20]);
    const tall = await sharp(await encode(noise(6, 12), 'png', 6)).metadata();
    expect([tall.width, tall.height]).toEqual([3, 6]);
    await expect(encode(img, 'gif' as 'png')).rejects.toThrow(/'png' or 'webp'; got 'gif'/);
    await expect(encode(img, 'png', 0)).rejects.toThrow(/encode size/);
  });
});

describe('contactSheet', () => {
  it('lays images out in a grid with gaps', async () => {
    const images = [noise(8, 6), noise(10, 4, 4), noise(8, 8), noise(4, 4), noise(6, 6)];
    const sheet = await contactSheet(images, { columns: 2, gap: 3, background: '#102030' });
    // Cells are 10×8; 2 columns, 3 rows.
    expect([sheet.width, sheet.height, sheet.channels]).toEqual([2 * 10 + 3 * 3, 3 * 8 + 4 * 3, 3]);
    expect(pixel(sheet, 0, 0)).toEqual([16, 32, 48]);
    // The first image is centred in the first cell: offset (1, 1) inside it.
    expect(pixel(sheet, 3 + 1, 3 + 1)).toEqual(pixel(images[0]!, 0, 0));
    // The last cell of the last row stays background.
    expect(pixel(sheet, sheet.width - 4, sheet.height - 4)).toEqual([16, 32, 48]);
  });

  it('adds a label strip per row when labels are given, and RGBA for a translucent background', async () => {
    const images = [noise(8, 8), noise(8, 8), noise(8, 8)];
    const sheet = await contactSheet(images, { columns: 3, gap: 2, background: '#ffffff', label: (i) => (i === 1 ? undefined : `#${i}`) });
    expect([sheet.width, sheet.height, sheet.channels]).toEqual([3 * 8 + 4 * 2, 8 + LABEL_HEIGHT + 2 * 2, 3]);
    // Ink under the first and third cells, none under the unlabelled second.
    const inked = (cell: number): boolean => {
      for (let y = 2 + 8; y < 2 + 8 + LABEL_HEIGHT; y++) {
        for (let x = 2 + cell * 10; x < 2 + cell * 10 + 8; x++) if (pixel(sheet, x, y).some((v) => v < 200)) return true;
      }
      return false;
    };
    expect([inked(0), inked(1), inked(2)]).toEqual([true, false, true]);
    const clear = await contactSheet(images, { columns: 1, gap: 0, background: '#00000000' });
    expect([clear.width, clear.height, clear.channels]).toEqual([8, 24, 4]);
    await expect(contactSheet([], { columns: 1, gap: 0, background: '#000000' })).rejects.toThrow(/at least one image/);
    await expect(contactSheet(images, { columns: 0, gap: 0, background: '#000000' })).rejects.toThrow(/columns/);
    await expect(contactSheet([{ ...images[0]!, data: new Uint8Array(3) }], { columns: 1, gap: 0, background: '#000000' })).rejects.toThrow(
      /Image 1 of the contact sheet is 8×8×3, which needs 192 bytes/,
    );
  });
});

describe('applySteps', () => {
  const steps: PostProcessStep[] = [
    { op: 'upscale', factor: 2, kernel: 'lanczos' },
    { op: 'sharpen', amount: 1.5 },
    { op: 'reducePalette', colours: 12 },
    { op: 'backgroundToTransparent', colour: '#000000', tolerance: 40 },
    { op: 'upscale', factor: 2, kernel: 'nearest' },
  ];

  it('replays stored steps to the same bytes', async () => {
    const img = noise(12, 12, 3, 42);
    const before = img.data.slice();
    const stored = JSON.parse(JSON.stringify(steps)) as PostProcessStep[];
    const a = await applySteps(img, steps);
    const b = await applySteps({ ...img, data: img.data.slice() }, stored);
    expect([a.width, a.height, a.channels]).toEqual([48, 48, 4]);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    expect(img.data).toEqual(before);
    expect(distinctColours(a).size).toBeLessThanOrEqual(12);
  });

  it('returns a copy for no steps and rejects an invalid stored step, naming it', async () => {
    const img = noise(4, 4);
    const same = await applySteps(img, []);
    expect(same.data).toEqual(img.data);
    expect(same.data).not.toBe(img.data);
    await expect(applySteps(img, [{ op: 'blur', sigma: 2 } as unknown as PostProcessStep])).rejects.toThrow(/step 1 \('blur'\) is not valid/);
    await expect(applySteps(img, [{ op: 'reducePalette', colours: 1 }])).rejects.toThrow(/step 1 \('reducePalette'\)/);
    expect(PostProcessStepSchema.safeParse(steps[0]).success).toBe(true);
  });
});
