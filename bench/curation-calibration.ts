// Calibrates the curate step on real art: near-duplicate grouping (pHash + colour print)
// over the whole starter set plus true near-duplicates made from it (resized, re-encoded,
// slightly brightened copies), and the quality flags on the starter (flat art) and on a
// folder of photographs. Prints numbers; never fails.
//
//   npx tsx bench/curation-calibration.ts [photo-folder]
//
// docs/curation.md records a run and where its photographs came from.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { duplicateGroups } from '../src-main/datasets/curation';
import {
  colourMismatch,
  DEFAULT_NEAR_DUPLICATE_THRESHOLD,
  detailMismatch,
  MAX_DETAIL_DIFFERENCE,
  readDetailPrint,
  MAX_CELL_COLOUR_DIFFERENCE,
  MAX_REGION_COLOUR_DIFFERENCE,
  readColourPrint,
} from '../src-main/datasets/near-duplicates';
import { analyseImage, hamming, type ImageAnalysis } from '../src-main/datasets/perceptual-hash';
import { candidateRow as row } from '../test/fixtures/curation-images';
import { datasetSaturation, defaultThresholds, QUALITY_FLAGS, qualityFlags, type QualityMeasures } from '../src-main/datasets/quality';

const root = join(process.cwd(), 'node_modules/emoji-datasource-twitter');
const dir = join(root, 'img/twitter/64');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.png'))
  .sort();
const names = new Map<string, string>();
for (const e of JSON.parse(readFileSync(join(root, 'emoji.json'), 'utf8')) as {
  image: string;
  short_name: string;
  skin_variations?: Record<string, { image: string }>;
}[]) {
  names.set(e.image, e.short_name);
  for (const [tone, v] of Object.entries(e.skin_variations ?? {})) names.set(v.image, `${e.short_name} (${tone})`);
}
const label = (f: string) => names.get(f) ?? f;
const bytes = files.map((f) => readFileSync(join(dir, f)));
// One picture is one set of pixels: some emoji are stored twice under two code points, and
// Bouvet Island, Norway and Svalbard share one flag drawn in three files that decode alike.
const sha = await Promise.all(
  bytes.map(async (b) =>
    createHash('sha256')
      .update(await sharp(b).ensureAlpha().raw().toBuffer())
      .digest('hex'),
  ),
);
const colourDistance = (a: ImageAnalysis, b: ImageAnalysis) => colourMismatch(readColourPrint(a.quality.colourPrint!), readColourPrint(b.quality.colourPrint!));
const detailDistance = (a: ImageAnalysis, b: ImageAnalysis) => detailMismatch(readDetailPrint(a.quality.detailPrint!), readDetailPrint(b.quality.detailPrint!));

async function analyseMany(inputs: Buffer[]): Promise<ImageAnalysis[]> {
  const out: ImageAnalysis[] = new Array(inputs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < inputs.length) {
        const i = next++;
        out[i] = await analyseImage(inputs[i]!);
      }
    }),
  );
  return out;
}

const started = performance.now();
const starter = await analyseMany(bytes);
console.log(`starter: ${files.length} images (emoji-datasource-twitter), analysed in ${((performance.now() - started) / 1000).toFixed(1)} s`);

// ── true near-duplicates: every 10th starter image, four ways
const copyKinds: [string, (b: Buffer) => Promise<Buffer>][] = [
  ['150 px JPEG q80', (b) => sharp(b).flatten({ background: '#ffffff' }).resize(150, 150).jpeg({ quality: 80 }).toBuffer()],
  ['WebP q75', (b) => sharp(b).webp({ quality: 75 }).toBuffer()],
  ['48 px PNG', (b) => sharp(b).resize(48, 48).png().toBuffer()],
  ['5% brighter', (b) => sharp(b).modulate({ brightness: 1.05 }).png().toBuffer()],
  // The copy test/e2e/curation.spec.ts imports: 60 px, 5% brighter, JPEG q90 (hard on 64-px flat art).
  ['60 px brighter JPEG', (b) => sharp(b).flatten({ background: '#ffffff' }).resize(60, 60).modulate({ brightness: 1.05 }).jpeg({ quality: 90 }).toBuffer()],
];
const copyOf: number[] = [];
const copyKind: string[] = [];
const copyBytes: Buffer[] = [];
for (let i = 0; i < bytes.length; i += 10) {
  for (const [kind, make] of copyKinds) {
    copyOf.push(i);
    copyKind.push(kind);
    copyBytes.push(await make(bytes[i]!));
  }
}
const copies = await analyseMany(copyBytes);

const starterRows = starter.map((a, i) => row(i, a));
const allRows = [...starterRows, ...copies.map((a, k) => row(files.length + k, a))];
const original = (id: number) => (id < files.length ? id : copyOf[id - files.length]!);

