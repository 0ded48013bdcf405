// Review and the team's taste through the studio's contract, with the real job process: reviews
// under the workstation's reviewer name (two reviewers kept apart and averaged), the errors a
// page or the CLI meets, and the preference model on a fixture whose ratings follow a visible
// rule — brightness: it says "too few ratings" below its threshold, and with enough it ranks
// images it never saw as the rule does, better than a constant guess.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationT, PreferenceStatusT } from '../../src-preload/contract';
import { spearman } from '../../src-main/feedback/preference';
import { Workstation } from '../../src-main/feedback/workstation';
import { forkLauncher } from '../../src-main/host/jobs';
import { createStudio, type Studio } from '../../src-main/host/studio';
import type { Project } from '../../src-main/store/project';
import { routerCalls } from './router-calls';
import { generationRow } from '../fixtures/generation-row';

const JOB_PROCESS = fileURLToPath(new URL('../../src-main/host/job-process.ts', import.meta.url));
const IMAGES = 64;
let root: string;
let studio: Studio;
let project: Project;
let workstation: Workstation;
/** Brightness of each generated image (0–1), by id. */
const brightness = new Map<number, number>();
let ids: number[] = [];

const { call, failure } = routerCalls(() => studio);

/** The rule the team rates by: brighter is better, 1–5 stars. */
const stars = (b: number) => 1 + Math.round(b * 4);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'atelier-review-'));
  workstation = new Workstation(join(root, 'config', 'workstation.json'));
  studio = createStudio({ launchJob: forkLauncher(JOB_PROCESS), log: () => {}, lockProjects: false, runQueue: false, workstation });
  ({ project } = await studio.createProject(join(root, 'p')));
  const runId = project.runs.create({
    name: 'test',
    model: 'dcgan',
    size: 32,
    preset: 'small',
    steps: 1,
    batchSize: 8,
    seed: 1,
    settings: {},
    assets: [],
    status: 'done',
  });
  const checkpointId = project.runs.addCheckpoint(runId, 1, 'checkpoints/run-1/step-1');
  // Shapes of many colours and brightnesses, drawn as a model would have drawn them.
  const items: { b: number; file: string }[] = [];
  mkdirSync(project.path('samples/fixture'), { recursive: true });
  for (let i = 0; i < IMAGES; i++) {
    const b = ((i * 37) % IMAGES) / (IMAGES - 1);
    const hue = (i * 97) % 360;
    const level = 25 + b * 215;
    const [r, g, bl] = [0, 120, 240].map((o) => Math.round(level * (0.6 + 0.4 * Math.cos(((hue + o) * Math.PI) / 180))));
    const shape =
      i % 3 === 0
        ? `<circle cx="16" cy="16" r="${8 + (i % 6)}"/>`
        : i % 3 === 1
          ? `<rect x="${5 + (i % 5)}" y="6" width="20" height="${14 + (i % 7)}"/>`
          : `<polygon points="16,3 29,28 3,28"/>`;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="rgb(${Math.round(level * 0.5)},${Math.round(level * 0.5)},${Math.round(level * 0.5)})"/><g fill="rgb(${r},${g},${bl})">${shape}</g></svg>`;
    const file = `samples/fixture/${i}.png`;
    await sharp(Buffer.from(svg)).png().toFile(project.path(file));
    items.push({ b, file });
  }
  const { ids: made } = project.generations.addBatch(items.map((it, i) => generationRow({ checkpointId, seed: 1, index: i, file: it.file })));
  ids = made;
  made.forEach((id, i) => brightness.set(id, items[i]!.b));
}, 60_000);

afterAll(() => {
  studio?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('reviews through the contract', () => {
  it('asks for a reviewer name first, then records who rated what and when', async () => {
    expect(await call('reviewer:get', {})).toEqual({ name: null, known: [] });
    const refused = await failure('reviews:set', { ids: [ids[0]], change: { stars: 4 } });
    expect(refused.code).toBe('no-reviewer');
    expect((await failure('reviewer:set', { name: '   ' })).message).toMatch(/reviewer name/);
    expect(await call('reviewer:set', { name: '  Ana ' })).toEqual({ name: 'Ana' });
    expect(workstation.reviewer()).toBe('Ana');
    const answer = await call<{ updated: number; items: GenerationT[] }>('reviews:set', { ids: [ids[0]], change: { stars: 4, comment: 'warm light' } });
    expect(answer.updated).toBe(1);
    expect(answer.items[0]).toMatchObject({ rating: 4, ratings: 1, mine: { stars: 4, favourite: false, reject: null, comment: 'warm light' } });
  });

  it("keeps two reviewers' ratings of one image apart, averages them and marks their disagreement", async () => {
    await call('reviews:set', { ids: [ids[0]], change: { stars: 1, reject: 'artefacts' }, reviewer: 'Bo' });
    const { reviews } = await call<{ reviews: { reviewer: string; stars: number; reject: string | null; updatedAt: string }[] }>('reviews:list', {
      generationId: ids[0],
    });
    expect(reviews.map((r) => [r.reviewer, r.stars, r.reject])).toEqual([
      ['Ana', 4, null],
      ['Bo', 1, 'artefacts'],
    ]);
    expect(reviews.every((r) => /^\d{4}-\d\d-\d\dT/.test(r.updatedAt))).toBe(true);
    const page = await call<{ items: GenerationT[] }>('generations:list', { batchId: 1, sort: 'oldest', limit: 5 });
    expect(page.items[0]).toMatchObject({ rating: 2.5, ratings: 2, disagreement: true, rejects: 1, mine: { stars: 4 } });
    const notMine = await call<{ ids: number[] }>('generations:ids', { notReviewedByMe: true, sort: 'oldest' });
    expect(notMine.ids).toEqual(ids.slice(1));
    expect((await call<{ known: string[] }>('reviewer:get', {})).known).toEqual(['Ana', 'Bo']);
    // Clean up so the taste tests start from Ana's ratings alone.
    await call('reviews:set', { ids: [ids[0]], change: { stars: 0, reject: null }, reviewer: 'Bo' });
  });

  it('refuses a wrong payload naming what is wrong, and changes nothing', async () => {
    const before = await call<{ reviews: unknown[] }>('reviews:list', { generationId: ids[1] });
    expect((await failure('reviews:set', { ids: [ids[1]], change: { stars: 6 } })).message).toMatch(/stars/);
    expect((await failure('reviews:set', { ids: [ids[1]], change: { reject: 'ugly' } })).message).toMatch(/reject/);
    expect((await failure('reviews:set', { ids: [ids[1]], change: { comment: 'x'.repeat(2001) } })).message).toMatch(/comment/);
    expect((await failure('reviews:set', { ids: [ids[1], 999_999], change: { stars: 3 } })).code).toBe('not-found');
    expect((await failure('reviews:queue', { batchId: 77, reviewers: ['Cy'] })).code).toBe('not-found');
    expect(await call('reviews:list', { generationId: ids[1] })).toEqual(before);
  });

  it('sends a batch to reviewers, pending until each has been through it', async () => {
    const { queues } = await call<{ queues: { reviewer: string; pending: boolean; images: number; reviewed: number }[] }>('reviews:queue', {
      batchId: 1,
      reviewers: ['Cy'],
    });
    expect(queues.map((q) => [q.reviewer, q.images, q.reviewed, q.pending])).toEqual([['Cy', IMAGES, 0, true]]);
    await call('reviews:set', { ids, change: { favourite: true }, reviewer: 'Cy' });
    const after = await call<{ queues: { pending: boolean }[] }>('reviews:queues', { reviewer: 'Cy' });
    expect(after.queues.map((q) => q.pending)).toEqual([false]);
    await call('reviews:set', { ids, change: { favourite: false }, reviewer: 'Cy' });
  });
});

describe("the team's taste", () => {
  async function learn(): Promise<PreferenceStatusT> {
    const { jobId } = await call<{ jobId: string }>('preference:train', {});
    const done = await studio.waitForJob(jobId);
    expect(done.status, done.error?.message).toBe('done');
    return call<PreferenceStatusT>('preference:status', {});
  }

  it('says plainly when there are too few ratings to trust it', async () => {
    // Ana has rated one image; nine more by the rule.
    for (const id of ids.slice(1, 10)) await call('reviews:set', { ids: [id], change: { stars: stars(brightness.get(id)!) } });
    const status = await learn();
    expect(status.rated).toBe(10);
    expect(status.needed).toBe(20);
    expect(status.model).toMatchObject({ ratings: 10, trusted: false });
    expect(status.model!.verdict).toMatch(/^Too few ratings to trust: 10 rated images; it needs at least 20/);
  }, 120_000);

  it('predicts unseen ratings by the visible rule, better than a constant guess', async () => {
    const rated = ids.slice(0, 48);
    await call('reviews:set', { ids: [ids[0]], change: { stars: stars(brightness.get(ids[0]!)!), comment: '' } });
    for (const id of rated.slice(10)) await call('reviews:set', { ids: [id], change: { stars: stars(brightness.get(id)!) } });
    const status = await learn();
    const model = status.model!;
    expect(model.ratings).toBe(48);
    // Held out: k-fold over the 48 ratings, each fold predicted by a model that never saw it.
    expect(model.spearman!).toBeGreaterThan(0.6);
    expect(model.mae!).toBeLessThan(model.baselineMae! * 0.8);
    expect(model.trusted).toBe(true);
    expect(model.verdict).toMatch(/^Predicts the team's ratings/);
    // The 16 images nobody rated: ranked as the rule ranks them.
    const unseen = ids.slice(48);
    const { predictions } = await call<{ predictions: { id: number; predicted: number | null }[] }>('preference:predict', { ids: unseen });
    expect(predictions.every((p) => p.predicted !== null && p.predicted >= 1 && p.predicted <= 5)).toBe(true);
    const rho = spearman(
      predictions.map((p) => p.predicted!),
      unseen.map((id) => brightness.get(id)!),
    );
    expect(rho).toBeGreaterThan(0.6);
    // The gallery sorts by it: the best predicted first.
    const best = await call<{ ids: number[] }>('generations:ids', { sort: 'predicted' });
    expect(best.ids).toHaveLength(IMAGES);
    const top = best.ids.slice(0, 8).map((id) => brightness.get(id)!);
    const bottom = best.ids.slice(-8).map((id) => brightness.get(id)!);
    expect(top.reduce((a, b) => a + b) / 8).toBeGreaterThan(bottom.reduce((a, b) => a + b) / 8 + 0.4);
  }, 180_000);
});
