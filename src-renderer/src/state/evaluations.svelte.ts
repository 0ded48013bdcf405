// The Evaluate screen's state: every run with the evaluations of its checkpoints (the yardstick:
// Atelier KID, FID, precision/recall, diversity, coverage, and the collapse and copy alarms), the
// run and evaluation shown in detail, the checkpoint the actions apply to, evaluation jobs in
// flight, the published and the suggested checkpoint, and the latest import's drift.
// Works over an injected API and the window's jobs (evaluate-screen.svelte.ts wires the studio's).
import type { Api } from '../../../src-preload/api';
import type { EvaluationT, EventPayload, JobFinishedT, JobProgressT, OpOutput, RunT } from '../../../src-preload/contract';
import { errorMessage } from '../lib/errors';
import type { ActiveJob, JobKind } from './jobs.svelte';

export type EvaluationList = OpOutput<'evaluations:list'>;
export type Suggested = NonNullable<EvaluationList['suggested']>;
export type CheckpointItem = OpOutput<'checkpoints:list'>[number];

/** Samples an asked-for evaluation draws (the contract's default). */
export const EVAL_SAMPLES = 1000;
/** What the Evaluate button offers: a quick look, the standard, a closer one (about 30 images/s here). */
export const SAMPLE_CHOICES = [256, 1000, 2000] as const;

/** What the manager reads of the window's jobs (jobs.svelte.ts). */
export interface EvalJobsLink {
  readonly active: ActiveJob[];
  onProgress(listener: (p: JobProgressT) => void): () => void;
  onFinished(listener: (f: JobFinishedT) => void): () => void;
  /** A job this window just started: the status bar shows it before its first report. */
  started(jobId: string, kind: JobKind, runId: number | null, total: number): void;
}

export interface EvaluationsDeps {
  /** Calls whose failures also raise a toast. */
  api: Api;
  /** Calls whose failures are shown in place. */
  quietApi: Api;
  jobs: EvalJobsLink;
  /** A sentence that something worked (a toast). */
  notify: (message: string) => void;
  /** The published checkpoint changed: Generate's default model. */
  onPublished?: () => void;
  /** Ms to gather a burst of engine events into one refetch. */
  refreshDelay?: number;
}

/** An evaluation job in flight, as its progress reports it. */
export interface EvalJob {
  jobId: string;
  runId: number | null;
  /** Known for jobs this window started. */
  checkpointId: number | null;
  split: 'val' | 'test' | null;
  fraction: number;
  message: string;
}

/** One run in the comparison table: its best checkpoint on the val split, and its test apart. */
export interface RunRow {
  run: RunT;
  /** Val evaluations of the run. */
  evaluated: number;
  /** The val evaluation with the lowest Atelier KID; null before any. */
  best: EvaluationT | null;
  /** The test of the best checkpoint, else the run's latest test; null when never tested. */
  test: EvaluationT | null;
  /** This run holds the checkpoint to publish (best by KID across the project). */
  suggested: boolean;
  /** The published checkpoint, when it belongs to this run. */
  published: CheckpointItem | null;
}

/** The comparison across runs, in the order runs:list gives them (newest first). */
export function compareRuns(
  runs: readonly RunT[],
  evaluations: readonly EvaluationT[],
  checkpoints: readonly CheckpointItem[],
  published: number | null,
  suggested: Suggested | null,
): RunRow[] {
  const publishedCheckpoint = published === null ? null : (checkpoints.find((c) => c.id === published) ?? null);
  return runs.map((run) => {
    const own = evaluations.filter((e) => e.runId === run.id);
    const val = own.filter((e) => e.split === 'val');
    let best: EvaluationT | null = null;
    for (const e of val) if (best === null || e.kid < best.kid) best = e;
    const tests = own.filter((e) => e.split === 'test');
    const test = (best && tests.find((t) => t.checkpointId === best.checkpointId)) ?? tests.at(-1) ?? null;
    return {
      run,
      evaluated: val.length,
      best,
      test,
      suggested: suggested?.runId === run.id,
      published: publishedCheckpoint?.runId === run.id ? publishedCheckpoint : null,
    };
  });
}

