// Hostile and awkward files at import: zip bombs and huge files stay bounded (declared
// sizes first, streaming inflation, header before body), two imports into one project
// merge, anything training could not decode is refused up front, EXIF orientation is
// applied everywhere, and every refused file or archive member gets a line naming it.
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { crc32, createDeflateRaw, deflateRawSync } from 'node:zlib';
import { zipSync } from 'fflate';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectImportItems, importFiles, type ImportFailure } from '../../src-main/datasets/import';
import { trainingPixels } from '../../src-main/datasets/training-set';
import { assetFile } from '../../src-main/store/assets';
import { Project } from '../../src-main/store/project';

let root: string;
let projects = 0;
const newProject = () => Project.create(join(root, `project-${++projects}`));

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'atelier-hostile-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface RawEntry {
  name: string;
  /** Raw deflate stream (method 8) or the bytes themselves (method 0). */
  data: Uint8Array;
  method: 0 | 8;
  crc: number;
  /** The uncompressed size written in the headers (a bomb may lie). */
  size: number;
}

/** A zip written by hand, so an entry can declare any size. */
function zipOf(entries: RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(e.crc >>> 0, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.method, 10);
    central.writeUInt32LE(e.crc >>> 0, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, Buffer.from(e.data));
    centrals.push(central, name);
    offset += 30 + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** `bytes` zeros as one raw deflate stream, made 16 MiB at a time (the test never holds them all). */
async function deflatedZeros(bytes: number): Promise<{ data: Uint8Array; crc: number }> {
  const chunk = Buffer.alloc(Math.min(bytes, 16 << 20));
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (c: Buffer) => out.push(c));
  const ended = new Promise((resolve) => deflate.on('end', resolve));
  let crc = 0;
  for (let left = bytes; left > 0; left -= chunk.length) {
    const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
    crc = crc32(part, crc);
    deflate.write(part);
  }
  deflate.end();
  await ended;
  return { data: Buffer.concat(out), crc };
}

function deflated(bytes: Uint8Array, name: string, size = bytes.length): RawEntry {
  return { name, data: deflateRawSync(bytes), method: 8, crc: crc32(bytes), size };
}

/** Runs `fn` and samples the process's resident memory every few milliseconds meanwhile. */
async function peakMemory<T>(fn: () => Promise<T>): Promise<{ result: T; grewBy: number; seconds: number }> {
  const before = process.memoryUsage();
  let peak = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.rss - before.rss, m.arrayBuffers - before.arrayBuffers);
  };
  const timer = setInterval(sample, 2);
  const started = performance.now();
  try {
    const result = await fn();
    sample();
    return { result, grewBy: peak, seconds: (performance.now() - started) / 1000 };
  } finally {
    clearInterval(timer);
  }
}

async function importPaths(project: Project, paths: string[], options: Parameters<typeof importFiles>[2] = {}) {
  const { items, failed } = await collectImportItems(paths);
  const report = await importFiles(project, items, options);
  return { ...report, failed: [...failed, ...report.failed] };
}

const reasonFor = (failed: ImportFailure[], suffix: string) => failed.find((f) => f.file.endsWith(suffix))?.reason;
const MB = 1e6;
const GiB = 1024 ** 3;

const png = (w: number, h: number, colour = '#3366cc') =>
  sharp({ create: { width: w, height: h, channels: 3, background: colour } })
    .png()
    .toBuffer();

