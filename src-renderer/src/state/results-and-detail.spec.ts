import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-preload/api';
import type { CopyCheckT, GeneratedBatchT, GenerationDetailT, JobFinishedT, JobProgressT } from '../../../src-preload/contract';
import { fakeTransport, image, imageDetail, settle } from '../testing/fake-transport';
import { Detail, type DetailJobsLink } from './detail.svelte';
import { promptResult, Results } from './results.svelte';

const batch = (ids: number[]): GeneratedBatchT => ({ batchId: 1, items: ids.map((id, index) => image(id, { index })), ms: 40, notes: [], previews: null });

function setup() {
  const fake = fakeTransport();
  const gallery = {
    invalidated: [] as boolean[],
    shownTimes: 0,
    invalidate(now: boolean) {
      this.invalidated.push(now);
    },
    shown() {
      this.shownTimes++;
    },
  };
  let made = 0;
  const results = new Results({ quietApi: fake.api, gallery, onMade: () => made++ });
  const jobs = fakeJobs();
  const detail = new Detail({ quietApi: fake.api, results, jobs });
  detail.connect();
  return { fake, gallery, results, detail, jobs, made: () => made };
}

/** The window's jobs as the pane sees them: events pushed by the spec, jobs started recorded. */
function fakeJobs() {
  const progress = new Set<(p: JobProgressT) => void>();
  const finished = new Set<(f: JobFinishedT) => void>();
  const begun: { jobId: string; total: number }[] = [];
  const link: DetailJobsLink = {
    onProgress: (l) => (progress.add(l), () => progress.delete(l)),
    onFinished: (l) => (finished.add(l), () => finished.delete(l)),
    started: (jobId, _kind, _runId, total) => void begun.push({ jobId, total }),
  };
  return {
    ...link,
    begun,
    progress: (jobId: string, fraction: number, message: string) => {
      for (const l of progress) l({ jobId, kind: 'evaluate', runId: null, step: 0, total: 1, fraction, message });
    },
    finish: (jobId: string, status: JobFinishedT['status'] = 'done', message?: string) => {
      for (const l of finished) l({ jobId, kind: 'evaluate', runId: null, status, ...(message ? { error: { code: 'job-failed', message } } : {}) });
    },
  };
}

/** A generation's detail as generations:get answers it. */
const detailOf = (id: number, copies: CopyCheckT | null = null): GenerationDetailT => imageDetail(id, { copies });

const checked = (id: number): CopyCheckT => ({
  sample: `generated/${id}.png`,
  assetId: 11,
  assetName: 'red heart.png',
  assetFile: 'thumbs/ab.webp',
  featureDistance: 0.41,
  pixelAssetId: 12,
  pixelAssetName: 'blue heart.png',
  pixelAssetFile: 'thumbs/cd.webp',
  pixelDistance: 0.12,
  possibleCopy: false,
  checkedAt: '2026-12-03T14:00:00Z',
  threshold: { feature: 0.2, pixel: 0.03 },
});

describe('Results', () => {
  it('an animation failure is forgotten when another image opens or the pane closes', async () => {
    const { results, detail, fake } = setup();
    const r = results.push(promptResult(batch([1, 2, 3])));
    fake.answer({
      'generations:animate': () => {
        throw new ApiError('io', 'The disk is full');
      },
    });
    await results.animate(r.key, 'gif');
    expect(results.animateError).toBe('The disk is full');
    detail.openImage(r.items[0]!);
    expect(results.animateError).toBeNull();
    await results.animate(r.key, 'gif');
    expect(results.animateError).toBe('The disk is full');
    detail.close();
    expect(results.animateError).toBeNull();
  });

  it('results arrive newest first, are shown, and selecting another shows it', () => {
    const { results, gallery, made } = setup();
    expect(results.shown).toBeNull();
    const first = results.push(promptResult(batch([1, 2])));
    expect(results.tab).toBe('results');
    expect(results.shown?.key).toBe(first.key);
    expect(results.shown?.summary).toBe('seed 42 · 2 images · 40 ms');
    const second = results.push(promptResult(batch([3])));
    expect(results.list.map((r) => r.key)).toEqual([second.key, first.key]);
    expect(results.shown?.key).toBe(second.key);
    results.show(first.key);
    expect(results.shown?.items.map((g) => g.id)).toEqual([1, 2]);
    expect(gallery.invalidated).toEqual([false, false]);
    expect(made()).toBe(2);
    results.showGallery();
    expect(results.tab).toBe('gallery');
    expect(gallery.shownTimes).toBe(1);
  });

  it('keeps a dozen results', () => {
    const { results } = setup();
    for (let i = 1; i <= 14; i++) results.push(promptResult(batch([i])));
    expect(results.list).toHaveLength(12);
  });

  it('an animation failure surfaces in place', async () => {
    const { results, fake } = setup();
    const r = results.push(promptResult(batch([1, 2, 3])));
    fake.answer({
      'generations:animate': () => {
        throw new ApiError('io', 'The disk is full');
      },
    });
    await results.animate(r.key, 'gif');
    expect(results.animating).toBe(false);
    expect(results.animateError).toBe('The disk is full');
    fake.answer({ 'generations:animate': () => ({ file: 'exports/a.gif', frames: 3 }) });
    await results.animate(r.key, 'gif');
    expect(results.animateError).toBeNull();
    expect(results.shown?.animations.gif).toEqual({ file: 'exports/a.gif', frames: 3 });
  });
});

