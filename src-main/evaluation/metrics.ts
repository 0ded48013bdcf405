// The yardstick's arithmetic: pure functions on feature matrices (one row per image), no tfjs.
// Sums run in float64. docs/evaluation.md says what each number means and how to read it;
// every number here is on Atelier's own embedding, comparable within Atelier only.
import { Rng } from '../ml/random';

/** Row-major: `rows` images × `dim` features. */
export interface FeatureMatrix {
  rows: number;
  dim: number;
  data: Float32Array;
}

export function matrix(rows: number, dim: number, data: Float32Array = new Float32Array(rows * dim)): FeatureMatrix {
  if (data.length !== rows * dim) throw new Error(`A ${rows}×${dim} matrix needs ${rows * dim} values, got ${data.length}.`);
  return { rows, dim, data };
}

/** The rows at `indices`, copied. */
export function pick(m: FeatureMatrix, indices: readonly number[]): FeatureMatrix {
  const data = new Float32Array(indices.length * m.dim);
  indices.forEach((r, i) => data.set(m.data.subarray(r * m.dim, (r + 1) * m.dim), i * m.dim));
  return { rows: indices.length, dim: m.dim, data };
}

// ---------------------------------------------------------------- small tools

/** A seeded generator (the project's mulberry32), so a score is the same every time it is computed. */
export function rng(seed: number): () => number {
  const random = new Rng(seed);
  return () => random.next();
}

function shuffled(n: number, random: () => number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Linear-interpolated quantile (q in [0, 1]) of the values. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return NaN;
  const pos = Math.min(Math.max(q, 0), 1) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return values.length ? s / values.length : NaN;
}

function checkDims(a: FeatureMatrix, b: FeatureMatrix): void {
  if (a.dim !== b.dim) throw new Error(`Feature sizes differ: ${a.dim} and ${b.dim}.`);
}

// ---------------------------------------------------------------- dot products and distances

const grams = new WeakMap<Float32Array, WeakMap<Float32Array, Float64Array>>();

/**
 * All dot products a_i·b_j (a.rows × b.rows), remembered while both matrices live: KID,
 * precision/recall, diversity and collapse reuse the same products.
 */
export function gram(a: FeatureMatrix, b: FeatureMatrix): Float64Array {
  checkDims(a, b);
  const known = grams.get(a.data)?.get(b.data);
  if (known) return known;
  const { dim } = a;
  const out = new Float64Array(a.rows * b.rows);
  const same = a.data === b.data;
  const A = a.data;
  const B = b.data;
  for (let i = 0; i < a.rows; i++) {
    const ai = i * dim;
    for (let j = same ? i : 0; j < b.rows; j++) {
      const bj = j * dim;
      // Four partial sums: fewer dependent adds, and float64 so 1280 terms lose nothing.
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let k = 0;
      for (; k + 3 < dim; k += 4) {
        s0 += A[ai + k]! * B[bj + k]!;
        s1 += A[ai + k + 1]! * B[bj + k + 1]!;
        s2 += A[ai + k + 2]! * B[bj + k + 2]!;
        s3 += A[ai + k + 3]! * B[bj + k + 3]!;
      }
      for (; k < dim; k++) s0 += A[ai + k]! * B[bj + k]!;
      const s = s0 + s1 + s2 + s3;
      out[i * b.rows + j] = s;
      if (same) out[j * a.rows + i] = s;
    }
  }
  let inner = grams.get(a.data);
  if (!inner) grams.set(a.data, (inner = new WeakMap()));
  inner.set(b.data, out);
  return out;
}

function squaredNorms(m: FeatureMatrix): Float64Array {
  const g = gram(m, m);
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = g[i * m.rows + i]!;
  return out;
}

/** Euclidean distances between every row of a and every row of b (a.rows × b.rows). */
export function distances(a: FeatureMatrix, b: FeatureMatrix): Float64Array {
  const g = gram(a, b);
  const na = squaredNorms(a);
  const nb = squaredNorms(b);
  const out = new Float64Array(g.length);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < b.rows; j++) out[i * b.rows + j] = Math.sqrt(Math.max(0, na[i]! + nb[j]! - 2 * g[i * b.rows + j]!));
  if (a.data === b.data) for (let i = 0; i < a.rows; i++) out[i * a.rows + i] = 0;
  return out;
}

