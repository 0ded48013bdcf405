// Bringing images into a project: each original is hashed, checked, stored once
// (content-addressed) and given a thumbnail. A bad file gets a line in the report
// and never stops the batch.
//
// Hostile files stay bounded: a file's first bytes are read before the rest (a file
// that is no image, or too big, is never read whole); an archive member is judged by
// the size it declares and inflated streaming, within a limit per file and a running
// total per import; and the bytes held at once by all workers have a budget. Images are
// decoded the way training decodes them (training-set.ts: openImage), so a file that
// passes import never stops a run.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, read, readSync, statSync } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { basename, join, resolve as resolvePath } from 'node:path';
import sharp from 'sharp';
import { assetFile, thumbFile, type NewAsset, type Split } from '../store/assets';
import type { Project } from '../store/project';
import { writeAtomically } from './atomic-write';
import { HEADER_BYTES, orientedSize, readImageHeader, safeSvg, unsupportedFormat, type ImageFormat } from './image-header';
import { decodePngRgba } from './png-fast';
import { analyseRaw } from './perceptual-hash';
import { datasetSaturation, defaultThresholds, flagMask, qualityFlags, type QualityMeasures } from './quality';
import { DECODE_PIXEL_LIMIT, openImage, SVG_DENSITY } from './training-set';
import { EntryError, EntryReader, readZipDirectory, ZipError, type ArchiveEntry } from './zip-entries';

export const DEFAULT_MAX_PIXELS = 64_000_000;
const THUMB_SIZE = 128;
const SYNC_READ_LIMIT = 256 * 1024;
const WEB_FORMATS = new Set<ImageFormat>(['png', 'jpg', 'webp', 'gif']);

/**
 * The most bytes one file (or one archive member, unpacked) may have: 4 per pixel of the
 * pixel limit (256 MB at the default 64 MP), at least 64 MB and at most 2 GB.
 */
export function fileByteLimit(maxPixels: number): number {
  return Math.min(2e9, Math.max(64e6, Math.round(maxPixels * 4)));
}

/** All archive members of one import may unpack to this much together: 4 GB, or four of the largest files allowed. */
export function unpackedByteLimit(maxFileBytes: number): number {
  return Math.max(4e9, 4 * maxFileBytes);
}

/**
 * Bytes of file contents all imports may hold in memory at once (a file bigger than this
 * is read alone). With eight workers and 256 MB files, memory would otherwise reach 2 GB.
 */
const IN_FLIGHT_BYTES = 512e6;

const readAsync = promisify(read);

/** Bytes of file contents held at once, shared by every import: a reader waits its turn when the budget is spent. */
class ByteBudget {
  private used = 0;
  private readonly waiting: { bytes: number; go(): void }[] = [];

  constructor(private readonly limit: number) {}

  /** Resolves when `bytes` fit (at once when nothing else is held: one file bigger than the budget still goes, alone). */
  take(bytes: number): Promise<void> | void {
    if (this.waiting.length === 0 && (this.used === 0 || this.used + bytes <= this.limit)) {
      this.used += bytes;
      return;
    }
    return new Promise((go) => this.waiting.push({ bytes, go: () => go() }));
  }

  give(bytes: number): void {
    if (bytes === 0) return;
    this.used -= bytes;
    while (this.waiting.length > 0 && (this.used === 0 || this.used + this.waiting[0]!.bytes <= this.limit)) {
      const next = this.waiting.shift()!;
      this.used += next.bytes;
      next.go();
    }
  }
}

const budget = new ByteBudget(IN_FLIGHT_BYTES);

export interface ImportItem {
  /** Where the file came from (for an archive member: `archive.zip/inner/path.png`). */
  path: string;
  /** The file's bytes when they do not come from `path`. */
  bytes?: Uint8Array;
  /** An archive member: unpacked (streaming, within the import's limits) when it is imported. */
  entry?: ArchiveEntry;
  /** The path as bytes, for a file whose name is not UTF-8 (`path` then only names it). */
  rawPath?: Buffer;
  tags?: string[];
  /** Display name; the file name when absent. */
  name?: string;
}

