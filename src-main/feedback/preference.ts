// The preference model: the team's taste as a ridge regression from an image's evaluation
// features (1,280 numbers, evaluation/features.ts) to its mean rating. Few ratings and many
// features is the textbook case for ridge in its dual form: the n×n kernel of centred features,
// solved by Cholesky for each candidate λ. λ is chosen by cross-validation on the training
// ratings only, and the model's accuracy is measured on ratings held out of everything (k-fold):
// Spearman's rank correlation (does it order images as the team would?) and the mean absolute
// error against always guessing the mean. No tfjs: plain float64 arithmetic, a few seconds at most.
import type { FeatureMatrix } from '../evaluation/metrics';

/** Below this many rated images the model says it cannot be trusted, whatever it scores. */
export const MIN_RATINGS = 20;
/** A model is fitted from this many (it predicts, labelled untrusted, until MIN_RATINGS). */
export const MIN_TO_FIT = 6;
/** The most recent ratings a model learns from: the kernel is n×n and solved several times. */
export const MAX_RATINGS = 800;
const FOLDS = 5;
/** λ as multiples of the kernel's mean diagonal. */
const LAMBDAS = [0.01, 0.03, 0.1, 0.3, 1, 3, 10];

export interface LinearModel {
  /** Weights over the features (float32), the feature means they are centred by, the intercept. */
  weights: Float32Array;
  mean: Float32Array;
  intercept: number;
  lambda: number;
}

export interface HeldOut {
  /** Ratings predicted without having been seen. */
  n: number;
  spearman: number;
  mae: number;
  /** MAE of predicting each fold's training mean. */
  baselineMae: number;
}

export interface PreferenceFit {
  model: LinearModel | null;
  heldOut: HeldOut | null;
  trusted: boolean;
  verdict: string;
}

/** Ranks (1-based, ties averaged). */
export function ranks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const out = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]!] === values[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]!] = rank;
    i = j + 1;
  }
  return out;
}

/** Pearson correlation; 0 when either side is constant. */
function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson(ranks(a), ranks(b));
}

/** Solves (A + λI) x = b for symmetric positive definite A (n×n, row-major), by Cholesky. */
function solveRidge(a: Float64Array, n: number, lambda: number, b: Float64Array): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]! + (i === j ? lambda : 0);
      const li = i * n;
      const lj = j * n;
      for (let k = 0; k < j; k++) s -= l[li + k]! * l[lj + k]!;
      if (i === j) {
        if (!(s > 0)) throw new Error('The rating kernel is not positive definite (λ too small).');
        l[li + i] = Math.sqrt(s);
      } else l[li + j] = s / l[lj + j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
    y[i] = s / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

/** Centred dot products of every pair of rows (the kernel), once for all folds. */
function centredKernel(x: FeatureMatrix): { kernel: Float64Array; mean: Float64Array } {
  const { rows: n, dim, data } = x;
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) mean[k]! += data[i * dim + k]!;
  for (let k = 0; k < dim; k++) mean[k]! /= n;
  const c = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) c[i * dim + k] = data[i * dim + k]! - mean[k]!;
  const kernel = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s0 = 0;
      let s1 = 0;
      const ai = i * dim;
      const bj = j * dim;
      let k = 0;
      for (; k + 1 < dim; k += 2) {
        s0 += c[ai + k]! * c[bj + k]!;
        s1 += c[ai + k + 1]! * c[bj + k + 1]!;
      }
      if (k < dim) s0 += c[ai + k]! * c[bj + k]!;
      kernel[i * n + j] = kernel[j * n + i] = s0 + s1;
    }
  }
  return { kernel, mean };
}

/**
 * Predictions for rows `test` from a ridge fit on rows `train`, using the full centred kernel
 * (centring on all rows shifts every row by the same vector, which the intercept absorbs: the
 * fit on `train` re-centres its targets and the kernel is re-centred on the train rows).
 */
function foldPredict(kernel: Float64Array, n: number, y: ArrayLike<number>, train: number[], test: number[], lambda: number): Float64Array {
  const m = train.length;
  // Re-centre the kernel on the training rows: K' = (I − 1/m)K(I − 1/m) over train, and the cross block alike.
  const rowMean = new Float64Array(n);
  let all = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (const j of train) s += kernel[i * n + j]!;
    rowMean[i] = s / m;
  }
  for (const i of train) all += rowMean[i]!;
  all /= m;
  const k = new Float64Array(m * m);
  for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) k[a * m + b] = kernel[train[a]! * n + train[b]!]! - rowMean[train[a]!]! - rowMean[train[b]!]! + all;
  let ym = 0;
  for (const i of train) ym += y[i]!;
  ym /= m;
  const yc = Float64Array.from(train, (i) => y[i]! - ym);
  const alpha = solveRidge(k, m, lambda, yc);
  const out = new Float64Array(test.length);
  test.forEach((t, ti) => {
    let s = 0;
    for (let b = 0; b < m; b++) s += (kernel[t * n + train[b]!]! - rowMean[t]! - rowMean[train[b]!]! + all) * alpha[b]!;
    out[ti] = ym + s;
  });
  return out;
}

/** Folds of 0…n−1, shuffled by a fixed seed (the same ratings give the same folds). */
function folds(n: number, k: number, seed: number): number[][] {
  const order = Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return Array.from({ length: k }, (_, f) => order.filter((_, i) => i % k === f));
}

