// Zip archives at import, without trusting them: the central directory is read from the
// end of the file (never the whole file), each member is judged by the sizes it declares
// before a byte is inflated, and a member is inflated streaming, stopping the moment it
// produces more than it declared or more than the import allows.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { Inflate } from 'fflate';

/** One member of a zip archive, as its central directory describes it. */
export interface ArchiveEntry {
  /** The archive's path on disk. */
  archive: string;
  /** The member's path inside the archive, as stored. */
  name: string;
  /** Offset of its local header. */
  offset: number;
  compressedSize: number;
  /** The uncompressed size the archive declares; inflating never goes past it. */
  size: number;
  /** 0 stored, 8 deflate. */
  method: number;
  crc: number;
  encrypted: boolean;
  /** The Unix file mode when a Unix tool made the archive (0 otherwise): tells symlinks and folders from files. */
  mode: number;
}

/** A central directory bigger than this (about a million members) is refused. */
const MAX_DIRECTORY_BYTES = 64 * 1024 * 1024;
/**
 * Compressed bytes fed to the inflater at a time: at most ~1,000 times this comes out per
 * step (deflate's limit), so a bomb costs at most 4 MB before its header is judged and 16 MB
 * per step after.
 */
const HEAD_CHUNK = 4 * 1024;
const INPUT_CHUNK = 16 * 1024;

export class ZipError extends Error {}

/** Every member of a zip archive, read from its central directory (zip64 included). Throws ZipError. */
export function readZipDirectory(path: string): ArchiveEntry[] {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const read = (position: number, length: number) => {
      if (position < 0 || length < 0 || position + length > size) throw new ZipError('its directory points outside the file');
      const buf = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, buf, done, length - done, position + done);
        if (n === 0) throw new ZipError('the file ended early');
        done += n;
      }
      return buf;
    };
    // The end-of-central-directory record: 22 bytes plus a comment of up to 65,535.
    const tailLength = Math.min(size, 22 + 65_535);
    const tail = read(size - tailLength, tailLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new ZipError('it has no central directory (not a zip, or cut short)');
    let count = tail.readUInt16LE(eocd + 10);
    let dirSize = tail.readUInt32LE(eocd + 12);
    let dirOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
      // Zip64: a locator just before the record points at the zip64 end record.
      const locatorAt = size - tailLength + eocd - 20;
      const locator = read(locatorAt, 20);
      if (locator.readUInt32LE(0) !== 0x07064b50) throw new ZipError('its zip64 directory is missing');
      const record = read(Number(locator.readBigUInt64LE(8)), 56);
      if (record.readUInt32LE(0) !== 0x06064b50) throw new ZipError('its zip64 directory is damaged');
      count = Number(record.readBigUInt64LE(32));
      dirSize = Number(record.readBigUInt64LE(40));
      dirOffset = Number(record.readBigUInt64LE(48));
    }
    if (dirSize > MAX_DIRECTORY_BYTES) throw new ZipError(`its directory is ${Math.round(dirSize / 1e6)} MB, more than Atelier opens`);
    const dir = read(dirOffset, dirSize);
    const entries: ArchiveEntry[] = [];
    const names = new TextDecoder('utf-8', { fatal: false });
    let at = 0;
    for (let i = 0; i < count; i++) {
      if (at + 46 > dir.length || dir.readUInt32LE(at) !== 0x02014b50) throw new ZipError('its directory is damaged');
      const flags = dir.readUInt16LE(at + 8);
      const nameLength = dir.readUInt16LE(at + 28);
      const extraLength = dir.readUInt16LE(at + 30);
      const commentLength = dir.readUInt16LE(at + 32);
      let compressedSize = dir.readUInt32LE(at + 20);
      let uncompressed = dir.readUInt32LE(at + 24);
      let offset = dir.readUInt32LE(at + 42);
      if (at + 46 + nameLength + extraLength > dir.length) throw new ZipError('its directory is damaged');
      const name = names.decode(dir.subarray(at + 46, at + 46 + nameLength));
      // Zip64 extra field: the 64-bit values, in this order, for the fields that read 0xFFFFFFFF.
      for (let e = at + 46 + nameLength; e + 4 <= at + 46 + nameLength + extraLength;) {
        const id = dir.readUInt16LE(e);
        const length = dir.readUInt16LE(e + 2);
        if (id === 0x0001) {
          let f = e + 4;
          const next = () => {
            if (f + 8 > e + 4 + length) throw new ZipError('its zip64 sizes are damaged');
            const v = Number(dir.readBigUInt64LE(f));
            f += 8;
            return v;
          };
          if (uncompressed === 0xffffffff) uncompressed = next();
          if (compressedSize === 0xffffffff) compressedSize = next();
          if (offset === 0xffffffff) offset = next();
        }
        e += 4 + length;
      }
      entries.push({
        archive: path,
        name,
        offset,
        compressedSize,
        size: uncompressed,
        method: dir.readUInt16LE(at + 10),
        crc: dir.readUInt32LE(at + 16),
        encrypted: (flags & 1) === 1,
        mode: dir.readUInt8(at + 5) === 3 ? dir.readUInt32LE(at + 38) >>> 16 : 0,
      });
      at += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  } finally {
    closeSync(fd);
  }
}