/** For each row of a: its nearest row of b (skipping itself when a is b), and the distance. */
export function nearest(a: FeatureMatrix, b: FeatureMatrix): { index: Int32Array; distance: Float64Array } {
  const d = distances(a, b);
  const index = new Int32Array(a.rows).fill(-1);
  const distance = new Float64Array(a.rows).fill(Infinity);
  const self = a.data === b.data;
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.rows; j++) {
      if (self && i === j) continue;
      const v = d[i * b.rows + j]!;
      if (v < distance[i]!) {
        distance[i] = v;
        index[i] = j;
      }
    }
  }
  return { index, distance };
}

/** Distance from each row to its k-th nearest other row of the same set. */
function kthNeighbourRadii(m: FeatureMatrix, k: number): Float64Array {
  const d = distances(m, m);
  const out = new Float64Array(m.rows);
  const row = new Float64Array(m.rows - 1);
  for (let i = 0; i < m.rows; i++) {
    let n = 0;
    for (let j = 0; j < m.rows; j++) if (j !== i) row[n++] = d[i * m.rows + j]!;
    row.sort();
    out[i] = row[Math.min(k, row.length) - 1]!;
  }
  return out;
}

// ---------------------------------------------------------------- KID

export interface KidResult {
  /** Unbiased MMD² (cubic polynomial kernel) between the two sets; ≈ 0 (can be slightly negative) when alike. */
  kid: number;
  /** Standard error of `kid`, from disjoint blocks of both sets (a slightly conservative estimate). */
  stderr: number;
  /** Images of each set used (sets above `maxImages` are subsampled). */
  used: [number, number];
}

/** Unbiased MMD² over the index lists, from the kernel matrices. */
function mmd2(kxx: Float64Array, nx: number, kyy: Float64Array, ny: number, kxy: Float64Array, xs: readonly number[], ys: readonly number[]): number {
  let sxx = 0;
  for (const i of xs) for (const j of xs) if (i !== j) sxx += kxx[i * nx + j]!;
  let syy = 0;
  for (const i of ys) for (const j of ys) if (i !== j) syy += kyy[i * ny + j]!;
  let sxy = 0;
  for (const i of xs) for (const j of ys) sxy += kxy[i * ny + j]!;
  const m = xs.length;
  const n = ys.length;
  return sxx / (m * (m - 1)) + syy / (n * (n - 1)) - (2 * sxy) / (m * n);
}

/**
 * Kernel Inception Distance on Atelier's embedding (Bińkowski et al. 2018): the unbiased MMD²
 * with k(x, y) = (x·y/d + 1)³. Honest for small sets: its expectation does not depend on the
 * set sizes. The standard error comes from `blocks` disjoint splits of both sets.
 */
export function kid(x: FeatureMatrix, y: FeatureMatrix, options: { maxImages?: number; blocks?: number; seed?: number } = {}): KidResult {
  checkDims(x, y);
  if (x.rows < 2 || y.rows < 2) throw new Error('KID needs at least two images in each set.');
  const random = rng(options.seed ?? 1);
  const cap = options.maxImages ?? 2000;
  const xs = x.rows > cap ? pick(x, shuffled(x.rows, random).slice(0, cap)) : x;
  const ys = y.rows > cap ? pick(y, shuffled(y.rows, random).slice(0, cap)) : y;
  const kernel = (g: Float64Array) => g.map((v) => (v / x.dim + 1) ** 3);
  const kxx = kernel(gram(xs, xs));
  const kyy = kernel(gram(ys, ys));
  const kxy = kernel(gram(xs, ys));
  const all = (n: number) => Array.from({ length: n }, (_, i) => i);
  const value = mmd2(kxx, xs.rows, kyy, ys.rows, kxy, all(xs.rows), all(ys.rows));
  const blocks = Math.max(2, Math.min(options.blocks ?? 10, Math.floor(Math.min(xs.rows, ys.rows) / 4)));
  let stderr = NaN;
  if (Math.min(xs.rows, ys.rows) >= 2 * blocks) {
    const px = shuffled(xs.rows, random);
    const py = shuffled(ys.rows, random);
    const est: number[] = [];
    for (let b = 0; b < blocks; b++) {
      const bx = px.filter((_, i) => i % blocks === b);
      const by = py.filter((_, i) => i % blocks === b);
      est.push(mmd2(kxx, xs.rows, kyy, ys.rows, kxy, bx, by));
    }
    const m = mean(est);
    const sd = Math.sqrt(est.reduce((s, v) => s + (v - m) ** 2, 0) / (blocks - 1));
    // A block has 1/blocks of the images; the U-statistic's variance falls as 1/n, so the whole
    // set's error is the blocks' spread divided by √blocks.
    stderr = sd / Math.sqrt(blocks);
  }
  return { kid: value, stderr, used: [xs.rows, ys.rows] };
}