describe('zip bombs and huge files (item 6)', () => {
  it('refuses a 1 GiB zip bomb (three of them in one archive) by its declared size, without inflating it', async () => {
    const zeros = await deflatedZeros(GiB);
    expect(zeros.data.length).toBeLessThan(2 * MB);
    const dir = join(root, 'bombs');
    mkdirSync(dir);
    const bomb = (name: string): RawEntry => ({ name, data: zeros.data, method: 8, crc: zeros.crc, size: GiB });
    writeFileSync(join(dir, 'archive.zip'), zipOf([bomb('bomb.png'), bomb('inner/bomb2.png'), bomb('bomb3.jpg'), deflated(await png(20, 20), 'fine.png')]));
    const project = newProject();
    const { result: report, grewBy, seconds } = await peakMemory(() => importPaths(project, [dir]));
    expect(report.imported).toBe(1);
    expect(reasonFor(report.failed, 'archive.zip/bomb.png')).toBe('bomb.png unpacks to 1.1 GB, above the 256 MB limit for one file; it was not unpacked.');
    expect(reasonFor(report.failed, 'archive.zip/inner/bomb2.png')).toMatch(/^bomb2\.png unpacks to 1\.1 GB/);
    expect(reasonFor(report.failed, 'archive.zip/bomb3.jpg')).toMatch(/^bomb3\.jpg unpacks to 1\.1 GB/);
    expect(grewBy).toBeLessThan(150 * MB);
    expect(seconds).toBeLessThan(5);
    project.close();
  });

  it('stops inflating a member that expands beyond the size it declares, and keeps a running total across the import', async () => {
    const dir = join(root, 'liars');
    mkdirSync(dir);
    const liar = await deflatedZeros(256 * 1024 * 1024);
    // Declares 100 bytes; would inflate to 256 MiB.
    const lying: RawEntry = { name: 'liar.png', data: liar.data, method: 8, crc: liar.crc, size: 100 };
    const badSum = { ...deflated(await png(30, 30, '#00aa00'), 'badsum.png'), crc: 12345 };
    writeFileSync(join(dir, 'a.zip'), zipOf([lying, deflated(await png(30, 30, '#aa0000'), 'one.png'), badSum]));
    // Three honest PNGs of ~600 KB each: with a 1.5 MB limit for the whole import, the third is refused.
    const noisy = async (seed: number) => {
      const px = Buffer.alloc(400 * 400 * 4);
      for (let i = 0; i < px.length; i++) px[i] = (Math.imul(i + seed * 7919, 2654435761) >>> 24) & 0xff;
      return sharp(px, { raw: { width: 400, height: 400, channels: 4 } })
        .png({ compressionLevel: 0 })
        .toBuffer();
    };
    const [n1, n2, n3] = [await noisy(1), await noisy(2), await noisy(3)];
    expect(n1.length).toBeGreaterThan(600_000);
    writeFileSync(join(dir, 'b.zip'), zipOf([deflated(n1, 'n1.png'), deflated(n2, 'n2.png'), deflated(n3, 'n3.png')]));
    const project = newProject();
    const { result: report, grewBy } = await peakMemory(() => importPaths(project, [dir], { maxUnpackedBytes: 1.5 * MB, concurrency: 1 }));
    expect(reasonFor(report.failed, 'a.zip/liar.png')).toBe(
      'liar.png unpacks to more than the 100 bytes its archive declares; the archive is damaged or hostile, and it was not imported.',
    );
    expect(reasonFor(report.failed, 'b.zip/n3.png')).toMatch(
      /^n3\.png was not unpacked: this import has already unpacked 1\.\d MB from archives, and the limit for one import is 1\.5 MB\.$/,
    );
    expect(reasonFor(report.failed, 'a.zip/badsum.png')).toBe('badsum.png is damaged in its archive: its checksum does not match; it was not imported.');
    expect(report.imported).toBe(3); // one.png, n1.png, n2.png
    expect(grewBy).toBeLessThan(150 * MB);
    project.close();
  });

  it('refuses an archive member or file above a configured byte limit by its declared size', async () => {
    const dir = join(root, 'limits');
    mkdirSync(dir);
    const big = Buffer.concat([await png(10, 10), Buffer.alloc(3 * MB)]); // a PNG with 3 MB of trailing junk
    writeFileSync(join(dir, 'c.zip'), zipOf([deflated(big, 'big.png')]));
    writeFileSync(join(dir, 'big-file.png'), big);
    const project = newProject();
    const report = await importPaths(project, [dir], { maxFileBytes: 2 * MB });
    expect(reasonFor(report.failed, 'c.zip/big.png')).toBe('big.png unpacks to 3.0 MB, above the 2.0 MB limit for one file; it was not unpacked.');
    expect(reasonFor(report.failed, 'big-file.png')).toBe('big-file.png is 3.0 MB, above the 2.0 MB limit for one file; it was not read.');
    expect(report.imported).toBe(0);
    project.close();
  });

  it('reads only the header of a 1.5 GB file before refusing it', async () => {
    const dir = join(root, 'huge');
    mkdirSync(dir);
    // Sparse: created instantly, reads as zeros.
    writeFileSync(join(dir, 'video.png'), 'not really');
    truncateSync(join(dir, 'video.png'), 1.5e9);
    // A real PNG header for 100×100, then 1.5 GB of nothing.
    const head = await png(100, 100);
    const fd = openSync(join(dir, 'padded.png'), 'w');
    writeSync(fd, head);
    closeSync(fd);
    truncateSync(join(dir, 'padded.png'), 1.5e9);
    const project = newProject();
    const { result: report, grewBy, seconds } = await peakMemory(() => importPaths(project, [dir]));
    expect(reasonFor(report.failed, 'video.png')).toBe('video.png is not an image Atelier can read (1.5 GB, no known image header).');
    expect(reasonFor(report.failed, 'padded.png')).toBe('padded.png is 1.5 GB, above the 256 MB limit for one file; it was not read.');
    expect(grewBy).toBeLessThan(100 * MB);
    expect(seconds).toBeLessThan(2);
    project.close();
  });
});

