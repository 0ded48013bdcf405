// The Evaluate screen on a freshly trained starter project: the runs compared, Atelier KID over
// training, the mode-collapse alarm a 40-step model raises with its groups of near-identical
// samples, the closest pairs of samples and training images, the final test (confirmed once; a
// second attempt answers that it was already tested), publishing for Generate, and in Generate an
// image checked for copies of its training images, then the rest of its batch at once. Screenshots
// land in test-results/e2e-evaluate-*.png.
//
// The first evaluation of a project embeds every training image (about 50 ms each on two cores):
// the starter's 3,000 would take three minutes, so the test keeps one starter image in eight
// (excluded images stay in the project) and trains and scores through the studio's API first.
import { expect, test, type Page } from '@playwright/test';
import { apiHeaders, studioWithProject, type RunningStudio } from './studio';

let studio: RunningStudio;
let checkpoints: { id: number; step: number }[] = [];

/** One call to the running studio's API, as the page would make it. */
async function call<T>(name: string, input: unknown = {}): Promise<T> {
  const res = await fetch(new URL(`/api/${name}`, studio.url), { method: 'POST', headers: apiHeaders(studio.url), body: JSON.stringify(input) });
  const answer = (await res.json()) as { ok: boolean; result: T; error?: { message: string } };
  if (!answer.ok) throw new Error(`${name}: ${answer.error?.message}`);
  return answer.result;
}

async function until<T>(what: string, read: () => Promise<T | undefined>, seconds: number): Promise<T> {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`Waited ${seconds} s for ${what}`);
    await new Promise((r) => setTimeout(r, 400));
  }
}

type Job = { id: string; status: string; message: string };
const jobDone = (jobId: string) =>
  until(`job ${jobId}`, async () => (await call<Job[]>('jobs:list')).find((j) => j.id === jobId && j.status !== 'running'), 90);

