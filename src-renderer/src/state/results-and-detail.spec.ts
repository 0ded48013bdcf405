import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-preload/api';
import type { GeneratedBatchT } from '../../../src-preload/contract';
import { fakeTransport, image } from '../testing/fake-transport';
import { Detail } from './detail.svelte';
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
  const detail = new Detail({ quietApi: fake.api, results });
  return { fake, gallery, results, detail, made: () => made };
}

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
      'generations:get': ({ id }) => ({
        ...image(id),
        runName: 'hearts',
        model: 'cgan',
        checkpointStep: 300,
        backend: 'cpu',
        conditioning: [],
        latentNorm: 11,
        latentDim: 128,
        params: {},
        children: 0,
        copies: null,
      }),
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
      'generations:get': ({ id }) => ({
        ...image(id),
        runName: 'r',
        model: 'cgan',
        checkpointStep: 1,
        backend: 'cpu',
        conditioning: [],
        latentNorm: 1,
        latentDim: 8,
        params: {},
        children: 0,
        copies: null,
      }),
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

  it('while picking, a click ends the interpolation instead of opening', async () => {
    const { detail, fake, results } = setup();
    fake.answer({
      'generations:get': ({ id }) => ({
        ...image(id),
        runName: 'r',
        model: 'cgan',
        checkpointStep: 1,
        backend: 'cpu',
        conditioning: [],
        latentNorm: 1,
        latentDim: 8,
        params: {},
        children: 0,
        copies: null,
      }),
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
      'generations:get': ({ id }) => ({
        ...image(id),
        runName: 'r',
        model: 'cgan',
        checkpointStep: 1,
        backend: 'cpu',
        conditioning: [],
        latentNorm: 1,
        latentDim: 8,
        params: {},
        children: 0,
        copies: null,
      }),
      'generations:rate': ({ ids }) => ({ updated: ids.length }),
    });
    results.push(promptResult(batch([1, 2])));
    detail.openImage(image(1));
    await detail.rate([1], 4);
    expect(detail.open?.rating).toBe(4);
    expect(results.shown?.items.map((g) => g.rating)).toEqual([4, 0]);
    expect(gallery.invalidated.at(-1)).toBe(false); // The results tab is open: the gallery refetches when shown.
  });
});
