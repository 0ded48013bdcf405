// A paged cache for a long list served in pages (`assets:list`, `generations:list`):
// fetches only the pages the view asks for, a few at a time, newest wish first,
// drops answers that arrive after a reset, and forgets the least recently used pages.
// After an edit it can revalidate: old items stay on screen until their fresh page arrives.

export interface Page<T> {
  total: number;
  items: T[];
}

export type PageFetcher<T> = (offset: number, limit: number) => Promise<Page<T>>;

export interface PageCacheOptions {
  pageSize: number;
  /** Pages kept in memory; the least recently used go first. */
  maxPages?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  onChange?: () => void;
  onError?: (error: unknown) => void;
}

export class PageCache<T> {
  readonly pageSize: number;
  private readonly maxPages: number;
  private readonly concurrency: number;
  private pages = new Map<number, T[]>();
  /** Pages from before a revalidate, shown until their fresh copy arrives. */
  private stale = new Map<number, T[]>();
  private inFlight = new Set<number>();
  private wanted: number[] = [];
  private epoch = 0;
  total: number | null = null;

  constructor(
    private fetcher: PageFetcher<T>,
    private readonly options: PageCacheOptions,
  ) {
    this.pageSize = options.pageSize;
    this.maxPages = options.maxPages ?? 200;
    this.concurrency = options.concurrency ?? 2;
  }

  /** Forget everything (e.g. the filter changed); answers to older requests are ignored. */
  reset(fetcher?: PageFetcher<T>): void {
    if (fetcher) this.fetcher = fetcher;
    this.epoch++;
    this.pages.clear();
    this.stale.clear();
    this.inFlight.clear();
    this.wanted = [];
    this.total = null;
    this.options.onChange?.();
  }

  /**
   * The same list changed (an edit): every page is fetched again when wanted, and until it
   * arrives its old items (and the old total) are served, so the view neither blanks nor loses focus.
   */
  revalidate(): void {
    this.epoch++;
    for (const [page, items] of this.pages) this.stale.set(page, items);
    this.pages.clear();
    this.inFlight.clear();
    this.wanted = [];
  }

  pageOf(index: number): number {
    return Math.floor(index / this.pageSize);
  }

  get(index: number): T | undefined {
    const p = this.pageOf(index);
    const page = this.pages.get(p) ?? this.stale.get(p);
    return page?.[index % this.pageSize];
  }

  has(page: number): boolean {
    return this.pages.has(page);
  }

  get cachedPages(): number {
    return this.pages.size;
  }

  /** Ask for the items in [start, end). Pages already wanted but now off screen are dropped. */
  want(start: number, end: number): void {
    const needed: number[] = [];
    const last = Math.max(start, end - 1);
    for (let p = this.pageOf(start); p <= this.pageOf(last); p++) {
      if (this.total !== null && p * this.pageSize >= this.total && p > 0) break;
      if (this.pages.has(p)) this.touch(p);
      else if (!this.inFlight.has(p)) needed.push(p);
    }
    this.wanted = needed;
    this.pump();
  }

  private touch(page: number): void {
    const items = this.pages.get(page);
    if (!items) return;
    this.pages.delete(page);
    this.pages.set(page, items);
  }

  private pump(): void {
    while (this.inFlight.size < this.concurrency && this.wanted.length > 0) {
      const page = this.wanted.shift()!;
      if (this.pages.has(page) || this.inFlight.has(page)) continue;
      this.load(page);
    }
  }

  private load(page: number): void {
    const epoch = this.epoch;
    this.inFlight.add(page);
    this.fetcher(page * this.pageSize, this.pageSize).then(
      (result) => {
        if (epoch !== this.epoch) return;
        this.inFlight.delete(page);
        this.total = result.total;
        this.pages.set(page, result.items);
        this.stale.delete(page);
        while (this.pages.size > this.maxPages) {
          const oldest = this.pages.keys().next().value as number;
          this.pages.delete(oldest);
        }
        this.options.onChange?.();
        this.pump();
      },
      (error: unknown) => {
        if (epoch !== this.epoch) return;
        this.inFlight.delete(page);
        this.options.onError?.(error);
        this.pump();
      },
    );
  }
}
