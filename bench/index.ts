// `npm run bench`: every benchmark, one after another (never in parallel: they
// would measure each other). Prints numbers; a slow result never fails.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const benches = [
  'import-starter.ts',
  'curation.ts',
  'curation-100k.ts',
  'grid-memory.ts',
  'train-throughput.ts',
  'sampling.ts',
  'generate-press.ts',
  'gallery-100k.ts',
  'evaluation.ts',
  'evaluation-budget.ts',
  'bundle.ts',
];
for (const file of benches) {
  const path = fileURLToPath(new URL(file, import.meta.url));
  if (!existsSync(path)) continue;
  console.log(`\n── ${file}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path], { stdio: 'inherit' });
  if (r.status !== 0) console.log(`(${file} exited with ${r.status}; continuing)`);
}
