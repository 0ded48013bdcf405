import { defineConfig } from '@playwright/test';

/** The specs that train, evaluate or generate for tens of seconds. */
const HEAVY = ['**/evaluate.spec.ts', '**/review.spec.ts', '**/training.spec.ts', '**/pipeline.spec.ts', '**/generate.spec.ts'];

// Debian's Chromium (apt-get install chromium): Playwright's own browser download is not reachable here.
export default defineConfig({
  testDir: 'test/e2e',
  globalSetup: './test/e2e/global-setup.ts',
  outputDir: 'test-results/artifacts',
  timeout: 240_000,
  expect: { timeout: 15_000 },
  // Two at a time: the specs that train, score or draw in bulk ('heavy') one after another, and
  // beside them the others one after another. Most of a light spec's time is the page waiting
  // for the studio, so it fits beside a heavy one (`npm test` stays under ten minutes on two cores).
  workers: 2,
  projects: [
    { name: 'heavy', testMatch: HEAVY, workers: 1 },
    { name: 'light', testIgnore: HEAVY, workers: 1 },
  ],
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    viewport: { width: 1360, height: 860 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
