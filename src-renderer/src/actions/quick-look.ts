// Space or a double-click on a grid cell opens the full-size viewer on it, as a file browser's
// quick look does; Shift+Space is left to the grid (it toggles the cell in the selection).
import type { Action } from 'svelte/action';

export interface QuickLook {
  /** A selector for the grid's cells; each carries its grid position in `data-index`. */
  cell: string;
  onview: (index: number) => void;
  /** While true a double-click is the grid's (e.g. picking an image for a form). */
  paused?: boolean;
}

export const quickLook: Action<HTMLElement, QuickLook> = (node, initial) => {
  let p = initial;
  const indexOf = (target: EventTarget | null): number | null => {
    const cell = target instanceof Element ? target.closest<HTMLElement>(`${p.cell}[data-index]`) : null;
    return cell ? Number(cell.dataset.index) : null;
  };
  const onkeydown = (e: KeyboardEvent) => {
    if (e.key !== ' ' || e.shiftKey || e.ctrlKey || e.metaKey || e.altKey) return;
    const index = indexOf(e.target);
    if (index === null) return;
    e.preventDefault();
    e.stopPropagation();
    p.onview(index);
  };
  const ondblclick = (e: MouseEvent) => {
    const index = indexOf(e.target);
    if (index !== null && !p.paused) p.onview(index);
  };
  node.addEventListener('keydown', onkeydown, true);
  node.addEventListener('dblclick', ondblclick);
  return {
    update(next) {
      p = next;
    },
    destroy() {
      node.removeEventListener('keydown', onkeydown, true);
      node.removeEventListener('dblclick', ondblclick);
    },
  };
};
