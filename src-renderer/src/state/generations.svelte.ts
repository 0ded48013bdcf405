// The Generate screen's state: what can draw (checkpoints, vocabulary, the note about the
// model), the prompt bar (text, live parse, completions, count, seed, truncation, history and
// templates), the batches just made (results), the gallery, and the image open in the detail
// pane with what can be done to it (regenerate, vary, interpolate, walk, post-process,
// export, rate). Calls the person waits on use `quietApi` and show their errors in place.
import type { GenerationDetailT, GenerationT, GeneratorChoiceT, OpInput, OpOutput, PostProcessStepT } from '../../../src-preload/contract';
import { api, errorMessage, quietApi } from '../lib/api';
import { debounce } from '../lib/debounce';
import { formatCount } from '../lib/format';
import { namesCheckpoint, randomSeed } from '../lib/prompt-editing';
import { inlinePixels, type InlinePixels } from '../lib/pixels';
import { Gallery } from './gallery.svelte';
import { jobs } from './jobs.svelte';
import { studio } from './studio.svelte';

export type Parsed = OpOutput<'prompts:parse'>;
export type Completions = OpOutput<'prompts:complete'>;
export type HistoryEntry = OpOutput<'prompts:history'>[number];
export type Template = OpOutput<'prompts:templates'>[number];
export type Regenerated = OpOutput<'generations:regenerate'> & { id: number };
export type Exported = OpOutput<'generations:export'> & { sheet: boolean };
export type ResultKind = 'prompt' | 'variation' | 'interpolation' | 'walk' | 'postprocess';
export type Action = 'regenerate' | 'vary' | 'interpolate' | 'walk' | 'postprocess' | 'export' | 'animate' | 'rate';
export type AnimationFormat = 'gif' | 'webp';

/** One press of a button that made images, as the results area shows it. */
export interface Result {
  key: number;
  kind: ResultKind;
  title: string;
  /** “seed 42 · 64 images · 412 ms”. */
  summary: string;
  items: GenerationT[];
  notes: string[];
  /** Columns the grid must keep (a walk's); null lets the grid choose. */
  columns: number | null;
  /** An interpolation's exported animations, by format. */
  animations: Partial<Record<AnimationFormat, { file: string; frames: number }>>;
  /** The batch's first images as pixels (by image id), drawn at once without file requests. */
  pixels?: InlinePixels;
}

const MAX_RESULTS = 12;

const PARSE_DELAY = 150;

export class Generations {
  // --- what can draw ---------------------------------------------------------------
  generators = $state.raw<GeneratorChoiceT[]>([]);
  vocabulary = $state.raw<string[]>([]);
  checkpointId = $state<number | null>(null);
  private optionsNote = $state<string | null>(null);
  /** True once `generations:options` has answered for this project. */
  loaded = $state(false);
  loadError = $state<string | null>(null);
  current = $derived(this.generators.find((g) => g.checkpointId === this.checkpointId) ?? null);

  // --- the prompt bar --------------------------------------------------------------
  text = $state('');
  count = $state(16);
  seed = $state(randomSeed());
  /** Locked: every Generate uses the same seed. Unlocked: a fresh one each time. */
  seedLocked = $state(false);
  /** Null: no truncation. */
  truncation = $state<number | null>(null);
  /** The parse of `parsedText` (the box may have moved on while it was on its way). */
  parsed = $state.raw<Parsed | null>(null);
  parsedText = $state('');
  completions = $state.raw<Completions | null>(null);
  history = $state.raw<HistoryEntry[]>([]);
  templates = $state.raw<Template[]>([]);
  generating = $state(false);
  /** performance.now() when the running Generate started; the bar shows time since. */
  generateStarted = $state(0);
  private fieldCount = $state(0);
  error = $state<string | null>(null);
  /** Engine ms per image of the last prompt batch: how long the next should take. */
  msPerImage = $state<number | null>(null);
  /** Bumped to put the caret in the prompt box (after “Use this prompt”). */
  focusPrompt = $state(0);

