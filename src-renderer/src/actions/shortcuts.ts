// Keyboard shortcuts for a view, active while its element is mounted. Keys typed into
// a text field or inside a modal dialog belong to that field or dialog, not the view.
import type { Action } from 'svelte/action';

export interface Shortcut {
  key: string;
  /** Ctrl on Windows/Linux, Cmd on macOS. */
  mod?: boolean;
  run: (event: KeyboardEvent) => void;
}

export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !['checkbox', 'radio', 'range', 'button', 'color'].includes(target.type);
}

export function matches(shortcut: Shortcut, event: KeyboardEvent): boolean {
  const mod = event.ctrlKey || event.metaKey;
  return event.key.toLowerCase() === shortcut.key.toLowerCase() && mod === (shortcut.mod ?? false) && !event.altKey;
}

export const shortcuts: Action<HTMLElement, Shortcut[]> = (_node, initial) => {
  let list = initial;
  function onKeydown(event: KeyboardEvent) {
    if (event.defaultPrevented || isTyping(event.target)) return;
    if (event.target instanceof Element && event.target.closest('dialog[open]')) return;
    const hit = list.find((s) => matches(s, event));
    if (!hit) return;
    event.preventDefault();
    hit.run(event);
  }
  window.addEventListener('keydown', onKeydown);
  return {
    update(next) {
      list = next;
    },
    destroy() {
      window.removeEventListener('keydown', onKeydown);
    },
  };
};
