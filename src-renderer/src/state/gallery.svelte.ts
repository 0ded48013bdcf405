// The Generate screen's gallery: every generated image as a virtual grid (layout math in
// lib/virtual-grid, pages of `generations:list` fetched for the rows on screen), its filter
// and sort, and the multi-selection (rules in lib/selection). Rendering reads `rows` and
// `item(i)`; nothing else.
import type { GenerationT } from '../../../src-preload/contract';
import { api, quietApi } from '../lib/api';
import { galleryInput, noGalleryFilter, type GalleryFilter } from '../lib/gallery-filter';
import { PageCache } from '../lib/page-cache';
import { clickSelection, emptySelection, extendSelection, indexRange, selectAll, type Modifiers } from '../lib/selection';
import { SelectableGrid } from './selectable-grid.svelte';
import { gridLayout, scrollTopForIndex, visibleRows, renderRows } from '../lib/virtual-grid';

const PAGE_SIZE = 200;
const GAP = 8;
export const CELL = 112;
/** `generations:rate` takes at most this many ids; a shift-range never grows beyond it. */
export const MAX_RANGE = 10_000;

/** What "Keep the best N" selected: how many had a prediction of those asked for, and the range of predictions. */
export interface BestPick {
  selected: number;
  asked: number;
  best: number | null;
  worst: number | null;
}

export class Gallery extends SelectableGrid<GenerationT> {
  filter = $state.raw<GalleryFilter>(noGalleryFilter);
  total = $state<number | null>(null);
  width = $state(0);
  height = $state(0);
  scrollTop = $state(0);
  focusIndex = $state(0);
  /** Bumped when pages arrive: cells re-read `item(i)` on it. */
  private version = $state(0);
  /** Set when images were added or changed while the gallery was off screen: `total` is behind. */
  stale = $state(false);
  private staleTimer: ReturnType<typeof setTimeout> | undefined;

  private cache = new PageCache<GenerationT>((offset, limit) => api.generations.list({ offset, limit, ...galleryInput(this.filter) }), {
    pageSize: PAGE_SIZE,
    maxPages: 150,
    concurrency: 2,
    onChange: () => {
      this.version++;
      this.total = this.cache.total;
    },
    onError: () => {}, // `api` has already raised a toast; the cells keep their placeholders.
  });

  layout = $derived(gridLayout({ width: this.width, cellSize: CELL, gap: GAP, total: this.total ?? 0 }));
  visible = $derived(visibleRows(this.layout, this.scrollTop, this.height, 3));

  private firstRow = $derived(this.visible.firstRow);
  private endRow = $derived(this.visible.endRow);
  private offset = $derived(this.visible.scrollTop - this.visible.layoutTop);

  /** Rows to render, each with its position and the item indices it holds. */
  rows = $derived(renderRows(this.layout, this.firstRow, this.endRow, this.offset));

  /** Start over (new project or new filter): the first page tells the total. */
  reset(): void {
    this.cache.reset();
    this.stale = false;
    this.total = null;
    this.scrollTop = 0;
    this.focusIndex = 0;
    this.cache.want(0, PAGE_SIZE);
  }

  /** Reload what is on screen (after a rating, or new images), keeping the scroll position and the selection. */
  refresh(): void {
    this.stale = false;
    this.cache.reset();
    const { firstIndex, endIndex } = this.visible;
    this.cache.want(firstIndex, Math.max(endIndex, firstIndex + 1));
  }

  /** New images exist: reload now if the grid is on screen, else when it next shows. */
  invalidate(onScreen: boolean): void {
    if (onScreen) return this.refresh();
    this.stale = true;
    // The tab's count catches up once the new images have had their turn on the wire.
    clearTimeout(this.staleTimer);
    this.staleTimer = setTimeout(() => {
      if (this.stale) this.refresh();
    }, 1500);
  }

  /** The grid came on screen. */
  shown(): void {
    if (this.stale) this.refresh();
  }

