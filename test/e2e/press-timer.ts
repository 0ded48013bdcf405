/// <reference lib="dom" />
// Timing a Generate press as a person sees it, shared by the end-to-end test and
// bench/generate-press.ts: from the click on Generate to the frame that paints the whole new grid
// (every image drawn on its canvas or decoded). The grid is watched through DOM changes and a slow
// poll, not a requestAnimationFrame loop, which would make the browser produce frames all through
// the wait and take CPU from the drawing.
import type { Page } from '@playwright/test';

export interface PressTiming {
  /** ms from the click until the full grid is painted. */
  total: number;
  /** ms from the click until the generations:create answer had arrived. */
  response: number;
  /** Image files the page requested for the grid (0 when it drew from the answer's pixels). */
  fileRequests: number;
}

/**
 * Arms the timer for the next click on Generate; the grid counts as new once the result summary
 * starts with `summaryPrefix` (e.g. "seed 7 ·").
 */
export async function armPressTimer(page: Page, count: number, summaryPrefix: string): Promise<void> {
  await page.evaluate(
    ({ n, prefix }) => {
      const w = window as unknown as { __press?: { t0: number; t1?: number } };
      const button = document.querySelector('[data-testid="generate"]')!;
      const shown = () => {
        const grid = document.querySelector(`[data-testid="result-grid"][data-count="${n}"]`);
        const summary = document.querySelector('[data-testid="result-summary"]')?.textContent ?? '';
        if (!grid || !summary.startsWith(prefix)) return false;
        const imgs = [...grid.querySelectorAll('img')];
        const drawn = grid.querySelectorAll('canvas[data-drawn="true"]').length;
        return imgs.length + drawn === n && imgs.every((i) => i.complete && i.naturalWidth > 0);
      };
      let timer = 0;
      const observer = new MutationObserver(() => check());
      const check = () => {
        if (!shown()) return;
        observer.disconnect();
        clearInterval(timer);
        requestAnimationFrame(() => (w.__press!.t1 = performance.now()));
      };
      button.addEventListener(
        'click',
        () => {
          w.__press = { t0: performance.now() };
          observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
          timer = window.setInterval(check, 20);
        },
        { capture: true, once: true },
      );
    },
    { n: count, prefix: summaryPrefix },
  );
}

/** Waits for the armed press to finish and says where its time went. */
export async function pressTiming(page: Page): Promise<PressTiming> {
  await page.waitForFunction(() => (window as unknown as { __press?: { t1?: number } }).__press?.t1 !== undefined, null, { timeout: 60_000, polling: 250 });
  return page.evaluate(() => {
    const { t0, t1 } = (window as unknown as { __press: { t0: number; t1: number } }).__press;
    const entries = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    const runs = entries.filter((e) => e.name.endsWith('/api/generations:create') && e.startTime >= t0);
    const files = entries.filter((e) => e.name.includes('/files/samples/generated/') && e.startTime >= t0);
    return { total: t1 - t0, response: (runs[runs.length - 1]?.responseEnd ?? NaN) - t0, fileRequests: files.length };
  });
}
