// Writing a project bundle: one zip holding a consistent snapshot of the database (taken while
// the studio keeps working), the originals, thumbnails, checkpoints, run samples, generated
// images and evaluation evidence, a model card, and manifest.json with every member's SHA-256.
// Everything streams from disk to the archive a megabyte at a time, so a 10 GB project never
// sits in memory; the bundle is written under a temporary name and renamed when complete, so a
// cancel or a crash leaves no file that looks like a bundle.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { AtelierError } from '../errors';
import type { Project } from '../store/project';
import { schemaVersion } from '../store/db';
import { checkpointFolders, countsOfFile, snapshotDatabase, trimSnapshot, type SnapshotCounts } from '../store/snapshot';
import { BUNDLE_CARD, BUNDLE_DB, BUNDLE_FORMAT, BUNDLE_VERSION, MANIFEST, type CheckpointChoiceT, type ManifestEntryT, type ManifestT } from './manifest';
import { ByteProgress, megabytes, type OnProgress } from './progress';
import { ZipWriter } from './zip-writer';

/** The project folders a bundle carries (the feature cache, logs and gallery exports are not: they are remade or personal). */
export const BUNDLED_FOLDERS = ['assets', 'thumbs', 'checkpoints', 'samples', 'evaluations'] as const;
/** Where generated images live: left out with `generations: false`. */
const GENERATED = 'samples/generated/';
/** Members worth deflating; images and weights are stored as they are (they barely shrink). */
const COMPRESSIBLE = /\.(json|html|txt|csv|svg|log)$/i;

export interface ExportOptions {
  generations: boolean;
  checkpoints: CheckpointChoiceT;
  /** The Atelier version written into the manifest. */
  atelier: string;
  /** The model card to include, rendered from the project (null when it has no checkpoint). */
  modelCard?: () => string | null;
  signal?: AbortSignal;
  onProgress?: OnProgress;
}

export interface ExportResult {
  file: string;
  bytes: number;
  members: number;
  seconds: number;
  omittedCheckpoints: number[];
  counts: SnapshotCounts;
  notes: string[];
}

interface Member {
  name: string;
  path: string;
  bytes: number;
}