export interface ImportFailure {
  file: string;
  reason: string;
}

export interface ImportReport {
  imported: number;
  duplicates: number;
  failed: ImportFailure[];
  seconds: number;
  assetIds: number[];
}

export interface ImportOptions {
  maxPixels?: number;
  /** Most bytes one file or archive member may have; fileByteLimit(maxPixels) when absent. */
  maxFileBytes?: number;
  /** Most bytes the archive members of this import may unpack to together; unpackedByteLimit(maxFileBytes) when absent. */
  maxUnpackedBytes?: number;
  /** The split new images join (a locked split); none when null or absent. */
  split?: Split | null;
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
}

class Rejected extends Error {}

/** Imports into one project run one after another (keyed by project folder), so two never race for the same new file. */
const queues = new Map<string, Promise<void>>();

export async function importFiles(project: Project, items: ImportItem[], options: ImportOptions = {}): Promise<ImportReport> {
  const previous = queues.get(project.dir) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => mine);
  queues.set(project.dir, tail);
  await previous;
  try {
    return await runImport(project, items, options);
  } finally {
    release();
    if (queues.get(project.dir) === tail) queues.delete(project.dir);
  }
}

/** What every file of one import is measured against. */
interface Limits {
  maxPixels: number;
  maxFileBytes: number;
  maxUnpackedBytes: number;
  /** Bytes unpacked (or about to be) from archive members so far in this import. */
  unpacked: number;
  /** Each archive is opened once per import; closed when it ends. */
  archives: Map<string, number>;
}

async function runImport(project: Project, items: ImportItem[], options: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxFileBytes = options.maxFileBytes ?? fileByteLimit(maxPixels);
  const limits: Limits = {
    maxPixels,
    maxFileBytes,
    maxUnpackedBytes: options.maxUnpackedBytes ?? unpackedByteLimit(maxFileBytes),
    unpacked: 0,
    archives: new Map(),
  };
  try {
    return await importWithin(project, items, options, limits, started);
  } finally {
    for (const fd of limits.archives.values()) closeSync(fd);
  }
}

async function importWithin(project: Project, items: ImportItem[], options: ImportOptions, limits: Limits, started: number): Promise<ImportReport> {
  const report: ImportReport = { imported: 0, duplicates: 0, failed: [], seconds: 0, assetIds: [] };
  const seen = new Set<string>();
  // A file already in the project adds its tags to the stored original instead of a second copy.
  const duplicateTags: { hash: string; tags: string[] }[] = [];
  // Results land in input order (ids follow the order the files were given, whatever
  // finished first), and are inserted in batches as soon as a prefix is complete.
  const results: (NewAsset | null | undefined)[] = new Array(items.length);
  let inserted = 0;
  const flush = (all: boolean) => {
    let end = inserted;
    while (end < items.length && results[end] !== undefined) end++;
    if (!all && end - inserted < 256) return;
    // Within one import the first file in input order is the original, whichever was read first.
    const batch: NewAsset[] = [];
    for (const r of results.slice(inserted, end)) {
      if (!r) continue;
      // Checked again here, where nothing can come between the check and the insert.
      if (seen.has(r.hash) || project.assets.findByHash(r.hash) !== null) {
        report.duplicates++;
        if (r.tags.length > 0) duplicateTags.push({ hash: r.hash, tags: r.tags });
      } else {
        seen.add(r.hash);
        batch.push(r);
      }
    }
    results.fill(null, inserted, end);
    inserted = end;
    if (batch.length === 0) return;
    const ids = project.assets.insertMany(batch);
    report.assetIds.push(...ids);
    report.imported += ids.length;
    report.duplicates += batch.length - ids.length; // stored by another process in the meantime
  };

  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length && !options.signal?.aborted) {
      const index = next++;
      const item = items[index]!;
      let result: NewAsset | null = null;
      try {
        const asset = await prepare(project, item, limits);
        if (!('duplicateOf' in asset)) asset.split = options.split ?? null;
        if ('duplicateOf' in asset) {
          report.duplicates++;
          if (asset.tags.length > 0) duplicateTags.push({ hash: asset.duplicateOf, tags: asset.tags });
        } else result = asset;
      } catch (error) {
        report.failed.push({ file: item.path, reason: error instanceof Rejected ? error.message : describeFailure(error) });
      }
      results[index] = result;
      flush(false);
      options.onProgress?.(++done, items.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));
  flush(true);
  project.assets.addTagsByHash(duplicateTags);
  if (report.imported > 0) refreshDatasetFlags(project);
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

