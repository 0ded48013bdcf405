import { afterEach, describe, expect, it, vi } from 'vitest';
import { settle } from '../testing/fake-transport';
import { drawPixels } from './draw-pixels';

afterEach(() => vi.unstubAllGlobals());

/** 2×2 RGB: red, green, blue, white. */
const rgb = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);

function canvas(contexts: { bitmaprenderer?: object; '2d'?: object }) {
  const node = document.createElement('canvas');
  node.getContext = ((kind: string) => contexts[kind as keyof typeof contexts] ?? null) as HTMLCanvasElement['getContext'];
  return node;
}

describe('drawPixels', () => {
  it('hands the picture to a bitmaprenderer at its own size, then marks the canvas drawn', async () => {
    const transferred: unknown[] = [];
    const bitmap = { close: vi.fn() };
    const made: ImageData[] = [];
    vi.stubGlobal('createImageBitmap', (image: ImageData) => (made.push(image), Promise.resolve(bitmap)));
    const node = canvas({ bitmaprenderer: { transferFromImageBitmap: (b: unknown) => transferred.push(b) } });
    drawPixels(node, { rgb, size: 2 });
    expect(node.width).toBe(2);
    expect(node.height).toBe(2);
    expect(node.hasAttribute('data-drawn')).toBe(false);
    await settle();
    expect([...made[0]!.data]).toEqual([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255]);
    expect(transferred).toEqual([bitmap]);
    expect(node.getAttribute('data-drawn')).toBe('true');
  });

  it('a newer picture wins: the older bitmap is closed, not shown', async () => {
    const bitmaps = [{ close: vi.fn() }, { close: vi.fn() }];
    let n = 0;
    vi.stubGlobal('createImageBitmap', () => Promise.resolve(bitmaps[n++]));
    const transferred: unknown[] = [];
    const node = canvas({ bitmaprenderer: { transferFromImageBitmap: (b: unknown) => transferred.push(b) } });
    const handle = drawPixels(node, { rgb, size: 2 }) ?? {};
    handle.update?.({ rgb: new Uint8Array(3), size: 1 });
    await settle();
    expect(bitmaps[0]!.close).toHaveBeenCalled();
    expect(transferred).toEqual([bitmaps[1]]);
    expect(node.width).toBe(1);
  });

  it('falls back to a 2d context, drawn at once', () => {
    const putImageData = vi.fn();
    const node = canvas({ '2d': { putImageData } });
    drawPixels(node, { rgb, size: 2 });
    expect(putImageData).toHaveBeenCalledTimes(1);
    expect((putImageData.mock.calls[0]![0] as ImageData).width).toBe(2);
    expect(node.getAttribute('data-drawn')).toBe('true');
  });
});
