// The Train screen's state: the settings of the next run, the queue of runs with their
// live progress, the run shown in detail (curves, sample grids, validation) and the runs
// being compared. Kept while the user is on other screens, so live curves keep growing.
// Works over an injected API and the window's jobs (train-screen.svelte.ts wires the studio's);
// the form itself is plain functions (run-form.ts).
import type { Api } from '../../../src-preload/api';
import type { EventPayload, JobFinishedT, JobProgressT, OpOutput, RunDetailT, RunEstimateT, RunT } from '../../../src-preload/contract';
import { RunCurve } from '../components/train/curves';
import { errorMessage } from '../lib/errors';
import type { ActiveJob } from './jobs.svelte';
import { defaultForm, estimateInput, formProblems, formSettings, type RunForm, type RunStatus, type SweepGrid } from './run-form';

export type TrainOptions = OpOutput<'runs:options'>;
export type CheckpointItem = OpOutput<'checkpoints:list'>[number];

export const MAX_COMPARE = 4;

/** Live numbers of a run in progress, from `job:progress` (before the first step, `phase` says what the run is doing). */
export type LiveRun = Pick<JobProgressT, 'step' | 'total'> &
  Partial<Pick<JobProgressT, 'lossD' | 'lossG' | 'recon' | 'kl' | 'imgPerSec' | 'meanImgPerSec' | 'gpuBytes' | 'phase' | 'message'>>;

/** The sweep dialog's picks, kept while the window lives (a cancelled dialog opens as it was left). */
export interface SweepChoices {
  lrs: number[];
  batches: number[];
  presets: ('small' | 'medium')[];
}

/** What the manager reads of the window's jobs (jobs.svelte.ts). */
export interface JobsLink {
  readonly active: ActiveJob[];
  onProgress(listener: (p: JobProgressT) => void): () => void;
  onFinished(listener: (f: JobFinishedT) => void): () => void;
  secondsLeft(job: ActiveJob, batchSize?: number): number | null;
}

export interface TrainingDeps {
  /** Calls whose failures also raise a toast. */
  api: Api;
  /** Calls whose failures are shown in place. */
  quietApi: Api;
  jobs: JobsLink;
  /** A sentence that something worked (a toast). */
  notify: (message: string) => void;
  /** Something Generate can use changed (a checkpoint, a run ended): the header's project summary. */
  onCheckpoint: () => void;
  /** Ms to gather a burst of engine events into one refetch. */
  refreshDelay?: number;
}

export class Training {
  private readonly api: Api;
  private readonly quietApi: Api;
  private readonly jobs: JobsLink;
  private readonly refreshDelay: number;
  private readonly deps: TrainingDeps;

  options = $state.raw<TrainOptions | null>(null);
  checkpoints = $state.raw<CheckpointItem[]>([]);
  runs = $state.raw<RunT[]>([]);
  /** False until the first runs:list answers (so the empty state does not flash). */
  loaded = $state(false);
  form = $state<RunForm>(defaultForm());
  starting = $state(false);
  sweeping = $state(false);
  sweepChoices = $state<SweepChoices>({ lrs: [0.0001, 0.0002], batches: [], presets: [] });

  /** This workstation's estimate for the form's settings (runs:estimate), and for which settings. */
  estimate = $state.raw<RunEstimateT | null>(null);
  estimateKey = $state('');
  /** True while the engine measures (or looks up) the speed for the form's settings. */
  estimating = $state(false);
  estimateError = $state<string | null>(null);
  /** The same for the sweep dialog's runs. */
  sweepEstimate = $state.raw<RunEstimateT | null>(null);

  selectedRunId = $state<number | null>(null);
  /** runs:get of the selected run; null while it loads. */
  detail = $state.raw<RunDetailT | null>(null);

  /** The run list shows archived runs too (they are hidden by default). */
  showArchived = $state(false);

