// The Review step as a team uses it, on the starter project with a tiny conditional GAN trained
// from the CLI and 20 images generated through the API: the first-time reviewer dialog, the empty
// states, 20 images reviewed by keyboard alone (stars, favourite, reject with a reason, comment,
// undo), each checked on screen and through the API (`reviews:list`: who and what), a write the
// engine refuses (shown plainly, the value reverts), culling in the grid, sending the batch to a
// second reviewer and reviewing it as them, the taste model learnt on demand, and the gallery's
// new marks, filters, "Keep the best N" and "Review these". A separate test runs a feedback round
// and checks its before/after strip. Screenshots land in test-results/review-*.png.
import { expect, test, type Page } from '@playwright/test';
import { apiHeaders, studioWithProject, trainTinyCgan, type RunningStudio } from './studio';

let studio: RunningStudio;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  // A few steps are enough: the test is about reviewing, not the pictures.
  studio = await studioWithProject({ starter: true, prepare: trainTinyCgan(), ownConfig: true }); // the first-time reviewer name is asked for
});
test.afterAll(() => studio?.stop());

test.use({ viewport: { width: 1440, height: 900 } });

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Pipeline' }).getByRole('button', { name });
const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/review-${name}.png`, animations: 'disabled' });

/** One operation of the studio's API, as the page would call it. */
async function call<T>(page: Page, op: string, input: unknown = {}): Promise<T> {
  const response = await page.request.post(new URL(`/api/${op}`, studio.url).href, { data: input, headers: apiHeaders(studio.url) });
  const body = (await response.json()) as { ok: boolean; result: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${op}: ${body.error?.message}`);
  return body.result;
}

interface StoredReview {
  reviewer: string;
  stars: number;
  favourite: boolean;
  reject: string | null;
  comment: string;
  createdAt: string;
  updatedAt: string;
}

const REASONS = ['artefacts', 'off-prompt', 'copy', 'boring', 'other'] as const;
const REASON_LABELS = { artefacts: 'Artefacts', 'off-prompt': 'Off-prompt', copy: 'Copy of a training image', boring: 'Boring', other: 'Other' } as const;

