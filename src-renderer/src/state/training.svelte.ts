// The Train screen's state: the settings of the next run, the queue of runs with their
// live progress, the run shown in detail (curves, sample grids, validation) and the runs
// being compared. Kept while the user is on other screens, so live curves keep growing.
import type { EventPayload, JobProgressT, OpInput, OpOutput, RunDetailT, RunT, TrainSettingsInput } from '../../../src-preload/contract';
import {
  TrainSettings,
  batchSize,
  klWeight,
  learningRate,
  lrScale,
  r1Weight,
  runName,
  stepInterval,
  trainSeed,
  trainSteps,
  workerCount,
} from '../../../src-preload/contract';
import type { z } from 'zod';
import { formatCount } from '../lib/format';
import { RunCurve } from '../components/train/curves';
import { api, errorMessage, quietApi } from '../lib/api';
import { jobs, type ActiveJob } from './jobs.svelte';
import { studio } from './studio.svelte';
import { toasts } from './toasts.svelte';

export type TrainOptions = OpOutput<'runs:options'>;
export type CheckpointItem = OpOutput<'checkpoints:list'>[number];
export type ModelKind = RunT['model'];
export type RunStatus = RunT['status'];
export type SweepGrid = OpInput<'runs:sweep'>['grid'];

/** What the new-run form edits; empty optional numbers (null) mean "the engine's default". */
export interface RunForm {
  name: string;
  model: ModelKind;
  size: 32 | 64;
  preset: 'small' | 'medium';
  steps: number | null;
  batchSize: number | null;
  seed: number | null;
  loss: 'hinge' | 'ns';
  /** Generator upsampling and discriminator normalisation (GANs). */
  upsample: 'resize' | 'transposed';
  dNorm: 'spectral' | 'batch' | 'none';
  r1: number | null;
  ema: boolean;
  diffAugment: 'auto' | 'translation' | 'full' | 'off';
  beta: number | null;
  lrG: number | null;
  lrD: number | null;
  checkpointEvery: number | null;
  sampleEvery: number | null;
  balance: 'none' | 'oversample' | 'classWeights';
  augment: boolean;
  workers: number | null;
  fineTune: boolean;
  fromCheckpointId: number | null;
  freeze: string[];
  lrScale: number | null;
}

export const defaultForm = (): RunForm => ({
  name: '',
  model: 'dcgan',
  size: 32,
  preset: 'small',
  steps: 300,
  batchSize: 32,
  seed: 1,
  loss: 'hinge',
  upsample: 'resize',
  dNorm: 'spectral',
  r1: 0,
  ema: true,
  diffAugment: 'auto',
  beta: 1,
  lrG: null,
  lrD: null,
  checkpointEvery: null,
  sampleEvery: null,
  balance: 'none',
  augment: true,
  workers: null,
  fineTune: false,
  fromCheckpointId: null,
  freeze: [],
  lrScale: 0.5,
});

export const isGan = (model: ModelKind): boolean => model !== 'vae';

/** Live numbers of a run in progress, from `job:progress`. */
export interface LiveRun {
  step: number;
  total: number;
  lossD?: number;
  lossG?: number;
  recon?: number;
  kl?: number;
  imgPerSec?: number;
}

/** True when an optional field is empty (the engine's default) or its contract schema takes it. */
const fits = (schema: z.ZodType, v: unknown) => v === null || schema.safeParse(v).success;
const n = formatCount;

/**
 * What is wrong with the form, as sentences; empty when it can be queued. Each field is checked
 * with the contract's own schema for it, and the sentences quote the contract's bounds.
 */
