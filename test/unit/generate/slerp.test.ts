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

  it('keeps the norm between two vectors of equal norm and turns at a constant rate (a straight line would dip towards zero)', () => {
    const a = Float32Array.from([3, 0, 0]);
    const b = Float32Array.from([0, 3, 0]);
    // A straight line's midpoint is (1.5, 1.5, 0), norm 2.12; the arc's is (2.12, 2.12, 0), norm 3.
    for (const t of [0.25, 0.5, 0.75]) {
      const p = slerp(a, b, t);
      expect(norm(p)).toBeCloseTo(3, 5);
      expect(Math.atan2(p[1]!, p[0]!)).toBeCloseTo((t * Math.PI) / 2, 5);
      expect(p[2]).toBe(0);
    }
  });

  it('falls back to a straight line for (nearly) parallel vectors', () => {
    const a = Float32Array.from([1, 1]);
    const b = Float32Array.from([2, 2]);
    expect([...slerp(a, b, 0.5)]).toEqual([1.5, 1.5]);
  });
});
