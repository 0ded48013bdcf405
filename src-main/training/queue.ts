// The training room: runs, from a person's settings to checkpoints on disk. Here: the run queue
// (this file), fine-tune checks, sweeps, validation, sample grids, checkpoint import, and the run
// loop a job process executes (run-job.ts).
//
// Why beside ml/ and not inside it: ml/ is pure tfjs (models, the training step, backends, the
// checkpoint's tensor format) and knows no project, no database and no process; a run needs all
// three (the store's rows, the dataset's curation, a job process). Keeping runs out of ml/ keeps
// ml/ usable alone (tests, benches, the drawing threads) and lets the import graph say so: ml/
// imports neither store/ nor datasets/, training/ may import both.
//
// The run queue: runs are stored as 'queued' with their settings and a snapshot of their data,
// and started in order as cores free up. A run that was training when the engine stopped goes
// back to the queue on the next open and continues from its last checkpoint. Pause asks the job
// to checkpoint and stop; cancel kills it (checkpoints stay).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import {
  BUDGET_STEP_CEILING,
  TrainSettings,
  type EventName,
  type EventPayload,
  type JobT,
  type OpParsedInput,
  type RunEstimateT,
  type TrainSettingsT,
} from '../../src-preload/contract';
import { Curation } from '../datasets/curation';
import { configFromSettings, FREEZABLE, runName } from '../ml/recipe';
import { assetFile } from '../store/assets';
import type { Project } from '../store/project';
import type { RunAssetRow, RunRow } from '../store/runs';
import { AtelierError } from '../errors';
import { recordEvaluation, storeFeatures } from '../evaluation/service';
import { fineTuneParent } from './fine-tune';
import type { PauseControl, ProgressMessage, TrainMessage, TrainRequest } from './protocol';
import { OVERFIT_GAP } from './validation';
import { minutesForSteps, readSpeed, stepsForMinutes, throughput, type MeasuredSpeed, type SpeedKey } from './speed';

/** Seconds of real steps a speed timing runs for (after its first step, which sets up the kernels). */
export const TIMING_SECONDS = 2;

/** Tags a conditional model conditions on: the project's vocabulary, most used first. */
export const MAX_CLASSES = 256;

/** What the queue needs of the engine's jobs (host/jobs.ts JobManager): start a training job, pause and kill it. */
export interface RunJobs {
  start(kind: 'train', runId: number | null, request: TrainRequest, handlers: RunJobHandlers): JobT;
  send(jobId: string, control: PauseControl): boolean;
  cancel(jobId: string): boolean;
}

export interface RunJobHandlers {
  onMessage(message: TrainMessage, job: JobT): void;
  onFinish(job: JobT, error?: EventPayload<'job:finished'>['error']): void;
}

export interface TrainingQueueOptions {
  project: () => Project | null;
  jobs: RunJobs;
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  /** Called when a training job ends, for waiters (CLI). */
  onJobFinished(payload: EventPayload<'job:finished'>): void;
  progress(record: JobT, m: ProgressMessage): EventPayload<'job:progress'>;
  /** Cores the queue may use at once. */
  cores?: number;
  /** Runs score their checkpoints within their time budget (default true). */
  scoreCheckpoints?: boolean;
}

interface Active {
  runId: number;
  jobId: string;
  workers: number;
  pausing: boolean;
  paused: boolean;
  send(message: PauseControl): void;
}

export class TrainingQueue {
  private readonly active = new Map<number, Active>();
  readonly cores: number;
  /** False while another process holds the project: nothing is started or re-queued. */
  enabled = true;

  constructor(private readonly o: TrainingQueueOptions) {
    this.cores = Math.max(1, o.cores ?? availableParallelism());
  }

  private project(): Project {
    const p = this.o.project();
    if (!p) throw new AtelierError('no-project', 'No project is open. Open or create a project first.');
    return p;
  }

