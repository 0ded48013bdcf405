// The Generate screen as a designer uses it, on the starter project with a small conditional GAN
// trained from the CLI first: write a prompt with autocomplete, accept a "did you mean" fix,
// generate 64 images (timed from the click until every image has loaded), open one, verify
// it bit for bit, make variations, interpolate to another image and export a GIF, walk around
// it, post-process it, rate it, export a contact sheet of a selection and filter the gallery by
// rating. Screenshots land in test-results/generate-*.png to be looked at.
import { expect, test, type Page } from '@playwright/test';
import { armPressTimer, pressTiming } from './press-timer';
import { apiHeaders, studioWithProject, trainTinyCgan, type RunningStudio } from './studio';

let studio: RunningStudio;

// Tracing snapshots the DOM as it changes, which slows rendering the 64-image grid by a few hundred
// ms and would spoil its timing; failures still leave a screenshot and the page's error context.
test.use({ trace: 'off' });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  // A few steps are enough: the test is about the screen, not the pictures.
  studio = await studioWithProject({ starter: true, prepare: trainTinyCgan() });
});
test.afterAll(() => studio?.stop());

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Pipeline' }).getByRole('button', { name });
const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/generate-${name}.png`, animations: 'disabled' });

/** Every <img> inside the locator's elements has decoded. */
async function imagesLoaded(page: Page, selector: string, count: number): Promise<void> {
  await page.waitForFunction(
    ({ selector, count }) => {
      const imgs = [...document.querySelectorAll<HTMLImageElement>(selector)];
      return imgs.length === count && imgs.every((i) => i.complete && i.naturalWidth > 0);
    },
    { selector, count },
  );
}

/** A result grid shows `count` pictures: canvases drawn from the answer's pixels, or decoded <img>s. */
async function resultsShown(page: Page, count: number): Promise<void> {
  await page.waitForFunction((count) => {
    const grid = document.querySelector('[data-testid="result-grid"]');
    if (!grid) return false;
    const imgs = [...grid.querySelectorAll('img')];
    const drawn = grid.querySelectorAll('canvas[data-drawn="true"]').length;
    return imgs.length + drawn === count && imgs.every((i) => i.complete && i.naturalWidth > 0);
  }, count);
}

test('prompt → 64 images → detail, regenerate, variations, interpolation, walk, post-processing, export, rating', async ({ page }) => {
  test.setTimeout(240_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(studio.url);
  await nav(page, 'Generate').click();

  // The model is offered, and the gallery says what to do while it is empty.
  const bar = page.getByTestId('prompt-bar');
  await expect(bar).toBeVisible();
  await expect(page.getByTestId('generate-model')).toContainText('step 24');
  await expect(page.getByTestId('prompt-note')).toContainText(/steers by \d+ tags/);
  await expect(page.getByRole('main')).toContainText('Nothing generated yet');
  await shot(page, '01-empty');

  // Autocomplete: the first completion for "anim" is inserted with Tab, with nothing after it (so a
  // weight such as ':1.5' can follow); the next term starts with a comma.
  const input = page.getByTestId('prompt-input');
  await input.click();
  await input.pressSequentially('anim', { delay: 20 });
  const completions = page.getByTestId('prompt-completion');
  await expect(completions.first()).toContainText(/anim/i);
  const first = (await completions.first().locator('span').first().textContent())!.trim();
  await input.press('ArrowDown');
  await expect(completions.first()).toHaveAttribute('aria-selected', 'true');
  await input.press('Tab');
  await expect(input).toHaveValue(first);
  await expect(page.getByTestId('prompt-completions')).toBeHidden();

  // A misspelt tag is underlined with a suggestion; accepting it fixes the text.
  await input.pressSequentially(', hert', { delay: 20 });
  await input.press('Escape');
  const problem = page.getByTestId('prompt-problem');
  await expect(problem).toContainText("'hert'");
  await expect(bar.locator('mark')).toHaveText('hert');
  await shot(page, '02-prompt-problem');
  await problem.getByTestId('prompt-fix').filter({ hasText: 'heart' }).click();
  await expect(input).toHaveValue(`${first}, heart`);
  await expect(problem).toHaveCount(0);

  // Opening the view warmed the generator with one image; two batches of 64 through the API make
  // sure every drawing worker has the model loaded before the timed Generate, as after any first
  // use (the gallery is not on screen now, so nothing else changes).
  const warmMs: number[] = [];
  for (const seed of [1, 2]) {
    const warm = await page.request.post(new URL('/api/generations:create', page.url()).href, {
      data: { prompt: `heart, n:64, seed:${seed}` },
      headers: apiHeaders(studio.url),
    });
    expect(warm.ok()).toBe(true);
    warmMs.push(Math.round(((await warm.json()) as { result: { ms: number } }).result.ms));
  }
  console.log(`The first two 64-image batches after opening the view (API, no UI): engine ${warmMs.join(' and ')} ms`);

  // 64 images, seed locked by typing it; timed from the click until every image has decoded.
  await page.getByTestId('generate-count').fill('64');
  await page.getByTestId('generate-seed').fill('7');
  await expect(page.getByTestId('seed-lock')).toHaveAttribute('aria-pressed', 'true');
  await armPressTimer(page, 64, 'seed 7 ·');
  await page.getByTestId('generate').click();
  const t = await pressTiming(page);
  const summary = (await page.getByTestId('result-summary').textContent()) ?? '';
  const engineMs = Number(/(\d+) ms/.exec(summary)?.[1] ?? NaN);
  console.log(
    `64-image grid: ${Math.round(t.total)} ms from the click until all 64 images were painted — generations:create answered at ${Math.round(t.response)} ms ` +
      `(engine ${engineMs} ms), ${t.fileRequests} image files requested`,
  );
  expect(t.fileRequests, 'the fresh grid draws from the answer, not from 64 file requests').toBe(0);
  await expect(page.getByTestId('result-title')).toContainText('heart');
  await expect(page.getByTestId('result-summary')).toContainText('seed 7 · 64 images');
  await expect(page.getByTestId('generate')).toBeEnabled();
  await shot(page, '03-batch');

  // The detail pane: pixel-exact preview and provenance.
  const results = page.getByTestId('result-image');
  await results.nth(3).click();
  const detail = page.getByTestId('generation-detail');
  await expect(detail).toBeVisible();
  const openId = Number(await detail.getAttribute('data-id'));
  await expect(detail.getByTestId('provenance')).toContainText('heart');
  await expect(detail.getByTestId('provenance')).toContainText('step 24');
  await expect(detail.getByTestId('provenance-origin')).toHaveText('Prompt');
  expect(await detail.getByTestId('detail-preview').evaluate((img) => getComputedStyle(img).imageRendering)).toBe('pixelated');

  // Verify: drawn again from its provenance, the same bytes.
  await detail.getByTestId('verify').click();
  await expect(detail.getByTestId('verify-result')).toContainText('Reproduced bit-identically', { timeout: 30_000 });
  await shot(page, '04-detail');

  // Variations: six children.
  await detail.getByTestId('explore-vary').locator('summary').click();
  await detail.getByTestId('vary-count').fill('6');
  await detail.getByTestId('vary-strength').fill('0.5');
  await detail.getByTestId('vary-run').click();
  await expect(page.getByTestId('result-title')).toHaveText(`Variations of #${openId}`);
  await expect(page.getByTestId('result-grid')).toHaveAttribute('data-count', '6');
  await resultsShown(page, 6);
  await shot(page, '05-variations');

  // Interpolate to one of the variations, then export the strip as a GIF.
  await detail.getByTestId('explore-vary').locator('summary').click();
  await detail.getByTestId('explore-interpolate').locator('summary').click();
  // First towards a prompt with a misspelt tag: the engine's refusal shows in place.
  await detail.getByTestId('interpolate-to').getByRole('radio', { name: 'A prompt' }).click();
  await detail.getByTestId('interpolate-prompt').fill('hert, seed:3');
  await detail.getByTestId('interpolate-run').click();
  await expect(detail.getByTestId('explore-interpolate').getByRole('alert')).toContainText("'hert'");
  await detail.getByTestId('interpolate-to').getByRole('radio', { name: 'Another image' }).click();
  await detail.getByTestId('interpolate-pick').click();
  const endId = Number(await results.nth(2).getAttribute('data-id'));
  await results.nth(2).click();
  await expect(detail).toHaveAttribute('data-id', String(openId));
  await expect(detail.getByTestId('interpolate-end')).toBeVisible();
  await detail.getByTestId('interpolate-steps').fill('6');
  await detail.getByTestId('interpolate-run').click();
  await expect(page.getByTestId('result-title')).toHaveText(`Interpolation #${openId} → #${endId}`);
  await expect(page.getByTestId('result-grid')).toHaveAttribute('data-count', '6');
  await page.getByTestId('animate-gif').click();
  const gif = page.getByTestId('animation-gif');
  await expect(gif).toBeVisible({ timeout: 30_000 });
  const href = (await gif.getByTestId('animation-link').getAttribute('href'))!;
  expect(href).toMatch(/^\/files\/exports\/.+\.gif$/);
  const gifFile = await page.request.get(new URL(href, page.url()).href);
  expect(gifFile.status()).toBe(200);
  expect(gifFile.headers()['content-type']).toContain('image/gif');
  await imagesLoaded(page, '[data-testid="animation-gif"] img', 1);
  await shot(page, '06-interpolation');

  // Latent walk: 3×3 along a tag; the centre is the image.
  await detail.getByTestId('explore-interpolate').locator('summary').click();
  await detail.getByTestId('explore-walk').locator('summary').click();
  await detail.getByTestId('walk-size').fill('3');
  await detail.getByTestId('walk-direction').selectOption('heart');
  await detail.getByTestId('walk-run').click();
  await expect(page.getByTestId('result-title')).toHaveText(`Latent walk around #${openId}`);
  await expect(page.getByTestId('result-grid')).toHaveAttribute('data-count', '9');
  await resultsShown(page, 9);
  await shot(page, '07-walk');

  // Post-process: 8 colours, ×4 nearest → a new image, the original kept as its parent.
  await detail.getByTestId('explore-walk').locator('summary').click();
  await detail.getByTestId('explore-post').locator('summary').click();
  await detail.getByTestId('post-palette').check();
  await detail.getByTestId('post-colours').fill('8');
  await detail.getByTestId('post-upscale').check();
  await detail.getByTestId('post-factor').selectOption('4');
  await detail.getByTestId('post-kernel').selectOption('nearest');
  await detail.getByTestId('post-run').click();
  await expect(page.getByTestId('result-title')).toContainText(`Post-processed #${openId} → #`);
  await expect(detail).not.toHaveAttribute('data-id', String(openId));
  const postId = Number(await detail.getAttribute('data-id'));
  await expect(detail.getByTestId('provenance-post')).toContainText('Palette of 8 colours');
  await expect(detail.getByTestId('provenance-post')).toContainText('Upscale ×4');
  await expect(detail.getByTestId('provenance-parent')).toHaveText(`#${openId}`);
  await page.waitForFunction(() => (document.querySelector<HTMLImageElement>('[data-testid="detail-preview"]')?.naturalWidth ?? 0) === 128);

  // Rate it five stars: the first rating on this workstation asks who is rating, then counts.
  await detail.getByTestId('generation-rating').getByRole('button', { name: '5 stars' }).click();
  const reviewer = page.getByTestId('reviewer-dialog');
  await expect(reviewer).toBeVisible();
  await reviewer.getByTestId('reviewer-name').fill('Ana');
  await reviewer.getByTestId('reviewer-save').click();
  await expect(reviewer).toBeHidden();
  await expect(detail.getByTestId('generation-rating-words')).toHaveText('5 of 5');
  await expect(detail.getByTestId('generation-team-rating')).toContainText('5 stars from 1 reviewer');
  await shot(page, '08-post-processed');

  // The gallery holds everything; shift-click selects a range; export it as a contact sheet.
  await page.getByTestId('tab-gallery').click();
  const cells = page.getByTestId('gallery-cell');
  await expect(cells.first()).toBeVisible();
  await expect(page.getByTestId('tab-gallery')).toContainText(/\d{2}/);
  await cells.nth(0).click();
  await cells.nth(5).click({ modifiers: ['Shift'] });
  await expect(page.getByTestId('gallery-selection-count')).toHaveText('6');
  await page.getByTestId('gallery-export').click();
  const dialog = page.getByTestId('export-dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByTestId('export-size').selectOption('64');
  await dialog.getByTestId('export-run').click();
  await expect(dialog.getByTestId('export-result')).toContainText('Wrote one file');
  await expect(dialog.getByTestId('export-link')).toHaveAttribute('href', /\/files\/exports\/.+\/contact-sheet\.png$/);
  await imagesLoaded(page, '[data-testid="export-sheet"]', 1);
  await shot(page, '09-export');
  await dialog.getByRole('button', { name: 'Close' }).first().click();
  await expect(dialog).toBeHidden();

  // Select all (Ctrl/Cmd+A): every image the gallery's filter matches, on screen or not.
  const selectAll = page.getByTestId('gallery-select-all');
  const total = Number(((await selectAll.textContent()) ?? '').replace(/\D/g, ''));
  expect(total).toBeGreaterThan(64);
  await page.keyboard.press('ControlOrMeta+a');
  await expect(page.getByTestId('gallery-selection-count')).toHaveText(total.toLocaleString('en'));
  await expect(selectAll).toBeHidden();
  await shot(page, '09b-select-all');

  // Filter by rating: only the five-star image is left.
  await page.keyboard.press('Escape');
  await page.getByTestId('filter-min-rating').getByRole('button', { name: '5 stars' }).click();
  await expect(cells).toHaveCount(1);
  await expect(cells.first()).toHaveAttribute('data-id', String(postId));
  await expect(page.getByTestId('gallery-filter-words')).toContainText('rated 5 stars');
  await shot(page, '10-gallery-rated');

  // History and templates: the prompt just used is offered again; save it as a template.
  await page.getByTestId('prompt-library').click();
  await expect(page.getByTestId('history-item').first()).toContainText('heart');
  await page.getByTestId('template-name').fill('Hearts');
  await page.getByTestId('template-save').click();
  await expect(page.getByTestId('template-apply')).toContainText('Hearts');
  await shot(page, '11-prompt-library');
  await page.keyboard.press('Escape');

  // A refused prompt: the problem is marked, and Generate says why nothing came.
  await input.fill('heart, @run9');
  await expect(page.getByTestId('prompt-problem')).toContainText('There is no run 9');
  await input.press('Enter');
  await expect(page.getByTestId('generate-error')).toContainText('Nothing was generated');
  await shot(page, '12-engine-error');

  expect(pageErrors).toEqual([]);
});

test('a project without a trained model says to train one first', async ({ page }) => {
  const empty = await studioWithProject({ starter: false });
  try {
    await page.goto(empty.url);
    await nav(page, 'Generate').click();
    await expect(page.getByRole('main')).toContainText('Train a model first');
    await shot(page, '13-no-model');
    await page.getByTestId('go-train').click();
    await expect(page.getByTestId('train-view')).toBeVisible();
  } finally {
    empty.stop();
  }
});
