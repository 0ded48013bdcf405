import { describe, expect, it } from 'vitest';
import { bandPath, domainOf, linePath, niceStep, niceTicks, onePerX, scale, tickDecimals } from './chart';

describe('evaluate chart geometry', () => {
  it('steps between ticks are 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(0.0037)).toBeCloseTo(0.005);
    expect(niceStep(13)).toBe(20);
    expect(niceStep(300)).toBe(500);
    expect(niceStep(0)).toBe(1);
  });

  it('ticks fall on round numbers inside the domain; step ticks stay whole', () => {
    expect(niceTicks([0, 1], 4)).toEqual([0, 0.5, 1]);
    expect(niceTicks([0.012, 0.031], 4)).toEqual([0.015, 0.02, 0.025, 0.03]);
    expect(niceTicks([0, 3], 8, true)).toEqual([0, 1, 2, 3]);
    expect(niceTicks([5, 5])).toEqual([5]);
    expect(tickDecimals([0.015, 0.02])).toBe(3);
    expect(tickDecimals([0, 500])).toBe(0);
  });

  it('a domain pads the data, keeps a fixed span and gives one value room', () => {
    const [lo, hi] = domainOf([1, 2]);
    expect(lo).toBeCloseTo(0.92);
    expect(hi).toBeCloseTo(2.08);
    expect(domainOf([0.2, 0.7], [0, 1])).toEqual([0, 1]);
    expect(domainOf([4], undefined)).toEqual([3.6, 4.4]);
    expect(domainOf([], [0, 1])).toEqual([0, 1]);
  });

  it('scales map the domain onto pixels, upwards for y', () => {
    const y = scale([0, 1], [100, 0]);
    expect(y(0)).toBe(100);
    expect(y(0.25)).toBe(75);
  });

  it('a band runs along the top and back along the bottom', () => {
    expect(
      linePath([
        { x: 0, y: 5 },
        { x: 10, y: 2.25 },
      ]),
    ).toBe('M0,5L10,2.3');
    expect(
      bandPath([
        { x: 0, lo: 6, hi: 4 },
        { x: 10, lo: 3, hi: 1 },
      ]),
    ).toBe('M0,4L10,1L10,3L0,6Z');
    expect(bandPath([])).toBe('');
  });

  it('the line takes one point per step: an asked-for evaluation over one scored during training', () => {
    const points = [
      { x: 60, y: 1, hollow: true },
      { x: 30, y: 2, hollow: true },
      { x: 60, y: 3 },
      { x: 60, y: 4, hollow: true },
      { x: 30, y: 5, hollow: true },
    ];
    expect(onePerX(points).map((p) => p.y)).toEqual([5, 3]);
  });
});
