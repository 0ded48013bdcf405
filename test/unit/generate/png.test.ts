import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodePng } from '../../../src-main/generate/png';

describe('encodePng', () => {
  it('writes RGB and RGBA PNGs that decode to the same pixels', async () => {
    for (const channels of [3, 4] as const) {
      const w = 5;
      const h = 3;
      const pixels = Uint8Array.from({ length: w * h * channels }, (_, i) => (i * 37) % 256);
      const png = encodePng(pixels, w, h, channels);
      const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).toEqual([w, h, channels]);
      expect(Buffer.compare(data, Buffer.from(pixels))).toBe(0);
    }
  });

  it('refuses a buffer of the wrong size, naming both sizes', () => {
    expect(() => encodePng(new Uint8Array(10), 2, 2, 3)).toThrow('need 12 bytes; got 10');
    expect(() => encodePng(new Uint8Array(0), 0, 2, 3)).toThrow('at least 1×1');
  });
});
