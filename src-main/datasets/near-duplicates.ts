// Near-duplicate groups for the curate step: images whose perceptual hashes differ in
// at most `threshold` bits, joined transitively (single linkage), plus which member of a
// group to keep by default. Pure and deterministic: same hashes, same groups.
import { parseHash, popcount32 } from './perceptual-hash';
import { labF, SRGB_LINEAR } from './quality';

/**
 * Thresholds above this are capped. Two reasons: 1% of unrelated starter images are
 * already within 11 bits (median 26), so single linkage would chain most of a set into
 * one group; and the index's work grows steeply with t: on 100k hashes about 0.07 s at
 * t = 6, 0.4 s at 10, 1 s at 12, 5 s at 16 (bench/curation.ts, 2 busy cores).
 */
export const MAX_NEAR_DUPLICATE_THRESHOLD = 16;
/**
 * A 64→150 px JPEG copy of a starter image is within 5 bits in 99% of cases (bench/curation.ts).
 * Single linkage still chains look-alikes: on the starter set, 6 bits joins ~1,000 people
 * emoji into one group, so set aside only directDuplicates of the keeper by default.
 */
export const DEFAULT_NEAR_DUPLICATE_THRESHOLD = 6;

export interface HashedItem {
  id: number;
  /** 16 hex characters from perceptualHash. */
  phash: string;
}

export interface KeeperCandidate {
  id: number;
  width: number;
  height: number;
  bytes: number;
  /** Higher is better (quality.ts qualityScore); missing ranks below any score. */
  qualityScore?: number;
}

/**
 * Groups (size ≥ 2) of items within `threshold` bits of one another, transitively.
 * Each group is sorted by id; groups are sorted by their first id. The threshold is
 * capped at MAX_NEAR_DUPLICATE_THRESHOLD; 0 means identical hashes only. `method` forces
 * the index or the all-pairs comparison (tests and benchmarks); both give the same groups.
 */
export function clusterNearDuplicates(items: readonly HashedItem[], threshold: number, options: { method?: 'auto' | 'index' | 'pairs' } = {}): number[][] {
  const t = Number.isFinite(threshold) ? Math.max(0, Math.min(MAX_NEAR_DUPLICATE_THRESHOLD, Math.floor(threshold))) : 0;
  // Working in id order makes union-find roots, and so the output, independent of input order.
  const sorted = [...items].sort((a, b) => a.id - b.id);
  const n = sorted.length;
  for (let i = 1; i < n; i++) {
    if (sorted[i]!.id === sorted[i - 1]!.id) throw new RangeError(`Image id ${sorted[i]!.id} appears twice in the near-duplicate input.`);
  }
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) [hi[i], lo[i]] = parseHash(sorted[i]!.phash);

  const sets = new UnionFind(n);
  if (t === 0) joinIdentical(hi, lo, sets);
  else {
    const method = options.method ?? 'auto';
    const plan = method === 'pairs' ? null : planIndex(n, t, method === 'index');
    if (plan === null) joinBruteForce(hi, lo, t, sets);
    else for (const block of plan) joinByBlock(hi, lo, t, block, sets);
  }

  // Only roots with two or more members become groups: most images have no near-duplicate.
  const roots = new Int32Array(n);
  const counts = new Int32Array(n);
  for (let i = 0; i < n; i++) counts[(roots[i] = sets.find(i))]!++;
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const root = roots[i]!;
    if (counts[root]! < 2) continue;
    const g = groups.get(root);
    if (g) g.push(sorted[i]!.id);
    else groups.set(root, [sorted[i]!.id]);
  }
  // Members were pushed in id order, so each group is sorted already.
  return [...groups.values()].sort((a, b) => a[0]! - b[0]!);
}

