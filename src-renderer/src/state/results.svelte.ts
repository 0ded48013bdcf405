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

export interface ResultsDeps {
  /** Calls whose failures are shown in place. */
  quietApi: Api;
  gallery: GalleryLink;
  /** Images were made (the header counts them). */
  onMade?: () => void;
}

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

  constructor(deps: ResultsDeps) {
    this.quietApi = deps.quietApi;
    this.gallery = deps.gallery;
    this.onMade = deps.onMade ?? (() => {});
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
    return result;
  }

  show(key: number): void {
    this.key = key;
    this.tab = 'results';
  }

  showGallery(): void {
    this.tab = 'gallery';
    this.gallery.shown();
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
  }

  /** Images came back from the bin: the results they were in show them again, in their places. */
  returned(ids: ReadonlySet<number>): void {
    this.list = this.list.map((r) => {
      const made = this.made.get(r.key);
      if (!made?.some((g) => ids.has(g.id))) return r;
      const now = new Map(r.items.map((g) => [g.id, g]));
      return { ...r, items: made.filter((g) => now.has(g.id) || ids.has(g.id)).map((g) => now.get(g.id) ?? g) };
    });
  }

  /** Images were rated: the results show them as they now stand (`fresh`), the gallery refetches. */
  rated(ids: ReadonlySet<number>, fresh: ReadonlyMap<number, GenerationT>): void {
    const patch = (g: GenerationT): GenerationT => fresh.get(g.id) ?? g;
    this.list = this.list.map((r) => (r.items.some((g) => ids.has(g.id)) ? { ...r, items: r.items.map(patch) } : r));
    this.gallery.invalidate(this.tab === 'gallery');
  }
}
