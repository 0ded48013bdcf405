// Multi-select over a long, ordered list addressed by index (the virtual grid):
// click, ctrl/cmd-click, shift-click and shift+arrows, as a file manager does it.
// Pure, so the rules are unit-tested; ids are looked up through `idAt`.

export interface SelectionState {
  /** Selected image ids. */
  ids: ReadonlySet<number>;
  /** Index a shift-range starts from (the last plain or toggling click). */
  anchor: number | null;
}

export interface Modifiers {
  /** Shift: select the range from the anchor. */
  range: boolean;
  /** Ctrl/Cmd: toggle one, or add a range to what is selected. */
  toggle: boolean;
}

export const emptySelection: SelectionState = { ids: new Set(), anchor: null };

/** The indices from a to b, both included, in either order. */
export function indexRange(a: number, b: number): [start: number, end: number] {
  return a <= b ? [a, b] : [b, a];
}

/** The ids of a range of indices, from an ordered id list (the filter's `assets:ids`). */
export function idsInRange(order: readonly number[], a: number, b: number): number[] {
  const [start, end] = indexRange(a, b);
  return order.slice(Math.max(0, start), Math.min(order.length, end + 1));
}

/** What a click on the item at `index` (with id `id`) makes of the selection. */
export function clickSelection(state: SelectionState, index: number, id: number, mods: Modifiers, order?: readonly number[]): SelectionState {
  if (mods.range && state.anchor !== null && order) {
    const range = idsInRange(order, state.anchor, index);
    const ids = new Set(mods.toggle ? state.ids : []);
    for (const r of range) ids.add(r);
    return { ids, anchor: state.anchor };
  }
  if (mods.toggle) {
    const ids = new Set(state.ids);
    if (ids.has(id)) ids.delete(id);
    else ids.add(id);
    return { ids, anchor: index };
  }
  return { ids: new Set([id]), anchor: index };
}

/** Space on the focused item: toggle it and make it the anchor. */
export function toggleSelection(state: SelectionState, index: number, id: number): SelectionState {
  return clickSelection(state, index, id, { range: false, toggle: true });
}

/** Shift+arrow: the selection becomes the range from the anchor (or the old focus) to the new focus. */
export function extendSelection(state: SelectionState, from: number, to: number, order: readonly number[]): SelectionState {
  const anchor = state.anchor ?? from;
  return { ids: new Set(idsInRange(order, anchor, to)), anchor };
}

/** Everything the filter matches. */
export function selectAll(order: readonly number[]): SelectionState {
  return { ids: new Set(order), anchor: null };
}

/** Keyboard moves in a grid of `columns`, clamped to [0, total). Null when the key is not a move. */
export function moveIndex(key: string, index: number, columns: number, total: number, pageItems: number, ctrl = false): number | null {
  if (total <= 0) return null;
  const moves: Record<string, number> = {
    ArrowRight: 1,
    ArrowLeft: -1,
    ArrowDown: columns,
    ArrowUp: -columns,
    PageDown: pageItems,
    PageUp: -pageItems,
  };
  let next: number;
  if (key in moves) next = index + moves[key]!;
  else if (key === 'Home') next = ctrl ? 0 : index - (index % columns);
  else if (key === 'End') next = ctrl ? total - 1 : Math.min(total - 1, index - (index % columns) + columns - 1);
  else return null;
  return Math.max(0, Math.min(total - 1, next));
}
