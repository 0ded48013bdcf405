// The Review step's taste panel: the preference model as the engine reports it (what it learnt
// from, how well it predicts ratings it did not see, its verdict), "Learn now" with its job's
// progress (the engine also relearns by itself once ratings are quiet), and feedback rounds —
// a fine-tune on the ratings, then the same seeds drawn before and after, side by side.
// Works over an injected API and the window's jobs (review-screen.svelte.ts wires the studio's).
import type { Api } from '../../../src-preload/api';
import type { FeedbackRoundT, GenerationT, JobFinishedT, JobProgressT, OpOutput, PreferenceStatusT } from '../../../src-preload/contract';
import { errorMessage } from '../lib/errors';
import type { ActiveJob, JobKind } from './jobs.svelte';

export type CheckpointChoice = OpOutput<'checkpoints:list'>[number];

/** What the panel reads of the window's jobs (jobs.svelte.ts). */
export interface TasteJobsLink {
  readonly active: ActiveJob[];
  onProgress(listener: (p: JobProgressT) => void): () => void;
  onFinished(listener: (f: JobFinishedT) => void): () => void;
  started(jobId: string, kind: JobKind, runId: number | null, total: number): void;
}

export interface TasteDeps {
  /** Calls whose failures are shown in place. */
  quietApi: Api;
  jobs: TasteJobsLink;
  /** Subscribe to run changes (a round's fine-tune moving on). */
  onRunChanged: (listener: (runId: number) => void) => () => void;
  /** Ms between looks at rounds whose comparison is pending, while the panel is on screen. */
  pollMs?: number;
}

/** The preference job in flight (started here, or by the engine relearning by itself). */
export interface LearnJob {
  jobId: string;
  fraction: number;
  message: string;
}

/** Images of one round's strip, before and after, matched by position (the same seed and prompt). */
export interface RoundPair {
  before: number | null;
  after: number | null;
}

/** A round whose before/after comparison is still to come. */
export function comparisonPending(r: FeedbackRoundT): boolean {
  return !r.compared && !['failed', 'cancelled', 'deleted'].includes(r.status);
}

/** The round's strip as pairs of the same seed. */
export function roundPairs(r: FeedbackRoundT): RoundPair[] {
  const before = r.before?.generationIds ?? [];
  const after = r.after?.generationIds ?? [];
  return Array.from({ length: Math.max(before.length, after.length) }, (_, i) => ({ before: before[i] ?? null, after: after[i] ?? null }));
}

/** Pairs a strip shows at most; the rest are in the gallery. */
export const STRIP_PAIRS = 12;

export class Taste {
  status = $state.raw<PreferenceStatusT | null>(null);
  statusError = $state<string | null>(null);
  learning = $state.raw<LearnJob | null>(null);
  learnError = $state<string | null>(null);
  /** Set when a learn finished in this session: the panel says the numbers are fresh. */
  learnt = $state(false);

  rounds = $state.raw<FeedbackRoundT[]>([]);
  roundsLoaded = $state(false);
  roundsError = $state<string | null>(null);
  checkpoints = $state.raw<CheckpointChoice[]>([]);
  starting = $state(false);
  startError = $state<string | null>(null);
  started = $state.raw<OpOutput<'feedback:start'> | null>(null);
  /** The strips' images, by id. */
  images = $state.raw<ReadonlyMap<number, GenerationT>>(new Map());

  private readonly quietApi: Api;
  private readonly jobs: TasteJobsLink;
  private readonly deps: TasteDeps;
  private stops: (() => void)[] = [];
  private onScreen = false;
  private poll: ReturnType<typeof setTimeout> | undefined;
  private asked = new Set<number>();

  constructor(deps: TasteDeps) {
    this.quietApi = deps.quietApi;
    this.jobs = deps.jobs;
    this.deps = deps;
  }

  /** Follow preference jobs and round runs; returns the function that stops. */
  connect(): () => void {
    this.disconnect();
    this.status = null;
    this.rounds = [];
    this.roundsLoaded = false;
    this.learning = null;
    this.learnt = false;
    this.started = null;
    this.images = new Map();
    this.asked.clear();
    this.stops.push(
      this.jobs.onProgress((p) => {
        if (p.kind === 'preference') this.learning = { jobId: p.jobId, fraction: p.fraction, message: p.message };
      }),
      this.jobs.onFinished((f) => this.finished(f)),
      this.deps.onRunChanged((runId) => {
        if (this.onScreen && this.rounds.some((r) => r.runId === runId)) void this.loadRounds();
      }),
    );
    // A learn already running (the engine relearning by itself) shows at once.
    const running = this.jobs.active.find((j) => j.kind === 'preference');
    if (running) this.learning = { jobId: running.jobId, fraction: running.fraction, message: running.message };
    return () => this.disconnect();
  }

