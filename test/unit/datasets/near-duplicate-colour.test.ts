// Near-duplicates are the same picture, colours included: the perceptual hash sees luma only,
// so two flags with one layout, or one emoji in two skin tones, must be told apart by their
// colour prints, while a resized, brightened JPEG copy is still found.
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { duplicateGroups, type DuplicateCandidate } from '../../../src-main/datasets/curation.js';
import { colourMismatch, detailMismatch, readColourPrint, readDetailPrint, sameColours, sameDetail } from '../../../src-main/datasets/near-duplicates.js';
import { analyseImage, hamming, type ImageAnalysis } from '../../../src-main/datasets/perceptual-hash.js';
import { candidateRow as row, patternPng as pattern } from '../../fixtures/curation-images.js';

const twemoji = join(dirname(createRequire(import.meta.url).resolve('emoji-datasource-twitter/package.json')), 'img', 'twitter', '64');

/** A 64×64 three-stripe flag (horizontal bands) in the given colours. */
function flag(colours: [number, number, number][]): Promise<Buffer> {
  const size = 64;
  const px = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    const c = colours[Math.min(colours.length - 1, Math.floor((y * colours.length) / size))]!;
    for (let x = 0; x < size; x++) px.set(c, (y * size + x) * 3);
  }
  return sharp(px, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
}

const mismatch = (a: ImageAnalysis, b: ImageAnalysis) => colourMismatch(readColourPrint(a.quality.colourPrint!), readColourPrint(b.quality.colourPrint!));

