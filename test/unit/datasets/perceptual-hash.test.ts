// Perceptual hash: survives resize, JPEG and small colour changes; tells different pictures apart.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { analyseImage, analyseRaw, hamming, hashFromLuma, InvalidHashError, parseHash, perceptualHash } from '../../../src-main/datasets/perceptual-hash.js';

type Paint = (x: number, y: number) => [number, number, number];

/** A size×size RGB picture from a per-pixel painter (coordinates in 0–1). */
function picture(paint: Paint, size = 256): Promise<Buffer> {
  const data = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) data.set(paint((x + 0.5) / size, (y + 0.5) / size), (y * size + x) * 3);
  }
  return sharp(data, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
}

const inCircle = (x: number, y: number, cx: number, cy: number, r: number) => (x - cx) ** 2 + (y - cy) ** 2 < r * r;

// Structurally different scenes, none symmetric (a symmetric picture has few non-zero
// DCT terms, so its hash has few bits set and sits closer to other sparse hashes).
const scenes: Record<string, Paint> = {
  sunset: (x, y) => (inCircle(x, y, 0.3, 0.3, 0.18) ? [230, 60, 40] : x > 0.6 && y > 0.55 ? [40, 60, 200] : [40 + 180 * x, 120, 200 - 150 * y]),
  stripes: (x, y) => (inCircle(x, y, 0.62, 0.4, 0.2) ? [30, 200, 60] : Math.floor((x + 0.3 * y) * 5) % 2 ? [250, 240, 220] : [60, 40, 30]),
  rings: (x, y) => (Math.floor(Math.hypot(x - 0.35, y - 0.6) * 10) % 2 ? [220, 200, 40] : [40, 20, 120]),
  ramp: (x, y) => (y > 0.8 - 0.6 * x && y < 0.9 ? [200, 30, 160] : [255 * y, 255 * y, 255 * y]),
  blobs: (x, y) =>
    inCircle(x, y, 0.7, 0.25, 0.15) ? [250, 200, 0] : inCircle(x, y, 0.25, 0.7, 0.2) ? [0, 90, 160] : x + y < 0.6 ? [180, 230, 250] : [250, 250, 245],
  cross: (x, y) => (Math.abs(x - 0.4) < 0.08 || Math.abs(y - 0.35) < 0.08 ? [20, 20, 20] : [x * 255, 200, 100]),
};