/** The member kept by default: largest resolution, then best quality score, then smallest id. */
export function pickKeeper(members: readonly KeeperCandidate[]): number {
  if (members.length === 0) throw new RangeError('A near-duplicate group needs at least one member to keep.');
  // bytes is not a criterion on purpose: a re-encode can be larger and worse.
  let best = members[0]!;
  for (const m of members.slice(1)) {
    const area = m.width * m.height;
    const bestArea = best.width * best.height;
    if (area !== bestArea) {
      if (area > bestArea) best = m;
      continue;
    }
    const q = m.qualityScore ?? -Infinity;
    const bestQ = best.qualityScore ?? -Infinity;
    if (q !== bestQ) {
      if (q > bestQ) best = m;
      continue;
    }
    if (m.id < best.id) best = m;
  }
  return best.id;
}

/**
 * The members of a group within `threshold` bits of the keeper itself, sorted by id. A
 * single-linkage group can be a chain of distinct images (A≈B≈C, A≉C): these direct
 * matches are the ones safe to set aside by default; the rest of the group needs a look.
 */
export function directDuplicates(members: readonly HashedItem[], keeperId: number, threshold: number): number[] {
  const keeper = members.find((m) => m.id === keeperId);
  if (!keeper) throw new RangeError(`Image ${keeperId} is not in this near-duplicate group.`);
  const t = Math.max(0, Math.min(MAX_NEAR_DUPLICATE_THRESHOLD, Math.floor(threshold)));
  const [kh, kl] = parseHash(keeper.phash);
  return members
    .filter((m) => {
      if (m.id === keeperId) return false;
      const [h, l] = parseHash(m.phash);
      return popcount32(h ^ kh) + popcount32(l ^ kl) <= t;
    })
    .map((m) => m.id)
    .sort((a, b) => a - b);
}

class UnionFind {
  private readonly parent: Int32Array;
  private readonly size: Int32Array;

  constructor(n: number) {
    this.parent = new Int32Array(n);
    this.size = new Int32Array(n).fill(1);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }

  find(x: number): number {
    const p = this.parent;
    while (p[x]! !== x) {
      p[x] = p[p[x]!]!; // path halving
      x = p[x]!;
    }
    return x;
  }

  union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.size[ra]! < this.size[rb]!) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra]! += this.size[rb]!;
  }
}

function joinIdentical(hi: Uint32Array, lo: Uint32Array, sets: UnionFind): void {
  const order = Array.from({ length: hi.length }, (_, i) => i).sort((a, b) => hi[a]! - hi[b]! || lo[a]! - lo[b]!);
  for (let k = 1; k < order.length; k++) {
    const a = order[k - 1]!;
    const b = order[k]!;
    if (hi[a] === hi[b] && lo[a] === lo[b]) sets.union(a, b);
  }
}

function joinBruteForce(hi: Uint32Array, lo: Uint32Array, t: number, sets: UnionFind): void {
  for (let i = 0; i < hi.length; i++) {
    for (let j = i + 1; j < hi.length; j++) {
      if (popcount32(hi[i]! ^ hi[j]!) + popcount32(lo[i]! ^ lo[j]!) <= t && sets.find(i) !== sets.find(j)) sets.union(i, j);
    }
  }
}

/** One slice of the 64 bits and the Hamming radius it is searched with. */
interface Block {
  start: number;
  length: number;
  radius: number;
}

// Blocks longer than this would need a bucket table over 16M entries.
const MAX_BLOCK_BITS = 22;

/**
 * Multi-index hashing (Norouzi et al.): cut the 64 bits into m blocks. With t = q·m + a,
 * two hashes within t bits agree within q bits on one of the first a+1 blocks or within
 * q−1 on one of the others (else their distance would be ≥ t+1), so searching each block's
 * table of exact keys at that small radius finds every pair. m = t+1 is the plain pigeonhole
 * (radius 0); fewer, longer blocks trade more probes for emptier buckets; with m > t+1 the
 * blocks past t+1 get radius −1 and are not searched at all. A cost model
 * picks m, or null when comparing all pairs is cheaper (small inputs).
 */
