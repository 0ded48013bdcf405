// Self-conditioning for an untagged set (Liu et al. 2020, "Diverse Image Generation via
// Self-Conditioned GANs"): cluster the training images and condition the GAN on the cluster, as a
// tagged set is conditioned on its tags. The features here are the colour prints every image
// already has from its import (16×16 CIELAB, near-duplicates.ts), so clustering costs no network.
// A recipe-trial experiment (bench/recipe.ts --self-condition K); not yet in the app.
import { readColourPrint } from '../src-main/datasets/near-duplicates';
import { rng } from '../src-main/evaluation/metrics';

/** Each row's colour print as a CIELAB vector (the stored quality JSON's colourPrint). */
export function printVectors(qualities: readonly (string | null | undefined)[]): Float32Array[] {
  return qualities.map((q, i) => {
    const print = q ? (JSON.parse(q) as { colourPrint?: string }).colourPrint : undefined;
    if (!print) throw new Error(`Image ${i} has no colour print to cluster on.`);
    return readColourPrint(print).lab;
  });
}

function distance2(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s;
}

/** k-means++ then Lloyd's iterations, seeded; returns the centroids and each row's cluster. */
export function kMeans(rows: readonly Float32Array[], k: number, seed: number, iterations = 25): { centroids: Float32Array[]; assignment: Int32Array } {
  const random = rng(seed);
  const dim = rows[0]!.length;
  const centroids: Float32Array[] = [Float32Array.from(rows[Math.floor(random() * rows.length)]!)];
  const nearest = rows.map((r) => distance2(r, centroids[0]!));
  while (centroids.length < k) {
    const total = nearest.reduce((a, b) => a + b, 0);
    let pick = random() * total;
    let idx = 0;
    for (; idx < rows.length - 1 && pick > nearest[idx]!; idx++) pick -= nearest[idx]!;
    const c = Float32Array.from(rows[idx]!);
    centroids.push(c);
    rows.forEach((r, i) => (nearest[i] = Math.min(nearest[i]!, distance2(r, c))));
  }
  let assignment: Int32Array = new Int32Array(rows.length);
  for (let it = 0; it < iterations; it++) {
    const next = assign(rows, centroids);
    const moved = it === 0 || next.some((c, i) => c !== assignment[i]);
    assignment = next;
    const sums = centroids.map(() => new Float64Array(dim));
    const counts = new Int32Array(k);
    rows.forEach((r, i) => {
      const s = sums[assignment[i]!]!;
      for (let d = 0; d < dim; d++) s[d]! += r[d]!;
      counts[assignment[i]!]!++;
    });
    centroids.forEach((c, j) => counts[j]! > 0 && c.set(Float32Array.from(sums[j]!, (v) => v / counts[j]!)));
    if (!moved) break;
  }
  return { centroids, assignment };
}

/** The nearest centroid of each row. */
export function assign(rows: readonly Float32Array[], centroids: readonly Float32Array[]): Int32Array {
  return Int32Array.from(rows, (r) => {
    let best = 0;
    let bestD = Infinity;
    centroids.forEach((c, j) => {
      const d = distance2(r, c);
      if (d < bestD) [best, bestD] = [j, d];
    });
    return best;
  });
}
