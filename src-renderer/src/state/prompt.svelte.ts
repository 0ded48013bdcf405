// The Generate screen's prompt bar: what can draw (checkpoints, vocabulary, the note about the
// model), the prompt (text, live parse with its problems, completions), the fields (count, seed,
// truncation), the prompt library (history, templates) and Generate itself. A batch made here
// is handed to whoever shows results (`onBatch`). Calls the person waits on use the quiet API
// and show their errors in place.
import type { Api } from '../../../src-preload/api';
import {
  generationCount,
  generationSeed,
  truncation as truncationSchema,
  type GeneratedBatchT,
  type GeneratorChoiceT,
  type OpInput,
  type OpOutput,
} from '../../../src-preload/contract';
import { debounce } from '../lib/debounce';
import { errorMessage } from '../lib/errors';
import { namesCheckpoint, randomSeed } from '../lib/prompt-editing';

export type Parsed = OpOutput<'prompts:parse'>;
export type Completions = OpOutput<'prompts:complete'>;
export type HistoryEntry = OpOutput<'prompts:history'>[number];
export type Template = OpOutput<'prompts:templates'>[number];

const PARSE_DELAY = 150;

export interface PromptDeps {
  /** Calls whose failures also raise a toast. */
  api: Api;
  /** Calls whose failures are shown in place. */
  quietApi: Api;
  /** A Generate answered: show the batch. */
  onBatch: (batch: GeneratedBatchT) => void;
  /** Ms before the history is reloaded after a Generate (it can wait for the images). */
  libraryDelay?: number;
}

export class Prompt {
  // --- what can draw ---------------------------------------------------------------
  generators = $state.raw<GeneratorChoiceT[]>([]);
  vocabulary = $state.raw<string[]>([]);
  checkpointId = $state<number | null>(null);
  private optionsNote = $state<string | null>(null);
  /** True once `generations:options` has answered for this project. */
  loaded = $state(false);
  loadError = $state<string | null>(null);
  current = $derived(this.generators.find((g) => g.checkpointId === this.checkpointId) ?? null);

  // --- the prompt and its fields ---------------------------------------------------
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
  /** The completions list is showing. */
  completionsOpen = $derived((this.completions?.options.length ?? 0) > 0);
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
  /** The fields as the contract's `generations:create` takes them (its own schemas decide). */
  countValid = $derived(generationCount.safeParse(this.count).success);
  seedValid = $derived(generationSeed.safeParse(this.seed).success);
  truncationValid = $derived(this.truncation === null || truncationSchema.safeParse(this.truncation).success);
  fieldsValid = $derived(this.countValid && this.seedValid && this.truncationValid);
  /** How many images the running Generate draws: the prompt's n: once parsed, else the field. */
  generateCount = $derived(this.promptSets.count ?? this.fieldCount);

  private parseTicket = 0;
  private completeTicket = 0;
  private readonly api: Api;
  private readonly quietApi: Api;
  private readonly onBatch: (batch: GeneratedBatchT) => void;
  private readonly libraryDelay: number;

  constructor(deps: PromptDeps) {
    this.api = deps.api;
    this.quietApi = deps.quietApi;
    this.onBatch = deps.onBatch;
    this.libraryDelay = deps.libraryDelay ?? 1000;
  }

  /** A new project: nothing loaded, an empty box. */
  reset(): void {
    this.parseSoon.cancel();
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
  }

  /** What can draw; also warms the generator for the chosen checkpoint, so the first Generate is quick. */
  async loadOptions(checkpointId: number | null = this.checkpointId): Promise<void> {
    try {
      const o = await this.quietApi.generations.options(checkpointId === null ? {} : { checkpointId });
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
    const [history, templates] = await Promise.all([this.api.prompts.history({ limit: 30 }), this.api.prompts.templates()]);
    this.history = history;
    this.templates = templates;
  }

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
      const parsed = await this.quietApi.prompts.parse({ text, ...(this.checkpointId === null ? {} : { checkpointId: this.checkpointId }) });
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
      const c = await this.quietApi.prompts.complete({ text, cursor, limit: 8 });
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
      const batch = await this.quietApi.generations.create(input);
      this.msPerImage = batch.items.length > 0 ? batch.ms / batch.items.length : this.msPerImage;
      this.onBatch(batch);
      // The history and the header's count can wait until the new images have had the connections.
      setTimeout(() => void this.loadLibrary().catch(() => {}), this.libraryDelay);
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
      await this.api.prompts.saveTemplate({ name: name.trim(), text });
      this.templates = await this.api.prompts.templates();
      return true;
    } catch {
      return false; // `api` raised a toast.
    }
  }

  async deleteTemplate(id: number): Promise<void> {
    await this.api.prompts.deleteTemplate({ id });
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
}
