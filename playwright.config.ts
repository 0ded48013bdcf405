import { defineConfig } from '@playwright/test';

/** The specs that embed and score images, the big Generate batch and the training queue: the longest, about as long together as all the others. */
const SCORING = ['**/evaluate.spec.ts', '**/review.spec.ts', '**/generate.spec.ts', '**/training.spec.ts'];

// Debian's Chromium (apt-get install chromium): Playwright's own browser download is not reachable here.
export default defineConfig({
  testDir: 'test/e2e',
  globalSetup: './test/e2e/global-setup.ts',
  outputDir: 'test-results/artifacts',
  timeout: 240_000,
  expect: { timeout: 15_000 },
  // Two at a time, in two lines of about equal length: the specs that score images one after
  // another, and beside them the others one after another (most of a screen spec's time is the
  // page waiting for the studio). One at a time for now: beside the screens, evaluate.spec failed once in CI (its scoring took over 2 min).
  workers: 1,
  projects: [
    { name: 'scoring', testMatch: SCORING, workers: 1 },
    { name: 'screens', testIgnore: SCORING, workers: 1 },
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
