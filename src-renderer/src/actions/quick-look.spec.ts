import { describe, expect, it, vi } from 'vitest';
import { quickLook } from './quick-look';

function grid() {
  const node = document.createElement('div');
  node.innerHTML =
    '<button data-testid="cell" data-index="0"></button><button data-testid="cell" data-index="7"><img></button><button data-testid="other"></button>';
  document.body.append(node);
  return node;
}
const key = (target: Element, init: KeyboardEventInit) => {
  const e = new KeyboardEvent('keydown', { bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(e);
  return e;
};

describe('quickLook', () => {
  it('opens the cell under Space or a double-click (from inside the cell too), and leaves Shift+Space and other elements alone', () => {
    const node = grid();
    const onview = vi.fn();
    const action = quickLook(node, { cell: '[data-testid="cell"]', onview })!;
    const seventh = node.querySelectorAll('[data-testid="cell"]')[1]!;
    expect(key(seventh, { key: ' ' }).defaultPrevented).toBe(true);
    seventh.querySelector('img')!.dispatchEvent(new MouseEvent('dblclick', { bubbles: true }));
    expect(key(seventh, { key: ' ', shiftKey: true }).defaultPrevented).toBe(false);
    key(node.querySelector('[data-testid="other"]')!, { key: ' ' });
    key(seventh, { key: 'Enter' });
    expect(onview.mock.calls).toEqual([[7], [7]]);
    action.update!({ cell: '[data-testid="cell"]', onview, paused: true });
    node.querySelector('[data-testid="cell"]')!.dispatchEvent(new MouseEvent('dblclick', { bubbles: true }));
    expect(onview).toHaveBeenCalledTimes(2);
    action.destroy!();
    key(seventh, { key: ' ' });
    expect(onview).toHaveBeenCalledTimes(2);
    node.remove();
  });
});
