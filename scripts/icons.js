// `npm run icons`: renders resources/icon.svg into every icon electron-builder packages, so that
// packaging needs no icon conversion (electron-builder would otherwise download its icons tool):
//   resources/icon.png          1024×1024, the source size electron-builder asks for
//   resources/icons/NxN.png     Linux (AppImage, deb): the freedesktop sizes
//   resources/icon.ico          Windows (NSIS, the .exe): 16–128 px as bitmaps, 256 px as PNG
//   resources/icon.icns         macOS (dmg, the .app): 32–1024 px as PNG
// The files are committed; run this again after changing the SVG.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const dir = fileURLToPath(new URL('../resources/', import.meta.url));
const svg = readFileSync(join(dir, 'icon.svg'));

export const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
// icns element types holding PNG data, by pixel size (the @2x ones share a size with the next).
const ICNS_TYPES = [
  ['ic11', 32],
  ['ic12', 64],
  ['ic07', 128],
  ['ic13', 256],
  ['ic08', 256],
  ['ic14', 512],
  ['ic09', 512],
  ['ic10', 1024],
];

/** The SVG drawn at `size` pixels (rendered at that size, not scaled down from 1024: small sizes stay sharp). */
function render(size) {
  return sharp(svg, { density: (72 * size) / 1024 })
    .resize(size, size)
    .png({ compressionLevel: 9 });
}

/** A 32-bit BGRA bitmap (bottom-up, with its all-opaque AND mask) as an ICO image entry. */
function bmpEntry(rgba, size) {
  const maskRow = Math.ceil(size / 32) * 4;
  const header = Buffer.alloc(40);
  header.writeUInt32LE(40, 0);
  header.writeInt32LE(size, 4);
  header.writeInt32LE(size * 2, 8); // colour bitmap + mask
  header.writeUInt16LE(1, 12);
  header.writeUInt16LE(32, 14);
  header.writeUInt32LE(size * size * 4 + maskRow * size, 20);
  const pixels = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const from = (y * size + x) * 4;
      const to = ((size - 1 - y) * size + x) * 4;
      pixels[to] = rgba[from + 2];
      pixels[to + 1] = rgba[from + 1];
      pixels[to + 2] = rgba[from];
      pixels[to + 3] = rgba[from + 3];
    }
  }
  return Buffer.concat([header, pixels, Buffer.alloc(maskRow * size)]);
}

async function ico() {
  const images = [];
  for (const size of ICO_SIZES) {
    if (size === 256) images.push({ size, data: await render(size).toBuffer() });
    else images.push({ size, data: bmpEntry(await render(size).ensureAlpha().raw().toBuffer(), size) });
  }
  const head = Buffer.alloc(6 + 16 * images.length);
  head.writeUInt16LE(0, 0);
  head.writeUInt16LE(1, 2); // an icon
  head.writeUInt16LE(images.length, 4);
  let offset = head.length;
  images.forEach(({ size, data }, i) => {
    const at = 6 + i * 16;
    head.writeUInt8(size % 256, at); // 0 means 256
    head.writeUInt8(size % 256, at + 1);
    head.writeUInt16LE(1, at + 4); // planes
    head.writeUInt16LE(32, at + 6); // bits per pixel
    head.writeUInt32LE(data.length, at + 8);
    head.writeUInt32LE(offset, at + 12);
    offset += data.length;
  });
  return Buffer.concat([head, ...images.map((i) => i.data)]);
}

async function icns() {
  const elements = [];
  for (const [type, size] of ICNS_TYPES) {
    const png = await render(size).toBuffer();
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(png.length + 8, 4);
    elements.push(head, png);
  }
  const body = Buffer.concat(elements);
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(body.length + 8, 4);
  return Buffer.concat([head, body]);
}

mkdirSync(join(dir, 'icons'), { recursive: true });
await render(1024).toFile(join(dir, 'icon.png'));
for (const size of LINUX_SIZES) await render(size).toFile(join(dir, 'icons', `${size}x${size}.png`));
writeFileSync(join(dir, 'icon.ico'), await ico());
writeFileSync(join(dir, 'icon.icns'), await icns());
console.log(`Icons written to ${dir} (icon.png, icons/, icon.ico, icon.icns).`);
