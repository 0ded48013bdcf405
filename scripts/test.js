// `npm test`: unit and integration tests (vitest), then a production build and
// the end-to-end tests (Playwright in Debian's Chromium against the headless studio).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (pkg, file) => join(root, 'node_modules', pkg, file);
const steps = [
  ['typecheck', bin('typescript', 'bin/tsc'), ['-p', 'tsconfig.node.json', '--noEmit']],
  ['typecheck e2e', bin('typescript', 'bin/tsc'), ['-p', 'tsconfig.e2e.json', '--noEmit']],
  ['svelte-check', bin('svelte-check', 'bin/svelte-check'), ['--tsconfig', 'tsconfig.web.json', '--fail-on-warnings']],
  ['unit + integration', bin('vitest', 'vitest.mjs'), ['run']],
  ['build', bin('electron-vite', 'bin/electron-vite.js'), ['build']],
  ['end-to-end', bin('@playwright/test', 'cli.js'), ['test']],
];
for (const [name, script, args] of steps) {
  console.log(`\n▶ ${name}`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [script, ...args], { cwd: root, stdio: 'inherit' });
  console.log(`◀ ${name}: ${r.status === 0 ? 'ok' : `failed (exit ${r.status})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (r.status !== 0) process.exit(r.status ?? 1);
}
