// A designer's first hour in the Data grid, on the starter project: dark art on a light or
// checkerboard tile (grid and detail pane, remembered), the clicked tile stays under the pointer
// when the detail pane opens (so the next ctrl-click lands where aimed), keys 1–5 rate the
// focused tile, a run of ratings is one confirmation whose Undo brings the previous ratings back,
// the tag chips are one tab stop, and unsaved augmentation edits survive tab and view switches.
// Screenshots land in test-results/data-*.png to be looked at.
import { expect, test, type Page } from '@playwright/test';
import { studioWithProject, type RunningStudio } from './studio';

let studio: RunningStudio;
let page: Page;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  studio = await studioWithProject({ starter: true });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(studio.url);
  await expect(page.getByTestId('asset-cell').first()).toBeVisible();
});
test.afterAll(async () => {
  await page?.close();
  studio?.stop();
});

const shot = (name: string) => page.screenshot({ path: `test-results/data-${name}.png`, animations: 'disabled' });
/** A tile that is neither selected nor open nor hovered: its background is the choice's. */
const TILE = '[data-testid="asset-cell"][aria-pressed="false"]:not(:hover)';
const cells = () => page.getByTestId('asset-cell');
const cellById = (id: string) => page.locator(`[data-testid="asset-cell"][data-id="${id}"]`);
const background = (selector: string) =>
  page
    .locator(selector)
    .first()
    .evaluate((el) => getComputedStyle(el).backgroundColor + ' ' + getComputedStyle(el).backgroundImage);
/** The grid cell (its image id) at a point on screen. */
const idAt = (x: number, y: number) =>
  page.evaluate(([px, py]) => document.elementFromPoint(px!, py!)?.closest('[data-testid="asset-cell"]')?.getAttribute('data-id') ?? null, [x, y]);

test('tiles sit on dark, light or a checkerboard, in the grid as in the detail pane, and the choice is remembered', async () => {
  const picker = page.getByRole('radiogroup', { name: 'Tile background' });
  await expect(picker.getByRole('radio', { name: 'Dark tiles' })).toHaveAttribute('aria-checked', 'true');
  const dark = await background(TILE);

  await picker.getByRole('radio', { name: 'Light tiles' }).click();
  await expect(page.getByTestId('asset-grid')).toHaveAttribute('data-tile', 'light');
  expect(await background(TILE)).toContain('rgb(236, 236, 239)');
  // The copyright sign (dark grey on transparency) is the art that vanished on dark tiles.
  await page.locator('[data-testid="asset-cell"][aria-label^="copyright"]').first().click();
  await expect(page.getByTestId('asset-detail').getByTestId('detail-preview')).toHaveAttribute('data-tile', 'light');
  await shot('01-light-tiles');

  // Remembered: a reload keeps the choice.
  await page.reload();
  await expect(page.getByTestId('asset-grid')).toHaveAttribute('data-tile', 'light');
  await page.getByRole('radiogroup', { name: 'Tile background' }).getByRole('radio', { name: 'Checkerboard tiles' }).click();
  await expect(page.getByTestId('asset-grid')).toHaveAttribute('data-tile', 'checker');
  expect(await background(TILE)).toContain('repeating-conic-gradient');
  await expect(page.getByTestId('detail-preview')).toHaveAttribute('data-tile', 'checker');
  await cells().nth(0).click();
  await shot('02-checkerboard-tiles');
  await page.getByRole('radiogroup', { name: 'Tile background' }).getByRole('radio', { name: 'Dark tiles' }).click();
  expect(await background(TILE)).toBe(dark);
});

