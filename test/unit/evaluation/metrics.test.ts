import { describe, expect, it } from 'vitest';
import {
  calibrateCopies,
  classCoverage,
  coverageAlarm,
  detectCollapse,
  diversity,
  drift,
  fid,
  frechetDistance,
  kid,
  matrix,
  memorisation,
  nearestPixels,
  precisionRecall,
  rng,
  symmetricEigenvalues,
  type FeatureMatrix,
} from '../../../src-main/evaluation/metrics';

/** Standard normal draws (Box–Muller) from a seeded generator. */
function normals(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** n rows of N(mean, diag(scale²)), optionally rotated by a fixed orthogonal matrix. */
function gaussian(n: number, d: number, seed: number, opts: { mean?: number[]; scale?: number[] } = {}): FeatureMatrix {
  const z = normals(rng(seed));
  const m = matrix(n, d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) m.data[i * d + k] = (opts.mean?.[k] ?? 0) + (opts.scale?.[k] ?? 1) * z();
  return m;
}

function shift(m: FeatureMatrix, by: number): FeatureMatrix {
  return matrix(
    m.rows,
    m.dim,
    m.data.map((v) => v + by),
  );
}

describe('symmetric eigenvalues', () => {
  it('match a matrix built from known eigenvalues', () => {
    const n = 40;
    const z = normals(rng(3));
    // Q from Gram–Schmidt of a random matrix; A = Q diag(λ) Qᵀ.
    const q: number[][] = [];
    for (let i = 0; i < n; i++) {
      let v = Array.from({ length: n }, () => z());
      for (const u of q) {
        const p = v.reduce((s, x, k) => s + x * u[k]!, 0);
        v = v.map((x, k) => x - p * u[k]!);
      }
      const norm = Math.hypot(...v);
      q.push(v.map((x) => x / norm));
    }
    const lambda = Array.from({ length: n }, (_, i) => (i - 10) * 0.37);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = lambda.reduce((s, l, k) => s + l * q[k]![i]! * q[k]![j]!, 0);
    const got = [...symmetricEigenvalues(a, n)].sort((x, y) => x - y);
    got.forEach((v, i) => expect(v).toBeCloseTo(lambda[i]!, 9));
  });
});

describe('KID', () => {
  const d = 64;
  it('is ≈ 0 for a set against itself and clearly larger against a shifted set', () => {
    const x = gaussian(300, d, 1);
    const y = gaussian(300, d, 2);
    const same = kid(x, y);
    const shifted = kid(x, shift(y, 0.5));
    expect(Math.abs(same.kid)).toBeLessThan(3 * same.stderr + 1e-3);
    expect(shifted.kid).toBeGreaterThan(10 * shifted.stderr);
    expect(shifted.kid).toBeGreaterThan(20 * Math.abs(same.kid));
    expect(kid(x, shift(y, 1)).kid).toBeGreaterThan(shifted.kid);
  });

  it('is unbiased on small samples: its mean over resamples is near the large-sample value', () => {
    const mu = Array(d).fill(0.3);
    const big = kid(gaussian(1500, d, 10), gaussian(1500, d, 11, { mean: mu })).kid;
    const small: number[] = [];
    for (let r = 0; r < 300; r++) small.push(kid(gaussian(20, d, 1000 + r), gaussian(20, d, 2000 + r, { mean: mu })).kid);
    const m = small.reduce((s, v) => s + v, 0) / small.length;
    const se = Math.sqrt(small.reduce((s, v) => s + (v - m) ** 2, 0) / (small.length - 1) / small.length);
    expect(big).toBeGreaterThan(0);
    expect(Math.abs(m - big)).toBeLessThan(3 * se);
    expect(Math.abs(m - big) / big).toBeLessThan(0.1);
    // FID on the same small sets is biased upwards — the reason KID is the headline number.
    const fidSmall = fid(gaussian(25, d, 300), gaussian(25, d, 301));
    expect(fidSmall).toBeGreaterThan(10 * fid(gaussian(1500, d, 302), gaussian(1500, d, 303)));
  });
});

describe('FID', () => {
  it('is ≈ 0 for identical sets and grows with a shift', () => {
    const x = gaussian(200, 32, 5);
    expect(fid(x, x)).toBeLessThan(1e-6);
    const a = fid(x, shift(x, 0.5));
    const b = fid(x, shift(x, 1));
    expect(a).toBeCloseTo(32 * 0.25, 6); // only the means differ
    expect(b).toBeCloseTo(32, 6);
  });

  it('agrees with the closed form for Gaussians, from statistics and from samples, either side of n = d', () => {
    // Σ₁ = s²I, Σ₂ = diag(λ): FID = ‖Δμ‖² + Σ (s − √λᵢ)².
    const d = 24;
    const lambda = Array.from({ length: d }, (_, i) => 0.2 + 0.1 * i);
    const mu2 = Array.from({ length: d }, (_, i) => (i % 3) * 0.3);
    const s = 1.5;
    const exact = mu2.reduce((t, m) => t + m * m, 0) + lambda.reduce((t, l) => t + (s - Math.sqrt(l)) ** 2, 0);
    const s1 = new Float64Array(d * d);
    const s2 = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      s1[i * d + i] = s * s;
      s2[i * d + i] = lambda[i]!;
    }
    expect(frechetDistance(new Array(d).fill(0), s1, mu2, s2)).toBeCloseTo(exact, 9);
    // Samples: n > d takes the covariance path, n < d the small-side path; both near the truth.
    for (const n of [4000, 20]) {
      const x = gaussian(n, d, 7, { scale: Array(d).fill(s) });
      const y = gaussian(n, d, 8, { mean: mu2, scale: lambda.map(Math.sqrt) });
      const got = fid(x, y);
      if (n > d) expect(Math.abs(got - exact) / exact).toBeLessThan(0.05);
      else expect(got).toBeGreaterThan(exact * 0.5); // biased, but the same number either way:
    }
    // The two paths compute the same thing on the same data.
    const x = gaussian(30, d, 9);
    const y = gaussian(31, d, 10, { mean: mu2 });
    const wide = (m: FeatureMatrix) => {
      // Padding with constant columns adds nothing to FID but makes d > n (the small-side path).
      const w = matrix(m.rows, 40);
      for (let i = 0; i < m.rows; i++) for (let k = 0; k < d; k++) w.data[i * 40 + k] = m.data[i * d + k]!;
      return w;
    };
    expect(fid(wide(x), wide(y))).toBeCloseTo(fid(x, y), 3);
  });
});

