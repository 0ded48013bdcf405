import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-preload/api';
import {
  applyReviewChange,
  type FeedbackRoundT,
  type GenerationT,
  type MyReviewT,
  type OpInput,
  type PreferenceStatusT,
  type ReviewT,
} from '../../../src-preload/contract';
import { formatStars, predictedWords, rejectByKey, teamWords, undoChange } from '../lib/review-words';
import { fakeTransport, image, imageDetail, settle } from '../testing/fake-transport';
import { parseNames, ReviewQueues } from './queues.svelte';
import { Reviewer, ReviewSession, sourceFilter } from './review.svelte';
import { comparisonPending, roundPairs, Taste, type TasteJobsLink } from './taste.svelte';

type Filter = OpInput<'generations:ids'>;

/**
 * A small engine in memory: `n` generated images (ids 1…n, newest first by default), reviews by
 * reviewer name, the filters a review session uses, and a switch to make writes fail.
 */
function engine(n: number, options: { name?: string | null } = {}) {
  let name: string | null = options.name === undefined ? 'Ana' : options.name;
  const reviews = new Map<string, ReviewT>(); // `${id}:${reviewer}`
  const state = {
    failWrites: null as ApiError | null,
    /** While set, writes wait for it (to see the screen before the engine answers). */
    gate: null as Promise<void> | null,
    lists: [] as { offset: number; limit: number }[],
  };
  const mineOf = (id: number): MyReviewT | null => {
    const r = name ? reviews.get(`${id}:${name}`) : undefined;
    return r ? { stars: r.stars, favourite: r.favourite, reject: r.reject, comment: r.comment } : null;
  };
  const gen = (id: number): GenerationT => {
    const all = [...reviews.values()].filter((r) => r.generationId === id);
    const starred = all.filter((r) => r.stars > 0);
    return image(id, {
      batchId: id <= 10 ? 1 : 2,
      seed: id * 10,
      file: `generated/${id}.png`,
      rating: starred.length ? starred.reduce((s, r) => s + r.stars, 0) / starred.length : 0,
      ratings: starred.length,
      favourites: all.filter((r) => r.favourite).length,
      rejects: all.filter((r) => r.reject).length,
      mine: mineOf(id),
    });
  };
  const matching = (f: Filter): number[] => {
    let ids = Array.from({ length: n }, (_, i) => i + 1);
    if (f.notReviewedByMe) ids = ids.filter((id) => mineOf(id) === null);
    if (f.favourites) ids = ids.filter((id) => gen(id).favourites > 0);
    if (f.batchId !== undefined) ids = ids.filter((id) => gen(id).batchId === f.batchId);
    return f.sort === 'oldest' ? ids : ids.reverse();
  };
  const fake = fakeTransport({
    'reviewer:get': () => ({ name, known: name ? [name, 'Ben'] : ['Ben'] }),
    'reviewer:set': ({ name: next }) => {
      name = next.trim();
      return { name };
    },
    'checkpoints:list': () => [
      { id: 7, runId: 2, step: 40, dir: 'x', createdAt: '2025-01-01', dTrain: null, dVal: null, runName: 'hearts', model: 'cgan', size: 32 },
    ],
    'generations:ids': (f) => ({ ids: matching(f) }),
    'generations:list': ({ offset = 0, limit = 200, ...f }) => {
      state.lists.push({ offset, limit });
      const ids = matching(f as Filter);
      return { total: ids.length, items: ids.slice(offset, offset + limit).map(gen) };
    },
    'generations:get': ({ id }) => imageDetail(id, gen(id)),
    'reviews:set': async ({ ids, change }) => {
      await state.gate;
      if (!name) throw new ApiError('no-reviewer', 'Set your reviewer name first: every rating records who gave it.');
      if (state.failWrites) throw state.failWrites;
      for (const id of ids) {
        const key = `${id}:${name}`;
        const next = applyReviewChange(mineOf(id), change);
        if (next) reviews.set(key, { generationId: id, reviewer: name, createdAt: 'then', updatedAt: 'now', ...next });
        else reviews.delete(key);
      }
      return { updated: ids.length, items: ids.map(gen) };
    },
    'reviews:list': ({ generationId }) => ({ reviews: [...reviews.values()].filter((r) => r.generationId === generationId) }),
  });
  return {
    fake,
    state,
    /** Another reviewer's review, written behind the session's back. */
    review: (id: number, reviewer: string, r: Partial<MyReviewT>) =>
      reviews.set(`${id}:${reviewer}`, {
        generationId: id,
        reviewer,
        stars: 0,
        favourite: false,
        reject: null,
        comment: '',
        createdAt: 'a',
        updatedAt: 'b',
        ...r,
      }),
    mine: mineOf,
    sets: () => fake.calls.filter((c) => c.name === 'reviews:set').map((c) => c.input as OpInput<'reviews:set'>),
  };
}

