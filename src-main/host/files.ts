// Serving project files to the page (web adapter and Electron protocol) without
// ever reading outside the folders the page may load from. One allow-list, one
// way to open, one set of response headers, for both doors.
import { constants, existsSync, realpathSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

/**
 * The image files the page shows, by the folder the project writes them into:
 * originals (assets/), thumbnails (thumbs/), generated images (samples/generated/),
 * exports and animations (exports/), and the samples a training run draws
 * (checkpoints/<run>/samples/). Nothing else of a project — atelier.db and its
 * -wal/-shm, checkpoint weights, the training cache, the lock — is ever served:
 * a second descriptor on the database, opened and closed inside the process that
 * holds it, would drop SQLite's POSIX locks.
 */
const SERVED_FOLDERS = ['assets', 'thumbs', 'samples', 'exports', 'evaluations'] as const;
const SERVED_UNDER_CHECKPOINTS = 'samples';

/** Content types of the files a project serves, by extension (all images a project stores). */
export const IMAGE_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.svg': 'image/svg+xml',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
};

/**
 * The policy every served project file carries: an imported SVG opened on its own
 * is a document with no scripts, no loads and a unique origin (as an <img> it runs
 * nothing anyway). Inline styles keep an SVG's own look.
 */
export const FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox";

/** Headers of every project-file response, in both doors. */
export function projectFileHeaders(type: string, size: number): Record<string, string> {
  return {
    'content-type': type,
    'content-length': String(size),
    'content-security-policy': FILE_CSP,
    'x-content-type-options': 'nosniff',
  };
}

/** The real path of `relative` inside `folder`, or null if it escapes it (.., symlinks) or does not exist. */
export function insideFolder(folder: string, relative: string): string | null {
  if (relative.includes('\0')) return null;
  let root: string;
  let real: string;
  try {
    root = realpathSync(folder);
    const candidate = resolve(root, relative);
    if (!existsSync(candidate)) return null;
    real = realpathSync(candidate);
  } catch {
    return null; // gone between the checks, or not readable
  }
  return real.startsWith(root + sep) ? real : null;
}

/**
 * Where a project file the page may load lives on disk, or null: `relative` is
 * the project-relative path with forward slashes (as the engine hands it to the
 * page). Only image files under the served folders qualify, with no empty, `.`
 * or `..` segment, no backslash and no NUL; symlinks may not lead out of the
 * served folder they sit in.
 */
export function servableProjectFile(projectDir: string, relative: string): string | null {
  if (relative.includes('\0') || relative.includes('\\')) return null;
  const parts = relative.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return null;
  if (!IMAGE_TYPES[extname(relative).toLowerCase()]) return null;
  let rootParts: string[];
  if ((SERVED_FOLDERS as readonly string[]).includes(parts[0]!)) rootParts = parts.slice(0, 1);
  else if (parts[0] === 'checkpoints' && parts[2] === SERVED_UNDER_CHECKPOINTS) rootParts = parts.slice(0, 3);
  else return null;
  const rest = parts.slice(rootParts.length);
  if (rest.length === 0) return null;
  const file = insideFolder(join(projectDir, ...rootParts), rest.join('/'));
  if (!file || /^atelier\.db/i.test(file.slice(file.lastIndexOf(sep) + 1))) return null;
  try {
    return statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

export interface OpenedFile {
  handle: FileHandle;
  size: number;
  type: string;
}

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * Opens a servable project file for reading, or null when the page may not have
 * it or it is not there (any more). The size and kind come from the opened
 * descriptor, so a file swapped or deleted after the path was checked is never
 * half-served. The caller owns the handle (a read stream closes it).
 */
export async function openProjectFile(projectDir: string, relative: string): Promise<OpenedFile | null> {
  const file = servableProjectFile(projectDir, relative);
  if (!file) return null;
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | NOFOLLOW);
  } catch {
    return null; // deleted, replaced by a link, or unreadable since it was resolved
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      await handle.close();
      return null;
    }
    return { handle, size: stats.size, type: IMAGE_TYPES[extname(file).toLowerCase()]! };
  } catch {
    await handle.close().catch(() => {});
    return null;
  }
}
