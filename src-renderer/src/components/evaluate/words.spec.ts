import { describe, expect, it } from 'vitest';
import { formatDistance, formatKid, formatScore, formatShare } from './words';

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
});