  /** Runs ticked for comparison (2–4), in the order they were ticked. */
  compareIds = $state<number[]>([]);
  comparing = $state(false);

  /** Live numbers per run id, while its job reports progress. */
  live = $state<Record<number, LiveRun>>({});
  /** Runs with a pause/resume/cancel request in flight. */
  busy = $state<Record<number, boolean>>({});

  /** Loss history per run id; mutated in place, `curveVersion` says when. */
  readonly curves = new Map<number, RunCurve>();
  curveVersion = $state(0);

  private stop: (() => void)[] = [];
  private detailRequest = 0;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private refreshList = false;
  private refreshDetails = new Set<number>();
  private refreshCheckpoints = false;

  constructor(deps: TrainingDeps) {
    this.deps = deps;
    this.api = deps.api;
    this.quietApi = deps.quietApi;
    this.jobs = deps.jobs;
    this.refreshDelay = deps.refreshDelay ?? 250;
  }

  /** The runs with the live step, losses and speed of running ones filled in. */
  displayRuns = $derived.by(() =>
    this.runs.map((r) => {
      const l = this.live[r.id];
      if (!l || !(r.status === 'running' || r.status === 'queued')) return r;
      return {
        ...r,
        status: 'running' as const,
        stepsDone: Math.max(r.stepsDone, l.step),
        lossD: l.lossD ?? r.lossD,
        lossG: l.lossG ?? r.lossG,
        imgPerSec: l.imgPerSec ?? r.imgPerSec,
      };
    }),
  );

  /** The runs the list shows: archived ones only when asked for. */
  listedRuns = $derived(this.showArchived ? this.displayRuns : this.displayRuns.filter((r) => !r.archivedAt));
  archivedCount = $derived(this.runs.filter((r) => r.archivedAt).length);

  counts = $derived.by(() => {
    const c: Record<RunStatus, number> = { queued: 0, running: 0, paused: 0, done: 0, cancelled: 0, failed: 0 };
    for (const r of this.displayRuns) c[r.status]++;
    return c;
  });

  compareRuns = $derived(this.compareIds.map((id) => this.displayRuns.find((r) => r.id === id)).filter((r): r is RunT => !!r));

  connect(): void {
    this.disconnect();
    this.runs = [];
    this.options = null;
    this.checkpoints = [];
    this.loaded = false;
    this.selectedRunId = null;
    this.detail = null;
    this.compareIds = [];
    this.comparing = false;
    this.live = {};
    this.busy = {};
    this.curves.clear();
    this.curveVersion++;
    this.stop.push(
      this.jobs.onProgress((p) => this.progress(p)),
      this.jobs.onFinished((f) => {
        if (f.kind !== 'train' || f.runId === null) return;
        delete this.live[f.runId];
        this.scheduleRefresh(f.runId, true);
      }),
      this.api.on('run:changed', (c) => this.changed(c)),
    );
    void this.enter().then(() => {
      const running = this.jobs.active.find((j) => j.kind === 'train' && j.runId !== null)?.runId ?? null;
      const latest = running ?? this.listedRuns[0]?.id ?? null;
      if (this.selectedRunId === null && latest !== null) this.select(latest);
    });
  }

  disconnect(): void {
    for (const stop of this.stop) stop();
    this.stop = [];
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
  }

  /** The Train screen opened: what it offers may have changed on other screens (tags, images, checkpoints). */
  async enter(): Promise<void> {
    await Promise.all([
      this.loadRuns(),
      this.api.runs.options().then((o) => {
        // The first time the view learns what the project holds, start the form on the recommended family.
        if (this.options === null && this.form.model === 'dcgan' && !this.form.fineTune) this.form.model = o.recommended;
        this.options = o;
      }),
      this.loadCheckpoints(),
    ]).catch(() => {}); // `api` has raised a toast.
  }

  async loadRuns(): Promise<void> {
    this.runs = await this.api.runs.list();
    this.loaded = true;
  }

