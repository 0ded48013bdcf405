// The Data screen's grid: the layout (pure math in lib/virtual-grid), the pages of
// `assets:list` fetched on demand for the rows on screen, the tag filter and the
// selected image. Rendering reads `visible` and `item(i)`; nothing else.
import type { AssetT, TagCountT } from '../../../src-preload/contract';
import { api } from '../lib/api';
import { PageCache } from '../lib/page-cache';
import { gridLayout, scrollTopForIndex, visibleRows } from '../lib/virtual-grid';

const PAGE_SIZE = 200;
const GAP = 8;

export const cellSizes = { small: 88, medium: 120, large: 176 } as const;
export type CellSize = keyof typeof cellSizes;

export class AssetGrid {
  tags = $state.raw<TagCountT[]>([]);
  tag = $state<string | null>(null);
  total = $state<number | null>(null);
  size = $state<CellSize>('medium');
  width = $state(0);
  height = $state(0);
  scrollTop = $state(0);
  selected = $state<AssetT | null>(null);
  /** Bumped when pages arrive: cells re-read `item(i)` on it. */
  private version = $state(0);

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
  rows = $derived.by(() => {
    const { layout, firstRow, endRow, offset } = this;
    const out: { row: number; top: number; indices: number[] }[] = [];
    for (let row = firstRow; row < endRow; row++) {
      const start = row * layout.columns;
      const end = Math.min(layout.total, start + layout.columns);
      const indices: number[] = [];
      for (let i = start; i < end; i++) indices.push(i);
      out.push({ row, top: offset + layout.gap + row * layout.rowHeight, indices });
    }
    return out;
  });

  private fetch(offset: number, limit: number) {
    return api.assets.list(this.tag === null ? { offset, limit } : { offset, limit, tag: this.tag });
  }

  async loadTags(): Promise<void> {
    this.tags = await api.tags.list();
  }

  /** Start over (new project or new filter): the first page tells the total. */
  reset(): void {
    this.cache.reset();
    this.total = null;
    this.scrollTop = 0;
    this.cache.want(0, PAGE_SIZE);
  }

  setTag(tag: string | null): void {
    if (tag === this.tag) return;
    this.tag = tag;
    this.selected = null;
    this.reset();
  }

  /** Fetch what the current window needs; called whenever the window moves. */
  want(firstIndex: number, endIndex: number): void {
    if (endIndex > firstIndex) this.cache.want(firstIndex, endIndex);
  }

  item(index: number): AssetT | undefined {
    void this.version;
    return this.cache.get(index);
  }

  /** The scrollTop that shows an item; used by keyboard navigation. */
  scrollTopFor(index: number): number {
    return scrollTopForIndex(this.layout, index, this.height);
  }
}

export const assetGrid = new AssetGrid();
