// A designer's first hour with a finished run, on the starter project with the shared tiny
// conditional GAN (trained once per test run from the CLI): each sample cell says which tags it
// was drawn for (hover, and the keyboard), the loss chart marks the sample step shown and a click
// on it (or the arrow keys) moves the scrubber, a run is archived (hidden, shown again, restored)
// and deleted after a confirmation that names what goes; its files are gone from the project; a
// run that is training cannot be deleted, and the confirmation says why.
// Screenshots land in test-results/runs-*.png to be looked at.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { apiHeaders, studioWithProject, trainTinyCgan, type RunningStudio } from './studio';

let studio: RunningStudio;
let page: Page;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  test.setTimeout(180_000);
  studio = await studioWithProject({ starter: true, prepare: trainTinyCgan() });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(studio.url);
  await page.getByRole('navigation', { name: 'Pipeline' }).getByRole('button', { name: 'Train' }).click();
  await expect(page.getByTestId('run-detail')).toBeVisible();
  await expect(page.getByTestId('sample-grid')).toBeVisible();
});
test.afterAll(async () => {
  await page?.close();
  studio?.stop();
});

const shot = (name: string) => page.screenshot({ path: `test-results/runs-${name}.png`, animations: 'disabled' });

async function call<T>(name: string, input: unknown): Promise<T> {
  const res = await fetch(new URL(`/api/${name}`, studio.url), { method: 'POST', headers: apiHeaders(studio.url), body: JSON.stringify(input) });
  const body = (await res.json()) as { ok: boolean; result: T; error?: { message: string } };
  if (!body.ok) throw new Error(body.error?.message);
  return body.result;
}

test('each sample cell says which tags it was drawn for, on hover and from the keyboard', async () => {
  const runId = Number(await page.getByTestId('run-detail').getAttribute('data-run-id'));
  const { sampleTags } = await call<{ sampleTags: string[][] | null }>('runs:get', { runId });
  expect(sampleTags).toHaveLength(64);
  const cells = page.getByTestId('sample-cell');
  await expect(cells).toHaveCount(64);

  await cells.nth(19).hover();
  const tip = page.getByTestId('sample-cell-tip');
  await expect(tip).toHaveText(sampleTags![19]!.join(', '));
  await expect(page.getByTestId('sample-cell-tags')).toContainText(`Cell row 3, column 4 drawn for ${sampleTags![19]!.join(', ')}`);
  await shot('01-cell-hover');

  // The keyboard: one tab stop into the grid, arrows move between cells.
  await page.mouse.move(0, 0);
  await cells.nth(0).focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  await expect(cells.nth(9)).toBeFocused();
  await expect(tip).toHaveText(sampleTags![9]!.join(', '));
  await expect(page.getByTestId('sample-cell-tags')).toContainText(`Cell row 2, column 2 drawn for ${sampleTags![9]!.join(', ')}`);
  await expect(cells.nth(9)).toHaveAttribute('tabindex', '0');
  await expect(cells.nth(0)).toHaveAttribute('tabindex', '-1');
  await page.getByTestId('sample-cell-tags').scrollIntoViewIfNeeded();
  await shot('01b-cell-keyboard');
});

test('the loss chart marks the sample step shown, and a click on it moves the scrubber', async () => {
  const step = page.getByTestId('sample-step');
  const chart = page.getByTestId('loss-chart');
  const last = Number(await step.getAttribute('data-step'));
  expect(last).toBe(24);
  await expect(chart).toHaveAttribute('data-marker-step', '24');

  // A click a quarter of the way along the plot picks the grid nearest that step.
  const over = chart.locator('.u-over');
  const box = (await over.boundingBox())!;
  await over.click({ position: { x: box.width * 0.25, y: box.height / 2 } });
  const picked = Number(await step.getAttribute('data-step'));
  expect(picked).toBeGreaterThan(1);
  expect(picked).toBeLessThan(12);
  await expect(chart).toHaveAttribute('data-marker-step', String(picked));
  await expect(page.getByTestId('sample-grid')).toHaveAttribute('data-step', String(picked));
  await shot('02-chart-picked');

  // The keyboard does the same: the chart is a slider over the sample steps.
  await chart.focus();
  await page.keyboard.press('ArrowRight');
  await expect(step).toHaveAttribute('data-step', String(picked + 1));
  await page.keyboard.press('End');
  await expect(step).toHaveAttribute('data-step', '24');
  await expect(chart).toHaveAttribute('aria-valuetext', 'Samples at step 24');
});