/** What went wrong with a member while it was unpacked. */
export class EntryError extends Error {
  constructor(
    message: string,
    readonly kind: 'too-big' | 'damaged',
  ) {
    super(message);
  }
}

/**
 * Inflates one member a piece at a time, reading from `fd` (the archive, opened once per
 * import; reads are small and synchronous). `head(n)` unpacks until at least n bytes are out
 * (or the member ends); `all()` unpacks the rest. Output beyond the declared size, a bad
 * checksum or a stream that ends early throw EntryError.
 */
export class EntryReader {
  private position = -1;
  private left: number;
  /** Output before `all()` (the header); then `out`, allocated once at the declared size. */
  private readonly chunks: Uint8Array[] = [];
  private out: Uint8Array | null = null;
  private produced = 0;
  private ended = false;
  private crc = 0;
  private readonly inflater: Inflate | null;
  private overflow = false;

  constructor(
    readonly entry: ArchiveEntry,
    private readonly fd: number,
  ) {
    this.left = entry.compressedSize;
    if (entry.method === 8) {
      this.inflater = new Inflate((chunk, final) => {
        this.take(chunk);
        if (final) this.ended = true;
      });
    } else {
      this.inflater = null;
    }
  }

  /** Bytes unpacked so far. */
  get unpacked(): number {
    return this.produced;
  }

  private take(chunk: Uint8Array): void {
    if (this.overflow) return;
    if (this.produced + chunk.length > this.entry.size) {
      this.overflow = true;
      return;
    }
    if (this.out) this.out.set(chunk, this.produced);
    else this.chunks.push(chunk);
    this.produced += chunk.length;
    this.crc = crc32(chunk, this.crc);
  }

  private read(buf: Uint8Array, position: number): number {
    let done = 0;
    while (done < buf.length) {
      const n = readSync(this.fd, buf, done, buf.length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  private start(): void {
    if (this.position >= 0) return;
    const local = Buffer.alloc(30);
    if (this.read(local, this.entry.offset) < 30 || local.readUInt32LE(0) !== 0x04034b50) throw new EntryError('its local header is missing', 'damaged');
    this.position = this.entry.offset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  }

  private step(chunk: number): void {
    this.start();
    const length = Math.min(chunk, this.left);
    const input = Buffer.allocUnsafe(length);
    if (this.read(input, this.position) < length) throw new EntryError('the archive ends in the middle of it', 'damaged');
    this.position += length;
    this.left -= length;
    const last = this.left === 0;
    if (this.inflater) {
      try {
        this.inflater.push(input, last);
      } catch (error) {
        throw new EntryError(`it does not inflate (${(error as Error).message})`, 'damaged');
      }
      if (last && !this.ended && !this.overflow) throw new EntryError('its compressed data ends early', 'damaged');
    } else {
      this.take(input);
      if (last) this.ended = true;
    }
    if (this.overflow) throw new EntryError('expands beyond its declared size', 'too-big');
  }

  private get finished(): boolean {
    return this.ended || this.left === 0;
  }

  head(n: number): Uint8Array {
    while (this.produced < n && !this.finished) this.step(HEAD_CHUNK);
    if (this.out) return this.out.subarray(0, Math.min(n, this.produced));
    return concat(this.chunks, Math.min(n, this.produced));
  }

  async all(): Promise<Uint8Array> {
    if (!this.out) {
      // One buffer of the declared size (never more: output beyond it is refused), the header copied in.
      this.out = new Uint8Array(this.entry.size);
      let at = 0;
      for (const c of this.chunks) {
        this.out.set(c, at);
        at += c.length;
      }
      this.chunks.length = 0;
    }
    // A big member lets the rest of the process breathe every megabyte of input.
    for (let steps = 1; !this.finished; steps++) {
      this.step(INPUT_CHUNK);
      if (steps % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    if (this.produced !== this.entry.size)
      throw new EntryError(`it unpacks to ${this.produced} bytes, not the ${this.entry.size} its archive declares`, 'damaged');
    if (this.crc >>> 0 !== this.entry.crc >>> 0) throw new EntryError('its checksum does not match', 'damaged');
    return this.out;
  }
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.length === length) return chunks[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    if (at >= length) break;
    const part = c.subarray(0, Math.min(c.length, length - at));
    out.set(part, at);
    at += part.length;
  }
  return out;
}
