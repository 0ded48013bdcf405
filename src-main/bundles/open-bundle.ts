// Opening a project bundle into a new project folder, trusting nothing in it. Before a byte is
// unpacked, the archive's directory and manifest are judged: every member's name must be a
// plain relative path (no `..`, no absolute or drive paths, no backslashes), no member may be a
// link or a folder, appear twice (also when only the case differs), expand more than a zip bomb
// would, or be missing from the manifest; the manifest must be Atelier's, of a version this
// Atelier reads. Members are then unpacked streaming into a hidden folder beside the target,
// each stopped the moment it outgrows its declared size and checked against its SHA-256; the
// database must open and pass SQLite's integrity check. Only then is the folder renamed into
// place: a refused bundle leaves nothing behind, and a bundle never merges into a project.
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, open, rename, rm, rmdir, statfs } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash, randomBytes } from 'node:crypto';
import { createInflateRaw, crc32 } from 'node:zlib';
import { AtelierError } from '../errors';
import { readZipDirectory, ZipError, type ArchiveEntry } from '../datasets/zip-entries';
import { openDatabase } from '../store/db';
import { migrations } from '../store/migrations/index';
import { DB_FILE, refuseUnsafeProjectFolder } from '../store/project';
import { integrityProblems, recordOrigin } from '../store/snapshot';
import { BUNDLE_DB, BUNDLE_FORMAT, BUNDLE_VERSION, MANIFEST, Manifest, type ManifestT } from './manifest';
import { ByteProgress, megabytes, type OnProgress } from './progress';

export interface BundleLimits {
  /** Declared unpacked size of the whole bundle (besides the target disk's free space). */
  maxTotalBytes: number;
  /** Unpacked ÷ packed size above which a member larger than `ratioFloor` is a zip bomb. */
  maxRatio: number;
  ratioFloor: number;
  maxMembers: number;
  maxManifestBytes: number;
}

export const DEFAULT_LIMITS: BundleLimits = {
  maxTotalBytes: 2 ** 40, // 1 TiB
  // Atelier's own members deflate at most ~20:1 (the database, text); a bomb reaches 1,000:1.
  maxRatio: 200,
  ratioFloor: 1024 * 1024,
  maxMembers: 2_000_000,
  maxManifestBytes: 256 * 1024 * 1024,
};

