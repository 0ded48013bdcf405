// A designer's first hour on the Train screen (issue 16): a run is set by a time budget with an
// estimate measured on this machine, steps stay under Advanced, the sweep dialog keeps what was
// picked, the run name survives queueing, an open fine-tune panel does not block Add to queue, a
// starting run says what it is doing, and early checkpoints are called early (Train and Generate).
// One studio on the starter project with the tiny conditional GAN template; one 2-step run.
import { expect, test, type Page } from '@playwright/test';
import { studioWithProject, trainTinyCgan, type RunningStudio } from './studio';

let studio: RunningStudio;
let page: Page;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  studio = await studioWithProject({ starter: true, prepare: trainTinyCgan() });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(studio.url);
  await page.getByRole('navigation', { name: 'Pipeline' }).getByRole('button', { name: 'Train' }).click();
});
test.afterAll(async () => {
  await page?.close();
  studio?.stop();
});

const shot = (name: string) => page.screenshot({ path: `test-results/h3-${name}.png`, animations: 'disabled' });

test('a run is set by a time budget, with an estimate measured on this machine', async () => {
  const budget = page.getByTestId('train-budget');
  await expect(budget.getByRole('radio')).toHaveText(['3 min', '12 min', '1 h']);
  await expect(budget.getByRole('radio', { name: '12 min' })).toHaveAttribute('aria-checked', 'true');
  // The first estimate times a few real steps; it then says how many steps 12 minutes buy and what they give.
  const estimate = page.getByTestId('train-estimate');
  await expect(estimate).toContainText(/Recognisable: ≈[\d,]+ steps in 12 min, /, { timeout: 20_000 });
  await expect(estimate).toContainText('img/s');
  const twelve = Number((await estimate.textContent())!.match(/≈([\d,]+) steps/)![1]!.replace(/,/g, ''));
  await budget.getByRole('radio', { name: '3 min' }).click();
  await expect(estimate).toContainText(/Quick look: ≈[\d,]+ steps in 3 min/);
  const three = Number((await estimate.textContent())!.match(/≈([\d,]+) steps/)![1]!.replace(/,/g, ''));
  expect(three).toBeGreaterThan(0);
  expect(Math.abs(twelve / three - 4)).toBeLessThan(0.1); // the same measured speed, four times the time
  await shot('01-budget-estimate');
});

test('steps are still there under Advanced, and typing them sets the run by steps', async () => {
  await page.getByTestId('train-advanced').locator('summary').click();
  await page.getByTestId('train-steps').fill('40');
  await expect(page.getByTestId('train-budget').getByRole('radio', { name: '40 steps' })).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByTestId('train-estimate')).toContainText(/40 steps take ≈\d+ (s|min)/); // seconds, or a minute on a busy machine
  await expect(page.getByTestId('train-expect')).toContainText('colour blobs');
  await shot('02-advanced-steps');
});

test('the sweep dialog keeps its picks after Cancel, and says how long the sweep takes', async () => {
  await page.getByTestId('open-sweep').click();
  const sweep = page.getByTestId('sweep-dialog');
  await sweep.getByTestId('sweep-batch').filter({ hasText: /^16$/ }).click();
  await sweep.getByTestId('sweep-batch').filter({ hasText: /^32$/ }).click();
  await expect(sweep.getByTestId('sweep-total')).toContainText('4');
  await sweep.getByRole('button', { name: 'Cancel' }).click();
  await expect(sweep).toBeHidden();
  await page.getByTestId('open-sweep').click();
  await expect(sweep.getByTestId('sweep-batch').filter({ hasText: /^16$/ })).toHaveAttribute('aria-pressed', 'true');
  await expect(sweep.getByTestId('sweep-batch').filter({ hasText: /^32$/ })).toHaveAttribute('aria-pressed', 'true');
  await expect(sweep.getByTestId('sweep-total')).toContainText('4');
  await expect(sweep.getByTestId('sweep-estimate')).toContainText(/4 runs, one core each: all done in ≈/, { timeout: 20_000 });
  await shot('03-sweep-remembers');
  await sweep.getByRole('button', { name: 'Cancel' }).click();
});

test('an open fine-tune panel does not block Add to queue', async () => {
  await page.getByTestId('train-finetune').locator('summary').click();
  await expect(page.getByTestId('train-finetune-note')).toContainText('starts this run from scratch');
  await expect(page.getByTestId('start-training')).toBeEnabled();
  await expect(page.getByTestId('train-invalid')).toHaveCount(0);
  await shot('04-finetune-open');
  await page.getByTestId('train-finetune').locator('summary').click();
});

test('a starting run shows what it does, the name stays, and its early checkpoint is called early', async () => {
  await page.getByTestId('train-name').fill('first look');
  const advanced = page.getByTestId('train-advanced');
  if ((await advanced.getAttribute('open')) === null) await advanced.locator('summary').click();
  await page.getByTestId('train-steps').fill('2');
  await page.getByTestId('train-batch').fill('8');
  await page.getByTestId('train-workers').fill('1');
  await page.getByTestId('start-training').click();
  const detail = page.getByTestId('run-detail');
  await expect(detail.getByRole('heading', { name: 'first look' })).toBeVisible();
  await expect(page.getByTestId('train-name')).toHaveValue('first look');
  // Before its first step the run says what it is doing (loading, building, first step).
  await expect(detail.getByTestId('run-phases')).toBeVisible();
  // The status bar names the run as soon as it starts, before its job process has said anything.
  await expect(page.locator('footer')).toContainText(/Training run #\d+/);
  await detail.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shot('05-startup-phases');
  await expect(detail.getByTestId('run-status')).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  await expect(detail.getByTestId('run-phases')).toHaveCount(0);
  await expect(detail.getByTestId('run-early')).toHaveText('Step 2 of a recommended ≈3,875: expect colour blobs; shapes appear around step 1,500.');
  // The run's closing line does not send the person to Generate as if the checkpoint were ready.
  await expect(detail).toContainText('Done and saved, but early: fine-tune from this checkpoint');
  await detail.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shot('06-early-checkpoint');
});

test('Generate calls an early checkpoint early', async () => {
  await page.getByRole('navigation', { name: 'Pipeline' }).getByRole('button', { name: 'Generate' }).click();
  const model = page.getByTestId('generate-model');
  await expect(model.locator('option').first()).toContainText('early: colour blobs');
  // The select cuts its text: the note beside it says it in full.
  await expect(page.getByTestId('prompt-early')).toHaveText('Step 2 of a recommended ≈3,875: expect colour blobs; shapes appear around step 1,500.');
  await shot('07-generate-early');
});