// ---------------------------------------------------------------- FID

/** Column means and the centred data (float64), row-major. */
function centred(m: FeatureMatrix): { mu: Float64Array; c: Float64Array } {
  const mu = new Float64Array(m.dim);
  for (let i = 0; i < m.rows; i++) for (let k = 0; k < m.dim; k++) mu[k]! += m.data[i * m.dim + k]!;
  for (let k = 0; k < m.dim; k++) mu[k]! /= m.rows;
  const c = new Float64Array(m.rows * m.dim);
  for (let i = 0; i < m.rows; i++) for (let k = 0; k < m.dim; k++) c[i * m.dim + k] = m.data[i * m.dim + k]! - mu[k]!;
  return { mu, c };
}

/** A·Bᵀ for row-major A (ra×k) and B (rb×k). */
function abT(a: Float64Array, ra: number, b: Float64Array, rb: number, k: number): Float64Array {
  const out = new Float64Array(ra * rb);
  for (let i = 0; i < ra; i++) {
    for (let j = 0; j < rb; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t]! * b[j * k + t]!;
      out[i * rb + j] = s;
    }
  }
  return out;
}

/** Covariance (d×d, divided by n − 1) of centred rows. */
function covariance(c: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let p = 0; p < d; p++) {
      const v = c[row + p]!;
      if (v === 0) continue;
      const o = p * d;
      for (let q = p; q < d; q++) out[o + q]! += v * c[row + q]!;
    }
  }
  for (let p = 0; p < d; p++)
    for (let q = p; q < d; q++) {
      out[p * d + q]! /= n - 1;
      out[q * d + p] = out[p * d + q]!;
    }
  return out;
}

/**
 * Eigenvalues of a symmetric n×n matrix (row-major, float64; destroyed): Householder reduction to
 * tridiagonal form, then the implicit QL algorithm with Wilkinson shifts (tred2/tql1 without
 * vectors). Stable, O(n³), seconds for n = 1,000–1,300 where Jacobi sweeps would take minutes.
 */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  // Householder: for i from n−1 down, zero row i left of the sub-diagonal.
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1;
    let h = 0;
    if (l > 0) {
      let scale = 0;
      for (let k = 0; k <= l; k++) scale += Math.abs(a[i * n + k]!);
      if (scale === 0) e[i] = a[i * n + l]!;
      else {
        for (let k = 0; k <= l; k++) {
          a[i * n + k]! /= scale;
          h += a[i * n + k]! ** 2;
        }
        const f = a[i * n + l]!;
        const g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
        e[i] = scale * g;
        h -= f * g;
        a[i * n + l] = f - g;
        let ff = 0;
        for (let j = 0; j <= l; j++) {
          let gg = 0;
          for (let k = 0; k <= j; k++) gg += a[j * n + k]! * a[i * n + k]!;
          for (let k = j + 1; k <= l; k++) gg += a[k * n + j]! * a[i * n + k]!;
          e[j] = gg / h;
          ff += e[j]! * a[i * n + j]!;
        }
        const hh = ff / (h + h);
        for (let j = 0; j <= l; j++) {
          const fj = a[i * n + j]!;
          const gj = (e[j] = e[j]! - hh * fj);
          for (let k = 0; k <= j; k++) a[j * n + k]! -= fj * e[k]! + gj * a[i * n + k]!;
        }
      }
    } else e[i] = a[i * n + l]!;
    d[i] = h;
  }
  for (let i = 0; i < n; i++) d[i] = a[i * n + i]!;
  // QL with implicit shifts on the tridiagonal matrix (diagonal d, off-diagonal e).
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  // Off-diagonals below eps·‖T‖ count as zero (JAMA's test): a relative test per pair never
  // passes where a PSD matrix of low rank has clusters of eigenvalues near zero.
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(d[i]!) + Math.abs(e[i]!));
  for (let l = 0; l < n; l++) {
    let iter = 0;
    let m: number;
    do {
      for (m = l; m < n - 1; m++) {
        if (Math.abs(e[m]!) <= Number.EPSILON * norm) break;
      }
      if (m !== l) {
        if (iter++ === 60) throw new Error('Eigenvalues did not converge.');
        let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
        let r = Math.hypot(g, 1);
        g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        for (i = m - 1; i >= l; i--) {
          const f = s * e[i]!;
          const b = c * e[i]!;
          e[i + 1] = r = Math.hypot(f, g);
          if (r === 0) {
            d[i + 1]! -= p;
            e[m] = 0;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1]! - p;
          r = (d[i]! - g) * s + 2 * c * b;
          d[i + 1] = g + (p = s * r);
          g = c * r - b;
        }
        if (r === 0 && i >= l) continue;
        d[l]! -= p;
        e[l] = g;
        e[m] = 0;
      }
    } while (m !== l);
  }
  return d;
}