const quantile = (v: number[], q: number) => (v.length ? [...v].sort((a, b) => a - b)[Math.floor(q * (v.length - 1))]! : NaN);
const copyColour = copies.map((c, k) => colourDistance(starter[copyOf[k]!]!, c));
const copyBits = copies.map((c, k) => hamming(c.phash, starter[copyOf[k]!]!.phash));
const copyDetail = copies.map((c, k) => detailDistance(starter[copyOf[k]!]!, c));
console.log(`true near-duplicates: ${copies.length} copies of ${copies.length / copyKinds.length} starter images`);
for (const [kind] of copyKinds) {
  const ks = copyKind.map((k, i) => (k === kind ? i : -1)).filter((i) => i >= 0);
  const c = ks.map((i) => copyColour[i]!);
  const b = ks.map((i) => copyBits[i]!);
  const d = ks.map((i) => copyDetail[i]!);
  console.log(
    `  ${kind.padEnd(16)} hash bits p50 ${quantile(b, 0.5)} p99 ${quantile(b, 0.99)} max ${quantile(b, 1)}; colour mismatch p50 ${quantile(c, 0.5).toFixed(2)} p99 ${quantile(c, 0.99).toFixed(2)}; same colours ${((100 * c.filter((x) => x <= 1).length) / c.length).toFixed(1)}%; detail mismatch p50 ${quantile(d, 0.5).toFixed(2)} p99 ${quantile(d, 0.99).toFixed(2)}; same detail ${((100 * d.filter((x) => x <= 1).length) / d.length).toFixed(1)}%`,
  );
}

// Distinct starter pairs that the hash alone would join at 6 bits: how far apart their colours are.
const close: { i: number; j: number; bits: number; colour: number }[] = [];
for (let i = 0; i < starter.length; i++) {
  for (let j = i + 1; j < starter.length; j++) {
    if (sha[i] === sha[j]) continue;
    const bits = hamming(starter[i]!.phash, starter[j]!.phash);
    if (bits <= 8) close.push({ i, j, bits, colour: colourDistance(starter[i]!, starter[j]!) });
  }
}
const closeColour = close.map((c) => c.colour);
console.log(
  `distinct starter pairs within 8 hash bits: ${close.length}; their colour mismatch (exact up to 1, a lower bound above) p0 ${quantile(closeColour, 0).toFixed(2)} p1 ${quantile(closeColour, 0.01).toFixed(2)} p50 ${quantile(closeColour, 0.5).toFixed(2)}`,
);
for (const c of close.sort((a, b) => a.colour - b.colour).slice(0, 8)) {
  const detail = detailDistance(starter[c.i]!, starter[c.j]!);
  console.log(`  closest: ${label(files[c.i]!)} / ${label(files[c.j]!)}: ${c.bits} bits, colour ${c.colour.toFixed(2)}, detail ${detail.toFixed(2)}`);
}
// The pairs that pass the colour print: what the lightness print (MAX_DETAIL_DIFFERENCE ΔL* over 2×2 of 32×32) makes of them.
const sameColourPairs = close.filter((c) => c.colour <= 1);
const passing = sameColourPairs.filter((c) => detailDistance(starter[c.i]!, starter[c.j]!) <= 1);
console.log(
  `distinct pairs with the same colours: ${sameColourPairs.length}; with the same detail too (ΔL* ≤ ${MAX_DETAIL_DIFFERENCE}): ${passing.length}${passing.length ? ': ' + passing.map((c) => `${label(files[c.i]!)} / ${label(files[c.j]!)}`).join(', ') : ''}`,
);
const identical = new Map<string, number>();
for (const h of sha) identical.set(h, (identical.get(h) ?? 0) + 1);
console.log(`pixel-identical starter files (one picture under two or three names): ${[...identical.values()].filter((n) => n > 1).length} sets`);

console.log(
  `\ngrouping (colour mismatch ≤ 1: ΔE ≤ ${MAX_CELL_COLOUR_DIFFERENCE} per cell, ≤ ${MAX_REGION_COLOUR_DIFFERENCE} over 2-8-cell squares; detail ΔL* ≤ ${MAX_DETAIL_DIFFERENCE}; default threshold ${DEFAULT_NEAR_DUPLICATE_THRESHOLD} bits)`,
);
console.log('bits  starter groups  images  distinct-emoji groups | with copies: copies found (recall)  groups mixing two distinct emoji');
for (const t of [0, 2, 4, 6, 8, 10, 12]) {
  const groups = duplicateGroups(starterRows, t);
  const members = groups.reduce((s, g) => s + g.ids.length, 0);
  const distinct = groups.filter((g) => new Set(g.ids.map((id) => sha[id])).size > 1);
  const withCopies = duplicateGroups(allRows, t);
  let found = 0;
  let mixed = 0;
  const foundByKind = new Map<string, number>();
  for (const g of withCopies) {
    const originals = new Set(g.ids.map((id) => sha[original(id)]));
    if (originals.size > 1) mixed++;
    for (const id of g.ids) {
      if (id < files.length || !g.ids.some((o) => o !== id && sha[original(o)] === sha[original(id)])) continue;
      found++;
      const kind = copyKind[id - files.length]!;
      foundByKind.set(kind, (foundByKind.get(kind) ?? 0) + 1);
    }
  }
  console.log(
    `${String(t).padStart(4)}  ${String(groups.length).padStart(14)}  ${String(members).padStart(6)}  ${String(distinct.length).padStart(21)} | ${String(found).padStart(5)} / ${copies.length} (${((100 * found) / copies.length).toFixed(1)}%)  ${String(mixed).padStart(5)}`,
  );
  if (t === DEFAULT_NEAR_DUPLICATE_THRESHOLD) {
    const per = copies.length / copyKinds.length;
    console.log(`      copies found by kind: ${copyKinds.map(([k]) => `${k} ${((100 * (foundByKind.get(k) ?? 0)) / per).toFixed(1)}%`).join(', ')}`);
  }
  if (t === DEFAULT_NEAR_DUPLICATE_THRESHOLD) for (const g of distinct) console.log(`      grouped: ${g.ids.map((id) => label(files[id]!)).join(' / ')}`);
}