function planIndex(n: number, t: number, force: boolean): Block[] | null {
  let best: Block[] | null = null;
  let bestCost = force ? Infinity : (n * (n - 1)) / 2;
  // More blocks than t+1 is allowed: only the first t+1 are searched (radius 0), on longer keys.
  for (let m = Math.ceil(64 / MAX_BLOCK_BITS); m <= 16; m++) {
    const q = Math.floor(t / m);
    const a = t - q * m;
    const blocks: Block[] = [];
    let start = 0;
    let cost = 0;
    for (let i = 0; i < m; i++) {
      const length = Math.floor(64 / m) + (i < 64 % m ? 1 : 0);
      const radius = i <= a ? q : q - 1;
      blocks.push({ start, length, radius });
      start += length;
      if (radius < 0) continue;
      const probes = ballSize(length, radius);
      // Walking half the keys once per flip mask, plus each candidate pair compared once.
      cost += (2 ** length * probes) / 2 + (n * n * probes) / 2 ** length / 2 + n;
    }
    if (cost < bestCost) {
      bestCost = cost;
      best = blocks;
    }
  }
  return best;
}

function ballSize(bits: number, radius: number): number {
  let total = 0;
  let c = 1;
  for (let k = 0; k <= radius; k++) {
    total += c;
    c = (c * (bits - k)) / (k + 1);
  }
  return total;
}

/** Every mask of `bits` bits with at most `radius` ones, lightest first. */
function flipMasks(bits: number, radius: number): Int32Array {
  const masks: number[] = [];
  const walk = (from: number, left: number, mask: number) => {
    masks.push(mask);
    if (left === 0) return;
    for (let b = from; b < bits; b++) walk(b + 1, left - 1, mask | (1 << b));
  };
  walk(0, radius, 0);
  return Int32Array.from(masks);
}

/** Bits [start, start+length) of the 64-bit hash hi:lo, most significant first (length ≤ 31). */
function blockKey(hi: number, lo: number, start: number, length: number): number {
  const mask = (1 << length) - 1;
  const end = start + length;
  if (end <= 32) return (hi >>> (32 - end)) & mask;
  if (start >= 32) return (lo >>> (64 - end)) & mask;
  const lowBits = end - 32;
  return ((((hi << lowBits) >>> 0) | (lo >>> (32 - lowBits))) & mask) >>> 0;
}

function joinByBlock(hi: Uint32Array, lo: Uint32Array, t: number, block: Block, sets: UnionFind): void {
  if (block.radius < 0) return;
  const n = hi.length;
  const buckets = 2 ** block.length;
  const keys = new Int32Array(n);
  const offsets = new Int32Array(buckets + 1);
  for (let i = 0; i < n; i++) {
    const k = blockKey(hi[i]!, lo[i]!, block.start, block.length);
    keys[i] = k;
    offsets[k + 1]!++;
  }
  for (let k = 0; k < buckets; k++) offsets[k + 1]! += offsets[k]!;
  // Hashes are copied into bucket order so comparisons read memory in sequence.
  const members = new Int32Array(n);
  const bucketHi = new Int32Array(n);
  const bucketLo = new Int32Array(n);
  const fill = offsets.slice(0, buckets);
  for (let i = 0; i < n; i++) {
    const p = fill[keys[i]!]!++;
    members[p] = i;
    bucketHi[p] = hi[i]!;
    bucketLo[p] = lo[i]!;
  }

  // Pairs inside one bucket (block distance 0).
  for (let k = 0; k < buckets; k++) {
    const end = offsets[k + 1]!;
    for (let p = offsets[k]!; p < end; p++) {
      const h = bucketHi[p]!;
      const l = bucketLo[p]!;
      for (let q = p + 1; q < end; q++) {
        if (popcount32(h ^ bucketHi[q]!) + popcount32(l ^ bucketLo[q]!) <= t) sets.union(members[p]!, members[q]!);
      }
    }
  }
  // Pairs across buckets whose keys differ by a flip mask. Walking bucket pairs rather than
  // items visits each pair of buckets once (only from the key with the mask's top bit clear)
  // and skips empty ones in a predictable loop: about 3× faster than probing per item.
  const masks = flipMasks(block.length, block.radius);
  for (let f = 1; f < masks.length; f++) {
    const mask = masks[f]!;
    const top = 1 << (31 - Math.clz32(mask));
    for (let k = 0; k < buckets; k++) {
      if (k & top) {
        k += top - 1; // skip the run of keys with the top bit set: their partner was visited already
        continue;
      }
      const aFrom = offsets[k]!;
      const aEnd = offsets[k + 1]!;
      if (aFrom === aEnd) continue;
      const other = k ^ mask;
      const bFrom = offsets[other]!;
      const bEnd = offsets[other + 1]!;
      for (let p = aFrom; p < aEnd; p++) {
        const h = bucketHi[p]!;
        const l = bucketLo[p]!;
        for (let q = bFrom; q < bEnd; q++) {
          if (popcount32(h ^ bucketHi[q]!) + popcount32(l ^ bucketLo[q]!) <= t) sets.union(members[p]!, members[q]!);
        }
      }
    }
  }
}

