import { describe, expect, it } from 'vitest';
import { estimateSecondsLeft, formatDuration, formatPercent, formatRate } from '../../../src-renderer/src/lib/format';

describe('formatting', () => {
  it('writes durations a person reads at a glance', () => {
    expect(formatDuration(4.4)).toBe('4s');
    expect(formatDuration(125)).toBe('2m 05s');
    expect(formatDuration(3 * 3600 + 7 * 60)).toBe('3h 07m');
    expect(formatDuration(Number.NaN)).toBe('—');
  });

  it('writes rates and percentages', () => {
    expect(formatRate(12.345)).toBe('12.3 img/s');
    expect(formatRate(512.2)).toBe('512 img/s');
    expect(formatRate(null)).toBe('—');
    expect(formatPercent(0.456)).toBe('46%');
    expect(formatPercent(2)).toBe('100%');
  });
});

describe('estimateSecondsLeft', () => {
  it('extrapolates the observed pace', () => {
    expect(estimateSecondsLeft({ time: 0, step: 0 }, { time: 10_000, step: 100 }, 300)).toBeCloseTo(20);
  });
  it('falls back to img/s, and says nothing before the job moves', () => {
    expect(estimateSecondsLeft({ time: 0, step: 10 }, { time: 0, step: 10 }, 110, { imgPerSec: 64, batchSize: 32 })).toBeCloseTo(50);
    expect(estimateSecondsLeft({ time: 0, step: 10 }, { time: 500, step: 10 }, 110)).toBeNull();
    expect(estimateSecondsLeft({ time: 0, step: 0 }, { time: 1, step: 110 }, 110)).toBe(0);
  });
});
