// How long the starter project takes to import: every Twemoji PNG hashed,
// checked, decoded, stored and tagged. Prints numbers; never fails on a timing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Curation } from '../src-main/datasets/curation';
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
  console.log(
    `import starter: ${items.length} files → ${report.imported} assets (${report.duplicates} duplicates, ${report.failed.length} failed) in ${seconds.toFixed(2)} s = ${(items.length / seconds).toFixed(0)} files/s`,
  );
  // The review groups the Duplicates tab shows: centred on a keeper, same mean colour.
  for (const threshold of [2, 4, 6, 8]) {
    const t = performance.now();
    const groups = new Curation(project).duplicates(threshold);
    const sizes = groups.map((g) => g.ids.length).sort((a, b) => b - a);
    const proposed = sizes.reduce((a, b) => a + b, 0) - groups.length;
    console.log(
      `starter review groups at ${threshold} bits: ${groups.length} groups, ${proposed} images proposed for exclusion, largest ${sizes.slice(0, 3).join(', ')} (${(performance.now() - t).toFixed(0)} ms)`,
    );
  }
  project.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