/** Lower-triangular L with L·Lᵀ = S + ridge·I (S symmetric positive semi-definite, d×d). */
function cholesky(s: Float64Array, d: number, ridge: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let v = s[i * d + j]! + (i === j ? ridge : 0);
      for (let k = 0; k < j; k++) v -= l[i * d + k]! * l[j * d + k]!;
      l[i * d + j] = i === j ? Math.sqrt(Math.max(v, ridge)) : v / l[j * d + j]!;
    }
  }
  return l;
}

/** tr((Σ₁^½ Σ₂ Σ₁^½)^½) from the covariances: Σ₁ = LLᵀ, and Lᵀ Σ₂ L has the same eigenvalues. */
function traceSqrtProduct(s1: Float64Array, s2: Float64Array, d: number): number {
  let tr = 0;
  for (let i = 0; i < d; i++) tr += s1[i * d + i]!;
  const l = cholesky(s1, d, 1e-12 * Math.max(tr / d, 1e-30));
  // K = Lᵀ Σ₂ L.
  const t = new Float64Array(d * d); // Σ₂ L
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let v = 0;
      for (let k = j; k < d; k++) v += s2[i * d + k]! * l[k * d + j]!;
      t[i * d + j] = v;
    }
  const k = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = i; j < d; j++) {
      let v = 0;
      for (let p = i; p < d; p++) v += l[p * d + i]! * t[p * d + j]!;
      k[i * d + j] = v;
      k[j * d + i] = v;
    }
  return sumSqrt(symmetricEigenvalues(k, d));
}

function sumSqrt(values: Float64Array): number {
  let s = 0;
  for (const v of values) if (v > 0) s += Math.sqrt(v);
  return s;
}

/** Fréchet distance between two Gaussians given by their means and covariances (d×d, row-major). */
export function frechetDistance(mu1: ArrayLike<number>, s1: Float64Array, mu2: ArrayLike<number>, s2: Float64Array): number {
  const d = mu1.length;
  let diff = 0;
  for (let k = 0; k < d; k++) diff += (mu1[k]! - mu2[k]!) ** 2;
  let trace = 0;
  for (let k = 0; k < d; k++) trace += s1[k * d + k]! + s2[k * d + k]!;
  return diff + trace - 2 * traceSqrtProduct(s1, s2, d);
}

/**
 * FID on Atelier's embedding: ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2(Σ₁^½ Σ₂ Σ₁^½)^½), in float64. When a set
 * has fewer images than features (the usual case here: 1,000 images, 1,280 features) the trace
 * term comes from the small side: with centred data A, B, the eigenvalues of Σ₁Σ₂ are those of
 * (ABᵀ)(ABᵀ)ᵀ/((n₁−1)(n₂−1)), an n×n matrix. Biased upwards for small sets: compare FIDs at the
 * same set sizes, and prefer KID.
 */