test('20 images reviewed by keyboard, stored with who and when; grid, queues, a second reviewer, taste, gallery', async ({ page }) => {
  test.setTimeout(300_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(studio.url);

  // Review is a step of its own now, no longer "soon".
  await expect(nav(page, 'Review')).not.toContainText('Soon');
  await nav(page, 'Review').click();

  // The first time, it asks who is reviewing; the name sticks to the workstation.
  const dialog = page.getByTestId('reviewer-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Who is reviewing?');
  await expect(dialog.getByTestId('reviewer-save')).toBeDisabled();
  await shot(page, '01-first-time-name');
  await dialog.getByTestId('reviewer-name').fill('Ana');
  await dialog.getByTestId('reviewer-save').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('reviewer-current')).toHaveText('Ana');
  expect((await call<{ name: string | null }>(page, 'reviewer:get')).name).toBe('Ana');

  // Nothing generated yet: the empty state points to Generate.
  await expect(page.getByTestId('review-empty')).toContainText('Nothing to review yet');
  await expect(page.getByTestId('go-generate')).toBeVisible();
  await shot(page, '02-empty-nothing-generated');

  // 20 images, then Refresh takes them in.
  const batch = await call<{ batchId: number; items: { id: number }[] }>(page, 'generations:create', { prompt: 'heart, n:20, seed:5' });
  expect(batch.items).toHaveLength(20);
  await page.getByTestId('review-refresh').click();
  await expect(page.getByTestId('review-position')).toHaveText('1 of 20');
  await expect(page.getByTestId('review-progress')).toContainText('0 reviewed by you');
  const image = page.getByTestId('review-image');
  await expect(image).toBeVisible();
  expect(await image.evaluate((img) => getComputedStyle(img).imageRendering)).toBe('pixelated');
  await expect(page.getByTestId('review-provenance')).toContainText('heart');
  await expect(page.getByTestId('review-provenance')).toContainText('step 24');

  // The plan, by position: what the keys do to each image and what must be stored after.
  type Expected = { stars: number; favourite: boolean; reject: string | null; comment: string };
  const expected = new Map<number, Expected>();
  const saved = () => expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved');
  for (let i = 0; i < 20; i++) {
    await expect(page.getByTestId('review-position')).toHaveText(`${i + 1} of 20`);
    const id = Number(await image.getAttribute('data-id'));
    const want: Expected = { stars: 0, favourite: false, reject: null, comment: '' };
    switch (i % 5) {
      case 0:
        await page.keyboard.press('4');
        want.stars = 4;
        await expect(page.getByTestId('my-stars-words')).toHaveText('4 of 5');
        break;
      case 1:
        await page.keyboard.press('2');
        await page.keyboard.press('f');
        Object.assign(want, { stars: 2, favourite: true });
        await expect(page.getByTestId('my-favourite')).toHaveAttribute('aria-pressed', 'true');
        await expect(page.getByTestId('stage-favourite')).toBeVisible();
        break;
      case 2: {
        const reason = REASONS[Math.floor(i / 5) % REASONS.length]!;
        await page.keyboard.press('x');
        await expect(page.getByTestId('reject-prompt')).toBeVisible();
        if (i === 2) await shot(page, '03-reject-reason');
        await page.keyboard.press(String(REASONS.indexOf(reason) + 1));
        want.reject = reason;
        await expect(page.getByTestId('reject-prompt')).toBeHidden();
        await expect(page.getByTestId('stage-reject')).toContainText(REASON_LABELS[reason]);
        await expect(page.getByTestId(`reject-${reason}`)).toHaveAttribute('aria-pressed', 'true');
        break;
      }
      case 3:
        await page.keyboard.press('5');
        await page.keyboard.press('c');
        await expect(page.getByTestId('comment-input')).toBeFocused();
        await page.keyboard.type(`Lovely colours on ${id}`);
        await page.keyboard.press('Enter');
        Object.assign(want, { stars: 5, comment: `Lovely colours on ${id}` });
        await expect(page.getByTestId('my-comment')).toHaveText(`“Lovely colours on ${id}”`);
        break;
      case 4:
        // Three stars, undone (the review is empty again), X then Esc (nothing), then favourite.
        await page.keyboard.press('3');
        await expect(page.getByTestId('my-stars-words')).toHaveText('3 of 5');
        await saved();
        await page.keyboard.press('u');
        await expect(page.getByTestId('my-stars-words')).toHaveText('No stars');
        await expect(page.getByTestId('save-status')).toContainText('Undid 3 stars');
        await page.keyboard.press('x');
        await page.keyboard.press('Escape');
        await expect(page.getByTestId('reject-prompt')).toBeHidden();
        await page.keyboard.press('f');
        want.favourite = true;
        break;
    }
    expected.set(id, want);
    await saved();
    // Every review on screen says who gave it.
    await expect(page.getByTestId('team-reviews').locator('[data-reviewer="Ana"]')).toContainText('Ana (you)');
    if (i === 3) await shot(page, '04-one-at-a-time');
    await page.keyboard.press(i % 2 === 0 ? 'ArrowRight' : 'j');
  }
  await expect(page.getByTestId('review-position')).toHaveText('20 of 20');
  await expect(page.getByTestId('review-progress')).toContainText('all reviewed');
  // ← and K go back.
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('k');
  await expect(page.getByTestId('review-position')).toHaveText('18 of 20');

  // What the engine stored: one review by Ana for each image, with what the keys said, and when.
  for (const [id, want] of expected) {
    const { reviews } = await call<{ reviews: StoredReview[] }>(page, 'reviews:list', { generationId: id });
    expect(reviews, `image ${id}`).toHaveLength(1);
    expect(reviews[0]).toMatchObject({ reviewer: 'Ana', ...want });
    expect(Date.parse(reviews[0]!.updatedAt)).not.toBeNaN();
  }

  // A write the engine refuses: said plainly, and the stars go back to what they were.
  const last = Number(await image.getAttribute('data-id'));
  const before = expected.get(last)!;
  await page.route('**/api/reviews:set', (route) =>
    route.fulfill({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({ ok: false, error: { code: 'io', message: 'The project folder is read-only.' } }),
    }),
  );
  await page.keyboard.press('1');
  await expect(page.getByTestId('save-status').getByRole('alert')).toHaveText('Not saved: The project folder is read-only.');
  await expect(page.getByTestId('my-stars-words')).toHaveText(before.stars ? `${before.stars} of 5` : 'No stars');
  await shot(page, '05-save-error');
  await page.unroute('**/api/reviews:set');

  // Everything reviewed: "not reviewed by me" is empty now, and says so.
  await page.getByTestId('review-refresh').click();
  await expect(page.getByTestId('review-empty')).toContainText('You have reviewed everything');
  await shot(page, '06-empty-all-reviewed');

  // The grid: cull several at once. Shift-click selects four; X 4 rejects them as boring, F makes them favourites.
  await page.getByTestId('review-source').selectOption('all');
  await expect(page.getByTestId('review-position')).toHaveText('1 of 20');
  await page.keyboard.press('g');
  const cells = page.getByTestId('review-cell');
  await expect(cells).toHaveCount(20);
  await cells.nth(0).click();
  await cells.nth(3).click({ modifiers: ['Shift'] });
  await expect(page.getByTestId('grid-selected')).toHaveText('4');
  const culled = await Promise.all([0, 1, 2, 3].map(async (n) => Number(await cells.nth(n).getAttribute('data-id'))));
  await page.keyboard.press('x');
  await expect(page.getByTestId('reject-prompt')).toBeVisible();
  await page.keyboard.press('4');
  await page.keyboard.press('f');
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved');
  for (const n of [0, 1, 2, 3]) await expect(cells.nth(n).getByTestId('tile-mine')).toContainText('Boring');
  await shot(page, '07-grid');
  for (const id of culled) {
    const { reviews } = await call<{ reviews: StoredReview[] }>(page, 'reviews:list', { generationId: id });
    expect(reviews[0]).toMatchObject({ reviewer: 'Ana', reject: 'boring', favourite: true, stars: expected.get(id)!.stars });
  }
  // Enter opens the focused image one at a time.
  await cells.nth(2).click();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('review-position')).toHaveText('3 of 20');

  // Send the batch to Ben; it waits for him, pending, in the queues.
  await page.getByTestId('send-batch').click();
  const send = page.getByTestId('send-dialog');
  await send.getByTestId('send-names').fill('Ben');
  await send.getByTestId('send-submit').click();
  await expect(send.getByTestId('send-result')).toContainText('Sent to Ben');
  await send.getByRole('button', { name: 'Done' }).click();
  await page.getByTestId('tab-queues').click();
  const sent = page.getByTestId('queues-all').locator('[data-reviewer="Ben"]');
  await expect(sent).toHaveAttribute('data-pending', 'true');
  await expect(sent).toContainText('0 of 20');
  await shot(page, '08-queues');

  // Ben reviews on this workstation: change the name from the header; the batch waits for him.
  await page.getByTestId('reviewer-change').click();
  await expect(dialog).toContainText('Change your reviewer name');
  await dialog.getByTestId('reviewer-name').fill('Ben');
  await dialog.getByTestId('reviewer-save').click();
  await expect(page.getByTestId('reviewer-current')).toHaveText('Ben');
  await expect(page.getByTestId('tab-queues')).toContainText('1');
  await page.getByTestId('queues-mine').getByTestId('queue-review').click();
  await expect(page.getByTestId('review-position')).toHaveText('1 of 20');
  await expect(page.getByTestId('review-progress')).toContainText('0 reviewed by you');
  // The batch's second image had five stars from Ana; Ben gives it one.
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('review-position')).toHaveText('2 of 20');
  const first = Number(await image.getAttribute('data-id'));
  await page.keyboard.press('1');
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved');
  const team = page.getByTestId('team-reviews');
  await expect(team.locator('[data-reviewer="Ben"]')).toContainText('Ben (you)');
  await expect(team.locator('[data-reviewer="Ana"]')).toBeVisible();
  await expect(page.getByTestId('team-mean')).toContainText('mean of 2 ratings');
  await expect(page.getByTestId('team-disagreement')).toBeVisible();
  await expect(page.getByTestId('review-progress')).toContainText('1 reviewed by you');
  await shot(page, '09-second-reviewer');
  const both = await call<{ reviews: StoredReview[] }>(page, 'reviews:list', { generationId: first });
  expect(both.reviews.map((r) => r.reviewer).sort()).toEqual(['Ana', 'Ben']);
  expect(both.reviews.find((r) => r.reviewer === 'Ben')).toMatchObject({ stars: 1 });

  // The team's taste: learnt on demand from every rating, with its numbers and verdict.
  await page.getByTestId('tab-taste').click();
  await page.getByTestId('learn-now').click();
  await expect(page.getByTestId('taste-verdict')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('learn-now')).toBeEnabled({ timeout: 60_000 });
  await expect(page.getByTestId('taste-ratings')).toContainText('2 reviewers');
  await expect(page.getByTestId('rounds-empty')).toBeVisible();
  await shot(page, '10-taste');

  // The gallery: the team's mean with its count, predictions apart, new filters, Keep the best, Review these.
  await nav(page, 'Generate').click();
  await page.getByTestId('tab-gallery').click();
  const tile = page.locator(`[data-testid="gallery-cell"][data-id="${first}"]`);
  await expect(tile.getByTestId('gallery-cell-team')).toContainText('3·2');
  await expect(tile.getByTestId('tile-disagreement')).toBeVisible();
  await expect(page.getByTestId('tile-predicted').first()).toContainText('≈');
  await page.getByTestId('gallery-sort').getByRole('radio', { name: 'Predicted rating' }).click();
  await page.getByTestId('filter-not-reviewed').check();
  await expect(page.getByTestId('gallery-filter-words')).toContainText('19 images · not reviewed by you');
  await page.getByTestId('filter-not-reviewed').uncheck();
  await page.getByTestId('filter-favourites').check();
  await expect(page.getByTestId('gallery-filter-words')).toContainText('favourites');
  await page.getByTestId('filter-favourites').uncheck();
  await page.getByTestId('keep-best').click();
  await page.getByTestId('keep-best-count').fill('5');
  await page.getByTestId('keep-best-run').click();
  await expect(page.getByTestId('gallery-selection-count')).toHaveText('5');
  await shot(page, '11-gallery');
  await page.keyboard.press('Escape');
  await page.getByTestId('filter-favourites').check();
  await page.getByTestId('review-these').click();
  await expect(page.getByTestId('review-view')).toBeVisible();
  await expect(page.getByTestId('review-source')).toHaveValue('gallery');
  await expect(page.getByTestId('review-position')).toHaveText(/^1 of \d+$/);
  await shot(page, '12-review-these');

  expect(pageErrors).toEqual([]);
});

