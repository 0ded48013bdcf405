// Looking at what was made (issue 16), on the starter project with the tiny trained model that
// generate.spec.ts uses: the full-size viewer from the results and the gallery, keys rating the
// results. Screenshots at 1440×900 land in test-results/first-hour-generate-*.png.
import { expect, test, type Page } from '@playwright/test';
import { studioWithProject, trainTinyCgan, type RunningStudio } from './studio';

let studio: RunningStudio;

test.use({ viewport: { width: 1440, height: 900 } });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  studio = await studioWithProject({ starter: true, prepare: trainTinyCgan() });
});
test.afterAll(() => studio?.stop());

const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/first-hour-generate-${name}.png`, animations: 'disabled' });

async function generate(page: Page, prompt: string): Promise<void> {
  const input = page.getByTestId('prompt-input');
  await input.fill(prompt);
  await input.press('Escape');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('result-summary')).toContainText(prompt.match(/n:(\d+)/)?.[1] ?? '', { timeout: 30_000 });
}

test('the viewer, rating keys, in the results and the gallery', async ({ page }) => {
  test.setTimeout(60_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(studio.url);
  await page.getByRole('navigation', { name: 'Pipeline' }).getByRole('button', { name: 'Generate' }).click();
  await generate(page, 'seed:7, n:6');
  const cells = page.getByTestId('result-image');
  await expect(cells).toHaveCount(6);

  // Double-click opens the viewer on that image; arrows step through the batch, zoom is pixelated.
  await cells.nth(1).dblclick();
  const viewer = page.getByTestId('image-viewer');
  await expect(viewer).toBeVisible();
  await expect(viewer.getByTestId('viewer-count')).toHaveText('2 of 6');
  await expect(viewer.getByTestId('viewer-title')).toContainText('seed 7 · index 1');
  await page.keyboard.press('ArrowRight');
  await expect(viewer.getByTestId('viewer-count')).toHaveText('3 of 6');
  await expect(viewer.getByTestId('viewer-title')).toContainText('index 2');
  const image = viewer.getByTestId('viewer-image');
  await expect(image).toHaveCSS('image-rendering', 'pixelated');
  await expect(viewer.getByTestId('viewer-scale')).toContainText('32 × 32 px at');
  await shot(page, '01-viewer-fit');
  await viewer.getByTestId('viewer-zoom-4').click();
  await expect(image).toHaveCSS('width', '128px');
  await page.keyboard.press('+');
  await expect(image).toHaveCSS('width', '256px');
  await page.keyboard.press('0');
  await expect(viewer.getByTestId('viewer-zoom-fit')).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();

  // Space on a focused result opens it; a digit rates it.
  await cells.nth(0).focus();
  await page.keyboard.press('Space');
  await expect(viewer.getByTestId('viewer-count')).toHaveText('1 of 6');
  await page.keyboard.press('Escape');
  await cells.nth(0).focus();
  await page.keyboard.press('4');
  // The first rating on this workstation asks who is rating.
  const reviewer = page.getByTestId('reviewer-dialog');
  await reviewer.getByTestId('reviewer-name').fill('Ana');
  await reviewer.getByTestId('reviewer-save').click();
  await expect(cells.nth(0).getByTestId('result-rating')).toBeVisible();

  // The gallery: Space on the focused tile, arrows through what the gallery has loaded.
  await page.getByTestId('tab-gallery').click();
  const tiles = page.getByTestId('gallery-cell');
  await expect(tiles).toHaveCount(6);
  await tiles.nth(0).click();
  await page.keyboard.press('Space');
  await expect(viewer.getByTestId('viewer-count')).toHaveText('1 of 6');
  await page.keyboard.press('End');
  await expect(viewer.getByTestId('viewer-count')).toHaveText('6 of 6');
  // The detail pane follows the image looked at.
  await expect(page.getByTestId('generation-detail')).toHaveAttribute('data-id', (await tiles.nth(5).getAttribute('data-id'))!);
  await page.keyboard.press('Escape');
  expect(pageErrors).toEqual([]);
});

test('deleting: to the bin with Undo, restored from the bin, the bin emptied', async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto(studio.url);
  await page.getByRole('navigation', { name: 'Pipeline' }).getByRole('button', { name: 'Generate' }).click();
  await generate(page, 'seed:11, n:4');
  const cells = page.getByTestId('result-image');
  await expect(cells).toHaveCount(4);
  const first = (await cells.nth(0).getAttribute('data-id'))!;

  // Delete on a result: gone at once, said quietly, and Undo brings it back in its place.
  await cells.nth(0).focus();
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('bin-notice-message')).toHaveText(`Image #${first} moved to the bin.`);
  await expect(cells).toHaveCount(3);
  await page.getByTestId('bin-undo').click();
  await expect(page.getByTestId('bin-notice-message')).toHaveText(`Image #${first} back in the gallery.`);
  await expect(cells).toHaveCount(4);
  await expect(cells.nth(0)).toHaveAttribute('data-id', first);

  // Two selected in the gallery, deleted from the selection bar.
  await page.getByTestId('tab-gallery').click();
  const tiles = page.getByTestId('gallery-cell');
  const before = await tiles.count();
  await tiles.nth(0).click();
  await tiles.nth(1).click({ modifiers: ['Control'] });
  await page.getByTestId('gallery-bin').click();
  await expect(page.getByTestId('bin-notice-message')).toHaveText('2 images moved to the bin.');
  await expect(tiles).toHaveCount(before - 2);
  await expect(page.getByTestId('bin-toggle')).toContainText('2');
  await shot(page, '02-binned');

  // The bin: restore one, empty the rest; its file goes.
  await page.getByTestId('bin-toggle').click();
  await expect(page.getByTestId('bin-head')).toBeVisible();
  await expect(tiles).toHaveCount(2);
  const gone = (await tiles.nth(1).getAttribute('data-id'))!;
  await tiles.nth(0).click();
  await page.getByTestId('detail-restore').click();
  await expect(page.getByTestId('bin-notice-message')).toContainText('restored to the gallery');
  await expect(tiles).toHaveCount(1);
  await shot(page, '03-bin');
  const src = new URL((await page.locator(`[data-testid="gallery-cell"][data-id="${gone}"] img`).getAttribute('src'))!, studio.url).href;
  expect((await page.request.get(src)).status()).toBe(200);
  await page.getByTestId('empty-bin').click();
  await page.getByTestId('empty-bin-confirm').click();
  await expect(page.getByTestId('bin-notice-message')).toHaveText('Bin emptied: 1 image deleted for good.');
  await expect(page.getByRole('main')).toContainText('The bin is empty');
  expect((await page.request.get(src)).status()).toBe(404);
  await page.getByTestId('bin-back').click();
  await expect(tiles).toHaveCount(before - 1);
});