export function fid(x: FeatureMatrix, y: FeatureMatrix): number {
  checkDims(x, y);
  if (x.rows < 2 || y.rows < 2) throw new Error('FID needs at least two images in each set.');
  const d = x.dim;
  const a = centred(x);
  const b = centred(y);
  let diff = 0;
  for (let k = 0; k < d; k++) diff += (a.mu[k]! - b.mu[k]!) ** 2;
  let trace = 0;
  for (const v of a.c) trace += v * v;
  trace /= x.rows - 1;
  let traceY = 0;
  for (const v of b.c) traceY += v * v;
  trace += traceY / (y.rows - 1);
  let cross: number;
  if (Math.min(x.rows, y.rows) <= d) {
    const [small, ns, big, nb] = x.rows <= y.rows ? [a.c, x.rows, b.c, y.rows] : [b.c, y.rows, a.c, x.rows];
    const m = abT(small, ns, big, nb, d); // ns × nb
    const mmT = abT(m, ns, m, ns, nb); // ns × ns, symmetric
    const scale = (x.rows - 1) * (y.rows - 1);
    for (let i = 0; i < mmT.length; i++) mmT[i]! /= scale;
    cross = sumSqrt(symmetricEigenvalues(mmT, ns));
  } else {
    cross = traceSqrtProduct(covariance(a.c, x.rows, d), covariance(b.c, y.rows, d), d);
  }
  return Math.max(0, diff + trace - 2 * cross);
}

// ---------------------------------------------------------------- precision, recall, diversity

export interface PrecisionRecall {
  /** Share of generated images inside the real images' k-NN manifold: are they realistic? */
  precision: number;
  /** Share of real images inside the generated images' manifold: is the data's variety covered? */
  recall: number;
}

/** Improved precision and recall (Kynkäänniemi et al. 2019), k-NN manifolds with k = 3. */
export function precisionRecall(real: FeatureMatrix, fake: FeatureMatrix, k = 3): PrecisionRecall {
  checkDims(real, fake);
  if (real.rows <= k || fake.rows <= k) throw new Error(`Precision and recall need more than ${k} images in each set.`);
  const rr = kthNeighbourRadii(real, k);
  const rf = kthNeighbourRadii(fake, k);
  const d = distances(fake, real); // fake.rows × real.rows
  let inReal = 0;
  for (let j = 0; j < fake.rows; j++) {
    for (let i = 0; i < real.rows; i++)
      if (d[j * real.rows + i]! <= rr[i]!) {
        inReal++;
        break;
      }
  }
  let inFake = 0;
  for (let i = 0; i < real.rows; i++) {
    for (let j = 0; j < fake.rows; j++)
      if (d[j * real.rows + i]! <= rf[j]!) {
        inFake++;
        break;
      }
  }
  return { precision: inReal / fake.rows, recall: inFake / real.rows };
}

function meanPairwiseDistance(m: FeatureMatrix): number {
  const d = distances(m, m);
  let s = 0;
  for (let i = 0; i < m.rows; i++) for (let j = i + 1; j < m.rows; j++) s += d[i * m.rows + j]!;
  return s / ((m.rows * (m.rows - 1)) / 2);
}

/** Mean pairwise feature distance of the samples over the real set's: 1 ≈ as varied as the data. */
export function diversity(samples: FeatureMatrix, reference: FeatureMatrix): { score: number; samples: number; reference: number } {
  checkDims(samples, reference);
  const s = meanPairwiseDistance(samples);
  const r = meanPairwiseDistance(reference);
  return { score: s / r, samples: s, reference: r };
}

// ---------------------------------------------------------------- class coverage

export interface ClassCoverage {
  /** Share of classes whose samples mostly land nearest their own class's real images. */
  coverage: number;
  perClass: { cls: number; samples: number; nearestOwn: number; covered: boolean }[];
}

/**
 * For conditional models: for each class (tag), the share of its samples whose nearest real-class
 * centroid is their own class; a class is covered when more than half are. Classes with no real
 * images or no samples are left out.
 */
