// Batches: oversampling by weight, loss weights per slot and augmentation, reproducible from the seed and step.
import { describe, expect, it } from 'vitest';
import { identityPolicy } from '../../../src-main/datasets/augment';
import { BatchSampler, type Dataset } from '../../../src-main/ml/train';

function dataset(count: number, size = 4): Dataset & { pixels: Uint8Array } {
  const pixels = new Uint8Array(count * size * size * 3);
  for (let i = 0; i < count; i++) pixels.fill(i * 10, i * size * size * 3, (i + 1) * size * size * 3);
  return { count, size, pixels };
}

describe('BatchSampler', () => {
  it('draws in proportion to the weights, the same for the same step', () => {
    const data = { ...dataset(4), weights: Float32Array.from([1, 1, 1, 5]) };
    const batches = new BatchSampler(data, 7, 64);
    const counts = [0, 0, 0, 0];
    for (let step = 0; step < 100; step++) for (const i of batches.indices(step)) counts[i]!++;
    expect(counts[3]! / 6400).toBeGreaterThan(0.55);
    expect(counts[3]! / 6400).toBeLessThan(0.7);
    expect(counts[0]).toBeGreaterThan(0);
    expect(new BatchSampler(data, 7, 64).indices(42)).toEqual(batches.indices(42));
    expect(new BatchSampler(data, 8, 64).indices(42)).not.toEqual(batches.indices(42));
  });

  it('hands out the loss weights of the images in each batch slot, and none without them', () => {
    const lossWeights = Float32Array.from([0.5, 1, 1.5, 2, 2.5]);
    const batches = new BatchSampler({ ...dataset(5), lossWeights }, 3, 4);
    for (const step of [0, 1, 7]) {
      const indices = batches.indices(step);
      expect(Array.from(batches.lossWeights(step)!)).toEqual(indices.map((i) => lossWeights[i]));
      expect(Array.from(batches.lossWeights(step, 1, 3)!)).toEqual(indices.slice(1, 3).map((i) => lossWeights[i]));
    }
    // Loss weights do not change which images are drawn: the same epochs as without them.
    expect(batches.indices(3)).toEqual(new BatchSampler(dataset(5), 3, 4).indices(3));
    expect(new BatchSampler(dataset(5), 3, 4).lossWeights(0)).toBeNull();
  });

  it('refuses weights that are all zero', () => {
    const data = { ...dataset(3), weights: new Float32Array(3) };
    expect(() => new BatchSampler(data, 1, 4).indices(0)).toThrow(/zero/);
  });

  it('applies augmentation per image, reproducibly, and the identity policy changes nothing', () => {
    const base = dataset(6);
    const plain = new BatchSampler(base, 3, 4).batch(5);
    const identity = new BatchSampler({ ...base, augment: identityPolicy }, 3, 4).batch(5);
    expect(identity).toEqual(plain);
    const flipping = { ...identityPolicy, hflip: 1, colourJitter: { brightness: 0.3, contrast: 0, saturation: 0, hue: 0 } };
    const withAug = { ...base, augment: flipping };
    const a = new BatchSampler(withAug, 3, 4).batch(5);
    expect(a).not.toEqual(plain);
    expect(new BatchSampler(withAug, 3, 4).batch(5)).toEqual(a);
    for (const v of a) {
      expect(v).toBeGreaterThanOrEqual(-1);
      expect(v).toBeLessThanOrEqual(1);
    }
  });
});