function setup(n = 30, options: { name?: string | null; pageSize?: number } = {}) {
  const e = engine(n, options);
  const reviewer = new Reviewer(e.fake.api);
  const preloaded: string[] = [];
  const session = new ReviewSession({ quietApi: e.fake.api, reviewer, preload: (url) => preloaded.push(url), pageSize: options.pageSize ?? 10 });
  return { ...e, reviewer, session, preloaded };
}

/** Wait for the session's pages and writes to land. */
async function idle(): Promise<void> {
  for (let i = 0; i < 6; i++) await settle();
}

describe('review words', () => {
  it('says a mean, a count and a prediction so a prediction never reads as a rating', () => {
    expect(formatStars(3.3333)).toBe('3.3');
    expect(formatStars(4)).toBe('4');
    expect(teamWords({ rating: 3.5, ratings: 2 })).toBe('★3.5 ·2');
    expect(teamWords({ rating: 0, ratings: 0 })).toBe('');
    expect(predictedWords(4.06)).toBe('≈4.1 predicted');
  });

  it('picks reject reasons by key 1–5', () => {
    expect(['1', '2', '3', '4', '5', '6', '0', 'x'].map(rejectByKey)).toEqual(['artefacts', 'off-prompt', 'copy', 'boring', 'other', null, null, null]);
  });

  it('applies a change as the engine does, and undoes only the fields it touched', () => {
    const before: MyReviewT = { stars: 2, favourite: true, reject: null, comment: 'dark' };
    expect(applyReviewChange(before, { stars: 5 })).toEqual({ ...before, stars: 5 });
    expect(applyReviewChange({ stars: 3, favourite: false, reject: null, comment: '' }, { stars: 0 })).toBeNull();
    expect(undoChange(before, { stars: 5, reject: 'boring' })).toEqual({ stars: 2, reject: null });
    expect(undoChange(null, { favourite: true })).toEqual({ favourite: false });
  });
});

describe('Reviewer', () => {
  it('asks for a name before a first review, checks it, and lets the waiting review go on', async () => {
    const { reviewer, fake } = setup(3, { name: null });
    await reviewer.load();
    expect(reviewer.name).toBeNull();
    const waiting = reviewer.ensure();
    await settle();
    expect(reviewer.asking).toBe(true);
    expect(await reviewer.save('   ')).toBe(false);
    expect(reviewer.error).toBe('a reviewer name needs at least one character');
    expect(await reviewer.save('  Ana ')).toBe(true);
    expect(await waiting).toBe(true);
    expect(reviewer.asking).toBe(false);
    expect(reviewer.name).toBe('Ana');
    expect(fake.calls.filter((c) => c.name === 'reviewer:set').map((c) => c.input)).toEqual([{ name: 'Ana' }]);
    // Named now: no more asking.
    expect(await reviewer.ensure()).toBe(true);
  });

  it('tells its listeners when someone else starts reviewing here (not when a first name is set)', async () => {
    const { reviewer } = setup(3, { name: null });
    await reviewer.load();
    const heard: string[] = [];
    const stop = reviewer.onRenamed((n) => heard.push(n));
    await reviewer.save('Ana');
    void reviewer.ask('change');
    await reviewer.save('Ben');
    await reviewer.save('Ben');
    stop();
    await reviewer.save('Cleo');
    expect(heard).toEqual(['Ben']);
  });

  it('a declined dialog stops the review that was waiting', async () => {
    const { reviewer, session, sets } = setup(3, { name: null });
    await session.open({ kind: 'all' });
    const rated = session.rate(4);
    await settle();
    expect(reviewer.asking).toBe(true);
    reviewer.cancel();
    expect(await rated).toBe(false);
    expect(sets()).toEqual([]);
    expect(session.current?.mine).toBeNull();
  });
});

