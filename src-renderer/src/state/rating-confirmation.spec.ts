import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RATING_TOAST, RatingConfirmation } from './rating-confirmation.svelte';
import { Toasts } from './toasts.svelte';

/** An undo log as the engine keeps it: labels, newest last; undo pops one. */
function engine(labels: string[] = []) {
  const log = [...labels];
  return {
    log,
    lastEdit: async () => log.at(-1) ?? null,
    undo: async () => log.pop() ?? null,
  };
}

function setup(labels: string[] = []) {
  const toasts = new Toasts();
  const log = engine(labels);
  const refresh = vi.fn(async () => {});
  const ratings = new RatingConfirmation({ toasts, lastEdit: log.lastEdit, undo: log.undo, refresh });
  const rate = (label: string, message = `Rated 1 image (${label})`) => {
    log.log.push(label);
    ratings.rated(message, label);
  };
  return { toasts, log, ratings, refresh, rate };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('RatingConfirmation', () => {
  it('keeps one toast for a run of ratings, saying the latest and how many', () => {
    const { toasts, rate } = setup(['tag hero on 4 images']);
    rate('rate 1 image 4 stars', 'Rated 1 image 4 stars');
    expect(toasts.items).toHaveLength(1);
    const id = toasts.items[0]!.id;
    rate('rate 1 image 2 stars', 'Rated 1 image 2 stars');
    rate('rate 3 images 5 stars', 'Rated 3 images 5 stars');
    expect(toasts.items).toHaveLength(1);
    expect(toasts.items[0]).toMatchObject({ id, key: RATING_TOAST, message: 'Rated 3 images 5 stars · 3 ratings in a row' });
    expect(toasts.items[0]!.action).toMatchObject({ label: 'Undo', description: 'Undo these 3 ratings' });
  });

  it('Undo reverts the whole run, newest first, and not the edit before it', async () => {
    const { toasts, log, ratings, refresh, rate } = setup(['tag hero on 4 images']);
    rate('rate 1 image 4 stars');
    rate('rate 1 image 2 stars');
    toasts.items[0]!.action!.run();
    await vi.waitFor(() => expect(ratings.undoing).toBe(false));
    await vi.runAllTicks();
    expect(log.log).toEqual(['tag hero on 4 images']);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(toasts.items).toHaveLength(1);
    expect(toasts.items[0]!.message).toBe('2 ratings undone: the previous ratings are back');
    expect(toasts.items[0]!.action).toBeUndefined();
    expect(ratings.pending).toBe(0);
  });

  it('stops at an edit that is not one of its ratings', async () => {
    const { toasts, log, ratings, rate } = setup();
    rate('rate 1 image 4 stars');
    rate('rate 1 image 2 stars');
    log.log.push('exclude 1 image'); // made elsewhere (another window), unseen by this one
    await ratings.undo();
    expect(log.log).toEqual(['rate 1 image 4 stars', 'rate 1 image 2 stars', 'exclude 1 image']);
    expect(toasts.items[0]!.message).toBe('Undid 0 of 2 ratings: another edit came after them');
  });

  it('a rating that changed nothing replaces the message and keeps the Undo of the run', () => {
    const { toasts, ratings, rate } = setup();
    ratings.rated('This image already has 4 stars', null);
    expect(toasts.items[0]!.action).toBeUndefined();
    rate('rate 1 image 4 stars');
    ratings.rated('This image already has 4 stars', null);
    expect(toasts.items[0]!.message).toBe('This image already has 4 stars');
    expect(toasts.items[0]!.action?.description).toBe('Undo this rating');
  });

  it('another edit ends the run; a new rating after the toast has gone starts a new one', () => {
    const { toasts, ratings, rate } = setup();
    rate('rate 1 image 4 stars');
    ratings.interrupted();
    expect(toasts.items).toHaveLength(0);
    rate('rate 1 image 3 stars');
    expect(ratings.pending).toBe(1);
    vi.advanceTimersByTime(8000); // the confirmation times out
    expect(toasts.items).toHaveLength(0);
    expect(ratings.pending).toBe(0);
    rate('rate 1 image 1 star', 'Rated 1 image 1 star');
    expect(toasts.items[0]!.message).toBe('Rated 1 image 1 star');
    expect(ratings.pending).toBe(1);
  });
});

describe('Toasts', () => {
  it('a keyed message replaces its slot and restarts its time; plain ones still stack', () => {
    const toasts = new Toasts();
    toasts.push('info', 'Imported 3 images');
    toasts.show('slot', 'success', 'first');
    vi.advanceTimersByTime(4000);
    toasts.show('slot', 'success', 'second');
    vi.advanceTimersByTime(4000);
    expect(toasts.items.map((t) => t.message)).toEqual(['second']); // the plain one timed out at 5 s
    vi.advanceTimersByTime(1500);
    expect(toasts.has('slot')).toBe(false);
    toasts.push('error', 'Disk full');
    toasts.push('error', 'Disk full');
    expect(toasts.items).toHaveLength(1);
    expect(toasts.items[0]!.repeats).toBe(2);
  });
});