// ── colour: the hash sees luma only, so two images are the same picture only if their colour prints agree too

/**
 * Largest colour difference (CIELAB ΔE, after the brightness match below) a near-duplicate
 * may show in one cell of the 16×16 colour print (lightness only), and averaged over any
 * larger square of cells (2, 4 or 8 wide). Calibrated on the whole starter set
 * (bench/curation-calibration.ts, docs/curation.md): 98% of re-encoded, resized and
 * brightened copies stay within them; skin tones and flags differ by more, except where the
 * difference is a few pixels at 64 px (docs/curation.md lists those).
 */
export const MAX_CELL_COLOUR_DIFFERENCE = 8;
export const MAX_REGION_COLOUR_DIFFERENCE = 5;
// A copy may be this much brighter or darker overall (a gain on CIELAB lightness).
const MAX_LIGHTNESS_GAIN = 0.07;
const REGIONS = [8, 4, 2];
// The share of a cell's contrast with its neighbours that a difference there is forgiven.
const EDGE_TOLERANCE = 0.1;

/** A colour print read for comparison: CIELAB per cell, and each cell's contrast with its neighbours. */
export interface ColourPrint {
  side: number;
  /** L*, a*, b* per cell, row by row. */
  lab: Float32Array;
  /** Largest CIELAB distance from each cell to one of its 8 neighbours. */
  contrast: Float32Array;
  /** Per 4×4 block (when the side is a multiple of 4): what sameColours bounds the mismatch with. */
  blocks: Float32Array;
}

// Per block: mean of min(100, L·(1+gain)), mean of min(100, L·(1−gain)), mean L, a*, b*, contrast.
const BLOCK = 4;
const BLOCK_FIELDS = 6;

/** A colour print as quality.ts colourPrint stores it (base64 sRGB, square), read for colourMismatch. */
export function readColourPrint(print: string): ColourPrint {
  const rgb = Buffer.from(print, 'base64');
  if (rgb.length === 0 || rgb.length % 3 !== 0) throw new RangeError('A colour print holds three bytes per cell.');
  const side = Math.round(Math.sqrt(rgb.length / 3));
  if (side * side * 3 !== rgb.length) throw new RangeError('A colour print must be square.');
  const lab = new Float32Array(rgb.length);
  for (let i = 0; i < rgb.length; i += 3) {
    const r = SRGB_LINEAR[rgb[i]!]!;
    const g = SRGB_LINEAR[rgb[i + 1]!]!;
    const b = SRGB_LINEAR[rgb[i + 2]!]!;
    const fx = labF((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047);
    const fy = labF(0.2126 * r + 0.7152 * g + 0.0722 * b);
    const fz = labF((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883);
    lab[i] = 116 * fy - 16;
    lab[i + 1] = 500 * (fx - fy);
    lab[i + 2] = 200 * (fy - fz);
  }
  const contrast = new Float32Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const i = (y * side + x) * 3;
      let max = 0;
      for (let j = Math.max(0, y - 1); j <= Math.min(side - 1, y + 1); j++) {
        for (let k = Math.max(0, x - 1); k <= Math.min(side - 1, x + 1); k++) {
          const n = (j * side + k) * 3;
          const d = (lab[n]! - lab[i]!) ** 2 + (lab[n + 1]! - lab[i + 1]!) ** 2 + (lab[n + 2]! - lab[i + 2]!) ** 2;
          if (d > max) max = d;
        }
      }
      contrast[y * side + x] = Math.sqrt(max);
    }
  }
  const perSide = side % BLOCK === 0 ? side / BLOCK : 0;
  const blocks = new Float32Array(perSide * perSide * BLOCK_FIELDS);
  for (let cell = 0; cell < side * side; cell++) {
    if (perSide === 0) break;
    const block = (Math.floor(cell / side / BLOCK) * perSide + Math.floor((cell % side) / BLOCK)) * BLOCK_FIELDS;
    const l = lab[cell * 3]!;
    blocks[block]! += Math.min(100, l * (1 + MAX_LIGHTNESS_GAIN)) / (BLOCK * BLOCK);
    blocks[block + 1]! += Math.min(100, l * (1 - MAX_LIGHTNESS_GAIN)) / (BLOCK * BLOCK);
    blocks[block + 2]! += l / (BLOCK * BLOCK);
    blocks[block + 3]! += lab[cell * 3 + 1]! / (BLOCK * BLOCK);
    blocks[block + 4]! += lab[cell * 3 + 2]! / (BLOCK * BLOCK);
    blocks[block + 5]! += contrast[cell]! / (BLOCK * BLOCK);
  }
  return { side, lab, contrast, blocks };
}

