import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readImageHeader, safeSvg, unsupportedFormat } from '../../../src-main/datasets/image-header';
import { decodePngRgba } from '../../../src-main/datasets/png-fast';

const image = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 4, background: { r: 200, g: 30, b: 90, alpha: 0.5 } } });

describe('image header', () => {
  it.each([
    ['png', () => image(37, 21).png().toBuffer()],
    ['jpg', () => image(300, 17).jpeg().toBuffer()],
    ['jpg', () => image(40, 50).jpeg({ progressive: true }).toBuffer()],
    ['webp', () => image(65, 33).webp({ lossless: true }).toBuffer()],
    ['webp', () => image(66, 34).webp({ quality: 50 }).toBuffer()],
    ['gif', () => image(12, 90).gif().toBuffer()],
  ] as const)('reads %s format and size without decoding', async (format, make) => {
    const bytes = await make();
    const meta = await sharp(bytes).metadata();
    expect(readImageHeader(bytes)).toEqual({ format, width: meta.width, height: meta.height, orientation: 1 });
  });

  it('reads the EXIF orientation of a JPEG and a PNG, and leaves a WebP whose EXIF follows its pixels to the decoder', async () => {
    const turned = (f: 'jpeg' | 'png' | 'webp') => image(40, 20)[f]().withMetadata({ orientation: 6 }).toBuffer();
    expect(readImageHeader(await turned('jpeg'))).toEqual({ format: 'jpg', width: 40, height: 20, orientation: 6 });
    expect(readImageHeader(await turned('png'))).toEqual({ format: 'png', width: 40, height: 20, orientation: 6 });
    expect(readImageHeader(await turned('webp'))).toEqual({ format: 'webp', width: 40, height: 20 });
    expect(readImageHeader(await image(40, 20).jpeg().withMetadata({ orientation: 3 }).toBuffer())?.orientation).toBe(3);
  });

  it('names HEIC, PSD and BMP instead of calling them unknown, and still takes AVIF', async () => {
    const ftyp = (major: string, ...compatible: string[]) => {
      const box = Buffer.concat([Buffer.alloc(4), Buffer.from('ftyp'), Buffer.from(major), Buffer.alloc(4), ...compatible.map((c) => Buffer.from(c))]);
      box.writeUInt32BE(box.length, 0);
      return Buffer.concat([box, Buffer.alloc(32)]);
    };
    for (const heic of [ftyp('heic', 'mif1', 'heic'), ftyp('mif1', 'mif1', 'heic'), ftyp('heix'), ftyp('msf1', 'hevc')]) {
      expect(readImageHeader(heic)).toBeNull();
      expect(unsupportedFormat(heic)).toBe('a HEIC photo: Atelier cannot read HEIC yet; export it as JPEG or PNG.');
    }
    expect(readImageHeader(ftyp('mif1', 'mif1', 'avif'))).toEqual({ format: 'avif' });
    expect(unsupportedFormat(Buffer.concat([Buffer.from('8BPS'), Buffer.from([0, 1]), Buffer.alloc(20)]))).toBe(
      'a Photoshop document (PSD): flatten it and export it as PNG.',
    );
    const bmp = Buffer.alloc(54);
    bmp.write('BM', 0);
    expect(unsupportedFormat(bmp)).toBe('a BMP image: Atelier cannot read BMP; export it as PNG.');
    expect(unsupportedFormat(Buffer.from('hello, this is text'))).toBeNull();
  });

  it('knows SVG, TIFF and AVIF by their first bytes, and nothing else', async () => {
    expect(readImageHeader(Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'))).toEqual({ format: 'svg' });
    expect(readImageHeader(await image(4, 4).tiff().toBuffer())).toEqual({ format: 'tiff' });
    expect(readImageHeader(await image(4, 4).avif().toBuffer())?.format).toBe('avif');
    expect(readImageHeader(Buffer.from('hello, this is text'))).toBeNull();
    expect(readImageHeader(Buffer.alloc(0))).toBeNull();
    expect(readImageHeader(Buffer.from([0x89, 0x50]))).toBeNull();
  });

  it('strips every reference that would reach outside the SVG', () => {
    const svg = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
        <image href="https://example.com/track.png"/><image xlink:href='file:///etc/passwd'/>
        <use href="#local"/><rect style="fill:url(http://x/y)" fill="url(#grad)"/></svg>`,
    );
    const out = safeSvg(svg).toString();
    expect(out).not.toContain('example.com');
    expect(out).not.toContain('/etc/passwd');
    expect(out).not.toContain('http://x/y');
    expect(out).toContain('href="#local"');
    expect(out).toContain('url(#grad)');
  });
});

describe('fast PNG path', () => {
  it('gives the same RGBA pixels as sharp for RGBA, RGB and palette PNGs', async () => {
    let decoded = 0;
    const base = sharp({ create: { width: 9, height: 7, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0.75 } } });
    for (const bytes of [
      await base.png().toBuffer(),
      await base.clone().removeAlpha().png().toBuffer(),
      await base.png({ palette: true, colours: 8 }).toBuffer(),
    ]) {
      const fast = decodePngRgba(bytes);
      if (!fast) continue; // a variant it leaves to sharp
      decoded++;
      const ref = await sharp(bytes).ensureAlpha().raw().toBuffer();
      expect(Buffer.from(fast.data)).toEqual(ref);
    }
    expect(decoded).toBeGreaterThanOrEqual(2);
  });

  it('throws on a bad chunk checksum (which sharp refuses) and leaves a PNG with an EXIF orientation to sharp', async () => {
    const bytes = await sharp({ create: { width: 16, height: 16, channels: 4, background: '#336699' } })
      .png()
      .toBuffer();
    for (const at of [29, bytes.length - 1]) {
      const bad = Buffer.from(bytes);
      bad[at] = bad[at]! ^ 0xff;
      expect(() => decodePngRgba(bad)).toThrow(/checksum/);
    }
    expect(decodePngRgba(await sharp(bytes).withMetadata({ orientation: 6 }).png().toBuffer())).toBeNull();
  });

  it('throws on a truncated PNG rather than returning garbage', async () => {
    const bytes = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    expect(() => decodePngRgba(bytes.subarray(0, bytes.length >> 1))).toThrow();
  });
});