test('the clicked tile stays under the pointer when the detail pane opens, so the next ctrl-click lands on the image aimed at', async () => {
  await page.reload();
  await expect(cells().first()).toBeVisible();
  await expect(page.getByTestId('detail-empty')).toBeVisible(); // the pane is there before anything is open
  // A tile in the grid's right half, where a reflow would move it most.
  const columns = await page.evaluate(
    () => new Set([...document.querySelectorAll('[data-testid="asset-cell"]')].slice(0, 40).map((c) => c.getBoundingClientRect().left)).size,
  );
  const target = cells().nth(2 * columns - 1);
  const id = (await target.getAttribute('data-id'))!;
  const box = (await target.boundingBox())!;
  const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
  await page.mouse.click(x, y);
  await expect(page.getByTestId('asset-detail')).toHaveAttribute('data-open', id);
  expect(await idAt(x, y)).toBe(id);
  const after = (await target.boundingBox())!;
  expect(Math.abs(after.x - box.x) + Math.abs(after.y - box.y)).toBeLessThan(1);
  await shot('03-pane-open-tile-under-pointer');

  // The next ctrl-click, on the tile left of it, selects that one.
  const left = cells().nth(2 * columns - 2);
  const leftBox = (await left.boundingBox())!;
  await page.keyboard.down('Control');
  await page.mouse.click(leftBox.x + leftBox.width / 2, leftBox.y + leftBox.height / 2);
  await page.keyboard.up('Control');
  await expect(page.getByTestId('selection-count')).toHaveText(/2 selected/);
  await expect(left).toHaveAttribute('aria-pressed', 'true');
  await expect(target).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('selection-bar')).toBeHidden();

  // A reflow the person asks for (larger thumbnails) keeps the last clicked tile at its height on screen.
  const top = (await left.boundingBox())!.y;
  await page.getByRole('radio', { name: 'large thumbnails' }).click();
  await expect.poll(async () => (await left.boundingBox())?.width ?? 0).toBeGreaterThan(leftBox.width + 20);
  expect(Math.abs((await left.boundingBox())!.y - top)).toBeLessThan(1);
  await page.getByRole('radio', { name: 'medium thumbnails' }).click();
});

test('keys 1–5 rate the focused tile when nothing is selected, 0 clears; a run of ratings is one confirmation whose Undo restores the previous ratings', async () => {
  const [a, b] = [cells().nth(20), cells().nth(21)];
  const [idA, idB] = [(await a.getAttribute('data-id'))!, (await b.getAttribute('data-id'))!];
  // B clicked (selected alone), then the arrow key moves to A: 3 rates A, the tile with the focus.
  await b.click();
  await page.keyboard.press('ArrowLeft');
  await expect(cellById(idA)).toBeFocused();
  await page.keyboard.press('3');
  await expect(cellById(idA).getByTestId('asset-cell-rating')).toHaveText('3');
  await expect(cellById(idB).getByTestId('asset-cell-rating')).toHaveCount(0);
  const toast = page.locator('[data-testid="toast"][data-key="rating"]');
  await expect(toast).toContainText('Rated 1 image 3 stars');
  await toast.getByRole('button', { name: 'Dismiss' }).click();
  await expect(toast).toBeHidden();
  await a.click(); // back to the grid (the dismissed toast had the focus)
  await page.keyboard.press('Escape'); // nothing selected; the focus stays on A
  await expect(page.getByTestId('selection-bar')).toBeHidden();
  await expect(cellById(idA)).toBeFocused();

  // A new run: A to 5, B to 2, B cleared by 0, B to 4: one confirmation, replaced each time.
  await page.keyboard.press('5');
  await expect(cellById(idA).getByTestId('asset-cell-rating')).toHaveText('5');
  await page.keyboard.press('ArrowRight');
  await expect(cellById(idB)).toBeFocused();
  await page.keyboard.press('2');
  await expect(cellById(idB).getByTestId('asset-cell-rating')).toHaveText('2');
  await page.keyboard.press('0');
  await expect(cellById(idB).getByTestId('asset-cell-rating')).toHaveCount(0);
  await page.keyboard.press('4');
  await expect(cellById(idB).getByTestId('asset-cell-rating')).toHaveText('4');
  await expect(page.getByTestId('toast')).toHaveCount(1);
  await expect(toast).toContainText('Rated 1 image 4 stars · 4 ratings in a row');
  await shot('04-one-rating-confirmation');

  await toast.getByRole('button', { name: 'Undo these 4 ratings' }).click();
  await expect(toast).toContainText('4 ratings undone: the previous ratings are back');
  await expect(cellById(idA).getByTestId('asset-cell-rating')).toHaveText('3');
  await expect(cellById(idB).getByTestId('asset-cell-rating')).toHaveCount(0);
  await expect(page.getByTestId('undo')).toContainText('rate 1 image 3 stars');
  await expect(page.getByTestId('toast')).toHaveCount(1);
});

