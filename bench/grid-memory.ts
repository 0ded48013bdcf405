// Scrolling the Data grid of a 100,000-image project from top to bottom in Debian's
// Chromium: the page's JS heap and the number of cells in the DOM, sampled on the way.
// Needs `npm run build` first. Prints numbers; never fails on them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { forkLauncher } from '../src-main/host/jobs';
import { createStudio, RENDERER_DIR } from '../src-main/host/studio';
import { startWebServer } from '../src-main/host/web';
import { makeSyntheticProject } from './synthetic-project';

const N = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'atelier-bench-grid-'));
const studio = createStudio({ launchJob: forkLauncher(fileURLToPath(new URL('../src-main/host/job-process.ts', import.meta.url))), log: () => {} });
try {
  makeSyntheticProject(join(dir, 'big'), N);
  studio.openProject(join(dir, 'big'));
  const server = await startWebServer({ studio, rendererDir: RENDERER_DIR });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--enable-precise-memory-info',
      '--js-flags=--expose-gc',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
  await page.goto(server.url);
  await page.getByTestId('asset-cell').first().waitFor();
  const sample = () =>
    page.evaluate(() => {
      (window as unknown as { gc?: () => void }).gc?.();
      const grid = document.querySelector('[data-testid="asset-grid"]') as HTMLElement;
      return {
        heapMB: (performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize / 2 ** 20,
        cells: document.querySelectorAll('[data-testid="asset-cell"]').length,
        nodes: document.getElementsByTagName('*').length,
        scrollTop: grid.scrollTop,
        scrollHeight: grid.scrollHeight,
      };
    });
  const first = await sample();
  console.log(`grid of ${N.toLocaleString('en')}: scroll height ${first.scrollHeight.toLocaleString('en')} px`);
  console.log(`  top: heap ${first.heapMB.toFixed(1)} MB, ${first.cells} cells, ${first.nodes} DOM nodes`);
  const steps = 100;
  const frames: number[] = [];
  for (let i = 1; i <= steps; i++) {
    const ms = await page.evaluate(async (fraction) => {
      const grid = document.querySelector('[data-testid="asset-grid"]') as HTMLElement;
      const t = performance.now();
      grid.scrollTop = fraction * (grid.scrollHeight - grid.clientHeight);
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return performance.now() - t;
    }, i / steps);
    frames.push(ms);
    await page.waitForTimeout(40);
    if (i % 25 === 0) {
      await page.waitForTimeout(500); // let the visible page arrive before counting
      const s = await sample();
      console.log(`  ${i}% down: heap ${s.heapMB.toFixed(1)} MB, ${s.cells} cells, ${s.nodes} DOM nodes`);
    }
  }
  // Back to the top and down again: a cache that only grows would show here.
  for (const fraction of [0, 0.5, 1, 0.25, 0.75, 0]) {
    await page.evaluate((f) => {
      const grid = document.querySelector('[data-testid="asset-grid"]') as HTMLElement;
      grid.scrollTop = f * (grid.scrollHeight - grid.clientHeight);
    }, fraction);
    await page.waitForTimeout(300);
  }
  const again = await sample();
  console.log(`  after a second pass: heap ${again.heapMB.toFixed(1)} MB, ${again.cells} cells, ${again.nodes} DOM nodes`);
  frames.sort((a, b) => a - b);
  console.log(`  jump-scroll to a new position and paint: median ${frames[50]!.toFixed(1)} ms, 95th ${frames[95]!.toFixed(1)} ms`);
  await browser.close();
  await server.close();
} finally {
  studio.close();
  rmSync(dir, { recursive: true, force: true });
}
