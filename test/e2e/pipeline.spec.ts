// The whole thin pipeline in the app, as a person walks it: open the starter
// project, see the grid, train briefly, watch progress reach 100%, generate,
// see the images. Screenshots land in test-results/ to be looked at.
import { expect, test, type Page } from '@playwright/test';
import { studioWithProject, type RunningStudio } from './studio';

let studio: RunningStudio;

test.beforeAll(async () => {
  studio = await studioWithProject({ starter: true });
});
test.afterAll(() => studio?.stop());

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Pipeline' }).getByRole('button', { name });

test('starter project → train → generate', async ({ page }) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(studio.url);

  // Data: the virtualized grid shows the starter set, only what is visible is rendered.
  const grid = page.getByTestId('asset-grid');
  await expect(grid).toBeVisible();
  await expect(page.getByTestId('asset-cell').first()).toBeVisible();
  const rendered = await page.getByTestId('asset-cell').count();
  expect(rendered).toBeGreaterThan(20);
  expect(rendered).toBeLessThan(1000);
  await expect(page.getByText('3,752', { exact: false }).first()).toBeVisible();
  await expect(page.getByTestId('backend')).toContainText('WebAssembly');
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="asset-cell"] img')].some((i) => (i as HTMLImageElement).naturalWidth > 0));
  await page.screenshot({ path: 'test-results/e2e-01-data.png', animations: 'disabled' });

  // Train: a short run, progress to 100 %, a loss chart drawn from live events.
  await nav(page, 'Train').click();
  await page.getByTestId('train-advanced').locator('summary').click(); // steps instead of a time budget
  await page.getByTestId('train-steps').fill('12');
  await page.getByTestId('train-batch').fill('16');
  await page.getByTestId('start-training').click();
  const progress = page.getByTestId('train-progress');
  await expect(progress).toBeVisible();
  await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow')), { timeout: 120_000 }).toBeGreaterThan(0);
  await page.screenshot({ path: 'test-results/e2e-02-training.png', animations: 'disabled' });
  await expect(page.getByTestId('job-result')).toHaveAttribute('data-status', 'done', { timeout: 180_000 });
  await expect(progress).toHaveAttribute('aria-valuenow', '100');
  await expect(page.getByTestId('loss-chart').locator('canvas').first()).toBeVisible();
  await page.screenshot({ path: 'test-results/e2e-03-trained.png', animations: 'disabled' });

  // Generate: 16 images from the new checkpoint appear in the gallery.
  await nav(page, 'Generate').click();
  await page.getByTestId('generate-count').fill('16');
  await page.getByTestId('generate-seed').fill('42');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('result-image')).toHaveCount(16, { timeout: 120_000 });
  await page.waitForFunction(() =>
    [...document.querySelectorAll('[data-testid="result-image"] img')].every(
      (i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth === 32,
    ),
  );
  await page.screenshot({ path: 'test-results/e2e-04-generated.png', animations: 'disabled' });

  // The later steps say what is coming instead of showing nothing.
  await nav(page, 'Evaluate').click();
  await expect(page.getByRole('main')).toContainText(/FID|quality|metric/i);

  expect(pageErrors).toEqual([]);
});

test('an empty project shows what to do, and an engine error reaches the person', async ({ page }) => {
  const empty = await studioWithProject({ starter: false });
  try {
    await page.goto(empty.url);
    await expect(page.getByRole('main')).toContainText(/no images yet/i);
    await page.screenshot({ path: 'test-results/e2e-05-empty-project.png', animations: 'disabled' });
    await nav(page, 'Train').click();
    await page.getByTestId('start-training').click();
    await expect(page.getByTestId('toast')).toContainText('This project has no images yet. Import some before training.');
    await page.screenshot({ path: 'test-results/e2e-06-error-toast.png', animations: 'disabled' });
    await page.getByTestId('train-advanced').locator('summary').click();
    await page.getByTestId('train-steps').fill('0');
    await expect(page.getByTestId('start-training')).toBeDisabled();
  } finally {
    empty.stop();
  }
});