async function prepare(project: Project, item: ImportItem, limits: Limits): Promise<NewAsset | { duplicateOf: string; tags: string[] }> {
  const name = item.name ?? basename(item.path);
  const source = openSource(item, name, limits);
  try {
    return await prepareFrom(project, item, name, source, limits);
  } catch (error) {
    if (error instanceof EntryError) {
      if (error.kind === 'too-big') {
        throw new Rejected(
          `${name} unpacks to more than the ${bytesText(item.entry!.size)} its archive declares; the archive is damaged or hostile, and it was not imported.`,
        );
      }
      throw new Rejected(`${name} is damaged in its archive: ${error.message}; it was not imported.`);
    }
    throw error;
  } finally {
    await source.close();
  }
}

/**
 * A file's bytes, first bytes first: `head()` gives at least the header (or the whole of a
 * small file), `all()` the rest, `size` the full size (declared, for an archive member).
 * Bytes read whole are counted against the in-flight budget until `close()`.
 */
interface Source {
  size: number;
  head(): Promise<Uint8Array>;
  all(): Promise<Uint8Array>;
  close(): Promise<void>;
  /** How to say that the size is over the limit: "is 3 MB … not read" or "unpacks to 3 MB … not unpacked". */
  tooBig(name: string, limit: number): string;
}

function openSource(item: ImportItem, name: string, limits: Limits): Source {
  if (item.bytes) {
    const bytes = item.bytes;
    return {
      size: bytes.length,
      head: async () => bytes.subarray(0, HEADER_BYTES),
      all: async () => bytes,
      close: async () => {},
      tooBig: (n, limit) => `${n} is ${bytesText(bytes.length)}, above the ${bytesText(limit)} limit for one file; it was not read.`,
    };
  }
  if (item.entry) return entrySource(item.entry, name, limits);
  return fileSource(item.rawPath ?? item.path);
}

