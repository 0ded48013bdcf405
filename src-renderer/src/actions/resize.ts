// Report an element's content-box size whenever it changes.
import type { Action } from 'svelte/action';

export const resize: Action<HTMLElement, (size: { width: number; height: number }) => void> = (node, callback) => {
  let report = callback;
  const observer = new ResizeObserver(([entry]) => {
    if (entry) report({ width: entry.contentRect.width, height: entry.contentRect.height });
  });
  observer.observe(node);
  return {
    update(next) {
      report = next;
    },
    destroy() {
      observer.disconnect();
    },
  };
};