// A feedback round end to end: ratings (through the API), a short fine-tune started from the
// Taste tab, then the before/after strip once the engine has drawn and scored both sides.
test('feedback round: start from the Taste tab, follow it, see the before/after comparison', async ({ page }) => {
  // On two cores the first comparison waits for the training images to be embedded once, beside
  // the engine's other scoring: 3 to 8 minutes here.
  test.setTimeout(900_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // Ratings first, so the page opens on them.
  await call(page, 'reviewer:set', { name: 'Ana' });
  let { ids } = await call<{ ids: number[] }>(page, 'generations:ids', { sort: 'oldest' });
  if (ids.length < 8) ids = (await call<{ items: { id: number }[] }>(page, 'generations:create', { prompt: 'heart, n:20, seed:9' })).items.map((g) => g.id);
  const stars = [5, 5, 5, 4, 1, 1, 2, 1];
  for (const [k, id] of ids.slice(0, stars.length).entries()) await call(page, 'reviews:set', { ids: [id], change: { stars: stars[k], reject: null } });
  // The comparison embeds the training images once: one starter image in eight is enough for
  // screens (excluded images stay in the project), as in evaluate.spec.ts.
  const all = await call<{ ids: number[] }>(page, 'assets:ids');
  await call(page, 'assets:exclude', { ids: all.ids.filter((id) => id % 8 !== 0), excluded: true });
  await page.goto(studio.url);

  await nav(page, 'Review').click();
  await page.getByTestId('tab-taste').click();
  await page.getByTestId('round-steps').fill('5');
  await expect(page.getByTestId('round-start')).toBeDisabled();
  await page.getByTestId('round-steps').fill('20');
  // The rough comparison: the test is about the screens, not the precision of KID.
  await page.getByTestId('round-samples').selectOption('64');
  await page.getByTestId('round-start').click();
  await expect(page.getByTestId('round-started')).toContainText(/Round started as run #\d+/);
  const runId = /run #(\d+)/.exec((await page.getByTestId('round-started').textContent()) ?? '')![1]!;
  const round = page.locator(`[data-testid="feedback-round"][data-run="${runId}"]`);
  await expect(round.getByTestId('round-status')).toBeVisible();
  await expect(round.getByTestId('round-pending').or(round.getByTestId('round-verdict'))).toBeVisible();
  await shot(page, '13-round-training');

  // The comparison: the same seeds before and after, in pairs, each side with its numbers, and a verdict.
  await expect(round.getByTestId('round-verdict')).toBeVisible({ timeout: 780_000 });
  await expect(round.getByTestId('round-strip')).toBeVisible();
  await expect(round.getByTestId('round-before')).toContainText('predicted');
  await expect(round.getByTestId('round-before')).toContainText('KID');
  await expect(round.getByTestId('round-after')).toContainText('KID');
  expect(await round.getByTestId('round-pair').count()).toBeGreaterThan(0);
  await expect(round.getByTestId('round-verdict')).toContainText(/Better|No clear change|Worse/);
  await round.scrollIntoViewIfNeeded();
  await shot(page, '14-round-compared');
  await round.screenshot({ path: 'test-results/review-15-round-card.png', animations: 'disabled' });

  const { rounds } = await call<{
    rounds: { before: { generationIds: number[] } | null; after: { generationIds: number[] } | null; verdict: string | null }[];
  }>(page, 'feedback:rounds');
  expect(rounds[0]!.verdict).not.toBeNull();
  expect(rounds[0]!.before!.generationIds.length).toBe(rounds[0]!.after!.generationIds.length);

  // A round that made things worse is said loudly (the engine's answer, with its verdict turned to "worse").
  await page.route('**/api/feedback:rounds', async (route) => {
    const response = await route.fetch();
    const body = (await response.json()) as { result: { rounds: { verdict: string; reason: string }[] } };
    body.result.rounds[0]!.verdict = 'worse';
    body.result.rounds[0]!.reason = 'KID got much worse: 0.33 → 0.61, and the collapse alarm fired.';
    await route.fulfill({ response, json: body });
  });
  await page.getByTestId('tab-images').click();
  await page.getByTestId('tab-taste').click();
  await expect(round.getByRole('alert')).toContainText('Worse');
  await expect(round.getByRole('alert')).toContainText('KID got much worse');
  await round.screenshot({ path: 'test-results/review-16-round-worse.png', animations: 'disabled' });
  await page.unroute('**/api/feedback:rounds');
  expect(pageErrors).toEqual([]);
});