function fileSource(path: string | Buffer): Source {
  // Small files: synchronous reads skip a round trip through the thread pool per file.
  const fd = openSync(path, 'r');
  let size: number;
  try {
    size = fstatSync(fd).size;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  let closed = false;
  let held = 0;
  let head: Buffer | null = null;
  const close = async () => {
    if (!closed) closeSync(fd);
    closed = true;
    budget.give(held);
    held = 0;
  };
  const readInto = async (buf: Buffer, from: number, to: number): Promise<number> => {
    let at = from;
    while (at < to) {
      // Small reads are synchronous; larger ones go through the thread pool (other workers carry on meanwhile).
      const n =
        to - from <= SYNC_READ_LIMIT ? readSync(fd, buf, at, to - at, at) : (await readAsync(fd, buf, at, Math.min(to - at, 64 * 1024 * 1024), at)).bytesRead;
      if (n === 0) break;
      at += n;
    }
    return at;
  };
  return {
    size,
    async head() {
      if (!head) {
        const buf = Buffer.allocUnsafe(Math.min(size, HEADER_BYTES));
        head = buf.subarray(0, await readInto(buf, 0, buf.length));
      }
      return head;
    },
    async all() {
      const first = await this.head();
      if (size <= first.length) return first;
      await budget.take(size);
      held = size;
      const buf = Buffer.allocUnsafe(size);
      buf.set(first, 0);
      return buf.subarray(0, await readInto(buf, first.length, size));
    },
    close,
    tooBig: (n, limit) => `${n} is ${bytesText(size)}, above the ${bytesText(limit)} limit for one file; it was not read.`,
  };
}

function entrySource(entry: ArchiveEntry, name: string, limits: Limits): Source {
  // Judged by the size it declares before anything is inflated; inflating never goes past it.
  if (entry.size > limits.maxFileBytes) {
    throw new Rejected(`${name} unpacks to ${bytesText(entry.size)}, above the ${bytesText(limits.maxFileBytes)} limit for one file; it was not unpacked.`);
  }
  if (limits.unpacked + entry.size > limits.maxUnpackedBytes) {
    throw new Rejected(
      `${name} was not unpacked: this import has already unpacked ${bytesText(limits.unpacked)} from archives, and the limit for one import is ${bytesText(limits.maxUnpackedBytes)}.`,
    );
  }
  let fd = limits.archives.get(entry.archive);
  if (fd === undefined) {
    fd = openSync(entry.archive, 'r');
    limits.archives.set(entry.archive, fd);
  }
  limits.unpacked += entry.size;
  const reader = new EntryReader(entry, fd);
  let held = 0;
  return {
    size: entry.size,
    head: async () => reader.head(HEADER_BYTES),
    async all() {
      await budget.take(entry.size);
      held = entry.size;
      return reader.all();
    },
    async close() {
      // What was declared but never unpacked (a member refused after its header) does not count.
      limits.unpacked -= entry.size - reader.unpacked;
      budget.give(held);
      held = 0;
    },
    tooBig: (n, limit) => `${n} unpacks to ${bytesText(entry.size)}, above the ${bytesText(limit)} limit for one file; it was not unpacked.`,
  };
}

async function prepareFrom(
  project: Project,
  item: ImportItem,
  name: string,
  source: Source,
  limits: Limits,
): Promise<NewAsset | { duplicateOf: string; tags: string[] }> {
  if (source.size === 0) throw new Rejected(`${name} is empty (0 bytes).`);
  // The first bytes say whether this is an image, and often how big, before the rest is read.
  const head = await source.head();
  const header = readImageHeader(head);
  if (!header) {
    const known = unsupportedFormat(head);
    throw new Rejected(known ? `${name} is ${known}` : `${name} is not an image Atelier can read (${bytesText(source.size)}, no known image header).`);
  }
  if (header.width !== undefined && header.height !== undefined) checkPixels(name, header.format, header.width, header.height, limits.maxPixels);
  if (source.size > limits.maxFileBytes) throw new Rejected(source.tooBig(name, limits.maxFileBytes));

  const bytes = await source.all();
  const hash = createHash('sha256').update(bytes).digest('hex');
  if (project.assets.findByHash(hash) !== null) return { duplicateOf: hash, tags: item.tags ?? [] };

  const ext = header.format;
  const svg = ext === 'svg';
  let { width, height, orientation } = header;
  if (width === undefined || height === undefined || orientation === undefined) {
    try {
      const meta = await sharp(svg ? safeSvg(bytes) : bytes, { limitInputPixels: false }).metadata();
      width = meta.width ?? 0;
      height = meta.height ?? 0;
      orientation = meta.orientation ?? 1;
    } catch (error) {
      throw new Rejected(`${name} is damaged and cannot be decoded: ${firstLine(error)}.`);
    }
    checkPixels(name, ext, width, height, limits.maxPixels);
  }
  if (width === 0 || height === 0) throw new Rejected(`${name} has no pixels (${width}×${height}).`);
  // Stored as shown: a photo taken sideways (EXIF orientation 5–8) is as wide as it is shown.
  ({ width, height } = orientedSize(width, height, orientation));

  // One decode per image, to at most thumbnail size, the way training decodes: it proves the
  // file is whole (for training too) and gives the pixels the thumbnail and later measures are made from.
  const small = !svg && width <= THUMB_SIZE && height <= THUMB_SIZE;
  const upright = orientation === 1;
  let preview: { data: Uint8Array; width: number; height: number };
  try {
    preview = (small && upright && ext === 'png' && fastPng(bytes)) || (await decodeWithSharp(bytes, svg, small, limits.maxPixels));
  } catch (error) {
    throw new Rejected(`${name} is damaged and cannot be decoded: ${firstLine(error)}.`);
  }
  const analysis = analyseRaw({ data: preview.data, width: preview.width, height: preview.height, channels: 4 }, { width, height });
  // A small upright original in a format every page shows is its own thumbnail (the starter set is 64×64 PNG).
  const ownThumb = small && upright && WEB_FORMATS.has(ext);
  // The original is kept as imported (content-addressed); orientation is applied on every decode.
  await writeAtomically(project.path(assetFile(hash, ext)), bytes);
  if (!ownThumb) {
    const raw = { width: preview.width, height: preview.height, channels: 4 as const };
    const thumb = await sharp(preview.data, { raw }).webp({ quality: 82, alphaQuality: 90 }).toBuffer();
    await writeAtomically(project.path(thumbFile(hash)), thumb);
  }
  return {
    hash,
    ext,
    name,
    width,
    height,
    bytes: bytes.length,
    hasAlpha: usesTransparency(preview.data),
    thumb: ownThumb ? assetFile(hash, ext) : thumbFile(hash),
    tags: item.tags ?? [],
    phash: analysis.phash,
    quality: JSON.stringify({ ...analysis.quality, ...meanColour(preview.data) }),
    flags: flagMask(qualityFlags(analysis.quality)),
  };
}

/**
 * Refuses an image above the import's pixel limit, or one whose decode would make more
 * pixels than training can decode, before any decoder runs. A drawing is measured at 72 dpi
 * against the import limit and as training rasterises it (SVG_DENSITY) against the decoder's.
 */
function checkPixels(name: string, format: ImageFormat, width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new Rejected(`${name} is ${width}×${height} pixels (${mp(width * height)}), above the import limit of ${mp(maxPixels)}; it was not decoded.`);
  }
  if (format === 'svg') {
    const w = Math.round((width * SVG_DENSITY) / 72);
    const h = Math.round((height * SVG_DENSITY) / 72);
    if (w * h > DECODE_PIXEL_LIMIT) {
      throw new Rejected(
        `${name} is a ${width}×${height} drawing; Atelier rasterises drawings at ${SVG_DENSITY} dpi for training, which makes ${w}×${h} pixels (${mp(w * h)}), more than the ${mp(DECODE_PIXEL_LIMIT)} it can decode. Make the drawing smaller (its width and height) and import it again.`,
      );
    }
  } else if (width * height > DECODE_PIXEL_LIMIT) {
    throw new Rejected(
      `${name} is ${width}×${height} pixels (${mp(width * height)}), more than the ${mp(DECODE_PIXEL_LIMIT)} Atelier can decode for training; it was not decoded.`,
    );
  }
}

