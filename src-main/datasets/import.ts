// Bringing images into a project: each original is hashed, checked, stored once
// (content-addressed) and given a thumbnail. A bad file gets a line in the report
// and never stops the batch.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';
import sharp from 'sharp';
import { assetFile, thumbFile, type NewAsset } from '../store/assets';
import type { Project } from '../store/project';

export const DEFAULT_MAX_PIXELS = 64_000_000;
const THUMB_SIZE = 128;
const WEB_FORMATS = new Set(['png', 'jpg', 'webp', 'gif']);
const FORMATS = new Map([
  ['png', 'png'],
  ['jpeg', 'jpg'],
  ['webp', 'webp'],
  ['gif', 'gif'],
  ['svg', 'svg'],
  ['tiff', 'tiff'],
  ['heif', 'avif'],
]);

export interface ImportItem {
  path: string;
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
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

async function prepare(
  project: Project,
  item: ImportItem,
  maxPixels: number,
): Promise<NewAsset | { duplicateOf: string; tags: string[] }> {
  const name = item.name ?? basename(item.path);
  const bytes = await readFile(item.path);
  if (bytes.length === 0) throw new Rejected(`${name} is empty (0 bytes).`);
  const hash = createHash('sha256').update(bytes).digest('hex');
  if (project.assets.findByHash(hash) !== null) return { duplicateOf: hash, tags: item.tags ?? [] };

  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw new Rejected(`${name} is not an image Atelier can read (${bytes.length} bytes, no known image header).`);
  }
  const ext = meta.format ? FORMATS.get(meta.format) : undefined;
  if (!ext) throw new Rejected(`${name} is a ${meta.format ?? 'unknown'} file; Atelier reads PNG, JPEG, WebP, GIF, SVG, TIFF and AVIF.`);
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width * height > maxPixels) {
    throw new Rejected(
      `${name} is ${width}×${height} pixels (${mp(width * height)}), above the import limit of ${mp(maxPixels)}; it was not decoded.`,
    );
  }

  // A small original in a format every page shows is its own thumbnail (the starter set is 64×64 PNG).
  const ownThumb = width <= THUMB_SIZE && height <= THUMB_SIZE && WEB_FORMATS.has(ext);
  let thumb: Buffer | null = null;
  try {
    const decoder = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'truncated', pages: 1 });
    if (ownThumb) await decoder.raw().toBuffer();
    else thumb = await decoder.resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 82, alphaQuality: 90 }).toBuffer();
  } catch (error) {
    throw new Rejected(`${name} is damaged and cannot be decoded: ${firstLine(error)}.`);
  }
  await writeAtomically(project.path(assetFile(hash, ext)), bytes);
  if (thumb) await writeAtomically(project.path(thumbFile(hash)), thumb);
  const thumbPath = thumb ? thumbFile(hash) : assetFile(hash, ext);
  return { hash, ext, name, width, height, bytes: bytes.length, hasAlpha: meta.hasAlpha ?? false, thumb: thumbPath, tags: item.tags ?? [] };
}

let tmpCounter = 0;

export async function writeAtomically(file: string, data: Uint8Array): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  // Two workers may write the same content-addressed file at once: each gets its own temporary name.
  const tmp = `${file}.${process.pid}-${++tmpCounter}.tmp`;
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

/**
 * Expands files and folders (recursively, following no symlink twice) into
 * import items. With `tagsFromFolders`, each folder name below the given root becomes a tag.
 */
export async function collectImportItems(
  paths: string[],
  options: { tagsFromFolders?: boolean } = {},
): Promise<{ items: ImportItem[]; failed: ImportFailure[] }> {
  const items: ImportItem[] = [];
  const failed: ImportFailure[] = [];
  const visited = new Set<string>();
  const walk = async (path: string, tags: string[]): Promise<void> => {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      failed.push({ file: path, reason: describeFailure(error) });
      return;
    }
    if (info.isFile()) {
      items.push({ path, tags });
      return;
    }
    if (!info.isDirectory()) {
      failed.push({ file: path, reason: `${basename(path)} is neither a file nor a folder.` });
      return;
    }
    const real = await realpath(path);
    if (visited.has(real)) return; // a symlink back into a folder already walked
    visited.add(real);
    let entries: string[];
    try {
      entries = (await readdir(path)).sort();
    } catch (error) {
      failed.push({ file: path, reason: describeFailure(error) });
      return;
    }
    for (const entry of entries) {
      if (entry.startsWith('.')) continue;
      const child = join(path, entry);
      const childTags = options.tagsFromFolders ? [...tags, entry] : tags;
      await walk(child, childTags);
    }
  };
  for (const p of paths) {
    await walk(resolvePath(p), []);
  }
  // A folder's own name is a tag only for what is below it: strip the file name that walk added.
  if (options.tagsFromFolders) for (const item of items) item.tags = item.tags!.slice(0, -1);
  return { items, failed };
}