  async loadCheckpoints(): Promise<void> {
    this.checkpoints = await this.api.checkpoints.list();
  }

  /**
   * Brings in a checkpoint folder from elsewhere as a finished run and picks it in the form to
   * fine-tune from. Returns the error to show beside the field, or null when it worked.
   */
  async importCheckpoint(dir: string, name: string): Promise<string | null> {
    try {
      const ck = await this.quietApi.checkpoints.import({ dir: dir.trim(), ...(name.trim() ? { name: name.trim() } : {}) });
      await Promise.all([this.loadCheckpoints(), this.loadRuns()]);
      const item = this.checkpoints.find((c) => c.id === ck.id);
      if (item) {
        this.form.model = item.model;
        this.form.size = item.size;
        this.form.fineTune = true;
        this.form.fromCheckpointId = item.id;
      }
      return null;
    } catch (error) {
      return errorMessage(error);
    }
  }

  /** The live job of a run, for its ETA. */
  jobOf(runId: number): ActiveJob | undefined {
    return this.jobs.active.find((j) => j.kind === 'train' && j.runId === runId);
  }

  /** Seconds until a running run is done at its current pace, or null while unknown. */
  secondsLeft(run: RunT): number | null {
    const job = this.jobOf(run.id);
    if (job) return this.jobs.secondsLeft(job, run.batchSize);
    const l = this.live[run.id];
    if (l?.imgPerSec) return ((l.total - l.step) * run.batchSize) / l.imgPerSec;
    return null;
  }

  curve(runId: number): RunCurve {
    let c = this.curves.get(runId);
    if (!c) this.curves.set(runId, (c = new RunCurve()));
    return c;
  }

  select(runId: number): void {
    this.comparing = false;
    if (this.selectedRunId === runId && this.detail?.id === runId) return;
    this.selectedRunId = runId;
    this.detail = null;
    void this.loadDetail(runId);
  }

  /** Fetch a run in full and merge its stored loss history into the curve (live points are kept). */
  async loadDetail(runId: number): Promise<RunDetailT | null> {
    const request = runId === this.selectedRunId ? ++this.detailRequest : 0;
    try {
      const detail = await this.api.runs.get({ runId });
      const curve = this.curve(runId);
      for (const p of detail.losses) curve.push(p);
      this.curveVersion++;
      this.patchRun(detail);
      if (request && request === this.detailRequest && runId === this.selectedRunId) this.detail = detail;
      return detail;
    } catch {
      return null; // `api` has raised a toast.
    }
  }

  // — Estimates —

  private estimateRequest = 0;

  /** Asks the engine what the form's run takes here (it times a few steps the first time for a shape). */
  async refreshEstimate(): Promise<RunEstimateT | null> {
    // Nothing to train on: no run can start, so no timing is worth its seconds.
    if (this.options !== null && this.options.trainImages === 0) return null;
    const input = estimateInput($state.snapshot(this.form) as RunForm);
    const key = JSON.stringify(input);
    if (key === this.estimateKey && this.estimate) return this.estimate;
    const request = ++this.estimateRequest;
    this.estimating = true;
    try {
      const e = await this.quietApi.runs.estimate(input);
      if (request !== this.estimateRequest) return null;
      this.estimate = e;
      this.estimateKey = key;
      this.estimateError = null;
      return e;
    } catch (error) {
      if (request === this.estimateRequest) this.estimateError = errorMessage(error);
      return null;
    } finally {
      if (request === this.estimateRequest) this.estimating = false;
    }
  }

  /** The estimate for a sweep of `runs` runs of the form's settings, one core each. */
  async refreshSweepEstimate(runs: number): Promise<void> {
    try {
      this.sweepEstimate = await this.quietApi.runs.estimate({ ...estimateInput($state.snapshot(this.form) as RunForm, runs), workers: 1 });
    } catch {
      this.sweepEstimate = null;
    }
  }