export function classCoverage(real: FeatureMatrix, realLabels: readonly number[], samples: FeatureMatrix, sampleLabels: readonly number[]): ClassCoverage {
  checkDims(real, samples);
  const d = real.dim;
  const classes = [...new Set(realLabels)].sort((p, q) => p - q);
  const centroids = new Float64Array(classes.length * d);
  const counts = new Array<number>(classes.length).fill(0);
  const slot = new Map(classes.map((c, i) => [c, i]));
  realLabels.forEach((c, r) => {
    const s = slot.get(c)!;
    counts[s]!++;
    for (let k = 0; k < d; k++) centroids[s * d + k]! += real.data[r * d + k]!;
  });
  for (let s = 0; s < classes.length; s++) for (let k = 0; k < d; k++) centroids[s * d + k]! /= counts[s]!;
  const own = new Map<number, { samples: number; nearestOwn: number }>();
  sampleLabels.forEach((c, r) => {
    if (!slot.has(c)) return;
    let best = -1;
    let bestD = Infinity;
    for (let s = 0; s < classes.length; s++) {
      let v = 0;
      for (let k = 0; k < d; k++) v += (samples.data[r * d + k]! - centroids[s * d + k]!) ** 2;
      if (v < bestD) {
        bestD = v;
        best = s;
      }
    }
    const e = own.get(c) ?? { samples: 0, nearestOwn: 0 };
    e.samples++;
    if (classes[best] === c) e.nearestOwn++;
    own.set(c, e);
  });
  const perClass = [...own.entries()].sort((p, q) => p[0] - q[0]).map(([cls, e]) => ({ cls, ...e, covered: e.nearestOwn / e.samples > 0.5 }));
  return { coverage: perClass.length ? perClass.filter((c) => c.covered).length / perClass.length : NaN, perClass };
}

/**
 * The coverage part of the collapse alarm: a conditional model whose tags stop steering it covers
 * far fewer tags than the real images cover themselves (each real image against its own tag's
 * centroid). Fires below half of the real images' own coverage.
 */
export function coverageAlarm(
  real: FeatureMatrix,
  realLabels: readonly number[],
  samples: FeatureMatrix,
  sampleLabels: readonly number[],
): { coverage: number; own: number; reason: string | null } {
  const coverage = classCoverage(real, realLabels, samples, sampleLabels).coverage;
  const own = classCoverage(real, realLabels, real, realLabels).coverage;
  const fires = Number.isFinite(coverage) && Number.isFinite(own) && coverage < own / 2;
  return {
    coverage,
    own,
    reason: fires
      ? `Only ${Math.round(coverage * 100)}% of tags give images nearest their own tag's real images (the real images themselves: ${Math.round(own * 100)}%).`
      : null,
  };
}

// ---------------------------------------------------------------- collapse

export interface CollapseReport {
  collapsed: boolean;
  /** Plain reasons, for the alarm. */
  reasons: string[];
  diversity: number;
  /** Share of samples with a near-identical other sample. */
  duplicateShare: number;
  /** The evidence: groups of near-identical samples (indices), largest first. */
  groups: number[][];
  /** Feature distance under which two samples count as near-identical. */
  threshold: number;
}

/**
 * Mode collapse: diversity far below the reference's (< `minDiversity`), or many samples in a few
 * groups of near-identical images. "Near-identical" = closer than the `tightQuantile` quantile of
 * the reference's nearest-neighbour distances, i.e. closer than almost any two real images are.
 */
export function detectCollapse(
  samples: FeatureMatrix,
  reference: FeatureMatrix,
  options: { minDiversity?: number; maxDuplicateShare?: number; tightQuantile?: number } = {},
): CollapseReport {
  const minDiversity = options.minDiversity ?? 0.5;
  const maxShare = options.maxDuplicateShare ?? 0.25;
  const div = diversity(samples, reference).score;
  const threshold = quantile(nearest(reference, reference).distance, options.tightQuantile ?? 0.01);
  const d = distances(samples, samples);
  const n = samples.rows;
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (d[i * n + j]! <= threshold) parent[find(i)] = find(j);
  const byRoot = new Map<number, number[]>();
  for (let i = 0; i < n; i++) byRoot.set(find(i), [...(byRoot.get(find(i)) ?? []), i]);
  const groups = [...byRoot.values()].filter((g) => g.length > 1).sort((p, q) => q.length - p.length);
  const duplicateShare = groups.reduce((s, g) => s + g.length, 0) / n;
  const reasons: string[] = [];
  if (div < minDiversity) reasons.push(`Samples are ${Math.round(div * 100)}% as varied as the real images (alarm below ${Math.round(minDiversity * 100)}%).`);
  if (duplicateShare > maxShare)
    reasons.push(
      `${Math.round(duplicateShare * 100)}% of samples are near-identical to another sample, in ${groups.length} group${groups.length === 1 ? '' : 's'} (the largest has ${groups[0]!.length}).`,
    );
  return { collapsed: reasons.length > 0, reasons, diversity: div, duplicateShare, groups, threshold };
}

