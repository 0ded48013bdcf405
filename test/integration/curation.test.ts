// The curate step through the router, as the app and the CLI drive it: import with
// progress, filters, bulk tags with undo, exclusion, ratings, near-duplicates, quality
// flags and splits with a lock.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, OpName, OpOutput } from '../../src-preload/contract';
import { forkLauncher } from '../../src-main/host/jobs';
import { createStudio, type Studio } from '../../src-main/host/studio';

const JOB_PROCESS = fileURLToPath(new URL('../../src-main/host/job-process.ts', import.meta.url));
let root: string;
let studio: Studio;

async function call<N extends OpName>(name: N, input: unknown = {}): Promise<OpOutput<N>> {
  const r = await studio.router.call(name, input);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result as OpOutput<N>;
}

/** A 48×48 picture: a coloured disc at a position, so images differ in structure, not just colour. */
function disc(seed: number, colour: [number, number, number]): Promise<Buffer> {
  const size = 48;
  const data = Buffer.alloc(size * size * 3, 255);
  const cx = 10 + ((seed * 7) % 28);
  const cy = 10 + ((seed * 13) % 28);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if ((x - cx) ** 2 + (y - cy) ** 2 < 64 + (seed % 5) * 20) data.set(colour, (y * size + x) * 3);
  return sharp(data, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'atelier-curate-'));
  const src = join(root, 'art');
  for (const [folder, colour] of [
    ['red', [220, 30, 30]],
    ['blue', [30, 60, 220]],
  ] as const) {
    mkdirSync(join(src, folder), { recursive: true });
    for (let i = 0; i < 20; i++) await sharp(await disc(i + (folder === 'blue' ? 100 : 0), [...colour])).toFile(join(src, folder, `${i}.png`));
  }
  // A near-duplicate: red/3 re-encoded as JPEG at a larger size.
  await sharp(join(src, 'red', '3.png'))
    .resize(96, 96)
    .jpeg({ quality: 80 })
    .toFile(join(src, 'red', '3-big.jpg'));
  // A quality problem: an all-black image.
  mkdirSync(join(src, 'misc'));
  await sharp({ create: { width: 48, height: 48, channels: 3, background: '#000' } })
    .png()
    .toFile(join(src, 'misc', 'black.png'));
  studio = createStudio({ launchJob: forkLauncher(JOB_PROCESS), log: () => {} });
  await studio.createProject(join(root, 'p'));
});
afterAll(() => {
  studio?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('curate', () => {
  it('imports with progress events and keeps a report', async () => {
    const events: [EventName, unknown][] = [];
    const stop = studio.router.subscribe((e, p) => events.push([e, p]));
    const report = await call('assets:import', { paths: [join(root, 'art')], tagsFromFolders: true });
    stop();
    expect(report).toMatchObject({ imported: 42, duplicates: 0, failed: [], cancelled: false });
    const progress = events.filter(([e]) => e === 'job:progress').map(([, p]) => p as { kind: string; step: number; total: number; message: string });
    expect(progress.at(-1)).toMatchObject({ kind: 'import', step: 42, total: 42 });
    expect(progress.at(-1)!.message).toMatch(/42 of 42 · [\d,]+ images\/s/);
    expect(events.find(([e]) => e === 'job:finished')?.[1]).toMatchObject({ kind: 'import', status: 'done' });
    expect(await call('imports:latest')).toMatchObject({ imported: 42 });
  });

  it('filters by tag, flag and exclusion, and bulk-tags a selection with undo', async () => {
    const red = await call('assets:ids', { tag: 'red' });
    expect(red.ids).toHaveLength(21);
    const tagged = await call('tags:apply', { ids: red.ids, add: ['warm', 'red'], remove: [] });
    expect(tagged).toEqual({ added: 21, removed: 0 });
    expect((await call('assets:list', { tag: 'warm' })).total).toBe(21);
    expect((await call('edits:last')).label).toBe('tag warm, red on 21 images');
    expect(await call('edits:undo')).toEqual({ undone: 'tag warm, red on 21 images', next: null });
    expect((await call('assets:list', { tag: 'warm' })).total).toBe(0);
    expect((await call('assets:list', { tag: 'red' })).total).toBe(21);

    const dark = await call('assets:list', { flag: 'too-dark' });
    expect(dark.items.map((a) => a.name)).toEqual(['black.png']);
    expect(dark.items[0]!.flags).toContain('too-dark');
    const summary = await call('quality:summary');
    expect(summary.find((s) => s.flag === 'too-dark')!.count).toBe(1);

    expect(await call('assets:exclude', { ids: [dark.items[0]!.id], excluded: true })).toEqual({ changed: 1 });
    expect((await call('assets:list', { excluded: true })).total).toBe(1);
    expect((await call('assets:get', { id: dark.items[0]!.id })).excluded).toBe(true);
    await call('edits:undo');
    expect((await call('assets:list', { excluded: true })).total).toBe(0);
  });

  it('rates a selection, filters by rating, and undoes the rating', async () => {
    const blue = (await call('assets:ids', { tag: 'blue' })).ids;
    expect(await call('assets:rate', { ids: blue.slice(0, 5), rating: 4 })).toEqual({ updated: 5 });
    expect(await call('assets:rate', { ids: blue.slice(3, 7), rating: 2 })).toEqual({ updated: 4 });
    expect((await call('assets:get', { id: blue[0]! })).rating).toBe(4);
    expect((await call('assets:list', { minRating: 3 })).items.map((a) => a.id)).toEqual(blue.slice(0, 3));
    expect((await call('assets:list', { minRating: 1, tag: 'red' })).total).toBe(0);
    expect((await call('assets:ids', { unrated: true })).ids).toHaveLength(42 - 7);
    expect((await call('edits:last')).label).toBe('rate 4 images 2 stars');
    await call('edits:undo');
    expect((await call('assets:list', { minRating: 3 })).total).toBe(5);
    const bad = await studio.router.call('assets:rate', { ids: [blue[0]], rating: 7 });
    expect(bad).toEqual({
      ok: false,
      error: { code: 'invalid-input', message: 'assets:rate was given invalid input — rating: rating is 0 (none) to 5 stars' },
    });
    expect(await call('assets:rate', { ids: blue, rating: 0 })).toEqual({ updated: 5 });
    expect((await call('assets:list', { minRating: 1 })).total).toBe(0);
  });

  it('renames a tag, merges onto an existing one, and undoes the merge', async () => {
    expect(await call('tags:rename', { from: 'misc', to: 'odd ones' })).toEqual({ merged: false });
    expect(await call('tags:rename', { from: 'odd ones', to: 'blue' })).toEqual({ merged: true });
    expect((await call('assets:list', { tag: 'blue' })).total).toBe(21);
    await call('edits:undo');
    expect((await call('assets:list', { tag: 'blue' })).total).toBe(20);
    expect((await call('assets:list', { tag: 'odd ones' })).total).toBe(1);
    const missing = await studio.router.call('tags:rename', { from: 'nope', to: 'x' });
    expect(missing).toEqual({ ok: false, error: { code: 'not-found', message: 'There is no tag called "nope".' } });
  });

  it('finds the re-encoded copy as a near-duplicate and keeps the larger one', async () => {
    const { clusters } = await call('duplicates:find', { threshold: 6 });
    const names = async (ids: number[]) => (await call('assets:list', { ids })).items.map((a) => a.name).sort();
    const withCopy = [];
    for (const c of clusters) if ((await names(c.ids)).includes('3-big.jpg')) withCopy.push(c);
    expect(withCopy).toHaveLength(1);
    expect(await names(withCopy[0]!.ids)).toEqual(['3-big.jpg', '3.png']);
    expect((await call('assets:get', { id: withCopy[0]!.keep })).name).toBe('3-big.jpg');
  });

  it('assigns stratified splits from a seed, and a locked split takes later imports', async () => {
    const info = await call('splits:assign', { train: 50, val: 25, test: 25, seed: 3 });
    expect(info.counts.none).toBe(0);
    expect(info.counts.train + info.counts.val + info.counts.test).toBe(42);
    const again = await call('splits:assign', { train: 50, val: 25, test: 25, seed: 3 });
    expect(again.counts).toEqual(info.counts);
    // Stratified: each colour folder is split about in half for train.
    const redTrain = (await call('assets:list', { tag: 'red', split: 'train' })).total;
    expect(redTrain).toBeGreaterThanOrEqual(9);
    expect(redTrain).toBeLessThanOrEqual(12);

    const bad = await studio.router.call('splits:assign', { train: 50, val: 30, test: 30 });
    expect(bad.ok).toBe(false);

    await call('splits:lock', { to: 'train' });
    const extra = join(root, 'extra');
    mkdirSync(extra);
    await sharp(await disc(77, [20, 200, 40])).toFile(join(extra, 'green.png'));
    await call('assets:import', { paths: [extra] });
    const green = (await call('assets:list', { split: 'train' })).items.find((a) => a.name === 'green.png');
    expect(green?.split).toBe('train');
    const test = await call('splits:info');
    expect(test).toMatchObject({ locked: 'train', counts: { test: info.counts.test, val: info.counts.val } });
  });

  it('cancels an import part-way: what arrived stays, consistently, and the report says cancelled', async () => {
    const many = join(root, 'many');
    mkdirSync(many);
    for (let i = 0; i < 300; i++) {
      const px = Buffer.alloc(16 * 16 * 3, 200);
      px.writeUInt16BE(i, 0);
      await sharp(px, { raw: { width: 16, height: 16, channels: 3 } })
        .png()
        .toFile(join(many, `${String(i).padStart(3, '0')}.png`));
    }
    const before = (await call('assets:list', { limit: 1 })).total;
    const stop = studio.router.subscribe((event, payload) => {
      const p = payload as { kind: string; step: number; jobId: string };
      if (event === 'job:progress' && p.kind === 'import' && p.step > 0) {
        stop();
        void studio.router.call('jobs:cancel', { jobId: p.jobId });
      }
    });
    const report = await call('assets:import', { paths: [many] });
    expect(report.cancelled).toBe(true);
    expect(report.imported).toBeGreaterThan(0);
    expect(report.imported).toBeLessThan(300);
    const after = (await call('assets:list', { limit: 1 })).total;
    expect(after - before).toBe(report.imported);
    // Every row that arrived has its original on disk; the rest can be imported again later.
    const arrived = await call('assets:list', { offset: before, limit: 300 });
    for (const a of arrived.items) expect(existsSync(join(root, 'p', (await call('assets:get', { id: a.id })).file))).toBe(true);
    expect(await call('imports:latest')).toMatchObject({ cancelled: true, imported: report.imported });
    const rest = await call('assets:import', { paths: [many] });
    expect(rest).toMatchObject({ cancelled: false, imported: 300 - report.imported, duplicates: report.imported });
  });

  it('refuses malformed curation payloads before they reach the store', async () => {
    for (const [name, input] of [
      ['tags:apply', { ids: [], add: ['x'] }],
      ['tags:apply', { ids: ['1'], add: ['x'] }],
      ['assets:exclude', { ids: [1] }],
      ['duplicates:find', { threshold: 40 }],
      ['splits:lock', { to: 'holdout' }],
      ['assets:list', { flag: 'ugly' }],
    ] as const) {
      const r = await studio.router.call(name, input);
      expect(r, `${name} ${JSON.stringify(input)}`).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    }
    expect(studio.project!.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});