  setFilter(change: Partial<GalleryFilter>): void {
    const next = { ...this.filter, ...change };
    if ((Object.keys(change) as (keyof GalleryFilter)[]).every((k) => JSON.stringify(next[k]) === JSON.stringify(this.filter[k]))) return;
    this.filter = next;
    this.selection = emptySelection;
    this.reset();
  }

  want(firstIndex: number, endIndex: number): void {
    if (endIndex > firstIndex) this.cache.want(firstIndex, endIndex);
  }

  item(index: number): GenerationT | undefined {
    void this.version;
    return this.cache.get(index);
  }

  /** Ids at grid positions [a, b] (either order), from the cache where it has them, else from the engine. */
  async idsBetween(a: number, b: number): Promise<number[]> {
    const [start, endIncl] = indexRange(a, b);
    const end = Math.min(endIncl + 1, start + MAX_RANGE, this.total ?? endIncl + 1);
    const ids: number[] = [];
    let i = start;
    while (i < end) {
      const cached = this.cache.get(i);
      if (cached) {
        ids.push(cached.id);
        i++;
        continue;
      }
      const page = await api.generations.list({ offset: i, limit: Math.min(2000, end - i), ...galleryInput(this.filter) });
      if (page.items.length === 0) break;
      for (const g of page.items) ids.push(g.id);
      i += page.items.length;
    }
    return ids;
  }

  /** An order array holding ids only at [a, b], as lib/selection's range rules read it. */
  private async orderFor(a: number, b: number): Promise<number[]> {
    const [start] = indexRange(a, b);
    const ids = await this.idsBetween(a, b);
    const order: number[] = [];
    ids.forEach((id, k) => (order[start + k] = id));
    return order;
  }

  click(index: number, g: GenerationT, mods: Modifiers): Promise<void> {
    return this.track(this.clickNow(index, g, mods));
  }

  private async clickNow(index: number, g: GenerationT, mods: Modifiers): Promise<void> {
    this.focusIndex = index;
    const anchor = this.selection.anchor;
    const order = mods.range && anchor !== null ? await this.orderFor(anchor, index) : undefined;
    this.selection = clickSelection(this.selection, index, g.id, mods, order);
  }

  extend(from: number, to: number): Promise<void> {
    return this.track(this.extendNow(from, to));
  }

  private async extendNow(from: number, to: number): Promise<void> {
    const anchor = this.selection.anchor ?? from;
    this.selection = extendSelection(this.selection, from, to, await this.orderFor(anchor, to));
  }

  /** Every image the filter matches (Ctrl/Cmd+A), however many are loaded. */
  selectAll(): Promise<void> {
    return this.track(this.selectAllNow());
  }

  private async selectAllNow(): Promise<void> {
    const { ids } = await api.generations.ids(galleryInput(this.filter));
    this.selection = selectAll(ids);
  }

  /**
   * "Keep the best N" (errors are the caller's to show): select the N images of the current filter the team's taste model predicts
   * best (unpredicted images are never chosen), sorting the gallery by prediction so they lead it.
   */
  async selectBest(n: number): Promise<BestPick> {
    const { ids } = await quietApi.generations.ids({ ...galleryInput(this.filter), sort: 'predicted' });
    const top = ids.slice(0, Math.min(n, MAX_RANGE));
    const { predictions } = top.length ? await quietApi.preference.predict({ ids: top }) : { predictions: [] };
    const scored = predictions.filter((p): p is { id: number; predicted: number } => p.predicted !== null);
    if (scored.length === 0) return { selected: 0, asked: top.length, best: null, worst: null };
    this.setFilter({ sort: 'predicted' });
    this.selection = selectAll(scored.map((p) => p.id));
    return { selected: scored.length, asked: top.length, best: scored[0]!.predicted, worst: scored.at(-1)!.predicted };
  }

  get selectedIds(): number[] {
    return [...this.selection.ids];
  }

  scrollTopFor(index: number): number {
    return scrollTopForIndex(this.layout, index, this.height);
  }
}
