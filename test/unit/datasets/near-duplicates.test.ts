// Near-duplicate groups: exact on constructed hashes, transitive, order-independent, and the
// bit-block index finds exactly what comparing every pair finds.
import { describe, expect, it } from 'vitest';
import {
  clusterNearDuplicates,
  directDuplicates,
  MAX_NEAR_DUPLICATE_THRESHOLD,
  pickKeeper,
  type HashedItem,
} from '../../../src-main/datasets/near-duplicates.js';
import { hamming } from '../../../src-main/datasets/perceptual-hash.js';
import { Rng } from '../../../src-main/ml/random.js';

const hex32 = (x: number) => (x >>> 0).toString(16).padStart(8, '0');
const randomHash = (rng: Rng) => hex32(rng.next() * 2 ** 32) + hex32(rng.next() * 2 ** 32);

/** `hash` with the given bit positions (0 = most significant) flipped. */
function flip(hash: string, bits: number[]): string {
  let hi = parseInt(hash.slice(0, 8), 16);
  let lo = parseInt(hash.slice(8), 16);
  for (const b of bits) {
    if (b < 32) hi ^= 1 << (31 - b);
    else lo ^= 1 << (63 - b);
  }
  return hex32(hi) + hex32(lo);
}

/** k distinct random bit positions. */
function someBits(rng: Rng, k: number): number[] {
  const bits = new Set<number>();
  while (bits.size < k) bits.add(rng.int(64));
  return [...bits];
}

/** The definition, by brute force: connected components of the "within t bits" graph, for each t. */
function reference(items: HashedItem[], thresholds: number[]): Map<number, number[][]> {
  const sorted = [...items].sort((a, b) => a.id - b.id);
  const n = sorted.length;
  const distances: { i: number; j: number; d: number }[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = hamming(sorted[i]!.phash, sorted[j]!.phash);
      if (d <= Math.max(...thresholds)) distances.push({ i, j, d });
    }
  }
  const out = new Map<number, number[][]>();
  for (const t of thresholds) {
    const group = sorted.map((_, i) => i);
    const root = (i: number): number => (group[i] === i ? i : (group[i] = root(group[i]!)));
    for (const { i, j, d } of distances) if (d <= t) group[root(j)] = root(i);
    const groups = new Map<number, number[]>();
    sorted.forEach((item, i) => groups.set(root(i), [...(groups.get(root(i)) ?? []), item.id]));
    out.set(
      t,
      [...groups.values()].filter((g) => g.length > 1).sort((a, b) => a[0]! - b[0]!),
    );
  }
  return out;
}

/** Random hashes plus planted groups of 2–6 copies with 1..spread bits flipped. */
function plantedSet(n: number, groups: number, spread: number, seed: number): HashedItem[] {
  const rng = new Rng(seed);
  const items: HashedItem[] = [];
  let id = 1;
  for (let i = 0; i < n; i++) items.push({ id: id++, phash: randomHash(rng) });
  for (let g = 0; g < groups; g++) {
    const base = items[rng.int(n)]!.phash;
    const copies = 1 + rng.int(5);
    for (let c = 0; c < copies; c++) items.push({ id: id++, phash: flip(base, someBits(rng, 1 + rng.int(spread))) });
  }
  return items;
}

