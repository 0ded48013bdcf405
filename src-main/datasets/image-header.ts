// What kind of image a file is, and how big, read from its first bytes: no decoder
// runs before Atelier knows the pixel count (a 30,000×30,000 PNG is refused here).
export type ImageFormat = 'png' | 'jpg' | 'gif' | 'webp' | 'svg' | 'tiff' | 'avif';

export interface ImageHeader {
  format: ImageFormat;
  /** As stored (before orientation). Absent where the header does not say cheaply (SVG, TIFF, AVIF): ask the decoder. */
  width?: number;
  height?: number;
  /**
   * EXIF orientation, 1 (upright) to 8; 5–8 swap width and height. Absent where the first
   * bytes do not say (TIFF, AVIF, SVG, a WebP whose EXIF sits after its pixels): ask the decoder.
   */
  orientation?: number;
}

/** How many first bytes of a file `readImageHeader` wants to see (enough for the size of almost every file; when not, the decoder is asked). */
export const HEADER_BYTES = 64 * 1024;

export function readImageHeader(b: Uint8Array): ImageHeader | null {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ascii = (at: number, text: string) => b.length >= at + text.length && [...text].every((c, i) => b[at + i] === c.charCodeAt(0));
  if (b.length >= 24 && b[0] === 0x89 && ascii(1, 'PNG') && ascii(12, 'IHDR')) {
    return { format: 'png', width: view.getUint32(16), height: view.getUint32(20), ...pngOrientation(b, view) };
  }
  if (b.length >= 10 && (ascii(0, 'GIF87a') || ascii(0, 'GIF89a'))) {
    return { format: 'gif', width: view.getUint16(6, true), height: view.getUint16(8, true), orientation: 1 };
  }
  if (b.length >= 30 && ascii(0, 'RIFF') && ascii(8, 'WEBP')) return { format: 'webp', ...webpSize(b, view) };
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { format: 'jpg', ...jpegSize(b, view) };
  if (b.length >= 4 && ((ascii(0, 'II') && b[2] === 42 && b[3] === 0) || (ascii(0, 'MM') && b[2] === 0 && b[3] === 42))) return { format: 'tiff' };
  if (isoBrand(b) === 'avif') return { format: 'avif' };
  if (looksLikeSvg(b)) return { format: 'svg' };
  return null;
}

/**
 * For a file `readImageHeader` does not take: what it is, when its first bytes say so, and
 * what to do instead (a sentence that follows "<name> is "). Null when the bytes name nothing.
 */
export function unsupportedFormat(b: Uint8Array): string | null {
  const ascii = (at: number, text: string) => b.length >= at + text.length && [...text].every((c, i) => b[at + i] === c.charCodeAt(0));
  if (isoBrand(b) === 'heic') return 'a HEIC photo: Atelier cannot read HEIC yet; export it as JPEG or PNG.';
  if (ascii(0, '8BPS') && b.length >= 6 && b[4] === 0 && (b[5] === 1 || b[5] === 2)) return 'a Photoshop document (PSD): flatten it and export it as PNG.';
  if (ascii(0, 'BM') && b.length >= 26 && b[6] === 0 && b[7] === 0 && b[8] === 0 && b[9] === 0)
    return 'a BMP image: Atelier cannot read BMP; export it as PNG.';
  return null;
}

const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs']);

/**
 * The HEIF family by its ftyp box: 'avif' (which Atelier reads), 'heic' (HEVC, which it
 * cannot) or null. The generic brands (mif1, msf1) are told apart by the compatible brands.
 */