  /** What the box says about the model: the parse's (it knows `@run`) once it has caught up, else the options'. */
  note = $derived(this.parsed && this.parsedText === this.text ? this.parsed.note : this.optionsNote);
  /** Values the prompt itself sets (n:, seed:, trunc:) override the fields. */
  promptSets = $derived.by(() => {
    const p = this.parsed && this.parsedText === this.text ? this.parsed.prompt : null;
    return { count: p?.count ?? null, seed: p?.seed ?? null, truncation: p?.truncation ?? null };
  });
  problems = $derived(this.parsed && this.parsedText === this.text ? this.parsed.problems : []);
  /** How many images the running Generate draws: the prompt's n: once parsed, else the field. */
  generateCount = $derived(this.promptSets.count ?? this.fieldCount);

  // --- results and gallery ---------------------------------------------------------
  tab = $state<'results' | 'gallery'>('gallery');
  results = $state.raw<Result[]>([]);
  resultKey = $state<number | null>(null);
  shownResult = $derived(this.results.find((r) => r.key === this.resultKey) ?? this.results[0] ?? null);
  readonly gallery = new Gallery();

  // --- the open image --------------------------------------------------------------
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

  private nextKey = 1;
  private parseTicket = 0;
  private completeTicket = 0;
  private detailTicket = 0;
  private stop: (() => void)[] = [];
  private onScreen = false;

  connect(): void {
    this.disconnect();
    this.generators = [];
    this.vocabulary = [];
    this.checkpointId = null;
    this.optionsNote = null;
    this.loaded = false;
    this.loadError = null;
    this.text = '';
    this.parsed = null;
    this.parsedText = '';
    this.completions = null;
    this.error = null;
    this.results = [];
    this.resultKey = null;
    this.tab = 'gallery';
    this.close();
    this.gallery.reset();
    this.stop.push(
      // A new checkpoint can be drawn with at once, if the screen is open (else when it opens).
      jobs.onFinished((f) => {
        if (f.kind === 'train' && this.onScreen) void this.loadOptions();
      }),
      api.on('run:changed', (c) => {
        if (c.reason === 'checkpoint' && this.onScreen) void this.loadOptions();
      }),
    );
    if (this.onScreen) this.enter();
  }

  /** The screen opened: refresh what can draw (warming the generator) and the prompt library. */
  enter(): void {
    this.onScreen = true;
    if (this.tab === 'gallery') this.gallery.shown();
    void this.loadOptions();
    void this.loadLibrary().catch(() => {}); // `api` has raised a toast.
  }

  leave(): void {
    this.onScreen = false;
  }

  disconnect(): void {
    for (const stop of this.stop) stop();
    this.stop = [];
    this.parseSoon.cancel();
  }

  /** What can draw; also warms the generator for the chosen checkpoint, so the first Generate is quick. */
  async loadOptions(checkpointId: number | null = this.checkpointId): Promise<void> {
    try {
      const o = await quietApi.generations.options(checkpointId === null ? {} : { checkpointId });
      this.generators = o.generators;
      this.vocabulary = o.vocabulary;
      this.checkpointId = o.current?.checkpointId ?? null;
      this.optionsNote = o.note;
      this.loadError = null;
    } catch (e) {
      // The chosen checkpoint may be gone; fall back to the newest once.
      if (checkpointId !== null) return this.loadOptions(null);
      this.loadError = errorMessage(e);
    } finally {
      this.loaded = true;
    }
    if (this.text) this.parseSoon();
  }

  chooseCheckpoint(id: number): void {
    if (id === this.checkpointId) return;
    this.checkpointId = id;
    void this.loadOptions(id);
  }

  async loadLibrary(): Promise<void> {
    const [history, templates] = await Promise.all([api.prompts.history({ limit: 30 }), api.prompts.templates()]);
    this.history = history;
    this.templates = templates;
  }

  // --- the prompt ------------------------------------------------------------------

  setText(text: string): void {
    if (text === this.text) return;
    this.text = text;
    this.error = null;
    this.parseSoon();
  }

  /** Parse the box as it is now (debounced while typing). */
  readonly parseSoon = debounce(() => void this.parse(), PARSE_DELAY);