test('the tag chips are one tab stop: arrows move between them, Tab leaves the group', async () => {
  const chips = page.getByRole('group', { name: 'Filter by tag' }).getByRole('button');
  expect(await chips.count()).toBeGreaterThan(100);
  await expect(page.getByRole('group', { name: 'Filter by tag' }).locator('button[tabindex="0"]')).toHaveCount(1);
  await page.getByPlaceholder(/Find a tag/).focus();
  await page.keyboard.press('Tab');
  await expect(chips.nth(0)).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(chips.nth(2)).toBeFocused();
  await page.keyboard.press('Tab');
  const left = await page.evaluate(() => document.activeElement?.closest('[aria-label="Filter by tag"]') === null);
  expect(left).toBe(true);
  // Shift+Tab comes back to the chip last focused.
  await page.keyboard.press('Shift+Tab');
  await expect(chips.nth(2)).toBeFocused();
});

test('unsaved augmentation edits survive a switch to another tab and to another view', async () => {
  const tab = page.getByTestId('tab-augment');
  await tab.click();
  const hflip = page.getByTestId('aug-hflip');
  const output = hflip.locator('xpath=following-sibling::output');
  // A new project augments nothing (docs/training-recipe.md, trials T1–T2), and says why.
  await expect(output).toHaveText('0%');
  await expect(page.getByTestId('aug-default-note')).toContainText('Off for a new project');
  await hflip.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(output).toHaveText('10%');
  await expect(page.getByTestId('aug-unsaved')).toBeVisible();

  await page.getByTestId('tab-tags').click();
  await expect(page.getByTestId('tags-panel')).toBeVisible();
  await expect(page.getByTestId('aug-unsaved-dot')).toBeVisible();
  await tab.click();
  await expect(output).toHaveText('10%');

  const nav = page.getByRole('navigation', { name: 'Pipeline' });
  await nav.getByRole('button', { name: 'Train' }).click();
  await expect(page.getByTestId('tab-augment')).toBeHidden();
  await nav.getByRole('button', { name: 'Data' }).click();
  await expect(page.getByTestId('aug-unsaved-dot')).toBeVisible();
  await page.getByTestId('tab-augment').click();
  await expect(output).toHaveText('10%');
  await expect(page.getByTestId('aug-save')).toHaveText('Save policy');
  await expect(page.getByTestId('augment-preview').locator('img').first()).toBeVisible();
  await shot('05-augmentation-kept');
  await page.getByTestId('aug-revert').click();
  await expect(output).toHaveText('0%');
  await expect(page.getByTestId('aug-unsaved-dot')).toBeHidden();
});

test('a double-click or Space shows the original full size; the arrows step through the grid, the detail pane follows', async () => {
  await page.getByTestId('tab-images').click();
  const first = cells().first();
  await first.dblclick();
  const viewer = page.getByTestId('image-viewer');
  await expect(viewer).toBeVisible();
  const name = (await first.getAttribute('aria-label'))!.split(',')[0]!;
  await expect(viewer.getByTestId('viewer-title')).toHaveText(name);
  await expect(viewer.getByTestId('viewer-subtitle')).toContainText('64 × 64 px');
  // The original, not the thumbnail.
  await expect(viewer.getByTestId('viewer-image')).toHaveAttribute('src', /assets\//);
  await expect(viewer.getByTestId('viewer-count')).toHaveText(/^1 of \d+$/);
  await page.keyboard.press('ArrowRight');
  await expect(viewer.getByTestId('viewer-count')).toHaveText(/^2 of \d+$/);
  const second = (await cells().nth(1).getAttribute('aria-label'))!.split(',')[0]!;
  await expect(viewer.getByTestId('viewer-title')).toHaveText(second);
  await shot('06-viewer');
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();
  await expect(page.getByTestId('asset-detail')).toContainText(second);
  // Space on the focused tile opens it too.
  await cells().nth(2).click();
  await expect(cells().nth(2)).toBeFocused();
  await page.keyboard.press('Space');
  await expect(viewer.getByTestId('viewer-count')).toHaveText(/^3 of \d+$/);
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();
});