describe('ReviewSession', () => {
  it('takes a snapshot of the source, fetches pages as needed and preloads the next five images', async () => {
    const { session, fake, preloaded } = setup(30, { pageSize: 10 });
    await session.open({ kind: 'unreviewed' });
    await idle();
    expect(fake.calls.find((c) => c.name === 'generations:ids')?.input).toEqual({ notReviewedByMe: true, sort: 'newest' });
    expect(session.total).toBe(30);
    expect(session.current?.id).toBe(30);
    expect(session.checkpoints.get(7)).toEqual({ runName: 'hearts', step: 40 });
    expect(preloaded).toEqual([29, 28, 27, 26, 25].map((id) => `/files/generated/${id}.png`));
    session.next();
    expect(session.position).toBe(1);
    expect(preloaded.at(-1)).toBe('/files/generated/24.png');
    expect(preloaded).toHaveLength(6); // Each file once.
    session.visit(25);
    await idle();
    expect(session.current?.id).toBe(5);
    session.visit(99);
    expect(session.position).toBe(29);
  });

  it('counts what I have reviewed of a source that holds reviewed images', async () => {
    const { session, review } = setup(12);
    review(3, 'Ana', { stars: 4 });
    review(4, 'Ben', { stars: 2 });
    await session.open({ kind: 'batch', batchId: 1 });
    expect(sourceFilter(session.source)).toEqual({ batchId: 1, sort: 'oldest' });
    expect(session.ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(session.reviewedCount).toBe(1);
  });

  it('a key rates at once, shows Saving… until the engine answers, then Saved with the team mean', async () => {
    const { session, review, sets, state } = setup(5);
    review(5, 'Ben', { stars: 2 });
    await session.open({ kind: 'all' });
    await idle();
    let answer = () => {};
    state.gate = new Promise((resolve) => (answer = resolve));
    expect(session.press('4')).toBe(true);
    await settle();
    expect(session.current?.mine?.stars).toBe(4);
    expect(session.saveState).toBe('saving');
    answer();
    await idle();
    expect(sets()).toEqual([{ ids: [5], change: { stars: 4 } }]);
    expect(session.saveState).toBe('saved');
    expect(session.current).toMatchObject({ rating: 3, ratings: 2 });
    expect(session.reviewedCount).toBe(1);
    expect(session.reviews?.map((r) => [r.reviewer, r.stars])).toEqual([
      ['Ben', 2],
      ['Ana', 4],
    ]);
  });

  it('F toggles a favourite, X then a digit rejects with that reason, Esc cancels, C opens the comment', async () => {
    const { session, sets } = setup(5);
    await session.open({ kind: 'all' });
    await idle();
    session.press('f');
    await idle();
    expect(session.current?.mine?.favourite).toBe(true);
    session.press('F');
    await idle();
    expect(session.current?.mine).toBeNull();
    session.press('x');
    expect(session.rejecting).toBe(true);
    session.press('Escape');
    expect(session.rejecting).toBe(false);
    session.press('x');
    session.press('2');
    await idle();
    expect(session.current?.mine?.reject).toBe('off-prompt');
    expect(session.current?.mine?.stars).toBe(0); // The digit chose a reason, not stars.
    session.press('c');
    expect(session.commenting).toBe(true);
    await session.comment('  too blurry ');
    expect(session.current?.mine?.comment).toBe('too blurry');
    expect(sets()).toEqual([
      { ids: [5], change: { favourite: true } },
      { ids: [5], change: { favourite: false } },
      { ids: [5], change: { reject: 'off-prompt' } },
      { ids: [5], change: { comment: 'too blurry' } },
    ]);
  });

  it('moves with →/J and ←/K', async () => {
    const { session } = setup(5);
    await session.open({ kind: 'all' });
    session.press('ArrowRight');
    session.press('j');
    expect(session.position).toBe(2);
    session.press('k');
    session.press('ArrowLeft');
    session.press('ArrowLeft');
    expect(session.position).toBe(0);
  });

  it('a refused write shows the reason and puts the old value back', async () => {
    const { session, state, sets } = setup(5);
    await session.open({ kind: 'all' });
    await idle();
    await session.rate(3);
    state.failWrites = new ApiError('io', 'The project folder is read-only');
    const ok = await session.rate(5);
    expect(ok).toBe(false);
    expect(session.saveState).toBe('error');
    expect(session.saveError).toBe('The project folder is read-only');
    expect(session.current?.mine?.stars).toBe(3);
    expect(session.undoStack.map((e) => e.label)).toEqual(['3 stars']);
    state.failWrites = null;
    await session.rate(4);
    expect(session.saveState).toBe('saved');
    expect(session.saveError).toBeNull();
    expect(sets()).toHaveLength(3);
  });

  it('U sends the old values of the last change back, and goes to the image it changed', async () => {
    const { session, sets, mine } = setup(5);
    await session.open({ kind: 'all' });
    await idle();
    await session.rate(2);
    await session.rate(5);
    session.next();
    await session.toggleFavourite();
    await session.undo();
    expect(sets().at(-1)).toEqual({ ids: [4], change: { favourite: false } });
    expect(mine(4)).toBeNull();
    await session.undo();
    expect(session.position).toBe(0);
    expect(sets().at(-1)).toEqual({ ids: [5], change: { stars: 2 } });
    expect(mine(5)?.stars).toBe(2);
    expect(session.current?.mine?.stars).toBe(2);
    expect(session.undone).toBe('Undid 5 stars');
    await session.undo();
    expect(mine(5)).toBeNull();
    expect(await session.undo()).toBe(false);
  });

  it('engine answers that arrive in order leave the last change on screen', async () => {
    const { session, sets } = setup(3);
    await session.open({ kind: 'all' });
    await idle();
    const a = session.rate(2);
    const b = session.rate(4);
    const c = session.toggleFavourite();
    await Promise.all([a, b, c]);
    expect(sets().map((s) => s.change)).toEqual([{ stars: 2 }, { stars: 4 }, { favourite: true }]);
    expect(session.current?.mine).toMatchObject({ stars: 4, favourite: true });
  });

  it('keeps its order while reviewed images leave "not reviewed by me": later pages match by id', async () => {
    const { session, state } = setup(30, { pageSize: 10 });
    await session.open({ kind: 'unreviewed' });
    await idle();
    for (let i = 0; i < 5; i++) {
      await session.rate(3);
      session.next();
    }
    session.visit(12);
    await idle();
    // Each page is asked for from where it now starts: page 1 once one image had left the live
    // filter (10 − 1), page 2 once five had (20 − 5); a few more are asked for in case.
    expect(state.lists).toEqual([
      { offset: 0, limit: 10 },
      { offset: 9, limit: 11 },
      { offset: 15, limit: 15 },
    ]);
    expect(session.current?.id).toBe(18);
    expect(session.item(10)?.id).toBe(20);
    expect(session.item(29)?.id).toBe(1);
    expect(session.reviewedCount).toBe(5);
    expect(session.total).toBe(30);
  });

  it('asks for the name when the engine says none is set, then writes', async () => {
    const e = engine(3, { name: null });
    const reviewer = new Reviewer(e.fake.api);
    const session = new ReviewSession({ quietApi: e.fake.api, reviewer });
    await session.open({ kind: 'all' });
    // The page believed a name was set (another window removed it).
    reviewer.name = 'Old';
    const rated = session.rate(4);
    await idle();
    expect(reviewer.asking).toBe(true);
    await reviewer.save('Ana');
    expect(await rated).toBe(true);
    expect(e.mine(3)?.stars).toBe(4);
  });

  it('in the grid, keys act on the selection (or the focused image); F makes all favourites unless all are', async () => {
    const { session, sets } = setup(12, { pageSize: 20 });
    await session.open({ kind: 'batch', batchId: 1 });
    await idle();
    session.press('g');
    expect(session.mode).toBe('grid');
    const grid = session.grid;
    grid.click(0, session.item(0)!, { range: false, toggle: false });
    grid.click(2, session.item(2)!, { range: true, toggle: false });
    expect(grid.targets()).toEqual([1, 2, 3]);
    session.press('f');
    await idle();
    session.press('x');
    session.press('4');
    await idle();
    grid.click(1, session.item(1)!, { range: false, toggle: true });
    expect(grid.targets()).toEqual([1, 3]);
    session.press('f');
    await idle();
    grid.clearSelection();
    grid.focusIndex = 5;
    session.press('5');
    await idle();
    expect(sets()).toEqual([
      { ids: [1, 2, 3], change: { favourite: true } },
      { ids: [1, 2, 3], change: { reject: 'boring' } },
      { ids: [1, 3], change: { favourite: false } },
      { ids: [6], change: { stars: 5 } },
    ]);
    // Undo puts each image's own old value back.
    await session.undo();
    await session.undo();
    expect(sets().at(-1)).toEqual({ ids: [1, 3], change: { favourite: true } });
    // Enter (or a double-click) opens the focused image one at a time.
    grid.focusIndex = 4;
    session.press('g');
    expect(session.mode).toBe('one');
    expect(session.current?.id).toBe(5);
  });
});

describe('ReviewQueues', () => {
  it('reads names typed with commas, once each', () => {
    expect(parseNames(' Ana, ben,, Ben ,Cleo ')).toEqual(['Ana', 'ben', 'Cleo']);
  });

  it('sends a batch, lists what waits for me, and says why a send did not go', async () => {
    const fake = fakeTransport({
      'reviewer:get': () => ({ name: 'Ana', known: ['Ana'] }),
      'reviews:queue': ({ batchId, reviewers }) => ({
        queues: reviewers.map((r, i) => ({
          id: i + 1,
          batchId,
          reviewer: r,
          sentBy: 'Ana',
          createdAt: 'now',
          images: 20,
          reviewed: 0,
          pending: true,
          prompt: 'heart',
          drawnAt: 'then',
        })),
      }),
      'reviews:queues': ({ reviewer }) => ({
        queues: reviewer
          ? []
          : [{ id: 1, batchId: 2, reviewer: 'Ben', sentBy: 'Ana', createdAt: 'now', images: 20, reviewed: 0, pending: true, prompt: 'heart', drawnAt: 'then' }],
      }),
    });
    const reviewer = new Reviewer(fake.api);
    await reviewer.load();
    const queues = new ReviewQueues(fake.api, reviewer);
    expect(await queues.send(2, [])).toBe(false);
    expect(queues.sendError).toBe('Choose or type at least one reviewer.');
    expect(await queues.send(2, ['Ben', 'Cleo'])).toBe(true);
    expect(queues.sent?.map((q) => q.reviewer)).toEqual(['Ben', 'Cleo']);
    expect(reviewer.known).toEqual(['Ana', 'Ben', 'Cleo']);
    await settle();
    expect(fake.calls.filter((c) => c.name === 'reviews:queues').map((c) => c.input)).toEqual([{}, { reviewer: 'Ana', pendingOnly: true }]);
    expect(queues.all).toHaveLength(1);
    expect(queues.mine).toEqual([]);
  });
});

describe('Taste', () => {
  const status = (extra: Partial<PreferenceStatusT> = {}): PreferenceStatusT => ({
    model: null,
    rated: 4,
    needed: 20,
    newSinceModel: 4,
    predicted: 0,
    generations: 40,
    ...extra,
  });
  const side = (ids: number[], step: number) => ({
    checkpointId: step,
    step,
    generationIds: ids,
    predicted: 3.1,
    kid: 0.02,
    kidStderr: 0.004,
    collapse: false,
  });
  const round = (extra: Partial<FeedbackRoundT> = {}): FeedbackRoundT => ({
    runId: 5,
    runName: 'Feedback round on hearts, step 40',
    status: 'running',
    fromCheckpointId: 1,
    createdAt: 'now',
    liked: 3,
    disliked: 2,
    reviewers: ['Ana'],
    method: {},
    before: null,
    after: null,
    verdict: null,
    reason: 'The round is training.',
    comparing: false,
    compared: false,
    ...extra,
  });

  function jobsLink() {
    const progress = new Set<Parameters<TasteJobsLink['onProgress']>[0]>();
    const finished = new Set<Parameters<TasteJobsLink['onFinished']>[0]>();
    const begun: string[] = [];
    const link: TasteJobsLink = {
      active: [],
      onProgress: (l) => (progress.add(l), () => progress.delete(l)),
      onFinished: (l) => (finished.add(l), () => finished.delete(l)),
      started: (jobId) => void begun.push(jobId),
    };
    return { link, progress, finished, begun };
  }

  it('reports the model honestly, learns on demand and follows the job to its end', async () => {
    let current = status();
    const fake = fakeTransport({
      'preference:status': () => current,
      'preference:train': () => ({ jobId: 'p1' }),
      'feedback:rounds': () => ({ rounds: [] }),
      'checkpoints:list': () => [],
    });
    const jobs = jobsLink();
    const taste = new Taste({ quietApi: fake.api, jobs: jobs.link, onRunChanged: () => () => {}, pollMs: 0 });
    taste.connect();
    taste.enter();
    await idle();
    expect(taste.status?.rated).toBe(4);
    expect(taste.roundsLoaded).toBe(true);
    await taste.learn();
    expect(jobs.begun).toEqual(['p1']);
    expect(taste.learning).toMatchObject({ jobId: 'p1', fraction: 0 });
    for (const l of jobs.progress) l({ jobId: 'p1', kind: 'preference', runId: null, step: 1, total: 2, fraction: 0.5, message: 'Predicting' });
    expect(taste.learning).toMatchObject({ fraction: 0.5, message: 'Predicting' });
    current = status({
      rated: 24,
      newSinceModel: 0,
      model: {
        id: 1,
        createdAt: 'now',
        ratings: 24,
        reviewers: 2,
        spearman: 0.41,
        mae: 0.8,
        baselineMae: 1.1,
        trusted: true,
        verdict: 'Predicts better than guessing.',
        seconds: 2,
      },
    });
    for (const l of jobs.finished) l({ jobId: 'p1', kind: 'preference', runId: null, status: 'done' });
    await idle();
    expect(taste.learning).toBeNull();
    expect(taste.learnt).toBe(true);
    expect(taste.status?.model?.verdict).toBe('Predicts better than guessing.');
  });

  it('a round that cannot start says why; rounds pair the same seeds before and after', async () => {
    let rounds: FeedbackRoundT[] = [];
    const fake = fakeTransport({
      'preference:status': () => status(),
      'feedback:rounds': () => ({ rounds }),
      'checkpoints:list': () => [],
      'generations:get': ({ id }) => imageDetail(id, { runName: 'r', checkpointStep: 1 }),
      'feedback:start': () => {
        throw new ApiError('too-few-ratings', 'A feedback round needs at least 4 rated 32px images; this project has 1.');
      },
    });
    const taste = new Taste({ quietApi: fake.api, jobs: jobsLink().link, onRunChanged: () => () => {}, pollMs: 0 });
    taste.connect();
    expect(await taste.startRound({ steps: null, fromCheckpointId: null })).toBe(false);
    expect(taste.startError).toMatch(/needs at least 4 rated/);
    expect(fake.calls.find((c) => c.name === 'feedback:start')?.input).toEqual({});

    fake.answer({ 'feedback:start': () => ({ runId: 5, liked: 3, disliked: 2 }) });
    rounds = [round()];
    expect(await taste.startRound({ steps: 50, fromCheckpointId: 1 })).toBe(true);
    expect(fake.calls.filter((c) => c.name === 'feedback:start').at(-1)?.input).toEqual({ steps: 50, fromCheckpointId: 1 });
    await idle();
    expect(taste.rounds).toHaveLength(1);
    expect(comparisonPending(taste.rounds[0]!)).toBe(true);

    rounds = [
      round({ status: 'done', before: side([11, 12, 13], 40), after: side([21, 22], 90), verdict: 'worse', reason: 'KID got much worse.', compared: true }),
    ];
    await taste.loadRounds();
    await idle();
    expect(comparisonPending(taste.rounds[0]!)).toBe(false);
    expect(roundPairs(taste.rounds[0]!)).toEqual([
      { before: 11, after: 21 },
      { before: 12, after: 22 },
      { before: 13, after: null },
    ]);
    expect([...taste.images.keys()].sort()).toEqual([11, 12, 13, 21, 22]);
  });
});