describe('precision and recall', () => {
  const d = 16;
  const real = gaussian(400, d, 20);
  it('are high when the samples come from the same distribution', () => {
    const pr = precisionRecall(real, gaussian(400, d, 21));
    // The 3-NN manifold of a finite set misses some of the distribution's edge, in 16-d ≈ 20–25%.
    expect(pr.precision).toBeGreaterThan(0.7);
    expect(pr.recall).toBeGreaterThan(0.7);
  });
  it('separate realism from coverage', () => {
    // Samples packed in the middle of the data: realistic (precision high) but not varied (recall low).
    const narrow = precisionRecall(real, gaussian(400, d, 22, { scale: Array(d).fill(0.3) }));
    expect(narrow.precision).toBeGreaterThan(0.9);
    expect(narrow.recall).toBeLessThan(0.2);
    // Samples far away: neither.
    const far = precisionRecall(real, shift(gaussian(400, d, 23), 5));
    expect(far.precision).toBeLessThan(0.05);
    expect(far.recall).toBeLessThan(0.05);
  });
});

describe('diversity, coverage, collapse, memorisation, drift', () => {
  const d = 16;
  const real = gaussian(300, d, 30);
  it('diversity is ≈ 1 for the same distribution and small for a narrow one', () => {
    expect(diversity(gaussian(300, d, 31), real).score).toBeGreaterThan(0.9);
    expect(diversity(gaussian(300, d, 32, { scale: Array(d).fill(0.2) }), real).score).toBeLessThan(0.3);
  });

  it('class coverage finds the class a conditional model ignores', () => {
    const means = [0, 1, 2].map((c) => Array.from({ length: d }, (_, k) => (k === c ? 6 : 0)));
    const rows: Float32Array[] = [];
    const labels: number[] = [];
    const samples: Float32Array[] = [];
    const sampleLabels: number[] = [];
    for (let c = 0; c < 3; c++) {
      rows.push(gaussian(50, d, 40 + c, { mean: means[c] }).data);
      labels.push(...Array(50).fill(c));
      // Class 2's prompt draws class 0's images.
      samples.push(gaussian(50, d, 50 + c, { mean: means[c === 2 ? 0 : c] }).data);
      sampleLabels.push(...Array(50).fill(c));
    }
    const cat = (parts: Float32Array[]) => matrix(150, d, Float32Array.from(parts.flatMap((p) => [...p])));
    const cov = classCoverage(cat(rows), labels, cat(samples), sampleLabels);
    expect(cov.perClass.map((c) => c.covered)).toEqual([true, true, false]);
    expect(cov.coverage).toBeCloseTo(2 / 3);
  });

  it('the coverage alarm fires when tags stop steering the samples, and is silent when they steer', () => {
    const means = [0, 1, 2, 3].map((c) => Array.from({ length: d }, (_, k) => (k === c ? 6 : 0)));
    const rows: Float32Array[] = [];
    const labels: number[] = [];
    const steered: Float32Array[] = [];
    const ignored: Float32Array[] = [];
    const sampleLabels: number[] = [];
    for (let c = 0; c < 4; c++) {
      rows.push(gaussian(40, d, 60 + c, { mean: means[c] }).data);
      labels.push(...Array(40).fill(c));
      steered.push(gaussian(40, d, 70 + c, { mean: means[c] }).data);
      // A model that ignores its tags draws one kind of image whatever the prompt.
      ignored.push(gaussian(40, d, 80 + c, { mean: means[0] }).data);
      sampleLabels.push(...Array(40).fill(c));
    }
    const cat = (parts: Float32Array[]) => matrix(160, d, Float32Array.from(parts.flatMap((p) => [...p])));
    const good = coverageAlarm(cat(rows), labels, cat(steered), sampleLabels);
    expect(good.own).toBe(1);
    expect(good.reason).toBeNull();
    const bad = coverageAlarm(cat(rows), labels, cat(ignored), sampleLabels);
    expect(bad.coverage).toBeCloseTo(0.25);
    expect(bad.reason).toContain('25% of tags');
  });

  it('collapse fires on a repeated sample with the evidence, and is silent on fresh samples', () => {
    const one = gaussian(1, d, 60).data;
    const repeated = matrix(100, d);
    for (let i = 0; i < 100; i++)
      repeated.data.set(
        one.map((v) => v + (i < 80 ? 0.001 * i : 0)),
        i * d,
      );
    for (let i = 80; i < 100; i++) repeated.data.set(gaussian(1, d, 70 + i).data, i * d);
    const alarm = detectCollapse(repeated, real);
    expect(alarm.collapsed).toBe(true);
    expect(alarm.groups[0]!.length).toBeGreaterThanOrEqual(80);
    expect(alarm.reasons.join(' ')).toMatch(/near-identical/);
    expect(detectCollapse(gaussian(100, d, 61), real).collapsed).toBe(false);
  });

  it('memorisation flags planted copies and nothing else', () => {
    const train = gaussian(200, d, 80);
    const val = gaussian(100, d, 81);
    const px = (m: FeatureMatrix) => ({
      count: m.rows,
      size: 2,
      pixels: Uint8Array.from({ length: m.rows * 12 }, (_, i) => Math.floor(127 + 40 * m.data[(i % (m.rows * 12)) % m.data.length]!)),
    });
    const trainPx = px(train);
    const valNN = memorisation({ features: val, pixels: px(val) }, { features: train, pixels: trainPx }, { feature: 0, pixel: 0 });
    const cal = calibrateCopies({ feature: valNN.map((e) => e.featureDistance), pixel: valNN.map((e) => e.pixelDistance) });
    const gen = gaussian(50, d, 82);
    gen.data.set(train.data.subarray(5 * d, 6 * d), 10 * d); // an exact copy of training image 5
    gen.data.set(
      train.data.subarray(7 * d, 8 * d).map((v) => v + 0.01),
      20 * d,
    ); // a near copy of 7
    const report = memorisation({ features: gen, pixels: px(gen) }, { features: train, pixels: trainPx }, cal);
    expect(report.filter((e) => e.possibleCopy).map((e) => [e.sample, e.nearestByFeature])).toEqual([
      [10, 5],
      [20, 7],
    ]);
    expect(memorisation({ features: val, pixels: px(val) }, { features: train, pixels: trainPx }, cal).some((e) => e.possibleCopy)).toBe(false);
  });

  it('drift scores new images like the training data near 1, and lists the odd ones first', () => {
    // Like real features (after ReLU6): positive, around a common mean; odd images point elsewhere.
    const mean = Array.from({ length: d }, (_, k) => 2 + Math.sin(k));
    const odd = Array.from({ length: d }, (_, k) => 2 + Math.cos(3 * k));
    const like = (n: number, seed: number, m = mean) => gaussian(n, d, seed, { mean: m, scale: Array(d).fill(0.5) });
    const train = like(300, 90);
    const val = like(100, 91);
    expect(drift(like(100, 92), train, val).score).toBeCloseTo(1, 0);
    const mixed = like(50, 93);
    for (const i of [3, 17]) mixed.data.set(like(1, 94 + i, odd).data, i * d);
    const report = drift(mixed, train, val);
    expect(
      report.unusual
        .slice(0, 2)
        .map((u) => u.index)
        .sort((a, b) => a - b),
    ).toEqual([3, 17]);
    expect(drift(like(100, 95, odd), train, val).score).toBeGreaterThan(2);
    // Scale alone is not drift: the same images, fainter (smaller features), look like the data.
    expect(
      drift(
        matrix(
          100,
          d,
          like(100, 96).data.map((v) => v * 0.5),
        ),
        train,
        val,
      ).score,
    ).toBeCloseTo(1, 0);
  });

  it('finds the same nearest pixel images as a brute-force search (the block-mean bound prunes, never changes the answer)', () => {
    const random = rng(7);
    for (const size of [32, 64, 12]) {
      const stride = size * size * 3;
      const set = (n: number) => ({ count: n, size, pixels: Uint8Array.from({ length: n * stride }, () => Math.floor(random() * 256)) });
      const a = set(20);
      const b = set(60);
      // Near copies of three b images, and one exact copy, among a.
      for (const [i, j] of [
        [2, 5],
        [9, 41],
        [15, 59],
      ] as const)
        a.pixels.set(
          b.pixels.subarray(j * stride, (j + 1) * stride).map((v) => Math.min(255, v + 3)),
          i * stride,
        );
      a.pixels.set(b.pixels.subarray(30 * stride, 31 * stride), 0);
      const fast = nearestPixels(a, b);
      for (let i = 0; i < a.count; i++) {
        let best = Infinity;
        let at = -1;
        for (let j = 0; j < b.count; j++) {
          let s = 0;
          for (let k = 0; k < stride; k++) s += (a.pixels[i * stride + k]! - b.pixels[j * stride + k]!) ** 2;
          if (s < best) [best, at] = [s, j];
        }
        expect(fast.index[i]).toBe(at);
        expect(fast.distance[i]).toBeCloseTo(Math.sqrt(best / stride) / 255, 12);
      }
      expect([fast.index[0], fast.index[2], fast.index[9], fast.index[15]]).toEqual([30, 5, 41, 59]);
      expect(fast.distance[0]).toBe(0);
    }
  });
});
