// What kind of image a file is, and how big, read from its first bytes: no decoder
// runs before Atelier knows the pixel count (a 30,000×30,000 PNG is refused here).
export type ImageFormat = 'png' | 'jpg' | 'gif' | 'webp' | 'svg' | 'tiff' | 'avif';

export interface ImageHeader {
  format: ImageFormat;
  /** Absent where the header does not say cheaply (SVG, TIFF, AVIF): ask the decoder. */
  width?: number;
  height?: number;
}

export function readImageHeader(b: Uint8Array): ImageHeader | null {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ascii = (at: number, text: string) => b.length >= at + text.length && [...text].every((c, i) => b[at + i] === c.charCodeAt(0));
  if (b.length >= 24 && b[0] === 0x89 && ascii(1, 'PNG') && ascii(12, 'IHDR')) {
    return { format: 'png', width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (b.length >= 10 && (ascii(0, 'GIF87a') || ascii(0, 'GIF89a'))) {
    return { format: 'gif', width: view.getUint16(6, true), height: view.getUint16(8, true) };
  }
  if (b.length >= 30 && ascii(0, 'RIFF') && ascii(8, 'WEBP')) return { format: 'webp', ...webpSize(b, view) };
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { format: 'jpg', ...jpegSize(b, view) };
  if (b.length >= 4 && ((ascii(0, 'II') && b[2] === 42 && b[3] === 0) || (ascii(0, 'MM') && b[2] === 0 && b[3] === 42))) return { format: 'tiff' };
  if (b.length >= 12 && ascii(4, 'ftyp') && (ascii(8, 'avif') || ascii(8, 'avis') || ascii(8, 'mif1'))) return { format: 'avif' };
  if (looksLikeSvg(b)) return { format: 'svg' };
  return null;
}

function webpSize(b: Uint8Array, view: DataView): { width?: number; height?: number } {
  const chunk = String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!);
  if (chunk === 'VP8X') return { width: 1 + (b[24]! | (b[25]! << 8) | (b[26]! << 16)), height: 1 + (b[27]! | (b[28]! << 8) | (b[29]! << 16)) };
  if (chunk === 'VP8L' && b[20] === 0x2f) {
    const bits = view.getUint32(21, true);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
  }
  if (chunk === 'VP8 ' && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) {
    return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
  }
  return {};
}

function jpegSize(b: Uint8Array, view: DataView): { width?: number; height?: number } {
  let at = 2;
  while (at + 9 < b.length) {
    if (b[at] !== 0xff) return {};
    const marker = b[at + 1]!;
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01 || marker === 0xff) {
      at += marker === 0xff ? 1 : 2;
      continue;
    }
    const length = view.getUint16(at + 2);
    // Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) do not.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: view.getUint16(at + 5), width: view.getUint16(at + 7) };
    }
    at += 2 + length;
  }
  return {};
}

function looksLikeSvg(b: Uint8Array): boolean {
  const head = new TextDecoder('utf-8', { fatal: false }).decode(b.subarray(0, 1024)).replace(/^\uFEFF/, '').trimStart();
  return /^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(head);
}

/**
 * An SVG safe to rasterize: every reference that is not inside the document
 * (`#id`) or inline (`data:`) is removed, so nothing outside is ever fetched or read.
 */
export function safeSvg(bytes: Uint8Array): Buffer {
  const text = new TextDecoder().decode(bytes);
  const cleaned = text
    .replace(/\s(?:xlink:)?href\s*=\s*(["'])(?!#|data:)[^"']*\1/gi, '')
    .replace(/url\(\s*(["']?)(?!#|data:)[^)"']*\1\s*\)/gi, 'none')
    .replace(/<!ENTITY[^>]*>/gi, '');
  return Buffer.from(cleaned);
}
