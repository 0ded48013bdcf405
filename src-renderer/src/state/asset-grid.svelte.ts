// The Data screen's grid: the layout (pure math in lib/virtual-grid), the pages of
// `assets:list` fetched on demand for the rows on screen, the filter, the selection
// (rules in lib/selection) and the image open in the detail pane. Rendering reads
// `visible` and `item(i)`; nothing else.
import type { AssetT, TagCountT } from '../../../src-preload/contract';
import { filterInput, noFilter, type AssetFilter } from '../lib/asset-filter';
import { api } from '../lib/api';
import { PageCache } from '../lib/page-cache';
import { clickSelection, emptySelection, extendSelection, selectAll, type Modifiers } from '../lib/selection';
import { SelectableGrid } from './selectable-grid.svelte';
import { gridLayout, scrollTopForIndex, visibleRows, renderRows } from '../lib/virtual-grid';

const PAGE_SIZE = 200;
const GAP = 8;

export const cellSizes = { small: 88, medium: 120, large: 176 } as const;
export type CellSize = keyof typeof cellSizes;

export class AssetGrid extends SelectableGrid<AssetT> {
  tags = $state.raw<TagCountT[]>([]);
  filter = $state.raw<AssetFilter>(noFilter);
  tag = $derived(this.filter.tag);
  total = $state<number | null>(null);
  size = $state<CellSize>('medium');
  width = $state(0);
  height = $state(0);
  scrollTop = $state(0);
  /** The image open in the detail pane (the last one clicked). */
  selected = $state<AssetT | null>(null);
  /** Which cell has keyboard focus. */
  focusIndex = $state(0);
  /** Bumped when pages arrive: cells re-read `item(i)` on it. */
  private version = $state(0);
  /** Every id the filter matches, in grid order; fetched when a range needs it. */
  private order: Promise<number[]> | null = null;

  private cache = new PageCache<AssetT>((offset, limit) => this.fetch(offset, limit), {
    pageSize: PAGE_SIZE,
    maxPages: 150,
    concurrency: 2,
    onChange: () => {
      this.version++;
      this.total = this.cache.total;
    },
    onError: () => {}, // `api` has already raised a toast; the cells keep their placeholders.
  });

  layout = $derived(gridLayout({ width: this.width, cellSize: cellSizes[this.size], gap: GAP, total: this.total ?? 0 }));
  visible = $derived(visibleRows(this.layout, this.scrollTop, this.height, 3));

  // Primitives, so the rows below are rebuilt only when the window crosses a row boundary
  // (or, in a capped scroll box, when the layout slides under it).
  private firstRow = $derived(this.visible.firstRow);
  private endRow = $derived(this.visible.endRow);
  private offset = $derived(this.visible.scrollTop - this.visible.layoutTop);

  /** Rows to render, each with its position and the item indices it holds. */
  rows = $derived(renderRows(this.layout, this.firstRow, this.endRow, this.offset));

  private fetch(offset: number, limit: number) {
    return api.assets.list({ offset, limit, ...filterInput(this.filter) });
  }

  async loadTags(): Promise<void> {
    this.tags = await api.tags.list();
  }

  /** Start over (new project or new filter): the first page tells the total. */
  reset(): void {
    this.cache.reset();
    this.order = null;
    this.total = null;
    this.scrollTop = 0;
    this.focusIndex = 0;
    this.cache.want(0, PAGE_SIZE);
  }

  /** Reload what is on screen after an edit, keeping the scroll position, the selection and the focused cell. */
  refresh(): void {
    this.cache.revalidate();
    this.order = null;
    const { firstIndex, endIndex } = this.visible;
    this.cache.want(firstIndex, Math.max(endIndex, firstIndex + 1));
    const open = this.selected;
    if (open)
      void api.assets.list({ ids: [open.id], limit: 1 }).then((r) => {
        if (this.selected?.id === open.id) this.selected = r.items[0] ?? null;
      });
  }

  setFilter(change: Partial<AssetFilter>): void {
    const next = { ...this.filter, ...change };
    if ((Object.keys(change) as (keyof AssetFilter)[]).every((k) => next[k] === this.filter[k])) return;
    this.filter = next;
    this.selected = null;
    this.selection = emptySelection;
    this.reset();
  }

  setTag(tag: string | null): void {
    this.setFilter({ tag });
  }

  /** Fetch what the current window needs; called whenever the window moves. */
  want(firstIndex: number, endIndex: number): void {
    if (endIndex > firstIndex) this.cache.want(firstIndex, endIndex);
  }

  item(index: number): AssetT | undefined {
    void this.version;
    return this.cache.get(index);
  }

  /** The filter's ids in grid order (for ranges and select-all), fetched once per filter. */
  idsInOrder(): Promise<number[]> {
    const order = (this.order ??= api.assets.ids(filterInput(this.filter)).then((r) => r.ids));
    order.catch(() => {
      if (this.order === order) this.order = null;
    });
    return order;
  }

  click(index: number, asset: AssetT, mods: Modifiers): Promise<void> {
    return this.track(this.clickNow(index, asset, mods));
  }

  private async clickNow(index: number, asset: AssetT, mods: Modifiers): Promise<void> {
    this.focusIndex = index;
    if (!mods.range && !mods.toggle) this.selected = asset;
    const order = mods.range && this.selection.anchor !== null ? await this.idsInOrder() : undefined;
    this.selection = clickSelection(this.selection, index, asset.id, mods, order);
    if (mods.toggle && !mods.range && this.selection.ids.has(asset.id)) this.selected = asset;
  }

  extend(from: number, to: number): Promise<void> {
    return this.track(this.extendNow(from, to));
  }

  private async extendNow(from: number, to: number): Promise<void> {
    this.selection = extendSelection(this.selection, from, to, await this.idsInOrder());
  }

  async selectAll(): Promise<void> {
    this.selection = selectAll(await this.idsInOrder());
  }

  /** What bulk actions act on: the selection, or the open image when nothing is selected. */
  get targetIds(): number[] {
    return [...this.selection.ids];
  }

  /** The scrollTop that shows an item; used by keyboard navigation. */
  scrollTopFor(index: number): number {
    return scrollTopForIndex(this.layout, index, this.height);
  }
}

export const assetGrid = new AssetGrid();
