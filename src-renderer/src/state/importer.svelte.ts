// Importing from the Data view: one `assets:import` call at a time, its live
// `job:progress` events (kind 'import'), cancel, and the report that comes back.
import type { JobProgressT, OpOutput } from '../../../src-preload/contract';
import { api, errorMessage } from '../lib/api';
import { curation } from './curation.svelte';
import { jobs } from './jobs.svelte';
import { studio } from './studio.svelte';

export type ImportReport = NonNullable<OpOutput<'imports:latest'>>;

export class Importer {
  running = $state(false);
  jobId = $state<string | null>(null);
  fraction = $state(0);
  message = $state('');
  report = $state.raw<ImportReport | null>(null);
  /** True when `report` came from `imports:latest` rather than this session's import. */
  reportIsEarlier = $state(false);
  error = $state<string | null>(null);
  cancelling = $state(false);

  async loadLatest(): Promise<void> {
    if (this.running || this.report) return;
    try {
      const latest = await api.imports.latest();
      if (latest && !this.report) {
        this.report = latest;
        this.reportIsEarlier = true;
      }
    } catch (e) {
      this.error = errorMessage(e);
    }
  }

  async start(paths: string[], tagsFromFolders: boolean): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.cancelling = false;
    this.error = null;
    this.report = null;
    this.jobId = null;
    this.fraction = 0;
    this.message = 'Looking for images…';
    const stop = jobs.onProgress((p: JobProgressT) => {
      if (p.kind !== 'import') return;
      this.jobId = p.jobId;
      this.fraction = p.fraction;
      this.message = p.message;
    });
    try {
      this.report = await api.assets.import({ paths, tagsFromFolders });
      this.reportIsEarlier = false;
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      stop();
      this.running = false;
      this.jobId = null;
    }
    curation.afterImport();
    void studio.refresh().catch(() => {});
  }

  async cancel(): Promise<void> {
    if (!this.jobId) return;
    this.cancelling = true;
    try {
      await api.jobs.cancel({ jobId: this.jobId });
    } catch (e) {
      this.error = errorMessage(e);
      this.cancelling = false;
    }
  }
}

export const importer = new Importer();
