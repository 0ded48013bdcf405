import { describe, expect, it } from 'vitest';
import { imageLoaded } from './image-loaded';

function img(decoded = false) {
  const node = document.createElement('img');
  Object.defineProperty(node, 'complete', { configurable: true, get: () => decoded });
  Object.defineProperty(node, 'naturalWidth', { configurable: true, get: () => (decoded ? 32 : 0) });
  return { node, decode: (yes: boolean) => (decoded = yes) };
}

describe('imageLoaded', () => {
  it('marks the image once it has loaded, or failed', () => {
    const { node } = img();
    imageLoaded(node, 'a.png');
    expect(node.hasAttribute('data-loaded')).toBe(false);
    node.dispatchEvent(new Event('load'));
    expect(node.getAttribute('data-loaded')).toBe('yes');
    const broken = img().node;
    imageLoaded(broken, 'b.png');
    broken.dispatchEvent(new Event('error'));
    expect(broken.getAttribute('data-loaded')).toBe('error');
  });

  it('an image already decoded (from the cache) is marked at once', () => {
    const { node } = img(true);
    imageLoaded(node, 'a.png');
    expect(node.getAttribute('data-loaded')).toBe('yes');
  });

  it('a new picture goes back to the placeholder until it decodes; destroyed, it stops listening', () => {
    const { node, decode } = img(true);
    const handle = imageLoaded(node, 'a.png') ?? {};
    decode(false);
    handle.update?.('b.png');
    expect(node.hasAttribute('data-loaded')).toBe(false);
    handle.destroy?.();
    node.dispatchEvent(new Event('load'));
    expect(node.hasAttribute('data-loaded')).toBe(false);
  });
});
