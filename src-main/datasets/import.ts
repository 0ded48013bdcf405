// Bringing images into a project: each original is hashed, checked, stored once
// (content-addressed) and given a thumbnail. A bad file gets a line in the report
// and never stops the batch.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, realpath, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';
import { unzipSync } from 'fflate';
import sharp from 'sharp';
import { assetFile, thumbFile, type NewAsset, type Split } from '../store/assets';
import type { Project } from '../store/project';
import { readImageHeader, safeSvg, type ImageFormat } from './image-header';
import { decodePngRgba } from './png-fast';
import { analyseRaw } from './perceptual-hash';
import { datasetSaturation, defaultThresholds, flagMask, qualityFlags, type QualityMeasures } from './quality';

export const DEFAULT_MAX_PIXELS = 64_000_000;
const THUMB_SIZE = 128;
const SYNC_WRITE_LIMIT = 256 * 1024;
const WEB_FORMATS = new Set<ImageFormat>(['png', 'jpg', 'webp', 'gif']);

export interface ImportItem {
  /** Where the file came from (for an archive member: `archive.zip/inner/path.png`). */
  path: string;
  /** The file's bytes when they do not come from `path` (archive members). */
  bytes?: Uint8Array;
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
  /** The split new images join (a locked split); none when null or absent. */
  split?: Split | null;
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
}

class Rejected extends Error {}

export async function importFiles(project: Project, items: ImportItem[], options: ImportOptions = {}): Promise<ImportReport> {
  const started = performance.now();
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
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
      if (seen.has(r.hash)) {
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
    report.assetIds.push(...project.assets.insertMany(batch));
    report.imported += batch.length;
  };

  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length && !options.signal?.aborted) {
      const index = next++;
      const item = items[index]!;
      let result: NewAsset | null = null;
      try {
        const asset = await prepare(project, item, maxPixels);
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

async function prepare(
  project: Project,
  item: ImportItem,
  maxPixels: number,
): Promise<NewAsset | { duplicateOf: string; tags: string[] }> {
  const name = item.name ?? basename(item.path);
  // Small files: a synchronous read skips a round trip through the thread pool per file.
  const bytes = item.bytes ?? readFileSync(item.path);
  if (bytes.length === 0) throw new Rejected(`${name} is empty (0 bytes).`);
  const hash = createHash('sha256').update(bytes).digest('hex');
  if (project.assets.findByHash(hash) !== null) return { duplicateOf: hash, tags: item.tags ?? [] };

  const header = readImageHeader(bytes);
  if (!header) throw new Rejected(`${name} is not an image Atelier can read (${bytes.length} bytes, no known image header).`);
  const ext = header.format;
  const source = ext === 'svg' ? safeSvg(bytes) : bytes;
  let { width, height } = header;
  if (width === undefined || height === undefined) {
    try {
      const meta = await sharp(source, { limitInputPixels: false }).metadata();
      width = meta.width ?? 0;
      height = meta.height ?? 0;
    } catch (error) {
      throw new Rejected(`${name} is damaged and cannot be decoded: ${firstLine(error)}.`);
    }
  }
  if (width * height > maxPixels) {
    throw new Rejected(
      `${name} is ${width}×${height} pixels (${mp(width * height)}), above the import limit of ${mp(maxPixels)}; it was not decoded.`,
    );
  }
  if (width === 0 || height === 0) throw new Rejected(`${name} has no pixels (${width}×${height}).`);

  // One decode per image, to at most thumbnail size: it proves the file is whole and
  // gives the pixels the thumbnail and later measures are made from.
  const small = width <= THUMB_SIZE && height <= THUMB_SIZE;
  let preview: { data: Uint8Array; width: number; height: number };
  try {
    preview = (small && ext === 'png' && fastPng(bytes)) || (await decodeWithSharp(source, small, maxPixels));
  } catch (error) {
    throw new Rejected(`${name} is damaged and cannot be decoded: ${firstLine(error)}.`);
  }
  const analysis = analyseRaw({ data: preview.data, width: preview.width, height: preview.height, channels: 4 }, { width, height });
  // A small original in a format every page shows is its own thumbnail (the starter set is 64×64 PNG).
  const ownThumb = small && WEB_FORMATS.has(ext);
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

/** The JavaScript PNG path; anything it cannot or will not decode goes to sharp, which has the last word. */
function fastPng(bytes: Uint8Array): { data: Uint8Array; width: number; height: number } | null {
  try {
    return decodePngRgba(bytes);
  } catch {
    return null;
  }
}

async function decodeWithSharp(source: Uint8Array, small: boolean, maxPixels: number): Promise<{ data: Uint8Array; width: number; height: number }> {
  const decoder = sharp(source, { limitInputPixels: maxPixels, failOn: 'truncated', pages: 1 });
  const { data, info } = await (small ? decoder : decoder.resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside' }))
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

let tmpCounter = 0;
const madeFolders = new Set<string>();

export async function writeAtomically(file: string, data: Uint8Array): Promise<void> {
  const folder = dirname(file);
  if (!madeFolders.has(folder)) {
    await mkdir(folder, { recursive: true });
    madeFolders.add(folder);
  }
  // Two workers may write the same content-addressed file at once: each gets its own temporary name.
  const tmp = `${file}.${process.pid}-${++tmpCounter}.tmp`;
  if (data.length < SYNC_WRITE_LIMIT) {
    // A small write to the page cache costs less than its trip through the thread pool.
    writeFileSync(tmp, data);
    renameSync(tmp, file);
    return;
  }
  await writeFile(tmp, data);
  await rename(tmp, file);
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
  return String((error as Error)?.message ?? error).split('\n')[0]!.replace(/\.$/, '');
}

function mp(pixels: number): string {
  return `${(pixels / 1e6).toFixed(pixels < 1e7 ? 1 : 0)} MP`;
}

/** An archive may unpack to at most this much; a zip bomb is refused before it is inflated. */
export const MAX_ARCHIVE_BYTES = 4 * 1024 ** 3;

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
    if (!statSync(rawPath).isFile()) return [{ file: shown, reason: `${basename(shown)} has a folder name that is not UTF-8; rename it to import what is inside.` }];
    items.push({ path: shown, bytes: readFileSync(rawPath), name: basename(shown), tags });
    return [];
  } catch (error) {
    return [{ file: shown, reason: describeFailure(error) }];
  }
}

async function expandZip(
  path: string,
  tags: string[],
  folderTags: (tags: string[], name: string) => string[],
  items: ImportItem[],
): Promise<ImportFailure[]> {
  const name = basename(path);
  let entries: Record<string, Uint8Array>;
  try {
    const data = readFileSync(path);
    let declared = 0;
    entries = unzipSync(data, {
      filter(file) {
        declared += file.originalSize;
        if (declared > MAX_ARCHIVE_BYTES) {
          throw new Rejected(`${name} would unpack to more than ${MAX_ARCHIVE_BYTES / 1024 ** 3} GB; it was not opened.`);
        }
        const parts = file.name.split('/');
        return !file.name.endsWith('/') && !parts.some((p) => p.startsWith('.') || p === '__MACOSX');
      },
    });
  } catch (error) {
    return [{ file: path, reason: error instanceof Rejected ? error.message : `${name} is not a readable zip archive: ${firstLine(error)}.` }];
  }
  for (const entry of Object.keys(entries).sort()) {
    const parts = entry.split('/');
    const fileName = parts.pop()!;
    const entryTags = parts.reduce(folderTags, tags);
    items.push({ path: `${path}/${entry}`, bytes: entries[entry]!, name: fileName, tags: entryTags });
  }
  return [];
}
