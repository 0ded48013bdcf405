import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// Tests never read or write the person's own settings (the workstation's reviewer name): a
// folder of their own stands in for ~/.config. A test that needs a name gives its studio a Workstation.
const CONFIG_HOME = mkdtempSync(join(tmpdir(), 'atelier-test-config-'));

/**
 * The slowest files (tens of seconds, mostly in child processes), longest first. Without a timings
 * cache (a fresh clone, CI) vitest starts the largest files first, and a long small file started
 * last runs alone at the end while the other fork idles.
 */
const SLOW = ['integration/training', 'integration/evaluation', 'wasm-kernels', 'integration/cli', 'kill9', 'real-images', 'contract-fuzz'];
class SlowFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = SLOW.findIndex((s) => f.moduleId.includes(s));
      return i < 0 ? SLOW.length : i;
    };
    // Stable: the rest keep vitest's order (and the projects theirs).
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two files at a time even on two cores: most of a slow file's time is spent waiting on a job
    // process or the studio it started, so a second file fills the gap (vitest's default is cores − 1).
    maxWorkers: 2,
    env: { XDG_CONFIG_HOME: CONFIG_HOME },
    sequence: { sequencer: SlowFirst },
    projects: [
      // The engine, the contract and the page's plain modules.
      { extends: true, test: { name: 'engine', include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'] } },
      // Measured effects that take minutes (a feedback round against its control): `npm run test:slow`,
      // outside `npm test`'s ten minutes.
      ...(process.env.ATELIER_SLOW_TESTS ? [{ extends: true as const, test: { name: 'slow', include: ['test/slow/**/*.test.ts'] } }] : []),
      // The page's state managers and actions, specs beside them: runes need the Svelte compiler,
      // actions a DOM (happy-dom, in this project only).
      {
        extends: true,
        plugins: [svelte({ configFile: false, compilerOptions: { runes: true } })],
        test: { name: 'renderer', include: ['src-renderer/src/**/*.spec.ts'], environment: 'happy-dom' },
      },
    ],
  },
});
