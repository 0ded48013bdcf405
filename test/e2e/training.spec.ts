// The Train screen as a person uses it on the starter project: queue a short run, pause
// and resume it, let it finish, scrub through its sample grids, then compare it with a
// second run (class-weighted). Screenshots land in test-results/e2e-train-*.png to be looked at.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { studioWithProject, type RunningStudio } from './studio';

let studio: RunningStudio;

test.beforeAll(async () => {
  studio = await studioWithProject({ starter: true });
});
test.afterAll(() => studio?.stop());

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Pipeline' }).getByRole('button', { name });
const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/e2e-train-${name}.png`, animations: 'disabled' });

/** Fill the new-run form for a short run; one worker keeps the two shared cores for the browser and the studio. */
async function queueRun(page: Page, o: { name: string; steps: number; batch: number; seed: number; balance?: 'classWeights' }): Promise<void> {
  await page.getByTestId('train-name').fill(o.name);
  await page.getByTestId('train-batch').fill(String(o.batch));
  await page.getByTestId('train-seed').fill(String(o.seed));
  const advanced = page.getByTestId('train-advanced');
  if ((await advanced.getAttribute('open')) === null) await advanced.locator('summary').click();
  // Steps (under Advanced) instead of the time budget the form starts with.
  await page.getByTestId('train-steps').fill(String(o.steps));
  await page.getByTestId('train-sample-every').fill('2');
  await page.getByTestId('train-checkpoint-every').fill('2');
  await page.getByTestId('train-workers').fill('1');
  if (o.balance) {
    await page.getByTestId('train-balance').selectOption(o.balance);
    await expect(page.getByTestId('train-balance-note')).toHaveText('Images are drawn equally often; rare tags count more in the loss (1 / tag frequency).');
    await page.getByTestId('train-balance').scrollIntoViewIfNeeded();
    await shot(page, '06b-balance');
  }
  await page.getByTestId('start-training').click();
}

const statusOf = (detail: Locator) => detail.getByTestId('run-status');

test('queue, pause, resume, finish, scrub the samples and compare two runs', async ({ page }) => {
  test.setTimeout(150_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(studio.url);
  await nav(page, 'Train').click();

  // Nothing trained yet: the screen says what a run is and what to press; the form knows the data.
  await expect(page.getByTestId('runs-empty')).toContainText(/no runs yet/i);
  await expect(page.getByTestId('runs-empty')).toContainText('Add to queue');
  await expect(page.getByTestId('train-data-summary')).toContainText('3,002 training');
  await expect(page.getByTestId('train-params')).toContainText('parameters');
  await expect(page.getByTestId('train-backend')).toContainText('WebAssembly');
  await page.getByTestId('train-model-cgan').check();
  await expect(page.getByTestId('train-classes')).toContainText(/Conditioned on \d+\s+tags/);
  await page.getByTestId('train-model-dcgan').check();
  await shot(page, '01-empty');

  // A sweep sheet counts the runs it would queue, and refuses more than 16.
  await page.getByTestId('open-sweep').click();
  const sweep = page.getByTestId('sweep-dialog');
  await expect(sweep.getByTestId('sweep-total')).toContainText('2');
  await sweep.getByTestId('sweep-batch').nth(1).click();
  await sweep.getByTestId('sweep-batch').nth(2).click();
  await expect(sweep.getByTestId('sweep-total')).toContainText('4');
  await shot(page, '02-sweep');
  await sweep.getByRole('button', { name: 'Cancel' }).click();
  await expect(sweep).toBeHidden();

  // Queue a short run: it starts, and its progress and live numbers move.
  await queueRun(page, { name: 'first emoji run', steps: 24, batch: 8, seed: 1 });
  const detail = page.getByTestId('run-detail');
  // Queueing reads the training set's tags first: slower when another spec has the cores.
  await expect(detail).toContainText('first emoji run', { timeout: 60_000 });
  await expect(statusOf(detail)).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
  const progress = page.getByTestId('train-progress');
  await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow')), { timeout: 60_000 }).toBeGreaterThan(0);
  await expect(page.getByTestId('train-eta')).not.toHaveText('—');
  await shot(page, '03-running');

  // Pause: the run stops and says so; Resume puts it back and it runs to the end. Each step
  // waits for a state that lasts (paused, then done), never for the brief queued/running between.
  await detail.getByTestId('run-pause').click();
  await expect(statusOf(detail)).toHaveAttribute('data-status', 'paused', { timeout: 30_000 });
  await expect(page.getByTestId('run-item').first()).toHaveAttribute('data-status', 'paused');
  // Paused, the bar shows the steps done so far.
  const pausedAt = Number(await progress.getAttribute('aria-valuenow'));
  expect(pausedAt).toBeGreaterThan(0);
  expect(pausedAt).toBeLessThan(100);
  await page.getByTestId('train-view').evaluate((el) => el.scrollTo(0, 0));
  await shot(page, '04-paused');
  await detail.getByTestId('run-resume').click();
  await expect(statusOf(detail)).not.toHaveAttribute('data-status', 'paused');
  await expect(page.getByTestId('job-result')).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  await expect(statusOf(detail)).toHaveAttribute('data-status', 'done');
  await expect(progress).toHaveAttribute('aria-valuenow', '100');
  await expect(page.getByTestId('train-eta')).toHaveText('finished');
  await expect(page.getByTestId('loss-chart').locator('canvas').first()).toBeVisible();

  // The sample grids: one every 2 steps; the slider scrubs through them and the label follows.
  const slider = page.getByTestId('sample-slider');
  const stepLabel = page.getByTestId('sample-step');
  await expect.poll(async () => Number(await slider.getAttribute('max')), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
  const last = await stepLabel.getAttribute('data-step');
  await slider.focus();
  await page.keyboard.press('Home');
  await expect(stepLabel).toHaveAttribute('data-step', '2');
  await expect(stepLabel).toHaveText('Step 2');
  await page.keyboard.press('ArrowRight');
  await expect(stepLabel).toHaveAttribute('data-step', '4');
  await expect(page.getByTestId('sample-grid')).toHaveAttribute('data-step', '4');
  expect(last).not.toBe('4');
  await page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('[data-testid="sample-grid"]');
    return !!img && img.complete && img.naturalWidth > 0;
  });
  await detail.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shot(page, '05-scrubbed');
  await expect(page.getByTestId('checkpoint-row').first()).toBeVisible();
  await page.getByTestId('run-settings').scrollIntoViewIfNeeded();
  await shot(page, '06-validation-settings');
  // DiffAugment's choices: Auto is the recipe's (shifts below 10,000 images).
  const diffAugment = page.getByTestId('train-diffaugment');
  await diffAugment.scrollIntoViewIfNeeded();
  await expect(diffAugment.getByRole('radio')).toHaveText(['Auto', 'Shifts', 'Full', 'Off']);
  await shot(page, '06a-diffaugment');

  // A second, shorter run to compare with, balancing the tags by weighting the loss.
  await page.getByTestId('new-run-form').scrollIntoViewIfNeeded();
  await queueRun(page, { name: 'second emoji run', steps: 4, batch: 8, seed: 7, balance: 'classWeights' });
  await expect(detail).toContainText('second emoji run');
  await expect(statusOf(detail)).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  await expect(detail.getByTestId('run-settings')).toContainText('Loss weighted by tag');

  // A checkpoint from elsewhere (here: the first run's folder, as a colleague would send it) becomes a run to fine-tune from.
  const finetune = page.getByTestId('train-finetune');
  await finetune.scrollIntoViewIfNeeded();
  if ((await finetune.getAttribute('open')) === null) await finetune.locator('summary').click();
  await page.getByTestId('train-import-open').click();
  await page.getByTestId('train-import-dir').fill(join(studio.dir, 'no-such-folder'));
  await page.getByTestId('train-import-go').click();
  await expect(page.getByTestId('train-import-error')).toContainText('no-such-folder');
  const runDir = join(studio.dir, 'checkpoints', 'run-1');
  const step = readdirSync(runDir)
    .filter((d) => d.startsWith('step-'))
    .sort()
    .at(-1)!;
  await page.getByTestId('train-import-dir').fill(join(runDir, step));
  await page.getByTestId('train-import-name').fill('From a colleague');
  await page.getByTestId('train-import-go').click();
  await expect(page.getByTestId('train-import-checkpoint')).toBeHidden();
  await expect(page.getByTestId('train-from-checkpoint').locator('option:checked')).toContainText('From a colleague');
  await shot(page, '06c-imported-checkpoint');
  await expect(page.getByTestId('run-item')).toHaveCount(3);
  await page.getByTestId('train-finetune').locator('summary').click();

  // Tick both trained runs and compare: one curve and one sample grid per run.
  const items = page.getByTestId('run-item').filter({ hasText: 'emoji run' });
  await expect(items).toHaveCount(2);
  await items.nth(0).getByTestId('run-compare').check();
  await items.nth(1).getByTestId('run-compare').check();
  await page.getByTestId('open-compare').click();
  const compare = page.getByTestId('compare-view');
  await expect(compare).toBeVisible();
  await expect(compare.getByTestId('compare-run')).toHaveCount(2);
  await expect(compare.locator('.u-legend')).toContainText('first emoji run');
  await expect(compare.locator('.u-legend')).toContainText('second emoji run');
  await expect(compare.getByTestId('compare-sample')).toHaveCount(2);
  await page.waitForFunction(() =>
    [...document.querySelectorAll<HTMLImageElement>('[data-testid="compare-sample"]')].every((i) => i.complete && i.naturalWidth > 0),
  );
  await compare.scrollIntoViewIfNeeded();
  await shot(page, '07-compare');

  expect(pageErrors).toEqual([]);
});
