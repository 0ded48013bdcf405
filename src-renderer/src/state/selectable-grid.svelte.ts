// The multi-selection both virtual grids share (the Data grid and the Generate gallery): the rules
// live in lib/selection; this holds the state, and keeps track of clicks whose range lands a moment
// later (a range needs the ids in grid order first, fetched from the engine).
import { emptySelection, toggleSelection, type SelectionState } from '../lib/selection';

export abstract class SelectableGrid<T extends { id: number }> {
  selection = $state.raw<SelectionState>(emptySelection);
  selectedCount = $derived(this.selection.ids.size);

  abstract item(index: number): T | undefined;

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
