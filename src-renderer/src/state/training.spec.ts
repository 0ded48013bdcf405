import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-preload/api';
import type { JobFinishedT, JobProgressT, RunDetailT, RunT } from '../../../src-preload/contract';
import { reportingApi } from '../lib/errors';
import { fakeTransport, settle } from '../testing/fake-transport';
import type { ActiveJob } from './jobs.svelte';
import { formSettings } from './run-form';
import { Training, type JobsLink } from './training.svelte';

function run(id: number, extra: Partial<RunT> = {}): RunT {
  return {
    id,
    name: `run ${id}`,
    model: 'dcgan',
    size: 32,
    preset: 'small',
    steps: 300,
    batchSize: 32,
    seed: 1,
    status: 'queued',
    stepsDone: 0,
    lossD: null,
    lossG: null,
    recon: null,
    kl: null,
    imgPerSec: null,
    error: null,
    createdAt: '2025-01-01',
    finishedAt: null,
    latestCheckpointId: null,
    parentCheckpointId: null,
    sweepId: null,
    settings: {},
    latestSample: null,
    overfitting: false,
    ...extra,
  };
}

const detailOf = (r: RunT): RunDetailT => ({ ...r, losses: [], samples: [], checkpoints: [], latestEvaluation: null });

/** The window's jobs as the manager sees them: listeners the spec calls as the engine would. */
function fakeJobs() {
  const progress = new Set<(p: JobProgressT) => void>();
  const finished = new Set<(f: JobFinishedT) => void>();
  const link: JobsLink = {
    active: [] as ActiveJob[],
    onProgress: (l) => (progress.add(l), () => progress.delete(l)),
    onFinished: (l) => (finished.add(l), () => finished.delete(l)),
    secondsLeft: () => null,
  };
  return {
    link,
    progress: (p: JobProgressT) => progress.forEach((l) => l(p)),
    finish: (f: JobFinishedT) => finished.forEach((l) => l(f)),
  };
}

function setup() {
  let runs: RunT[] = [run(1, { status: 'done', stepsDone: 300 })];
  const fake = fakeTransport({
    'runs:list': () => runs,
    'runs:get': ({ runId }) => detailOf(runs.find((r) => r.id === runId) ?? run(runId)),
    'runs:options': () => ({
      classes: ['heart'],
      trainImages: 40,
      valImages: 4,
      workers: 2,
      freezable: { dcgan: [], cgan: [], vae: [] },
      models: [],
      recommended: 'cgan',
    }),
    'checkpoints:list': () => [],
    'runs:start': () => {
      runs = [run(2), ...runs];
      return { runId: 2, status: 'queued' };
    },
  });
  const reported: unknown[] = [];
  const notes: string[] = [];
  let summaries = 0;
  const jobs = fakeJobs();
  const training = new Training({
    api: reportingApi(fake.api, (e) => reported.push(e)),
    quietApi: fake.api,
    jobs: jobs.link,
    notify: (m) => notes.push(m),
    onCheckpoint: () => summaries++,
    refreshDelay: 0,
  });
  return { fake, training, jobs, reported, notes, summaries: () => summaries, setRuns: (r: RunT[]) => (runs = r) };
}

const callsTo = (fake: ReturnType<typeof fakeTransport>, name: string) => fake.calls.filter((c) => c.name === name);

