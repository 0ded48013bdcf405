import { describe, expect, it } from 'vitest';
import { describeFilter, filterInput, isFiltered, noFilter, splitError } from '../../../src-renderer/src/lib/asset-filter';
import { formatBytes, measureRows } from '../../../src-renderer/src/lib/quality-words';

describe('asset filter', () => {
  it('sends only what narrows the list', () => {
    expect(filterInput(noFilter)).toEqual({});
    expect(isFiltered(noFilter)).toBe(false);
    expect(filterInput({ tag: 'cat', split: 'none', flag: 'blurry', excluded: 'hide', ids: null, rating: 'all' })).toEqual({
      tag: 'cat',
      split: 'none',
      flag: 'blurry',
      excluded: false,
    });
    expect(filterInput({ ...noFilter, excluded: 'only' })).toEqual({ excluded: true });
    expect(filterInput({ ...noFilter, rating: 3 })).toEqual({ minRating: 3 });
    expect(filterInput({ ...noFilter, rating: 'unrated' })).toEqual({ unrated: true });
    expect(isFiltered({ ...noFilter, rating: 1 })).toBe(true);
  });

  it('describes the filter in words', () => {
    expect(describeFilter(noFilter)).toBe('');
    expect(describeFilter({ tag: 'cat', split: 'train', flag: 'too-dark', excluded: 'only', ids: null, rating: 3 }, () => 'Too dark')).toBe(
      'tagged “cat” · in train · flagged too dark · rated 3+ stars · excluded only',
    );
    expect([1, 5, 'unrated'].map((rating) => describeFilter({ ...noFilter, rating: rating as 1 }))).toEqual(['rated', 'rated 5 stars', 'unrated']);
    expect(describeFilter({ ...noFilter, ids: [4, 9, 12] })).toBe('one group of 3 near-duplicates');
    expect(filterInput({ ...noFilter, ids: [4, 9] })).toEqual({ ids: [4, 9] });
  });

  it('checks that split percentages add up to 100', () => {
    expect(splitError(80, 10, 10)).toBeNull();
    expect(splitError(80, 10, 5)).toBe('Train, validation and test add up to 95%, not 100%.');
    expect(splitError(80.5, 10, 9.5)).toMatch(/whole number/);
    expect(splitError(-1, 50, 51)).toMatch(/Train/);
  });
});

describe('quality words', () => {
  it('turns measures into readable rows in a stable order', () => {
    const rows = measureRows({ aspect: 0.5, meanLuma: 127.5, saturation: 0.25, width: 10, laplacianVariance: 12.34 });
    expect(rows.map((r) => [r.label, r.value])).toEqual([
      ['Brightness', '50%'],
      ['Colourfulness', '25%'],
      ['Sharpness', '12.3'],
      ['Aspect', '1 : 2.00'],
    ]);
    expect(measureRows(null)).toEqual([]);
  });

  it('formats bytes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2048)).toBe('2.0 KB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MB');
    expect(formatBytes(2.5 * 1024 ** 3)).toBe('2.50 GB'); // a GPU's memory
  });
});