test('archive hides a run, Show archived lists it again, Restore brings it back', async () => {
  const runId = await page.getByTestId('run-detail').getAttribute('data-run-id');
  const row = page.locator(`[data-testid="run-item"][data-run-id="${runId}"]`);
  await expect(row).toBeVisible();
  await page.getByTestId('run-archive').click();
  await expect(row).toHaveCount(0);
  await expect(page.getByTestId('run-archived-chip')).toBeVisible();
  const toggle = page.getByTestId('show-archived');
  await expect(toggle).not.toBeChecked();
  await shot('03-archived-hidden');

  await toggle.check();
  await expect(row).toHaveAttribute('data-archived', 'true');
  // Its checkpoints stay usable: the pickers (Generate, fine-tuning) still list them.
  const checkpoints = await call<{ runId: number }[]>('checkpoints:list', {});
  expect(checkpoints.map((c) => c.runId)).toContain(Number(runId));
  await shot('04-archived-shown');

  await page.getByTestId('run-restore').click();
  await expect(page.getByTestId('run-archived-chip')).toHaveCount(0);
  await expect(row).not.toHaveAttribute('data-archived', 'true');
  await expect(toggle).toHaveCount(0); // nothing archived any more
});

test('delete asks first, naming what goes and what stays, then the run and its files are gone', async () => {
  const runId = Number(await page.getByTestId('run-detail').getAttribute('data-run-id'));
  const name = (await page.locator('#run-title').textContent())!.trim();
  const folder = join(studio.dir, `checkpoints/run-${runId}`);
  expect(existsSync(folder)).toBe(true);

  await page.getByTestId('run-delete').click();
  const dialog = page.getByTestId('delete-run-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('heading', { name: `Delete ${name}?` })).toBeVisible();
  const goes = dialog.getByTestId('delete-run-goes');
  await expect(goes).toContainText(/1 checkpoint \([\d.]+ (KB|MB) of weights\)/);
  await expect(goes).toContainText(/24 sample grids/);
  await expect(dialog.getByTestId('delete-run-stays')).toContainText('Your dataset');
  await shot('05-delete-confirm');

  // "Keep it" deletes nothing.
  await dialog.getByRole('button', { name: 'Keep it' }).click();
  await expect(dialog).toBeHidden();
  expect(existsSync(folder)).toBe(true);

  await page.getByTestId('run-delete').click();
  await dialog.getByTestId('delete-run-confirm').click();
  await expect(dialog).toBeHidden();
  await expect(page.locator(`[data-testid="run-item"][data-run-id="${runId}"]`)).toHaveCount(0);
  await expect(page.getByTestId('runs-empty')).toBeVisible();
  expect(existsSync(folder)).toBe(false);
  expect((await call<unknown[]>('runs:list', {})).length).toBe(0);
  await shot('06-deleted');
});

test('a run that is training cannot be deleted: the confirmation says why and offers nothing to press', async () => {
  const { runId } = await call<{ runId: number }>('runs:start', { model: 'cgan', steps: 400, batchSize: 8, workers: 1 });
  const detail = page.locator(`[data-testid="run-detail"][data-run-id="${runId}"]`);
  await expect(detail).toBeVisible();
  await page.getByTestId('run-delete').click();
  const dialog = page.getByTestId('delete-run-dialog');
  await expect(dialog.getByTestId('delete-run-blocked')).toContainText(/is (training|waiting in the queue)\. Cancel it first/);
  await expect(dialog.getByTestId('delete-run-confirm')).toHaveCount(0);
  await shot('07-delete-blocked');
  await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
  await expect(dialog).toBeHidden();
  await call('runs:cancel', { runId });
  await expect(detail.getByTestId('run-status')).toHaveAttribute('data-status', 'cancelled');
});
