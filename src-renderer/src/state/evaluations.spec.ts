import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-preload/api';
import type { EvaluationT, JobFinishedT, JobProgressT, RunT } from '../../../src-preload/contract';
import { reportingApi } from '../lib/errors';
import { fakeTransport, settle } from '../testing/fake-transport';
import { compareRuns, Evaluations, type CheckpointItem, type EvalJobsLink, type EvaluationList } from './evaluations.svelte';
import type { ActiveJob } from './jobs.svelte';

function run(id: number, extra: Partial<RunT> = {}): RunT {
  return {
    id,
    name: `run ${id}`,
    model: 'dcgan',
    size: 32,
    preset: 'small',
    steps: 600,
    batchSize: 32,
    seed: 1,
    status: 'done',
    stepsDone: 600,
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

function checkpoint(id: number, runId: number, step: number): CheckpointItem {
  return {
    id,
    runId,
    step,
    dir: `runs/${runId}/ck-${step}`,
    createdAt: '2025-01-01',
    dTrain: null,
    dVal: null,
    runName: `run ${runId}`,
    model: 'dcgan',
    size: 32,
  };
}

function evaluation(id: number, runId: number, checkpointId: number, step: number, kid: number, extra: Partial<EvaluationT> = {}): EvaluationT {
  return {
    id,
    runId,
    runName: `run ${runId}`,
    checkpointId,
    step,
    split: 'val',
    auto: true,
    label: `run ${runId} · step ${step}`,
    samples: 256,
    reference: 40,
    kid,
    kidStderr: kid / 10,
    fid: kid * 1000,
    precision: 0.6,
    recall: 0.5,
    coverage: null,
    collapse: { collapsed: false, reasons: [], diversity: 0.9, duplicateShare: 0, groups: [] },
    memorisation: null,
    preview: [],
    seconds: 12,
    embedding: 'mobilenet_v2@nsfwjs-4.3.0/160/gap',
    createdAt: `2025-01-0${id}T10:00:00Z`,
    ...extra,
  };
}

function fakeJobs() {
  const progress = new Set<(p: JobProgressT) => void>();
  const finished = new Set<(f: JobFinishedT) => void>();
  const started: { jobId: string; runId: number | null }[] = [];
  const link: EvalJobsLink = {
    active: [] as ActiveJob[],
    onProgress: (l) => (progress.add(l), () => progress.delete(l)),
    onFinished: (l) => (finished.add(l), () => finished.delete(l)),
    started: (jobId, _kind, runId) => started.push({ jobId, runId }),
  };
  return {
    link,
    started,
    progress: (p: JobProgressT) => progress.forEach((l) => l(p)),
    finish: (f: JobFinishedT) => finished.forEach((l) => l(f)),
  };
}

/** Two runs: run 2 (newest) unevaluated, run 1 scored at steps 300 and 600 (600 is best). */
function setup(options: { runs?: RunT[] } = {}) {
  let runs = options.runs ?? [run(2, { status: 'running', stepsDone: 100 }), run(1)];
  let list: EvaluationList = {
    evaluations: [evaluation(1, 1, 11, 300, 0.05), evaluation(2, 1, 12, 600, 0.02)],
    published: null,
    suggested: { checkpointId: 12, runId: 1, runName: 'run 1', step: 600, kid: 0.02, kidStderr: 0.002 },
    drift: null,
  };
  const checkpoints = [checkpoint(11, 1, 300), checkpoint(12, 1, 600)];
  const fake = fakeTransport({
    'runs:list': () => runs,
    'evaluations:list': () => list,
    'checkpoints:list': () => checkpoints,
    'checkpoints:publish': ({ checkpointId }) => {
      list = { ...list, published: checkpointId ?? null };
      return { published: checkpointId ?? null };
    },
    'evaluations:start': () => ({ jobId: 'e1', alreadyTested: null }),
    'jobs:cancel': () => ({ cancelled: true }),
  });
  const reported: unknown[] = [];
  const notes: string[] = [];
  let publishedChanges = 0;
  const jobs = fakeJobs();
  const ev = new Evaluations({
    api: reportingApi(fake.api, (e) => reported.push(e)),
    quietApi: fake.api,
    jobs: jobs.link,
    notify: (m) => notes.push(m),
    onPublished: () => publishedChanges++,
    refreshDelay: 0,
  });
  return {
    fake,
    ev,
    jobs,
    reported,
    notes,
    publishedChanges: () => publishedChanges,
    setList: (l: Partial<EvaluationList>) => (list = { ...list, ...l }),
    setRuns: (r: RunT[]) => (runs = r),
  };
}

const callsTo = (fake: ReturnType<typeof fakeTransport>, name: string) => fake.calls.filter((c) => c.name === name);

async function opened(s: ReturnType<typeof setup>) {
  s.ev.connect();
  await s.ev.enter();
  return s;
}

describe('Evaluations', () => {
  it('opening loads runs, every evaluation and the checkpoints, and shows the newest run that has scores', async () => {
    const { ev } = await opened(setup());
    expect(ev.loaded).toBe(true);
    expect(ev.runId).toBe(1);
    expect(ev.valEvaluations.map((e) => e.step)).toEqual([300, 600]);
    expect(ev.selected?.id).toBe(2); // The run's latest.
    expect(ev.checkpoint?.id).toBe(12); // Its latest checkpoint.
  });

  it('no runs: loaded, nothing to show; a run without evaluations has none to chart', async () => {
    const empty = await opened(setup({ runs: [] }));
    empty.setList({ evaluations: [], suggested: null });
    await empty.ev.load();
    expect(empty.ev.loaded).toBe(true);
    expect(empty.ev.runs).toEqual([]);
    expect(empty.ev.runId).toBeNull();
    expect(empty.ev.selected).toBeNull();
    expect(empty.ev.rows).toEqual([]);

    const { ev } = await opened(setup());
    ev.selectRun(2);
    expect(ev.runEvaluations).toEqual([]);
    expect(ev.selected).toBeNull();
    expect(ev.checkpoint).toBeNull();
  });

  it('a failed load is shown in place, and Try again recovers', async () => {
    const s = setup();
    s.fake.answer({
      'evaluations:list': () => {
        throw new ApiError('internal', 'The evaluation store is busy');
      },
    });
    await opened(s);
    expect(s.ev.loadError).toBe('The evaluation store is busy');
    s.setList({});
    s.fake.answer({ 'evaluations:list': () => ({ evaluations: [], published: null, suggested: null, drift: null }) });
    await s.ev.load();
    expect(s.ev.loadError).toBeNull();
  });

  it('the comparison keeps each run’s best val KID, its test apart, and marks the suggested and published checkpoints', () => {
    const evaluations = [
      evaluation(1, 1, 11, 300, 0.05),
      evaluation(2, 1, 12, 600, 0.02),
      evaluation(3, 1, 12, 600, 0.03, { split: 'test', auto: false }),
      evaluation(4, 3, 31, 300, 0.08),
    ];
    const rows = compareRuns([run(3), run(2), run(1)], evaluations, [checkpoint(11, 1, 300), checkpoint(31, 3, 300)], 31, {
      checkpointId: 12,
      runId: 1,
      runName: 'run 1',
      step: 600,
      kid: 0.02,
      kidStderr: 0.002,
    });
    expect(rows.map((r) => [r.run.id, r.best?.id ?? null, r.test?.id ?? null, r.evaluated, r.suggested, r.published?.id ?? null])).toEqual([
      [3, 4, null, 1, false, 31],
      [2, null, null, 0, false, null],
      [1, 2, 3, 2, true, null],
    ]);
  });

  it('publishing calls the op, tells Generate, and refreshes; unpublishing sends null', async () => {
    const s = await opened(setup());
    const lists = callsTo(s.fake, 'evaluations:list').length;
    await s.ev.publish(12);
    expect(callsTo(s.fake, 'checkpoints:publish').map((c) => c.input)).toEqual([{ checkpointId: 12 }]);
    expect(s.ev.published).toBe(12);
    expect(s.ev.publishedCheckpoint?.step).toBe(600);
    expect(s.ev.rows.find((r) => r.run.id === 1)?.published?.id).toBe(12);
    expect(callsTo(s.fake, 'evaluations:list').length).toBe(lists + 1);
    expect(s.publishedChanges()).toBe(1);
    expect(s.notes).toEqual(['Published run 1 · step 600: Generate uses it by default.']);

    await s.ev.publish(null);
    expect(callsTo(s.fake, 'checkpoints:publish').at(-1)?.input).toEqual({ checkpointId: null });
    expect(s.ev.published).toBeNull();
    expect(s.ev.rows.every((r) => r.published === null)).toBe(true);
  });

  it('a failed publish is reported and changes nothing', async () => {
    const s = await opened(setup());
    s.fake.answer({
      'checkpoints:publish': () => {
        throw new ApiError('not-found', 'There is no checkpoint 12 in this project.');
      },
    });
    await s.ev.publish(12);
    expect(s.reported.map((e) => (e as Error).message)).toEqual(['There is no checkpoint 12 in this project.']);
    expect(s.ev.published).toBeNull();
    expect(s.ev.publishing).toBe(false);
    expect(s.publishedChanges()).toBe(0);
  });

  it('evaluating the chosen checkpoint shows progress, then selects the result when the job finishes', async () => {
    const s = await opened(setup());
    s.ev.chooseCheckpoint(11);
    await s.ev.evaluate('val');
    expect(callsTo(s.fake, 'evaluations:start').map((c) => c.input)).toEqual([{ checkpointId: 11, split: 'val', samples: 1000 }]);
    expect(s.jobs.started).toEqual([{ jobId: 'e1', runId: 1 }]);
    expect(s.ev.runJob).toMatchObject({ jobId: 'e1', checkpointId: 11, split: 'val', fraction: 0 });

    s.jobs.progress({ jobId: 'e1', kind: 'evaluate', runId: 1, step: 400, total: 1000, fraction: 0.4, message: 'Embedding samples' });
    s.jobs.progress({ jobId: 't', kind: 'train', runId: 1, step: 5, total: 10, fraction: 0.5, message: '' });
    expect(s.ev.runJob).toMatchObject({ fraction: 0.4, message: 'Embedding samples' });
    expect(s.ev.running).toHaveLength(1);

    // A second press while it runs sends nothing.
    await s.ev.evaluate('val');
    expect(callsTo(s.fake, 'evaluations:start')).toHaveLength(1);

    const result = evaluation(5, 1, 11, 300, 0.04, { auto: false, samples: 1000 });
    // The run scored a newer checkpoint by itself meanwhile: the result asked for is still the one shown.
    s.setList({ evaluations: [evaluation(1, 1, 11, 300, 0.05), evaluation(2, 1, 12, 600, 0.02), result, evaluation(8, 1, 13, 900, 0.03)] });
    s.jobs.finish({ jobId: 'e1', kind: 'evaluate', runId: 1, status: 'done', evaluationId: 5 });
    expect(s.ev.runJob).toBeNull();
    await settle();
    expect(s.ev.selected?.id).toBe(5);
    expect(s.ev.valEvaluations.map((e) => e.id)).toEqual([1, 5, 2, 8]);
    expect(s.notes.at(-1)).toBe('Scored run 1 · step 300: Atelier KID 0.0400.');
  });

  it('an evaluation that cannot start or fails says why in place', async () => {
    const s = await opened(setup());
    s.fake.answer({
      'evaluations:start': () => {
        throw new ApiError('empty-dataset', 'Run 1 was trained with 2 val images; scoring needs at least 4.');
      },
    });
    await s.ev.evaluate('val');
    expect(s.ev.actionError).toBe('Run 1 was trained with 2 val images; scoring needs at least 4.');
    expect(s.reported).toEqual([]);
    expect(s.ev.starting).toBeNull();

    s.fake.answer({ 'evaluations:start': () => ({ jobId: 'e2', alreadyTested: null }) });
    // A quick look: the sample count chosen beside the button goes with the request.
    await s.ev.evaluate('val', 256);
    expect(callsTo(s.fake, 'evaluations:start').at(-1)?.input).toMatchObject({ split: 'val', samples: 256 });
    expect(s.ev.actionError).toBeNull();
    s.jobs.finish({ jobId: 'e2', kind: 'evaluate', runId: 1, status: 'failed', error: { code: 'internal', message: 'The sampler ran out of memory' } });
    expect(s.ev.actionError).toBe('The sampler ran out of memory');
    expect(s.ev.runJob).toBeNull();
  });

  it('a second final test surfaces the first result instead of starting a job', async () => {
    const s = await opened(setup());
    const first = evaluation(6, 1, 12, 600, 0.025, { split: 'test', auto: false, createdAt: '2025-02-03T09:00:00Z' });
    s.fake.answer({ 'evaluations:start': () => ({ jobId: null, alreadyTested: first }) });
    await s.ev.evaluate('test');
    expect(callsTo(s.fake, 'evaluations:start').at(-1)?.input).toEqual({ checkpointId: 12, split: 'test', samples: 1000 });
    expect(s.ev.alreadyTested?.id).toBe(6);
    expect(s.ev.checkpointTest?.id).toBe(6);
    expect(s.ev.tests.map((t) => t.id)).toEqual([6]);
    expect(s.ev.valEvaluations.map((e) => e.id)).toEqual([1, 2]); // The test stays apart from validation.
    expect(s.ev.runJob).toBeNull();
    expect(s.jobs.started).toEqual([]);
    // Choosing another checkpoint forgets the notice.
    s.ev.chooseCheckpoint(11);
    expect(s.ev.alreadyTested).toBeNull();
  });

  it('picking an evaluation moves the actions to its checkpoint', async () => {
    const { ev } = await opened(setup());
    ev.selectEvaluation(1);
    expect(ev.selected?.id).toBe(1);
    expect(ev.checkpoint?.id).toBe(11);
  });

  it('a run scoring a checkpoint (or saving one) refetches; samples do not; off screen nothing is fetched', async () => {
    const s = await opened(setup());
    const lists = () => callsTo(s.fake, 'evaluations:list').length;
    const before = lists();
    s.fake.emit('run:changed', { runId: 1, status: 'running', reason: 'sample' });
    await settle();
    expect(lists()).toBe(before);
    expect(s.ev.runs.find((r) => r.id === 1)?.status).toBe('running'); // The status is patched at once.

    s.setList({ evaluations: [evaluation(1, 1, 11, 300, 0.05), evaluation(2, 1, 12, 600, 0.02), evaluation(7, 1, 12, 600, 0.019)] });
    s.fake.emit('run:changed', { runId: 1, status: 'running', reason: 'evaluation' });
    s.fake.emit('run:changed', { runId: 1, status: 'running', reason: 'checkpoint' });
    await settle();
    await settle();
    expect(lists()).toBe(before + 1); // One refetch for the burst.
    expect(s.ev.runEvaluations.map((e) => e.id)).toEqual([1, 2, 7]);

    s.ev.leave();
    s.fake.emit('run:changed', { runId: 1, status: 'running', reason: 'evaluation' });
    await settle();
    await settle();
    expect(lists()).toBe(before + 1);
  });

  it('a finished evaluate job refetches even when it came from elsewhere (the CLI, another window)', async () => {
    const s = await opened(setup());
    const before = callsTo(s.fake, 'evaluations:list').length;
    s.jobs.progress({ jobId: 'x', kind: 'evaluate', runId: 1, step: 1, total: 10, fraction: 0.1, message: 'Drawing samples' });
    expect(s.ev.runJob).toMatchObject({ jobId: 'x', checkpointId: null });
    s.jobs.finish({ jobId: 'x', kind: 'evaluate', runId: 1, status: 'done', evaluationId: 2 });
    await settle();
    expect(callsTo(s.fake, 'evaluations:list').length).toBe(before + 1);
    expect(s.ev.runJob).toBeNull();
  });

  it('a job with no run (drift after an import, embedding) refetches when done and, failing, blames no checkpoint', async () => {
    const s = await opened(setup());
    const before = callsTo(s.fake, 'evaluations:list').length;
    s.jobs.progress({ jobId: 'd', kind: 'evaluate', runId: null, step: 1, total: 24, fraction: 0.05, message: 'Embedding new images' });
    expect(s.ev.runJob).toBeNull();
    const drift = { id: 1, importId: 3, createdAt: '2025-02-01', images: 24, score: 1.6, outlierShare: 0.3, unusual: [] };
    s.setList({ drift });
    s.jobs.finish({ jobId: 'd', kind: 'evaluate', runId: null, status: 'done' });
    await settle();
    expect(callsTo(s.fake, 'evaluations:list').length).toBe(before + 1);
    expect(s.ev.drift?.score).toBe(1.6);
    expect(s.notes).toEqual([]);

    s.jobs.finish({ jobId: 'e', kind: 'evaluate', runId: null, status: 'failed', error: { code: 'internal', message: 'Could not embed' } });
    expect(s.ev.actionError).toBeNull();
  });
});
