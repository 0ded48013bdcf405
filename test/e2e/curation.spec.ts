// Curating a dataset in the Data view, as a person does it: import a folder (with a
// near-duplicate pair and a broken file) and read the report, shift-select and tag,
// resolve a near-duplicate cluster, assign and lock splits, undo the last edit, rate with
// the keyboard and the detail pane's stars, and filter by rating.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import sharp from 'sharp';
import { patternPng } from '../fixtures/curation-images';
import { studioWithProject, type RunningStudio } from './studio';

let studio: RunningStudio;
let folder: string;

/** A 64×64 picture that differs from its siblings in structure, not only in colour. */
async function picture(file: string, seed: number): Promise<void> {
  writeFileSync(file, await patternPng(seed));
}

test.beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'atelier-curation-'));
  mkdirSync(join(folder, 'birds'));
  mkdirSync(join(folder, 'fish'));
  for (let i = 0; i < 6; i++) await picture(join(folder, 'birds', `bird-${i}.png`), i);
  for (let i = 0; i < 4; i++) await picture(join(folder, 'fish', `fish-${i}.png`), 10 + i);
  // The same bird, a little brighter, smaller and saved as JPEG: a near-duplicate, not a byte-for-byte one.
  await sharp(join(folder, 'birds', 'bird-0.png'))
    .resize(60, 60)
    .modulate({ brightness: 1.05 })
    .jpeg({ quality: 90 })
    .toFile(join(folder, 'birds', 'bird-0-copy.jpg'));
  writeFileSync(join(folder, 'fish', 'broken.png'), Buffer.from('89504e470d0a1a0a0000', 'hex'));
  studio = await studioWithProject({ starter: false });
});
test.afterAll(() => {
  studio?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

test('import → select and tag → resolve duplicates → split and lock → undo → rate and filter by rating', async ({ page }) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(studio.url);
  await expect(page.getByRole('main')).toContainText(/no images yet/i);

  // Import through the dialog; the report lists the broken file and why.
  await page.getByTestId('import-open').click();
  const dialog = page.getByTestId('import-dialog');
  await dialog.getByTestId('import-path').fill(folder);
  await expect(dialog.getByTestId('import-tags-from-folders')).toBeChecked();
  await dialog.getByTestId('import-start').click();
  const report = dialog.getByTestId('import-report');
  await expect(report).toBeVisible({ timeout: 60_000 });
  await expect(report.getByTestId('import-imported')).toHaveText('11');
  await expect(report.getByTestId('import-failed')).toHaveText('1');
  await expect(report.getByTestId('import-failures')).toContainText('broken.png');
  await page.screenshot({ path: 'test-results/e2e-curation-01-import-report.png', animations: 'disabled' });
  await dialog.getByTestId('import-close').click();
  await expect(dialog).toBeHidden();

  // The grid shows the new images; folder names became tags.
  const cells = page.getByTestId('asset-cell');
  await expect(cells).toHaveCount(11);
  await expect(page.getByTestId('asset-total')).toContainText('11 images');
  await expect(page.getByRole('group', { name: 'Filter by tag' })).toContainText('birds');

  // Shift-click selects a range; the selection bar tags all of it.
  await cells.nth(0).click();
  await cells.nth(3).click({ modifiers: ['Shift'] });
  await expect(page.getByTestId('selection-count')).toHaveText(/4 selected/);
  await expect(cells.nth(2)).toHaveAttribute('aria-pressed', 'true');
  await page.getByTestId('add-tag-input').fill('hero');
  await page.getByTestId('add-tag-input').press('Enter');
  await expect(page.getByRole('group', { name: 'Filter by tag' }).getByRole('button', { name: /hero/ })).toContainText('4');
  await expect(page.getByTestId('undo')).toContainText('tag hero on 4 images');
  await page.screenshot({ path: 'test-results/e2e-curation-02-tagged.png', animations: 'disabled' });
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('selection-bar')).toBeHidden();

  // Duplicates: the bird and its copy (smaller, 5% brighter, JPEG) form a cluster; keep one, exclude the other.
  await page.getByTestId('tab-duplicates').click();
  const clusters = page.getByTestId('duplicate-cluster');
  await expect(clusters.first()).toBeVisible();
  const before = await clusters.count();
  await expect(clusters.first().getByTestId('duplicate-thumb')).toHaveCount(2);
  await page.screenshot({ path: 'test-results/e2e-curation-03-duplicates.png', animations: 'disabled' });
  // A group opens in the grid as a filter, and the chip clears it.
  await clusters.first().getByTestId('show-cluster').click();
  await expect(page.getByTestId('filter-group')).toBeVisible();
  await expect(page.getByTestId('asset-cell')).toHaveCount(2);
  await page.getByTestId('filter-group').click();
  await expect(page.getByTestId('filter-group')).toBeHidden();
  await page.getByTestId('tab-duplicates').click();
  await expect(clusters.first()).toBeVisible();
  // Nothing is chosen for the person: the exclusion waits until one image is picked to keep.
  await expect(clusters.first().getByTestId('resolve-cluster')).toBeDisabled();
  await expect(clusters.first().getByRole('radio', { checked: true })).toHaveCount(0);
  await clusters.first().getByTestId('duplicate-thumb').first().click();
  await expect(clusters.first().getByTestId('duplicate-choice')).toContainText('exclude the other one');
  await clusters.first().getByTestId('resolve-cluster').click();
  await expect(clusters).toHaveCount(before - 1);
  await expect(page.getByTestId('undo')).toContainText('exclude 1 image');

  // Splits: a sum other than 100 is refused; assign 80/10/10, then lock later imports to train.
  await page.getByTestId('tab-splits').click();
  await page.getByTestId('split-train').fill('70');
  await expect(page.getByTestId('split-sum')).toContainText('90%');
  await expect(page.getByTestId('assign-splits')).toBeDisabled();
  await page.getByTestId('split-train').fill('80');
  await page.getByTestId('assign-splits').click();
  await expect(page.getByTestId('split-count-none')).toHaveText('0');
  await page.getByTestId('split-lock').getByRole('radio', { name: 'Train' }).click();
  await expect(page.getByTestId('split-lock-state')).toContainText('Later imports go to Train');
  await page.screenshot({ path: 'test-results/e2e-curation-04-splits.png', animations: 'disabled' });

  // Undo the split assignment: the 10 included images are unassigned again, the exclusion is next in line.
  await expect(page.getByTestId('undo')).toContainText('split 80/10/10');
  await page.getByTestId('undo').click();
  await expect(page.getByTestId('split-count-none')).toHaveText('10');
  await expect(page.getByTestId('undo')).toContainText('exclude 1 image');
  await page.screenshot({ path: 'test-results/e2e-curation-05-undone.png', animations: 'disabled' });

  // The excluded copy is still shown in the grid, dimmed and badged.
  await page.getByTestId('tab-images').click();
  await page.getByTestId('filter-excluded').getByRole('radio', { name: 'Only' }).click();
  await expect(cells).toHaveCount(1);
  await expect(cells.first()).toContainText('Excluded');
  await page.screenshot({ path: 'test-results/e2e-curation-06-excluded.png', animations: 'disabled' });

  // Ratings: shift-select three images and press 4 (focus stays in the grid, as in Lightroom).
  await page.getByTestId('filter-excluded').getByRole('radio', { name: 'Show' }).click();
  await expect(cells).toHaveCount(11);
  await cells.nth(0).click();
  await cells.nth(2).click({ modifiers: ['Shift'] });
  await page.keyboard.press('4');
  await expect(page.getByTestId('undo')).toContainText('rate 3 images 4 stars');
  for (const i of [0, 1, 2]) await expect(cells.nth(i).getByTestId('asset-cell-rating')).toHaveText('4');
  await expect(cells.nth(3).getByTestId('asset-cell-rating')).toHaveCount(0);
  // The grid kept the keyboard: arrow on and rate the next one without the mouse.
  await page.keyboard.press('Escape');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('2');
  await expect(cells.nth(3).getByTestId('asset-cell-rating')).toHaveText('2');
  await expect(page.getByTestId('undo')).toContainText('rate 1 image 2 stars');

  // The detail pane: stars show the rating; a click sets it, a click on the same star clears it.
  await cells.nth(5).click();
  const detail = page.getByTestId('asset-detail');
  await expect(detail.getByTestId('detail-rating-words')).toHaveText('Not rated');
  await detail.getByRole('button', { name: '3 stars' }).click();
  await expect(detail.getByTestId('detail-rating-words')).toHaveText('3 of 5');
  await expect(cells.nth(5).getByTestId('asset-cell-rating')).toHaveText('3');
  await page.screenshot({ path: 'test-results/e2e-curation-07-rated.png', animations: 'disabled' });
  await detail.getByRole('button', { name: '3 stars' }).click();
  await expect(detail.getByTestId('detail-rating-words')).toHaveText('Not rated');
  await page.getByTestId('undo').click(); // undo the clear: back to 3
  await expect(detail.getByTestId('detail-rating-words')).toHaveText('3 of 5');

  // Filter by rating: at least 3 stars is the three 4s and the 3.
  const ratingFilter = page.getByTestId('filter-rating');
  await ratingFilter.getByRole('button', { name: '3 stars or more' }).click();
  await expect(cells).toHaveCount(4);
  await expect(page.getByTestId('asset-total')).toContainText('4 images · rated 3+ stars');
  await page.screenshot({ path: 'test-results/e2e-curation-08-rating-filter.png', animations: 'disabled' });
  await ratingFilter.getByRole('button', { name: '5 stars' }).click();
  await expect(page.getByRole('main')).toContainText('No images match these filters');
  await expect(page.getByRole('main')).toContainText('Nothing is rated 5 stars.');
  await page.screenshot({ path: 'test-results/e2e-curation-09-rating-empty.png', animations: 'disabled' });
  await page.getByTestId('filter-unrated').click();
  await expect(cells).toHaveCount(6);
  await expect(page.getByTestId('asset-total')).toContainText('6 images · unrated');
  // Clicking the chosen star again clears the filter.
  await ratingFilter.getByRole('button', { name: '2 stars or more' }).click();
  await expect(cells).toHaveCount(5);
  await ratingFilter.getByRole('button', { name: '2 stars or more' }).click();
  await expect(cells).toHaveCount(11);

  expect(pageErrors).toEqual([]);
});
