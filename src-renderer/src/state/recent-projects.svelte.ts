// The Welcome screen's recent projects: the projects opened on this workstation, newest first,
// opened with one click; one whose folder has gone is shown as missing and can be taken off the
// list (its folder, wherever it went, is never touched).
import type { Api } from '../../../src-preload/api';
import type { ProjectSummaryT, RecentProjectT } from '../../../src-preload/contract';
import { errorMessage } from '../lib/errors';

export class RecentProjects {
  items = $state.raw<RecentProjectT[]>([]);
  loaded = $state(false);
  /** The folder being opened, or null. */
  opening = $state<string | null>(null);
  /** What went wrong, and with which folder (null for the list itself). */
  error = $state<{ dir: string | null; message: string } | null>(null);

  constructor(private readonly api: Pick<Api, 'projects' | 'project'>) {}

  async load(): Promise<void> {
    try {
      this.items = await this.api.projects.recent();
      this.error = null;
    } catch (e) {
      this.error = { dir: null, message: errorMessage(e) };
    } finally {
      this.loaded = true;
    }
  }

  /** Opens a listed project; null when it could not be (the error says why, beside its row). */
  async open(dir: string): Promise<ProjectSummaryT | null> {
    if (this.opening) return null;
    this.opening = dir;
    this.error = null;
    try {
      return await this.api.project.open({ dir });
    } catch (e) {
      this.error = { dir, message: errorMessage(e) };
      // It may have gone since the list was read: show it as it is now.
      await this.load();
      if (this.error === null) this.error = { dir, message: errorMessage(e) };
      return null;
    } finally {
      this.opening = null;
    }
  }

  async forget(dir: string): Promise<void> {
    try {
      this.items = await this.api.projects.forget({ dir });
      if (this.error?.dir === dir) this.error = null;
    } catch (e) {
      this.error = { dir, message: errorMessage(e) };
    }
  }
}

/** How long ago, in words: "just now", "5 min ago", "3 h ago", "yesterday", "12 days ago", else the date. */
export function openedAgo(iso: string, now: Date = new Date()): string {
  const then = new Date(iso);
  const seconds = (now.getTime() - then.getTime()) / 1000;
  if (!Number.isFinite(seconds)) return iso;
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  const days = Math.floor(seconds / 86400);
  if (days === 1) return 'yesterday';
  if (days < 30) return `${days} days ago`;
  return then.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}
