// A project is one folder: atelier.db plus content-addressed assets, thumbnails,
// checkpoints and samples. Everything a team must never lose lives under it.
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { AtelierError } from '../errors';
import { AssetStore } from './assets';
import { openDatabase, type Db } from './db';
import { GenerationStore } from './generations';
import { ImportReportStore } from './imports';
import { ReviewStore } from './reviews';
import { EvaluationStore } from './evaluations';
import { FeatureStore } from './features';
import { RunStore } from './runs';

export const DB_FILE = 'atelier.db';
const FOLDERS = ['assets', 'thumbs', 'checkpoints', 'samples', 'cache', 'evaluations'] as const;

export interface ProjectSummary {
  dir: string;
  name: string;
  assetCount: number;
  tagCount: number;
  runCount: number;
  generationCount: number;
  checkpointCount: number;
  background: string;
}

export class Project {
  readonly assets: AssetStore;
  readonly runs: RunStore;
  readonly generations: GenerationStore;
  readonly imports: ImportReportStore;
  /** Evaluation's cache of image embeddings. */
  readonly features: FeatureStore;
  /** Evaluation results, drift reports and the published checkpoint. */
  readonly evaluations: EvaluationStore;
  /** Reviews, review queues, the preference model and feedback rounds. */
  readonly reviews: ReviewStore;

  private constructor(
    readonly dir: string,
    readonly db: Db,
  ) {
    this.assets = new AssetStore(db);
    this.runs = new RunStore(db);
    this.generations = new GenerationStore(db);
    this.imports = new ImportReportStore(db);
    this.features = new FeatureStore(db);
    this.evaluations = new EvaluationStore(db);
    this.reviews = new ReviewStore(db);
  }

  /**
   * Creates the folder layout and database in a new folder, or in an existing one
   * that is empty (not even dot-files), not hidden and not a system folder: a
   * project never lands in `~/.ssh`, `/etc` or a folder someone is using.
   */
  static create(dir: string): Project {
    const full = resolve(dir);
    refuseUnsafeProjectFolder(full);
    if (existsSync(full)) {
      if (!statSync(full).isDirectory()) throw new AtelierError('not-a-folder', `${full} exists and is not a folder.`);
      if (existsSync(join(full, DB_FILE))) throw new AtelierError('project-exists', `${full} already holds an Atelier project. Open it instead.`);
      const entries = readdirSync(full);
      if (entries.length > 0) {
        const hidden = entries.filter((e) => e.startsWith('.')).length;
        const what =
          hidden === entries.length ? `${entries.length} hidden item${entries.length === 1 ? '' : 's'}, such as ${entries[0]}` : `${entries.length} items`;
        throw new AtelierError('folder-not-empty', `${full} is not empty (${what}). Choose an empty or new folder for a project.`);
      }
    }
    makeFolder(full);
    for (const f of FOLDERS) makeFolder(join(full, f));
    const project = new Project(full, openDatabase(join(full, DB_FILE)));
    project.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run('name', basename(full));
    return project;
  }

  static open(dir: string): Project {
    const full = resolve(dir);
    if (!existsSync(join(full, DB_FILE))) {
      throw new AtelierError('not-a-project', `${full} is not an Atelier project: it has no ${DB_FILE}.`);
    }
    for (const f of FOLDERS) makeFolder(join(full, f));
    return new Project(full, openDatabase(join(full, DB_FILE)));
  }

  get name(): string {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'name'").get() as { value: string } | undefined;
    return row?.value ?? basename(this.dir);
  }

  /** The colour transparent originals are composited on for training. */
  get background(): string {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'background'").get() as { value: string } | undefined;
    return row?.value ?? '#ffffff';
  }

  meta(key: string): string | null {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined) ?? null;
  }

  setMeta(key: string, value: string | null): void {
    if (value === null) this.db.prepare('DELETE FROM meta WHERE key = ?').run(key);
    else this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  }

  path(projectFile: string): string {
    return join(this.dir, projectFile);
  }

  summary(): ProjectSummary {
    return {
      dir: this.dir,
      name: this.name,
      assetCount: this.assets.count(),
      tagCount: this.assets.tagCount(),
      runCount: this.runs.count(),
      generationCount: this.generations.count(),
      checkpointCount: this.runs.checkpointCount(),
      background: this.background,
    };
  }

  /** False once the project is closed (another was opened, or the engine stopped): late callbacks then write nothing. */
  get isOpen(): boolean {
    return this.db.open;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** Folders (and everything under them) a project is never created in. */
const SYSTEM_FOLDERS = [
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/proc',
  '/run',
  '/sbin',
  '/sys',
  '/usr',
  '/var/cache',
  '/var/lib',
  '/var/log',
  '/var/run',
  '/var/spool',
  '/System',
  '/Library',
  '/Applications',
  '/private/etc',
  '/private/var/db',
];

/**
 * Refuses hidden folders, system folders, the disk's root and the home folder itself.
 * Hidden means: a folder the project would create, the project folder itself, or the
 * existing folder it lands in starts with a dot (`~/.ssh/x`, `~/.config/atelier`); a
 * checkout that happens to live under a hidden folder further up may still hold projects.
 */
export function refuseUnsafeProjectFolder(full: string): void {
  const judged: string[] = [];
  let dir = full;
  for (;;) {
    judged.push(basename(dir));
    if (existsSync(dir) && dir !== full) break;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  const hidden = judged.find((part) => part.startsWith('.'));
  if (hidden) {
    throw new AtelierError('hidden-folder', `${full} is inside the hidden folder ${hidden}. Choose a visible folder for a project.`);
  }
  const posix = full.replace(/\\/g, '/');
  const windows = /^[a-z]:\/(windows|program files( \(x86\))?|programdata)(\/|$)/i.test(posix);
  const system = SYSTEM_FOLDERS.find((s) => posix === s || posix.startsWith(`${s}/`));
  if (system || windows) {
    throw new AtelierError('system-folder', `${full} is a system folder${system ? ` (under ${system})` : ''}. Choose a folder of your own for a project.`);
  }
  if (dirname(full) === full || full === resolve(homedir())) {
    throw new AtelierError(
      'system-folder',
      `${full} is ${dirname(full) === full ? 'the root of the disk' : 'your home folder'}. Choose a folder inside it for a project.`,
    );
  }
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir spins forever on paths
 * like /proc/x/y, and a person needs to know which folder could not be made.
 */
function makeFolder(path: string): void {
  const missing: string[] = [];
  let dir = path;
  while (!existsSync(dir)) {
    missing.unshift(dir);
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  for (const m of missing) {
    try {
      mkdirSync(m);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'the disk is read-only' : (error as Error).message;
      throw new AtelierError('cannot-create-folder', `Cannot create the folder ${m}: ${why}.`);
    }
  }
}
