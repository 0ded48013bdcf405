// The Data view's filter: tag, split, quality flag, exclusion and rating, as the person sets
// them and as `assets:list` / `assets:ids` take them. Pure, so it is unit-tested.
import type { OpInput } from '../../../src-preload/contract';

export type SplitFilter = 'all' | 'train' | 'val' | 'test' | 'none';
export type ExcludedFilter = 'show' | 'hide' | 'only';
/** 'all', 'unrated', or at least this many stars. */
export type RatingFilter = 'all' | 'unrated' | 1 | 2 | 3 | 4 | 5;
export type QualityFlagName = NonNullable<OpInput<'assets:ids'>['flag']>;

export interface AssetFilter {
  tag: string | null;
  split: SplitFilter;
  flag: QualityFlagName | null;
  excluded: ExcludedFilter;
  /** Only these images: one near-duplicate group opened in the grid. */
  ids: number[] | null;
  rating: RatingFilter;
}

export const noFilter: AssetFilter = { tag: null, split: 'all', flag: null, excluded: 'show', ids: null, rating: 'all' };

/** The filter fields of `assets:list` / `assets:ids`, leaving out what is not narrowed. */
export function filterInput(filter: AssetFilter): OpInput<'assets:ids'> {
  const input: OpInput<'assets:ids'> = {};
  if (filter.tag !== null) input.tag = filter.tag;
  if (filter.split !== 'all') input.split = filter.split;
  if (filter.flag !== null) input.flag = filter.flag;
  if (filter.excluded !== 'show') input.excluded = filter.excluded === 'only';
  if (filter.ids !== null) input.ids = filter.ids;
  if (filter.rating === 'unrated') input.unrated = true;
  else if (filter.rating !== 'all') input.minRating = filter.rating;
  return input;
}

export function isFiltered(filter: AssetFilter): boolean {
  return Object.keys(filterInput(filter)).length > 0;
}

const splitWords: Record<Exclude<SplitFilter, 'all'>, string> = { train: 'in train', val: 'in validation', test: 'in test', none: 'without a split' };

/** “rated”, “rated 3+ stars”, “rated 5 stars”, “unrated”. */
export function ratingWords(rating: Exclude<RatingFilter, 'all'>): string {
  if (rating === 'unrated') return 'unrated';
  if (rating === 1) return 'rated';
  return rating === 5 ? 'rated 5 stars' : `rated ${rating}+ stars`;
}

/** “tagged “cat” · in train · blurry · excluded only”: what narrows the count, in words. */
export function describeFilter(filter: AssetFilter, flagLabel: (flag: QualityFlagName) => string = (f) => f): string {
  const parts: string[] = [];
  if (filter.ids !== null) parts.push(`one group of ${filter.ids.length} near-duplicates`);
  if (filter.tag !== null) parts.push(`tagged “${filter.tag}”`);
  if (filter.split !== 'all') parts.push(splitWords[filter.split]);
  if (filter.flag !== null) parts.push(`flagged ${flagLabel(filter.flag).toLowerCase()}`);
  if (filter.rating !== 'all') parts.push(ratingWords(filter.rating));
  if (filter.excluded === 'hide') parts.push('excluded hidden');
  if (filter.excluded === 'only') parts.push('excluded only');
  return parts.join(' · ');
}

/** Split percentages are whole numbers that must add up to 100. */
export function splitError(train: number, val: number, test: number): string | null {
  for (const [name, v] of [
    ['Train', train],
    ['Validation', val],
    ['Test', test],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 100) return `${name} must be a whole number from 0 to 100.`;
  }
  const sum = train + val + test;
  return sum === 100 ? null : `Train, validation and test add up to ${sum}%, not 100%.`;
}
