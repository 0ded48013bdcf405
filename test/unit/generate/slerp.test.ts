import { describe, expect, it } from 'vitest';
import { slerp } from '../../../src-main/generate/service';

const norm = (v: Float32Array) => Math.hypot(...v);

describe('slerp', () => {
  it('starts and ends exactly at its endpoints', () => {
    const a = Float32Array.from([1, 2, 3, 4]);
    const b = Float32Array.from([-2, 0.5, 1, 3]);
    expect([...slerp(a, b, 0)].map((x) => Math.round(x * 1e5) / 1e5)).toEqual([...a]);
    expect([...slerp(a, b, 1)].map((x) => Math.round(x * 1e5) / 1e5)).toEqual([...b]);
  });

  it('keeps the norm between two vectors of equal norm (a straight line would dip towards zero)', () => {
    const a = Float32Array.from([3, 0, 0]);
    const b = Float32Array.from([0, 3, 0]);
    const mid = slerp(a, b, 0.5);
    expect(norm(mid)).toBeCloseTo(3, 5);
    expect(mid[0]).toBeCloseTo(mid[1]!, 6);
    const line = Float32Array.from([1.5, 1.5, 0]);
    expect(norm(line)).toBeLessThan(2.2);
  });

  it('falls back to a straight line for (nearly) parallel vectors', () => {
    const a = Float32Array.from([1, 1]);
    const b = Float32Array.from([2, 2]);
    expect([...slerp(a, b, 0.5)]).toEqual([1.5, 1.5]);
  });
});