describe('perceptualHash', () => {
  it('returns 16 hex characters', async () => {
    expect(await perceptualHash(await picture(scenes.sunset!))).toMatch(/^[0-9a-f]{16}$/);
  });

  it('keeps a resized, re-encoded or slightly recoloured copy within 6 bits', async () => {
    for (const [name, paint] of Object.entries(scenes)) {
      const png = await picture(paint);
      const original = await perceptualHash(png);
      const copies = [
        await sharp(png).resize(97, 97).jpeg({ quality: 70 }).toBuffer(),
        await sharp(png).resize(512, 512).jpeg({ quality: 85 }).toBuffer(),
        await sharp(png).modulate({ brightness: 1.08, saturation: 0.9 }).webp({ quality: 80 }).toBuffer(),
        await sharp(png).resize(200, 150, { fit: 'fill' }).png().toBuffer(), // squashed: pHash ignores aspect
      ];
      for (const copy of copies) {
        const d = hamming(original, await perceptualHash(copy));
        expect(d, `${name}: ${d} bits`).toBeLessThanOrEqual(6);
      }
    }
  });

  it('keeps symmetric pictures stable too (most emoji and flags are)', async () => {
    // A symmetric picture has many DCT terms at ~0, right at the median; without the dead
    // zone, JPEG noise flips their bits and copies land 15–30 bits away.
    const smiley = await picture((x, y) =>
      inCircle(x, y, 0.37, 0.4, 0.06) || inCircle(x, y, 0.63, 0.4, 0.06) || (inCircle(x, y, 0.5, 0.55, 0.22) && y > 0.6)
        ? [60, 30, 10]
        : inCircle(x, y, 0.5, 0.5, 0.4)
          ? [250, 200, 50]
          : [255, 255, 255],
    );
    const copy = await sharp(smiley).resize(150, 150).jpeg({ quality: 70 }).toBuffer();
    expect(hamming(await perceptualHash(smiley), await perceptualHash(copy))).toBeLessThanOrEqual(6);

    const dir = join(process.cwd(), 'node_modules/emoji-datasource-twitter/img/twitter/64');
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.png'))
      .sort()
      .filter((_, i) => i % 50 === 0);
    const distances = await Promise.all(
      files.map(async (f) => {
        const png = readFileSync(join(dir, f));
        const jpeg = await sharp(png).flatten({ background: '#ffffff' }).resize(150, 150).jpeg({ quality: 70 }).toBuffer();
        return hamming(await perceptualHash(png), await perceptualHash(jpeg));
      }),
    );
    distances.sort((a, b) => a - b);
    expect(distances[Math.floor(distances.length / 2)]).toBeLessThanOrEqual(2);
    expect(distances[Math.floor(distances.length * 0.9)]).toBeLessThanOrEqual(5);
    expect(distances.at(-1)).toBeLessThanOrEqual(8);
  });

  it('puts different pictures at least 20 bits apart', async () => {
    const hashes = await Promise.all(Object.values(scenes).map(async (p) => perceptualHash(await picture(p))));
    for (let i = 0; i < hashes.length; i++) {
      for (let j = i + 1; j < hashes.length; j++) expect(hamming(hashes[i]!, hashes[j]!)).toBeGreaterThanOrEqual(20);
    }
  });

  it('sees a transparent image as if it were on white', async () => {
    const size = 64;
    const rgba = Buffer.alloc(size * size * 4);
    const rgb = Buffer.alloc(size * size * 3, 255);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        if (!inCircle(x, y, 24, 30, 14) && !(x > 40 && y > 40)) continue;
        rgba.set([200, 40, 40, 255], (y * size + x) * 4);
        rgb.set([200, 40, 40], (y * size + x) * 3);
      }
    }
    // Invisible pixels carry black colour: a decoder that ignored alpha would see a black image.
    const transparent = await sharp(rgba, { raw: { width: size, height: size, channels: 4 } })
      .png()
      .toBuffer();
    const onWhite = await sharp(rgb, { raw: { width: size, height: size, channels: 3 } })
      .png()
      .toBuffer();
    const a = await analyseImage(transparent);
    const b = await analyseImage(onWhite);
    expect(hamming(a.phash, b.phash)).toBe(0);
    expect(a.quality.meanLuma).toBeCloseTo(b.quality.meanLuma, 5);
  });

  it('reports the original size of a large image measured on a small copy', async () => {
    const png = await sharp({ create: { width: 640, height: 320, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    const { quality } = await analyseImage(png);
    expect([quality.width, quality.height, quality.aspect]).toEqual([640, 320, 2]);
  });

  it('matches the raw path the import can use with its own decode', async () => {
    const png = await picture(scenes.rings!, 100);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const raw = analyseRaw({ data, width: info.width, height: info.height, channels: info.channels as 3 });
    expect(raw.phash).toBe((await analyseImage(png)).phash);
  });

  it('says which file it could not read', async () => {
    await expect(analyseImage(Buffer.from('not an image at all'))).rejects.toThrow(/cannot be analysed/);
  });
});

describe('hashFromLuma', () => {
  it('gives all zeros for a flat image rather than rounding noise', () => {
    expect(hashFromLuma(new Float32Array(32 * 32).fill(128))).toBe('0000000000000000');
  });

  it('is pure and tells a gradient from its mirror image', () => {
    const ramp = new Uint8Array(32 * 32).map((_, i) => (i % 32) * 8);
    const mirror = new Uint8Array(32 * 32).map((_, i) => 255 - (i % 32) * 8);
    expect(hashFromLuma(ramp)).toBe(hashFromLuma(Float32Array.from(ramp)));
    expect(hamming(hashFromLuma(ramp), hashFromLuma(mirror))).toBeGreaterThan(0);
  });

  it('rejects a grid that is too small', () => {
    expect(() => hashFromLuma(new Float32Array(10), 32)).toThrow(RangeError);
  });
});

describe('hamming', () => {
  it('counts differing bits', () => {
    expect(hamming('0000000000000000', '0000000000000000')).toBe(0);
    expect(hamming('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hamming('8000000000000001', '0000000000000000')).toBe(2);
    expect(hamming('00000000F0000000', '00000000f0000000')).toBe(0);
    expect(hamming('0123456789abcdef', 'fedcba9876543210')).toBe(64);
    expect(hamming('0123456789abcdef', '0123456789abcdee')).toBe(1);
  });

  it('is symmetric', () => {
    expect(hamming('a5a5a5a5a5a5a5a5', '0f0f0f0f0f0f0f0f')).toBe(hamming('0f0f0f0f0f0f0f0f', 'a5a5a5a5a5a5a5a5'));
  });

  it('rejects what is not a hash', () => {
    expect(() => hamming('123', '0000000000000000')).toThrow(InvalidHashError);
    expect(() => parseHash('000000000000000g')).toThrow(/16 hexadecimal/);
  });
});