export interface InspectedBundle {
  file: string;
  bytes: number;
  manifest: ManifestT;
  /** Members by name, as the directory declares them (validated). */
  members: Map<string, ArchiveEntry>;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

function invalid(file: string, why: string): AtelierError {
  return new AtelierError('bundle-invalid', `${basename(file)} cannot be opened: ${why}.`);
}
function unsafe(file: string, why: string): AtelierError {
  return new AtelierError('bundle-unsafe', `${basename(file)} was refused: ${why}. Nothing was written.`);
}

/** Why a member's name is not a plain relative path inside the project, or null when it is. */
function badName(name: string): string | null {
  if (name.length === 0) return 'has a member with an empty name';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return `has a member whose name holds control characters (${JSON.stringify(name)})`;
  if (name.startsWith('/') || /^[a-z]:/i.test(name)) return `has a member with an absolute path (${name}), which would be written outside the project`;
  if (name.includes('\\')) return `has a member with a backslash in its path (${name}), which Windows reads as a folder separator`;
  if (name.includes(':')) return `has a member with a colon in its path (${name})`;
  const parts = name.split('/');
  if (parts.includes('..')) return `has a member that climbs out of its folder (${name})`;
  if (parts.some((p) => p === '' || p === '.')) return `has a member with an empty or "." path segment (${name})`;
  return null;
}

/**
 * Reads and judges a bundle's directory and manifest without unpacking anything: every refusal
 * (unsafe names, links, duplicates, a bomb, a missing, foreign, newer or inconsistent manifest).
 */
export async function inspectBundle(path: string, limits: BundleLimits = DEFAULT_LIMITS): Promise<InspectedBundle> {
  const file = resolve(path);
  let size: number;
  try {
    const s = statSync(file);
    if (!s.isFile()) throw new AtelierError('not-a-folder', `${file} is a folder, not a bundle file.`);
    size = s.size;
  } catch (error) {
    if (error instanceof AtelierError) throw error;
    throw new AtelierError('not-found', `There is no bundle at ${file}.`);
  }
  let entries: ArchiveEntry[];
  try {
    entries = readZipDirectory(file);
  } catch (error) {
    if (error instanceof ZipError) throw invalid(file, `it is not a complete zip archive (${error.message}); it may have been cut short while copying`);
    throw error;
  }
  if (entries.length > limits.maxMembers) throw unsafe(file, `it has ${entries.length.toLocaleString('en')} members, more than Atelier opens`);

  const members = new Map<string, ArchiveEntry>();
  const folded = new Map<string, string>();
  for (const e of entries) {
    const bad = badName(e.name);
    if (bad) throw unsafe(file, `it ${bad}`);
    const type = e.mode & S_IFMT;
    if (type === S_IFLNK) throw unsafe(file, `its member ${e.name} is a symbolic link`);
    if (e.name.endsWith('/') || (type !== 0 && type !== S_IFREG)) throw unsafe(file, `its member ${e.name} is not a plain file`);
    if (e.encrypted) throw invalid(file, `its member ${e.name} is encrypted`);
    if (e.method !== 0 && e.method !== 8) throw invalid(file, `its member ${e.name} uses compression method ${e.method}, which Atelier does not write`);
    if (members.has(e.name)) throw unsafe(file, `it holds ${e.name} twice (the second copy would replace the first)`);
    const key = e.name.normalize('NFC').toLowerCase();
    const twin = folded.get(key);
    if (twin !== undefined) throw unsafe(file, `it holds ${twin} and ${e.name}, one file on disks that ignore case`);
    folded.set(key, e.name);
    if (e.size > limits.ratioFloor && e.size > limits.maxRatio * Math.max(1, e.compressedSize)) {
      throw unsafe(
        file,
        `its member ${e.name} would expand ${Math.round(e.size / Math.max(1, e.compressedSize)).toLocaleString('en')} times (${megabytes(e.size)}), as a zip bomb does`,
      );
    }
    if (e.offset + e.compressedSize > size) throw invalid(file, `it ends before its member ${e.name} does (the file was cut short)`);
    members.set(e.name, e);
  }
  const declared = entries.reduce((n, e) => n + e.size, 0);
  if (declared > limits.maxTotalBytes)
    throw unsafe(file, `it would unpack to ${megabytes(declared)}, more than the ${megabytes(limits.maxTotalBytes)} Atelier allows`);

  // The manifest.
  const m = members.get(MANIFEST);
  if (!m) throw invalid(file, `it has no ${MANIFEST}: it was not written by Atelier's export`);
  if (m.size > limits.maxManifestBytes) throw unsafe(file, `its ${MANIFEST} is ${megabytes(m.size)}`);
  const chunks: Buffer[] = [];
  await unpackMember(file, m, {
    write: async (chunk) => {
      chunks.push(Buffer.from(chunk));
    },
  });
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw invalid(file, `its ${MANIFEST} is not JSON`);
  }
  const head = raw as { format?: unknown; version?: unknown };
  if (head?.format !== BUNDLE_FORMAT) throw invalid(file, `its ${MANIFEST} is not an Atelier bundle's (format ${JSON.stringify(head?.format)})`);
  if (typeof head.version === 'number' && head.version > BUNDLE_VERSION) {
    throw new AtelierError(
      'bundle-too-new',
      `${basename(file)} was written by a newer Atelier (bundle version ${head.version}; this one reads up to ${BUNDLE_VERSION}). Update Atelier to open it.`,
    );
  }
  const parsed = Manifest.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(file, `its ${MANIFEST} is malformed at ${issue.path.join('.') || 'the top'}: ${issue.message}`);
  }
  const manifest = parsed.data;
  if (manifest.schema > migrations.length) {
    throw new AtelierError(
      'bundle-too-new',
      `${basename(file)} holds a project saved by a newer Atelier (database schema ${manifest.schema}; this one knows up to ${migrations.length}). Update Atelier to open it.`,
    );
  }
  const listed = new Map<string, ManifestT['entries'][number]>();
  for (const entry of manifest.entries) {
    if (listed.has(entry.path)) throw invalid(file, `its ${MANIFEST} lists ${entry.path} twice`);
    listed.set(entry.path, entry);
    const member = members.get(entry.path);
    if (!member) throw invalid(file, `its ${MANIFEST} lists ${entry.path}, which the bundle does not hold`);
    if (member.size !== entry.bytes) throw invalid(file, `${entry.path} holds ${member.size} bytes, its ${MANIFEST} says ${entry.bytes}`);
  }
  for (const name of members.keys()) {
    if (name !== MANIFEST && !listed.has(name)) throw unsafe(file, `it holds ${name}, which its ${MANIFEST} does not list`);
  }
  if (!listed.has(BUNDLE_DB)) throw invalid(file, `it holds no project database (${BUNDLE_DB})`);
  return { file, bytes: size, manifest, members };
}

