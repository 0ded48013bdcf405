// The headless studio's link to the page: two studios in one browser (each keeps its own
// session cookie and token), a stopped studio shown by a banner at once that goes away by
// itself when the same studio (same port, same ATELIER_STUDIO_TOKEN) comes back, and a
// studio restarted with a new token named as such with what to do. Screenshots land in
// test-results/connection-*.png at 1440×900.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { spawnStudio, studioWithProject, type RunningStudio } from './studio';

const scratch = mkdtempSync(join(tmpdir(), 'atelier-e2e-connection-'));
const ENV = {
  ...process.env,
  ATELIER_BACKGROUND: 'off',
  XDG_STATE_HOME: join(scratch, 'state'),
  XDG_CONFIG_HOME: join(scratch, 'config'),
};

let first: RunningStudio;
/** The second studio: no project, its own port, started and stopped by the tests. */
let second: { child: ChildProcess; url: string } | null = null;
let port = 0;
const tokenA = 'a'.repeat(20) + 'connection-test-token';
const tokenB = 'b'.repeat(20) + 'connection-test-token';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = server.address() as { port: number };
      server.close(() => resolve(p));
    });
  });
}

async function startSecond(token: string): Promise<void> {
  second = await spawnStudio(['--port', String(port), '--projects', join(scratch, 'projects')], { ...ENV, ATELIER_STUDIO_TOKEN: token });
}

async function stopSecond(): Promise<void> {
  const s = second;
  second = null;
  if (!s || s.child.exitCode !== null) return;
  await new Promise((resolve) => {
    s.child.once('exit', resolve);
    s.child.kill();
  });
}

test.describe.configure({ mode: 'serial' });
test.use({ viewport: { width: 1440, height: 900 } });

test.beforeAll(async () => {
  test.setTimeout(60_000);
  port = await freePort();
  [first] = await Promise.all([studioWithProject({ starter: false }), startSecond(tokenA)]);
});
test.afterAll(async () => {
  first?.stop();
  await stopSecond();
  rmSync(scratch, { recursive: true, force: true });
});

const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/connection-${name}.png`, animations: 'disabled' });
const banner = (page: Page) => page.getByTestId('connection-banner');

let pageA: Page;
let pageB: Page;

test('two studios in one browser both keep working', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  pageA = await context.newPage();
  pageB = await context.newPage();
  await pageA.goto(first.url);
  await expect(pageA.getByRole('navigation', { name: 'Pipeline' })).toBeVisible();
  await pageB.goto(second!.url);
  await expect(pageB.getByRole('heading', { level: 1 })).toBeVisible();
  // Both cookies live side by side in one jar, one per port.
  const names = (await context.cookies()).map((c) => c.name).sort();
  expect(names).toEqual([`atelier_session_${new URL(first.url).port}`, `atelier_session_${port}`].sort());
  // The first studio still answers its page after the second was opened: a reload (token from
  // this tab's storage, cookie for the page) and an API call through the page.
  await pageA.reload();
  await expect(pageA.getByRole('navigation', { name: 'Pipeline' })).toBeVisible();
  await pageA.getByRole('navigation', { name: 'Pipeline' }).getByRole('button', { name: 'Train' }).click();
  await expect(pageA.locator('main.view')).toHaveAttribute('aria-label', 'train');
  await pageB.reload();
  await expect(pageB.getByRole('heading', { level: 1 })).toBeVisible();
  for (const page of [pageA, pageB]) {
    await expect(banner(page)).toHaveCount(0);
    await expect(page.getByText('no valid studio token')).toHaveCount(0);
  }
});

test('a stopped studio shows a banner at once and the page reconnects when it comes back', async () => {
  await stopSecond();
  await expect(banner(pageB)).toHaveAttribute('data-state', 'down', { timeout: 3_000 });
  await expect(banner(pageB)).toContainText('Disconnected from the studio');
  // The status bar says so too, instead of a job or "No job running" it can no longer vouch for.
  await expect(pageB.getByTestId('status-disconnected')).toHaveText('Disconnected');
  await expect(pageB.getByText('No job running')).toHaveCount(0);
  await shot(pageB, '01-disconnected');
  // The first studio is not affected.
  await expect(banner(pageA)).toHaveCount(0);

  await startSecond(tokenA);
  await expect(banner(pageB)).toHaveCount(0, { timeout: 10_000 });
  await expect(pageB.getByTestId('status-disconnected')).toHaveCount(0);
  await expect(pageB.getByText('No job running')).toBeVisible();
  await expect(pageB.getByRole('heading', { level: 1 })).toBeVisible();
  // Images and a reload still work: the session cookie is the same studio's.
  await pageB.reload();
  await expect(pageB.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(banner(pageB)).toHaveCount(0);
});

test('a studio restarted with a new token says how to get back in', async () => {
  await stopSecond();
  await expect(banner(pageB)).toHaveAttribute('data-state', 'down', { timeout: 3_000 });
  await startSecond(tokenB);
  await expect(banner(pageB)).toHaveAttribute('data-state', 'stale', { timeout: 10_000 });
  await expect(banner(pageB)).toContainText('Open the address atelier studio printed');
  await expect(pageB.getByTestId('status-disconnected')).toHaveText('Disconnected · token no longer valid');
  await shot(pageB, '02-stale-token');
  // Its new address lets the same tab in again.
  await pageB.goto(second!.url);
  await expect(pageB.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(banner(pageB)).toHaveCount(0);
});
