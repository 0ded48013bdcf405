// Layout math for a fixed-cell virtual grid: which rows exist, which are on screen,
// and how a capped scroll box maps onto a taller layout. Pure, so it is unit-tested.

/** Browsers cap a scroll box near 16.7M CSS px; stay well below it and scale beyond. */
export const MAX_SCROLL_HEIGHT = 8_000_000;

export interface GridInput {
  /** Inner width of the scroll box, in CSS px. */
  width: number;
  /** Edge of one square cell, in CSS px. */
  cellSize: number;
  /** Space between cells and around the grid, in CSS px. */
  gap: number;
  /** How many items the grid holds. */
  total: number;
  maxScrollHeight?: number;
}

export interface GridLayout {
  columns: number;
  rows: number;
  /** Distance from one row's top to the next. */
  rowHeight: number;
  /** Cell edge after spreading leftover width across the columns. */
  cellWidth: number;
  /** Full height of the content if nothing were capped. */
  layoutHeight: number;
  /** Height of the scroll box content actually rendered (≤ maxScrollHeight). */
  scrollHeight: number;
  /** layoutHeight / scrollHeight: 1 unless the grid is taller than the cap. */
  scale: number;
  gap: number;
  total: number;
}

export function gridLayout({ width, cellSize, gap, total, maxScrollHeight = MAX_SCROLL_HEIGHT }: GridInput): GridLayout {
  const usable = Math.max(0, width - gap);
  const columns = Math.max(1, Math.floor(usable / (cellSize + gap)));
  // Cells stretch a little so the grid fills the width without a ragged right edge.
  const cellWidth = Math.max(1, Math.floor(usable / columns - gap));
  const rowHeight = cellWidth + gap;
  const rows = total > 0 ? Math.ceil(total / columns) : 0;
  const layoutHeight = rows * rowHeight + (rows > 0 ? gap : 0);
  const scrollHeight = Math.min(layoutHeight, maxScrollHeight);
  const scale = scrollHeight > 0 ? layoutHeight / scrollHeight : 1;
  return { columns, rows, rowHeight, cellWidth, layoutHeight, scrollHeight, scale, gap, total };
}

export interface VisibleRows {
  /** First row to render (inclusive). */
  firstRow: number;
  /** Last row to render (exclusive). */
  endRow: number;
  /** First item index to render (inclusive). */
  firstIndex: number;
  /** Last item index to render (exclusive). */
  endIndex: number;
  /** Where layout position 0 sits in scroll space, for placing rows (see rowTop). */
  layoutTop: number;
  scrollTop: number;
}

/** Rows on screen for a scroll position, plus `overscan` rows above and below. */
export function visibleRows(layout: GridLayout, scrollTop: number, viewportHeight: number, overscan = 2): VisibleRows {
  const maxScroll = Math.max(0, layout.scrollHeight - viewportHeight);
  const top = Math.min(Math.max(0, scrollTop), maxScroll);
  // In scaled mode the scroll range [0, maxScroll] maps linearly onto the layout's.
  const layoutTop = top * layoutRatio(layout, viewportHeight);
  if (layout.rows === 0 || viewportHeight <= 0) {
    return { firstRow: 0, endRow: 0, firstIndex: 0, endIndex: 0, layoutTop, scrollTop: top };
  }
  const first = Math.floor(Math.max(0, layoutTop - layout.gap) / layout.rowHeight);
  const last = Math.ceil((layoutTop + viewportHeight) / layout.rowHeight);
  const firstRow = Math.max(0, first - overscan);
  const endRow = Math.min(layout.rows, last + overscan);
  return {
    firstRow,
    endRow,
    firstIndex: firstRow * layout.columns,
    endIndex: Math.min(layout.total, endRow * layout.columns),
    layoutTop,
    scrollTop: top,
  };
}

/** Top of a row in scroll-box coordinates (equal to its layout position unless scaled). */
/** The rows from firstRow up to endRow as a grid renders them: each row's top (offset into the scroll box) and the item indices it holds. */
export function renderRows(layout: GridLayout, firstRow: number, endRow: number, offset: number): { row: number; top: number; indices: number[] }[] {
  const out: { row: number; top: number; indices: number[] }[] = [];
  for (let row = firstRow; row < endRow; row++) {
    const start = row * layout.columns;
    const end = Math.min(layout.total, start + layout.columns);
    const indices: number[] = [];
    for (let i = start; i < end; i++) indices.push(i);
    out.push({ row, top: offset + layout.gap + row * layout.rowHeight, indices });
  }
  return out;
}

export function rowTop(layout: GridLayout, visible: VisibleRows, row: number): number {
  const layoutY = layout.gap + row * layout.rowHeight;
  return visible.scrollTop + (layoutY - visible.layoutTop);
}

/** Layout px per scroll px for a given viewport height (1 unless the grid is capped). */
export function layoutRatio(layout: GridLayout, viewportHeight: number): number {
  const maxScroll = layout.scrollHeight - viewportHeight;
  const maxLayout = layout.layoutHeight - viewportHeight;
  return maxScroll > 0 && maxLayout > 0 ? maxLayout / maxScroll : 1;
}

/** The scrollTop that brings an item's row to the top of the viewport. */
export function scrollTopForIndex(layout: GridLayout, index: number, viewportHeight: number): number {
  const row = Math.floor(Math.max(0, index) / layout.columns);
  const maxScroll = Math.max(0, layout.scrollHeight - viewportHeight);
  return Math.min(maxScroll, (row * layout.rowHeight) / layoutRatio(layout, viewportHeight));
}