  /** Steps a time-budgeted run is queued with: this workstation's estimate for its budget. */
  private async budgetSteps(): Promise<number | null> {
    if (this.form.budget === null) return null;
    const e = await this.refreshEstimate();
    return e?.steps ?? null;
  }

  // — The queue —

  async start(): Promise<void> {
    if (this.starting || formProblems(this.form).length > 0) return;
    this.starting = true;
    try {
      const steps = await this.budgetSteps();
      const { runId } = await this.api.runs.start(formSettings($state.snapshot(this.form) as RunForm, steps));
      await this.loadRuns();
      this.select(runId);
    } catch {
      // `api` has raised a toast.
    } finally {
      this.starting = false;
    }
  }

  async sweep(grid: SweepGrid): Promise<boolean> {
    if (this.sweeping || formProblems(this.form).length > 0) return false;
    this.sweeping = true;
    try {
      // Each sweep run uses one core: its budget buys the steps of a one-core run.
      const steps = this.form.budget !== null ? (this.sweepEstimate?.steps ?? (await this.budgetSteps())) : null;
      const { runIds } = await this.api.runs.sweep({ base: formSettings($state.snapshot(this.form) as RunForm, steps), grid });
      await this.loadRuns();
      if (runIds[0] !== undefined) this.select(runIds[0]);
      this.deps.notify(`${runIds.length} runs added to the queue.`);
      return true;
    } catch {
      return false; // `api` has raised a toast.
    } finally {
      this.sweeping = false;
    }
  }

  async act(runId: number, action: 'pause' | 'resume' | 'cancel'): Promise<void> {
    if (this.busy[runId]) return;
    this.busy[runId] = true;
    try {
      const run = await this.api.runs[action]({ runId });
      if (run.status !== 'running') delete this.live[runId];
      this.patchRun(run);
      this.scheduleRefresh(runId, action !== 'resume');
    } catch {
      // `api` has raised a toast.
    } finally {
      delete this.busy[runId];
    }
  }

  /** Archives a run (the list hides it unless archived runs are shown; its checkpoints stay usable) or restores it. */
  async archive(runId: number, archived: boolean): Promise<void> {
    if (this.busy[runId]) return;
    this.busy[runId] = true;
    try {
      const run = await this.api.runs.archive({ runId, archived });
      this.patchRun(run);
      this.deps.notify(archived ? `Archived ${run.name}. Its checkpoints stay in Generate; Show archived lists it again.` : `Restored ${run.name}.`);
    } catch {
      // `api` has raised a toast.
    } finally {
      delete this.busy[runId];
    }
  }

  /** A run was deleted: the screen forgets it and shows the newest run still listed. */
  forget(runId: number): void {
    this.runs = this.runs.filter((r) => r.id !== runId);
    this.compareIds = this.compareIds.filter((id) => id !== runId);
    if (this.compareIds.length < 2) this.comparing = false;
    this.curves.delete(runId);
    this.curveVersion++;
    delete this.live[runId];
    if (this.selectedRunId === runId) {
      this.selectedRunId = null;
      this.detail = null;
      const next = this.listedRuns[0];
      if (next) this.select(next.id);
    }
    void this.loadCheckpoints().catch(() => {});
    this.deps.onCheckpoint();
  }