export class Evaluations {
  private readonly api: Api;
  private readonly quietApi: Api;
  private readonly jobs: EvalJobsLink;
  private readonly deps: EvaluationsDeps;
  private readonly refreshDelay: number;

  runs = $state.raw<RunT[]>([]);
  /** Every evaluation of the project, oldest first. */
  evaluations = $state.raw<EvaluationT[]>([]);
  checkpoints = $state.raw<CheckpointItem[]>([]);
  published = $state<number | null>(null);
  suggested = $state.raw<Suggested | null>(null);
  drift = $state.raw<EvaluationList['drift']>(null);
  /** False until the first load answers (so the empty state does not flash). */
  loaded = $state(false);
  loading = $state(false);
  /** Why the screen could not load (shown in place, with Try again). */
  loadError = $state<string | null>(null);

  runId = $state<number | null>(null);
  /** The evaluation shown in detail; null: the run's latest. */
  evaluationId = $state<number | null>(null);
  /** The checkpoint the actions apply to; null: the run's latest. */
  checkpointId = $state<number | null>(null);

  /** Evaluation jobs in flight (any run). */
  running = $state<EvalJob[]>([]);
  /** Which evaluation is being asked for, while the request is on its way. */
  starting = $state<'val' | 'test' | null>(null);
  /** Why the last evaluation of the shown run could not start or failed. */
  actionError = $state<string | null>(null);
  /** A final test asked for twice: the first result, which stands. */
  alreadyTested = $state.raw<EvaluationT | null>(null);
  publishing = $state(false);

  private stop: (() => void)[] = [];
  private onScreen = false;
  private loadTicket = 0;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(deps: EvaluationsDeps) {
    this.deps = deps;
    this.api = deps.api;
    this.quietApi = deps.quietApi;
    this.jobs = deps.jobs;
    this.refreshDelay = deps.refreshDelay ?? 250;
  }

  run = $derived(this.runs.find((r) => r.id === this.runId) ?? null);
  /** The shown run's evaluations, oldest first. */
  runEvaluations = $derived(this.evaluations.filter((e) => e.runId !== null && e.runId === this.runId));
  /** Its val evaluations by step: what the charts draw. */
  valEvaluations = $derived(
    this.runEvaluations.filter((e) => e.split === 'val' && e.step !== null).sort((a, b) => a.step! - b.step! || a.createdAt.localeCompare(b.createdAt)),
  );
  /** Its tests on the locked split, kept apart from validation. */
  tests = $derived(this.runEvaluations.filter((e) => e.split === 'test'));
  selected = $derived(this.runEvaluations.find((e) => e.id === this.evaluationId) ?? this.runEvaluations.at(-1) ?? null);
  /** The shown run's checkpoints, latest first. */
  runCheckpoints = $derived(this.checkpoints.filter((c) => c.runId === this.runId).sort((a, b) => b.step - a.step));
  checkpoint = $derived(this.runCheckpoints.find((c) => c.id === this.checkpointId) ?? this.runCheckpoints[0] ?? null);
  /** The chosen checkpoint's test, if it has had one. */
  checkpointTest = $derived(this.checkpoint ? (this.tests.find((t) => t.checkpointId === this.checkpoint!.id) ?? null) : null);
  /** The evaluation job of the shown run, if one is running. */
  runJob = $derived(this.running.find((j) => j.runId !== null && j.runId === this.runId) ?? null);
  publishedCheckpoint = $derived(this.checkpoints.find((c) => c.id === this.published) ?? null);
  rows = $derived(compareRuns(this.runs, this.evaluations, this.checkpoints, this.published, this.suggested));

