// The Generate screen's results: the batches just made (newest first, a dozen kept), which one
// is shown, whether the Results or the Gallery tab is open, and a strip's exported animation.
// The gallery itself is its own state (gallery.svelte.ts); this only tells it when to refresh.
import type { Api } from '../../../src-preload/api';
import type { GeneratedBatchT, GenerationT } from '../../../src-preload/contract';
import { errorMessage } from '../lib/errors';
import { formatCount } from '../lib/format';
import { inlinePixels, type InlinePixels } from '../lib/pixels';

export type ResultKind = 'prompt' | 'variation' | 'interpolation' | 'walk' | 'postprocess';
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

/** What the results tell the gallery: new images exist, and the tab showing it opened. */
export interface GalleryLink {
  /** Images changed; `now` refetches the rows on screen at once, else when the gallery is next shown. */
  invalidate(now: boolean): void;
  shown(): void;
}

/** Where the results are kept across a page reload (the tab's sessionStorage, one entry per project). */
export interface ResultsMemory {
  load(): string | null;
  save(text: string): void;
}

export interface ResultsDeps {
  /** Calls whose failures are shown in place. */
  quietApi: Api;
  gallery: GalleryLink;
  /** Images were made (the header counts them). */
  onMade?: () => void;
  /** Keeps the results (ids and words, not pixels) for a reload; none in specs that do not ask. */
  memory?: () => ResultsMemory | null;
}

/** What a reload needs to show the results again: their words and image ids. */
interface SavedResults {
  tab: 'results' | 'gallery';
  key: number | null;
  list: (Omit<Result, 'items' | 'pixels' | 'animations'> & { ids: number[] })[];
}

/** Ids kept per result, and in all: a reload fetches them in one call. */
const SAVED_PER_RESULT = 1024;
const SAVED_IDS = 4096;

const MAX_RESULTS = 12;

/** A prompt batch as the results show it. */
export function promptResult(batch: GeneratedBatchT): Omit<Result, 'key' | 'animations'> {
  const seed = batch.items[0]?.seed;
  return {
    kind: 'prompt',
    title: batch.items[0]?.prompt || 'No prompt',
    summary: `${seed !== undefined ? `seed ${seed} · ` : ''}${formatCount(batch.items.length)} ${batch.items.length === 1 ? 'image' : 'images'} · ${Math.round(batch.ms)} ms`,
    items: batch.items,
    pixels: inlinePixels(batch.items, batch.previews),
    notes: batch.notes,
    columns: null,
  };
}

export class Results {
  tab = $state<'results' | 'gallery'>('gallery');
  list = $state.raw<Result[]>([]);
  key = $state<number | null>(null);
  shown = $derived(this.list.find((r) => r.key === this.key) ?? this.list[0] ?? null);
  animating = $state(false);
  animateError = $state<string | null>(null);

  /** Each result's images as made, for putting back images taken out to the bin (Undo). */
  private made = new Map<number, GenerationT[]>();
  private nextKey = 1;
  private readonly quietApi: Api;
  private readonly gallery: GalleryLink;
  private readonly onMade: () => void;
  private readonly memory: () => ResultsMemory | null;
  /** A result came into view: pushed (a button made it) or chosen (its chip). The detail pane follows. */
  onShown: (r: Result, how: 'pushed' | 'chosen') => void = () => {};

  constructor(deps: ResultsDeps) {
    this.quietApi = deps.quietApi;
    this.gallery = deps.gallery;
    this.onMade = deps.onMade ?? (() => {});
    this.memory = deps.memory ?? (() => null);
  }

  /** Keeps the results for a reload. */
  private save(): void {
    const memory = this.memory();
    if (!memory) return;
    let budget = SAVED_IDS;
    const list = this.list.map(({ items, pixels: _p, animations: _a, ...r }) => {
      const ids = items.slice(0, Math.max(0, Math.min(SAVED_PER_RESULT, budget))).map((g) => g.id);
      budget -= ids.length;
      return { ...r, ids };
    });
    try {
      memory.save(JSON.stringify({ tab: this.tab, key: this.key, list } satisfies SavedResults));
    } catch {
      // A full or refused storage only loses the results on a reload.
    }
  }

