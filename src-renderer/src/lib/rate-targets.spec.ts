import { describe, expect, it } from 'vitest';
import { rateTargets } from './rate-targets';

describe('rateTargets', () => {
  it('rates the focused image when nothing else is selected', () => {
    expect(rateTargets([], 7)).toEqual([7]);
    expect(rateTargets([3], 7)).toEqual([7]); // 3 was clicked, then the arrows moved to 7
  });

  it('rates the selection when it is several images or holds the focused one', () => {
    expect(rateTargets([3, 4, 5], 9)).toEqual([3, 4, 5]);
    expect(rateTargets([7], 7)).toEqual([7]);
    expect(rateTargets([3, 4], null)).toEqual([3, 4]);
    expect(rateTargets([], null)).toEqual([]);
  });
});