/**
 * Whether two colour prints show the same picture (colourMismatch ≤ 1). Most look-alikes by
 * hash differ in colour somewhere: a bound from the 4×4 block means (each block is one of the
 * squares colourMismatch averages over, whatever the gain, less the most it can forgive) says
 * so without the full comparison, which keeps a threshold of 16 bits on thousands of images fast.
 */
export function sameColours(a: ColourPrint, b: ColourPrint): boolean {
  if (a.side !== b.side) throw new RangeError('Colour prints of different sizes cannot be compared.');
  if (a.blocks.length > 0 && a.blocks.length === b.blocks.length) {
    for (let k = 0; k < a.blocks.length; k += BLOCK_FIELDS) {
      const bl = b.blocks[k + 2]!;
      const dl = Math.max(0, bl - a.blocks[k]!, a.blocks[k + 1]! - bl);
      const dab = Math.hypot(b.blocks[k + 3]! - a.blocks[k + 3]!, b.blocks[k + 4]! - a.blocks[k + 4]!);
      const forgiven = EDGE_TOLERANCE * Math.min(a.blocks[k + 5]!, b.blocks[k + 5]!);
      if (Math.hypot(dl, dab) - forgiven > MAX_REGION_COLOUR_DIFFERENCE) return false;
    }
  }
  return colourMismatch(a, b) <= 1;
}

/**
 * How far two colour prints are from being the same picture, as a fraction of what a
 * near-duplicate may show: ≤ 1 is the same colours. b's lightness is first matched to a's by
 * a gain of at most ±7% (a brightened copy; white stays white); where both have an edge
 * through a cell, a tenth of its contrast is forgiven (resampling moves edges by a fraction of
 * a cell, never a flat area); then the signed CIELAB difference is averaged over every 8-, 4-
 * and 2-wide square and compared per cell: noise at an edge cancels out in a square (one side
 * lighter, the other darker), a changed skin tone, stripe or glyph does not.
 */