describe('two imports into one project at once (item 7)', () => {
  it('both succeed: the second counts duplicates, and no file is left without its row', async () => {
    const dir = join(root, 'twice');
    mkdirSync(dir);
    const files = [];
    for (let i = 0; i < 300; i++) {
      const px = Buffer.alloc(16 * 16 * 3, i % 251);
      px.writeUInt16BE(i, 0);
      const file = join(dir, `img-${i}.png`);
      writeFileSync(
        file,
        await sharp(px, { raw: { width: 16, height: 16, channels: 3 } })
          .png()
          .toBuffer(),
      );
      files.push({ path: file, tags: ['t'] });
    }
    // A big one too, so a thumbnail file is written.
    writeFileSync(join(dir, 'big.png'), await png(300, 200, '#884422'));
    files.push({ path: join(dir, 'big.png'), tags: ['big'] });
    const project = newProject();
    const [a, b] = await Promise.all([importFiles(project, files), importFiles(project, files)]);
    expect(a).toMatchObject({ imported: 301, duplicates: 0, failed: [] });
    expect(b).toMatchObject({ imported: 0, duplicates: 301, failed: [] });
    expect(project.assets.count()).toBe(301);
    const rows = project.assets.all();
    const expected = new Set(rows.flatMap((r) => [assetFile(r.hash, r.ext), r.thumb]));
    const onDisk = ['assets', 'thumbs'].flatMap((folder) =>
      readdirSync(project.path(folder), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => relative(project.dir, join(e.parentPath, e.name))),
    );
    expect(onDisk.filter((f) => !expected.has(f))).toEqual([]);
    expect(onDisk.length).toBe(expected.size);
    project.close();
  });
});

/** The smallest PNG chunk surgery: flips a byte of the IHDR checksum. */
function badCrc(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  out[29] = out[29]! ^ 0xff; // IHDR: 8 signature + 4 length + 4 type + 13 data → CRC at 29..32
  return out;
}