  /** Class list of the open project (for conditional models). */
  classes(): string[] {
    return this.project()
      .assets.tags()
      .filter((t) => t.count > 0)
      .slice(0, MAX_CLASSES)
      .map((t) => t.name);
  }

  options() {
    const p = this.project();
    const curation = new Curation(p);
    const train = curation.trainingAssets().length;
    const val = p.assets.all({ excluded: false }).filter((a) => a.split === 'val').length;
    const classes = this.classes();
    // Conditioning on the tags gave clearly better first samples in the 12-minute trials (docs/training-recipe.md).
    const recommended = classes.length > 0 ? ('cgan' as const) : ('dcgan' as const);
    return { classes, trainImages: train, valImages: val, workers: this.cores, freezable: FREEZABLE, recommended };
  }

  /** Queues one run with a snapshot of today's training set; returns its id. */
  enqueue(settings: TrainSettingsT, extra: { sweepId?: number; feedback?: RoundFeedback } = {}): number {
    const p = this.project();
    const curation = new Curation(p);
    const assets = curation.trainingAssets();
    if (assets.length === 0) {
      throw new AtelierError(
        'empty-dataset',
        p.assets.count() === 0
          ? 'This project has no images yet. Import some before training.'
          : 'Every image is excluded or outside the train split. Include some images before training.',
      );
    }
    if (assets.length < 2) throw new AtelierError('empty-dataset', 'Training needs at least two images.');
    const classes = settings.model === 'dcgan' ? [] : this.classes();
    if (settings.model === 'cgan' && classes.length === 0) {
      throw new AtelierError('no-classes', 'A conditional GAN learns from tags, and no image has one yet. Tag images in Data, or train a DCGAN.');
    }
    const parent = fineTuneParent(p, settings);
    // Sampling weights (oversample) or loss weights (classWeights); the job is told which in start().
    const weights =
      settings.balance === 'oversample' ? curation.oversamplingWeights(assets) : settings.balance === 'classWeights' ? curation.classWeights(assets) : null;
    const classesOf = curation.classIndexer(classes);
    const val = p.assets.all({ excluded: false }).filter((a) => a.split === 'val');
    const snapshot: RunAssetRow[] = [
      ...assets.map((a, i) => ({ assetId: a.id, role: 'train' as const, weight: weights?.[i] ?? 1, classes: classesOf(a.id) })),
      ...val.map((a) => ({ assetId: a.id, role: 'val' as const, weight: 1, classes: classesOf(a.id) })),
    ];
    const config = configFromSettings(settings, { classes: classes.length, images: assets.length });
    // A time-budgeted run stops at its budget; its steps are an estimate it may outrun on a faster machine.
    if (settings.minutes !== undefined) config.steps = Math.min(1_000_000, settings.steps * BUDGET_STEP_CEILING);
    const { beta: _beta, ...common } = settings;
    const stored = {
      ...(settings.model === 'vae' ? settings : common),
      // The base learning rates (the family's defaults filled in); lrScale multiplies them.
      lrG: config.lrG / settings.lrScale,
      lrD: config.lrD / settings.lrScale,
      ...(settings.model === 'vae' ? {} : { upsample: config.gUpsample, dNorm: config.dNorm }),
      workers: settings.workers ?? (extra.sweepId !== undefined ? 1 : this.cores),
      checkpointEvery: settings.checkpointEvery ?? Math.max(1, Math.min(settings.steps, 500)),
      sampleEvery: settings.sampleEvery ?? Math.max(1, Math.round(settings.steps / 40)),
      augmentation: settings.augment ? curation.augmentation() : null,
      classes,
      images: assets.length,
      valImages: val.length,
      config,
      ...(extra.feedback ? { feedback: extra.feedback } : {}),
    };
    const runId = p.runs.create({
      name: settings.name ?? runName(settings, parent !== null),
      model: settings.model,
      size: settings.size,
      preset: settings.preset,
      steps: settings.steps,
      batchSize: settings.batchSize,
      seed: settings.seed,
      settings: stored,
      parentCheckpointId: settings.fromCheckpointId ?? null,
      sweepId: extra.sweepId ?? null,
      assets: snapshot,
    });
    this.changed(runId, 'status');
    this.schedule();
    return runId;
  }

