import { describe, expect, it } from 'vitest';
import { base64Bytes, inlinePixels, rgbToRgba } from '../../../src-renderer/src/lib/pixels';

describe('inline pixels', () => {
  const size = 2;
  const per = size * size * 3;
  const bytes = Uint8Array.from({ length: 3 * per }, (_, i) => i);
  const rgb = Buffer.from(bytes).toString('base64');

  it('decodes base64 to the same bytes', () => {
    expect([...base64Bytes(rgb)]).toEqual([...bytes]);
    expect(base64Bytes('').length).toBe(0);
  });

  it('gives each of the first `count` items its own slice, in item order', () => {
    const items = [{ id: 40 }, { id: 41 }, { id: 42 }, { id: 43 }];
    const px = inlinePixels(items, { size, count: 3, rgb })!;
    expect(px.size).toBe(2);
    expect([...px.byId.keys()]).toEqual([40, 41, 42]);
    expect([...px.byId.get(41)!]).toEqual([...bytes.subarray(per, 2 * per)]);
    expect(px.byId.has(43)).toBe(false); // past the inline ones: loads from its file
  });

  it('ignores missing or inconsistent previews (the files are used instead)', () => {
    expect(inlinePixels([{ id: 1 }], null)).toBeUndefined();
    expect(inlinePixels([{ id: 1 }], { size, count: 0, rgb: '' })).toBeUndefined();
    expect(inlinePixels([{ id: 1 }, { id: 2 }], { size, count: 2, rgb })).toBeUndefined(); // 3 images' bytes for 2
  });

  it('expands RGB to opaque RGBA', () => {
    const out = rgbToRgba(Uint8Array.of(1, 2, 3, 250, 251, 252), new Uint8ClampedArray(8));
    expect([...out]).toEqual([1, 2, 3, 255, 250, 251, 252, 255]);
  });
});