describe('import decodes as training does (item 8)', () => {
  it('refuses an SVG too big to rasterise for training and a PNG with a bad chunk checksum, naming each', async () => {
    const dir = join(root, 'untrainable');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'poster.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="4000"><rect width="4000" height="4000" fill="#c00"/></svg>',
    );
    writeFileSync(join(dir, 'badcrc.png'), badCrc(await png(32, 32)));
    writeFileSync(join(dir, 'badcrc-big.png'), badCrc(await png(200, 150)));
    writeFileSync(join(dir, 'fine.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="40" height="30" fill="#0c0"/></svg>');
    const project = newProject();
    const report = await importPaths(project, [dir]);
    expect(report.imported).toBe(1);
    expect(reasonFor(report.failed, 'poster.svg')).toBe(
      'poster.svg is a 4000×4000 drawing; Atelier rasterises drawings at 300 dpi for training, which makes 16667×16667 pixels (278 MP), more than the 268 MP it can decode. Make the drawing smaller (its width and height) and import it again.',
    );
    // libspng words a bad IHDR checksum as "checksum" or, when it meets it reading the header, "corrupt header".
    expect(reasonFor(report.failed, 'badcrc.png')).toMatch(/^badcrc\.png is damaged and cannot be decoded: .*(checksum|corrupt header)/);
    expect(reasonFor(report.failed, 'badcrc-big.png')).toMatch(/^badcrc-big\.png is damaged and cannot be decoded: .*(checksum|corrupt header)/);
    project.close();
  });

  it('a training decode that meets an unreadable original names it, leaves it out and goes on', async () => {
    const dir = join(root, 'train-set');
    mkdirSync(dir);
    const sources = [];
    for (let i = 0; i < 4; i++) {
      const file = join(dir, `ok-${i}.png`);
      writeFileSync(file, await png(20, 20, ['#f00', '#0f0', '#00f', '#ff0'][i]));
      sources.push({ path: file, hash: `h${i}` });
    }
    writeFileSync(join(dir, 'rotten.png'), badCrc(await png(20, 20)));
    sources.splice(2, 0, { path: join(dir, 'rotten.png'), hash: 'rotten' });
    const skipped: { hash: string; reason: string }[] = [];
    const cacheDir = join(root, 'train-cache');
    const result = await trainingPixels(sources, { size: 8, background: '#ffffff', cacheDir, onSkip: (s, reason) => skipped.push({ hash: s.hash, reason }) });
    expect(result.count).toBe(4);
    expect(result.kept).toEqual([0, 1, 3, 4]);
    expect(skipped).toEqual([{ hash: 'rotten', reason: expect.stringMatching(/checksum|corrupt header/) }]); // libspng's two wordings, as above
    // The yellow image (last source) is the last of the kept pixels.
    expect([...result.pixels.subarray(3 * 8 * 8 * 3, 3 * 8 * 8 * 3 + 3)]).toEqual([255, 255, 0]);
  });
});

