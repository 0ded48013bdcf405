import { describe, expect, it } from 'vitest';
import {
  clickSelection,
  emptySelection,
  extendSelection,
  idsInRange,
  indexRange,
  moveIndex,
  selectAll,
  toggleSelection,
} from '../../../src-renderer/src/lib/selection';

// Ids in grid order: index i holds id order[i] (gaps, as after filtering).
const order = [3, 5, 8, 13, 21, 34, 55, 89];
const plain = { range: false, toggle: false };
const toggle = { range: false, toggle: true };
const shift = { range: true, toggle: false };
const ids = (s: { ids: ReadonlySet<number> }) => [...s.ids].sort((a, b) => a - b);

describe('selection ranges', () => {
  it('orders a range either way and slices the ids it covers', () => {
    expect(indexRange(5, 2)).toEqual([2, 5]);
    expect(idsInRange(order, 5, 2)).toEqual([8, 13, 21, 34]);
    expect(idsInRange(order, 6, 20)).toEqual([55, 89]);
  });

  it('a plain click selects one and sets the anchor', () => {
    const s = clickSelection({ ids: new Set([3, 5]), anchor: 0 }, 2, 8, plain);
    expect(ids(s)).toEqual([8]);
    expect(s.anchor).toBe(2);
  });

  it('ctrl/cmd-click toggles one and keeps the rest', () => {
    let s = clickSelection(emptySelection, 1, 5, plain);
    s = clickSelection(s, 3, 13, toggle);
    expect(ids(s)).toEqual([5, 13]);
    s = clickSelection(s, 1, 5, toggle);
    expect(ids(s)).toEqual([13]);
    expect(s.anchor).toBe(1);
  });

  it('shift-click selects from the anchor, replacing the selection; the anchor stays', () => {
    let s = clickSelection(emptySelection, 2, 8, plain);
    s = clickSelection(s, 5, 34, shift, order);
    expect(ids(s)).toEqual([8, 13, 21, 34]);
    s = clickSelection(s, 0, 3, shift, order);
    expect(ids(s)).toEqual([3, 5, 8]);
    expect(s.anchor).toBe(2);
  });

  it('ctrl+shift-click adds a range to what is selected', () => {
    let s = clickSelection(emptySelection, 7, 89, plain);
    s = clickSelection(s, 1, 5, toggle);
    s = clickSelection(s, 3, 13, { range: true, toggle: true }, order);
    expect(ids(s)).toEqual([5, 8, 13, 89]);
  });

  it('shift-click without an anchor acts as a plain click', () => {
    const s = clickSelection(emptySelection, 4, 21, shift, order);
    expect(ids(s)).toEqual([21]);
    expect(s.anchor).toBe(4);
  });

  it('space toggles, shift+arrows extend from the anchor (or where focus was)', () => {
    let s = toggleSelection(emptySelection, 2, 8);
    expect(ids(s)).toEqual([8]);
    s = extendSelection(s, 2, 4, order);
    expect(ids(s)).toEqual([8, 13, 21]);
    s = extendSelection(s, 4, 1, order);
    expect(ids(s)).toEqual([5, 8]);
    const fresh = extendSelection(emptySelection, 6, 7, order);
    expect(ids(fresh)).toEqual([55, 89]);
    expect(fresh.anchor).toBe(6);
  });

  it('select all takes every id of the filter', () => {
    expect(selectAll(order).ids.size).toBe(order.length);
  });
});

describe('moveIndex', () => {
  it('moves by one, by a row and by a page, clamped to the grid', () => {
    expect(moveIndex('ArrowRight', 0, 4, 10, 8)).toBe(1);
    expect(moveIndex('ArrowDown', 1, 4, 10, 8)).toBe(5);
    expect(moveIndex('ArrowDown', 8, 4, 10, 8)).toBe(9);
    expect(moveIndex('ArrowUp', 2, 4, 10, 8)).toBe(0);
    expect(moveIndex('PageDown', 1, 4, 10, 8)).toBe(9);
    expect(moveIndex('Home', 6, 4, 10, 8)).toBe(4);
    expect(moveIndex('End', 5, 4, 10, 8)).toBe(7);
    expect(moveIndex('End', 5, 4, 10, 8, true)).toBe(9);
    expect(moveIndex('Home', 5, 4, 10, 8, true)).toBe(0);
    expect(moveIndex('a', 5, 4, 10, 8)).toBeNull();
    expect(moveIndex('ArrowRight', 0, 4, 0, 8)).toBeNull();
  });
});
