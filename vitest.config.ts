import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
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