describe('Detail', () => {
  it('opening an image loads its detail; a failed load says why', async () => {
    const { detail, fake } = setup();
    fake.answer({
      'generations:get': ({ id }) => imageDetail(id, { checkpointStep: 300, latentNorm: 11, latentDim: 128 }),
    });
    detail.pick(image(5));
    expect(detail.open?.id).toBe(5);
    await new Promise((r) => setTimeout(r, 0));
    expect(detail.detail?.runName).toBe('hearts');
    fake.answer({
      'generations:get': () => {
        throw new ApiError('not-found', 'Image #6 is gone');
      },
    });
    detail.openImage(image(6));
    await new Promise((r) => setTimeout(r, 0));
    expect(detail.detailError).toBe('Image #6 is gone');
    detail.close();
    expect(detail.open).toBeNull();
    expect(detail.detailError).toBeNull();
  });

  it('regenerates the open image and keeps the verdict for it', async () => {
    const { detail, fake } = setup();
    fake.answer({
      'generations:get': ({ id }) => imageDetail(id, { runName: 'r', checkpointStep: 1 }),
      'generations:regenerate': () => ({ identical: true, differingBytes: 0, ms: 3, backend: 'cpu', restored: false }),
    });
    detail.openImage(image(9));
    await detail.regenerate();
    expect(detail.regenerated).toMatchObject({ id: 9, identical: true });
    expect(detail.busy.regenerate).toBe(false);
    fake.answer({
      'generations:regenerate': () => {
        throw new ApiError('internal', 'The generator crashed');
      },
    });
    await detail.regenerate();
    expect(detail.regenerated).toBeNull();
    expect(detail.errors.regenerate).toBe('The generator crashed');
  });

  it('Regenerate is a new roll: the same prompt, model and truncation, no seed, as a new batch', async () => {
    const { detail, fake, results } = setup();
    fake.answer({
      'generations:get': ({ id }) => imageDetail(id),
      'generations:create': () => batch([21, 22]),
    });
    detail.openImage(image(9, { prompt: 'heart:1.5, seed:7, n:2', truncation: 0.7, checkpointId: 4 }));
    await detail.reroll();
    expect(fake.calls.find((c) => c.name === 'generations:create')?.input).toEqual({ prompt: 'heart:1.5, n:2', checkpointId: 4, count: 16, truncation: 0.7 });
    expect(results.shown?.items.map((g) => g.id)).toEqual([21, 22]);
    expect(detail.open?.id).toBe(9);
  });

  it('the pane follows a batch chosen or newly generated, not one made from the open image', async () => {
    const { detail, fake, results } = setup();
    fake.answer({ 'generations:get': ({ id }) => imageDetail(id) });
    results.onShown = (r, how) => detail.follow(r, how);
    results.push(promptResult(batch([1, 2])));
    detail.openImage(image(2));
    results.push({ kind: 'walk', title: 'w', summary: '', items: [image(5), image(6)], notes: [], columns: 2 });
    expect(detail.open?.id).toBe(2);
    results.push(promptResult(batch([8, 9])));
    expect(detail.open?.id).toBe(8);
    results.show(results.list.find((r) => r.kind === 'walk')!.key);
    expect(detail.open?.id).toBe(5);
  });

  it('keeps the results for a reload and shows them again as the images now stand', async () => {
    const saved: { text: string | null } = { text: null };
    const memory = { load: () => saved.text, save: (t: string) => void (saved.text = t) };
    const gallery = { invalidate() {}, shown() {} };
    const fake = fakeTransport({ 'generations:shown': ({ ids }) => ({ items: ids.filter((id) => id !== 2).map((id) => image(id, { rating: 3 })) }) });
    const before = new Results({ quietApi: fake.api, gallery, memory: () => memory });
    before.push(promptResult(batch([1, 2, 3])));
    before.push({ kind: 'walk', title: 'Latent walk around #1', summary: '3×3', items: [image(4)], notes: [], columns: 3 });
    before.show(before.list[1]!.key);
    const after = new Results({ quietApi: fake.api, gallery, memory: () => memory });
    await after.restore();
    expect(after.tab).toBe('results');
    expect(after.list.map((r) => [r.kind, r.title, r.columns, r.items.map((g) => g.id)])).toEqual([
      ['walk', 'Latent walk around #1', 3, [4]],
      ['prompt', 'heart', null, [1, 3]], // #2 was binned since
    ]);
    expect(after.shown?.kind).toBe('prompt');
    expect(after.list[1]!.items[0]!.rating).toBe(3);
    after.push(promptResult(batch([7])));
    expect(new Set(after.list.map((r) => r.key)).size).toBe(3);
  });

  it('while picking, a click ends the interpolation instead of opening', async () => {
    const { detail, fake, results } = setup();
    fake.answer({
      'generations:get': ({ id }) => imageDetail(id, { runName: 'r', checkpointStep: 1 }),
      'generations:interpolate': () => batch([20, 21, 22]),
    });
    detail.openImage(image(1));
    detail.picking = true;
    detail.pick(image(2));
    expect(detail.open?.id).toBe(1);
    expect(detail.interpolateEnd?.id).toBe(2);
    expect(detail.picking).toBe(false);
    await detail.interpolate({ generationId: 2 }, 3);
    expect(results.shown?.title).toBe('Interpolation #1 → #2');
    expect(fake.calls.find((c) => c.name === 'generations:interpolate')?.input).toEqual({
      from: { generationId: 1 },
      to: { generationId: 2 },
      steps: 3,
      checkpointId: 7,
    });
  });

  it('rating patches the open image, the results and refreshes the gallery', async () => {
    const { detail, fake, results, gallery } = setup();
    fake.answer({
      'generations:get': ({ id }) => imageDetail(id, { runName: 'r', checkpointStep: 1 }),
      // Another reviewer gave image 1 two stars: the mean is 3 once mine are in.
      'reviews:set': ({ ids, change }) => ({
        updated: ids.length,
        items: ids.map((id) => image(id, { rating: 3, ratings: 2, mine: { stars: change.stars ?? 0, favourite: false, reject: null, comment: '' } })),
      }),
    });
    results.push(promptResult(batch([1, 2])));
    detail.openImage(image(1));
    await detail.rate([1], 4);
    expect(fake.calls.find((c) => c.name === 'reviews:set')?.input).toEqual({ ids: [1], change: { stars: 4 } });
    expect(detail.open?.mine?.stars).toBe(4);
    expect(detail.open).toMatchObject({ rating: 3, ratings: 2 });
    expect(results.shown?.items.map((g) => g.rating)).toEqual([3, 0]);
    expect(gallery.invalidated.at(-1)).toBe(false); // The results tab is open: the gallery refetches when shown.
  });

  it('rating asks for a reviewer name first, and rates nothing when the person declines', async () => {
    const fake = fakeTransport({ 'reviews:set': ({ ids }) => ({ updated: ids.length, items: ids.map((id) => image(id)) }) });
    const results = new Results({ quietApi: fake.api, gallery: { invalidate() {}, shown() {} }, onMade: () => {} });
    let answer = false;
    let asked = 0;
    const detail = new Detail({
      quietApi: fake.api,
      results,
      jobs: fakeJobs(),
      ensureReviewer: () => {
        asked++;
        return Promise.resolve(answer);
      },
    });
    await detail.rate([1], 5);
    expect(asked).toBe(1);
    expect(fake.calls.filter((c) => c.name === 'reviews:set')).toHaveLength(0);
    answer = true;
    await detail.rate([1], 5);
    expect(fake.calls.filter((c) => c.name === 'reviews:set')).toHaveLength(1);
  });

  it('checking for copies starts a job, shows its progress, and shows the nearest training image once done', async () => {
    const { detail, fake, jobs } = setup();
    const done = new Set<number>();
    fake.answer({
      'generations:get': ({ id }) => detailOf(id, done.has(id) ? checked(id) : null),
      'generations:checkCopies': () => ({ jobId: 'j1' }),
    });
    detail.openImage(image(5));
    await settle();
    expect(detail.detail?.copies).toBeNull();
    await detail.checkCopies([5, 6, 7]);
    expect(fake.calls.find((c) => c.name === 'generations:checkCopies')?.input).toEqual({ ids: [5, 6, 7] });
    expect(jobs.begun).toEqual([{ jobId: 'j1', total: 3 }]);
    expect(detail.copyJob).toMatchObject({ jobId: 'j1', fraction: 0 });
    jobs.progress('j1', 0.5, 'Checking 2 of 3 images for copies');
    jobs.progress('other', 0.9, 'An evaluation of another run');
    expect(detail.copyJob).toMatchObject({ fraction: 0.5, message: 'Checking 2 of 3 images for copies' });
    // A second press while it runs starts nothing.
    await detail.checkCopies();
    expect(fake.calls.filter((c) => c.name === 'generations:checkCopies')).toHaveLength(1);
    done.add(5);
    jobs.finish('j1');
    expect(detail.copyJob).toBeNull();
    await settle();
    expect(detail.detail?.copies).toMatchObject({ assetName: 'red heart.png', possibleCopy: false });
  });

  it('a check the engine refuses, or a job that fails, says why in place', async () => {
    const { detail, fake, jobs } = setup();
    fake.answer({
      'generations:get': ({ id }) => detailOf(id),
      'generations:checkCopies': () => {
        throw new ApiError('invalid-state', 'This project has fewer than two training images to compare these images with.');
      },
    });
    detail.openImage(image(5));
    await detail.checkCopies();
    expect(detail.errors.copies).toMatch(/fewer than two training images/);
    expect(detail.copyJob).toBeNull();
    expect(detail.busy.copies).toBe(false);
    fake.answer({ 'generations:checkCopies': () => ({ jobId: 'j2' }) });
    await detail.checkCopies();
    expect(detail.errors.copies).toBeUndefined();
    jobs.finish('j2', 'failed', 'The training images are gone');
    expect(detail.errors.copies).toBe('The training images are gone');
    expect(detail.copyJob).toBeNull();
  });

  it('a job that ends before its start is answered still counts', async () => {
    const { detail, fake, jobs } = setup();
    let checkedYet = false;
    fake.answer({
      'generations:get': ({ id }) => detailOf(id, checkedYet ? checked(id) : null),
      'generations:checkCopies': () => {
        checkedYet = true;
        jobs.finish('j3');
        return { jobId: 'j3' };
      },
    });
    detail.openImage(image(5));
    await settle();
    await detail.checkCopies();
    expect(detail.copyJob).toBeNull();
    await settle();
    expect(detail.detail?.copies?.assetName).toBe('red heart.png');
  });

  it('another image forgets the pending check and its error; back on the first, its job shows again', async () => {
    const { detail, fake, jobs } = setup();
    fake.answer({ 'generations:get': ({ id }) => detailOf(id), 'generations:checkCopies': () => ({ jobId: 'j4' }) });
    detail.openImage(image(5));
    await detail.checkCopies();
    expect(detail.copyJob?.jobId).toBe('j4');
    detail.openImage(image(8));
    expect(detail.copyJob).toBeNull();
    await settle();
    const gets = fake.calls.filter((c) => c.name === 'generations:get').length;
    jobs.finish('j4', 'failed', 'No disk space');
    await settle();
    // Image 8 was not checked: no refetch, no error on it.
    expect(fake.calls.filter((c) => c.name === 'generations:get')).toHaveLength(gets);
    expect(detail.errors.copies).toBeUndefined();

    fake.answer({ 'generations:checkCopies': () => ({ jobId: 'j5' }) });
    await detail.checkCopies();
    detail.openImage(image(5));
    expect(detail.copyJob).toBeNull();
    detail.openImage(image(8));
    expect(detail.copyJob?.jobId).toBe('j5');
    fake.answer({
      'generations:checkCopies': () => {
        throw new ApiError('not-found', 'There is no generated image 9 in this project.');
      },
    });
    detail.openImage(image(9));
    await detail.checkCopies();
    expect(detail.errors.copies).toMatch(/no generated image 9/);
    detail.openImage(image(5));
    expect(detail.errors.copies).toBeUndefined();
  });
});