test('Regenerate rolls again, Verify checks the bytes, and a walk is one tile in the gallery', async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto(studio.url);
  await page.getByRole('navigation', { name: 'Pipeline' }).getByRole('button', { name: 'Generate' }).click();
  await generate(page, 'seed:5, n:3');
  await page.getByTestId('result-image').nth(0).click();
  const detail = page.getByTestId('generation-detail');

  // Regenerate: the same prompt with a new seed, as a new batch; Verify: the same bytes again.
  await detail.getByTestId('regenerate').click();
  await expect(page.getByTestId('result-title')).toHaveText('n:3');
  await expect(page.getByTestId('result-summary')).toHaveText(/^seed \d+ · 3 images/);
  await expect(page.getByTestId('result-summary')).not.toHaveText(/^seed 5 ·/);
  await detail.getByTestId('verify').click();
  await expect(detail.getByTestId('verify-result')).toContainText('Reproduced bit-identically', { timeout: 30_000 });
  await shot(page, '04-verify');

  // A 3×3 walk: nine images in the results, one tile in the gallery that expands to the nine.
  await detail.getByTestId('explore-walk').locator('summary').click();
  await detail.getByTestId('walk-size').fill('3');
  await detail.getByTestId('walk-run').click();
  await expect(page.getByTestId('result-grid')).toHaveAttribute('data-count', '9');
  await page.getByTestId('tab-gallery').click();
  const group = page.getByTestId('gallery-group');
  await expect(group).toHaveCount(1);
  await expect(group).toContainText('×9');
  const tiles = page.getByTestId('gallery-cell');
  const collapsed = await tiles.count();
  await group.click();
  await detail.getByTestId('detail-group-expand').click();
  await expect(tiles).toHaveCount(9);
  await expect(page.getByTestId('gallery-filter-words')).toContainText('batch #');
  await shot(page, '05-walk-expanded');
  await page.getByTestId('filter-clear').click();
  await expect(tiles).toHaveCount(collapsed);

  // Deleting the walk's tile takes the whole walk to the bin; Undo brings it back.
  await group.click();
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('bin-notice-message')).toHaveText('9 images moved to the bin.');
  await expect(group).toHaveCount(0);
  await page.getByTestId('bin-undo').click();
  await expect(group).toContainText('×9');
});

test('the pane keeps its preview, follows the batch shown, leaves a strip whole; results survive a reload', async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto(studio.url);
  await page.getByRole('navigation', { name: 'Pipeline' }).getByRole('button', { name: 'Generate' }).click();
  await generate(page, 'seed:21, n:2');
  await generate(page, 'seed:22, n:3');
  const cells = page.getByTestId('result-image');
  await cells.nth(0).click();
  const detail = page.getByTestId('generation-detail');

  // An interpolation of 12 frames: every frame, the last too, lies left of the pane.
  await detail.getByTestId('explore-interpolate').locator('summary').click();
  await detail.getByTestId('interpolate-to').getByRole('radio', { name: 'A prompt' }).click();
  await detail.getByTestId('interpolate-prompt').fill('seed:3');
  await detail.getByTestId('interpolate-steps').fill('12');
  await detail.getByTestId('interpolate-run').click();
  await expect(page.getByTestId('result-grid')).toHaveAttribute('data-count', '12');
  const pane = (await detail.boundingBox())!;
  const last = (await cells.nth(11).boundingBox())!;
  expect(last.x + last.width).toBeLessThanOrEqual(pane.x);
  expect(last.y + last.height).toBeLessThanOrEqual(900);

  // Scrolled to its forms, the pane still shows the image.
  await detail.evaluate((el) => (el.scrollTop = el.scrollHeight));
  const preview = (await detail.getByTestId('detail-preview').boundingBox())!;
  expect(preview.y).toBeGreaterThanOrEqual(pane.y);
  expect(preview.y + preview.height).toBeLessThanOrEqual(pane.y + pane.height);
  await shot(page, '06-strip-and-pinned-preview');

  // Choosing the first batch's chip: the pane follows it.
  await page.locator('.history .chip', { hasText: 'seed:21' }).click();
  await expect(detail).toHaveAttribute('data-id', (await cells.nth(0).getAttribute('data-id'))!);

  // A reload keeps the three results and the one shown.
  await page.reload();
  await page.getByRole('navigation', { name: 'Pipeline' }).getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('tab-results')).toContainText('3');
  await expect(page.getByTestId('result-title')).toHaveText('seed:21, n:2');
  await expect(cells).toHaveCount(2);
  await shot(page, '07-after-reload');
});
