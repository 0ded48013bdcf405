// The projects opened on this workstation, for the Welcome screen: newest first, at most 20.
// Like the reviewer name and the measured training speed, this belongs to the machine, not to
// a project: $XDG_CONFIG_HOME/atelier/recent-projects.json (else ~/.atelier/recent-projects.json),
// written atomically; a damaged file reads as an empty list and is replaced by the next open.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RecentProjectT } from '../../src-preload/contract';
import { writeAtomically } from '../datasets/atomic-write';

const MAX_RECENT = 20;
const DB_FILE = 'atelier.db';

export function recentProjectsFile(env: NodeJS.ProcessEnv = process.env): string {
  const config = env.XDG_CONFIG_HOME;
  return config ? join(config, 'atelier', 'recent-projects.json') : join(homedir(), '.atelier', 'recent-projects.json');
}

interface Entry {
  dir: string;
  name: string;
  openedAt: string;
}

export class RecentProjects {
  /** Writes go one after another, so two opens in a row both land. */
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly file: string = recentProjectsFile()) {}

  private read(): Entry[] {
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as { projects?: unknown };
      if (!Array.isArray(parsed.projects)) return [];
      return parsed.projects.filter(
        (p): p is Entry =>
          !!p &&
          typeof p === 'object' &&
          typeof (p as Entry).dir === 'string' &&
          typeof (p as Entry).name === 'string' &&
          typeof (p as Entry).openedAt === 'string',
      );
    } catch {
      return [];
    }
  }

  /** Changes the list on disk, each change after the one before (read, change, write), so none is lost. */
  private update(change: (entries: Entry[]) => Entry[]): Promise<void> {
    const next = this.writing.then(async () => {
      const entries = this.read();
      const changed = change(entries);
      if (changed !== entries) await writeAtomically(this.file, Buffer.from(`${JSON.stringify({ projects: changed }, null, 1)}\n`));
    });
    // A failed write only means the list is shorter next time; it never stops a project opening.
    this.writing = next.catch(() => {});
    return this.writing;
  }

  /** Resolves once every open so far is written down. */
  settled(): Promise<void> {
    return this.writing;
  }

  /** Newest first, each marked missing when its folder no longer holds a project. */
  list(): RecentProjectT[] {
    return this.read()
      .sort((a, b) => (a.openedAt < b.openedAt ? 1 : a.openedAt > b.openedAt ? -1 : 0))
      .map((p) => ({ ...p, missing: !existsSync(join(p.dir, DB_FILE)) }));
  }

  /** Puts a project at the top of the list (the same folder is listed once). */
  opened(dir: string, name: string, at: Date = new Date()): Promise<void> {
    const full = resolve(dir);
    return this.update((entries) => [{ dir: full, name, openedAt: at.toISOString() }, ...entries.filter((p) => resolve(p.dir) !== full)].slice(0, MAX_RECENT));
  }

  /** Takes a project off the list; its folder is not touched. */
  async forget(dir: string): Promise<RecentProjectT[]> {
    const full = resolve(dir);
    await this.update((entries) => {
      const kept = entries.filter((p) => resolve(p.dir) !== full);
      return kept.length === entries.length ? entries : kept;
    });
    return this.list();
  }
}
