import { afterEach, describe, expect, it, vi } from 'vitest';
import { isTyping, matches, shortcuts, type Shortcut } from './shortcuts';

const key = (k: string, init: KeyboardEventInit = {}) => new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true, ...init });

afterEach(() => document.body.replaceChildren());

describe('matches', () => {
  const undo: Shortcut = { key: 'z', mod: true, run: () => {} };
  const plain: Shortcut = { key: 'Delete', run: () => {} };

  it('takes Ctrl or Cmd as the modifier, any letter case, and nothing with Alt', () => {
    expect(matches(undo, key('z', { ctrlKey: true }))).toBe(true);
    expect(matches(undo, key('Z', { metaKey: true }))).toBe(true);
    expect(matches(undo, key('z'))).toBe(false);
    expect(matches(undo, key('z', { ctrlKey: true, altKey: true }))).toBe(false);
    expect(matches(undo, key('y', { ctrlKey: true }))).toBe(false);
    expect(matches(plain, key('Delete'))).toBe(true);
    expect(matches(plain, key('Delete', { ctrlKey: true }))).toBe(false);
  });
});

describe('isTyping', () => {
  it('text fields, text areas, selects and editable content take keys; buttons and ticks do not', () => {
    const el = (html: string) => {
      document.body.innerHTML = html;
      return document.body.firstElementChild;
    };
    expect(isTyping(el('<input type="text">'))).toBe(true);
    expect(isTyping(el('<input>'))).toBe(true);
    expect(isTyping(el('<textarea></textarea>'))).toBe(true);
    expect(isTyping(el('<select></select>'))).toBe(true);
    expect(isTyping(el('<input type="checkbox">'))).toBe(false);
    expect(isTyping(el('<input type="range">'))).toBe(false);
    expect(isTyping(el('<button></button>'))).toBe(false);
    expect(isTyping(null)).toBe(false);
  });
});

describe('shortcuts', () => {
  function mount(list: Shortcut[]) {
    const view = document.createElement('div');
    view.innerHTML = '<button>b</button><input type="text"><dialog open><button>in dialog</button></dialog>';
    document.body.append(view);
    const handle = shortcuts(view, list) ?? {};
    return { view, handle };
  }

  it('runs the matching shortcut for a key pressed on the view, and takes the key', () => {
    const run = vi.fn();
    const { view } = mount([{ key: 'a', mod: true, run }]);
    const event = key('a', { ctrlKey: true });
    view.querySelector('button')!.dispatchEvent(event);
    expect(run).toHaveBeenCalledTimes(1);
    expect(event.defaultPrevented).toBe(true);
    const other = key('b', { ctrlKey: true });
    view.querySelector('button')!.dispatchEvent(other);
    expect(run).toHaveBeenCalledTimes(1);
    expect(other.defaultPrevented).toBe(false);
  });

  it('leaves keys typed in a field, inside an open dialog, or already taken', () => {
    const run = vi.fn();
    const { view } = mount([{ key: 'Delete', run }]);
    view.querySelector('input')!.dispatchEvent(key('Delete'));
    view.querySelector('dialog button')!.dispatchEvent(key('Delete'));
    const taken = key('Delete');
    taken.preventDefault();
    view.dispatchEvent(taken);
    expect(run).not.toHaveBeenCalled();
  });

  it('follows a new list, and stops listening when the view goes', () => {
    const first = vi.fn();
    const second = vi.fn();
    const { view, handle } = mount([{ key: 'x', run: first }]);
    handle.update?.([{ key: 'x', run: second }]);
    view.dispatchEvent(key('x'));
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledTimes(1);
    handle.destroy?.();
    view.dispatchEvent(key('x'));
    expect(second).toHaveBeenCalledTimes(1);
  });
});
