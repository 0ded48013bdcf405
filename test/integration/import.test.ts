// Importing a folder where broken files sit beside good ones: every good file
// arrives, every bad one gets a plain reason, nothing stops the batch.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectImportItems, importFiles } from '../../src-main/datasets/import';
import { Project } from '../../src-main/store/project';

let root: string;
// Root reads a chmod 000 file anyway; elsewhere it is reported as unreadable.
const isRoot = process.getuid?.() === 0;

/** A PNG whose header claims width×height but carries one tiny IDAT: a decompression-bomb stand-in. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(16))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function solid(color: string, size = 24, format: 'png' | 'jpeg' | 'webp' = 'png'): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: color } })
    [format]()
    .toBuffer();
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'atelier-import-'));
  const src = join(root, 'src');
  mkdirSync(join(src, 'cats', 'tabby'), { recursive: true });
  mkdirSync(join(src, 'dogs'), { recursive: true });
  writeFileSync(join(src, 'cats', 'red.png'), await solid('#ff0000'));
  writeFileSync(join(src, 'cats', 'tabby', 'green.jpg'), await solid('#00ff00', 300, 'jpeg'));
  writeFileSync(join(src, 'dogs', 'blue.webp'), await solid('#0000ff', 40, 'webp'));
  writeFileSync(join(src, 'dogs', 'red-again.png'), await solid('#ff0000'));
  writeFileSync(join(src, 'dogs', 'empty.png'), Buffer.alloc(0));
  writeFileSync(join(src, 'dogs', 'notes.png'), 'this is a shopping list, not a picture\n');
  const good = await solid('#123456', 64);
  writeFileSync(join(src, 'dogs', 'truncated.png'), good.subarray(0, Math.floor(good.length / 2)));
  writeFileSync(join(src, 'dogs', 'bomb.png'), pngHeaderOnly(30_000, 30_000));
  writeFileSync(join(src, 'dogs', 'locked.png'), await solid('#abcdef'));
  chmodSync(join(src, 'dogs', 'locked.png'), 0o000);
  symlinkSync(src, join(src, 'dogs', 'loop'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('import', () => {
  it('imports every good file, reports every bad one with a reason, and tags from folders', async () => {
    const project = Project.create(join(root, 'project'));
    const { items, failed: unreadable } = await collectImportItems([join(root, 'src')], { tagsFromFolders: true });
    const report = await importFiles(project, items, { maxPixels: 50_000_000 });
    const failed = [...unreadable, ...report.failed];
    expect(report.imported).toBe(isRoot ? 4 : 3);
    expect(report.duplicates).toBe(1);
    const reasons = Object.fromEntries(failed.map((f) => [f.file.split('/').at(-1), f.reason]));
    expect(reasons['empty.png']).toBe('empty.png is empty (0 bytes).');
    expect(reasons['notes.png']).toMatch(/^notes\.png is not an image Atelier can read/);
    expect(reasons['truncated.png']).toMatch(/^truncated\.png is damaged and cannot be decoded/);
    expect(reasons['bomb.png']).toBe('bomb.png is 30000×30000 pixels (900 MP), above the import limit of 50 MP; it was not decoded.');
    if (!isRoot) expect(reasons['locked.png']).toBe('locked.png cannot be read: permission denied.');

    const page = project.assets.page({}, 0, 10);
    const byName = Object.fromEntries(page.map((a) => [a.name, a]));
    expect(byName['green.jpg']!.tags).toEqual(['cats', 'tabby']);
    // The duplicate red square is stored once and carries both folders' tags.
    expect(byName['red.png']!.tags).toEqual(['cats', 'dogs']);
    // A big original gets a WebP thumbnail; a small PNG is its own.
    expect(byName['green.jpg']!.thumb).toMatch(/^thumbs\/.+\.webp$/);
    expect(byName['red.png']!.thumb).toMatch(/^assets\/.+\.png$/);
    project.close();
  });

  it('recognises a re-import instead of storing a second copy', async () => {
    const project = Project.open(join(root, 'project'));
    const report = await importFiles(project, [{ path: join(root, 'src', 'cats', 'red.png') }]);
    expect(report).toMatchObject({ imported: 0, duplicates: 1, failed: [] });
    expect(project.assets.count()).toBe(isRoot ? 4 : 3);
    project.close();
  });
});

describe('import from archives and vector files', () => {
  it('unpacks a zip (folders inside become tags), skips hidden entries, and rasterizes SVG safely', async () => {
    const { zipSync } = await import('fflate');
    const png = await solid('#ff8800', 20);
    const zip = zipSync({
      'birds/owl.png': png,
      'birds/night/bat.webp': await solid('#222288', 30, 'webp'),
      '__MACOSX/birds/._owl.png': Buffer.from('resource fork'),
      '.DS_Store': Buffer.from('x'),
      'vector.svg': Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"><rect width="300" height="200" fill="#0a0"/><image href="https://example.com/x.png" width="10" height="10"/></svg>',
      ),
    });
    const dir = join(root, 'zips');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'pack.zip'), zip);
    writeFileSync(join(dir, 'broken.zip'), Buffer.from('PK\u0003\u0004 but nothing else'));
    const project = Project.create(join(root, 'zip-project'));
    const { items, failed } = await collectImportItems([dir], { tagsFromFolders: true });
    expect(failed).toEqual([{ file: join(dir, 'broken.zip'), reason: expect.stringMatching(/^broken\.zip is not a readable zip archive/) }]);
    expect(items.map((i) => i.path.slice(dir.length + 1))).toEqual(['pack.zip/birds/night/bat.webp', 'pack.zip/birds/owl.png', 'pack.zip/vector.svg']);
    const report = await importFiles(project, items);
    expect(report).toMatchObject({ imported: 3, duplicates: 0, failed: [] });
    const byName = Object.fromEntries(project.assets.page({}, 0, 10).map((a) => [a.name, a]));
    expect(byName['bat.webp']!.tags).toEqual(['birds', 'night']);
    expect(byName['owl.png']!.tags).toEqual(['birds']);
    expect(byName['vector.svg']).toMatchObject({ width: 300, height: 200, thumb: expect.stringMatching(/\.webp$/) });
    const thumb = await sharp(project.path(byName['vector.svg']!.thumb)).raw().toBuffer({ resolveWithObject: true });
    expect([thumb.info.width, thumb.info.height]).toEqual([128, 85]);
    expect(thumb.data[1]).toBeGreaterThan(100); // green, rasterized
    project.close();
  });
});

describe('names and frames', () => {
  it('imports a file whose name is not UTF-8, and the first frame of an animated GIF', async () => {
    const dir = join(root, 'odd');
    mkdirSync(dir, { recursive: true });
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/caf`), Buffer.from([0xe9]), Buffer.from('.png')]), await solid('#445566', 30));
    // Two frames: red then blue. Only the first should be imported.
    const frames = Buffer.concat([
      await sharp({ create: { width: 20, height: 20, channels: 3, background: '#ff0000' } })
        .raw()
        .toBuffer(),
      await sharp({ create: { width: 20, height: 20, channels: 3, background: '#0000ff' } })
        .raw()
        .toBuffer(),
    ]);
    await sharp(frames, { raw: { width: 20, height: 40, channels: 3, pageHeight: 20 } })
      .gif({ loop: 0 })
      .toFile(join(dir, 'anim.gif'));
    expect((await sharp(join(dir, 'anim.gif')).metadata()).pages).toBe(2);
    const project = Project.create(join(root, 'odd-project'));
    const { items, failed } = await collectImportItems([dir]);
    expect(failed).toEqual([]);
    const report = await importFiles(project, items);
    expect(report).toMatchObject({ imported: 2, failed: [] });
    const byName = Object.fromEntries(project.assets.page({}, 0, 10).map((a) => [a.name, a]));
    expect(byName['caf\uFFFD.png']).toMatchObject({ width: 30, height: 30 });
    const gif = project.assets.get(byName['anim.gif']!.id)!;
    expect([gif.width, gif.height]).toEqual([20, 20]);
    expect((gif.quality as { meanR: number; meanB: number }).meanR).toBeGreaterThan(200);
    expect((gif.quality as { meanR: number; meanB: number }).meanB).toBeLessThan(50);
    project.close();
  });
});