  /** Queues every combination of the grid's values as one run of a new sweep (one core each). */
  sweep({ base, grid }: OpParsedInput<'runs:sweep'>): { sweepId: number; runIds: number[] } {
    const p = this.project();
    const lrs = grid.lr ?? [undefined];
    const batches = grid.batchSize ?? [base.batchSize];
    const presets = grid.preset ?? [base.preset];
    const combos = lrs.flatMap((lr) => batches.flatMap((batchSize) => presets.map((preset) => ({ lr, batchSize, preset }))));
    if (combos.length > 16) throw new AtelierError('invalid-input', `This sweep makes ${combos.length} runs; choose at most 16 combinations.`);
    const sweepId = p.runs.createSweep(grid);
    const runIds = combos.map(({ lr, batchSize, preset }) => {
      const label = [lr !== undefined ? `lr ${lr}` : null, grid.batchSize ? `batch ${batchSize}` : null, grid.preset ? preset : null]
        .filter(Boolean)
        .join(' · ');
      return this.enqueue(
        { ...base, batchSize, preset, ...(lr !== undefined ? { lrG: lr, lrD: lr } : {}), name: `${base.name ?? `Sweep ${sweepId}`}: ${label}` },
        { sweepId },
      );
    });
    return { sweepId, runIds };
  }

  pause(runId: number): RunRow {
    const p = this.project();
    const run = this.require(runId);
    const active = this.active.get(runId);
    if (active) {
      active.pausing = true;
      active.send({ type: 'pause' });
    } else if (run.status === 'queued') {
      p.runs.setStatus(runId, 'paused');
      this.changed(runId, 'status');
    } else {
      throw new AtelierError('invalid-state', `Run ${runId} is ${run.status}; only a queued or running run can be paused.`);
    }
    return p.runs.get(runId)!;
  }

  resume(runId: number): RunRow {
    const p = this.project();
    const run = this.require(runId);
    if (!['paused', 'cancelled', 'failed'].includes(run.status)) {
      throw new AtelierError('invalid-state', `Run ${runId} is ${run.status}; only a paused, cancelled or failed run can be resumed.`);
    }
    p.runs.setStatus(runId, 'queued');
    this.changed(runId, 'status');
    this.schedule();
    return p.runs.get(runId)!;
  }

  cancel(runId: number): RunRow {
    const p = this.project();
    const run = this.require(runId);
    const active = this.active.get(runId);
    if (active) {
      this.o.jobs.cancel(active.jobId);
    } else if (run.status === 'queued' || run.status === 'paused') {
      p.runs.setStatus(runId, 'cancelled');
      this.changed(runId, 'status');
    } else {
      throw new AtelierError('invalid-state', `Run ${runId} is already ${run.status}.`);
    }
    return p.runs.get(runId)!;
  }

  /** Whether a job is training this run (or finishing after a pause or cancel). */
  isActive(runId: number): boolean {
    return this.active.has(runId);
  }

  /** After opening a project: runs left 'running' by a stopped engine go back to the queue. */
  recover(): void {
    const p = this.o.project();
    if (!p || !this.enabled) return;
    p.runs.requeueInterrupted();
    this.schedule();
  }

  /** Starts queued runs, first in first out, while cores are free. */
  schedule(): void {
    const p = this.o.project();
    if (!p || !this.enabled || !p.isOpen) return;
    for (const run of p.runs.queued()) {
      const used = [...this.active.values()].reduce((n, a) => n + a.workers, 0);
      const workers = Math.max(1, Math.min(Number(run.settings.workers ?? this.cores), this.cores));
      if (this.active.size > 0 && used + workers > this.cores) break; // keep the order: wait for room
      this.start(p, run, workers);
    }
  }