// ---------------------------------------------------------------- memorisation

/** Packed RGB pixels of same-sized square images (the layout training uses). */
export interface PixelSet {
  count: number;
  size: number;
  pixels: Uint8Array;
}

/** Sum of squared byte differences of two images (at offsets ai, bj), stopping once it reaches `stopAt`. */
export function squaredPixelDistance(a: Uint8Array, ai: number, b: Uint8Array, bj: number, length: number, stopAt = Infinity): number {
  let s = 0;
  for (let k = 0; k < length && s < stopAt; k++) {
    const v = a[ai + k]! - b[bj + k]!;
    s += v * v;
  }
  return s;
}

/** Block means of each image (blocks of `block`×`block` pixels, per channel), for the lower bound below. */
function blockMeans(set: PixelSet, block: number): Float64Array {
  const { size } = set;
  const cells = size / block;
  const per = cells * cells * 3;
  const out = new Float64Array(set.count * per);
  const stride = size * size * 3;
  for (let i = 0; i < set.count; i++) {
    const base = i * stride;
    for (let y = 0; y < size; y++) {
      const row = base + y * size * 3;
      const cy = Math.floor(y / block) * cells;
      for (let x = 0; x < size; x++) {
        const cell = (cy + Math.floor(x / block)) * 3 + i * per;
        const px = row + x * 3;
        out[cell]! += set.pixels[px]!;
        out[cell + 1]! += set.pixels[px + 1]!;
        out[cell + 2]! += set.pixels[px + 2]!;
      }
    }
  }
  const n = block * block;
  for (let k = 0; k < out.length; k++) out[k]! /= n;
  return out;
}

/**
 * For each image of a, the nearest image of b by root-mean-square pixel difference (0–1). Exact,
 * but fast: the squared distance between two images is at least block² times the squared distance
 * between their block means (Cauchy–Schwarz within each block), so candidates are visited in
 * order of that cheap bound and the search stops once the bound passes the best exact distance.
 */
export function nearestPixels(a: PixelSet, b: PixelSet): { index: Int32Array; distance: Float64Array } {
  if (a.size !== b.size) throw new Error(`Pixel sets differ in size: ${a.size} and ${b.size}.`);
  const stride = a.size * a.size * 3;
  const index = new Int32Array(a.count).fill(-1);
  const distance = new Float64Array(a.count).fill(Infinity);
  const block = a.size % 8 === 0 ? a.size / 8 : 1;
  const per = (a.size / block) ** 2 * 3;
  const ma = blockMeans(a, block);
  const mb = blockMeans(b, block);
  const scale = block * block;
  const bound = new Float64Array(b.count);
  const order = new Int32Array(b.count);
  for (let i = 0; i < a.count; i++) {
    for (let j = 0; j < b.count; j++) {
      let s = 0;
      for (let k = 0; k < per; k++) {
        const v = ma[i * per + k]! - mb[j * per + k]!;
        s += v * v;
      }
      bound[j] = s * scale;
      order[j] = j;
    }
    order.sort((p, q) => bound[p]! - bound[q]!);
    const pa = i * stride;
    let best = Infinity;
    for (let r = 0; r < b.count; r++) {
      const j = order[r]!;
      if (bound[j]! >= best) break;
      const s = squaredPixelDistance(a.pixels, pa, b.pixels, j * stride, stride, best);
      if (s < best) {
        best = s;
        index[i] = j;
      }
    }
    distance[i] = Math.sqrt(best / stride) / 255;
  }
  return { index, distance };
}

export interface CopyCalibration {
  /** A feature distance to the nearest training image below this is a possible copy. */
  feature: number;
  /** Likewise for the RMS pixel distance (0–1). */
  pixel: number;
}

/**
 * Thresholds from val→train nearest distances: held-back real images are, by construction, not
 * copies, so a generated image much nearer to a training image than any of them (`factor` × the
 * `q` quantile of the positive distances; by default half the smallest) may be one. The smallest
 * rather than a percentile, because the low tail of real data holds honest look-alikes (at 32 px
 * "man: bald" is 4% RMS from "man: white hair"), and val must stay silent. Exact duplicates across
 * splits (distance 0) are left out: import de-duplicates by content, so they are not data.
 */