  connect(): void {
    this.disconnect();
    this.runs = [];
    this.evaluations = [];
    this.checkpoints = [];
    this.published = null;
    this.suggested = null;
    this.drift = null;
    this.loaded = false;
    this.loadError = null;
    this.runId = null;
    this.evaluationId = null;
    this.checkpointId = null;
    this.starting = null;
    this.actionError = null;
    this.alreadyTested = null;
    this.running = this.jobs.active
      .filter((j) => j.kind === 'evaluate')
      .map((j) => ({ jobId: j.jobId, runId: j.runId, checkpointId: null, split: null, fraction: j.fraction, message: j.message }));
    this.stop.push(
      this.jobs.onProgress((p) => this.progress(p)),
      this.jobs.onFinished((f) => this.finished(f)),
      this.api.on('run:changed', (c) => this.changed(c)),
    );
    if (this.onScreen) void this.load();
  }

  disconnect(): void {
    for (const stop of this.stop) stop();
    this.stop = [];
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
  }

  /** The screen opened: runs, evaluations and checkpoints may have changed on other screens. */
  enter(): Promise<void> {
    this.onScreen = true;
    return this.load();
  }

  leave(): void {
    this.onScreen = false;
  }

  /** Runs, every evaluation and every checkpoint, in one go; errors are shown in place. */
  async load(): Promise<void> {
    const ticket = ++this.loadTicket;
    this.loading = true;
    try {
      const [runs, list, checkpoints] = await Promise.all([this.quietApi.runs.list(), this.quietApi.evaluations.list({}), this.quietApi.checkpoints.list()]);
      if (ticket !== this.loadTicket) return;
      this.runs = runs;
      this.checkpoints = checkpoints;
      this.takeList(list);
      this.loadError = null;
      if (this.runId === null || !runs.some((r) => r.id === this.runId)) this.selectRun(this.defaultRun());
    } catch (error) {
      if (ticket === this.loadTicket) this.loadError = errorMessage(error);
    } finally {
      if (ticket === this.loadTicket) {
        this.loaded = true;
        this.loading = false;
      }
    }
  }

  /** The run to show first: one being evaluated, else the newest with evaluations, else the newest. */
  private defaultRun(): number | null {
    const evaluating = this.running.find((j) => j.runId !== null && this.runs.some((r) => r.id === j.runId));
    if (evaluating) return evaluating.runId;
    const scored = new Set(this.evaluations.map((e) => e.runId));
    return (this.runs.find((r) => scored.has(r.id)) ?? this.runs[0])?.id ?? null;
  }

  private takeList(list: EvaluationList): void {
    this.evaluations = list.evaluations;
    this.published = list.published;
    this.suggested = list.suggested;
    this.drift = list.drift;
  }

  selectRun(runId: number | null): void {
    if (runId === this.runId) return;
    this.runId = runId;
    this.evaluationId = null;
    this.checkpointId = null;
    this.alreadyTested = null;
    this.actionError = null;
  }

  /** Show one evaluation in detail; the actions move to its checkpoint. */
  selectEvaluation(id: number): void {
    const e = this.evaluations.find((x) => x.id === id);
    if (!e) return;
    if (e.runId !== null && e.runId !== this.runId) this.selectRun(e.runId);
    this.evaluationId = id;
    if (e.checkpointId !== null && this.runCheckpoints.some((c) => c.id === e.checkpointId)) this.chooseCheckpoint(e.checkpointId);
  }

  chooseCheckpoint(id: number): void {
    if (id === this.checkpoint?.id) return;
    this.checkpointId = id;
    this.alreadyTested = null;
    this.actionError = null;
  }

  /**
   * Score the chosen checkpoint against the val split, or once against the locked test split (the
   * view asks for confirmation first). A second test answers with the first one's result.
   */
  async evaluate(split: 'val' | 'test', samples: number = EVAL_SAMPLES): Promise<void> {
    const checkpoint = this.checkpoint;
    if (!checkpoint || this.starting || this.runJob) return;
    this.starting = split;
    this.actionError = null;
    this.alreadyTested = null;
    try {
      const answer = await this.quietApi.evaluations.start({ checkpointId: checkpoint.id, split, samples });
      if (answer.alreadyTested) {
        const first = answer.alreadyTested;
        this.alreadyTested = first;
        if (!this.evaluations.some((e) => e.id === first.id)) this.evaluations = [...this.evaluations, first];
      } else if (answer.jobId !== null) {
        const jobId = answer.jobId;
        if (!this.running.some((j) => j.jobId === jobId)) {
          this.running = [...this.running, { jobId, runId: checkpoint.runId, checkpointId: checkpoint.id, split, fraction: 0, message: 'Starting…' }];
        } else {
          this.running = this.running.map((j) => (j.jobId === jobId ? { ...j, checkpointId: checkpoint.id, split } : j));
        }
        this.jobs.started(jobId, 'evaluate', checkpoint.runId, samples);
      }
    } catch (error) {
      this.actionError = errorMessage(error);
    } finally {
      this.starting = null;
    }
  }