  private require(runId: number): RunRow {
    const run = this.project().runs.get(runId);
    if (!run) throw new AtelierError('not-found', `There is no run ${runId} in this project.`);
    return run;
  }

  private changed(runId: number, reason: 'status' | 'sample' | 'checkpoint' | 'evaluation'): void {
    const run = this.o.project()?.runs.get(runId);
    if (run) this.o.emit('run:changed', { runId, status: run.status, reason });
  }

  private start(p: Project, run: RunRow, workers: number): void {
    const s = run.settings as unknown as TrainSettingsT & {
      checkpointEvery: number;
      sampleEvery: number;
      augmentation: never;
      config: ReturnType<typeof configFromSettings>;
    };
    const resumeFrom = p.runs.latestCheckpoint(run.id);
    p.runs.truncateAfter(run.id, resumeFrom?.step ?? 0);
    const parent = run.parentCheckpointId !== null ? p.runs.checkpoint(run.parentCheckpointId) : null;
    const snapshot = p.runs.assets(run.id);
    const byId = new Map(p.assets.all().map((a) => [a.id, a]));
    const source = (r: RunAssetRow) => {
      const a = byId.get(r.assetId);
      if (!a) throw new AtelierError('missing-asset', `Image ${r.assetId} of run ${run.id} is no longer in the project.`);
      return { path: p.path(assetFile(a.hash, a.ext)), hash: a.hash, weight: r.weight, classes: r.classes };
    };
    let train;
    let val;
    let negatives: TrainRequest['negatives'] = [];
    try {
      train = snapshot.filter((r) => r.role === 'train').map(source);
      val = snapshot.filter((r) => r.role === 'val').map(source);
      const feedback = run.settings.feedback as RoundFeedback | undefined;
      if (feedback) {
        const extra = feedbackSources(p, feedback, train);
        train = [...train, ...extra.liked];
        negatives = extra.disliked;
      }
    } catch (error) {
      p.runs.setStatus(run.id, 'failed', (error as Error).message);
      this.changed(run.id, 'status');
      return;
    }
    // A run decodes its own images; an early decoding of them would only compete for the cores.
    if (this.preparing) this.o.jobs.cancel(this.preparing);
    p.runs.setStatus(run.id, 'running');
    let lastCheckpointId: number | undefined;
    const active: Active = { runId: run.id, jobId: '', workers, pausing: false, paused: false, send: () => {} };
    this.active.set(run.id, active);
    const record = this.o.jobs.start(
      'train',
      run.id,
      {
        type: 'train',
        projectDir: p.dir,
        runId: run.id,
        config: s.config,
        checkpointEvery: s.checkpointEvery,
        sampleEvery: s.sampleEvery,
        workers,
        assets: train,
        weighting: run.settings.balance === 'classWeights' ? 'loss' : 'sampling',
        val,
        background: p.background,
        augmentation: (run.settings.augmentation as never) ?? null,
        ...(resumeFrom ? { resumeFrom: resumeFrom.dir } : parent ? { parentCheckpoint: parent.dir } : {}),
        score: this.o.scoreCheckpoints ?? true,
        ...(typeof run.settings.minutes === 'number' ? { budgetMs: run.settings.minutes * 60_000 } : {}),
        speedKey: { workers, model: run.model, size: run.size, preset: run.preset, batchSize: run.batchSize },
        ...(negatives.length ? { negatives, negativeShare: (run.settings.feedback as RoundFeedback).negativeShare } : {}),
        // A feedback round's averaged generator follows the round, not the parent's long history (docs/feedback.md).
        ...(run.settings.feedback ? { restartEma: true } : {}),
      },
      {
        onMessage: (message, rec) => {
          if (!p.isOpen) return;
          switch (message.type) {
            case 'ready':
              p.runs.setBackend(run.id, message.backend);
              this.changed(run.id, 'status');
              break;
            case 'progress':
              if (message.lossD !== undefined || message.recon !== undefined) {
                p.runs.recordProgress(run.id, { ...message, imgPerSec: message.imgPerSec ?? 0 });
              }
              this.o.emit('job:progress', this.o.progress(rec, message));
              break;
            case 'checkpoint':
              lastCheckpointId = p.runs.addCheckpoint(run.id, message.step, message.dir);
              this.changed(run.id, 'checkpoint');
              break;
            case 'validation':
              if (lastCheckpointId !== undefined) {
                const overfitting = message.dVal !== null && message.dTrain - message.dVal > OVERFIT_GAP;
                p.runs.setValidation(lastCheckpointId, message.dTrain, message.dVal, overfitting);
                this.changed(run.id, 'checkpoint');
              }
              break;
            case 'sample':
              p.runs.addSample(run.id, message.step, message.file);
              this.changed(run.id, 'sample');
              break;
            case 'sample-cells':
              p.runs.setSampleCells(run.id, message.cells);
              break;
            case 'paused':
              active.paused = true;
              break;
            case 'speed':
              break; // the job recorded it in this workstation's speeds (speed.ts)
            case 'features':
              storeFeatures(p, message);
              break;
            case 'evaluated': {
              const checkpoint = p.runs.checkpoints(run.id).find((c) => c.step === message.step);
              recordEvaluation(
                p,
                {
                  runId: run.id,
                  checkpointId: checkpoint?.id ?? null,
                  split: 'val',
                  auto: true,
                  label: `${run.name} · step ${(message.step ?? 0).toLocaleString('en')}`,
                },
                message.result,
              );
              this.changed(run.id, 'evaluation');
              break;
            }
            case 'skipped': {
              // Damaged since import: named, excluded from the dataset (undoable), and the run goes on without it.
              const id = p.assets.findByHash(message.hash);
              const name = id !== null ? (p.assets.get(id)?.name ?? `image ${id}`) : `the image ${message.hash.slice(0, 12)}`;
              if (id !== null) p.assets.setExcluded([id], true);
              this.o.emit(
                'job:progress',
                this.o.progress(rec, {
                  type: 'progress',
                  step: 0,
                  total: run.steps,
                  message: `${name} cannot be decoded (${message.reason}); it was left out of this run and excluded from the dataset.`,
                }),
              );
              break;
            }
          }
        },
        onFinish: (rec, error) => {
          this.active.delete(run.id);
          if (p.isOpen) {
            // Stopped because the engine is closing: the run stays queued and continues on the next open.
            const status = this.closing ? 'queued' : active.paused ? 'paused' : rec.status === 'running' ? 'failed' : rec.status;
            p.runs.setStatus(run.id, status, status === 'failed' ? (error?.message ?? 'The run stopped.') : null);
            this.changed(run.id, 'status');
          }
          this.o.onJobFinished({
            jobId: rec.id,
            kind: 'train',
            runId: run.id,
            status: rec.status === 'running' ? 'failed' : (rec.status as 'done'),
            ...(error ? { error } : {}),
            ...(lastCheckpointId !== undefined ? { checkpointId: lastCheckpointId } : {}),
          });
          // A run that fails immediately must not spin the queue: the next one starts on the next tick.
          setImmediate(() => this.schedule());
        },
      },
    );
    active.jobId = record.id;
    active.send = (m) => this.o.jobs.send(record.id, m);
    // Shown at once (the status bar, the run's phases), before the job process has started and speaks.
    this.o.emit(
      'job:progress',
      this.o.progress(record, { type: 'progress', step: run.stepsDone, total: run.steps, phase: 'loading', message: 'Starting the training process' }),
    );
  }

