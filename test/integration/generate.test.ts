// Generation through the studio's contract with the real generator process: prompts steer a
// conditional model (a tiny cGAN trained here on red and blue images), every image is stored with
// its provenance and regenerates bit for bit — also variations, walks, interpolations and
// post-processed copies — and the gallery filters, exports and animations work on the results.
import { existsSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GeneratedBatchT, GenerationDetailT, GenerationT } from '../../src-preload/contract';
import type { JobChannel, LaunchJob } from '../../src-main/host/job-protocol';
import { importFiles } from '../../src-main/datasets/import';
import { forkLauncher } from '../../src-main/host/jobs';
import { createStudio, type Studio } from '../../src-main/host/studio';
import { Workstation } from '../../src-main/feedback/workstation';
import { initBackend } from '../../src-main/ml/backend';
import { saveCheckpoint } from '../../src-main/ml/checkpoint';
import type { Project } from '../../src-main/store/project';
import { defaultTrainConfig, train } from '../../src-main/ml/train';
import { twoColours } from '../fixtures/two-colours';
import { routerCalls } from './router-calls';

const JOB_PROCESS = fileURLToPath(new URL('../../src-main/host/job-process.ts', import.meta.url));
let root: string;
let dir: string;
let studio: Studio;
let project: Project;

/** Every process the studio launched, and whether it still runs: watched through the launcher, on any OS. */
const launched: { job: JobChannel; running: boolean; exited: Promise<void> }[] = [];
function recording(launch: LaunchJob): LaunchJob {
  return () => {
    const job = launch();
    const entry = { job, running: true, exited: Promise.resolve() };
    entry.exited = new Promise((resolve) =>
      job.onExit(() => {
        entry.running = false;
        resolve();
      }),
    );
    launched.push(entry);
    return job;
  };
}

const { call, failure } = routerCalls(() => studio);

/** A generated image's file, once on disk (a Generate answers before its PNGs are written, as the file server waits). */
async function pixels(file: string): Promise<Buffer> {
  await studio.filesWritten();
  return sharp(join(dir, file)).raw().toBuffer();
}

/** Mean red minus mean blue over a batch's files, in 0–255 units. */
async function redness(items: GenerationT[]): Promise<number> {
  let total = 0;
  for (const g of items) {
    const px = await pixels(g.file);
    let r = 0;
    let b = 0;
    for (let i = 0; i < px.length; i += 3) {
      r += px[i]!;
      b += px[i + 2]!;
    }
    total += (r - b) / (px.length / 3);
  }
  return total / items.length;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'atelier-generate-'));
  dir = join(root, 'p');
  studio = createStudio({
    launchJob: recording(forkLauncher(JOB_PROCESS)),
    log: () => {},
    lockProjects: false,
    runQueue: false,
    workstation: new Workstation(join(root, 'config', 'workstation.json')),
  });
  ({ project } = await studio.createProject(dir));
  // The project's vocabulary: a red and a blue image, tagged.
  const files = [];
  for (const [name, colour] of [
    ['red', { r: 220, g: 30, b: 30 }],
    ['blue', { r: 30, g: 30, b: 220 }],
  ] as const) {
    const file = join(root, `${name}.png`);
    await sharp({ create: { width: 32, height: 32, channels: 3, background: colour } })
      .png()
      .toFile(file);
    files.push({ path: file, tags: [name] });
  }
  await importFiles(project, files);
  // A tiny conditional GAN that has learnt red for class 0 and blue for class 1.
  await initBackend({ only: 'wasm' });
  const config = defaultTrainConfig({
    family: 'cgan',
    classes: 2,
    steps: 120,
    batchSize: 16,
    lrG: 2e-3,
    lrD: 2e-3,
    loss: 'hinge',
    width: 8,
    latentDim: 16,
    seed: 5,
  });
  const { state } = await train(twoColours(32), config);
  await saveCheckpoint(project.path('checkpoints/run-1/step-0000120'), state);
  const runId = project.runs.create({
    name: 'cGAN 32px test',
    model: 'cgan',
    size: 32,
    preset: 'small',
    steps: 120,
    batchSize: 16,
    seed: 5,
    settings: { classes: ['red', 'blue'], config },
    assets: [],
    status: 'done',
  });
  project.runs.addCheckpoint(runId, 120, 'checkpoints/run-1/step-0000120');
}, 120_000);