/** The JavaScript PNG path; anything it cannot or will not decode goes to sharp, which has the last word. */
function fastPng(bytes: Uint8Array): { data: Uint8Array; width: number; height: number } | null {
  try {
    return decodePngRgba(bytes);
  } catch {
    return null;
  }
}

async function decodeWithSharp(
  bytes: Uint8Array,
  svg: boolean,
  small: boolean,
  maxPixels: number,
): Promise<{ data: Uint8Array; width: number; height: number }> {
  // A drawing's limit is the decoder's (it was measured at 72 dpi against the import's); a raster image's, the import's.
  const decoder = openImage(bytes, svg, svg ? DECODE_PIXEL_LIMIT : Math.min(maxPixels, DECODE_PIXEL_LIMIT));
  const { data, info } = await (small ? decoder : decoder.resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true }))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * Mean colour over white, stored beside the quality measures: the perceptual hash sees
 * only luminance, so skin-tone variants of one emoji hash alike but differ here.
 */
function meanColour(rgba: Uint8Array): { meanR: number; meanG: number; meanB: number } {
  let r = 0;
  let g = 0;
  let b = 0;
  const n = rgba.length / 4;
  for (let i = 0; i < rgba.length; i += 4) {
    const a = rgba[i + 3]! / 255;
    r += rgba[i]! * a + 255 * (1 - a);
    g += rgba[i + 1]! * a + 255 * (1 - a);
    b += rgba[i + 2]! * a + 255 * (1 - a);
  }
  return { meanR: Math.round(r / n), meanG: Math.round(g / n), meanB: Math.round(b / n) };
}

