// A streaming zip writer for bundles: one member at a time from a file on disk, never a whole
// member in memory, with zip64 where sizes or offsets pass 4 GB or members pass 65,535 (a
// project of 10 GB and 100,000 generated images is a normal bundle). Each member's SHA-256 is
// computed on the way through, for the manifest. Sizes and the CRC are patched into the local
// header once the member is written (the output is a file we can seek in, so no data
// descriptors: every reader, Atelier's own included, finds them where it looks first).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createDeflateRaw, crc32, deflateRawSync } from 'node:zlib';

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const END64 = 0x06064b50;
const LOCATOR64 = 0x07064b50;
const MAX32 = 0xffffffff;
/** A member this close to 4 GB reserves zip64 sizes in its local header (deflate can grow a little). */
const ZIP64_AT = MAX32 - 64 * 1024 * 1024;
const UTF8 = 0x0800;
/** Members below this are read, hashed and deflated in one piece (the stream machinery costs more than the work). */
const SMALL = 1024 * 1024;
/** Regular file, rw-r--r--, in the high half of the external attributes (made by Unix). */
const FILE_MODE = 0o100644;

export interface WrittenMember {
  name: string;
  /** Uncompressed bytes. */
  bytes: number;
  sha256: string;
}

interface CentralRecord {
  name: Buffer;
  method: number;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
  mode: number;
}

export interface AddOptions {
  /** Deflate the member (text, the database); images and weights are stored as they are. */
  compress: boolean;
  /** The bytes the file is expected to hold (from stat): decides whether zip64 sizes are reserved. */
  expectedBytes: number;
  signal?: AbortSignal;
  /** Called with each chunk's uncompressed length, for progress. */
  onBytes?: (n: number) => void;
  /** Unix mode stored for the member (tests write hostile archives with it). */
  mode?: number;
}

export class ZipWriter {
  private position = 0;
  private readonly central: CentralRecord[] = [];
  private readonly time: number;
  private readonly date: number;

  constructor(
    private readonly out: FileHandle,
    when = new Date(),
  ) {
    this.time = (when.getHours() << 11) | (when.getMinutes() << 5) | (when.getSeconds() >> 1);
    this.date = ((Math.max(1980, when.getFullYear()) - 1980) << 9) | ((when.getMonth() + 1) << 5) | when.getDate();
  }

