// How long the starter project takes to import: every Twemoji PNG hashed,
// checked, decoded, stored and tagged. Prints numbers; never fails on a timing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importFiles } from '../src-main/datasets/import';
import { starterItems } from '../src-main/datasets/starter';
import { Project } from '../src-main/store/project';

const dir = mkdtempSync(join(tmpdir(), 'atelier-bench-import-'));
try {
  const items = starterItems();
  const project = Project.create(join(dir, 'starter'));
  const started = performance.now();
  const report = await importFiles(project, items);
  const seconds = (performance.now() - started) / 1000;
  project.close();
  console.log(
    `import starter: ${items.length} files → ${report.imported} assets (${report.duplicates} duplicates, ${report.failed.length} failed) in ${seconds.toFixed(2)} s = ${(items.length / seconds).toFixed(0)} files/s`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