  async parse(): Promise<void> {
    const text = this.text;
    const ticket = ++this.parseTicket;
    if (!text.trim()) {
      this.parsed = null;
      this.parsedText = text;
      return;
    }
    try {
      const parsed = await quietApi.prompts.parse({ text, ...(this.checkpointId === null ? {} : { checkpointId: this.checkpointId }) });
      if (ticket !== this.parseTicket) return;
      this.parsed = parsed;
      this.parsedText = text;
    } catch (e) {
      if (ticket === this.parseTicket) this.error = errorMessage(e);
    }
  }

  async complete(text: string, cursor: number): Promise<void> {
    const ticket = ++this.completeTicket;
    try {
      const c = await quietApi.prompts.complete({ text, cursor, limit: 8 });
      if (ticket === this.completeTicket && text === this.text) this.completions = c;
    } catch {
      if (ticket === this.completeTicket) this.completions = null; // Completion is a convenience: typing still works.
    }
  }

  closeCompletions(): void {
    this.completeTicket++;
    this.completions = null;
  }

  rollSeed(): void {
    this.seed = randomSeed();
  }

  async generate(): Promise<void> {
    if (this.generating || this.checkpointId === null) return;
    this.parseSoon.cancel();
    // Typed a moment ago: the parse (n:, seed:) catches up while the images are drawn.
    if (this.parsedText !== this.text) void this.parse();
    this.closeCompletions();
    if (!this.seedLocked && this.promptSets.seed === null) this.seed = randomSeed();
    const input: OpInput<'generations:create'> = { prompt: this.text, count: this.count, seed: this.seed };
    if (!namesCheckpoint(this.text)) input.checkpointId = this.checkpointId;
    if (this.truncation !== null) input.truncation = this.truncation;
    this.generating = true;
    this.fieldCount = this.count;
    this.generateStarted = performance.now();
    this.error = null;
    try {
      const batch = await quietApi.generations.create(input);
      const seed = batch.items[0]?.seed;
      this.msPerImage = batch.items.length > 0 ? batch.ms / batch.items.length : this.msPerImage;
      this.push({
        kind: 'prompt',
        title: batch.items[0]?.prompt || 'No prompt',
        summary: `${seed !== undefined ? `seed ${seed} · ` : ''}${formatCount(batch.items.length)} ${batch.items.length === 1 ? 'image' : 'images'} · ${Math.round(batch.ms)} ms`,
        items: batch.items,
        pixels: inlinePixels(batch.items, batch.previews),
        notes: batch.notes,
        columns: null,
      });
      // The history and the header's count can wait until the new images have had the connections.
      setTimeout(() => void this.loadLibrary().catch(() => {}), 1000);
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      this.generating = false;
    }
  }

  async saveTemplate(name: string): Promise<boolean> {
    const text = this.text.trim();
    if (!name.trim() || !text) return false;
    try {
      await api.prompts.saveTemplate({ name: name.trim(), text });
      this.templates = await api.prompts.templates();
      return true;
    } catch {
      return false; // `api` raised a toast.
    }
  }

  async deleteTemplate(id: number): Promise<void> {
    await api.prompts.deleteTemplate({ id });
    this.templates = this.templates.filter((t) => t.id !== id);
  }

  /** Put a prompt in the box (history, a template, an image's “Use this prompt”). */
  usePrompt(text: string, checkpointId?: number): void {
    if (checkpointId !== undefined && checkpointId !== this.checkpointId && this.generators.some((g) => g.checkpointId === checkpointId)) {
      this.chooseCheckpoint(checkpointId);
    }
    this.setText(text);
    this.closeCompletions();
    this.focusPrompt++;
  }

  // --- results ---------------------------------------------------------------------

  private push(r: Omit<Result, 'key' | 'animations'>): Result {
    const result: Result = { ...r, key: this.nextKey++, animations: {} };
    this.results = [result, ...this.results].slice(0, MAX_RESULTS);
    this.resultKey = result.key;
    this.tab = 'results';
    this.gallery.invalidate(false);
    setTimeout(() => void studio.refresh().catch(() => {}), 1000); // The header counts every image made.
    return result;
  }

