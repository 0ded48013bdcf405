import { afterEach, describe, expect, it } from 'vitest';
import { rovingFocus } from './roving-focus';

afterEach(() => document.body.replaceChildren());

function list(orientation?: 'vertical' | 'horizontal') {
  const node = document.createElement('ul');
  node.innerHTML =
    '<li><button class="item">a</button></li><li><button class="item">b</button></li><li><button class="item">c</button></li><li><button>other</button></li>';
  document.body.append(node);
  const handle = rovingFocus(node, { selector: '.item', orientation }) ?? {};
  const items = [...node.querySelectorAll<HTMLButtonElement>('.item')];
  const press = (key: string, from: HTMLElement = document.activeElement as HTMLElement) => {
    const event = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true });
    from.dispatchEvent(event);
    return event;
  };
  return { node, handle, items, press };
}

const focused = () => document.activeElement?.textContent;

describe('rovingFocus', () => {
  it('arrows move between the items and wrap; Home and End go to the ends', () => {
    const { items, press } = list();
    items[0]!.focus();
    expect(press('ArrowDown').defaultPrevented).toBe(true);
    expect(focused()).toBe('b');
    press('ArrowDown');
    press('ArrowDown');
    expect(focused()).toBe('a'); // Wrapped past the last item (the other button is not an item).
    press('ArrowUp');
    expect(focused()).toBe('c');
    press('Home');
    expect(focused()).toBe('a');
    press('End');
    expect(focused()).toBe('c');
  });

  it('a horizontal list uses left and right, and other keys pass through', () => {
    const { items, press } = list('horizontal');
    items[1]!.focus();
    expect(press('ArrowDown').defaultPrevented).toBe(false);
    expect(focused()).toBe('b');
    press('ArrowRight');
    expect(focused()).toBe('c');
    press('ArrowLeft');
    press('ArrowLeft');
    expect(focused()).toBe('a');
  });

  it('does nothing from outside its items, nor once destroyed', () => {
    const { node, handle, items, press } = list();
    const other = node.querySelector<HTMLButtonElement>('button:not(.item)')!;
    other.focus();
    press('ArrowDown');
    expect(focused()).toBe('other');
    items[0]!.focus();
    handle.destroy?.();
    press('ArrowDown');
    expect(focused()).toBe('a');
  });
});