  disconnect(): void {
    for (const stop of this.stops) stop();
    this.stops = [];
    clearTimeout(this.poll);
  }

  /** The panel came on screen: fresh numbers and rounds. */
  enter(): void {
    this.onScreen = true;
    void this.load();
  }

  leave(): void {
    this.onScreen = false;
    clearTimeout(this.poll);
  }

  async load(): Promise<void> {
    await Promise.all([this.loadStatus(), this.loadRounds(), this.loadCheckpoints()]);
  }

  async loadStatus(): Promise<void> {
    try {
      this.status = await this.quietApi.preference.status();
      this.statusError = null;
    } catch (e) {
      this.statusError = errorMessage(e);
    }
  }

  async loadRounds(): Promise<void> {
    clearTimeout(this.poll);
    try {
      const { rounds } = await this.quietApi.feedback.rounds();
      this.rounds = rounds;
      this.roundsError = null;
      void this.loadImages(rounds);
    } catch (e) {
      this.roundsError = errorMessage(e);
    } finally {
      this.roundsLoaded = true;
    }
    // Rounds still training or being compared are looked at again while the panel is open.
    if (this.onScreen && this.deps.pollMs !== 0 && this.rounds.some(comparisonPending)) {
      // One look at a time, however many loads overlapped.
      clearTimeout(this.poll);
      this.poll = setTimeout(() => void this.loadRounds(), this.deps.pollMs ?? 5000);
    }
  }

  private async loadCheckpoints(): Promise<void> {
    try {
      const list = await this.quietApi.checkpoints.list();
      // Rounds fine-tune GANs: a VAE cannot take disliked images as fakes.
      this.checkpoints = list.filter((c) => c.model !== 'vae');
    } catch {
      this.checkpoints = [];
    }
  }

  /** The strips' images (each side's first pairs), fetched once each. */
  private async loadImages(rounds: FeedbackRoundT[]): Promise<void> {
    const ids = rounds.flatMap((r) =>
      roundPairs(r)
        .slice(0, STRIP_PAIRS)
        .flatMap((p) => [p.before, p.after]),
    );
    const fresh = [...new Set(ids)].filter((id): id is number => id !== null && !this.asked.has(id));
    if (fresh.length === 0) return;
    for (const id of fresh) this.asked.add(id);
    const found = await Promise.all(fresh.map((id) => this.quietApi.generations.get({ id }).catch(() => null)));
    const next = new Map(this.images);
    for (const g of found) if (g) next.set(g.id, g);
    this.images = next;
  }

  /** Learn the team's taste from every rating now. */
  async learn(): Promise<void> {
    if (this.learning) return;
    this.learnError = null;
    this.learnt = false;
    try {
      const { jobId } = await this.quietApi.preference.train();
      this.learning ??= { jobId, fraction: 0, message: 'Starting…' };
      this.jobs.started(jobId, 'preference', null, 0);
    } catch (e) {
      this.learnError = errorMessage(e);
    }
  }

  /** Start a feedback round: a fine-tune on the ratings (steps and checkpoint: the engine's defaults when null). */
  async startRound(options: { steps: number | null; fromCheckpointId: number | null; samples?: number }): Promise<boolean> {
    if (this.starting) return false;
    this.starting = true;
    this.startError = null;
    this.started = null;
    try {
      this.started = await this.quietApi.feedback.start({
        ...(options.steps !== null ? { steps: options.steps } : {}),
        ...(options.fromCheckpointId !== null ? { fromCheckpointId: options.fromCheckpointId } : {}),
        ...(options.samples !== undefined ? { samples: options.samples } : {}),
      });
      void this.loadRounds();
      return true;
    } catch (e) {
      this.startError = errorMessage(e);
      return false;
    } finally {
      this.starting = false;
    }
  }

  /** The training job of a round's run, while it runs. */
  roundJob(runId: number): ActiveJob | undefined {
    return this.jobs.active.find((j) => j.kind === 'train' && j.runId === runId);
  }

  private finished(f: JobFinishedT): void {
    if (f.kind === 'preference') {
      if (this.learning?.jobId === f.jobId || this.learning === null) this.learning = null;
      if (f.status === 'failed') this.learnError = f.error?.message ?? 'Learning the team’s taste stopped with an error.';
      else if (f.status === 'done') this.learnt = true;
      void this.loadStatus();
      return;
    }
    if (f.kind === 'train' && f.runId !== null && this.rounds.some((r) => r.runId === f.runId)) void this.loadRounds();
  }
}
