// The loss chart moves the sample scrubber: a click picks the nearest sample step, arrow keys the neighbours.
import { describe, expect, it } from 'vitest';
import { nearestStep, stepFrom } from '../../../src-renderer/src/components/train/curves';

describe('nearestStep', () => {
  const steps = [10, 20, 40, 80];
  it('picks the sample step nearest a point on the chart', () => {
    expect(nearestStep(steps, 0)).toBe(10);
    expect(nearestStep(steps, 14)).toBe(10);
    expect(nearestStep(steps, 16)).toBe(20);
    expect(nearestStep(steps, 30)).toBe(20); // a tie goes to the earlier grid
    expect(nearestStep(steps, 61)).toBe(80);
    expect(nearestStep(steps, 1e9)).toBe(80);
    expect(nearestStep([], 5)).toBeNull();
  });
});

describe('stepFrom', () => {
  const steps = [10, 20, 40, 80];
  it('moves to the neighbouring sample step, stopping at the ends', () => {
    expect(stepFrom(steps, 20, 1)).toBe(40);
    expect(stepFrom(steps, 20, -1)).toBe(10);
    expect(stepFrom(steps, 10, -1)).toBe(10);
    expect(stepFrom(steps, 80, 1)).toBe(80);
    expect(stepFrom(steps, null, -1)).toBe(40); // following the newest: one back from the last
    expect(stepFrom(steps, 25, 1)).toBe(40); // from a step between grids, from the nearest one
    expect(stepFrom(steps, 10, -Infinity)).toBe(10);
    expect(stepFrom(steps, 10, Infinity)).toBe(80);
    expect(stepFrom([], 3, 1)).toBeNull();
  });
});
