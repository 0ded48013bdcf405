// The quality flags on real photographs, not only on flat art: a folder of colour photographs
// (scikit-image's samples and the MATE desktop's nature photos, fetched from Debian by
// scripts/calibration-photos.sh, which .ci/run calls) is not flagged wholesale, and the flags
// still fire on photographs that deserve them: black-and-white ones among colour, blurred ones.
// Outside CI, without the photos (no apt), the file is skipped and says why; in CI it fails.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseImage } from '../../../src-main/datasets/perceptual-hash.js';
import { datasetSaturation, defaultThresholds, qualityFlags, type QualityMeasures } from '../../../src-main/datasets/quality.js';

const root = process.env.ATELIER_PHOTOS ?? join(process.cwd(), '.cache/photos');
const present = existsSync(join(root, 'colour')) && existsSync(join(root, 'gray'));
const files = (dir: string) =>
  present
    ? readdirSync(join(root, dir))
        .sort()
        .map((f) => join(root, dir, f))
    : [];

it.runIf(!present && process.env.CI)('has the calibration photographs (scripts/calibration-photos.sh fetches them)', () => {
  expect(present, `no photographs in ${root}: run scripts/calibration-photos.sh`).toBe(true);
});

describe.skipIf(!present)(`quality flags on photographs (${root})`, () => {
  const colour: { file: string; q: QualityMeasures }[] = [];
  const gray: { file: string; q: QualityMeasures }[] = [];
  beforeAll(async () => {
    for (const file of files('colour')) colour.push({ file, q: (await analyseImage(file)).quality });
    for (const file of files('gray')) gray.push({ file, q: (await analyseImage(file)).quality });
  }, 60_000);

  it('leaves colour photographs unflagged: no blur, no grayscale; only the deep-field sky is dark', () => {
    expect(colour.length).toBeGreaterThanOrEqual(20);
    const set = datasetSaturation(colour.map((c) => c.q));
    expect(set.medianSaturation).toBeGreaterThanOrEqual(defaultThresholds.colourDatasetFrom);
    const flagged = colour.map((c) => ({ file: c.file.split('/').pop(), flags: qualityFlags(c.q, defaultThresholds, set) })).filter((c) => c.flags.length > 0);
    expect(flagged).toEqual([{ file: 'sk-hubble_deep_field.jpg', flags: ['too-dark'] }]);
  });

  it('flags the black-and-white photographs among the colour ones as grayscale, and nothing else about them', () => {
    const set = datasetSaturation([...colour, ...gray].map((c) => c.q));
    for (const g of gray) expect(qualityFlags(g.q, defaultThresholds, set), g.file).toEqual(['grayscale']);
    // A black-and-white set of its own is not a set of mistakes.
    const own = datasetSaturation(gray.map((g) => g.q));
    for (const g of gray) expect(qualityFlags(g.q, defaultThresholds, own), g.file).toEqual([]);
  });

  it('flags a photograph blurred at σ = 4 px (at 256 px) as blurry, and not the same photograph sharp', async () => {
    let blurry = 0;
    for (const c of colour) {
      const b = (await analyseImage(await sharp(c.file).resize(256, 256, { fit: 'inside' }).blur(4).png().toBuffer())).quality;
      if (qualityFlags(b).includes('blurry')) blurry++;
      expect(qualityFlags(c.q)).not.toContain('blurry');
    }
    expect(blurry / colour.length).toBeGreaterThanOrEqual(0.9);
  }, 60_000);
});