export function calibrateCopies(
  valToTrain: { feature: ArrayLike<number>; pixel: ArrayLike<number> },
  options: { q?: number; factor?: number } = {},
): CopyCalibration {
  const q = options.q ?? 0;
  const factor = options.factor ?? 0.5;
  const positive = (v: ArrayLike<number>) => Array.from(v).filter((x) => x > 0);
  return { feature: factor * quantile(positive(valToTrain.feature), q), pixel: factor * quantile(positive(valToTrain.pixel), q) };
}

export interface MemorisationEntry {
  /** Index of the generated image. */
  sample: number;
  nearestByFeature: number;
  featureDistance: number;
  nearestByPixel: number;
  pixelDistance: number;
  possibleCopy: boolean;
}

/** Nearest neighbours found some way: an index and a distance per image. */
export interface Neighbours {
  index: ArrayLike<number>;
  distance: ArrayLike<number>;
}

/**
 * The "possible copy" flags from each generated image's nearest training image in feature space
 * (null: not compared) and in pixel space: either distance under its calibrated threshold.
 */
export function flagCopies(byFeature: Neighbours | null, byPixel: Neighbours, calibration: CopyCalibration): MemorisationEntry[] {
  return Array.from({ length: byPixel.index.length }, (_, i) => ({
    sample: i,
    nearestByFeature: byFeature ? byFeature.index[i]! : -1,
    featureDistance: byFeature ? byFeature.distance[i]! : Infinity,
    nearestByPixel: byPixel.index[i]!,
    pixelDistance: byPixel.distance[i]!,
    possibleCopy: (byFeature !== null && byFeature.distance[i]! < calibration.feature) || byPixel.distance[i]! < calibration.pixel,
  }));
}

/**
 * For each generated image: its nearest training image in feature space and in pixel space, the
 * distances, and the "possible copy" flag (either distance under its calibrated threshold).
 * Exhaustive searches in JS; evaluation/score.ts finds the same neighbours with tfjs.
 */
export function memorisation(
  samples: { features: FeatureMatrix; pixels: PixelSet },
  train: { features: FeatureMatrix; pixels: PixelSet },
  calibration: CopyCalibration,
): MemorisationEntry[] {
  return flagCopies(nearest(samples.features, train.features), nearestPixels(samples.pixels, train.pixels), calibration);
}

// ---------------------------------------------------------------- drift

/** Each row scaled to length 1 (a zero row stays zero). */
export function unitRows(m: FeatureMatrix): FeatureMatrix {
  const data = new Float32Array(m.data.length);
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let k = 0; k < m.dim; k++) s += m.data[i * m.dim + k]! ** 2;
    const scale = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let k = 0; k < m.dim; k++) data[i * m.dim + k] = m.data[i * m.dim + k]! * scale;
  }
  return { rows: m.rows, dim: m.dim, data };
}

export interface DriftReport {
  /** Median nearest-training distance of the new images over the reference's: ≈ 1 = like the training data. */
  score: number;
  /** Share of new images farther from the training set than 95% of the reference images are. */
  outlierShare: number;
  /** The most unusual new images, most unusual first, with their distance over the reference median. */
  unusual: { index: number; ratio: number }[];
}

/**
 * New images against the training set: each one's nearest training distance compared with the
 * same distance for images known to belong (the val split; else the training set leave-one-out).
 */
export function drift(incoming: FeatureMatrix, train: FeatureMatrix, reference?: FeatureMatrix, top = 12): DriftReport {
  // On directions (cosine distance): a plain or faint image has small features that sit near
  // many others by Euclidean distance (hubness), which hid noise among typical images.
  const t = unitRows(train);
  const ref = reference ? nearest(unitRows(reference), t).distance : nearest(t, t).distance;
  const mid = quantile(ref, 0.5);
  const far = quantile(ref, 0.95);
  const d = nearest(unitRows(incoming), t).distance;
  const ratios = Array.from(d, (v) => v / mid);
  const unusual = ratios
    .map((ratio, index) => ({ index, ratio }))
    .sort((p, q) => q.ratio - p.ratio)
    .slice(0, top);
  return { score: quantile(d, 0.5) / mid, outlierShare: d.filter((v) => v > far).length / d.length, unusual };
}