describe('EXIF orientation (item 9)', () => {
  it('stores the upright size, thumbnails and trains upright, and keeps the original bytes', async () => {
    // Stored 300×200 with a red top half; orientation 6 shows it turned 90° clockwise: 200×300, red on the right.
    const top = await sharp({ create: { width: 300, height: 100, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    const stored = sharp({ create: { width: 300, height: 200, channels: 3, background: '#0000ff' } }).composite([{ input: top, top: 0, left: 0 }]);
    const jpeg = await sharp(await stored.png().toBuffer())
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const small = await sharp(
      await sharp({ create: { width: 40, height: 20, channels: 3, background: '#0000ff' } })
        .composite([
          {
            input: await sharp({ create: { width: 40, height: 10, channels: 3, background: '#ff0000' } })
              .png()
              .toBuffer(),
            top: 0,
            left: 0,
          },
        ])
        .png()
        .toBuffer(),
    )
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const dir = join(root, 'exif');
    mkdirSync(dir);
    writeFileSync(join(dir, 'turned.jpg'), jpeg);
    writeFileSync(join(dir, 'small.jpg'), small);
    const project = newProject();
    const report = await importPaths(project, [dir]);
    expect(report).toMatchObject({ imported: 2, failed: [] });
    const byName = Object.fromEntries(project.assets.page({}, 0, 10).map((a) => [a.name, a]));
    const big = byName['turned.jpg']!;
    expect([big.width, big.height]).toEqual([200, 300]);
    expect([byName['small.jpg']!.width, byName['small.jpg']!.height]).toEqual([20, 40]);
    // The original is kept as imported (orientation is applied on every decode).
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(project.path(assetFile(big.hash, big.ext))).equals(jpeg)).toBe(true);
    // The thumbnail is upright: red on the right, blue on the left.
    for (const a of [big, byName['small.jpg']!]) {
      expect(a.thumb).toMatch(/\.webp$/); // never the sideways original
      const thumb = await sharp(project.path(a.thumb)).raw().toBuffer({ resolveWithObject: true });
      const { width, height, channels } = thumb.info;
      expect(width).toBeLessThan(height);
      const at = (x: number, y: number) => [...thumb.data.subarray((y * width + x) * channels, (y * width + x) * channels + 3)];
      const [rr, rg, rb] = at(width - 2, height >> 1);
      const [lr, lg, lb] = at(1, height >> 1);
      expect(rr).toBeGreaterThan(200);
      expect(rb).toBeLessThan(60);
      expect(lb).toBeGreaterThan(200);
      expect(lr).toBeLessThan(60);
      expect(rg! + lg!).toBeLessThan(120);
    }
    // Training sees it upright too.
    const pixels = await trainingPixels([{ path: project.path(assetFile(big.hash, big.ext)), hash: big.hash }], {
      size: 30,
      background: '#ffffff',
      cacheDir: join(root, 'exif-cache'),
    });
    const px = (x: number, y: number) => [...pixels.pixels.subarray((y * 30 + x) * 3, (y * 30 + x) * 3 + 3)];
    expect(px(2, 15)).toEqual([255, 255, 255]); // contain: white margin left and right of a tall image
    expect(px(20, 15)[0]).toBeGreaterThan(200); // red right half
    expect(px(20, 15)[2]).toBeLessThan(60);
    expect(px(10, 15)[2]).toBeGreaterThan(200); // blue left half
    expect(px(10, 15)[0]).toBeLessThan(60);
    project.close();
  });
});

describe('a line for every skipped or unsupported file (item 10)', () => {
  it('names archive members it skips and formats it cannot read', async () => {
    const dir = join(root, 'lines');
    mkdirSync(dir);
    const ok = await png(12, 12, '#00aa00');
    writeFileSync(
      join(dir, 'pack.zip'),
      zipSync({
        '../escape.png': ok,
        'a/../../up.png': ok,
        'birds/.secret.png': ok,
        '.hidden/owl.png': ok,
        '__MACOSX/birds/._owl.png': Buffer.from('resource fork'),
        '.DS_Store': Buffer.from('x'),
        'birds/owl.png': ok,
      }),
    );
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic'), Buffer.alloc(4), Buffer.from('mif1heic'), Buffer.alloc(64)]);
    const heif = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypmif1'), Buffer.alloc(4), Buffer.from('mif1heic'), Buffer.alloc(64)]);
    writeFileSync(join(dir, 'IMG_0001.HEIC'), heic);
    writeFileSync(join(dir, 'photo.heif'), heif);
    writeFileSync(join(dir, 'layers.psd'), Buffer.concat([Buffer.from('8BPS'), Buffer.from([0, 1]), Buffer.alloc(64)]));
    writeFileSync(
      join(dir, 'modern.avif'),
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } })
        .avif()
        .toBuffer(),
    );
    const project = newProject();
    const report = await importPaths(project, [dir]);
    expect(report.imported).toBe(2); // birds/owl.png and modern.avif
    const zip = join(dir, 'pack.zip');
    const lines = Object.fromEntries(report.failed.map((f) => [f.file, f.reason]));
    expect(lines[`${zip}/../escape.png`]).toBe('../escape.png was skipped: its path leaves the archive.');
    expect(lines[`${zip}/a/../../up.png`]).toBe('a/../../up.png was skipped: its path leaves the archive.');
    expect(lines[`${zip}/birds/.secret.png`]).toBe('.secret.png was skipped: it is a hidden file.');
    expect(lines[`${zip}/.hidden/owl.png`]).toBe('owl.png was skipped: it is in a hidden folder (.hidden).');
    // macOS bookkeeping (__MACOSX, .DS_Store) is never a picture and stays silent.
    expect(Object.keys(lines).filter((f) => f.includes('MACOSX') || f.includes('DS_Store'))).toEqual([]);
    expect(lines[join(dir, 'IMG_0001.HEIC')]).toBe('IMG_0001.HEIC is a HEIC photo: Atelier cannot read HEIC yet; export it as JPEG or PNG.');
    expect(lines[join(dir, 'photo.heif')]).toBe('photo.heif is a HEIC photo: Atelier cannot read HEIC yet; export it as JPEG or PNG.');
    expect(lines[join(dir, 'layers.psd')]).toBe('layers.psd is a Photoshop document (PSD): flatten it and export it as PNG.');
    project.close();
  });
});