export interface OpenOptions {
  signal?: AbortSignal;
  onProgress?: OnProgress;
  limits?: BundleLimits;
}

export interface OpenResult {
  dir: string;
  manifest: ManifestT;
  seconds: number;
}

/** Opens the bundle at `path` as a new project in `target` (a new or empty folder). */
export async function openBundle(path: string, target: string, options: OpenOptions = {}): Promise<OpenResult> {
  const started = performance.now();
  const dir = resolve(target);
  refuseUnsafeProjectFolder(dir);
  refuseExisting(dir);
  const bundle = await inspectBundle(path, options.limits);
  const { manifest, file } = bundle;

  const parent = dirname(dir);
  await mkdir(parent, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new AtelierError('cannot-create-folder', `Cannot create the folder ${parent}: ${error.code ?? error.message}.`);
  });
  const total = manifest.entries.reduce((n, e) => n + e.bytes, 0);
  const free = await statfs(parent).then(
    (s) => s.bavail * s.bsize,
    () => Infinity,
  );
  if (total > free) throw new AtelierError('too-large', `${basename(file)} unpacks to ${megabytes(total)}; ${parent} has ${megabytes(free)} free.`);

  const staging = join(parent, `.${basename(dir)}.opening-${randomBytes(4).toString('hex')}`);
  await mkdir(staging);
  try {
    const progress = new ByteProgress(total, 'Unpacking', options.onProgress);
    const made = new Set<string>();
    for (const [i, entry] of manifest.entries.entries()) {
      options.signal?.throwIfAborted();
      const member = bundle.members.get(entry.path)!;
      const out = join(staging, ...entry.path.split('/'));
      // The names were judged above; this is the last word that nothing lands outside.
      if (!out.startsWith(staging + sep)) throw unsafe(file, `its member ${entry.path} would land outside the project folder`);
      const folder = dirname(out);
      if (!made.has(folder)) {
        await mkdir(folder, { recursive: true });
        made.add(folder);
      }
      const what = `${(i + 1).toLocaleString('en')} of ${manifest.entries.length.toLocaleString('en')} files`;
      const sink = await open(out, 'wx');
      const hash = createHash('sha256');
      try {
        await unpackMember(
          file,
          member,
          {
            write: async (chunk) => {
              hash.update(chunk);
              progress.add(chunk.length, what);
              for (let done = 0; done < chunk.length;) done += (await sink.write(chunk, done, chunk.length - done)).bytesWritten;
            },
          },
          options.signal,
        );
      } finally {
        await sink.close();
      }
      if (hash.digest('hex') !== entry.sha256) throw invalid(file, `${entry.path} does not match its checksum in the ${MANIFEST} (the bundle is damaged)`);
    }

    // Every file reaches the disk before the folder is renamed into place: synced together at the
    // end (the file system batches them; one by one, 3,800 small files cost a third of the time).
    options.onProgress?.(total, total, 'Saving to disk');
    await syncAll(manifest.entries.map((e) => join(staging, ...e.path.split('/'))));

    // The database must open (older schemas migrate) and be sound.
    options.onProgress?.(total, total, 'Checking the database');
    let db;
    try {
      db = openDatabase(join(staging, DB_FILE));
    } catch (error) {
      throw invalid(file, `its database does not open (${(error as Error).message})`);
    }
    try {
      const problems = integrityProblems(db);
      if (problems.length > 0) throw invalid(file, `its database fails SQLite's integrity check (${problems[0]})`);
      recordOrigin(db, { bundle: basename(file), createdAt: manifest.createdAt });
    } finally {
      db.close();
    }
    options.signal?.throwIfAborted();
    refuseExisting(dir);
    if (existsSync(dir)) await rmdir(dir); // an empty folder the person chose
    await rename(staging, dir);
    // The rename itself reaches the disk (not every platform can fsync a folder: Windows cannot).
    await open(parent, 'r')
      .then(
        (fh) => fh.sync().finally(() => fh.close()),
        () => undefined,
      )
      .catch(() => undefined);
    return { dir, manifest, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (options.signal?.aborted) throw new AtelierError('cancelled', `Opening ${basename(file)} was cancelled; nothing was kept.`);
    throw error;
  }
}

