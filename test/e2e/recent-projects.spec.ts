// The Welcome screen lists the projects opened on this workstation (kept in the config folder),
// newest first with where they are and when they were opened; one whose folder has gone is
// marked missing with a Remove, and a click opens one. Screenshot: test-results/recent-*.png.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'out/main/cli.js');
const scratch = mkdtempSync(join(tmpdir(), 'atelier-e2e-recent-'));
const ENV = { ...process.env, ATELIER_BACKGROUND: 'off', XDG_STATE_HOME: join(scratch, 'state'), XDG_CONFIG_HOME: join(scratch, 'config') };
const RECENT = join(scratch, 'config', 'atelier', 'recent-projects.json');
let child: ChildProcess | null = null;

test.afterAll(() => {
  child?.kill();
  rmSync(scratch, { recursive: true, force: true });
});
test.use({ viewport: { width: 1440, height: 900 } });

test('recent projects: open one, remove one that has gone', async ({ page }) => {
  const mascots = join(scratch, 'projects', 'mascots');
  const made = spawnSync(process.execPath, [CLI, 'new', mascots, '--json'], { cwd: ROOT, env: ENV, encoding: 'utf8' });
  expect(made.status, made.stderr).toBe(0);
  const hour = 3600_000;
  mkdirSync(join(scratch, 'config', 'atelier'), { recursive: true });
  writeFileSync(
    RECENT,
    JSON.stringify({
      projects: [
        { dir: join(scratch, 'projects', 'old-icons'), name: 'old-icons', openedAt: new Date(Date.now() - 30 * hour).toISOString() },
        { dir: mascots, name: 'mascots', openedAt: new Date(Date.now() - 2 * hour).toISOString() },
      ],
    }),
  );
  child = spawn(process.execPath, [CLI, 'studio', '--projects', join(scratch, 'projects'), '--json'], {
    cwd: ROOT,
    env: ENV,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child!.on('exit', (code) => reject(new Error(`studio exited with ${code}`)));
  });
  await page.goto(url);
  const rows = page.getByTestId('recent-project');
  await expect(rows).toHaveCount(2);
  // Newest first, each with its folder and when it was opened; the one that has gone is marked.
  await expect(rows.nth(0)).toContainText('mascots');
  await expect(rows.nth(0)).toContainText(mascots);
  await expect(rows.nth(0)).toContainText('2 h ago');
  await expect(rows.nth(1)).toContainText('old-icons');
  await expect(rows.nth(1).getByTestId('recent-missing')).toHaveText('Missing');
  await expect(rows.nth(1).getByTestId('recent-open')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/recent-01-welcome.png', animations: 'disabled' });

  await rows.nth(1).getByRole('button', { name: 'Remove old-icons from recent projects' }).click();
  await expect(rows).toHaveCount(1);
  expect(readFileSync(RECENT, 'utf8')).not.toContain('old-icons');

  await rows.nth(0).getByTestId('recent-open').click();
  await expect(page.getByRole('navigation', { name: 'Pipeline' })).toBeVisible();
  // Opening it put it on top again, as now.
  const listed = JSON.parse(readFileSync(RECENT, 'utf8')) as { projects: { dir: string; openedAt: string }[] };
  expect(listed.projects.map((p) => p.dir)).toEqual([mascots]);
  expect(Date.now() - Date.parse(listed.projects[0]!.openedAt)).toBeLessThan(60_000);
});