// ── quality flags: flat art (starter) and photographs
function flagReport(title: string, measures: QualityMeasures[], namesOf: string[]): void {
  const dataset = datasetSaturation(measures);
  const counts = new Map<string, string[]>();
  for (let i = 0; i < measures.length; i++)
    for (const f of qualityFlags(measures[i]!, defaultThresholds, dataset)) counts.set(f, [...(counts.get(f) ?? []), namesOf[i]!]);
  console.log(`${title}: ${measures.length} images, median saturation ${dataset.medianSaturation.toFixed(3)}`);
  for (const { flag } of QUALITY_FLAGS) {
    const hit = counts.get(flag) ?? [];
    if (hit.length)
      console.log(
        `  ${flag.padEnd(15)} ${String(hit.length).padStart(4)} (${((100 * hit.length) / measures.length).toFixed(1)}%) e.g. ${hit.slice(0, 4).join(', ')}`,
      );
  }
}
console.log('');
flagReport(
  'starter flags',
  starter.map((a) => a.quality),
  files.map(label),
);
const sharpness = starter.map((a) => a.quality.edgeSharpness!);
console.log(
  `  starter edge sharpness p0.1 ${quantile(sharpness, 0.001).toFixed(3)} p1 ${quantile(sharpness, 0.01).toFixed(3)} p50 ${quantile(sharpness, 0.5).toFixed(3)}`,
);
const blurredStarter = await analyseMany(
  await Promise.all(bytes.filter((_, i) => i % 20 === 0).map((b) => sharp(b).resize(128, 128).blur(2).png().toBuffer())),
);
const bs = blurredStarter.map((a) => a.quality.edgeSharpness!);
console.log(
  `  starter upscaled to 128 px and blurred σ=2 (${bs.length}): sharpness p50 ${quantile(bs, 0.5).toFixed(3)} p99 ${quantile(bs, 0.99).toFixed(3)}; flagged blurry ${blurredStarter.filter((a) => qualityFlags(a.quality).includes('blurry')).length}`,
);

const photoDir = process.argv[2];
if (photoDir && existsSync(photoDir)) {
  const photoFiles = readdirSync(photoDir)
    .filter((f) => /\.(png|jpe?g|webp)$/i.test(f))
    .sort();
  const photoBytes = photoFiles.map((f) => readFileSync(join(photoDir, f)));
  const photos = await analyseMany(photoBytes);
  console.log('');
  flagReport(
    `photographs in ${photoDir}`,
    photos.map((a) => a.quality),
    photoFiles,
  );
  for (let i = 0; i < photos.length; i++) {
    const q = photos[i]!.quality;
    console.log(`  ${photoFiles[i]!.padEnd(24)} ${q.width}×${q.height} sharpness ${q.edgeSharpness!.toFixed(3)} saturation ${q.saturation.toFixed(3)}`);
  }
  for (const sigma of [2, 4]) {
    const blurred = await analyseMany(await Promise.all(photoBytes.map((b) => sharp(b).resize(256, 256, { fit: 'inside' }).blur(sigma).png().toBuffer())));
    const s = blurred.map((a) => a.quality.edgeSharpness!);
    console.log(
      `  photos at 256 px blurred σ=${sigma}: sharpness max ${quantile(s, 1).toFixed(3)}; flagged blurry ${blurred.filter((a) => qualityFlags(a.quality).includes('blurry')).length} / ${blurred.length}`,
    );
  }
  const grey = await analyseMany(await Promise.all(photoBytes.map((b) => sharp(b).grayscale().png().toBuffer())));
  const colourSet = datasetSaturation(starter.map((a) => a.quality));
  console.log(
    `  photos turned grey, among the colourful starter: flagged grayscale ${grey.filter((a) => qualityFlags(a.quality, defaultThresholds, colourSet).includes('grayscale')).length} / ${grey.length}`,
  );
} else console.log('\n(no photo folder given: photographs not measured)');