describe('clusterNearDuplicates', () => {
  const rng = new Rng(7);
  const a = randomHash(rng);
  const b = randomHash(rng);
  const items: HashedItem[] = [
    { id: 10, phash: a },
    { id: 3, phash: flip(a, [0, 17, 40]) }, // 3 bits from a
    { id: 7, phash: b },
    { id: 12, phash: flip(b, [5, 6, 7, 8, 9]) }, // 5 bits from b
    { id: 1, phash: randomHash(rng) },
    { id: 4, phash: a }, // exact copy of a
  ];

  it('groups within the threshold, sorted by id, groups by first id', () => {
    expect(clusterNearDuplicates(items, 3)).toEqual([[3, 4, 10]]);
    expect(clusterNearDuplicates(items, 5)).toEqual([
      [3, 4, 10],
      [7, 12],
    ]);
  });

  it('with threshold 0 groups identical hashes only', () => {
    expect(clusterNearDuplicates(items, 0)).toEqual([[4, 10]]);
    expect(
      clusterNearDuplicates(
        [
          { id: 1, phash: 'ABCDEF0123456789' },
          { id: 2, phash: 'abcdef0123456789' },
        ],
        0,
      ),
    ).toEqual([[1, 2]]);
  });

  it('is transitive (single linkage): a chain joins ends further apart than the threshold', () => {
    const x0 = randomHash(rng);
    const x1 = flip(x0, [1, 2, 3, 4]);
    const x2 = flip(x1, [30, 31, 32, 33]);
    expect(hamming(x0, x2)).toBe(8);
    const chain = [
      { id: 1, phash: x0 },
      { id: 2, phash: x1 },
      { id: 3, phash: x2 },
    ];
    expect(clusterNearDuplicates(chain, 4)).toEqual([[1, 2, 3]]);
    expect(clusterNearDuplicates([chain[0]!, chain[2]!], 4)).toEqual([]);
  });

  it('does not depend on input order', () => {
    const set = plantedSet(500, 40, 6, 3);
    const shuffled = [...set];
    const order = new Rng(9);
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = order.int(i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    expect(clusterNearDuplicates(shuffled, 6)).toEqual(clusterNearDuplicates(set, 6));
  });

  it('finds exactly the brute-force groups, by index and by all pairs, at every threshold', () => {
    const set = plantedSet(2000, 150, 12, 11);
    const thresholds = [1, 2, 4, 6, 8, 10, 12, 16];
    const groups = reference(set, thresholds);
    for (const t of thresholds) {
      const expected = groups.get(t)!;
      expect(clusterNearDuplicates(set, t, { method: 'index' }), `index, t=${t}`).toEqual(expected);
      expect(clusterNearDuplicates(set, t, { method: 'pairs' }), `pairs, t=${t}`).toEqual(expected);
      expect(clusterNearDuplicates(set, t), `auto, t=${t}`).toEqual(expected);
    }
  });

  it('caps thresholds above the maximum instead of chaining everything', () => {
    const set = plantedSet(400, 20, 8, 5);
    expect(clusterNearDuplicates(set, 40)).toEqual(clusterNearDuplicates(set, MAX_NEAR_DUPLICATE_THRESHOLD));
    expect(clusterNearDuplicates(set, -3)).toEqual(clusterNearDuplicates(set, 0));
  });

  it('handles nothing, one item, and rejects repeated ids and bad hashes', () => {
    expect(clusterNearDuplicates([], 6)).toEqual([]);
    expect(clusterNearDuplicates([{ id: 1, phash: a }], 6)).toEqual([]);
    expect(() =>
      clusterNearDuplicates(
        [
          { id: 1, phash: a },
          { id: 1, phash: b },
        ],
        6,
      ),
    ).toThrow(/twice/);
    expect(() => clusterNearDuplicates([{ id: 1, phash: 'nope' }], 6)).toThrow(/not a perceptual hash/);
  });
});

describe('directDuplicates', () => {
  it('keeps only the members close to the keeper itself, not the far end of a chain', () => {
    const rng = new Rng(4);
    const x0 = randomHash(rng);
    const chain = [
      { id: 5, phash: flip(x0, [1, 2, 3, 4, 30, 31, 32, 33]) },
      { id: 1, phash: x0 },
      { id: 2, phash: flip(x0, [1, 2, 3, 4]) },
      { id: 9, phash: x0 },
    ];
    expect(clusterNearDuplicates(chain, 4)).toEqual([[1, 2, 5, 9]]);
    expect(directDuplicates(chain, 1, 4)).toEqual([2, 9]);
    expect(directDuplicates(chain, 2, 4)).toEqual([1, 5, 9]);
    expect(() => directDuplicates(chain, 3, 4)).toThrow(/not in this/);
  });
});

describe('pickKeeper', () => {
  it('keeps the largest resolution first', () => {
    expect(
      pickKeeper([
        { id: 1, width: 64, height: 64, bytes: 9000, qualityScore: 9 },
        { id: 2, width: 128, height: 128, bytes: 100, qualityScore: 1 },
      ]),
    ).toBe(2);
  });

  it('then the best quality, then the smallest id', () => {
    expect(
      pickKeeper([
        { id: 5, width: 64, height: 64, bytes: 100, qualityScore: 2 },
        { id: 3, width: 64, height: 64, bytes: 100, qualityScore: 7 },
        { id: 4, width: 64, height: 64, bytes: 100 },
      ]),
    ).toBe(3);
    expect(
      pickKeeper([
        { id: 9, width: 64, height: 64, bytes: 100 },
        { id: 2, width: 64, height: 64, bytes: 100 },
        { id: 6, width: 64, height: 64, bytes: 900 }, // file size is not a criterion
      ]),
    ).toBe(2);
  });

  it('does not depend on member order', () => {
    const members = [
      { id: 8, width: 100, height: 50, bytes: 1, qualityScore: 3 },
      { id: 2, width: 50, height: 100, bytes: 1, qualityScore: 3 },
      { id: 5, width: 70, height: 70, bytes: 1, qualityScore: 1 },
    ];
    expect(pickKeeper(members)).toBe(2);
    expect(pickKeeper([...members].reverse())).toBe(2);
  });

  it('needs at least one member', () => {
    expect(() => pickKeeper([])).toThrow(RangeError);
  });
});
