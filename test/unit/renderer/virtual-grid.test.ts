import { describe, expect, it } from 'vitest';
import { gridLayout, renderRows, rowTop, scrollTopForIndex, visibleRows } from '../../../src-renderer/src/lib/virtual-grid';

describe('gridLayout', () => {
  it('fits as many fixed cells as the width allows and stretches them to fill it', () => {
    const layout = gridLayout({ width: 1000, cellSize: 112, gap: 8, total: 3786 });
    expect(layout.columns).toBe(8); // (1000-8)/(120) = 8.26
    expect(layout.cellWidth).toBe(116); // 992/8 - 8
    expect(layout.rowHeight).toBe(124);
    expect(layout.rows).toBe(Math.ceil(3786 / 8));
    expect(layout.layoutHeight).toBe(layout.rows * 124 + 8);
    expect(layout.scale).toBe(1);
  });

  it('keeps one column in a narrow box and has no rows when empty', () => {
    expect(gridLayout({ width: 50, cellSize: 112, gap: 8, total: 10 }).columns).toBe(1);
    const empty = gridLayout({ width: 800, cellSize: 112, gap: 8, total: 0 });
    expect(empty.rows).toBe(0);
    expect(empty.layoutHeight).toBe(0);
    expect(empty.scale).toBe(1);
  });

  it('caps the scroll height and reports the scale beyond it', () => {
    const layout = gridLayout({ width: 1000, cellSize: 112, gap: 8, total: 10_000_000, maxScrollHeight: 1_000_000 });
    expect(layout.scrollHeight).toBe(1_000_000);
    expect(layout.scale).toBeCloseTo(layout.layoutHeight / 1_000_000);
  });
});

describe('visibleRows', () => {
  const layout = gridLayout({ width: 1000, cellSize: 112, gap: 8, total: 100_000 });

  it('renders only the rows on screen plus overscan', () => {
    const v = visibleRows(layout, 0, 600, 2);
    expect(v.firstRow).toBe(0);
    expect(v.endRow).toBe(Math.ceil(600 / 124) + 2);
    expect(v.firstIndex).toBe(0);
    expect(v.endIndex).toBe(v.endRow * 8);
  });

  it('moves the window with the scroll position, wherever it is', () => {
    const v = visibleRows(layout, 124 * 5000, 600, 2);
    expect(v.firstRow).toBe(4997); // row 4999 still peeks in above, then 2 rows of overscan
    expect(v.endRow - v.firstRow).toBeLessThan(12);
    expect(rowTop(layout, v, 5000)).toBe(8 + 5000 * 124);
  });

  it('clamps past the end and never renders past the last item', () => {
    const v = visibleRows(layout, 1e12, 600, 2);
    expect(v.endRow).toBe(layout.rows);
    expect(v.endIndex).toBe(100_000);
    expect(v.scrollTop).toBe(layout.scrollHeight - 600);
  });

  it('maps a capped scroll box onto the full layout', () => {
    const big = gridLayout({ width: 1000, cellSize: 112, gap: 8, total: 10_000_000, maxScrollHeight: 1_000_000 });
    const bottom = visibleRows(big, big.scrollHeight, 600, 0);
    expect(bottom.endIndex).toBe(10_000_000);
    const middle = visibleRows(big, big.scrollHeight / 2, 600, 0);
    const midRow = Math.floor(big.rows / 2);
    expect(Math.abs(middle.firstRow - midRow)).toBeLessThan(big.rows * 0.001);
    // Rendered rows land inside the viewport of the capped scroll box.
    const y = rowTop(big, middle, middle.firstRow + 1);
    expect(y).toBeGreaterThanOrEqual(middle.scrollTop - big.rowHeight);
    expect(y).toBeLessThanOrEqual(middle.scrollTop + 600);
    const jump = visibleRows(big, scrollTopForIndex(big, 7_000_000, 600), 600, 0);
    expect(jump.firstIndex).toBeLessThanOrEqual(7_000_000);
    expect(jump.endIndex).toBeGreaterThan(7_000_000);
  });

  it('renders nothing before the viewport is measured', () => {
    const v = visibleRows(layout, 0, 0);
    expect(v.endIndex).toBe(0);
  });
});

describe('renderRows', () => {
  it('lists each row with its top and item indices; the last row holds only what exists', () => {
    const layout = gridLayout({ width: 100 * 3 + 10 * 4, cellSize: 100, gap: 10, total: 7 });
    expect(layout.columns).toBe(3);
    const rows = renderRows(layout, 1, 3, 0);
    expect(rows.map((r) => r.indices)).toEqual([[3, 4, 5], [6]]);
    expect(rows.map((r) => r.top)).toEqual([layout.gap + layout.rowHeight, layout.gap + 2 * layout.rowHeight]);
    expect(renderRows(layout, 0, 1, -50)[0]!.top).toBe(layout.gap - 50);
  });
});