afterAll(() => {
  studio?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('generating from prompts', () => {
  let red: GeneratedBatchT;
  let blue: GeneratedBatchT;

  it('offers the checkpoint and the project vocabulary, and says nothing is missing for a conditional model', async () => {
    const options = await call<{
      generators: { checkpointId: number; classes: string[] }[];
      current: { checkpointId: number } | null;
      vocabulary: string[];
      note: string | null;
    }>('generations:options', {});
    expect(options.generators).toHaveLength(1);
    expect(options.generators[0]!.classes).toEqual(['red', 'blue']);
    expect(options.current?.checkpointId).toBe(options.generators[0]!.checkpointId);
    expect([...options.vocabulary].sort()).toEqual(['blue', 'red']);
    expect(options.note).toBeNull();
  });

  it('steers the model by tag: a red prompt draws red, a blue prompt blue', async () => {
    red = await call<GeneratedBatchT>('generations:create', { prompt: 'red, seed:7, n:8' });
    blue = await call<GeneratedBatchT>('generations:create', { prompt: 'blue, seed:7, n:8' });
    expect(red.items).toHaveLength(8);
    await studio.filesWritten();
    expect(red.items.every((g) => existsSync(join(dir, g.file)) && g.prompt === 'red, seed:7, n:8' && g.seed === 7)).toBe(true);
    expect(await redness(red.items)).toBeGreaterThan(60);
    expect(await redness(blue.items)).toBeLessThan(-60);
    expect(blue.batchId).toBe(red.batchId + 1);
  });

  it('gives the same images for the same seed, however many are asked for', async () => {
    const three = await call<GeneratedBatchT>('generations:create', { prompt: 'red', seed: 7, count: 3 });
    for (let i = 0; i < 3; i++) expect((await pixels(three.items[i]!.file)).equals(await pixels(red.items[i]!.file))).toBe(true);
    expect((await pixels(red.items[0]!.file)).equals(await pixels(red.items[1]!.file))).toBe(false);
  });

  it('refuses an unknown tag with the closest known ones, and an unknown run by name', async () => {
    const bad = await failure('generations:create', { prompt: 'redd, n:2' });
    expect(bad.code).toBe('invalid-prompt');
    expect(bad.message).toContain("'red'");
    const parsed = await call<{ ok: boolean; problems: { term: string; suggestions: string[] }[] }>('prompts:parse', { text: 'red, bleu' });
    expect(parsed.ok).toBe(false);
    expect(parsed.problems[0]).toMatchObject({ term: 'bleu', suggestions: ['blue'] });
    expect((await failure('generations:create', { prompt: 'red, @run9' })).message).toContain('run 9');
    expect((await failure('generations:create', { prompt: 'red', checkpointId: 99 })).code).toBe('not-found');
  });

  it('completes tags and option keys, and keeps the prompt history', async () => {
    const done = await call<{ from: number; to: number; options: { tag: string }[] }>('prompts:complete', { text: 'red, bl', cursor: 7 });
    expect(done.from).toBe(5);
    expect(done.options[0]!.tag).toBe('blue');
    const history = await call<{ text: string; uses: number }[]>('prompts:history', {});
    expect(history.map((h) => h.text)).toEqual(expect.arrayContaining(['red, seed:7, n:8', 'blue, seed:7, n:8']));
    const saved = await call<{ id: number }>('prompts:saveTemplate', { name: 'Reds', text: 'red:2, -blue' });
    expect(await call('prompts:templates', {})).toEqual([expect.objectContaining({ id: saved.id, name: 'Reds', text: 'red:2, -blue' })]);
    expect(await call('prompts:deleteTemplate', { id: saved.id })).toEqual({ deleted: true });
  });

  it('stores provenance: checkpoint, run, seed, latent and conditioning', async () => {
    const d = await call<GenerationDetailT>('generations:get', { id: red.items[2]!.id });
    expect(d).toMatchObject({
      runName: 'cGAN 32px test',
      model: 'cgan',
      checkpointStep: 120,
      seed: 7,
      index: 2,
      latentDim: 16,
      origin: 'prompt',
      backend: 'wasm',
    });
    expect(d.conditioning).toEqual([{ tag: 'red', weight: 1 }]);
    expect(d.latentNorm).toBeGreaterThan(1);
  });

  it('starts a new generator process when the old one dies', async () => {
    // The generator is the one process running here: the model was trained and the images imported in this one.
    const running = () => launched.filter((p) => p.running);
    expect(running()).toHaveLength(1);
    const old = running()[0]!;
    old.job.kill(); // SIGKILL, as an out-of-memory killer would
    await old.exited;
    const again = await call<GeneratedBatchT>('generations:create', { prompt: 'red, seed:7, n:2' });
    expect((await pixels(again.items[1]!.file)).equals(await pixels(red.items[1]!.file))).toBe(true);
    expect(running()).toHaveLength(1);
    expect(running()[0]).not.toBe(old);
  });

  it('answers with the pixels of its files, so a fresh grid needs no file requests', async () => {
    expect(red.previews).toMatchObject({ size: 32, count: 8 });
    const inline = Buffer.from(red.previews!.rgb, 'base64');
    const per = 32 * 32 * 3;
    expect(inline.length).toBe(8 * per);
    for (let i = 0; i < 8; i++) expect(inline.subarray(i * per, (i + 1) * per).equals(await pixels(red.items[i]!.file))).toBe(true);
  });

  it('writes a missing file back when asked to regenerate it', async () => {
    const g = red.items[6]!;
    const before = await pixels(g.file);
    unlinkSync(join(dir, g.file));
    expect(await failure('generations:export', { ids: [g.id] })).toMatchObject({ code: 'missing-file' });
    expect(await call('generations:regenerate', { id: g.id })).toMatchObject({ restored: true, identical: false });
    expect((await pixels(g.file)).equals(before)).toBe(true);
    expect(await call('generations:regenerate', { id: g.id })).toMatchObject({ restored: false, identical: true });
  });

  it('regenerates an image bit-identically from its provenance', async () => {
    const r = await call<{ identical: boolean; differingBytes: number }>('generations:regenerate', { id: red.items[5]!.id });
    expect(r).toMatchObject({ identical: true, differingBytes: 0 });
  });
});

describe('exploring', () => {
  let parent: GenerationT;
  beforeAll(async () => {
    parent = (await call<GeneratedBatchT>('generations:create', { prompt: 'red, seed:11, n:1' })).items[0]!;
  });

  it('makes variations near an image: strength 0 is the image itself, more strength moves further', async () => {
    const same = await call<GeneratedBatchT>('generations:vary', { id: parent.id, count: 2, strength: 0, seed: 1 });
    expect((await pixels(same.items[0]!.file)).equals(await pixels(parent.file))).toBe(true);
    const near = await call<GeneratedBatchT>('generations:vary', { id: parent.id, count: 4, strength: 0.3, seed: 1 });
    const far = await call<GeneratedBatchT>('generations:vary', { id: parent.id, count: 4, strength: 1.5, seed: 1 });
    expect(near.items.every((g) => g.parentId === parent.id && g.origin === 'variation')).toBe(true);
    // The same seed gives each variation the same direction; strength is how far along it goes (1.5 / 0.3 = 5×).
    const latent = (g: GenerationT) => project.generations.get(g.id)!.latent!;
    const step = (g: GenerationT) => latent(g).map((v, k) => v - latent(parent)[k]!);
    const [nearStep, farStep] = [step(near.items[0]!), step(far.items[0]!)];
    expect(Math.hypot(...nearStep)).toBeGreaterThan(0.1);
    farStep.forEach((v, k) => expect(v).toBeCloseTo(5 * nearStep[k]!, 4));
    expect(await call('generations:regenerate', { id: far.items[3]!.id })).toMatchObject({ identical: true });
  });

  it('walks a grid around an image whose centre is the image', async () => {
    const walk = await call<GeneratedBatchT & { rows: number; columns: number }>('generations:walk', { id: parent.id, size: 3, radius: 1, seed: 3 });
    expect([walk.rows, walk.columns, walk.items.length]).toEqual([3, 3, 9]);
    expect((await pixels(walk.items[4]!.file)).equals(await pixels(parent.file))).toBe(true);
    const byTag = await call<GeneratedBatchT>('generations:walk', { id: parent.id, size: 3, direction: { tag: 'blue' }, radius: 2, seed: 3 });
    // Left to right the blue weight grows: the right column is bluer than the left.
    const column = (c: number) => [0, 1, 2].map((r) => byTag.items[r * 3 + c]!);
    expect(await redness(column(2))).toBeLessThan(await redness(column(0)));
    expect((await failure('generations:walk', { id: parent.id, direction: { tag: 'green' } })).message).toContain("'green'");
  });

  it('interpolates from a red image to a blue prompt, ends exact, in between in between', async () => {
    const strip = await call<GeneratedBatchT>('generations:interpolate', { from: { generationId: parent.id }, to: { prompt: 'blue, seed:4' }, steps: 5 });
    expect(strip.items).toHaveLength(5);
    expect((await pixels(strip.items[0]!.file)).equals(await pixels(parent.file))).toBe(true);
    const r = await Promise.all(strip.items.map((g) => redness([g])));
    expect(r[0]).toBeGreaterThan(r[4]!);
    expect(r[4]).toBeLessThan(-60);
    const gif = await call<{ file: string; frames: number }>('generations:animate', { ids: strip.items.map((g) => g.id), format: 'gif', fps: 10, size: 64 });
    expect(gif.frames).toBe(8); // 5 forward, 3 back
    const meta = await sharp(join(dir, gif.file), { animated: true }).metadata();
    expect([meta.format, meta.pages, meta.width, meta.pageHeight]).toEqual(['gif', 8, 64, 64]);
  });
});

describe('post-processing, export and the gallery', () => {
  it('post-processes into a new image, keeps the original, and regenerates the result exactly', async () => {
    const original = (await call<GeneratedBatchT>('generations:create', { prompt: 'blue, seed:21, n:1' })).items[0]!;
    const before = await pixels(original.file);
    const post = await call<GenerationT>('generations:postprocess', {
      id: original.id,
      steps: [
        { op: 'reducePalette', colours: 4 },
        { op: 'upscale', factor: 2, kernel: 'nearest' },
      ],
    });
    expect(post).toMatchObject({ parentId: original.id, origin: 'postprocess', width: 64, height: 64, post: [{ op: 'reducePalette' }, { op: 'upscale' }] });
    expect((await pixels(original.file)).equals(before)).toBe(true);
    const colours = new Set<number>();
    const px = await pixels(post.file);
    for (let i = 0; i < px.length; i += 3) colours.add((px[i]! << 16) | (px[i + 1]! << 8) | px[i + 2]!);
    expect(colours.size).toBeLessThanOrEqual(4);
    expect(await call('generations:regenerate', { id: post.id })).toMatchObject({ identical: true });
    const bad = await failure('generations:postprocess', { id: original.id, steps: [{ op: 'upscale', factor: 3, kernel: 'nearest' }] });
    expect(bad.code).toBe('invalid-input');
  });

  it('exports single files at a chosen size and a labelled contact sheet', async () => {
    const items = (await call<{ items: GenerationT[] }>('generations:list', { limit: 6 })).items;
    const single = await call<{ files: string[] }>('generations:export', { ids: items.slice(0, 2).map((g) => g.id), format: 'webp', size: 128 });
    expect(single.files).toHaveLength(2);
    expect(await sharp(join(dir, single.files[0]!)).metadata()).toMatchObject({ format: 'webp', width: 128, height: 128 });
    const sheet = await call<{ files: string[] }>('generations:export', { ids: items.map((g) => g.id), sheet: true, columns: 3 });
    const meta = await sharp(join(dir, sheet.files[0]!)).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThanOrEqual(3 * 32);
  });

  it('filters the gallery by prompt text, tag, seed, origin, rating and date, and sorts by rating', async () => {
    const list = (input: object) => call<{ total: number; items: GenerationT[] }>('generations:list', input);
    const all = await list({ limit: 2000 });
    expect(all.total).toBe(all.items.length);
    const byTag = await list({ tag: 'blue', limit: 2000 });
    expect(byTag.total).toBeGreaterThan(0);
    expect(byTag.items.every((g) => g.prompt.includes('blue'))).toBe(true);
    expect((await list({ text: 'seed:7 blue', limit: 2000 })).total).toBe(8);
    expect((await list({ seed: 11, origin: 'prompt' })).total).toBe(1);
    const rated = all.items.slice(3, 6).map((g) => g.id);
    // A rating records who gave it: this workstation's reviewer.
    expect((await failure('generations:rate', { ids: rated, rating: 4 })).code).toBe('no-reviewer');
    await call('reviewer:set', { name: 'Tester' });
    expect(await call('generations:rate', { ids: rated, rating: 4 })).toEqual({ updated: 3 });
    expect((await list({ minRating: 4 })).items.map((g) => g.id).sort()).toEqual([...rated].sort());
    expect((await list({ sort: 'rating', limit: 3 })).items.every((g) => g.rating === 4)).toBe(true);
    expect((await list({ from: '2100-01-01' })).total).toBe(0);
    expect((await failure('generations:rate', { ids: rated, rating: 6 })).code).toBe('invalid-input');
  });
});