  /** Shows again the results kept before a reload, as the images now stand (those since binned or deleted left out). */
  async restore(): Promise<void> {
    const text = this.memory()?.load();
    if (!text) return;
    let saved: SavedResults;
    try {
      saved = JSON.parse(text) as SavedResults;
      if (!Array.isArray(saved.list)) return;
    } catch {
      return;
    }
    const ids = saved.list.flatMap((r) => r.ids);
    if (ids.length === 0) return;
    try {
      const { items } = await this.quietApi.generations.shown({ ids: ids.slice(0, SAVED_IDS) });
      if (this.list.length > 0) return; // something was made meanwhile: it wins
      const byId = new Map(items.map((g) => [g.id, g]));
      this.list = saved.list.map(({ ids, ...r }) => ({ ...r, items: ids.flatMap((id) => byId.get(id) ?? []), animations: {} }));
      this.nextKey = Math.max(0, ...this.list.map((r) => r.key)) + 1;
      this.key = saved.key;
      if (saved.tab === 'results' && this.list.length > 0) this.tab = 'results';
    } catch {
      // The results are a convenience: the gallery holds every image.
    }
  }

  reset(): void {
    this.made.clear();
    this.list = [];
    this.key = null;
    this.tab = 'gallery';
    this.animating = false;
    this.animateError = null;
  }

  /** A new batch goes first and is shown. */
  push(r: Omit<Result, 'key' | 'animations'>): Result {
    const result: Result = { ...r, key: this.nextKey++, animations: {} };
    this.list = [result, ...this.list].slice(0, MAX_RESULTS);
    for (const k of this.made.keys()) if (!this.list.some((r) => r.key === k)) this.made.delete(k);
    this.key = result.key;
    this.tab = 'results';
    this.gallery.invalidate(false);
    this.onMade();
    this.save();
    this.onShown(result, 'pushed');
    return result;
  }

  show(key: number): void {
    this.key = key;
    this.tab = 'results';
    this.save();
    if (this.shown) this.onShown(this.shown, 'chosen');
  }

  showResults(): void {
    this.tab = 'results';
    this.save();
  }

  showGallery(): void {
    this.tab = 'gallery';
    this.gallery.shown();
    this.save();
  }

  async animate(key: number, format: AnimationFormat): Promise<void> {
    const result = this.list.find((r) => r.key === key);
    if (!result || result.items.length < 2) return;
    this.animating = true;
    this.animateError = null;
    try {
      const r = await this.quietApi.generations.animate({ ids: result.items.map((g) => g.id), format, fps: 8, size: 128 });
      this.list = this.list.map((x) => (x.key === key ? { ...x, animations: { ...x.animations, [format]: r } } : x));
    } catch (e) {
      this.animateError = errorMessage(e);
    } finally {
      this.animating = false;
    }
  }

  /** Images went to the bin: the results stop showing them (a batch left empty says so). */
  removed(ids: ReadonlySet<number>): void {
    this.list = this.list.map((r) => {
      if (!r.items.some((g) => ids.has(g.id))) return r;
      if (!this.made.has(r.key)) this.made.set(r.key, r.items);
      return { ...r, items: r.items.filter((g) => !ids.has(g.id)) };
    });
    this.save();
  }

  /** Images came back from the bin: the results they were in show them again, in their places. */
  returned(ids: ReadonlySet<number>): void {
    this.list = this.list.map((r) => {
      const made = this.made.get(r.key);
      if (!made?.some((g) => ids.has(g.id))) return r;
      const now = new Map(r.items.map((g) => [g.id, g]));
      return { ...r, items: made.filter((g) => now.has(g.id) || ids.has(g.id)).map((g) => now.get(g.id) ?? g) };
    });
    this.save();
  }

  /** Images were rated: the results show them as they now stand (`fresh`), the gallery refetches. */
  rated(ids: ReadonlySet<number>, fresh: ReadonlyMap<number, GenerationT>): void {
    const patch = (g: GenerationT): GenerationT => fresh.get(g.id) ?? g;
    this.list = this.list.map((r) => (r.items.some((g) => ids.has(g.id)) ? { ...r, items: r.items.map(patch) } : r));
    this.gallery.invalidate(this.tab === 'gallery');
  }
}