export function colourMismatch(a: ColourPrint, b: ColourPrint): number {
  if (a.side !== b.side) throw new RangeError('Colour prints of different sizes cannot be compared.');
  const side = a.side;
  const cells = side * side;
  const la = a.lab;
  const lb = b.lab;
  // Lightness gain from the cells that are not (near) white in either: white clips when brightened.
  let ab = 0;
  let aa = 0;
  for (let i = 0; i < cells; i++) {
    const x = la[i * 3]!;
    const y = lb[i * 3]!;
    if (x > 97 || y > 97) continue;
    ab += x * y;
    aa += x * x;
  }
  const gain = Math.min(1 + MAX_LIGHTNESS_GAIN, Math.max(1 - MAX_LIGHTNESS_GAIN, aa > 0 ? ab / aa : 1));
  // Summed-area table of the signed difference, one plane per channel.
  const w = side + 1;
  const sums = new Float64Array(w * w * 3);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const cell = y * side + x;
      const i = cell * 3;
      const dl = lb[i]! - Math.min(100, gain * la[i]!);
      const da = lb[i + 1]! - la[i + 1]!;
      const db = lb[i + 2]! - la[i + 2]!;
      const size = Math.sqrt(dl * dl + da * da + db * db);
      const forgive = EDGE_TOLERANCE * Math.min(a.contrast[cell]!, b.contrast[cell]!);
      const keep = size > forgive ? (size - forgive) / size : 0;
      const o = ((y + 1) * w + x + 1) * 3;
      const up = (y * w + x + 1) * 3;
      const left = ((y + 1) * w + x) * 3;
      const diag = (y * w + x) * 3;
      sums[o] = keep * dl + sums[up]! + sums[left]! - sums[diag]!;
      sums[o + 1] = keep * da + sums[up + 1]! + sums[left + 1]! - sums[diag + 1]!;
      sums[o + 2] = keep * db + sums[up + 2]! + sums[left + 2]! - sums[diag + 2]!;
    }
  }
  const worst = (size: number, channels: number): number => {
    let max = 0;
    for (let y = 0; y + size <= side; y++) {
      for (let x = 0; x + size <= side; x++) {
        let sq = 0;
        for (let c = 0; c < channels; c++) {
          const s =
            sums[((y + size) * w + x + size) * 3 + c]! - sums[(y * w + x + size) * 3 + c]! - sums[((y + size) * w + x) * 3 + c]! + sums[(y * w + x) * 3 + c]!;
          sq += (s / (size * size)) ** 2;
        }
        if (sq > max) max = sq;
      }
    }
    return Math.sqrt(max);
  };
  // Large squares first: most different pictures are told apart there, and the rest is skipped.
  let mismatch = 0;
  for (const size of REGIONS) {
    if (size > side) continue;
    mismatch = Math.max(mismatch, worst(size, 3) / MAX_REGION_COLOUR_DIFFERENCE);
    if (mismatch > 1) return mismatch;
  }
  // One cell compares lightness only: JPEG and WebP keep colour at half resolution, so hue
  // bleeds across a sharp edge by a fraction of a cell; over a square the bleed cancels out.
  return Math.max(mismatch, worst(1, 1) / MAX_CELL_COLOUR_DIFFERENCE);
}

// ── detail: a frown and a pout, or two skin tones of a small face, differ in a few pixels that the colour print averages away

/**
 * Largest lightness difference (CIELAB ΔL*, after the brightness match colourMismatch makes)
 * a near-duplicate may show averaged over any 2×2 cells of the 32×32 lightness print, once a
 * shift of up to half a cell is allowed for and a quarter of each cell's contrast is forgiven.
 * Calibrated on the starter set (bench/curation-calibration.ts, docs/curation.md): re-encoded,
 * resized and brightened copies stay under it (p99 ≤ 2.7 L* for every kind of copy), a changed
 * mouth or a jockey's darker face in a 64-px emoji exceeds it (3.3–7.3 L*).
 */
export const MAX_DETAIL_DIFFERENCE = 3;
const DETAIL_BOX = 2;
const DETAIL_EDGE_TOLERANCE = 0.25;
// The largest shift (in cells) detailMismatch allows for before comparing.
const MAX_SHIFT = 0.5;

/** A lightness print read for comparison: L* per cell and each cell's contrast with its neighbours. */
export interface DetailPrint {
  side: number;
  lightness: Float32Array;
  contrast: Float32Array;
}

/** A lightness print as quality.ts detailPrint stores it (base64, one byte per cell: L*·2.5), read for detailMismatch. */
export function readDetailPrint(print: string): DetailPrint {
  const bytes = Buffer.from(print, 'base64');
  const side = Math.round(Math.sqrt(bytes.length));
  if (side < DETAIL_BOX || side * side !== bytes.length) throw new RangeError('A detail print must be square, one byte per cell.');
  const lightness = Float32Array.from(bytes, (v) => v / 2.5);
  const contrast = new Float32Array(bytes.length);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const l = lightness[y * side + x]!;
      let max = 0;
      for (let j = Math.max(0, y - 1); j <= Math.min(side - 1, y + 1); j++) {
        for (let k = Math.max(0, x - 1); k <= Math.min(side - 1, x + 1); k++) max = Math.max(max, Math.abs(lightness[j * side + k]! - l));
      }
      contrast[y * side + x] = max;
    }
  }
  return { side, lightness, contrast };
}