function usesTransparency(rgba: Uint8Array): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i]! < 255) return true;
  return false;
}

/**
 * Flags that depend on the whole dataset ('grayscale' in a colourful set) are
 * recomputed after every import, for every image.
 */
export function refreshDatasetFlags(project: Project): void {
  const rows = project.assets.qualityRows().map((r) => ({ ...r, measures: JSON.parse(r.quality) as QualityMeasures }));
  const dataset = datasetSaturation(rows.map((r) => r.measures));
  const changes: [number, number][] = [];
  for (const r of rows) {
    const bits = flagMask(qualityFlags(r.measures, defaultThresholds, dataset));
    if (bits !== r.flags) changes.push([r.id, bits]);
  }
  project.assets.setFlags(changes);
}

function describeFailure(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const file = e.path ? basename(e.path) : 'the file';
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
      return `${file} cannot be read: permission denied.`;
    case 'ENOENT':
      return `${file} no longer exists.`;
    case 'EISDIR':
      return `${file} is a folder, not an image.`;
    case 'ELOOP':
      return `${file} is a symbolic link that loops.`;
    default:
      return `${file} could not be imported: ${firstLine(error)}.`;
  }
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error)
    .split('\n')[0]!
    .replace(/\.$/, '');
}

function mp(pixels: number): string {
  return `${(pixels / 1e6).toFixed(pixels < 1e7 ? 1 : 0)} MP`;
}

