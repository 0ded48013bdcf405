// Import reports: what each import brought in and, file by file, what it refused and why.
import type { Db } from './db';

export interface StoredImportReport {
  cancelled: boolean;
  imported: number;
  duplicates: number;
  failed: { file: string; reason: string }[];
  seconds: number;
}

export class ImportReportStore {
  constructor(private readonly db: Db) {}

  save(report: StoredImportReport, startedAt: string): number {
    let id = 0;
    this.db.transaction(() => {
      id = Number(
        this.db
          .prepare(
            `INSERT INTO import_reports (started_at, finished_at, imported, duplicates, failed, cancelled, seconds)
             VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?, ?, ?, ?, ?)`,
          )
          .run(startedAt, report.imported, report.duplicates, report.failed.length, report.cancelled ? 1 : 0, report.seconds).lastInsertRowid,
      );
      const failure = this.db.prepare('INSERT INTO import_failures (report_id, file, reason) VALUES (?, ?, ?)');
      for (const f of report.failed) failure.run(id, f.file, f.reason);
    })();
    return id;
  }

  latest(): StoredImportReport | null {
    const row = this.db.prepare('SELECT id, imported, duplicates, cancelled, seconds FROM import_reports ORDER BY id DESC LIMIT 1').get() as
      { id: number; imported: number; duplicates: number; cancelled: number; seconds: number } | undefined;
    if (!row) return null;
    const failed = this.db.prepare('SELECT file, reason FROM import_failures WHERE report_id = ? ORDER BY rowid').all(row.id) as {
      file: string;
      reason: string;
    }[];
    return { cancelled: row.cancelled === 1, imported: row.imported, duplicates: row.duplicates, failed, seconds: row.seconds };
  }
}
