// Train/validation/test splits: stratified so every tag keeps the chosen proportions,
// and a pure function of (ids, strata, seed) so a split is reproducible from the project
// store alone, whatever order the images come back from a query.
import { hashSeed, Rng } from '../ml/random';
import { AtelierError } from '../errors';

export type Split = 'train' | 'val' | 'test';
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

export interface SplitItem {
  id: number;
  /** What proportions are kept within, e.g. the image's primary tag ('' for untagged). */
  strata: string;
}

export interface SplitOptions {
  /** Percentages, each 0–100, summing to 100. */
  train: number;
  val: number;
  test: number;
  seed: number;
}

export class SplitOptionsError extends AtelierError {
  override name = 'SplitOptionsError';
  constructor(message: string) {
    super('invalid-input', message);
  }
}

/**
 * Assigns every item to one split. Per stratum: items sorted by id, shuffled by a seed
 * derived from (seed, stratum), then cut by largest-remainder counts, so each stratum's
 * counts are within one item of its exact share. A stratum with a non-zero train share
 * always has at least one training image (a tag the model never sees cannot be learnt).
 */
export function assignSplits(items: readonly SplitItem[], options: SplitOptions): Map<number, Split> {
  const shares = checkOptions(options);
  const strata = new Map<string, number[]>();
  const seen = new Set<number>();
  for (const item of items) {
    if (seen.has(item.id)) throw new SplitOptionsError(`Image id ${item.id} is listed twice; each image goes to exactly one split.`);
    seen.add(item.id);
    const ids = strata.get(item.strata);
    if (ids) ids.push(item.id);
    else strata.set(item.strata, [item.id]);
  }
  const out = new Map<number, Split>();
  // Strata in a fixed order only to make the Map's iteration order reproducible too.
  const names = [...strata.keys()].sort();
  const perStratum = stratifiedCounts(
    names.map((n) => strata.get(n)!.length),
    shares,
  );
  for (const [index, name] of names.entries()) {
    const ids = strata.get(name)!.sort((a, b) => a - b);
    // Each stratum has its own stream: a new tag elsewhere does not reshuffle this one.
    shuffle(ids, new Rng(hashSeed(options.seed, stringHash(name))));
    const counts = perStratum[index]!;
    let k = 0;
    for (let s = 0; s < SPLITS.length; s++) for (let c = 0; c < counts[s]!; c++) out.set(ids[k++]!, SPLITS[s]!);
  }
  return out;
}

/**
 * For a locked split: every new item goes to `lockedTo`; items already in `existing`
 * keep their split and are left out of the result. Returns only the new assignments.
 */
export function assignLocked(newItems: readonly { id: number }[], lockedTo: Split, existing: ReadonlyMap<number, Split> = new Map()): Map<number, Split> {
  if (!SPLITS.includes(lockedTo)) throw new SplitOptionsError(`"${String(lockedTo)}" is not a split; use train, val or test.`);
  const out = new Map<number, Split>();
  for (const { id } of newItems) if (!existing.has(id)) out.set(id, lockedTo);
  return out;
}

/**
 * Counts per split for each stratum: each within one item of its exact share, and the
 * extra items placed so the totals match the dataset-wide share too. Rounding each
 * stratum alone sends every remainder to train and val, and a small dataset then has
 * no test images at all (10 images in two tags at 80/10/10 came out 8/2/0).
 */
export function stratifiedCounts(sizes: readonly number[], percent: readonly [number, number, number]): [number, number, number][] {
  const total = splitCounts(
    sizes.reduce((a, b) => a + b, 0),
    percent,
  );
  const exact = sizes.map((n) => percent.map((p) => (n * p) / 100));
  const counts = exact.map((e) => e.map(Math.floor) as [number, number, number]);
  const need = sizes.map((n, s) => n - counts[s]!.reduce((a, b) => a + b, 0));
  const globalNeed = [0, 1, 2].map((k) => total[k]! - counts.reduce((sum, c) => sum + c[k]!, 0));
  const candidates: { s: number; k: number; r: number }[] = [];
  for (let s = 0; s < sizes.length; s++) for (let k = 0; k < 3; k++) candidates.push({ s, k, r: exact[s]![k]! - counts[s]![k]! });
  candidates.sort((a, b) => b.r - a.r || a.k - b.k || a.s - b.s);
  for (const { s, k, r } of candidates) {
    if (r > 0 && need[s]! > 0 && globalNeed[k]! > 0) {
      counts[s]![k]!++;
      need[s]!--;
      globalNeed[k]!--;
    }
  }
  // Whatever the totals could not place goes where its own stratum's share is largest.
  for (const { s, k, r } of candidates) {
    if (r > 0 && need[s]! > 0) {
      counts[s]![k]!++;
      need[s]!--;
    }
  }
  for (let s = 0; s < sizes.length; s++) {
    const c = counts[s]!;
    if (sizes[s]! > 0 && c[0] === 0 && percent[0] > 0) {
      const from = c[1] - exact[s]![1]! > c[2] - exact[s]![2]! ? 1 : 2;
      if (c[from]! > 0) {
        c[from]!--;
        c[0]++;
      }
    }
  }
  return counts;
}

/**
 * Counts per split for n items: floors of the exact shares, the remainder to the largest
 * fractions (ties: train, val, test), then one moved to train if it got none.
 */
export function splitCounts(n: number, percent: readonly [number, number, number]): [number, number, number] {
  const exact = percent.map((p) => (n * p) / 100);
  const counts = exact.map(Math.floor) as [number, number, number];
  let left = n - counts[0] - counts[1] - counts[2];
  const byFraction = [0, 1, 2].sort((a, b) => exact[b]! - counts[b]! - (exact[a]! - counts[a]!) || a - b);
  for (const s of byFraction) {
    if (left <= 0) break;
    counts[s]!++;
    left--;
  }
  if (n > 0 && counts[0] === 0 && percent[0] > 0) {
    // Take it from whichever split is furthest above its exact share (test on a tie), which keeps every count within one item.
    const from = counts[1] - exact[1]! > counts[2] - exact[2]! ? 1 : 2;
    counts[from]--;
    counts[0]++;
  }
  return counts;
}

function checkOptions(o: SplitOptions): [number, number, number] {
  const shares: [number, number, number] = [o.train, o.val, o.test];
  if (shares.some((p) => !Number.isFinite(p) || p < 0 || p > 100)) {
    throw new SplitOptionsError(`Split percentages must each be between 0 and 100; got train ${o.train}, val ${o.val}, test ${o.test}.`);
  }
  if (Math.abs(shares[0] + shares[1] + shares[2] - 100) > 1e-9) {
    throw new SplitOptionsError(
      `Split percentages must add up to 100; train ${o.train} + val ${o.val} + test ${o.test} = ${shares[0] + shares[1] + shares[2]}.`,
    );
  }
  if (!Number.isSafeInteger(o.seed)) throw new SplitOptionsError(`The split seed must be a whole number; got ${o.seed}.`);
  return shares;
}

function shuffle<T>(a: T[], rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
}

/** FNV-1a over UTF-16 code units: a stable number per stratum name. */
function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