function isoBrand(b: Uint8Array): 'avif' | 'heic' | null {
  if (b.length < 16 || String.fromCharCode(b[4]!, b[5]!, b[6]!, b[7]!) !== 'ftyp') return null;
  const size = Math.min(b.length, ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0 || b.length);
  const brand = (at: number) => String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
  const brands = [brand(8)];
  for (let at = 16; at + 4 <= size && brands.length < 64; at += 4) brands.push(brand(at));
  if (brands[0] === 'avif' || brands[0] === 'avis') return 'avif';
  if (HEIC_BRANDS.has(brands[0]!)) return 'heic';
  if (brands[0] !== 'mif1' && brands[0] !== 'msf1') return null;
  if (brands.some((x) => x === 'avif' || x === 'avis')) return 'avif';
  if (brands.some((x) => HEIC_BRANDS.has(x))) return 'heic';
  return 'avif'; // a plain HEIF container: the decoder has the last word
}

/** Orientation from an eXIf chunk before the first IDAT; absent when the bytes end before IDAT. */
function pngOrientation(b: Uint8Array, view: DataView): { orientation?: number } {
  let at = 8;
  while (at + 8 <= b.length) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!);
    if (type === 'IDAT' || type === 'IEND') return { orientation: 1 };
    if (type === 'eXIf') return at + 8 + length <= b.length ? { orientation: exifOrientation(b.subarray(at + 8, at + 8 + length)) } : {};
    at += 12 + length;
  }
  return {};
}

/** The Orientation tag (0x0112) of IFD0 in a TIFF-structured EXIF block; 1 when absent or unreadable. */
export function exifOrientation(tiff: Uint8Array): number {
  if (tiff.length < 8) return 1;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return 1;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return 1;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) return 1;
    if (view.getUint16(entry, little) === 0x0112) {
      const value = view.getUint16(entry + 8, little);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

function webpSize(b: Uint8Array, view: DataView): { width?: number; height?: number; orientation?: number } {
  const chunk = String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!);
  if (chunk === 'VP8X') {
    // Flag 0x08: an EXIF chunk, which comes after the pixels: the decoder reads its orientation.
    const size = { width: 1 + (b[24]! | (b[25]! << 8) | (b[26]! << 16)), height: 1 + (b[27]! | (b[28]! << 8) | (b[29]! << 16)) };
    return b[20]! & 0x08 ? size : { ...size, orientation: 1 };
  }
  if (chunk === 'VP8L' && b[20] === 0x2f) {
    const bits = view.getUint32(21, true);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff), orientation: 1 };
  }
  if (chunk === 'VP8 ' && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) {
    return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff, orientation: 1 };
  }
  return {};
}

function jpegSize(b: Uint8Array, view: DataView): { width?: number; height?: number; orientation?: number } {
  let at = 2;
  let orientation = 1;
  while (at + 9 < b.length) {
    if (b[at] !== 0xff) return {};
    const marker = b[at + 1]!;
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01 || marker === 0xff) {
      at += marker === 0xff ? 1 : 2;
      continue;
    }
    const length = view.getUint16(at + 2);
    // APP1 "Exif\0\0": a TIFF block whose IFD0 may carry the orientation (the first one counts).
    if (
      marker === 0xe1 &&
      length >= 16 &&
      b[at + 4] === 0x45 &&
      b[at + 5] === 0x78 &&
      b[at + 6] === 0x69 &&
      b[at + 7] === 0x66 &&
      b[at + 8] === 0 &&
      b[at + 9] === 0
    ) {
      if (orientation === 1) orientation = exifOrientation(b.subarray(at + 10, Math.min(b.length, at + 2 + length)));
    }
    // Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) do not.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: view.getUint16(at + 5), width: view.getUint16(at + 7), orientation };
    }
    at += 2 + length;
  }
  return {};
}

/** Width and height as shown: orientations 5–8 turn the image a quarter. */
export function orientedSize(width: number, height: number, orientation: number | undefined): { width: number; height: number } {
  return orientation !== undefined && orientation >= 5 ? { width: height, height: width } : { width, height };
}

function looksLikeSvg(b: Uint8Array): boolean {
  const head = new TextDecoder('utf-8', { fatal: false })
    .decode(b.subarray(0, 1024))
    .replace(/^\uFEFF/, '')
    .trimStart();
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