test.beforeAll(async () => {
  test.setTimeout(150_000);
  studio = await studioWithProject({ starter: true });
  // The studio starts embedding all 3,786 images as it opens; the smaller set is embedded again after the run.
  for (const j of await call<Job[]>('jobs:list')) if (j.status === 'running') await call('jobs:cancel', { jobId: j.id });
  const { ids } = await call<{ ids: number[] }>('assets:ids');
  await call('assets:exclude', { ids: ids.filter((id) => id % 8 !== 0), excluded: true });
  // A 40-step conditional GAN with checkpoints at 20 and 40, then each scored on 128 samples.
  const { runId } = await call<{ runId: number }>('runs:start', { model: 'cgan', steps: 40, checkpointEvery: 20, workers: 2 });
  const run = await until(
    'the run',
    async () => {
      const r = await call<{ status: string; checkpoints: { id: number; step: number }[] }>('runs:get', { runId });
      return ['done', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
    },
    90,
  );
  expect(run.status).toBe('done');
  checkpoints = [...run.checkpoints].sort((a, b) => a.step - b.step);
  expect(checkpoints.map((c) => c.step)).toEqual([20, 40]);
  // The studio embeds the images the yardstick needs after a run, at low priority; evaluations then read them from its cache.
  await until('the images embedded', async () => ((await call<Job[]>('jobs:list')).some((j) => j.status === 'running') ? undefined : true), 90);
  for (const c of checkpoints) {
    const { jobId } = await call<{ jobId: string }>('evaluations:start', { checkpointId: c.id, samples: 128 });
    expect((await jobDone(jobId)).status).toBe('done');
  }
});
test.afterAll(() => studio?.stop());

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Pipeline' }).getByRole('button', { name });
/** A screenshot to look at; the passing toasts would cover the side cards. */
const shot = (page: Page, name: string) =>
  page.screenshot({ path: `test-results/e2e-evaluate-${name}.png`, animations: 'disabled', style: '[data-testid="toast"] { visibility: hidden; }' });

/** Every <img> the selector matches has decoded. */
async function imagesLoaded(page: Page, selector: string): Promise<void> {
  await page.waitForFunction((selector) => {
    const imgs = [...document.querySelectorAll<HTMLImageElement>(selector)];
    return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
  }, selector);
}

test('charts, the collapse alarm and its evidence, closest pairs, the final test once, publish, and a copy check in Generate', async ({ page }) => {
  test.setTimeout(180_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(studio.url);
  await nav(page, 'Evaluate').click();
  const view = page.getByTestId('evaluate-view');

  // The run compared at its best checkpoint, and its Atelier KID over training: one point per evaluation.
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  await expect(page.getByTestId('best-kid')).toContainText('±');
  await expect(page.getByTestId('score-caveat')).toContainText('not with published FID numbers');
  const kidChart = page.getByTestId('kid-chart');
  await expect(kidChart).toBeVisible();
  await expect(kidChart.getByTestId('chart-point')).toHaveCount(2);
  await expect(kidChart.getByTestId('chart-band')).toHaveCount(1);
  await expect(page.getByTestId('diversity-chart').getByTestId('chart-point')).toHaveCount(2);
  await shot(page, '01-charts');

  // The latest evaluation (step 40) in detail: a 40-step model collapses, and the alarm shows why
  // and which samples are near-identical, as the engine measured them.
  const detail = page.getByTestId('evaluation-detail');
  await expect(detail).toContainText('step 40');
  const collapse = detail.getByTestId('collapse-alarm');
  await expect(collapse).toHaveAttribute('data-firing', 'true');
  await expect(collapse).toContainText('Mode collapse: the samples look alike');
  await expect(collapse).toContainText(/as varied as the real images/);
  const groups = collapse.getByTestId('collapse-group');
  expect(await groups.count()).toBeGreaterThanOrEqual(1);
  await expect(groups.first()).toContainText('near-identical samples');
  await imagesLoaded(page, '[data-testid="collapse-group"] img');
  await collapse.scrollIntoViewIfNeeded();
  await shot(page, '02-collapse-alarm');

  // The copy alarm: each sample beside its nearest training image, both distances against the thresholds.
  const copies = detail.getByTestId('copy-alarm');
  await expect(copies).toContainText(/samples/);
  const pairs = copies.getByTestId('nearest-pair');
  expect(await pairs.count()).toBeGreaterThanOrEqual(1);
  await expect(pairs.first()).toContainText('features');
  await expect(pairs.first()).toContainText('pixels');
  await expect(pairs.first()).toContainText('copy <');
  await imagesLoaded(page, '[data-testid="nearest-pair"] img');
  await copies.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shot(page, '03-nearest-pairs');

  // The final test of step 40: confirmed first, then its result apart from validation.
  await view.evaluate((el) => el.scrollTo(0, 0));
  await expect(page.getByTestId('checkpoint-pick').locator('option:checked')).toContainText('Step 40');
  await expect(page.getByTestId('test-result')).toContainText('Step 40 has not been tested');
  await page.getByTestId('test-start').click();
  const dialog = page.getByTestId('test-dialog');
  await expect(dialog).toBeVisible();
  await shot(page, '04-test-confirm');
  await dialog.getByTestId('test-confirm').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('evaluate-progress')).toBeVisible();
  await expect(page.getByTestId('test-kid')).toContainText('±', { timeout: 120_000 });
  await expect(page.getByTestId('test-result')).toContainText('on the test split · step 40');
  await expect(page.getByTestId('test-cell')).toContainText('±');
  await page.getByTestId('test-result').scrollIntoViewIfNeeded();
  await shot(page, '05-test-result');

  // A second final test runs nothing: the first result stands.
  await page.getByTestId('test-start').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('already-tested')).toContainText('the first result stands');
  await expect(page.getByTestId('evaluate-progress')).toBeHidden();
  await page.getByTestId('test-result').scrollIntoViewIfNeeded();
  await shot(page, '06-already-tested');

  // Publish step 40: the header and the table say so, and Generate's picker marks it.
  await view.evaluate((el) => el.scrollTo(0, 0));
  await page.getByTestId('publish-checkpoint').click();
  await expect(page.getByTestId('published-summary')).toContainText('step 40');
  await expect(page.getByTestId('published-mark')).toBeVisible();
  await expect(page.getByTestId('publish-checkpoint')).toBeHidden();
  await shot(page, '07-published');

  await nav(page, 'Generate').click();
  const model = page.getByTestId('generate-model');
  await expect(model.locator('option:checked')).toContainText('step 40 · published');
  await expect(page.locator('label.field.model')).toContainText('Model · published');

  // Four images, one opened: not checked yet, then checked for copies of the run's training images.
  await page.getByTestId('prompt-input').fill('seed:5');
  await page.getByTestId('generate-count').fill('4');
  await page.getByTestId('generate').click();
  const results = page.getByTestId('result-image');
  await expect(results).toHaveCount(4);
  await results.first().click();
  const pane = page.getByTestId('generation-detail');
  const check = pane.getByTestId('copy-check');
  await expect(check).toHaveAttribute('data-state', 'unchecked');
  await expect(check.getByTestId('check-copies-batch')).toHaveText('Check batch (4)');
  await check.scrollIntoViewIfNeeded();
  await shot(page, '08-copy-unchecked');
  // The check is a job (loading the embedding network alone takes a moment): its progress shows in place.
  await check.getByTestId('check-copies').click();
  await expect(check).toHaveAttribute('data-state', 'running');
  await expect(check.getByTestId('copy-check-progress')).toBeVisible();
  await shot(page, '09-copy-running');
  await expect(check).toHaveAttribute('data-state', /^(clear|copy)$/, { timeout: 60_000 });
  await expect(check.getByTestId('copy-verdict')).toContainText(/Not a copy|Possible copy/);
  await expect(check.getByTestId('copy-nearest-name')).not.toBeEmpty();
  await expect(check.getByTestId('copy-distances')).toContainText('a copy is under');
  await imagesLoaded(page, '[data-testid="copy-check"] img');
  expect(
    await check
      .locator('img')
      .first()
      .evaluate((img) => getComputedStyle(img).imageRendering),
  ).toBe('pixelated');
  await check.scrollIntoViewIfNeeded();
  await shot(page, '10-copy-checked');

  // The rest of the batch at once: another of the four shows its result when opened.
  await results.nth(1).click();
  await expect(pane).toHaveAttribute('data-id', (await results.nth(1).getAttribute('data-id'))!);
  await expect(check).toHaveAttribute('data-state', 'unchecked');
  await check.getByTestId('check-copies-batch').click();
  await expect(check.getByTestId('copy-check-progress')).toContainText('Checking 4 images for copies');
  await shot(page, '11-batch-running');
  await expect(check).toHaveAttribute('data-state', /^(clear|copy)$/, { timeout: 60_000 });
  await results.nth(3).click();
  await expect(pane).toHaveAttribute('data-id', (await results.nth(3).getAttribute('data-id'))!);
  await expect(check).toHaveAttribute('data-state', /^(clear|copy)$/);
  await expect(check.getByTestId('copy-nearest-name')).not.toBeEmpty();
  await check.scrollIntoViewIfNeeded();
  await shot(page, '12-batch-result');

  expect(pageErrors).toEqual([]);
});
