import { afterEach, describe, expect, it, vi } from 'vitest';
import { resize } from './resize';

/** A ResizeObserver the spec drives: `fire` reports a new content box. */
class FakeObserver {
  static last: FakeObserver | null = null;
  observed: Element[] = [];
  disconnected = false;
  constructor(private readonly callback: ResizeObserverCallback) {
    FakeObserver.last = this;
  }
  observe(node: Element) {
    this.observed.push(node);
  }
  disconnect() {
    this.disconnected = true;
  }
  fire(width: number, height: number) {
    this.callback([{ contentRect: { width, height } } as ResizeObserverEntry], this as unknown as ResizeObserver);
  }
}

afterEach(() => vi.unstubAllGlobals());

describe('resize', () => {
  it('reports the content box of the element to the latest callback, until destroyed', () => {
    vi.stubGlobal('ResizeObserver', FakeObserver);
    const node = document.createElement('div');
    const first = vi.fn();
    const second = vi.fn();
    const handle = resize(node, first) ?? {};
    const observer = FakeObserver.last!;
    expect(observer.observed).toEqual([node]);
    observer.fire(320, 200);
    expect(first).toHaveBeenCalledWith({ width: 320, height: 200 });
    handle.update?.(second);
    observer.fire(640, 100);
    expect(second).toHaveBeenCalledWith({ width: 640, height: 100 });
    expect(first).toHaveBeenCalledTimes(1);
    handle.destroy?.();
    expect(observer.disconnected).toBe(true);
  });
});
