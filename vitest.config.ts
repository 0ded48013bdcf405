import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

// Tests never read or write the person's own settings (the workstation's reviewer name): a
// folder of their own stands in for ~/.config. A test that needs a name gives its studio a Workstation.
const CONFIG_HOME = mkdtempSync(join(tmpdir(), 'atelier-test-config-'));

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    env: { XDG_CONFIG_HOME: CONFIG_HOME },
    projects: [
      // The engine, the contract and the page's plain modules.
      { extends: true, test: { name: 'engine', include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'] } },
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
