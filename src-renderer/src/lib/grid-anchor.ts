// When a grid's column count changes (a narrower window, another thumbnail size), every image
// moves; this keeps one image (the one last clicked or focused) where it was on screen.
// Pure, so it is unit-tested.
import { layoutRatio, type GridLayout } from './virtual-grid';

/** Where an item's top edge sits in the viewport (px from its top) for a layout and scroll position. */
export function itemViewportTop(layout: GridLayout, scrollTop: number, viewportHeight: number, index: number): number {
  const row = Math.floor(Math.max(0, index) / Math.max(1, layout.columns));
  return layout.gap + row * layout.rowHeight - scrollTop * layoutRatio(layout, viewportHeight);
}

/**
 * The item to keep in place across a reflow: the focused one if any of it is on screen,
 * else the first row's first item (so the view does not jump to another part of the set).
 */
export function anchorIndex(layout: GridLayout, scrollTop: number, viewportHeight: number, focusIndex: number): number {
  const top = itemViewportTop(layout, scrollTop, viewportHeight, focusIndex);
  if (focusIndex < layout.total && top + layout.rowHeight > 0 && top < viewportHeight) return focusIndex;
  const layoutTop = scrollTop * layoutRatio(layout, viewportHeight);
  const row = Math.max(0, Math.ceil((layoutTop - layout.gap) / layout.rowHeight));
  return Math.min(Math.max(0, layout.total - 1), row * layout.columns);
}

/** The scrollTop under `next` that puts item `index` at the same viewport height as under `prev`, within the scroll range. */
export function scrollTopKeeping(prev: GridLayout, prevScrollTop: number, next: GridLayout, viewportHeight: number, index: number): number {
  const y = itemViewportTop(prev, prevScrollTop, viewportHeight, index);
  const row = Math.floor(Math.max(0, index) / Math.max(1, next.columns));
  const layoutTop = next.gap + row * next.rowHeight - y;
  const maxScroll = Math.max(0, next.scrollHeight - viewportHeight);
  return Math.min(maxScroll, Math.max(0, layoutTop / layoutRatio(next, viewportHeight)));
}