  /** Stop an evaluation job. */
  async cancel(jobId: string): Promise<void> {
    try {
      await this.api.jobs.cancel({ jobId });
    } catch {
      // `api` has raised a toast.
    }
  }

  /** Publish a checkpoint (Generate's default) or, with null, withdraw it. */
  async publish(checkpointId: number | null): Promise<void> {
    if (this.publishing) return;
    this.publishing = true;
    try {
      const { published } = await this.api.checkpoints.publish({ checkpointId });
      this.published = published;
      const c = this.publishedCheckpoint;
      this.deps.notify(
        published === null
          ? 'Unpublished: Generate starts on the newest checkpoint again.'
          : `Published ${c ? `${c.runName} · step ${c.step.toLocaleString('en-US')}` : `checkpoint ${published}`}: Generate uses it by default.`,
      );
      this.deps.onPublished?.();
      await this.refreshList();
    } catch {
      // `api` has raised a toast.
    } finally {
      this.publishing = false;
    }
  }

  /** Evaluations, published, suggested and drift again (errors are raised as toasts). */
  async refreshList(): Promise<void> {
    try {
      this.takeList(await this.api.evaluations.list({}));
    } catch {
      // `api` has raised a toast.
    }
  }

  // — Engine events —

  private progress(p: JobProgressT): void {
    if (p.kind !== 'evaluate') return;
    const known = this.running.find((j) => j.jobId === p.jobId);
    this.running = known
      ? this.running.map((j) => (j.jobId === p.jobId ? { ...j, fraction: p.fraction, message: p.message } : j))
      : [...this.running, { jobId: p.jobId, runId: p.runId, checkpointId: null, split: null, fraction: p.fraction, message: p.message }];
  }

  private finished(f: JobFinishedT): void {
    if (f.kind !== 'evaluate') return;
    const job = this.running.find((j) => j.jobId === f.jobId);
    this.running = this.running.filter((j) => j.jobId !== f.jobId);
    if (f.status === 'failed') {
      // In place only for a checkpoint of the shown run; drift and embedding jobs (no run) belong to no card.
      if (f.runId !== null && f.runId === this.runId && job?.split !== null) this.actionError = f.error?.message ?? 'The evaluation stopped with an error.';
      return;
    }
    if (f.status !== 'done') return;
    const id = f.evaluationId;
    void this.refreshList().then(() => {
      const result = id === undefined ? undefined : this.evaluations.find((e) => e.id === id);
      if (!result) return;
      if (result.runId === this.runId) this.evaluationId = result.id;
      this.deps.notify(`Scored ${result.label}: Atelier KID ${result.kid.toPrecision(3)}.`);
    });
  }

  private changed(c: EventPayload<'run:changed'>): void {
    if (this.runs.some((r) => r.id === c.runId && r.status !== c.status)) {
      this.runs = this.runs.map((r) => (r.id === c.runId ? { ...r, status: c.status } : r));
    }
    if (!this.onScreen) return; // Opening the screen loads everything again.
    if (c.reason === 'evaluation' || c.reason === 'checkpoint' || (c.reason === 'status' && !this.runs.some((r) => r.id === c.runId))) {
      this.scheduleRefresh();
    }
  }

  /** Events come in bursts (a checkpoint, then its evaluation): reload once for all of them. */
  private scheduleRefresh(): void {
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = null;
      void this.load();
    }, this.refreshDelay);
  }
}