/** 100 bytes, 4.2 KB, 3.0 MB, 256 MB, 1.1 GB (decimal units, as file managers show). */
function bytesText(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(bytes < 1e4 ? 1 : 0)} KB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(bytes < 1e8 ? 1 : 0)} MB`;
  return `${(bytes / 1e9).toFixed(1)} GB`;
}

/**
 * Expands files, folders (recursively, following no symlink twice) and zip
 * archives into import items. With `tagsFromFolders`, each folder name below the
 * given root (and inside an archive) becomes a tag.
 */
export async function collectImportItems(
  paths: string[],
  options: { tagsFromFolders?: boolean } = {},
): Promise<{ items: ImportItem[]; failed: ImportFailure[] }> {
  const items: ImportItem[] = [];
  const failed: ImportFailure[] = [];
  const visited = new Set<string>();
  const folderTags = (tags: string[], name: string) => (options.tagsFromFolders ? [...tags, name] : tags);
  const walk = async (path: string, tags: string[], isRoot: boolean): Promise<void> => {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      failed.push({ file: path, reason: describeFailure(error) });
      return;
    }
    if (info.isFile()) {
      if (/\.zip$/i.test(path)) failed.push(...(await expandZip(path, tags, folderTags, items)));
      else items.push({ path, tags });
      return;
    }
    if (!info.isDirectory()) {
      failed.push({ file: path, reason: `${basename(path)} is neither a file nor a folder.` });
      return;
    }
    const real = await realpath(path);
    if (visited.has(real)) return; // a symlink back into a folder already walked
    visited.add(real);
    let entries: Buffer[];
    try {
      entries = (await readdir(path, { encoding: 'buffer' })).sort(Buffer.compare);
    } catch (error) {
      failed.push({ file: path, reason: describeFailure(error) });
      return;
    }
    const inner = isRoot ? tags : folderTags(tags, basename(path));
    for (const raw of entries) {
      const entry = raw.toString('utf8');
      if (entry.startsWith('.')) continue;
      if (!Buffer.from(entry, 'utf8').equals(raw)) {
        // A name that is not UTF-8 cannot be spelt as a string path: read it by its bytes.
        failed.push(...readByBytes(Buffer.concat([Buffer.from(`${path}/`), raw]), join(path, entry), inner, items));
        continue;
      }
      await walk(join(path, entry), inner, false);
    }
  };
  for (const p of paths) await walk(resolvePath(p), [], true);
  return { items, failed };
}

function readByBytes(rawPath: Buffer, shown: string, tags: string[], items: ImportItem[]): ImportFailure[] {
  try {
    if (!statSync(rawPath).isFile())
      return [{ file: shown, reason: `${basename(shown)} has a folder name that is not UTF-8; rename it to import what is inside.` }];
    items.push({ path: shown, rawPath, name: basename(shown), tags });
    return [];
  } catch (error) {
    return [{ file: shown, reason: describeFailure(error) }];
  }
}

/**
 * An archive's members as import items, read from its central directory (nothing is
 * inflated here). Members that are skipped get a line saying why, except macOS's own
 * bookkeeping (`__MACOSX/`, `.DS_Store`, `._name` resource forks), which is never a picture.
 */
async function expandZip(path: string, tags: string[], folderTags: (tags: string[], name: string) => string[], items: ImportItem[]): Promise<ImportFailure[]> {
  let entries: ArchiveEntry[];
  try {
    entries = readZipDirectory(path);
  } catch (error) {
    if (error instanceof ZipError) return [{ file: path, reason: `${basename(path)} is not a readable zip archive: ${error.message}.` }];
    return [{ file: path, reason: describeFailure(error) }];
  }
  const failed: ImportFailure[] = [];
  const skip = (entry: ArchiveEntry, reason: string) => failed.push({ file: `${path}/${entry.name}`, reason });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name.endsWith('/')) continue; // a folder
    const parts = entry.name.split('/');
    const fileName = parts.at(-1)!;
    if (parts.includes('__MACOSX') || fileName === '.DS_Store' || fileName.startsWith('._')) continue;
    if (/^([/\\]|[a-zA-Z]:)/.test(entry.name) || entry.name.split(/[/\\]/).includes('..')) {
      skip(entry, `${entry.name} was skipped: its path leaves the archive.`);
      continue;
    }
    if (fileName.startsWith('.')) {
      skip(entry, `${fileName} was skipped: it is a hidden file.`);
      continue;
    }
    const hidden = parts.slice(0, -1).find((p) => p.startsWith('.') && p !== '.');
    if (hidden) {
      skip(entry, `${fileName} was skipped: it is in a hidden folder (${hidden}).`);
      continue;
    }
    if (entry.encrypted) {
      skip(entry, `${fileName} is encrypted in its archive; Atelier cannot open encrypted archives. Unpack it and import the files.`);
      continue;
    }
    if (entry.method !== 0 && entry.method !== 8) {
      skip(entry, `${fileName} is compressed with a method Atelier cannot unpack (zip method ${entry.method}); re-zip it with ordinary (deflate) compression.`);
      continue;
    }
    const entryTags = parts
      .slice(0, -1)
      .filter((p) => p !== '' && p !== '.')
      .reduce(folderTags, tags);
    items.push({ path: `${path}/${entry.name}`, entry, name: fileName, tags: entryTags });
  }
  return failed;
}
