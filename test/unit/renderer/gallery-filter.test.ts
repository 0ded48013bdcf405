import { describe, expect, it } from 'vitest';
import {
  dayStart,
  describeGalleryFilter,
  galleryInput,
  isGalleryFiltered,
  modelKey,
  noGalleryFilter,
  parseModelKey,
  parseSeed,
} from '../../../src-renderer/src/lib/gallery-filter';

describe('gallery filter', () => {
  it('sends only what narrows the list, and always the sort', () => {
    // Walks and interpolations are one tile each unless a batch is expanded; the bin is a view of its own, never grouped.
    expect(galleryInput(noGalleryFilter)).toEqual({ sort: 'newest', grouped: true });
    expect(galleryInput({ ...noGalleryFilter, batch: 12 })).toEqual({ sort: 'newest', batchId: 12 });
    expect(galleryInput({ ...noGalleryFilter, bin: true })).toEqual({ sort: 'newest', bin: true });
    expect(isGalleryFiltered({ ...noGalleryFilter, bin: true })).toBe(false);
    expect(isGalleryFiltered({ ...noGalleryFilter, batch: 12 })).toBe(true);
    expect(isGalleryFiltered(noGalleryFilter)).toBe(false);
    expect(isGalleryFiltered({ ...noGalleryFilter, sort: 'rating' })).toBe(false);
    expect(
      galleryInput({ ...noGalleryFilter, text: '  red fox ', tag: 'fox', model: { runId: 3 }, seed: 0, origin: 'walk', minRating: 4, sort: 'oldest' }),
    ).toEqual({ sort: 'oldest', text: 'red fox', tag: 'fox', runId: 3, seed: 0, origin: 'walk', minRating: 4, grouped: true });
    expect(galleryInput({ ...noGalleryFilter, model: { checkpointId: 12 } })).toEqual({ sort: 'newest', checkpointId: 12, grouped: true });
    expect(isGalleryFiltered({ ...noGalleryFilter, seed: 0 })).toBe(true);
    expect(galleryInput({ ...noGalleryFilter, notReviewedByMe: true, favourites: true, sort: 'predicted' })).toEqual({
      sort: 'predicted',
      notReviewedByMe: true,
      favourites: true,
      grouped: true,
    });
    expect(isGalleryFiltered({ ...noGalleryFilter, sort: 'predicted' })).toBe(false);
    expect(isGalleryFiltered({ ...noGalleryFilter, favourites: true })).toBe(true);
  });

  it('turns local calendar days into the instants the store compares, the end day included', () => {
    const input = galleryInput({ ...noGalleryFilter, from: '2026-05-02', to: '2026-05-03' });
    expect(input.from).toBe(new Date(2026, 4, 2).toISOString());
    expect(input.to).toBe(new Date(2026, 4, 4).toISOString());
    expect(dayStart('2026-12-31', 1)).toBe(new Date(2027, 0, 1).toISOString());
    expect(dayStart('yesterday')).toBeNull();
    expect(galleryInput({ ...noGalleryFilter, from: 'nonsense' })).toEqual({ sort: 'newest', grouped: true });
  });

  it('round-trips the model choice through a <select> value', () => {
    expect(modelKey(null)).toBe('');
    expect(modelKey({ runId: 3 })).toBe('run:3');
    expect(parseModelKey('ck:12')).toEqual({ checkpointId: 12 });
    expect(parseModelKey(modelKey({ runId: 7 }))).toEqual({ runId: 7 });
    expect(parseModelKey('')).toBeNull();
  });

  it('reads a seed field', () => {
    expect(parseSeed(' 42 ')).toBe(42);
    expect(parseSeed('')).toBeNull();
    expect(parseSeed('4.2')).toBeNull();
    expect(parseSeed('99999999999')).toBeNull();
  });

  it('describes the filter in words', () => {
    expect(describeGalleryFilter(noGalleryFilter)).toBe('');
    expect(
      describeGalleryFilter(
        {
          ...noGalleryFilter,
          text: 'red',
          tag: 'fox',
          model: { runId: 2 },
          seed: 7,
          origin: 'postprocess',
          minRating: 3,
          from: '2026-05-02',
          to: '2026-05-02',
        },
        () => 'Foxes run',
      ),
    ).toBe('prompt has “red” · tagged “fox” · Foxes run · seed 7 · post-processed · rated 3+ stars · on 2026-05-02');
    expect(describeGalleryFilter({ ...noGalleryFilter, minRating: 5, to: '2026-05-09' })).toBe('rated 5 stars · until 2026-05-09');
    expect(describeGalleryFilter({ ...noGalleryFilter, model: { checkpointId: 4 }, from: '2026-05-01' })).toBe('checkpoint 4 · from 2026-05-01');
    expect(describeGalleryFilter({ ...noGalleryFilter, notReviewedByMe: true, favourites: true })).toBe('not reviewed by you · favourites');
  });
});