/** fsyncs every file, 16 at a time (Windows needs write access to flush a file, hence r+). */
async function syncAll(files: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const fh = await open(files[next++]!, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** A bundle opens only into a new or empty folder: it never merges into a project or over files. */
function refuseExisting(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new AtelierError('not-a-folder', `${dir} exists and is not a folder.`);
  if (existsSync(join(dir, DB_FILE))) {
    throw new AtelierError(
      'project-exists',
      `${dir} already holds an Atelier project. A bundle never merges into a project: open it as a new project folder (for example ${dir}-2).`,
    );
  }
  if (readdirSync(dir).length > 0) throw new AtelierError('folder-not-empty', `${dir} is not empty. Choose a new or empty folder to open the bundle into.`);
}

/**
 * Streams one member's unpacked bytes to `sink.write`, stopping the moment it produces more than
 * the directory declared, and checking its length and CRC at the end.
 */
async function unpackMember(file: string, member: ArchiveEntry, sink: { write(chunk: Uint8Array): Promise<void> }, signal?: AbortSignal): Promise<void> {
  const fh = await open(file, 'r');
  let start: number;
  try {
    const local = Buffer.alloc(30);
    const { bytesRead } = await fh.read(local, 0, 30, member.offset);
    if (bytesRead < 30 || local.readUInt32LE(0) !== 0x04034b50)
      throw invalid(file, `the data of ${member.name} is missing (the file was cut short or damaged)`);
    start = member.offset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  } finally {
    await fh.close();
  }
  let produced = 0;
  let crc = 0;
  /** Kept apart: the pipeline reports the streams it tore down, not why. */
  let refusal: AtelierError | null = null;
  const source =
    member.compressedSize === 0
      ? Readable.from([]) // createReadStream's `end` is inclusive: an empty member reads nothing
      : createReadStream(file, { start, end: start + member.compressedSize - 1, highWaterMark: 1 << 20, ...(signal ? { signal } : {}) });
  const take = async (chunks: AsyncIterable<Uint8Array>) => {
    for await (const chunk of chunks) {
      produced += chunk.length;
      if (produced > member.size) throw (refusal = unsafe(file, `its member ${member.name} expands beyond the ${megabytes(member.size)} it declares`));
      crc = crc32(chunk, crc);
      await sink.write(chunk);
    }
  };
  try {
    if (member.method === 8) await pipeline(source, createInflateRaw(), take);
    else await pipeline(source, take);
  } catch (error) {
    if (refusal) throw refusal;
    if (error instanceof AtelierError || signal?.aborted) throw error;
    throw invalid(file, `${member.name} is damaged (${(error as Error).message})`);
  }
  if (produced !== member.size)
    throw invalid(file, `${member.name} unpacks to ${produced} bytes, not the ${member.size} it declares (the file was cut short or damaged)`);
  if (crc >>> 0 !== member.crc >>> 0) throw invalid(file, `${member.name} fails its CRC check (the bundle is damaged)`);
}