export async function exportBundle(project: Project, out: string, options: ExportOptions): Promise<ExportResult> {
  const started = performance.now();
  const file = resolve(out);
  const notes: string[] = [];
  if (existsSync(file)) throw new AtelierError('file-exists', `${file} already exists. Choose another name for the bundle; Atelier does not overwrite files.`);
  const inProject = relative(project.dir, file);
  if (!inProject.startsWith('..') && BUNDLED_FOLDERS.some((f) => inProject === f || inProject.startsWith(`${f}${sep}`))) {
    throw new AtelierError(
      'invalid-input',
      `${file} is inside the project's ${inProject.split(sep)[0]} folder, which the bundle itself carries. Save it elsewhere.`,
    );
  }
  await mkdir(dirname(file), { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new AtelierError('cannot-create-folder', `Cannot create the folder ${dirname(file)} for the bundle: ${error.code ?? error.message}.`);
  });

  // Which checkpoints' weights travel.
  const checkpoints = checkpointFolders(project.db);
  let kept: Set<number>;
  if (options.checkpoints === 'all') kept = new Set(checkpoints.map((c) => c.id));
  else if (options.checkpoints === 'none') kept = new Set();
  else {
    const published = project.evaluations.published();
    const newest = checkpoints.at(-1)?.id;
    const chosen = published ?? newest;
    kept = new Set(chosen === undefined ? [] : [chosen]);
    if (published === null && newest !== undefined) notes.push(`No checkpoint is published; the newest (checkpoint ${newest}) travels instead.`);
  }
  const omitted = checkpoints.filter((c) => !kept.has(c.id));
  const omittedDirs = omitted.map((c) => `${c.dir.replace(/\/+$/, '')}/`);

  const scratch = mkdtempSync(join(tmpdir(), 'atelier-bundle-'));
  const partial = join(dirname(file), `.${basename(file)}.partial-${randomBytes(4).toString('hex')}`);
  try {
    // 1. The database, as it is at this moment, trimmed to what travels.
    options.onProgress?.(0, 1, 'Copying the database');
    const snapshot = join(scratch, BUNDLE_DB);
    await snapshotDatabase(project.db, snapshot, (done, total) =>
      options.onProgress?.(0, 1, `Copying the database (${Math.round((100 * done) / Math.max(1, total))}%)`),
    );
    options.signal?.throwIfAborted();
    trimSnapshot(snapshot, { generations: options.generations });
    const counts = countsOfFile(snapshot);

    // 2. The files, listed before a byte is written so the bar knows the total.
    options.onProgress?.(0, 1, 'Listing the files');
    const members: Member[] = [{ name: BUNDLE_DB, path: snapshot, bytes: (await stat(snapshot)).size }];
    for (const folder of BUNDLED_FOLDERS) {
      for await (const m of walk(project.dir, folder)) {
        if (!options.generations && m.name.startsWith(GENERATED)) continue;
        if (omittedDirs.some((d) => m.name.startsWith(d))) continue;
        members.push(m);
      }
      options.signal?.throwIfAborted();
    }
    const card = options.modelCard?.() ?? null;
    const cardBytes = card === null ? null : Buffer.from(card, 'utf8');
    const total = members.reduce((n, m) => n + m.bytes, 0) + (cardBytes?.length ?? 0);

    // 3. The archive.
    const progress = new ByteProgress(total, 'Packing', options.onProgress);
    const handle = await open(partial, 'wx');
    const entries: ManifestEntryT[] = [];
    try {
      const zip = new ZipWriter(handle);
      for (const [i, m] of members.entries()) {
        const what = `${(i + 1).toLocaleString('en')} of ${members.length.toLocaleString('en')} files`;
        const written = await zip
          .addFile(m.name, m.path, {
            compress: m.name === BUNDLE_DB || COMPRESSIBLE.test(m.name),
            expectedBytes: m.bytes,
            ...(options.signal ? { signal: options.signal } : {}),
            onBytes: (n) => progress.add(n, what),
          })
          .catch((error: NodeJS.ErrnoException) => {
            if (options.signal?.aborted) throw error;
            // A file the studio removed while we listed (a cancelled run's last sample): the bundle goes on without it.
            if (error.code === 'ENOENT') return null;
            throw new AtelierError('io', `Cannot read ${m.name} from the project: ${error.message}`);
          });
        if (written) entries.push({ path: written.name, bytes: written.bytes, sha256: written.sha256 });
      }
      if (cardBytes) {
        const written = await zip.addBytes(BUNDLE_CARD, cardBytes, { compress: true });
        progress.add(cardBytes.length, 'the model card');
        entries.push({ path: written.name, bytes: written.bytes, sha256: written.sha256 });
      }
      const manifest: ManifestT = {
        format: BUNDLE_FORMAT,
        version: BUNDLE_VERSION,
        createdAt: new Date().toISOString(),
        atelier: options.atelier,
        schema: schemaVersion(project.db),
        project: { name: project.name },
        options: { generations: options.generations, checkpoints: options.checkpoints },
        omittedCheckpoints: omitted.map((c) => c.id),
        counts,
        entries,
      };
      await zip.addBytes(MANIFEST, Buffer.from(JSON.stringify(manifest, null, 1), 'utf8'), { compress: true });
      await zip.finish();
      await handle.sync();
    } finally {
      await handle.close();
    }
    options.signal?.throwIfAborted();
    if (existsSync(file)) throw new AtelierError('file-exists', `${file} appeared while the bundle was being written; the bundle was not saved over it.`);
    await rename(partial, file);
    const bytes = (await stat(file)).size;
    progress.say(`${(entries.length + 1).toLocaleString('en')} files`);
    if (omitted.length > 0)
      notes.push(
        `${omitted.length} checkpoint${omitted.length === 1 ? "'s weights were" : "s' weights were"} left out (--checkpoints ${options.checkpoints}).`,
      );
    if (!options.generations) notes.push('Generated images, their reviews and review queues were left out.');
    notes.push(`${megabytes(bytes)} in ${entries.length + 1} files.`);
    return {
      file,
      bytes,
      members: entries.length + 1,
      seconds: (performance.now() - started) / 1000,
      omittedCheckpoints: omitted.map((c) => c.id),
      counts,
      notes,
    };
  } catch (error) {
    await rm(partial, { force: true });
    if (options.signal?.aborted) throw new AtelierError('cancelled', `The export to ${file} was cancelled; nothing was written.`);
    throw error;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Regular files under `folder` (project-relative names with '/'), never following links, skipping temporary dot-names. */
async function* walk(root: string, folder: string): AsyncGenerator<Member> {
  const stack = [folder];
  while (stack.length > 0) {
    const rel = stack.pop()!;
    let items;
    try {
      items = await readdir(join(root, rel), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const item of items) {
      if (item.name.startsWith('.')) continue;
      const name = `${rel}/${item.name}`;
      if (item.isDirectory()) stack.push(name);
      else if (item.isFile()) {
        const path = join(root, name);
        const bytes = (await stat(path).catch(() => null))?.size;
        if (bytes !== undefined) yield { name, path, bytes };
      }
    }
  }
}