  private closing = false;
  private timings = new Map<string, Promise<MeasuredSpeed>>();
  /** Image sets (project, size) already decoded ahead of a run, and the job doing it now. */
  private prepared = new Set<string>();
  private preparing: string | null = null;

  /**
   * Decodes the training and validation images of a run of this size into the pixel cache while
   * the person is still choosing (the Train view asks for estimates), so the run's first step
   * does not wait for them: 4.9 s for the starter set on two cores. Once per project and size; a
   * run that starts meanwhile stops it (it decodes for itself).
   */
  prepare(size: 32 | 64): void {
    const p = this.o.project();
    if (!p || !this.enabled || this.active.size > 0 || this.preparing) return;
    const curation = new Curation(p);
    // In a run's snapshot order (by id), so the cache file is the one the run will look for.
    const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;
    const assets = [...curation.trainingAssets()].sort(byId);
    const val = p.assets
      .all({ excluded: false })
      .filter((a) => a.split === 'val')
      .sort(byId);
    const key = `${p.dir}|${size}|${p.background}|${assets.length}|${val.length}`;
    if (this.prepared.has(key) || assets.length < 2) return;
    this.prepared.add(key);
    const source = (a: { hash: string; ext: string }) => ({ path: p.path(assetFile(a.hash, a.ext)), hash: a.hash, weight: 1, classes: [] });
    const settings = TrainSettings.parse({ model: 'dcgan', size, steps: 1 });
    const job = this.o.jobs.start(
      'train',
      null,
      {
        type: 'train',
        projectDir: p.dir,
        runId: 0,
        config: configFromSettings(settings, { classes: 0, images: assets.length }),
        checkpointEvery: 0,
        sampleEvery: 0,
        workers: 1,
        assets: assets.map(source),
        weighting: 'sampling',
        val: val.map(source),
        background: p.background,
        augmentation: null,
        prepare: true,
      },
      {
        onMessage: () => {},
        onFinish: (_job, error) => {
          this.preparing = null;
          if (error) this.prepared.delete(key);
        },
      },
    );
    this.preparing = job.id;
  }

