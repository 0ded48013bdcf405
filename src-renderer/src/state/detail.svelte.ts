// The generated image open in the Generate screen's detail pane, and what can be done to it:
// regenerate, vary, interpolate (with the end picked by a click), walk, post-process, export,
// rate, check for copies of training images. Batches made from it go to the results. Each action
// has its busy flag and shows its error in place.
import type { Api } from '../../../src-preload/api';
import type { GenerationDetailT, GenerationT, JobFinishedT, JobProgressT, OpOutput, PostProcessStepT } from '../../../src-preload/contract';
import { errorMessage } from '../lib/errors';
import { promptWithoutSeed } from '../lib/generation-words';
import { inlinePixels } from '../lib/pixels';
import type { JobKind } from './jobs.svelte';
import { promptResult, type Result, type Results } from './results.svelte';

export type Regenerated = OpOutput<'generations:regenerate'> & { id: number };
export type Exported = OpOutput<'generations:export'> & { sheet: boolean };
export type Action = 'regenerate' | 'reroll' | 'vary' | 'interpolate' | 'walk' | 'postprocess' | 'export' | 'rate' | 'copies';

/** What the pane reads of the window's jobs (jobs.svelte.ts): a copy check runs as an evaluation job. */
export interface DetailJobsLink {
  onProgress(listener: (p: JobProgressT) => void): () => void;
  onFinished(listener: (f: JobFinishedT) => void): () => void;
  /** A job this window just started: the status bar shows it before its first report. */
  started(jobId: string, kind: JobKind, runId: number | null, total: number): void;
}

export interface DetailDeps {
  /** Calls whose failures are shown in place. */
  quietApi: Api;
  results: Results;
  jobs: DetailJobsLink;
  /** Make sure this workstation has a reviewer name (asking once); false when the person declines. */
  ensureReviewer?: () => Promise<boolean>;
}

/** A copy check in flight: the images it covers and how far it is. */
export interface CopyJob {
  jobId: string;
  ids: ReadonlySet<number>;
  fraction: number;
  message: string;
}

/** `reviews:set` answers with the images as they now stand for up to this many ids a call. */
const RATE_CHUNK = 1024;
/** `generations:checkCopies` takes this many ids a call. */
export const COPY_CHECK_MAX = 1024;

export class Detail {
  open = $state.raw<GenerationT | null>(null);
  detail = $state.raw<GenerationDetailT | null>(null);
  detailError = $state<string | null>(null);
  busy = $state<Partial<Record<Action, boolean>>>({});
  errors = $state<Partial<Record<Action, string>>>({});
  regenerated = $state.raw<Regenerated | null>(null);
  exported = $state.raw<Exported | null>(null);
  /** Waiting for a click on an image to end an interpolation at. */
  picking = $state(false);
  interpolateEnd = $state.raw<GenerationT | null>(null);
  /** Copy checks in flight (any images); the pane shows the one covering the open image. */
  copyJobs = $state.raw<CopyJob[]>([]);
  copyJob = $derived(this.open ? (this.copyJobs.find((j) => j.ids.has(this.open!.id)) ?? null) : null);

  private detailTicket = 0;
  private readonly quietApi: Api;
  private readonly results: Results;
  private readonly jobs: DetailJobsLink;
  private readonly ensureReviewer: () => Promise<boolean>;
  /** Evaluation jobs that ended lately: a quick check can end before its start is answered. */
  private ended: JobFinishedT[] = [];

  constructor(deps: DetailDeps) {
    this.quietApi = deps.quietApi;
    this.results = deps.results;
    this.jobs = deps.jobs;
    this.ensureReviewer = deps.ensureReviewer ?? (() => Promise.resolve(true));
  }

  /** Follow copy-check jobs; returns the function that stops (the screen's connect and disconnect). */
  connect(): () => void {
    this.copyJobs = [];
    this.ended = [];
    const stops = [this.jobs.onProgress((p) => this.copyProgress(p)), this.jobs.onFinished((f) => this.copyFinished(f))];
    return () => {
      for (const stop of stops) stop();
    };
  }

  /** A click on an image: open it, or, while picking an interpolation end, choose it. */
  pick(g: GenerationT): void {
    if (this.picking) {
      if (g.id !== this.open?.id) this.interpolateEnd = g;
      this.picking = false;
      return;
    }
    this.openImage(g);
  }

  /**
   * A result came into view: the pane follows it to its first image, unless the open image is in
   * it, or the batch was made from the open image (variations, a walk, an interpolation), which
   * then stays open to make more from.
   */
  follow(r: Result, how: 'pushed' | 'chosen'): void {
    const open = this.open;
    const first = r.items[0];
    if (!open || !first || this.picking || r.items.some((g) => g.id === open.id)) return;
    if (how === 'pushed' && r.kind !== 'prompt') return;
    this.openImage(first);
  }