/** The λ (absolute) with the lowest cross-validated squared error among `rows`. */
function chooseLambda(kernel: Float64Array, n: number, y: ArrayLike<number>, rows: number[], scale: number): number {
  const inner = folds(rows.length, Math.min(4, rows.length), 7).map((f) => f.map((i) => rows[i]!));
  let best = LAMBDAS[0]! * scale;
  let bestErr = Infinity;
  for (const l of LAMBDAS) {
    let err = 0;
    for (const test of inner) {
      const train = rows.filter((r) => !test.includes(r));
      const p = foldPredict(kernel, n, y, train, test, l * scale);
      test.forEach((t, i) => (err += (p[i]! - y[t]!) ** 2));
    }
    if (err < bestErr) {
      bestErr = err;
      best = l * scale;
    }
  }
  return best;
}

/** Fits the model on every row; the weights are explicit, so predicting needs no kernel. */
function fitAll(x: FeatureMatrix, kernel: Float64Array, mean: Float64Array, y: ArrayLike<number>, lambda: number): LinearModel {
  const n = x.rows;
  const all = Array.from({ length: n }, (_, i) => i);
  let ym = 0;
  for (let i = 0; i < n; i++) ym += y[i]!;
  ym /= n;
  const alpha = solveRidge(
    kernel,
    n,
    lambda,
    Float64Array.from(all, (i) => y[i]! - ym),
  );
  const w = new Float64Array(x.dim);
  for (let i = 0; i < n; i++) {
    const a = alpha[i]!;
    for (let k = 0; k < x.dim; k++) w[k]! += a * (x.data[i * x.dim + k]! - mean[k]!);
  }
  return { weights: Float32Array.from(w), mean: Float32Array.from(mean), intercept: ym, lambda };
}

/** Predicted stars for each row of `x`, clamped to 1–5. */
export function predict(model: LinearModel, x: FeatureMatrix): Float32Array {
  const out = new Float32Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let s = model.intercept;
    for (let k = 0; k < x.dim; k++) s += (x.data[i * x.dim + k]! - model.mean[k]!) * model.weights[k]!;
    out[i] = Math.min(5, Math.max(1, s));
  }
  return out;
}

const stars = (v: number) => `${v.toFixed(1)} star${v.toFixed(1) === '1.0' ? '' : 's'}`;

/**
 * Learns ratings `y` (stars, 1–5) of feature rows `x`: the model on all of them, and its accuracy
 * on ratings it did not see (5-fold, λ chosen inside each fold). Says plainly when it cannot be trusted.
 */
export function fitPreference(x: FeatureMatrix, y: ArrayLike<number>): PreferenceFit {
  const n = x.rows;
  if (n < MIN_TO_FIT) {
    return {
      model: null,
      heldOut: null,
      trusted: false,
      verdict: `Too few ratings to learn from: ${n} rated image${n === 1 ? '' : 's'}; it needs at least ${MIN_RATINGS}.`,
    };
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    lo = Math.min(lo, y[i]!);
    hi = Math.max(hi, y[i]!);
  }
  if (hi - lo < 1e-9) {
    return {
      model: null,
      heldOut: null,
      trusted: false,
      verdict: `Every rating so far is ${stars(lo)}: there is nothing to tell apart yet. Rate images you like less, or more.`,
    };
  }
  const { kernel, mean } = centredKernel(x);
  let trace = 0;
  for (let i = 0; i < n; i++) trace += kernel[i * n + i]!;
  const scale = Math.max(trace / n, 1e-12);
  const all = Array.from({ length: n }, (_, i) => i);

  // Held out: each fold predicted by a model (and a λ) chosen without it.
  const predicted = new Float64Array(n);
  const baseline = new Float64Array(n);
  for (const test of folds(n, Math.min(FOLDS, n), 1)) {
    const train = all.filter((i) => !test.includes(i));
    const lambda = chooseLambda(kernel, n, y, train, scale);
    const p = foldPredict(kernel, n, y, train, test, lambda);
    let ym = 0;
    for (const i of train) ym += y[i]!;
    ym /= train.length;
    test.forEach((t, i) => {
      predicted[t] = Math.min(5, Math.max(1, p[i]!));
      baseline[t] = ym;
    });
  }
  let mae = 0;
  let baselineMae = 0;
  for (let i = 0; i < n; i++) {
    mae += Math.abs(predicted[i]! - y[i]!);
    baselineMae += Math.abs(baseline[i]! - y[i]!);
  }
  const heldOut: HeldOut = { n, spearman: spearman(predicted, y), mae: mae / n, baselineMae: baselineMae / n };
  const model = fitAll(x, kernel, mean, y, chooseLambda(kernel, n, y, all, scale));

  // Trusted: enough ratings, a rank correlation unlikely by chance (t > 2), and closer than guessing.
  const r = heldOut.spearman;
  const t = r * Math.sqrt((n - 2) / Math.max(1e-9, 1 - r * r));
  const better = t > 2 && heldOut.mae < heldOut.baselineMae;
  const measured = `on ${n} ratings it did not see, rank correlation ${r.toFixed(2)} (guessing: 0), off by ${stars(heldOut.mae)} on average against ${stars(heldOut.baselineMae)} for always guessing the mean`;
  if (n < MIN_RATINGS) {
    return { model, heldOut, trusted: false, verdict: `Too few ratings to trust: ${n} rated images; it needs at least ${MIN_RATINGS}. So far, ${measured}.` };
  }
  if (!better) {
    return { model, heldOut, trusted: false, verdict: `Not better than guessing yet: ${measured}. Rate more images, and use the whole range of stars.` };
  }
  return { model, heldOut, trusted: true, verdict: `Predicts the team's ratings: ${measured}.` };
}