  /** Small members wait here and go to disk together: one write per few megabytes, not per member. */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  private async write(buf: Uint8Array, at = this.position): Promise<void> {
    if (at === this.position) await this.flush();
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await this.out.write(buf, done, buf.length - done, at + done);
      done += bytesWritten;
    }
    if (at === this.position) this.position += buf.length;
  }

  /** Appends at the end through the buffer. */
  private async append(buf: Uint8Array): Promise<void> {
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    if (this.pendingBytes >= 4 * SMALL) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const buf = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    const at = this.position;
    this.position += buf.length;
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await this.out.write(buf, done, buf.length - done, at + done);
      done += bytesWritten;
    }
  }

  /** Bytes written so far (buffered ones included). */
  private get end(): number {
    return this.position + this.pendingBytes;
  }

  /** Adds the file at `path` as member `name`: streamed, or read whole when it is small (most of a project is small files). */
  async addFile(name: string, path: string, options: AddOptions): Promise<WrittenMember> {
    if (options.expectedBytes < SMALL) {
      options.signal?.throwIfAborted();
      const data = await readFile(path);
      if (data.length < SMALL) return this.addBytes(name, data, options);
    }
    return this.add(name, createReadStream(path, { highWaterMark: 1 << 20, ...(options.signal ? { signal: options.signal } : {}) }), options);
  }

  /** Adds bytes held in memory (the manifest, a model card, a small file) as member `name`, in one write. */
  async addBytes(name: string, data: Uint8Array, options: Omit<AddOptions, 'expectedBytes'>): Promise<WrittenMember> {
    if (data.length >= SMALL) return this.add(name, [data], { ...options, expectedBytes: data.length });
    const nameBytes = Buffer.from(name, 'utf8');
    if (nameBytes.length > 0xffff) throw new Error(`the name ${name.slice(0, 80)}… is too long for a zip member`);
    const body = options.compress ? deflateRawSync(data, { level: 6 }) : data;
    const crc = crc32(data) >>> 0;
    const method = options.compress ? 8 : 0;
    const header = Buffer.alloc(30 + nameBytes.length);
    header.writeUInt32LE(LOCAL, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(UTF8, 6);
    header.writeUInt16LE(method, 8);
    header.writeUInt16LE(this.time, 10);
    header.writeUInt16LE(this.date, 12);
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(body.length, 18);
    header.writeUInt32LE(data.length, 22);
    header.writeUInt16LE(nameBytes.length, 26);
    nameBytes.copy(header, 30);
    const offset = this.end;
    await this.append(header);
    await this.append(body);
    options.onBytes?.(data.length);
    this.central.push({ name: nameBytes, method, crc, compressed: body.length, size: data.length, offset, mode: options.mode ?? FILE_MODE });
    return { name, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
  }

  private async add(name: string, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: AddOptions): Promise<WrittenMember> {
    const nameBytes = Buffer.from(name, 'utf8');
    if (nameBytes.length > 0xffff) throw new Error(`the name ${name.slice(0, 80)}… is too long for a zip member`);
    await this.flush();
    const offset = this.position;
    const zip64 = options.expectedBytes >= ZIP64_AT;
    const method = options.compress ? 8 : 0;
    const header = Buffer.alloc(30 + nameBytes.length + (zip64 ? 20 : 0));
    header.writeUInt32LE(LOCAL, 0);
    header.writeUInt16LE(zip64 ? 45 : 20, 4);
    header.writeUInt16LE(UTF8, 6);
    header.writeUInt16LE(method, 8);
    header.writeUInt16LE(this.time, 10);
    header.writeUInt16LE(this.date, 12);
    header.writeUInt16LE(nameBytes.length, 26);
    header.writeUInt16LE(zip64 ? 20 : 0, 28);
    nameBytes.copy(header, 30);
    if (zip64) {
      header.writeUInt16LE(0x0001, 30 + nameBytes.length);
      header.writeUInt16LE(16, 32 + nameBytes.length);
    }
    await this.write(header);

    const hash = createHash('sha256');
    let crc = 0;
    let size = 0;
    let compressed = 0;
    const tap = async function* (chunks: AsyncIterable<Uint8Array>) {
      for await (const chunk of chunks) {
        options.signal?.throwIfAborted();
        hash.update(chunk);
        crc = crc32(chunk, crc);
        size += chunk.length;
        options.onBytes?.(chunk.length);
        yield chunk;
      }
    };
    const sink = async (chunks: AsyncIterable<Uint8Array>) => {
      for await (const chunk of chunks) {
        await this.write(chunk);
        compressed += chunk.length;
      }
    };
    const from = async function* () {
      yield* source;
    };
    if (options.compress) await pipeline(from, tap, createDeflateRaw({ level: 6 }), sink);
    else await pipeline(from, tap, sink);

    // Patch the CRC and sizes into the local header.
    const patch = Buffer.alloc(12);
    patch.writeUInt32LE(crc >>> 0, 0);
    if (zip64) {
      patch.writeUInt32LE(MAX32, 4);
      patch.writeUInt32LE(MAX32, 8);
      const sizes = Buffer.alloc(16);
      sizes.writeBigUInt64LE(BigInt(size), 0);
      sizes.writeBigUInt64LE(BigInt(compressed), 8);
      await this.write(sizes, offset + 30 + nameBytes.length + 4);
    } else {
      if (size >= MAX32 || compressed >= MAX32) throw new Error(`${name} grew past 4 GB while it was being written`);
      patch.writeUInt32LE(compressed, 4);
      patch.writeUInt32LE(size, 8);
    }
    await this.write(patch, offset + 14);
    this.central.push({ name: nameBytes, method, crc: crc >>> 0, compressed, size, offset, mode: options.mode ?? FILE_MODE });
    return { name, bytes: size, sha256: hash.digest('hex') };
  }

  /** Writes the central directory and the end records. The caller closes the file. */
  async finish(): Promise<void> {
    await this.flush();
    const start = this.position;
    for (const r of this.central) {
      const big = [r.size >= MAX32, r.compressed >= MAX32, r.offset >= MAX32];
      const extra = big.filter(Boolean).length * 8;
      const rec = Buffer.alloc(46 + r.name.length + (extra ? 4 + extra : 0));
      rec.writeUInt32LE(CENTRAL, 0);
      rec.writeUInt16LE((3 << 8) | 45, 4); // made by Unix, zip 4.5
      rec.writeUInt16LE(extra ? 45 : 20, 6);
      rec.writeUInt16LE(UTF8, 8);
      rec.writeUInt16LE(r.method, 10);
      rec.writeUInt16LE(this.time, 12);
      rec.writeUInt16LE(this.date, 14);
      rec.writeUInt32LE(r.crc, 16);
      rec.writeUInt32LE(big[1] ? MAX32 : r.compressed, 20);
      rec.writeUInt32LE(big[0] ? MAX32 : r.size, 24);
      rec.writeUInt16LE(r.name.length, 28);
      rec.writeUInt16LE(extra ? 4 + extra : 0, 30);
      rec.writeUInt32LE((r.mode << 16) >>> 0, 38);
      rec.writeUInt32LE(big[2] ? MAX32 : r.offset, 42);
      r.name.copy(rec, 46);
      if (extra) {
        let at = 46 + r.name.length;
        rec.writeUInt16LE(0x0001, at);
        rec.writeUInt16LE(extra, at + 2);
        at += 4;
        for (const [i, value] of [r.size, r.compressed, r.offset].entries()) {
          if (!big[i]) continue;
          rec.writeBigUInt64LE(BigInt(value), at);
          at += 8;
        }
      }
      await this.append(rec);
    }
    await this.flush();
    const size = this.position - start;
    const count = this.central.length;
    if (count >= 0xffff || start >= MAX32 || size >= MAX32) {
      const end64At = this.position;
      const end64 = Buffer.alloc(56);
      end64.writeUInt32LE(END64, 0);
      end64.writeBigUInt64LE(44n, 4);
      end64.writeUInt16LE((3 << 8) | 45, 12);
      end64.writeUInt16LE(45, 14);
      end64.writeBigUInt64LE(BigInt(count), 24);
      end64.writeBigUInt64LE(BigInt(count), 32);
      end64.writeBigUInt64LE(BigInt(size), 40);
      end64.writeBigUInt64LE(BigInt(start), 48);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(LOCATOR64, 0);
      locator.writeBigUInt64LE(BigInt(end64At), 8);
      locator.writeUInt32LE(1, 16);
      await this.append(end64);
      await this.append(locator);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(END, 0);
    end.writeUInt16LE(Math.min(count, 0xffff), 8);
    end.writeUInt16LE(Math.min(count, 0xffff), 10);
    end.writeUInt32LE(Math.min(size, MAX32), 12);
    end.writeUInt32LE(Math.min(start, MAX32), 16);
    await this.append(end);
    await this.flush();
  }
}