  openImage(g: GenerationT): void {
    if (this.open?.id !== g.id) {
      this.regenerated = null;
      this.exported = null;
      this.errors = {};
      this.results.animateError = null; // a failed animation export is forgotten with the image, as every action's error is
      if (this.interpolateEnd?.id === g.id) this.interpolateEnd = null;
    }
    this.open = g;
    void this.load(g.id);
  }

  /** Open an image known only by id (a parent link). */
  async openById(id: number): Promise<void> {
    try {
      const d = await this.quietApi.generations.get({ id });
      this.openImage(d);
    } catch (e) {
      this.detailError = errorMessage(e);
    }
  }

  close(): void {
    this.open = null;
    this.detail = null;
    this.detailError = null;
    this.regenerated = null;
    this.exported = null;
    this.picking = false;
    this.interpolateEnd = null;
    this.errors = {};
    this.results.animateError = null;
    this.busy = {};
  }

  private async load(id: number): Promise<void> {
    const ticket = ++this.detailTicket;
    this.detailError = null;
    try {
      const d = await this.quietApi.generations.get({ id });
      if (ticket === this.detailTicket) this.detail = d;
    } catch (e) {
      if (ticket === this.detailTicket) this.detailError = errorMessage(e);
    }
  }

  /** Runs one action with its busy flag and its error shown in place. */
  private async act<T>(action: Action, run: () => Promise<T>): Promise<T | undefined> {
    this.busy[action] = true;
    delete this.errors[action];
    try {
      return await run();
    } catch (e) {
      this.errors[action] = errorMessage(e);
      return undefined;
    } finally {
      this.busy[action] = false;
    }
  }

  async regenerate(): Promise<void> {
    const id = this.open?.id;
    if (id === undefined) return;
    this.regenerated = null;
    const r = await this.act('regenerate', () => this.quietApi.generations.regenerate({ id }));
    if (r && this.open?.id === id) this.regenerated = { ...r, id };
  }

  /**
   * "Regenerate": a new roll of the open image's prompt — the same prompt, model and truncation, a
   * new seed — as a new batch in the results (the prompt's own n:, else 16 images).
   */
  async reroll(): Promise<void> {
    const source = this.open;
    if (!source) return;
    const prompt = promptWithoutSeed(source.prompt);
    const batch = await this.act('reroll', () =>
      this.quietApi.generations.create({
        prompt,
        checkpointId: source.checkpointId,
        count: 16,
        ...(source.truncation !== null ? { truncation: source.truncation } : {}),
      }),
    );
    if (batch) this.results.push(promptResult(batch));
  }

  async vary(count: number, strength: number): Promise<void> {
    const parent = this.open;
    if (!parent) return;
    const batch = await this.act('vary', () => this.quietApi.generations.vary({ id: parent.id, count, strength }));
    if (!batch) return;
    this.results.push({
      kind: 'variation',
      title: `Variations of #${parent.id}`,
      summary: `strength ${strength} · ${batch.items.length} images · ${Math.round(batch.ms)} ms`,
      items: batch.items,
      pixels: inlinePixels(batch.items, batch.previews),
      notes: batch.notes,
      columns: null,
    });
    this.bumpChildren(parent.id);
  }

  async interpolate(to: { generationId: number } | { prompt: string }, steps: number): Promise<void> {
    const from = this.open;
    if (!from) return;
    const batch = await this.act('interpolate', () =>
      this.quietApi.generations.interpolate({ from: { generationId: from.id }, to, steps, checkpointId: from.checkpointId }),
    );
    if (!batch) return;
    const end = 'generationId' in to ? `#${to.generationId}` : `“${to.prompt}”`;
    this.results.push({
      kind: 'interpolation',
      title: `Interpolation #${from.id} → ${end}`,
      summary: `${batch.items.length} steps · ${Math.round(batch.ms)} ms`,
      items: batch.items,
      pixels: inlinePixels(batch.items, batch.previews),
      notes: batch.notes,
      columns: null,
    });
  }

  async walk(size: number, radius: number, direction: 'random' | { tag: string }): Promise<void> {
    const centre = this.open;
    if (!centre) return;
    const batch = await this.act('walk', () => this.quietApi.generations.walk({ id: centre.id, size, radius, direction }));
    if (!batch) return;
    this.results.push({
      kind: 'walk',
      title: `Latent walk around #${centre.id}`,
      summary: `${batch.rows}×${batch.columns} · ${direction === 'random' ? 'random direction' : `along ‘${direction.tag}’`} · radius ${radius} · ${Math.round(batch.ms)} ms`,
      items: batch.items,
      pixels: inlinePixels(batch.items, batch.previews),
      notes: batch.notes,
      columns: batch.columns,
    });
    this.bumpChildren(centre.id);
  }