export function formProblems(f: RunForm): string[] {
  const problems: string[] = [];
  if (f.steps === null || !fits(trainSteps, f.steps)) problems.push(`Steps: a whole number from ${n(trainSteps.minValue!)} to ${n(trainSteps.maxValue!)}.`);
  if (f.batchSize === null || !fits(batchSize, f.batchSize))
    problems.push(`Batch size: a whole number from ${n(batchSize.minValue!)} to ${n(batchSize.maxValue!)}.`);
  if (f.seed === null || !fits(trainSeed, f.seed)) problems.push(`Seed: a whole number of ${n(trainSeed.minValue!)} or more.`);
  if (!fits(learningRate, f.lrG) || !fits(learningRate, f.lrD))
    problems.push(`Learning rates: above ${learningRate.minValue} and at most ${learningRate.maxValue}, or empty for the default.`);
  if (!fits(r1Weight, f.r1)) problems.push(`R1 γ: from ${r1Weight.minValue} to ${r1Weight.maxValue}.`);
  if (isGan(f.model) && (f.r1 ?? 0) > 0 && f.dNorm === 'batch') problems.push('R1 needs a discriminator without BatchNorm: choose spectral norm or none.');
  if (f.model === 'vae' && !fits(klWeight, f.beta)) problems.push(`KL weight β: from ${klWeight.minValue} to ${klWeight.maxValue}.`);
  if (!fits(stepInterval, f.checkpointEvery) || !fits(stepInterval, f.sampleEvery))
    problems.push(`Intervals: whole numbers of ${stepInterval.minValue} or more, or empty for automatic.`);
  if (!fits(workerCount, f.workers)) problems.push(`Workers: a whole number from ${workerCount.minValue} to ${workerCount.maxValue}.`);
  if (f.fineTune) {
    if (f.fromCheckpointId === null) problems.push('Fine-tuning: choose a checkpoint to start from.');
    if (!fits(lrScale, f.lrScale)) problems.push(`Learning-rate scale: above ${lrScale.minValue} and at most ${lrScale.maxValue}.`);
  }
  if (f.name.trim() !== '' && !fits(runName, f.name)) problems.push(`Name: at most ${runName.maxLength} characters.`);
  // Whatever the fields pass, the run goes only if the contract takes the settings as a whole.
  if (problems.length === 0) {
    const whole = TrainSettings.safeParse(formSettings(f));
    if (!whole.success) problems.push(...whole.error.issues.map((i) => `${i.path.join('.') || 'Settings'}: ${i.message}`));
  }
  return problems;
}

/** The contract's TrainSettings from the form (assumes `formProblems` is empty). */
export function formSettings(f: RunForm): TrainSettingsInput {
  const s: TrainSettingsInput = {
    model: f.model,
    size: f.size,
    preset: f.preset,
    steps: f.steps!,
    batchSize: f.batchSize!,
    seed: f.seed!,
    ema: f.ema,
    diffAugment: f.diffAugment,
    balance: f.balance,
    augment: f.augment,
  };
  if (f.name.trim()) s.name = f.name.trim();
  if (isGan(f.model)) {
    s.loss = f.loss;
    s.upsample = f.upsample;
    s.dNorm = f.dNorm;
    if (f.r1 !== null) s.r1 = f.r1;
  } else if (f.beta !== null) s.beta = f.beta;
  if (f.lrG !== null) s.lrG = f.lrG;
  if (f.lrD !== null && isGan(f.model)) s.lrD = f.lrD;
  if (f.checkpointEvery !== null) s.checkpointEvery = f.checkpointEvery;
  if (f.sampleEvery !== null) s.sampleEvery = f.sampleEvery;
  if (f.workers !== null) s.workers = f.workers;
  if (f.fineTune && f.fromCheckpointId !== null) {
    s.fromCheckpointId = f.fromCheckpointId;
    s.freeze = [...f.freeze];
    if (f.lrScale !== null) s.lrScale = f.lrScale;
  }
  return s;
}

/** How many runs a sweep grid makes: the product of the lists given. */
export function sweepSize(grid: SweepGrid): number {
  return (grid.lr?.length ?? 1) * (grid.batchSize?.length ?? 1) * (grid.preset?.length ?? 1);
}

export const MAX_COMPARE = 4;
export const MAX_SWEEP = 16;