/**
 * How far two lightness prints are from being the same picture, as a fraction of
 * MAX_DETAIL_DIFFERENCE (≤ 1 is the same). b is matched to a by a lightness gain of at most
 * ±7%, a quarter of the contrast both have in a cell is forgiven (resampling and re-encoding
 * move edges), and the signed difference is averaged over every 2×2 square: noise along an
 * edge cancels there, a changed feature does not.
 */
export function detailMismatch(a: DetailPrint, b: DetailPrint): number {
  if (a.side !== b.side) throw new RangeError('Detail prints of different sizes cannot be compared.');
  const { side } = a;
  const la = a.lightness;
  const lb = b.lightness;
  let ab = 0;
  let aa = 0;
  for (let i = 0; i < la.length; i++) {
    if (la[i]! > 97 || lb[i]! > 97) continue;
    ab += la[i]! * lb[i]!;
    aa += la[i]! * la[i]!;
  }
  const gain = Math.min(1 + MAX_LIGHTNESS_GAIN, Math.max(1 - MAX_LIGHTNESS_GAIN, aa > 0 ? ab / aa : 1));
  // A resampled copy sits a fraction of a pixel off: the part of the difference a small shift
  // explains (least squares on the mean gradient, at most half a cell each way) is not a change.
  const residual = new Float32Array(la.length);
  const gx = new Float32Array(la.length);
  const gy = new Float32Array(la.length);
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  let sxr = 0;
  let syr = 0;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const i = y * side + x;
      const at = (xx: number, yy: number) => {
        const j = Math.min(side - 1, Math.max(0, yy)) * side + Math.min(side - 1, Math.max(0, xx));
        return (Math.min(100, gain * la[j]!) + lb[j]!) / 2;
      };
      const r = lb[i]! - Math.min(100, gain * la[i]!);
      const dx = (at(x + 1, y) - at(x - 1, y)) / 2;
      const dy = (at(x, y + 1) - at(x, y - 1)) / 2;
      residual[i] = r;
      gx[i] = dx;
      gy[i] = dy;
      sxx += dx * dx;
      sxy += dx * dy;
      syy += dy * dy;
      sxr += dx * r;
      syr += dy * r;
    }
  }
  const det = sxx * syy - sxy * sxy;
  const u = det > 1e-9 ? Math.max(-MAX_SHIFT, Math.min(MAX_SHIFT, (syy * sxr - sxy * syr) / det)) : 0;
  const v = det > 1e-9 ? Math.max(-MAX_SHIFT, Math.min(MAX_SHIFT, (sxx * syr - sxy * sxr) / det)) : 0;
  const diff = new Float32Array(la.length);
  for (let i = 0; i < la.length; i++) {
    const d = residual[i]! - gx[i]! * u - gy[i]! * v;
    const forgive = DETAIL_EDGE_TOLERANCE * Math.min(a.contrast[i]!, b.contrast[i]!);
    diff[i] = Math.abs(d) > forgive ? d - Math.sign(d) * forgive : 0;
  }
  let worst = 0;
  for (let y = 0; y + DETAIL_BOX <= side; y++) {
    for (let x = 0; x + DETAIL_BOX <= side; x++) {
      let s = 0;
      for (let j = 0; j < DETAIL_BOX; j++) for (let k = 0; k < DETAIL_BOX; k++) s += diff[(y + j) * side + x + k]!;
      worst = Math.max(worst, Math.abs(s) / (DETAIL_BOX * DETAIL_BOX));
    }
  }
  return worst / MAX_DETAIL_DIFFERENCE;
}

/** Whether two lightness prints show the same picture in detail (detailMismatch ≤ 1). */
export function sameDetail(a: DetailPrint, b: DetailPrint): boolean {
  return a.side === b.side && detailMismatch(a, b) <= 1;
}
