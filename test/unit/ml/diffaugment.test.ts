// DiffAugment on the wasm backend: determinism, each transform's geometry, and its gradients.
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src-main/ml/backend.js';
import { applyDiffAugment, DIFF_AUGMENT_ALL, diffAugment, sampleDiffAugment, type DiffAugmentPolicy } from '../../../src-main/ml/diffaugment.js';
import { r1Penalty } from '../../../src-main/ml/losses.js';
import { Rng } from '../../../src-main/ml/random.js';

beforeAll(async () => {
  const choice = await initBackend({ only: 'wasm' });
  expect(choice.name).toBe('wasm');
});

const NONE: DiffAugmentPolicy = { color: false, translation: false, cutout: false };
const ONLY = (k: keyof DiffAugmentPolicy): DiffAugmentPolicy => ({ ...NONE, [k]: true });

function images(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  return tf.tensor4d(
    new Rng(seed).uniformArray(
      shape.reduce((a, b) => a * b, 1),
      -1,
      1,
    ),
    shape,
  );
}

const read = (f: () => tf.Tensor) => {
  const t = tf.tidy(f);
  const v = Float32Array.from(t.dataSync() as Float32Array);
  t.dispose();
  return v;
};

describe('diffAugment', () => {
  it('is the identity (a copy) when the policy is all false, and draws nothing', () => {
    const x = images([2, 8, 8, 3], 1);
    const rng = new Rng(5);
    const y = diffAugment(x, NONE, rng);
    expect(y).not.toBe(x);
    expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
    expect(rng.next()).toBe(new Rng(5).next());
    tf.dispose([x, y]);
  });

  it('same seed → identical output; another seed → different output; no tensors left behind', () => {
    const x = images([4, 16, 16, 3], 2);
    const before = tf.memory().numTensors;
    const a = read(() => diffAugment(x, DIFF_AUGMENT_ALL, new Rng(7)));
    const b = read(() => diffAugment(x, DIFF_AUGMENT_ALL, new Rng(7)));
    const c = read(() => diffAugment(x, DIFF_AUGMENT_ALL, new Rng(8)));
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    x.dispose();
  });

  it('draws the documented ranges', () => {
    const p = sampleDiffAugment(500, 32, 64, DIFF_AUGMENT_ALL, new Rng(3));
    const inRange = (a: ArrayLike<number>, lo: number, hi: number) => Array.from(a).every((v) => v >= lo && v <= hi);
    expect(inRange(p.color!.brightness, -0.5, 0.5)).toBe(true);
    expect(inRange(p.color!.saturation, 0, 2)).toBe(true);
    expect(inRange(p.color!.contrast, 0.5, 1.5)).toBe(true);
    expect(inRange(p.translation!.shiftY, -4, 4)).toBe(true);
    expect(inRange(p.translation!.shiftX, -8, 8)).toBe(true);
    // Every shift value is reachable.
    expect(new Set(p.translation!.shiftY).size).toBe(9);
    expect(new Set(p.translation!.shiftX).size).toBe(17);
    expect(p.cutout!.size).toEqual([16, 32]);
    expect(inRange(p.cutout!.top, 0, 16)).toBe(true);
    expect(inRange(p.cutout!.left, 0, 32)).toBe(true);
  });

  it('translation moves a single bright pixel by the drawn offsets, with zero fill', () => {
    const n = 24;
    const s = 16;
    const py = 7;
    const px = 9;
    const data = new Float32Array(n * s * s * 3);
    for (let b = 0; b < n; b++) for (let c = 0; c < 3; c++) data[((b * s + py) * s + px) * 3 + c] = 1;
    const x = tf.tensor4d(data, [n, s, s, 3]);
    const params = sampleDiffAugment(n, s, s, ONLY('translation'), new Rng(11));
    const y = read(() => diffAugment(x, ONLY('translation'), new Rng(11)));
    const { shiftY, shiftX } = params.translation!;
    expect(new Set(shiftY).size).toBeGreaterThan(1);
    const wrong: string[] = [];
    for (let b = 0; b < n; b++) {
      const ty = py + shiftY[b]!;
      const tx = px + shiftX[b]!;
      for (let i = 0; i < s; i++) {
        for (let j = 0; j < s; j++) {
          for (let c = 0; c < 3; c++) {
            const v = y[((b * s + i) * s + j) * 3 + c];
            if (v !== (i === ty && j === tx ? 1 : 0)) wrong.push(`image ${b} (${i}, ${j}, ${c}) = ${v}`);
          }
        }
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    // A constant image: exactly the pixels whose source is inside stay, the rest are zero.
    const ones = tf.ones([n, s, s, 3]) as tf.Tensor4D;
    const z = read(() => diffAugment(ones, ONLY('translation'), new Rng(11)));
    for (let b = 0; b < n; b++) {
      let kept = 0;
      for (let i = 0; i < s * s * 3; i++) kept += z[b * s * s * 3 + i]!;
      expect(kept).toBe((s - Math.abs(shiftY[b]!)) * (s - Math.abs(shiftX[b]!)) * 3);
    }
    tf.dispose([x, ones]);
  });

  it('cutout zeroes exactly one half-size square per image', () => {
    for (const [n, h, w] of [
      [16, 32, 32],
      [6, 64, 64],
      [5, 9, 12], // odd size: round(4.5) = 5 rows, 6 columns
    ] as const) {
      const x = tf.fill([n, h, w, 3], 0.75) as tf.Tensor4D;
      const params = sampleDiffAugment(n, h, w, ONLY('cutout'), new Rng(21));
      const y = read(() => diffAugment(x, ONLY('cutout'), new Rng(21)));
      const [ch, cw] = params.cutout!.size;
      expect([ch, cw]).toEqual([Math.round(h / 2), Math.round(w / 2)]);
      for (let b = 0; b < n; b++) {
        const top = params.cutout!.top[b]!;
        const left = params.cutout!.left[b]!;
        let zeros = 0;
        let misplaced = 0;
        for (let i = 0; i < h; i++) {
          for (let j = 0; j < w; j++) {
            const inside = i >= top && i < top + ch && j >= left && j < left + cw;
            for (let c = 0; c < 3; c++) {
              const v = y[((b * h + i) * w + j) * 3 + c]!;
              if (v === 0) zeros++;
              if (v !== (inside ? 0 : 0.75)) misplaced++;
            }
          }
        }
        expect(misplaced).toBe(0);
        expect(zeros).toBe(ch * cw * 3);
      }
      x.dispose();
    }
  });

  it('colour equals brightness → saturation → contrast applied in turn, keeps shape, and stays in range', () => {
    const n = 8;
    const x = images([n, 8, 8, 3], 31);
    const params = sampleDiffAugment(n, 8, 8, ONLY('color'), new Rng(32));
    const y = applyDiffAugment(x, params);
    expect(y.shape).toEqual(x.shape);
    const col = params.color!;
    const ref = tf.tidy(() => {
      const v = (a: Float32Array) => tf.tensor4d(a, [n, 1, 1, 1]);
      let r = tf.add(x, v(col.brightness));
      const mc = tf.mean(r, 3, true);
      r = tf.add(tf.mul(tf.sub(r, mc), v(col.saturation)), mc);
      const m = tf.mean(r, [1, 2, 3], true);
      return tf.add(tf.mul(tf.sub(r, m), v(col.contrast)), m);
    });
    const yv = y.dataSync();
    const rv = ref.dataSync();
    let maxDiff = 0;
    let maxAbs = 0;
    for (let i = 0; i < yv.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(yv[i]! - rv[i]!));
      maxAbs = Math.max(maxAbs, Math.abs(yv[i]!));
    }
    expect(maxDiff).toBeLessThan(1e-5);
    // |sat| ≤ 3 + 0.5, contrast ≤ 1.5× deviation from the mean: a loose but real bound.
    expect(maxAbs).toBeLessThan(7);
    expect(Array.from(yv).every(Number.isFinite)).toBe(true);
    // A constant image only moves by its brightness (saturation and contrast have nothing to scale).
    const flat = tf.fill([n, 4, 4, 3], 0.3) as tf.Tensor4D;
    const f = read(() => applyDiffAugment(flat, { ...params, height: 4, width: 4 }));
    for (let b = 0; b < n; b++) expect(f[b * 48]!).toBeCloseTo(0.3 + col.brightness[b]!, 5);
    tf.dispose([x, y, ref, flat]);
  });

  it('gradient of sum(translate(x)) is the indicator of pixels that stay inside', () => {
    const n = 12;
    const s = 16;
    const x = images([n, s, s, 3], 41);
    const params = sampleDiffAugment(n, s, s, ONLY('translation'), new Rng(42));
    const g = read(() => tf.grad((v: tf.Tensor) => tf.sum(diffAugment(v as tf.Tensor4D, ONLY('translation'), new Rng(42))))(x));
    const { shiftY, shiftX } = params.translation!;
    let wrong = 0;
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < s; i++) {
        for (let j = 0; j < s; j++) {
          // Input (i, j) lands on (i + sy, j + sx).
          const stays = i + shiftY[b]! >= 0 && i + shiftY[b]! < s && j + shiftX[b]! >= 0 && j + shiftX[b]! < s;
          for (let c = 0; c < 3; c++) if (g[((b * s + i) * s + j) * 3 + c] !== (stays ? 1 : 0)) wrong++;
        }
      }
    }
    expect(wrong).toBe(0);
    x.dispose();
  });

  it('translation + cutout match a JS reference (values and gradient), with the wasm kernel and with the gather fallback', () => {
    const n = 10;
    const [h, w, ch] = [12, 16, 3];
    const x = images([n, h, w, ch], 91);
    const dy = images([n, h, w, ch], 92);
    const params = sampleDiffAugment(n, h, w, { color: false, translation: true, cutout: true }, new Rng(93));
    const { shiftY, shiftX } = params.translation!;
    const { top, left, size } = params.cutout!;
    const xv = x.dataSync();
    const dv = dy.dataSync();
    const at = (b: number, i: number, j: number, c: number) => ((b * h + i) * w + j) * ch + c;
    const cut = (b: number, i: number, j: number) => i >= top[b]! && i < top[b]! + size[0] && j >= left[b]! && j < left[b]! + size[1];
    const refOut = new Float32Array(xv.length);
    const refGrad = new Float32Array(xv.length);
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          const si = i - shiftY[b]!;
          const sj = j - shiftX[b]!;
          if (cut(b, i, j) || si < 0 || si >= h || sj < 0 || sj >= w) continue;
          for (let c = 0; c < ch; c++) {
            refOut[at(b, i, j, c)] = xv[at(b, si, sj, c)]!;
            refGrad[at(b, si, sj, c)] = dv[at(b, i, j, c)]!; // the adjoint: dx[src] = dy[dst]
          }
        }
      }
    }
    for (const impl of ['auto', 'gather'] as const) {
      const out = read(() => applyDiffAugment(x, params, impl));
      expect(Array.from(out), impl).toEqual(Array.from(refOut));
      const g = read(() => tf.grad((v: tf.Tensor) => applyDiffAugment(v as tf.Tensor4D, params, impl))(x, dy));
      expect(Array.from(g), impl).toEqual(Array.from(refGrad));
      // Second derivative: the gradient of ⟨grad(x), u⟩ w.r.t. dy is the forward map again.
      const g2 = read(() => tf.grad((d: tf.Tensor) => tf.grad((v: tf.Tensor) => applyDiffAugment(v as tf.Tensor4D, params, impl))(x, d as tf.Tensor4D))(dy, x));
      expect(Array.from(g2), impl).toEqual(Array.from(refOut));
    }
    tf.dispose([x, dy]);
  });

  it('full policy: gradient matches a weighted-sum finite difference, no leaks', () => {
    const x = images([3, 8, 8, 3], 51);
    const wts = images([3, 8, 8, 3], 52);
    const f = (v: tf.Tensor) => tf.sum(tf.mul(diffAugment(v as tf.Tensor4D, DIFF_AUGMENT_ALL, new Rng(53)), wts));
    const before = tf.memory().numTensors;
    const g = read(() => tf.grad(f)(x));
    expect(tf.memory().numTensors).toBe(before);
    expect(g.some((v) => v !== 0)).toBe(true);
    const dir = images([3, 8, 8, 3], 54);
    const h = 1e-2; // f is linear in x (the draws are fixed by the seed), so the difference is exact up to rounding
    const fAt = (sign: number) => read(() => f(tf.add(x, tf.mul(dir, sign * h))))[0]!;
    const numeric = (fAt(1) - fAt(-1)) / (2 * h);
    const analytic = Array.from(dir.dataSync()).reduce((sum, d, i) => sum + d * g[i]!, 0);
    expect(Math.abs(numeric - analytic)).toBeLessThan(1e-2 * Math.max(1, Math.abs(analytic)));
    tf.dispose([x, wts, dir]);
  });

  it('R1 through diffAugment: double backprop through the gather pair works and matches finite differences', () => {
    const w = tf.variable(tf.tensor(new Rng(61).normalArray(8 * 8 * 3, 0, 0.5), [8, 8, 3]));
    const x = images([2, 8, 8, 3], 62);
    // D(x) = Σ (w · aug(x))²: ∇ₓD goes back through the augmentation, R1 then through its gradient.
    const d = (v: tf.Tensor4D) => tf.square(tf.sum(tf.mul(diffAugment(v, DIFF_AUGMENT_ALL, new Rng(63)), w), [1, 2, 3])) as tf.Tensor1D;
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => r1Penalty(d, x), [w]);
    const g = Float32Array.from(grads[w.name]!.dataSync() as Float32Array);
    tf.dispose([value, grads]);
    expect(tf.memory().numTensors).toBe(before);
    const dir = tf.tensor(new Rng(64).normalArray(w.size), w.shape);
    const w0 = w.clone();
    const h = 1e-3;
    const at = (sign: number) => {
      tf.tidy(() => w.assign(tf.add(w0, tf.mul(dir, sign * h))));
      return read(() => r1Penalty(d, x))[0]!;
    };
    const numeric = (at(1) - at(-1)) / (2 * h);
    const analytic = Array.from(dir.dataSync()).reduce((sum, dv, i) => sum + dv * g[i]!, 0);
    expect(Math.abs(numeric - analytic)).toBeLessThan(1e-2 * Math.max(1, Math.abs(analytic)));
    tf.dispose([w, x, dir, w0]);
  });

  it('forward and backward only run kernels registered on wasm', async () => {
    const x = images([2, 8, 8, 3], 71);
    const info = await tf.profile(() => {
      const g = tf.grad((v: tf.Tensor) => tf.sum(diffAugment(v as tf.Tensor4D, DIFF_AUGMENT_ALL, new Rng(72))))(x);
      g.dispose();
    });
    // Profiles also list customGrad calls under their scope names; keep real kernel names only.
    const known = new Set(tf.getKernelsForBackend('cpu').map((k) => k.kernelName));
    const names = [...new Set(info.kernelNames)].filter((k) => known.has(k)).sort();
    expect(names).toEqual(['Add', 'Conv2D', 'Fill', 'Identity', 'Mean', 'Multiply', 'Reshape', 'Sum']);
    for (const k of names) expect(tf.getKernel(k, 'wasm'), k).toBeDefined();
    // Translation + cutout run as our own wasm kernel, not GatherV2 (whose gradient wasm lacks).
    expect(info.kernelNames).toContain('AtelierTranslateCutout');
    expect(tf.getKernel('AtelierTranslateCutout', 'wasm')).toBeDefined();
    x.dispose();
  });

  it('rejects draws for another shape', () => {
    const x = images([2, 8, 8, 3], 81);
    const p = sampleDiffAugment(3, 8, 8, DIFF_AUGMENT_ALL, new Rng(1));
    expect(() => applyDiffAugment(x, p)).toThrow(/draws are for/);
    x.dispose();
  });
});