describe('colour-aware near-duplicate groups', () => {
  it('does not group two flags with the same layout in other colours, though their hashes agree', async () => {
    // Armenia (red, blue, orange) and Lithuania (yellow, green, red): one layout, three bands.
    const armenia = await analyseImage(
      await flag([
        [217, 0, 18],
        [0, 51, 160],
        [242, 168, 0],
      ]),
    );
    const other = await analyseImage(
      await flag([
        [253, 185, 19],
        [0, 106, 68],
        [193, 39, 45],
      ]),
    );
    expect(hamming(armenia.phash, other.phash)).toBeLessThanOrEqual(6);
    expect(mismatch(armenia, other)).toBeGreaterThan(1);
    expect(duplicateGroups([row(1, armenia), row(2, other)], 6)).toEqual([]);
  });

  it('does not group the skin-tone variants of one starter emoji, even at threshold 0', async () => {
    const tones = ['1f44d', '1f44d-1f3fb', '1f44d-1f3fc', '1f44d-1f3fd', '1f44d-1f3fe', '1f44d-1f3ff'];
    const rows = await Promise.all(tones.map(async (t, i) => row(i + 1, await analyseImage(join(twemoji, `${t}.png`)))));
    expect(duplicateGroups(rows, 0)).toEqual([]);
    expect(duplicateGroups(rows, 6)).toEqual([]);
  });

  it('groups a resized, 5% brighter JPEG copy with its original', async () => {
    const original = await pattern(0);
    const copy = await sharp(original).resize(60, 60).modulate({ brightness: 1.05 }).jpeg({ quality: 90 }).toBuffer();
    const [a, b] = [await analyseImage(original), await analyseImage(copy)];
    expect(mismatch(a, b)).toBeLessThanOrEqual(1);
    const others = await Promise.all([1, 2, 3].map(async (s) => row(10 + s, await analyseImage(await pattern(s)))));
    expect(duplicateGroups([row(1, a), row(2, b), ...others], 6)).toEqual([{ ids: [1, 2], keep: 1 }]);
  });

  it('groups a smaller copy of a starter emoji with its original, and not its other skin tone', async () => {
    const file = join(twemoji, '1f44b-1f3fd.png');
    const original = await analyseImage(file);
    const smaller = await analyseImage(await sharp(file).resize(48, 48).png().toBuffer());
    const otherTone = await analyseImage(join(twemoji, '1f44b-1f3fe.png'));
    expect(duplicateGroups([row(1, original), row(2, smaller), row(3, otherTone)], 6)).toEqual([{ ids: [1, 2], keep: 1 }]);
  });

  it('does not group a frown with a pout, or two skin tones of a small face, that pass the hash and the colour print', async () => {
    // The pairs the colour print alone grouped at the default threshold: the difference is a mouth or a
    // face of a few pixels, averaged away in 16×16 cells; the 32×32 lightness print keeps it.
    const pairs = [
      ['1f64d-1f3fe-200d-2642-fe0f', '1f64e-1f3fe-200d-2642-fe0f'], // man frowning / man pouting, medium-dark
      ['1f64d-1f3ff-200d-2642-fe0f', '1f64e-1f3ff-200d-2642-fe0f'], // the same, dark
      ['1f3c7-1f3fb', '1f3c7-1f3fd'], // horse racing, light / medium jockey
    ];
    for (const [a, b] of pairs) {
      const [x, y] = [await analyseImage(join(twemoji, `${a}.png`)), await analyseImage(join(twemoji, `${b}.png`))];
      expect(sameColours(readColourPrint(x.quality.colourPrint!), readColourPrint(y.quality.colourPrint!)), `${a} / ${b} colours`).toBe(true);
      expect(detailMismatch(readDetailPrint(x.quality.detailPrint!), readDetailPrint(y.quality.detailPrint!)), `${a} / ${b} detail`).toBeGreaterThan(1);
      // … while a re-encoded copy of either passes the detail check, and grouping keeps the copy only.
      const copy = await analyseImage(
        await sharp(join(twemoji, `${a}.png`))
          .flatten({ background: '#ffffff' })
          .webp({ quality: 75 })
          .toBuffer(),
      );
      expect(sameDetail(readDetailPrint(x.quality.detailPrint!), readDetailPrint(copy.quality.detailPrint!)), `${a} copy`).toBe(true);
      expect(duplicateGroups([row(1, x), row(2, y), row(3, copy)], 6)).toEqual([{ ids: [1, 3], keep: 1 }]);
    }
  });

  it('allows for the sub-pixel shift of an enlarged copy in the detail print', async () => {
    // A hard-edged (aliased) disc enlarged 48 → 96 px with Lanczos and saved as JPEG sits about a
    // quarter pixel off its original: edges differ by up to 14 L* on one side and the other.
    for (const seed of [1, 3, 8, 13, 14]) {
      const size = 48;
      const px = Buffer.alloc(size * size * 3, 255);
      const cx = 10 + ((seed * 7) % 28);
      const cy = 10 + ((seed * 13) % 28);
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) if ((x - cx) ** 2 + (y - cy) ** 2 < 64 + (seed % 5) * 20) px.set([220, 30, 30], (y * size + x) * 3);
      const original = await sharp(px, { raw: { width: size, height: size, channels: 3 } })
        .png()
        .toBuffer();
      const [a, b] = [await analyseImage(original), await analyseImage(await sharp(original).resize(96, 96).jpeg({ quality: 80 }).toBuffer())];
      expect(detailMismatch(readDetailPrint(a.quality.detailPrint!), readDetailPrint(b.quality.detailPrint!)), `disc ${seed}`).toBeLessThan(0.8);
    }
  });

  it('refuses a detail print that is not square', () => {
    expect(() => readDetailPrint(Buffer.alloc(30).toString('base64'))).toThrow(/square/);
    expect(() => detailMismatch(readDetailPrint(Buffer.alloc(32 * 32).toString('base64')), readDetailPrint(Buffer.alloc(16 * 16).toString('base64')))).toThrow(
      /different sizes/,
    );
  });

  it('falls back to the mean colour for images imported before colour prints', () => {
    const old = (id: number, mean: number[]): DuplicateCandidate => ({
      id,
      phash: '8000000000000000',
      width: 64,
      height: 64,
      bytes: 0,
      quality: JSON.stringify({ meanR: mean[0], meanG: mean[1], meanB: mean[2] }),
    });
    expect(duplicateGroups([old(1, [200, 100, 50]), old(2, [205, 104, 55]), old(3, [120, 100, 50])], 6)).toEqual([{ ids: [1, 2], keep: 1 }]);
  });

  it('refuses colour prints of different sizes', () => {
    const print = (side: number) => readColourPrint(Buffer.alloc(side * side * 3, 200).toString('base64'));
    expect(() => colourMismatch(print(16), print(8))).toThrow(/different sizes/);
    expect(() => readColourPrint(Buffer.from([1, 2]).toString('base64'))).toThrow(/three bytes per cell/);
    expect(() => readColourPrint(Buffer.alloc(2 * 3 * 3).toString('base64'))).toThrow(/square/);
  });

  it('answers sameColours exactly as the full comparison does (its quick bound never rejects a match)', async () => {
    const files = readdirSync(twemoji)
      .filter((f) => f.endsWith('.png'))
      .sort()
      .filter((_, i) => i % 60 === 0);
    const prints = await Promise.all(files.map(async (f) => readColourPrint((await analyseImage(join(twemoji, f))).quality.colourPrint!)));
    const copies = await Promise.all(
      files
        .slice(0, 12)
        .map(async (f) =>
          readColourPrint(
            (await analyseImage(await sharp(join(twemoji, f)).modulate({ brightness: 1.05 }).webp({ quality: 75 }).toBuffer())).quality.colourPrint!,
          ),
        ),
    );
    let same = 0;
    const all = [...prints, ...copies];
    for (const a of all) {
      for (const b of all) {
        const exact = colourMismatch(a, b) <= 1;
        expect(sameColours(a, b)).toBe(exact);
        if (exact) same++;
      }
    }
    expect(same).toBeGreaterThan(all.length); // each with itself, and copies with their originals
  });
});