  showResult(key: number): void {
    this.resultKey = key;
    this.tab = 'results';
  }

  showGallery(): void {
    this.tab = 'gallery';
    this.gallery.shown();
  }

  // --- the open image --------------------------------------------------------------

  /** A click on an image: open it, or, while picking an interpolation end, choose it. */
  pick(g: GenerationT): void {
    if (this.picking) {
      if (g.id !== this.open?.id) this.interpolateEnd = g;
      this.picking = false;
      return;
    }
    this.openImage(g);
  }

  openImage(g: GenerationT): void {
    if (this.open?.id !== g.id) {
      this.regenerated = null;
      this.exported = null;
      this.errors = {};
      if (this.interpolateEnd?.id === g.id) this.interpolateEnd = null;
    }
    this.open = g;
    void this.loadDetail(g.id);
  }

  /** Open an image known only by id (a parent link). */
  async openById(id: number): Promise<void> {
    try {
      const d = await quietApi.generations.get({ id });
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
    this.busy = {};
  }

  private async loadDetail(id: number): Promise<void> {
    const ticket = ++this.detailTicket;
    this.detailError = null;
    try {
      const d = await quietApi.generations.get({ id });
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
    const r = await this.act('regenerate', () => quietApi.generations.regenerate({ id }));
    if (r && this.open?.id === id) this.regenerated = { ...r, id };
  }

  async vary(count: number, strength: number): Promise<void> {
    const parent = this.open;
    if (!parent) return;
    const batch = await this.act('vary', () => quietApi.generations.vary({ id: parent.id, count, strength }));
    if (!batch) return;
    this.push({
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
    const batch = await this.act('interpolate', () => quietApi.generations.interpolate({ from: { generationId: from.id }, to, steps, checkpointId: from.checkpointId }));
    if (!batch) return;
    const end = 'generationId' in to ? `#${to.generationId}` : `“${to.prompt}”`;
    this.push({
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
    const batch = await this.act('walk', () => quietApi.generations.walk({ id: centre.id, size, radius, direction }));
    if (!batch) return;
    this.push({
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
    const made = await this.act('postprocess', () => quietApi.generations.postprocess({ id: source.id, steps }));
    if (!made) return;
    this.push({
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
    const r = await this.act('export', () => quietApi.generations.export({ ids: ids.slice(0, 1024), ...options }));
    if (r) this.exported = { ...r, sheet: options.sheet };
  }

  async animate(key: number, format: AnimationFormat): Promise<void> {
    const result = this.results.find((r) => r.key === key);
    if (!result || result.items.length < 2) return;
    const r = await this.act('animate', () => quietApi.generations.animate({ ids: result.items.map((g) => g.id), format, fps: 8, size: 128 }));
    if (!r) return;
    this.results = this.results.map((x) => (x.key === key ? { ...x, animations: { ...x.animations, [format]: r } } : x));
  }

  async rate(ids: number[], rating: number): Promise<void> {
    if (ids.length === 0) return;
    // The engine takes 10,000 ids a call; a select-all of a big gallery goes in several.
    const done = await this.act('rate', async () => {
      let updated = 0;
      for (let i = 0; i < ids.length; i += 10_000) updated += (await quietApi.generations.rate({ ids: ids.slice(i, i + 10_000), rating })).updated;
      return { updated };
    });
    if (!done) return;
    const changed = new Set(ids);
    const patch = (g: GenerationT): GenerationT => (changed.has(g.id) ? { ...g, rating } : g);
    if (this.open && changed.has(this.open.id)) this.open = patch(this.open);
    if (this.detail && changed.has(this.detail.id)) this.detail = { ...this.detail, rating };
    if (this.interpolateEnd) this.interpolateEnd = patch(this.interpolateEnd);
    this.results = this.results.map((r) => (r.items.some((g) => changed.has(g.id)) ? { ...r, items: r.items.map(patch) } : r));
    this.gallery.invalidate(this.tab === 'gallery');
  }

  private bumpChildren(id: number): void {
    if (this.detail?.id === id) void this.loadDetail(id);
  }
}

export const generations = new Generations();
