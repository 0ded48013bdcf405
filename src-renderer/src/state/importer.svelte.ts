// Importing from the Data view: one `assets:import` call at a time, its live
// `job:progress` events (kind 'import'), cancel, and the report that comes back. In a
// browser, picked or dropped files are uploaded to the studio first (uploads:import then
// imports them as a typed path would be).
import type { JobProgressT, OpOutput } from '../../../src-preload/contract';
import { api, errorMessage, quietApi } from '../lib/api';
import type { PickedFile } from '../lib/picked-files';
import { uploadFile } from '../lib/web-transport';
import { Uploader } from './uploader.svelte';
import { curation } from './curation.svelte';
import { jobs } from './jobs.svelte';
import { studio } from './studio.svelte';

export type ImportReport = NonNullable<OpOutput<'imports:latest'>>;

export class Importer {
  running = $state(false);
  jobId = $state<string | null>(null);
  /** The files being uploaded before their import (a browser's picks and drops). */
  readonly uploader = new Uploader(quietApi.uploads, uploadFile);
  private importFraction = $state(0);
  private importMessage = $state('');
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

  /** True while files are being uploaded (before the import job starts). */
  get uploading(): boolean {
    return this.uploader.running;
  }

  get fraction(): number {
    return this.uploading ? this.uploader.fraction : this.importFraction;
  }

  get message(): string {
    return this.uploading ? this.uploader.message : this.importMessage;
  }

  /** Whether Cancel can act now: during the upload, or once the import job is known. */
  get cancellable(): boolean {
    return !this.cancelling && (this.uploading || this.jobId !== null);
  }

  async start(paths: string[], tagsFromFolders: boolean): Promise<void> {
    if (this.running) return;
    this.begin();
    await this.importing(() => api.assets.import({ paths, tagsFromFolders }));
  }

  /** Uploads files picked or dropped in a browser, then imports them with the same report. */
  async upload(picked: PickedFile[], tagsFromFolders: boolean): Promise<void> {
    if (this.running) return;
    this.begin();
    if (picked.length === 0) {
      this.error = 'There is nothing to import here: no files were chosen (hidden files are left out).';
      this.running = false;
      return;
    }
    const uploadId = await this.uploader.send(picked);
    if (uploadId === null) {
      this.error = this.uploader.error;
      this.running = false;
      this.cancelling = false;
      return;
    }
    await this.importing(() => api.uploads.import({ uploadId, tagsFromFolders }));
  }

  private begin(): void {
    this.running = true;
    this.cancelling = false;
    this.error = null;
    this.report = null;
    this.jobId = null;
    this.importFraction = 0;
    this.importMessage = 'Looking for images…';
  }

  private async importing(run: () => Promise<ImportReport>): Promise<void> {
    const stop = jobs.onProgress((p: JobProgressT) => {
      if (p.kind !== 'import') return;
      this.jobId = p.jobId;
      this.importFraction = p.fraction;
      this.importMessage = p.message;
    });
    try {
      this.report = await run();
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
    if (this.uploading) {
      this.cancelling = true;
      this.uploader.cancel();
      return;
    }
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
