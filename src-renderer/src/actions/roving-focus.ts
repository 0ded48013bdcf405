// Arrow keys (and Home/End) move focus between the items of a list, as in a native
// menu; Tab still leaves the list in one step from the current item.
import type { Action } from 'svelte/action';

export const rovingFocus: Action<HTMLElement, { selector: string; orientation?: 'vertical' | 'horizontal' }> = (node, options) => {
  let opts = options;
  function onKeydown(event: KeyboardEvent) {
    const items = [...node.querySelectorAll<HTMLElement>(opts.selector)];
    const index = items.indexOf(document.activeElement as HTMLElement);
    if (index < 0) return;
    const [prev, next] = opts.orientation === 'horizontal' ? ['ArrowLeft', 'ArrowRight'] : ['ArrowUp', 'ArrowDown'];
    let target: number | null = null;
    if (event.key === prev) target = (index - 1 + items.length) % items.length;
    else if (event.key === next) target = (index + 1) % items.length;
    else if (event.key === 'Home') target = 0;
    else if (event.key === 'End') target = items.length - 1;
    if (target === null) return;
    event.preventDefault();
    items[target]?.focus();
  }
  node.addEventListener('keydown', onKeydown);
  return {
    update(next) {
      opts = next;
    },
    destroy() {
      node.removeEventListener('keydown', onKeydown);
    },
  };
};
