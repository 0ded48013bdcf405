// Files a browser sends to the headless studio for an import: a page cannot name paths
// on disk, so it declares the files it will send (relative names, as picked or dropped,
// folders included), sends each one's bytes, and asks for the import. The bytes are
// staged in a folder of their own inside the project (`.uploads/<id>/`), with the same
// folder structure, so the import finds the same folder tags as a typed path would; the
// folder is removed once the import ends, fails or is discarded.
//
// A name is a relative path of plain parts: never absolute, never `..` or `.`, no NUL or
// control characters, no backslashes or drive letters (nor, on Windows, colons). Every name, size and count is
// checked when the upload is declared, and again on the bytes that arrive.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm, rmdir, unlink } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { AtelierError } from '../errors';

export interface UploadLimits {
  /** Most bytes one file may have. */
  maxFileBytes: number;
  /** Most files one upload may hold. */
  maxFiles: number;
  /** Most bytes all files of one upload may have together. */
  maxTotalBytes: number;
}

/** 512 MB a file (a zip of artwork), 20,000 files and 8 GB an upload. */
export const DEFAULT_UPLOAD_LIMITS: UploadLimits = { maxFileBytes: 512 * 2 ** 20, maxFiles: 20_000, maxTotalBytes: 8 * 2 ** 30 };

/** The folder inside a project that uploads are staged in. */
export const STAGING_FOLDER = '.uploads';
const MAX_NAME_LENGTH = 1024;
const MAX_PART_LENGTH = 255;
const MAX_DEPTH = 32;
/** A staging folder left this long by no live upload is a leftover. */
const STALE_MS = 60 * 60 * 1000;

export interface DeclaredFile {
  /** The path relative to what was picked or dropped: `knight.png`, `characters/knight/a.png`. */
  name: string;
  bytes: number;
}

interface Session {
  id: string;
  projectDir: string;
  dir: string;
  files: Map<string, { bytes: number; received: boolean; receiving: boolean }>;
}

/**
 * The parts of a file name a page sent, or an error naming it. Refused: empty names and
 * parts, absolute paths, `.` and `..`, NUL and other control characters, backslashes,
 * drive letters (on Windows any colon), and names too long or too deep.
 */
