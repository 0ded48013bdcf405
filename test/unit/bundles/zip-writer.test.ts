// The bundle's zip writer: members any zip reader lists, and zip64 end records once a bundle
// holds 65,535 members or more (a project with 100,000 generated images is an ordinary bundle).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { readZipDirectory } from '../../../src-main/datasets/zip-entries';
import { ZipWriter } from '../../../src-main/bundles/zip-writer';

const root = mkdtempSync(join(tmpdir(), 'atelier-zip-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function write(file: string, members: { name: string; data: Uint8Array; compress?: boolean }[]) {
  const fh = await open(file, 'w');
  const zip = new ZipWriter(fh);
  const written = [];
  for (const m of members) written.push(await zip.addBytes(m.name, m.data, { compress: m.compress ?? false }));
  await zip.finish();
  await fh.close();
  return written;
}

describe('the bundle zip writer', () => {
  it('writes stored and deflated members another reader unpacks, with their SHA-256 and a regular-file mode', async () => {
    const file = join(root, 'small.zip');
    const text = Buffer.from('a manifest, a manifest, a manifest');
    const written = await write(file, [
      { name: 'manifest.json', data: text, compress: true },
      { name: 'assets/ab/cd.png', data: new Uint8Array([1, 2, 3]) },
      { name: 'empty.txt', data: new Uint8Array(0), compress: true },
    ]);
    expect(written[0]!.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    const unpacked = unzipSync(readFileSync(file));
    expect(Buffer.from(unpacked['manifest.json']!).equals(text)).toBe(true);
    expect([...unpacked['assets/ab/cd.png']!]).toEqual([1, 2, 3]);
    expect(unpacked['empty.txt']!.length).toBe(0);
    const entries = readZipDirectory(file);
    expect(entries.map((e) => [e.name, e.method, e.mode.toString(8)])).toEqual([
      ['manifest.json', 8, '100644'],
      ['assets/ab/cd.png', 0, '100644'],
      ['empty.txt', 8, '100644'],
    ]);
  });

  it('streams a large file from disk, stored or deflated, and patches its sizes into the local header', async () => {
    const big = join(root, 'big.bin');
    const data = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
    writeFileSync(big, data);
    const file = join(root, 'streamed.zip');
    const fh = await open(file, 'w');
    const zip = new ZipWriter(fh);
    let reported = 0;
    const a = await zip.addFile('stored.bin', big, { compress: false, expectedBytes: data.length, onBytes: (n) => (reported += n) });
    const b = await zip.addFile('deflated.bin', big, { compress: true, expectedBytes: data.length });
    await zip.finish();
    await fh.close();
    expect(reported).toBe(data.length);
    expect(a.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(b.sha256).toBe(a.sha256);
    const unpacked = unzipSync(readFileSync(file));
    expect(Buffer.from(unpacked['stored.bin']!).equals(data)).toBe(true);
    expect(Buffer.from(unpacked['deflated.bin']!).equals(data)).toBe(true);
    const [stored, deflated] = readZipDirectory(file);
    expect(stored!.compressedSize).toBe(data.length);
    expect(deflated!.compressedSize).toBeLessThan(data.length);
  });

  it('switches to zip64 end records past 65,534 members', async () => {
    const file = join(root, 'many.zip');
    const n = 65_600;
    const members = Array.from({ length: n }, (_, i) => ({ name: `samples/${i}.txt`, data: Buffer.from(String(i)) }));
    await write(file, members);
    const entries = readZipDirectory(file);
    expect(entries).toHaveLength(n);
    expect(entries.at(-1)!.name).toBe(`samples/${n - 1}.txt`);
    // The classic end record says "see zip64" (0xFFFF members).
    const data = readFileSync(file);
    expect(data.readUInt32LE(data.length - 22)).toBe(0x06054b50);
    expect(data.readUInt16LE(data.length - 22 + 10)).toBe(0xffff);
  });
});
