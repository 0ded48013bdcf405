import { describe, expect, it } from 'vitest';
import { anchorIndex, itemViewportTop, scrollTopKeeping } from './grid-anchor';
import { gridLayout } from './virtual-grid';

const wide = gridLayout({ width: 1200, cellSize: 120, gap: 8, total: 3752 });
const narrow = gridLayout({ width: 900, cellSize: 120, gap: 8, total: 3752 });

describe('grid anchor', () => {
  it('keeps an item at the same height on screen when the column count changes', () => {
    expect(wide.columns).toBeGreaterThan(narrow.columns);
    const index = 22 * wide.columns + 4;
    const before = 20 * wide.rowHeight + 37; // item 250's row is on screen, 37 px into a row
    const y = itemViewportTop(wide, before, 700, index);
    expect(y).toBeGreaterThan(0);
    expect(y).toBeLessThan(700);
    const after = scrollTopKeeping(wide, before, narrow, 700, index);
    expect(itemViewportTop(narrow, after, 700, index)).toBeCloseTo(y, 6);
  });

  it('stays within the scroll range at the ends', () => {
    expect(scrollTopKeeping(wide, 0, narrow, 700, 0)).toBe(0);
    const last = narrow.total - 1;
    const end = wide.scrollHeight - 700;
    expect(scrollTopKeeping(wide, end, narrow, 700, last)).toBeLessThanOrEqual(narrow.scrollHeight - 700);
    // Going wider near the end cannot scroll past the (shorter) end.
    expect(scrollTopKeeping(narrow, narrow.scrollHeight - 700, wide, 700, last)).toBe(wide.scrollHeight - 700);
  });

  it('anchors the focused item when it is on screen, else the first row in view', () => {
    const scrollTop = 10 * wide.rowHeight;
    expect(anchorIndex(wide, scrollTop, 700, 10 * wide.columns + 3)).toBe(10 * wide.columns + 3);
    expect(anchorIndex(wide, scrollTop, 700, 0)).toBe(10 * wide.columns);
    expect(anchorIndex(wide, scrollTop, 700, 99_999)).toBe(10 * wide.columns);
  });
});