  async postprocess(steps: PostProcessStepT[]): Promise<void> {
    const source = this.open;
    if (!source || steps.length === 0) return;
    const made = await this.act('postprocess', () => this.quietApi.generations.postprocess({ id: source.id, steps }));
    if (!made) return;
    this.results.push({
      kind: 'postprocess',
      title: `Post-processed #${source.id} → #${made.id}`,
      summary: `${made.width}×${made.height} px · the original is unchanged`,
      items: [made],
      notes: [],
      columns: null,
    });
    this.openImage(made);
  }

  async exportImages(ids: number[], options: { format: 'png' | 'webp'; size?: number; sheet: boolean; columns?: number }): Promise<void> {
    this.exported = null;
    const r = await this.act('export', () => this.quietApi.generations.export({ ids: ids.slice(0, 1024), ...options }));
    if (r) this.exported = { ...r, sheet: options.sheet };
  }

  /** Stars from this workstation's reviewer (0 clears them); each image then shows the team's mean as it now stands. */
  async rate(ids: number[], rating: number): Promise<void> {
    if (ids.length === 0) return;
    if (!(await this.ensureReviewer())) return;
    // A select-all of a big gallery goes in several calls.
    const fresh = await this.act('rate', async () => {
      const items = new Map<number, GenerationT>();
      for (let i = 0; i < ids.length; i += RATE_CHUNK) {
        const r = await this.quietApi.reviews.set({ ids: ids.slice(i, i + RATE_CHUNK), change: { stars: rating } });
        for (const g of r.items) items.set(g.id, g);
      }
      return items;
    });
    if (!fresh) return;
    const changed = new Set(ids);
    const patch = <G extends GenerationT>(g: G): G => {
      const now = fresh.get(g.id);
      return now ? { ...g, ...now } : g;
    };
    if (this.open && changed.has(this.open.id)) this.open = patch(this.open);
    if (this.detail && changed.has(this.detail.id)) this.detail = patch(this.detail);
    if (this.interpolateEnd) this.interpolateEnd = patch(this.interpolateEnd);
    this.results.rated(changed, fresh);
  }

  /**
   * Compare the open image (or a batch holding it) with the training images of the run that drew
   * it, in a job; its detail is fetched again when the job is done. An image whose model has no
   * training images here (an imported checkpoint) fails with the engine's reason, in place.
   */
  async checkCopies(ids?: readonly number[]): Promise<void> {
    const open = this.open;
    if (!open || this.copyJob || this.busy.copies) return;
    const list = [...new Set([open.id, ...(ids ?? [])])].slice(0, COPY_CHECK_MAX);
    this.busy.copies = true;
    delete this.errors.copies;
    try {
      const { jobId } = await this.quietApi.generations.checkCopies({ ids: list });
      const job: CopyJob = { jobId, ids: new Set(list), fraction: 0, message: 'Starting…' };
      this.copyJobs = [...this.copyJobs, job];
      this.jobs.started(jobId, 'evaluate', null, list.length);
      const early = this.ended.find((f) => f.jobId === jobId);
      if (early) this.copyFinished(early);
    } catch (e) {
      if (this.open?.id === open.id) this.errors.copies = errorMessage(e);
    } finally {
      this.busy.copies = false;
    }
  }

  private copyProgress(p: JobProgressT): void {
    if (p.kind !== 'evaluate' || !this.copyJobs.some((j) => j.jobId === p.jobId)) return;
    this.copyJobs = this.copyJobs.map((j) => (j.jobId === p.jobId ? { ...j, fraction: p.fraction, message: p.message } : j));
  }

  private copyFinished(f: JobFinishedT): void {
    if (f.kind !== 'evaluate') return;
    const job = this.copyJobs.find((j) => j.jobId === f.jobId);
    if (!job) {
      this.ended = [...this.ended.slice(-7), f];
      return;
    }
    this.copyJobs = this.copyJobs.filter((j) => j.jobId !== f.jobId);
    const open = this.open;
    if (!open || !job.ids.has(open.id)) return;
    if (f.status === 'done') void this.load(open.id);
    else
      this.errors.copies = f.status === 'cancelled' ? 'The check for copies was stopped.' : (f.error?.message ?? 'The check for copies stopped with an error.');
  }

  private bumpChildren(id: number): void {
    if (this.detail?.id === id) void this.load(id);
  }
}
