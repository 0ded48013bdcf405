// `npm test`: lint (ESLint) and format (Prettier) checks, types, the production build,
// unit and integration tests (vitest, the house's import rules among them; the headless
// studio's tests serve the built page), then the end-to-end tests (Playwright in
// Debian's Chromium against the headless studio).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (pkg, file) => join(root, 'node_modules', pkg, file);

/**
 * The checks read the tree and write nothing, and each is mostly one thread: they run side by
 * side (≈ 25 s on two cores instead of ≈ 45 s one after another), each one's output printed whole
 * when it ends.
 */
const checks = [
  ['lint', bin('eslint', 'bin/eslint.js'), ['.', '--max-warnings', '0']],
  [
    'format',
    bin('prettier', 'bin/prettier.cjs'),
    ['--check', '--log-level', 'warn', 'src-main', 'src-preload', 'src-renderer', 'test', 'bench', 'scripts', '*.ts', '*.js', '*.json'],
  ],
  ['typecheck', bin('typescript', 'bin/tsc'), ['-p', 'tsconfig.node.json', '--noEmit']],
  ['typecheck e2e', bin('typescript', 'bin/tsc'), ['-p', 'tsconfig.e2e.json', '--noEmit']],
  ['svelte-check', bin('svelte-check', 'bin/svelte-check'), ['--tsconfig', 'tsconfig.web.json', '--fail-on-warnings']],
];
const steps = [
  ['build', bin('electron-vite', 'bin/electron-vite.js'), ['build']],
  ['unit + integration', bin('vitest', 'vitest.mjs'), ['run', '--reporter=default', '--reporter=json', '--outputFile.json=test-results/vitest.json']],
  ['end-to-end', bin('@playwright/test', 'cli.js'), ['test']],
];
rmSync(join(root, 'test-results'), { recursive: true, force: true });

const checked = Date.now();
console.log(`\n▶ checks: ${checks.map(([name]) => name).join(', ')} (side by side)`);
const results = await Promise.all(checks.map(([name, script, args]) => check(name, script, args)));
const failedChecks = results.filter((status) => status !== 0);
console.log(`◀ checks: ${failedChecks.length ? `${failedChecks.length} failed` : 'ok'} in ${seconds(checked)}`);
if (failedChecks.length) {
  summary();
  process.exit(1);
}

for (const [name, script, args] of steps) {
  console.log(`\n▶ ${name}`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [script, ...args], { cwd: root, stdio: 'inherit' });
  console.log(`◀ ${name}: ${r.status === 0 ? 'ok' : `failed (exit ${r.status})`} in ${seconds(started)}`);
  if (r.status !== 0) {
    summary();
    process.exit(r.status ?? 1);
  }
}
summary();

/** One check in the background; its output is printed in one piece when it ends, with its time. */
function check(name, script, args) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => out.push(d));
    child.on('close', (code) => {
      const text = Buffer.concat(out).toString().trimEnd();
      console.log(`  ${name}: ${code === 0 ? 'ok' : `failed (exit ${code})`} in ${seconds(started)}${text ? `\n${text}` : ''}`);
      resolve(code);
    });
  });
}

function seconds(since) {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

/** One closing line over both runners: "N passed, N failed". */
function summary() {
  const read = (file) => (existsSync(join(root, file)) ? JSON.parse(readFileSync(join(root, file), 'utf8')) : null);
  const unit = read('test-results/vitest.json');
  const e2e = read('test-results/playwright.json');
  const passed = (unit?.numPassedTests ?? 0) + (e2e?.stats?.expected ?? 0) + (e2e?.stats?.flaky ?? 0);
  const failed = (unit?.numFailedTests ?? 0) + (e2e?.stats?.unexpected ?? 0);
  const skipped = (unit?.numPendingTests ?? 0) + (unit?.numTodoTests ?? 0) + (e2e?.stats?.skipped ?? 0);
  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
}