export function uploadNameParts(name: string): string[] {
  const refuse = (why: string): never => {
    throw new AtelierError('invalid-input', `${JSON.stringify(name.slice(0, 200))} cannot be uploaded: ${why}.`);
  };
  if (name.length === 0) refuse('it has no name');
  if (name.length > MAX_NAME_LENGTH) refuse(`its path is longer than ${MAX_NAME_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) refuse('its name holds a NUL or another control character');
  if (name.includes('\\')) refuse('its name holds a backslash');
  if (/^[a-zA-Z]:/.test(name)) refuse('it starts with a drive letter; only names relative to what was picked are taken');
  // A colon is a plain character on Linux and macOS; on Windows it names a drive or a stream.
  if (process.platform === 'win32' && name.includes(':')) refuse('its name holds a colon');
  if (name.startsWith('/')) refuse('it is an absolute path; only names relative to what was picked are taken');
  const parts = name.split('/');
  if (parts.length > MAX_DEPTH) refuse(`it is more than ${MAX_DEPTH} folders deep`);
  for (const part of parts) {
    if (part === '') refuse('its path has an empty part (“//” or a trailing “/”)');
    if (part === '.' || part === '..') refuse('its path holds “.” or “..”');
    if (Buffer.byteLength(part) > MAX_PART_LENGTH) refuse(`“${part.slice(0, 40)}…” is longer than ${MAX_PART_LENGTH} bytes`);
  }
  return parts;
}

const formatBytes = (n: number) =>
  n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GB` : n >= 2 ** 20 ? `${Math.round(n / 2 ** 20)} MB` : `${Math.round(n / 1024)} KB`;

export class Uploads {
  private readonly sessions = new Map<string, Session>();

  constructor(readonly limits: UploadLimits = DEFAULT_UPLOAD_LIMITS) {}

  /**
   * Checks every file an upload will send and makes its staging folder inside `projectDir`. With
   * `uploadId`, the files join that upload (a page declares a large folder in parts, each call
   * small enough for the API's body limit); the limits count the whole upload.
   */
  async begin(projectDir: string, files: readonly DeclaredFile[], uploadId?: string): Promise<{ uploadId: string; maxFileBytes: number }> {
    const { maxFileBytes, maxFiles, maxTotalBytes } = this.limits;
    const session = uploadId === undefined ? null : this.session(uploadId);
    if (session && session.projectDir !== projectDir)
      throw new AtelierError('invalid-state', 'This upload was made for another project; choose the files again.');
    if (files.length === 0) throw new AtelierError('invalid-input', 'There is nothing to upload: no files were chosen.');
    const declared = new Map(session?.files ?? []);
    const count = declared.size + files.length;
    if (count > maxFiles)
      throw new AtelierError(
        'too-large',
        `${count.toLocaleString('en')} files is more than one upload takes (${maxFiles.toLocaleString('en')}); import them in parts.`,
      );
    let total = [...declared.values()].reduce((sum, f) => sum + f.bytes, 0);
    for (const file of files) {
      uploadNameParts(file.name);
      if (!Number.isSafeInteger(file.bytes) || file.bytes < 0) throw new AtelierError('invalid-input', `${file.name} has no valid size.`);
      if (file.bytes > maxFileBytes)
        throw new AtelierError('too-large', `${file.name} is ${formatBytes(file.bytes)}, more than the ${formatBytes(maxFileBytes)} a file may have.`);
      if (declared.has(file.name)) throw new AtelierError('invalid-input', `${file.name} is in the upload twice.`);
      declared.set(file.name, { bytes: file.bytes, received: false, receiving: false });
      total += file.bytes;
    }
    const folders = new Set<string>();
    for (const name of declared.keys()) {
      const parts = name.split('/');
      for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/'));
    }
    for (const name of declared.keys()) {
      if (folders.has(name)) throw new AtelierError('invalid-input', `${name} is both a file and a folder in the upload.`);
    }
    if (total > maxTotalBytes)
      throw new AtelierError(
        'too-large',
        `These files hold ${formatBytes(total)}, more than one upload takes (${formatBytes(maxTotalBytes)}); import them in parts.`,
      );
    if (session) {
      session.files = declared;
      return { uploadId: session.id, maxFileBytes };
    }

    const root = join(projectDir, STAGING_FOLDER);
    await this.sweep(projectDir);
    await mkdir(root, { recursive: true });
    // A link planted in the project's place of the staging folder would send the files elsewhere.
    const info = await lstat(root);
    if (!info.isDirectory() || info.isSymbolicLink()) throw new AtelierError('io', `${root} is not a plain folder; remove it to upload.`);
    const id = randomBytes(12).toString('hex');
    const dir = join(root, id);
    await mkdir(dir);
    this.sessions.set(id, { id, projectDir, dir, files: declared });
    return { uploadId: id, maxFileBytes };
  }

  /**
   * Streams one declared file's bytes into the staging folder (under a temporary name until
   * all of them are there). More bytes than declared (or than the limit) are refused with an
   * error naming the file; the rest of the body is left to the caller.
   */
  async receive(uploadId: string, name: string, body: Readable): Promise<{ bytes: number }> {
    const session = this.session(uploadId);
    const parts = uploadNameParts(name);
    const file = session.files.get(name);
    if (!file) throw new AtelierError('invalid-input', `${name} was not declared when this upload began.`);
    if (file.received || file.receiving) throw new AtelierError('invalid-input', `${name} was already sent in this upload.`);
    const target = resolve(session.dir, ...parts);
    if (!target.startsWith(session.dir + sep)) throw new AtelierError('invalid-input', `${name} cannot be uploaded: its path leaves the upload.`);
    file.receiving = true;
    const limit = Math.min(file.bytes, this.limits.maxFileBytes);
    const partial = `${target}.${process.pid}.part`;
    let written = 0;
    try {
      await mkdir(resolve(target, '..'), { recursive: true });
      await new Promise<void>((done, fail) => {
        const out = createWriteStream(partial, { flags: 'wx' });
        let failed = false;
        const stop = (error: Error) => {
          if (failed) return;
          failed = true;
          body.unpipe(out);
          out.destroy();
          fail(error);
        };
        body.on('data', (chunk: Buffer) => {
          written += chunk.length;
          if (written > limit) {
            stop(
              new AtelierError(
                'too-large',
                written > this.limits.maxFileBytes
                  ? `${name} is larger than the ${formatBytes(this.limits.maxFileBytes)} a file may have.`
                  : `${name} sent more than the ${file.bytes.toLocaleString('en')} bytes it declared.`,
              ),
            );
          }
        });
        body.on('error', (error) => stop(new AtelierError('io', `${name} did not arrive whole: ${error.message}`)));
        body.on('aborted', () => stop(new AtelierError('io', `${name} did not arrive whole: the page stopped sending it.`)));
        out.on('error', (error) => stop(new AtelierError('io', `${name} could not be written to the upload folder: ${error.message}`)));
        out.on('close', () => {
          if (failed) return;
          if (written !== file.bytes) return stop(new AtelierError('io', `${name} did not arrive whole: ${written} of ${file.bytes} bytes.`));
          done();
        });
        body.pipe(out);
      });
      await rename(partial, target);
    } catch (error) {
      await unlink(partial).catch(() => {});
      throw error;
    } finally {
      file.receiving = false;
    }
    file.received = true;
    return { bytes: written };
  }

  /** What the import reads: each file or folder at the top of the upload, once every declared file arrived. */
  async roots(uploadId: string, projectDir: string): Promise<string[]> {
    const session = this.session(uploadId);
    if (session.projectDir !== projectDir) throw new AtelierError('invalid-state', 'This upload was made for another project; choose the files again.');
    const missing = [...session.files].filter(([, f]) => !f.received).map(([name]) => name);
    if (missing.length > 0) {
      const shown = missing.slice(0, 3).join(', ') + (missing.length > 3 ? ` and ${missing.length - 3} more` : '');
      throw new AtelierError('missing-file', `The upload is not complete: ${shown} did not arrive. Choose the files again.`);
    }
    return (await readdir(session.dir)).sort().map((entry) => join(session.dir, entry));
  }

  /** A path inside the upload as the person named it (`characters/knight/a.png`); other paths unchanged. */
  shown(uploadId: string, path: string): string {
    const session = this.sessions.get(uploadId);
    if (!session || !path.startsWith(session.dir + sep)) return path;
    return relative(session.dir, path).split(sep).join('/');
  }

  /** Removes an upload's staging folder (its files were imported, or are no longer wanted). */
  async discard(uploadId: string): Promise<boolean> {
    const session = this.sessions.get(uploadId);
    if (!session) return false;
    this.sessions.delete(uploadId);
    await rm(session.dir, { recursive: true, force: true });
    await rmdir(join(session.projectDir, STAGING_FOLDER)).catch(() => {}); // only when empty
    return true;
  }

  /** Every upload of every project, for a studio that closes or opens another project. */
  async discardAll(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((id) => this.discard(id)));
  }

  /**
   * Staging folders of `projectDir` no upload of this studio owns and untouched for an hour: left
   * by a studio that stopped mid-way (a younger one may be another engine's upload in progress).
   */
  private async sweep(projectDir: string): Promise<void> {
    const root = join(projectDir, STAGING_FOLDER);
    const mine = new Set([...this.sessions.values()].filter((s) => s.projectDir === projectDir).map((s) => s.id));
    let entries: string[];
    try {
      entries = await readdir(root);
    } catch {
      return;
    }
    for (const entry of entries) {
      if (mine.has(entry)) continue;
      const info = await lstat(join(root, entry)).catch(() => null);
      if (info && Date.now() - info.mtimeMs > STALE_MS) await rm(join(root, entry), { recursive: true, force: true });
    }
  }

  private session(uploadId: string): Session {
    const session = this.sessions.get(uploadId);
    if (!session) throw new AtelierError('not-found', 'This upload is not known to the studio (it ended, or the studio restarted); choose the files again.');
    return session;
  }
}
