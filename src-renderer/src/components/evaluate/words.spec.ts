import { describe, expect, it } from 'vitest';
import { copyVerdict, distanceAgainst, formatDistance, formatKid, formatScore, formatShare } from './words';

describe('evaluate words', () => {
  it('KID shows to the decimal its standard error allows', () => {
    expect(formatKid(0.2685105, 0.011443)).toBe('0.269 ± 0.011');
    expect(formatKid(0.0123, 0.0008)).toBe('0.01230 ± 0.00080');
    expect(formatKid(1.5, 0)).toBe('1.50');
    expect(formatKid(Number.NaN, 0.1)).toBe('—');
  });

  it('scores keep three significant digits; shares are whole percentages', () => {
    expect(formatScore(149.188)).toBe('149');
    expect(formatScore(12.34)).toBe('12.3');
    expect(formatScore(0.01234)).toBe('0.0123');
    expect(formatScore(-0.0021)).toBe('-0.00210');
    expect(formatScore(null)).toBe('—');
    expect(formatShare(0.015)).toBe('2%');
    expect(formatDistance(0.006981)).toBe('0.00698');
  });

  it('a copy check says which distance is under its threshold, or calmly that none is', () => {
    const threshold = { feature: 0.2, pixel: 0.03 };
    expect(distanceAgainst(0.4123, 0.2)).toBe('0.412 · a copy is under 0.200');
    expect(distanceAgainst(null, 0.2)).toBe('not compared');
    expect(copyVerdict({ featureDistance: 0.4, pixelDistance: 0.1, possibleCopy: false, threshold })).toBe(
      'Not a copy: farther from every training image than held-back real images are.',
    );
    expect(copyVerdict({ featureDistance: 0.1, pixelDistance: 0.1, possibleCopy: true, threshold })).toBe(
      'Closer in features to a training image than held-back real images ever are.',
    );
    expect(copyVerdict({ featureDistance: null, pixelDistance: 0.01, possibleCopy: true, threshold })).toMatch(/^Closer in pixels to/);
    expect(copyVerdict({ featureDistance: 0.1, pixelDistance: 0.01, possibleCopy: true, threshold })).toMatch(/^Closer in features and in pixels/);
  });
});