  /** Put a run's settings in the form, to start from what worked (or to change one thing). */
  copySettings(settings: Record<string, unknown>): void {
    const next = defaultForm();
    const f = next as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(settings)) {
      if (!(key in f) || key === 'fineTune' || key === 'name') continue;
      if (value === undefined) continue;
      f[key] = Array.isArray(value) ? [...(value as unknown[])] : value;
    }
    next.fineTune = typeof settings.fromCheckpointId === 'number';
    this.form = next;
  }

  // — Comparison —

  toggleCompare(runId: number): void {
    if (this.compareIds.includes(runId)) this.compareIds = this.compareIds.filter((id) => id !== runId);
    else if (this.compareIds.length < MAX_COMPARE) this.compareIds = [...this.compareIds, runId];
    if (this.compareIds.length < 2) this.comparing = false;
  }

  openCompare(): void {
    if (this.compareIds.length < 2) return;
    this.comparing = true;
    for (const id of this.compareIds) if (!this.curves.get(id)?.length) void this.loadDetail(id);
  }

  closeCompare(): void {
    this.comparing = false;
  }

  // — Engine events —

  private progress(p: JobProgressT): void {
    if (p.kind !== 'train' || p.runId === null) return;
    const runId = p.runId;
    this.live[runId] = {
      step: p.step,
      total: p.total,
      lossD: p.lossD,
      lossG: p.lossG,
      recon: p.recon,
      kl: p.kl,
      imgPerSec: p.imgPerSec,
      meanImgPerSec: p.meanImgPerSec,
      gpuBytes: p.gpuBytes,
      phase: p.phase,
      message: p.message,
    };
    if (this.curve(runId).push(p)) this.curveVersion++;
    const known = this.runs.find((r) => r.id === runId);
    if (!known || known.status !== 'running') this.scheduleRefresh(runId);
    if (this.selectedRunId === null) this.select(runId);
  }

  private changed(c: EventPayload<'run:changed'>): void {
    const run = this.runs.find((r) => r.id === c.runId);
    if (run && run.status !== c.status) this.runs = this.runs.map((r) => (r.id === c.runId ? { ...r, status: c.status } : r));
    if (this.detail?.id === c.runId && this.detail.status !== c.status) this.detail = { ...this.detail, status: c.status };
    if (c.status !== 'running') delete this.live[c.runId];
    this.scheduleRefresh(c.runId, c.reason === 'checkpoint' || c.status === 'done');
    // A new checkpoint is something Generate can use: the project summary counts them.
    if (c.reason === 'checkpoint' || (c.reason === 'status' && c.status !== 'running' && c.status !== 'queued')) this.deps.onCheckpoint();
  }

  private patchRun(run: RunT): void {
    if (this.runs.some((r) => r.id === run.id)) {
      this.runs = this.runs.map((r) => (r.id === run.id ? stripDetail(run) : r));
    }
    if (this.detail?.id === run.id && !('losses' in run)) this.detail = { ...this.detail, ...run };
  }

  /** Events come in bursts (a sample, a checkpoint, a status): refetch once for all of them. */
  private scheduleRefresh(runId: number, checkpoints = false): void {
    this.refreshList = true;
    this.refreshDetails.add(runId);
    if (checkpoints) this.refreshCheckpoints = true;
    this.refreshTimer ??= setTimeout(() => void this.flushRefresh(), this.refreshDelay);
  }

  private async flushRefresh(): Promise<void> {
    const ids = [...this.refreshDetails];
    const list = this.refreshList;
    const checkpoints = this.refreshCheckpoints;
    this.refreshDetails.clear();
    this.refreshList = false;
    this.refreshCheckpoints = false;
    try {
      await Promise.all([
        list ? this.loadRuns() : null,
        checkpoints ? this.loadCheckpoints() : null,
        ...ids.filter((id) => id === this.selectedRunId || (this.comparing && this.compareIds.includes(id))).map((id) => this.loadDetail(id)),
      ]);
    } catch {
      // `api` has raised a toast.
    } finally {
      this.refreshTimer = null;
      if (this.refreshList || this.refreshDetails.size > 0) this.refreshTimer = setTimeout(() => void this.flushRefresh(), this.refreshDelay);
    }
  }
}

function stripDetail(run: RunT | RunDetailT): RunT {
  if (!('losses' in run)) return run;
  const { losses: _l, samples: _s, checkpoints: _c, ...rest } = run;
  return rest;
}