  /**
   * What a run (or a sweep of `runs`) of these settings takes here, from this workstation's
   * measured speed; when none is known (and `measure`), a few real steps are timed first.
   */
  async estimate(input: OpParsedInput<'runs:estimate'>, backend: string): Promise<RunEstimateT> {
    const workers = Math.max(1, Math.min(input.workers ?? (input.runs > 1 ? 1 : this.cores), this.cores));
    const key: SpeedKey = { backend, workers, model: input.model, size: input.size, preset: input.preset, batchSize: input.batchSize };
    let speed = readSpeed(key);
    // Timed even while a run trains (it then measures a shared machine; the run's own speed replaces it when it ends).
    if (!speed && input.measure) speed = await this.time(key);
    if (input.measure) this.prepare(input.size);
    const note = speed ? null : "This machine's speed for these settings is not measured yet.";
    const base = { backend, workers, imgPerSec: speed?.imgPerSec ?? null, source: speed?.source ?? null, measuredAt: speed?.measuredAt ?? null, note };
    if (!speed) return { ...base, stepsPerMinute: null, steps: null, minutes: null };
    // Runs beyond the cores wait for a free one: the sweep's wall time is its number of waves.
    const waves = Math.ceil(input.runs / Math.max(1, Math.floor(this.cores / workers)));
    const steps = input.minutes !== undefined ? stepsForMinutes(speed, input.minutes, input.batchSize) : (input.steps ?? null);
    const minutes =
      input.minutes !== undefined ? input.minutes * waves : input.steps !== undefined ? minutesForSteps(speed, input.steps, input.batchSize) * waves : null;
    return { ...base, stepsPerMinute: (throughput(speed) * 60) / input.batchSize, steps, minutes };
  }

