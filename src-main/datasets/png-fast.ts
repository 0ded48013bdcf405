// Decoding small PNGs in JavaScript: for a 64×64 emoji, setting up a libvips
// pipeline costs about three times the decode itself (0.8 ms vs 0.27 ms of CPU
// per image, measured on the starter set), and import runs it once per file.
//
// It must never accept a file the training decoder (sharp) refuses: every chunk's CRC is
// checked first (fast-png checks none), so any damaged byte sends the file to sharp.
import { crc32 } from 'node:zlib';
import { decode } from 'fast-png';

/**
 * RGBA pixels of an 8-bit RGB(A) or palette PNG, or null for the variants this
 * path does not cover (16-bit, grey, packed palettes, tRNS keys, an EXIF orientation):
 * decode those with sharp. Throws on a damaged file (a bad chunk checksum included).
 */
export function decodePngRgba(bytes: Uint8Array): { data: Uint8Array; width: number; height: number } | null {
  if (!checkChunks(bytes)) return null;
  const png = decode(bytes);
  const { width, height } = png;
  const n = width * height;
  if (png.depth !== 8) return null;
  if (png.palette) {
    const indices = png.data as Uint8Array;
    if (indices.length !== n) return null;
    const out = new Uint8Array(n * 4);
    const palette = png.palette;
    for (let i = 0; i < n; i++) {
      const entry = palette[indices[i]!];
      if (!entry) throw new Error(`palette index ${indices[i]} out of range`);
      out[i * 4] = entry[0]!;
      out[i * 4 + 1] = entry[1]!;
      out[i * 4 + 2] = entry[2]!;
      out[i * 4 + 3] = entry.length > 3 ? entry[3]! : 255;
    }
    return { data: out, width, height };
  }
  if (png.transparency) return null;
  if (png.channels === 4 && png.data.length === n * 4) return { data: png.data as Uint8Array, width, height };
  if (png.channels === 3 && png.data.length === n * 3) {
    const rgb = png.data as Uint8Array;
    const out = new Uint8Array(n * 4);
    for (let i = 0; i < n; i++) {
      out[i * 4] = rgb[i * 3]!;
      out[i * 4 + 1] = rgb[i * 3 + 1]!;
      out[i * 4 + 2] = rgb[i * 3 + 2]!;
      out[i * 4 + 3] = 255;
    }
    return { data: out, width, height };
  }
  return null;
}

/**
 * Walks the chunks, verifying each CRC. Throws on a bad checksum or a chunk that runs past
 * the end; false for a file this path leaves to sharp (one that may carry an EXIF orientation).
 */
function checkChunks(b: Uint8Array): boolean {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 8;
  while (at + 12 <= b.length) {
    const length = view.getUint32(at);
    const end = at + 8 + length;
    if (end + 4 > b.length) throw new Error('a chunk runs past the end of the file');
    if (crc32(b.subarray(at + 4, end)) !== view.getUint32(end)) {
      throw new Error(`invalid chunk checksum (${String.fromCharCode(b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!)})`);
    }
    if (b[at + 4] === 0x65 && b[at + 5] === 0x58 && b[at + 6] === 0x49 && b[at + 7] === 0x66) return false; // eXIf
    if (b[at + 4] === 0x49 && b[at + 5] === 0x45 && b[at + 6] === 0x4e && b[at + 7] === 0x44) return true; // IEND
    at = end + 4;
  }
  throw new Error('the file ends before its IEND chunk');
}