export class Training {
  options = $state.raw<TrainOptions | null>(null);
  checkpoints = $state.raw<CheckpointItem[]>([]);
  runs = $state.raw<RunT[]>([]);
  /** False until the first runs:list answers (so the empty state does not flash). */
  loaded = $state(false);
  form = $state<RunForm>(defaultForm());
  starting = $state(false);
  sweeping = $state(false);

  selectedRunId = $state<number | null>(null);
  /** runs:get of the selected run; null while it loads. */
  detail = $state.raw<RunDetailT | null>(null);

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
      jobs.onProgress((p) => this.progress(p)),
      jobs.onFinished((f) => {
        if (f.kind !== 'train' || f.runId === null) return;
        delete this.live[f.runId];
        this.scheduleRefresh(f.runId, true);
      }),
      api.on('run:changed', (c) => this.changed(c)),
    );
    void this.enter().then(() => {
      const running = jobs.active.find((j) => j.kind === 'train' && j.runId !== null)?.runId ?? null;
      const latest = running ?? this.runs[0]?.id ?? null;
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
      api.runs.options().then((o) => {
        // The first time the view learns what the project holds, start the form on the recommended family.
        if (this.options === null && this.form.model === 'dcgan' && !this.form.fineTune) this.form.model = o.recommended;
        this.options = o;
      }),
      this.loadCheckpoints(),
    ]).catch(() => {}); // `api` has raised a toast.
  }

  async loadRuns(): Promise<void> {
    this.runs = await api.runs.list();
    this.loaded = true;
  }

  async loadCheckpoints(): Promise<void> {
    this.checkpoints = await api.checkpoints.list();
  }

  /**
   * Brings in a checkpoint folder from elsewhere as a finished run and picks it in the form to
   * fine-tune from. Returns the error to show beside the field, or null when it worked.
   */
  async importCheckpoint(dir: string, name: string): Promise<string | null> {
    try {
      const ck = await quietApi.checkpoints.import({ dir: dir.trim(), ...(name.trim() ? { name: name.trim() } : {}) });
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
    return jobs.active.find((j) => j.kind === 'train' && j.runId === runId);
  }

  /** Seconds until a running run is done at its current pace, or null while unknown. */
  secondsLeft(run: RunT): number | null {
    const job = this.jobOf(run.id);
    if (job) return jobs.secondsLeft(job, run.batchSize);
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
      const detail = await api.runs.get({ runId });
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

  // — The queue —

  async start(): Promise<void> {
    if (this.starting || formProblems(this.form).length > 0) return;
    this.starting = true;
    try {
      const { runId } = await api.runs.start(formSettings($state.snapshot(this.form) as RunForm));
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
      const { runIds } = await api.runs.sweep({ base: formSettings($state.snapshot(this.form) as RunForm), grid });
      await this.loadRuns();
      if (runIds[0] !== undefined) this.select(runIds[0]);
      toasts.push('success', `${runIds.length} runs added to the queue.`);
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
      const run = await api.runs[action]({ runId });
      if (run.status !== 'running') delete this.live[runId];
      this.patchRun(run);
      this.scheduleRefresh(runId, action !== 'resume');
    } catch {
      // `api` has raised a toast.
    } finally {
      delete this.busy[runId];
    }
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
    this.live[runId] = { step: p.step, total: p.total, lossD: p.lossD, lossG: p.lossG, recon: p.recon, kl: p.kl, imgPerSec: p.imgPerSec };
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
    if (c.reason === 'checkpoint' || (c.reason === 'status' && c.status !== 'running' && c.status !== 'queued')) void studio.refresh().catch(() => {});
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
    this.refreshTimer ??= setTimeout(() => void this.flushRefresh(), 250);
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
      if (this.refreshList || this.refreshDetails.size > 0) this.refreshTimer = setTimeout(() => void this.flushRefresh(), 250);
    }
  }
}

function stripDetail(run: RunT | RunDetailT): RunT {
  if (!('losses' in run)) return run;
  const { losses: _l, samples: _s, checkpoints: _c, ...rest } = run;
  return rest;
}

export const training = new Training();
