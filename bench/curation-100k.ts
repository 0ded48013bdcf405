// A synthetic 100,000-image project (rows made here, no pixels): how long opening
// it, filtering the grid, bulk-tagging and rating 10,000 images and clustering near-duplicates
// take through the same router the app uses. Prints numbers; never fails on a timing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkLauncher } from '../src-main/host/jobs';
import { createStudio } from '../src-main/host/studio';
import { makeSyntheticProject } from './synthetic-project';

const N = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'atelier-bench-100k-'));
const ms = (t: number) => `${(performance.now() - t).toFixed(1)} ms`;

try {
  let t = performance.now();
  makeSyntheticProject(join(dir, 'big'), N);
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
  const ids = ((await call('assets:ids', { tag: 'tag-3' })).ids as number[])
    .concat(((await call('assets:ids', {})).ids as number[]).slice(0, 10_000))
    .slice(0, 10_000);
  t = performance.now();
  const tagged = await call('tags:apply', { ids, add: ['bulk'], remove: [] });
  console.log(`bulk tag ${ids.length.toLocaleString('en')} images: ${ms(t)} (${tagged.added} added)`);
  t = performance.now();
  await call('edits:undo', {});
  console.log(`undo that: ${ms(t)}`);
  t = performance.now();
  const rated = await call('assets:rate', { ids, rating: 4 });
  console.log(`rate ${ids.length.toLocaleString('en')} images 4 stars: ${ms(t)} (${rated.updated} updated)`);
  for (const [label, input] of [
    ['grid page, rating ≥ 4', { minRating: 4, offset: 5_000, limit: 200 }],
    ['grid page, unrated', { unrated: true, offset: 50_000, limit: 200 }],
  ] as const) {
    await call('assets:list', input);
    t = performance.now();
    const r = await call('assets:list', input);
    console.log(`${label}: ${ms(t)} (total ${(r.total as number).toLocaleString('en')})`);
  }
  t = performance.now();
  await call('edits:undo', {});
  console.log(`undo the rating: ${ms(t)}`);
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
