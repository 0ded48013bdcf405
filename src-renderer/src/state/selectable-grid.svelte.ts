// The multi-selection both virtual grids share (the Data grid and the Generate gallery): the rules
// live in lib/selection; this holds the state, and keeps track of clicks whose range lands a moment
// later (a range needs the ids in grid order first, fetched from the engine).
import { emptySelection, toggleSelection, type SelectionState } from '../lib/selection';

export abstract class SelectableGrid<T extends { id: number }> {
  selection = $state.raw<SelectionState>(emptySelection);
  selectedCount = $derived(this.selection.ids.size);

  abstract item(index: number): T | undefined;

  /**
   * The loaded items around grid position `index` (up to `reach` each side, stopping at the first
   * not yet fetched): what the full-size viewer steps through, and where `index` lands in it.
   */
  loadedAround(index: number, reach = 500): { items: T[]; index: number } {
    let start = index;
    while (start > 0 && index - start < reach && this.item(start - 1)) start--;
    const items: T[] = [];
    for (let i = start; i <= index + reach; i++) {
      const g = this.item(i);
      if (!g) break;
      items.push(g);
    }
    return { items, index: index - start };
  }

  isSelected(id: number): boolean {
    return this.selection.ids.has(id);
  }

  /** The last click or shift-extend, still landing. */
  private pending: Promise<void> = Promise.resolve();

  /** Resolves once the selection reflects every click so far (a digit pressed right after a shift-click rates the whole range). */
  settled(): Promise<void> {
    return this.pending;
  }

  protected track(p: Promise<void>): Promise<void> {
    this.pending = p.catch(() => {});
    return p;
  }

  toggle(index: number): void {
    const item = this.item(index);
    if (item) this.selection = toggleSelection(this.selection, index, item.id);
  }

  clearSelection(): void {
    this.selection = emptySelection;
  }
}