describe('Training', () => {
  it('opening loads the queue, what the form offers and the latest run; the form starts on the recommended family', async () => {
    const { training } = setup();
    training.connect();
    await settle();
    await settle();
    expect(training.loaded).toBe(true);
    expect(training.runs.map((r) => r.id)).toEqual([1]);
    expect(training.options?.recommended).toBe('cgan');
    expect(training.form.model).toBe('cgan');
    expect(training.selectedRunId).toBe(1);
    expect(training.detail?.id).toBe(1);
  });

  it('starting a run sends the form’s settings, then lists and shows the new run', async () => {
    const { fake, training } = setup();
    training.form.budget = null;
    training.form.steps = 1200;
    training.form.name = 'hearts';
    const expected = formSettings({ ...training.form, freeze: [] });
    await training.start();
    const [sent] = callsTo(fake, 'runs:start');
    expect(sent?.input).toEqual(expected);
    expect(sent?.input).toMatchObject({ steps: 1200, name: 'hearts' });
    expect(training.runs.map((r) => r.id)).toEqual([2, 1]);
    expect(training.selectedRunId).toBe(2);
    expect(training.starting).toBe(false);
  });

  it('a form with problems sends nothing', async () => {
    const { fake, training } = setup();
    training.form.batchSize = 1;
    await training.start();
    expect(callsTo(fake, 'runs:start')).toEqual([]);
  });

  it('run events update the list: live progress, then a status change refetches it', async () => {
    const { fake, training, jobs, setRuns } = setup();
    setRuns([run(2, { status: 'running', stepsDone: 10 })]);
    training.connect();
    await settle();
    await settle();
    jobs.progress({ jobId: 'j', kind: 'train', runId: 2, step: 50, total: 300, fraction: 50 / 300, message: '', lossD: 1.25, lossG: 0.75, imgPerSec: 90 });
    expect(training.displayRuns[0]).toMatchObject({ id: 2, status: 'running', stepsDone: 50, lossD: 1.25, lossG: 0.75, imgPerSec: 90 });
    expect(training.curve(2).length).toBe(1);
    expect(training.counts.running).toBe(1);

    const listed = callsTo(fake, 'runs:list').length;
    setRuns([run(2, { status: 'paused', stepsDone: 60 })]);
    fake.emit('run:changed', { runId: 2, status: 'paused', reason: 'status' });
    expect(training.runs[0]?.status).toBe('paused'); // At once, before the refetch.
    expect(training.live[2]).toBeUndefined();
    await settle();
    await settle();
    expect(callsTo(fake, 'runs:list').length).toBe(listed + 1);
    expect(training.displayRuns[0]).toMatchObject({ status: 'paused', stepsDone: 60 });
  });

  it('a new checkpoint tells the header; a finished training job refreshes its run', async () => {
    const { fake, training, jobs, summaries } = setup();
    training.connect();
    await settle();
    await settle();
    fake.emit('run:changed', { runId: 1, status: 'done', reason: 'checkpoint' });
    expect(summaries()).toBe(1);
    const gets = callsTo(fake, 'runs:get').length;
    jobs.finish({ jobId: 'j', kind: 'train', runId: 1, status: 'done' });
    await settle();
    await settle();
    expect(callsTo(fake, 'runs:get').length).toBeGreaterThan(gets);
  });

  it('a failed start surfaces through the reporting API and leaves the form ready', async () => {
    const { fake, training, reported } = setup();
    fake.answer({
      'runs:start': () => {
        throw new ApiError('busy', 'The queue is full');
      },
    });
    await training.start();
    expect(reported.map((e) => (e as Error).message)).toEqual(['The queue is full']);
    expect(training.starting).toBe(false);
    expect(training.selectedRunId).toBeNull();
  });

  it('a failed checkpoint import is answered in place, not reported', async () => {
    const { fake, training, reported } = setup();
    fake.answer({
      'checkpoints:import': () => {
        throw new ApiError('invalid-input', 'No checkpoint in that folder');
      },
    });
    expect(await training.importCheckpoint(' /elsewhere ', '')).toBe('No checkpoint in that folder');
    expect(callsTo(fake, 'checkpoints:import')[0]?.input).toEqual({ dir: '/elsewhere' });
    expect(reported).toEqual([]);
  });

  it('a sweep says how many runs it queued', async () => {
    const { fake, training, notes } = setup();
    fake.answer({ 'runs:sweep': () => ({ sweepId: 1, runIds: [3, 4] }) });
    expect(await training.sweep({ lr: [0.001, 0.0002] })).toBe(true);
    expect(notes).toEqual(['2 runs added to the queue.']);
  });
});

describe('Training: archived and deleted runs', () => {
  it('archiving hides a run from the list until archived runs are shown; restoring lists it again', async () => {
    const { fake, training, setRuns, notes } = setup();
    setRuns([run(2, { status: 'done' }), run(1, { status: 'done' })]);
    fake.answer({ 'runs:archive': ({ runId, archived }) => run(runId, { status: 'done', archivedAt: archived ? '2025-02-01T10:00:00Z' : null }) });
    await training.loadRuns();
    await training.archive(2, true);
    expect(training.listedRuns.map((r) => r.id)).toEqual([1]);
    expect(training.archivedCount).toBe(1);
    expect(notes[0]).toMatch(/^Archived run 2\. Its checkpoints stay in Generate/);
    training.showArchived = true;
    expect(training.listedRuns.map((r) => r.id)).toEqual([2, 1]);
    await training.archive(2, false);
    training.showArchived = false;
    expect(training.listedRuns.map((r) => r.id)).toEqual([2, 1]);
    expect(training.archivedCount).toBe(0);
  });

  it('forgetting a deleted run drops it from the list, the comparison and the detail, and shows the next listed run', async () => {
    const { training, setRuns, summaries } = setup();
    setRuns([run(3, { status: 'done' }), run(2, { status: 'done', archivedAt: '2025-02-01' }), run(1, { status: 'done' })]);
    await training.loadRuns();
    training.select(3);
    await settle();
    training.toggleCompare(3);
    training.toggleCompare(1);
    setRuns([run(2, { status: 'done', archivedAt: '2025-02-01' }), run(1, { status: 'done' })]);
    training.forget(3);
    expect(training.runs.map((r) => r.id)).toEqual([2, 1]);
    expect(training.compareIds).toEqual([1]);
    expect(training.selectedRunId).toBe(1); // run 2 is archived and hidden
    expect(summaries()).toBe(1);
  });
});