  /** Times a few real steps of this shape on synthetic images in a job process (one timing per shape at a time). */
  private time(key: SpeedKey): Promise<MeasuredSpeed> {
    const id = JSON.stringify(key);
    const pending = this.timings.get(id);
    if (pending) return pending;
    const p = this.project();
    const classes = key.model === 'dcgan' ? 0 : Math.max(1, this.classes().length);
    // The recipe's defaults for everything the key does not name, as a run of this shape would have.
    const settings = TrainSettings.parse({ model: key.model, size: key.size, preset: key.preset, batchSize: key.batchSize, steps: 1 });
    const config = configFromSettings(settings, { classes, images: p.assets.count() });
    const promise = new Promise<MeasuredSpeed>((resolve, reject) => {
      let measured: MeasuredSpeed | null = null;
      this.o.jobs.start(
        'train',
        null,
        {
          type: 'train',
          projectDir: p.dir,
          runId: 0,
          config,
          checkpointEvery: 0,
          sampleEvery: 0,
          workers: key.workers,
          assets: [],
          weighting: 'sampling',
          val: [],
          background: p.background,
          augmentation: null,
          timing: { seconds: TIMING_SECONDS },
          speedKey: { workers: key.workers, model: key.model, size: key.size, preset: key.preset, batchSize: key.batchSize },
        },
        {
          onMessage: (m) => {
            if (m.type === 'speed') measured = { imgPerSec: m.imgPerSec, source: 'timing', measuredAt: new Date().toISOString() };
          },
          onFinish: (_job, error) => {
            this.timings.delete(id);
            if (measured) resolve(measured);
            else reject(new AtelierError('job-crashed', `This machine's speed could not be measured: ${error?.message ?? 'the timing stopped.'}`));
          },
        },
      );
    });
    this.timings.set(id, promise);
    return promise;
  }

  /** The engine is closing: running jobs stop and their runs stay in the queue for next time. */
  shutdown(): void {
    this.closing = true;
    this.enabled = false;
    for (const a of this.active.values()) this.o.jobs.cancel(a.jobId);
  }

  /** Another project is opened: the queue serves it from now on. */
  reset(enabled: boolean): void {
    this.closing = false;
    this.enabled = enabled;
  }
}

/**
 * A feedback round's ratings (feedback/round.ts), stored with the run: liked generated images
 * join the real ones, drawn `likedShare` of the time in proportion to their weights; disliked
 * ones are shown to the discriminator as extra fakes, `negativeShare` of a batch's fakes.
 */
export interface RoundFeedback {
  liked: { generationId: number; weight: number }[];
  disliked: number[];
  likedShare: number;
  negativeShare: number;
}

type Source = TrainRequest['assets'][number];

/** The round's images as training sources: liked ones weighted to `likedShare` of the draws, disliked ones apart. */
function feedbackSources(p: Project, feedback: RoundFeedback, train: Source[]): { liked: Source[]; disliked: Source[] } {
  const source = (id: number, weight: number): Source => {
    const g = p.generations.get(id);
    if (!g) throw new AtelierError('not-found', `Generated image ${id}, rated for this feedback round, is no longer in the project.`);
    const path = p.path(g.file);
    if (!existsSync(path))
      throw new AtelierError('missing-file', `The file of generated image ${id} (${g.file}) is missing; regenerate it in Generate, or start a new round.`);
    const classes: number[] = [];
    g.cond?.forEach((v, i) => v > 0 && classes.push(i));
    // Known once the preference model has read the file (rounds need ratings, so usually it has).
    let hash = g.hash;
    if (hash === null) {
      hash = createHash('sha256').update(readFileSync(path)).digest('hex');
      p.reviews.setHashes([{ id, hash }]);
    }
    return { path, hash, weight, classes };
  };
  const realWeight = train.reduce((s, a) => s + a.weight, 0);
  const likedWeight = feedback.liked.reduce((s, l) => s + l.weight, 0);
  // Liked images take likedShare of the draws: scale their weights against the real images' total.
  const scale = likedWeight > 0 && feedback.likedShare < 1 ? ((feedback.likedShare / (1 - feedback.likedShare)) * realWeight) / likedWeight : 0;
  return {
    liked: feedback.liked.map((l) => source(l.generationId, l.weight * scale)),
    disliked: feedback.disliked.map((id) => source(id, 1)),
  };
}
