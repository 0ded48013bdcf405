// Splits: a pure function of ids, strata and seed; every stratum keeps its proportions.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src-main/ml/random.js';
import { assignLocked, assignSplits, splitCounts, SplitOptionsError, type Split, type SplitItem } from '../../../src-main/datasets/splits.js';

const options = { train: 70, val: 20, test: 10, seed: 42 };

/** Strata of very different sizes, ids not contiguous. */
function dataset(): SplitItem[] {
  const items: SplitItem[] = [];
  const sizes: Record<string, number> = { cat: 503, dog: 97, bird: 31, fish: 10, lizard: 3, owl: 1, '': 44 };
  let id = 1000;
  for (const [strata, n] of Object.entries(sizes)) for (let i = 0; i < n; i++) items.push({ id: (id += 3), strata });
  return items;
}

function shuffled<T>(a: T[], seed: number): T[] {
  const out = [...a];
  const rng = new Rng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const asObject = (m: Map<number, Split>) => Object.fromEntries([...m].sort((a, b) => a[0] - b[0]));

describe('assignSplits', () => {
  const items = dataset();

  it('puts every item in exactly one split', () => {
    const splits = assignSplits(items, options);
    expect(splits.size).toBe(items.length);
    for (const item of items) expect(['train', 'val', 'test']).toContain(splits.get(item.id));
  });

  it('is deterministic and independent of input order', () => {
    const a = assignSplits(items, options);
    expect(asObject(assignSplits(items, options))).toEqual(asObject(a));
    expect(asObject(assignSplits(shuffled(items, 1), options))).toEqual(asObject(a));
    expect(asObject(assignSplits([...items].reverse(), options))).toEqual(asObject(a));
  });

  it('changes with the seed', () => {
    const a = assignSplits(items, options);
    const b = assignSplits(items, { ...options, seed: 43 });
    const moved = items.filter((i) => a.get(i.id) !== b.get(i.id)).length;
    expect(moved).toBeGreaterThan(items.length / 10);
  });

  it('keeps each stratum within one item of its exact share', () => {
    for (const percent of [
      options,
      { train: 80, val: 10, test: 10, seed: 1 },
      { train: 34, val: 33, test: 33, seed: 2 },
      { train: 100, val: 0, test: 0, seed: 3 },
    ]) {
      const splits = assignSplits(items, percent);
      for (const strata of new Set(items.map((i) => i.strata))) {
        const members = items.filter((i) => i.strata === strata);
        for (const s of ['train', 'val', 'test'] as const) {
          const count = members.filter((i) => splits.get(i.id) === s).length;
          expect(Math.abs(count - (members.length * percent[s]) / 100), `${strata || '(untagged)'} ${s}`).toBeLessThan(1);
        }
      }
    }
  });

  it('gives a tiny stratum its first item in train', () => {
    const splits = assignSplits(items, { train: 30, val: 40, test: 30, seed: 5 });
    const owl = items.find((i) => i.strata === 'owl')!;
    expect(splits.get(owl.id)).toBe('train');
    expect(splitCounts(1, [30, 40, 30])).toEqual([1, 0, 0]);
    expect(splitCounts(2, [10, 45, 45])).toEqual([1, 1, 0]);
    expect(splitCounts(1, [0, 50, 50])).toEqual([0, 1, 0]);
  });

  it('does not reshuffle one stratum when another grows: at most its rounding edge moves', () => {
    const a = assignSplits(items, options);
    const more = [...items, { id: 1, strata: 'dog' }, { id: 2, strata: 'newt' }];
    const b = assignSplits(more, options);
    // The stratum keeps its shuffled order; only where the dataset-wide rounding cuts it may move by one item per boundary.
    const cats = items.filter((i) => i.strata === 'cat');
    const moved = cats.filter((item) => b.get(item.id) !== a.get(item.id));
    expect(moved.length).toBeLessThanOrEqual(2);
    expect(cats.length).toBeGreaterThan(10);
  });

  it('rejects shares that do not add up and repeated ids', () => {
    expect(() => assignSplits(items, { train: 70, val: 20, test: 20, seed: 1 })).toThrow(SplitOptionsError);
    expect(() => assignSplits(items, { train: 110, val: -10, test: 0, seed: 1 })).toThrow(/between 0 and 100/);
    expect(() =>
      assignSplits(
        [
          { id: 1, strata: 'a' },
          { id: 1, strata: 'b' },
        ],
        options,
      ),
    ).toThrow(/twice/);
  });
});

describe('assignLocked', () => {
  it('never moves existing items and puts new ones only in the chosen split', () => {
    const items = dataset();
    const existing = assignSplits(items, options);
    const before = asObject(existing);
    const newcomers = [{ id: 1 }, { id: 2 }, { id: 3 }, { id: items[0]!.id }];
    const added = assignLocked(newcomers, 'val', existing);
    expect(asObject(added)).toEqual({ 1: 'val', 2: 'val', 3: 'val' });
    expect(asObject(existing)).toEqual(before);
    const merged = new Map([...existing, ...added]);
    expect(merged.size).toBe(items.length + 3);
    expect(merged.get(items[0]!.id)).toBe(existing.get(items[0]!.id));
  });

  it('rejects an unknown split', () => {
    expect(() => assignLocked([{ id: 1 }], 'holdout' as Split)).toThrow(/not a split/);
  });
});

describe('stratified counts across strata', () => {
  it('keeps the dataset-wide shares when every stratum is small', async () => {
    const { stratifiedCounts } = await import('../../../src-main/datasets/splits');
    const counts = stratifiedCounts([6, 4], [80, 10, 10]);
    const totals = [0, 1, 2].map((k) => counts.reduce((sum, c) => sum + c[k]!, 0));
    expect(totals).toEqual([8, 1, 1]);
    counts.forEach((c, s) => expect(c.reduce((a, b) => a + b, 0)).toBe([6, 4][s]));
    // Each stratum stays within one item of its own exact share.
    counts.forEach((c, s) => c.forEach((n, k) => expect(Math.abs(n - ([6, 4][s]! * [80, 10, 10][k]!) / 100)).toBeLessThan(1)));
  });

  it('matches the totals on many random stratifications', async () => {
    const { stratifiedCounts, splitCounts } = await import('../../../src-main/datasets/splits');
    for (let trial = 0; trial < 200; trial++) {
      const sizes = Array.from({ length: 1 + (trial % 9) }, (_, i) => 1 + ((trial * 7 + i * 13) % 23));
      const shares: [number, number, number] = [60 + (trial % 30), 10, 30 - (trial % 30)];
      const counts = stratifiedCounts(sizes, shares);
      const n = sizes.reduce((a, b) => a + b, 0);
      const totals = [0, 1, 2].map((k) => counts.reduce((sum, c) => sum + c[k]!, 0));
      const target = splitCounts(n, shares);
      totals.forEach((t, k) => expect(Math.abs(t - target[k]!)).toBeLessThanOrEqual(sizes.length > 1 ? 1 : 0));
      expect(totals.reduce((a, b) => a + b, 0)).toBe(n);
    }
  });
});
