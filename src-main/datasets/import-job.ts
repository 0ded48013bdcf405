// One import as the studio runs it: the files and folders a person chose are
// expanded into items, imported into the open project with progress and an
// estimate of the time left, and the report is stored for the page to show.
import type { Project } from '../store/project';
import type { StoredImportReport } from '../store/imports';
import { Curation } from './curation';
import { collectImportItems, importFiles, type ImportFailure, type ImportReport } from './import';

export interface ImportJobOptions {
  tagsFromFolders: boolean;
  /** The largest image accepted, in megapixels. */
  maxMegapixels: number;
  /** How the report names a file (an uploaded file by the path the person picked, not where it was staged). */
  shownAs?: (file: string) => string;
}

export interface ImportJobHooks {
  /** Aborted when the person cancels: the images stored so far stay, the report says cancelled. */
  signal: AbortSignal;
  /** Each step of the import (step of total, and a line for people); total 0 while the files are being found. */
  onProgress(step: number, total: number, message: string): void;
}

/**
 * Finds and imports every image under `paths` into `project`, then saves its report
 * (also when cancelled). Throws only when the import as a whole fails; a bad file is
 * a line in the report.
 */
/** What an import job did: its stored report, the report's id, and the images it added (for drift). */
export interface ImportOutcome {
  report: StoredImportReport;
  reportId: number;
  assetIds: number[];
}

export async function runImport(project: Project, paths: readonly string[], options: ImportJobOptions, hooks: ImportJobHooks): Promise<ImportOutcome> {
  const startedAt = new Date().toISOString();
  const started = performance.now();
  hooks.onProgress(0, 0, 'Looking for images');
  const found = await collectImportItems([...paths], { tagsFromFolders: options.tagsFromFolders });
  const failed: ImportFailure[] = found.failed;
  let lastEmit = 0;
  const report: ImportReport = await importFiles(project, found.items, {
    signal: hooks.signal,
    maxPixels: Math.round(options.maxMegapixels * 1e6),
    split: new Curation(project).lockedSplit(),
    onProgress(done, total) {
      const now = performance.now();
      if (done < total && now - lastEmit < 100) return;
      lastEmit = now;
      const rate = done / Math.max(0.001, (now - started) / 1000);
      const left = (total - done) / Math.max(rate, 1e-9);
      hooks.onProgress(
        done,
        total,
        `${done.toLocaleString('en')} of ${total.toLocaleString('en')} · ${Math.round(rate).toLocaleString('en')} images/s · ${formatSeconds(left)} left`,
      );
    },
  });
  const cancelled = hooks.signal.aborted;
  const shownAs = options.shownAs ?? ((file: string) => file);
  const named = [...failed, ...report.failed].map((f) => ({ file: shownAs(f.file), reason: f.reason }));
  const stored = { cancelled, imported: report.imported, duplicates: report.duplicates, failed: named, seconds: report.seconds };
  const reportId = project.imports.save(stored, startedAt);
  return { report: stored, reportId, assetIds: report.assetIds };
}

/** The time left, as a person reads it: under a second, 12 s, 3 min. */
function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return 'a moment';
  if (s < 1) return 'under a second';
  if (s < 90) return `${Math.round(s)} s`;
  return `${Math.round(s / 60)} min`;
}
