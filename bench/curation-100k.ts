// A synthetic 100,000-image project (rows made here, no pixels): how long opening
// it, filtering the grid, bulk-tagging 10,000 images and clustering near-duplicates
// take through the same router the app uses. Prints numbers; never fails on a timing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkLauncher } from '../src-main/host/jobs';
import { createStudio } from '../src-main/host/studio';
import { Project } from '../src-main/store/project';
import type { NewAsset } from '../src-main/store/assets';

const N = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'atelier-bench-100k-'));
const ms = (t: number) => `${(performance.now() - t).toFixed(1)} ms`;

try {
  // mulberry32: a small PRNG with a full 32-bit period, so hashes do not repeat by accident.
  let seed = 12345;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const hex = () => Math.floor(rand() * 2 ** 32).toString(16).padStart(8, '0');
  const tags = Array.from({ length: 60 }, (_, i) => `tag-${i}`);
  const project = Project.create(join(dir, 'big'));
  let t = performance.now();
  for (let start = 0; start < N; start += 10_000) {
    const batch: NewAsset[] = [];
    for (let i = start; i < Math.min(N, start + 10_000); i++) {
      const base = i % 1000 === 0 ? 'deadbeefdeadbeef' : hex() + hex(); // a few exact perceptual duplicates
      batch.push({
        hash: `${i.toString(16).padStart(8, '0')}${hex()}${hex()}${hex()}${hex()}${hex()}${hex()}${hex()}`,
        ext: 'png', name: `image-${i}.png`, width: 64, height: 64, bytes: 4000, hasAlpha: false, thumb: `thumbs/x/${i}.webp`,
        tags: [tags[Math.floor(rand() * 60)]!, tags[Math.floor(rand() * 60)]!],
        phash: base, quality: null, flags: rand() < 0.05 ? 1 << Math.floor(rand() * 7) : 0,
      });
    }
    project.assets.insertMany(batch);
  }
  project.close();
  console.log(`made ${N.toLocaleString('en')} rows in ${ms(t)}`);

  const studio = createStudio({ launchJob: forkLauncher(fileURLToPath(new URL('../src-main/host/job-process.ts', import.meta.url))), log: console.error });
  t = performance.now();
  const opened = studio.openProject(join(dir, 'big'));
  const summary = opened.summary();
  console.log(`open project + summary: ${ms(t)} (${summary.assetCount.toLocaleString('en')} images, ${summary.tagCount} tags)`);

  const call = async (name: string, input: unknown) => {
    const r = await studio.router.call(name, input);
    if (!r.ok) throw new Error(r.error.message);
    return r.result as Record<string, unknown>;
  };
  for (const [label, input] of [
    ['grid page, no filter', { offset: 50_000, limit: 200 }],
    ['grid page, tag filter', { tag: 'tag-7', offset: 500, limit: 200 }],
    ['grid page, flag filter', { flag: 'blurry', limit: 200 }],
    ['grid page, split filter', { split: 'none', offset: 20_000, limit: 200 }],
  ] as const) {
    await call('assets:list', input); // warm the statement cache
    t = performance.now();
    const r = await call('assets:list', input);
    console.log(`${label}: ${ms(t)} (total ${(r.total as number).toLocaleString('en')})`);
  }
  const ids = ((await call('assets:ids', { tag: 'tag-3' })).ids as number[]).concat(((await call('assets:ids', {})).ids as number[]).slice(0, 10_000)).slice(0, 10_000);
  t = performance.now();
  const tagged = await call('tags:apply', { ids, add: ['bulk'], remove: [] });
  console.log(`bulk tag ${ids.length.toLocaleString('en')} images: ${ms(t)} (${tagged.added} added)`);
  t = performance.now();
  await call('edits:undo', {});
  console.log(`undo that: ${ms(t)}`);
  for (const threshold of [0, 6]) {
    t = performance.now();
    const d = await call('duplicates:find', { threshold });
    console.log(`near-duplicate clusters at ${threshold} bits: ${ms(t)} (${(d.clusters as unknown[]).length} clusters)`);
  }
  t = performance.now();
  const s = await call('splits:assign', { train: 80, val: 10, test: 10, seed: 1 });
  console.log(`stratified split of ${N.toLocaleString('en')}: ${ms(t)}`, JSON.stringify(s.counts));
  studio.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
