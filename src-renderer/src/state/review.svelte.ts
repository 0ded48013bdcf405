// The Review step's state: this workstation's reviewer name (asked for once, before a first
// review), and a review session — the images of one source (what I have not reviewed yet,
// favourites, the gallery's filter, a batch or a queue), taken as a snapshot of ids so the list
// does not shift under the person as they review, their data fetched by pages, the next few
// images preloaded, every change sent at once (one write at a time, in order) and shown as saved
// only once the engine answered, and an undo that sends the old values back.
// Works over an injected API (review-screen.svelte.ts wires the studio's).
import type { Api } from '../../../src-preload/api';
import {
  applyReviewChange,
  reviewerName,
  type GenerationT,
  type MyReviewT,
  type OpInput,
  type RejectReasonT,
  type ReviewChangeT,
  type ReviewQueueT,
  type ReviewT,
} from '../../../src-preload/contract';
import { errorMessage } from '../lib/errors';
import { describeGalleryFilter, galleryInput, type GalleryFilter } from '../lib/gallery-filter';
import { changeWords, rejectByKey, undoChange } from '../lib/review-words';
import { clickSelection, emptySelection, extendSelection, type Modifiers } from '../lib/selection';
import { gridLayout, renderRows, scrollTopForIndex, visibleRows } from '../lib/virtual-grid';
import { SelectableGrid } from './selectable-grid.svelte';

/** The code of an error that crossed from the engine (an ApiError, or its plain copy over the Electron bridge). */
function errorCode(error: unknown): string | null {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : null;
}

// --- the reviewer ---------------------------------------------------------------------------

/** This workstation's reviewer: every rating records who gave it, so a name is asked for once. */
export class Reviewer {
  name = $state<string | null>(null);
  /** Everyone who has reviewed in this project or was sent a batch. */
  known = $state.raw<string[]>([]);
  loaded = $state(false);
  /** The name dialog is open: before a first review, or to change the name. */
  asking = $state(false);
  reason = $state<'first' | 'change'>('first');
  saving = $state(false);
  error = $state<string | null>(null);

  private waiting: ((named: boolean) => void)[] = [];
  private loading: Promise<void> | null = null;
  private renamed = new Set<(name: string) => void>();
  private readonly quietApi: Api;

  constructor(quietApi: Api) {
    this.quietApi = quietApi;
  }

  load(): Promise<void> {
    this.loading = (async () => {
      try {
        const r = await this.quietApi.reviewer.get();
        this.name = r.name;
        this.known = r.known;
      } catch {
        // Asked again when a review needs the name; the review's own error then says why.
      } finally {
        this.loaded = true;
      }
    })();
    return this.loading;
  }

  /** True once this workstation has a reviewer name, asking for one first when needed; false when the person declines. */
  async ensure(): Promise<boolean> {
    if (!this.loaded) await (this.loading ?? this.load());
    if (this.name) return true;
    return this.ask('first');
  }

  /** Open the name dialog; resolves once it closes, true when a name is set. */
  ask(reason: 'first' | 'change'): Promise<boolean> {
    this.reason = reason;
    this.error = null;
    this.asking = true;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async save(name: string): Promise<boolean> {
    const parsed = reviewerName.safeParse(name);
    if (!parsed.success) {
      this.error = parsed.error.issues[0]?.message ?? 'That name cannot be used.';
      return false;
    }
    this.saving = true;
    this.error = null;
    try {
      const r = await this.quietApi.reviewer.set({ name: parsed.data });
      const before = this.name;
      this.name = r.name;
      if (before !== null && before !== r.name) for (const listener of this.renamed) listener(r.name);
      if (!this.known.includes(r.name)) this.known = [...this.known, r.name].sort((a, b) => a.localeCompare(b));
      this.close(true);
      return true;
    } catch (e) {
      this.error = errorMessage(e);
      return false;
    } finally {
      this.saving = false;
    }
  }

  /** The dialog was dismissed: whoever waited goes on only if a name was already set. */
  cancel(): void {
    if (this.asking) this.close(this.name !== null);
  }

  /** Someone else reviews here now: what is "mine" changed. Returns the function that stops listening. */
  onRenamed(listener: (name: string) => void): () => void {
    this.renamed.add(listener);
    return () => this.renamed.delete(listener);
  }

  /** The engine has no name for this workstation (its file was removed): ask again. */
  forget(): void {
    this.name = null;
  }

  /** Someone new was sent a batch or reviewed: they are offered next time. */
  learn(names: readonly string[]): void {
    const more = names.filter((n) => !this.known.includes(n));
    if (more.length) this.known = [...this.known, ...more].sort((a, b) => a.localeCompare(b));
  }

  private close(named: boolean): void {
    this.asking = false;
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve(named);
  }
}

// --- sources --------------------------------------------------------------------------------

/** Where a review session's images come from. */
export type ReviewSource =
  | { kind: 'unreviewed' }
  | { kind: 'all' }
  | { kind: 'favourites' }
  | { kind: 'gallery'; filter: GalleryFilter }
  | { kind: 'batch'; batchId: number; queue?: ReviewQueueT };

type IdsInput = OpInput<'generations:ids'>;

/** The gallery filter a source is, as `generations:ids` and `generations:list` take it. */
export function sourceFilter(source: ReviewSource): IdsInput {
  switch (source.kind) {
    case 'unreviewed':
      return { notReviewedByMe: true, sort: 'newest' };
    case 'all':
      return { sort: 'newest' };
    case 'favourites':
      return { favourites: true, sort: 'newest' };
    case 'gallery':
      return galleryInput(source.filter);
    case 'batch':
      // A batch in the order it was drawn.
      return { batchId: source.batchId, sort: 'oldest' };
  }
}

/** A source in words, for the source picker and the empty states. */
export function sourceWords(source: ReviewSource): string {
  switch (source.kind) {
    case 'unreviewed':
      return 'Not reviewed by you';
    case 'all':
      return 'Every generated image';
    case 'favourites':
      return 'Favourites';
    case 'gallery': {
      const words = describeGalleryFilter(source.filter);
      return words ? `Gallery: ${words}` : 'The whole gallery';
    }
    case 'batch':
      return source.queue ? `Batch #${source.batchId}, sent by ${source.queue.sentBy}` : `Batch #${source.batchId}`;
  }
}

// --- the session ----------------------------------------------------------------------------

export type SaveState = 'idle' | 'saving' | 'saved' | 'error';
export type ReviewMode = 'one' | 'grid';

/** One change as it can be undone: the images, what was sent, and each image's review before it. */
export interface UndoEntry {
  ids: number[];
  change: ReviewChangeT;
  before: ReadonlyMap<number, MyReviewT | null>;
  label: string;
}

/** Provenance the review pane names: the run and the checkpoint's step. */
export interface CheckpointName {
  runName: string;
  step: number;
}

export interface ReviewDeps {
  /** Calls whose failures are shown in place. */
  quietApi: Api;
  reviewer: Reviewer;
  /** Start loading an image the person is about to see (a `new Image()` in the window). */
  preload?: (url: string) => void;
  /** Images fetched per `generations:list` page. */
  pageSize?: number;
}

/** Images ahead of the current one that are preloaded. */
export const PRELOAD_AHEAD = 5;
/** Changes that can be undone, newest last. */
const UNDO_DEPTH = 100;
/** `reviews:set` answers with the images for up to this many ids. */
const SET_CHUNK = 1024;

export class ReviewSession {
  source = $state.raw<ReviewSource>({ kind: 'unreviewed' });
  /** The source's images when the session began, in its order: reviewing does not reshuffle them. */
  ids = $state.raw<number[]>([]);
  loaded = $state(false);
  loading = $state(false);
  loadError = $state<string | null>(null);
  /** A page of images could not be fetched (shown in place of the image, with Try again). */
  pageError = $state<string | null>(null);
  position = $state(0);
  mode = $state<ReviewMode>('one');
  /** When the source is empty: how many images the project has generated at all (0 → nothing to review yet). */
  generated = $state<number | null>(null);

  /** Every reviewer's review of the current image; null while it loads. */
  reviews = $state.raw<ReviewT[] | null>(null);
  reviewsError = $state<string | null>(null);
  checkpoints = $state.raw<ReadonlyMap<number, CheckpointName>>(new Map());

  saveState = $state<SaveState>('idle');
  saveError = $state<string | null>(null);
  undoStack = $state.raw<UndoEntry[]>([]);
  /** What the last U put back, for the status line. */
  undone = $state<string | null>(null);
  /** X was pressed: the next key 1–5 is the reason (Esc cancels). */
  rejecting = $state(false);
  /** C was pressed: the comment field has the keyboard. */
  commenting = $state(false);

  /** Images of the snapshot this reviewer has reviewed. */
  private reviewedIds = $state.raw<ReadonlySet<number>>(new Set());
  /** Bumped when items arrive or change: readers of `item()` re-read on it. */
  private version = $state(0);

  total = $derived(this.ids.length);
  reviewedCount = $derived(this.reviewedIds.size);
  currentId = $derived(this.ids[this.position] ?? null);
  current = $derived.by(() => {
    void this.version;
    return this.currentId === null ? undefined : this.items.get(this.currentId);
  });
  readonly grid: ReviewGrid;

  private readonly quietApi: Api;
  private readonly reviewer: Reviewer;
  private readonly preload: (url: string) => void;
  private readonly pageSize: number;
  private items = new Map<number, GenerationT>();
  private indexOf = new Map<number, number>();
  private pages = new Set<number>();
  private preloaded = new Set<string>();
  private reviewCache = new Map<number, ReviewT[]>();
  /** Images changed in this session: they may have left the source's live filter (see loadPage). */
  private touched = new Set<number>();
  /** Writes not answered yet, per image: an older answer must not undo a newer local change. */
  private inflight = new Map<number, number>();
  private writing = 0;
  /** Writes answered so far (a prefetch older than a write is dropped). */
  private written = 0;
  private writes: Promise<unknown> = Promise.resolve();
  private epoch = 0;
  private reviewsTicket = 0;

  constructor(deps: ReviewDeps) {
    this.quietApi = deps.quietApi;
    this.reviewer = deps.reviewer;
    this.preload = deps.preload ?? (() => {});
    this.pageSize = deps.pageSize ?? 100;
    this.grid = new ReviewGrid(this);
  }

  // --- loading ---

  /** Start a session on a source: its ids now, then pages of images as they are needed. */
  async open(source: ReviewSource): Promise<void> {
    this.source = source;
    await this.load();
  }

  /** Take the source's snapshot again (a new source, Try again, or "start over"). */
  async load(): Promise<void> {
    const epoch = ++this.epoch;
    this.loading = true;
    this.loadError = null;
    this.pageError = null;
    const filter = sourceFilter(this.source);
    try {
      const [{ ids }, unreviewed] = await Promise.all([
        this.quietApi.generations.ids(filter),
        // How many of them are already mine (the progress bar); none, for "not reviewed by me".
        this.source.kind === 'unreviewed' ? null : this.quietApi.generations.ids({ ...filter, notReviewedByMe: true }),
        this.loadCheckpoints(),
      ]);
      if (epoch !== this.epoch) return;
      const open = new Set(unreviewed ? unreviewed.ids : ids);
      // An empty source: is there nothing generated at all, or nothing left here?
      this.generated = ids.length > 0 ? null : (await this.quietApi.generations.list({ limit: 1 })).total;
      if (epoch !== this.epoch) return;
      this.reset(ids, new Set(ids.filter((id) => !open.has(id))));
      this.loaded = true;
      this.visit(0);
    } catch (e) {
      if (epoch === this.epoch) this.loadError = errorMessage(e);
    } finally {
      if (epoch === this.epoch) this.loading = false;
    }
  }

  /** Forget the session (another project opened): the next visit takes a new snapshot. */
  clear(): void {
    this.epoch++;
    this.loaded = false;
    this.loading = false;
    this.loadError = null;
    this.pageError = null;
    this.saveState = 'idle';
    this.saveError = null;
    this.generated = null;
    this.reset([], new Set());
  }

  private reset(ids: number[], reviewed: Set<number>): void {
    // "Saved" belongs to the changes of the session before, unless they are still on their way.
    if (this.writing === 0) {
      this.saveState = 'idle';
      this.saveError = null;
    }
    this.ids = ids;
    this.indexOf = new Map(ids.map((id, i) => [id, i]));
    this.reviewedIds = reviewed;
    this.items.clear();
    this.pages.clear();
    this.preloaded.clear();
    this.reviewCache.clear();
    this.touched.clear();
    this.undoStack = [];
    this.undone = null;
    this.rejecting = false;
    this.commenting = false;
    this.position = 0;
    this.reviews = null;
    this.grid.reset();
    this.version++;
  }

  private async loadCheckpoints(): Promise<void> {
    try {
      const list = await this.quietApi.checkpoints.list();
      this.checkpoints = new Map(list.map((c) => [c.id, { runName: c.runName, step: c.step }]));
    } catch {
      // Provenance then names the run and checkpoint by number.
    }
  }

  /** The image at a position, once its page has arrived. */
  item(index: number): GenerationT | undefined {
    void this.version;
    const id = this.ids[index];
    return id === undefined ? undefined : this.items.get(id);
  }

  /** Fetch the pages holding positions [from, to). */
  ensure(from: number, to: number): void {
    if (!this.loaded || this.total === 0) return;
    const first = Math.floor(Math.max(0, from) / this.pageSize);
    const last = Math.floor((Math.min(to, this.total) - 1) / this.pageSize);
    for (let p = first; p <= last; p++) if (!this.pages.has(p)) void this.loadPage(p);
  }

  /**
   * One page of the snapshot. The live filter may have moved since it was taken — an image I
   * reviewed leaves "not reviewed by me" — so the page is asked for from the offset where it now
   * starts (less the images changed before it), items are matched to the snapshot by id, and any
   * still missing are fetched one by one.
   */
  private async loadPage(page: number): Promise<void> {
    const epoch = this.epoch;
    this.pages.add(page);
    const start = page * this.pageSize;
    const wanted = this.ids.slice(start, start + this.pageSize);
    let shift = 0;
    for (const id of this.touched) if ((this.indexOf.get(id) ?? Infinity) < start) shift++;
    try {
      const { items } = await this.quietApi.generations.list({
        ...sourceFilter(this.source),
        offset: Math.max(0, start - shift),
        limit: Math.min(2000, this.pageSize + shift),
      });
      if (epoch !== this.epoch) return;
      for (const g of items) if (this.indexOf.has(g.id) && !this.inflight.get(g.id)) this.items.set(g.id, g);
      const missing = wanted.filter((id) => !this.items.has(id));
      if (missing.length > 0) {
        const found = await Promise.all(missing.map((id) => this.quietApi.generations.get({ id })));
        if (epoch !== this.epoch) return;
        for (const g of found) if (!this.items.has(g.id)) this.items.set(g.id, g);
      }
      this.pageError = null;
      this.version++;
      this.preloadAhead();
    } catch (e) {
      if (epoch !== this.epoch) return;
      this.pages.delete(page);
      this.pageError = errorMessage(e);
    }
  }

  /** Try the pages on screen again after a failure. */
  retryPages(): void {
    this.pageError = null;
    this.visit(this.position);
  }

  // --- moving ---

  visit(position: number): void {
    if (this.total === 0) return;
    const p = Math.max(0, Math.min(this.total - 1, position));
    if (p !== this.position) {
      this.rejecting = false;
      this.commenting = false;
    }
    this.position = p;
    this.grid.focusIndex = p;
    this.ensure(p - 2, p + PRELOAD_AHEAD + this.pageSize / 2);
    this.preloadAhead();
    const id = this.ids[p];
    if (id !== undefined) void this.loadReviews(id);
    // The next image's reviews are on their way before the person gets there.
    const next = this.ids[p + 1];
    if (next !== undefined) void this.prefetchReviews(next);
  }

  next(): void {
    this.visit(this.position + 1);
  }

  prev(): void {
    this.visit(this.position - 1);
  }

  /** The image's file starts loading before it is shown: the next few are always ready. */
  private preloadAhead(): void {
    for (let i = this.position + 1; i <= this.position + PRELOAD_AHEAD && i < this.total; i++) {
      const g = this.items.get(this.ids[i]!);
      if (!g || this.preloaded.has(g.file)) continue;
      this.preloaded.add(g.file);
      this.preload(this.quietApi.fileUrl(g.file));
    }
  }

  /** The team's reviews of an image (kept, so going back is instant; dropped when it changes). */
  async loadReviews(id: number): Promise<void> {
    const ticket = ++this.reviewsTicket;
    const cached = this.reviewCache.get(id);
    this.reviewsError = null;
    this.reviews = cached ?? null;
    if (cached) return;
    try {
      const { reviews } = await this.quietApi.reviews.list({ generationId: id });
      this.reviewCache.set(id, reviews);
      this.reviewer.learn(reviews.map((r) => r.reviewer));
      if (ticket === this.reviewsTicket && this.currentId === id) this.reviews = reviews;
    } catch (e) {
      if (ticket === this.reviewsTicket) this.reviewsError = errorMessage(e);
    }
  }

  private async prefetchReviews(id: number): Promise<void> {
    if (this.reviewCache.has(id)) return;
    const epoch = this.epoch;
    const written = this.written;
    try {
      const { reviews } = await this.quietApi.reviews.list({ generationId: id });
      // A write since may have changed them: then they are fetched when the image is reached.
      if (epoch === this.epoch && written === this.written && !this.reviewCache.has(id)) this.reviewCache.set(id, reviews);
    } catch {
      // Fetched again, with its error shown, when the image is reached.
    }
  }

  // --- reviewing ---

  /** This reviewer's review of an image as it stands on screen. */
  mineOf(id: number): MyReviewT | null {
    return this.items.get(id)?.mine ?? null;
  }

  isReviewed(id: number): boolean {
    return this.reviewedIds.has(id);
  }

  /** What the keys act on: the current image, or in the grid the selection (else the focused image). */
  targets(): number[] {
    if (this.mode === 'grid') return this.grid.targets();
    return this.currentId === null ? [] : [this.currentId];
  }

  rate(stars: number, ids = this.targets()): Promise<boolean> {
    return this.change({ stars }, ids);
  }

  /** F: favourite on, or off when every image it applies to is a favourite already. */
  toggleFavourite(ids = this.targets()): Promise<boolean> {
    const all = ids.length > 0 && ids.every((id) => this.mineOf(id)?.favourite);
    return this.change({ favourite: !all }, ids);
  }

  /** A reject reason, or null to take the reject back. */
  reject(reason: RejectReasonT | null, ids = this.targets()): Promise<boolean> {
    this.rejecting = false;
    return this.change({ reject: reason }, ids);
  }

  comment(text: string, ids = this.targets()): Promise<boolean> {
    this.commenting = false;
    return this.change({ comment: text.trim() }, ids);
  }

  /**
   * One change to my review of some images: shown at once, sent at once, "Saved" once the engine
   * answered; on failure the old values come back and the error says why. Undoable.
   */
  async change(change: ReviewChangeT, ids: number[]): Promise<boolean> {
    if (ids.length === 0) return false;
    if (!(await this.reviewer.ensure())) return false;
    const before = new Map(ids.map((id) => [id, this.mineOf(id)] as const));
    const entry: UndoEntry = { ids, change, before, label: changeWords(change) };
    this.undone = null;
    this.undoStack = [...this.undoStack.slice(1 - UNDO_DEPTH), entry];
    this.applyLocal(ids, change);
    const ok = await this.send(ids, change);
    if (!ok) {
      this.applyLocal(ids, change, before);
      this.undoStack = this.undoStack.filter((e) => e !== entry);
    }
    return ok;
  }

  /** U: put back what the last change replaced, by sending the old values. */
  async undo(): Promise<boolean> {
    const entry = this.undoStack.at(-1);
    if (!entry) return false;
    this.undoStack = this.undoStack.slice(0, -1);
    if (this.mode === 'one' && entry.ids.length === 1 && entry.ids[0] !== this.currentId) {
      const at = this.indexOf.get(entry.ids[0]!);
      if (at !== undefined) this.visit(at);
    }
    // Images whose old values differ go in separate calls.
    const groups = new Map<string, { change: ReviewChangeT; ids: number[] }>();
    for (const id of entry.ids) {
      const back = undoChange(entry.before.get(id) ?? null, entry.change);
      const key = JSON.stringify(back);
      const group = groups.get(key);
      if (group) group.ids.push(id);
      else groups.set(key, { change: back, ids: [id] });
    }
    let ok = true;
    for (const group of groups.values()) {
      const now = new Map(group.ids.map((id) => [id, this.mineOf(id)] as const));
      this.applyLocal(group.ids, group.change);
      if (!(await this.send(group.ids, group.change))) {
        this.applyLocal(group.ids, group.change, now);
        ok = false;
      }
    }
    if (ok) this.undone = `Undid ${entry.label}${entry.ids.length > 1 ? ` on ${entry.ids.length} images` : ''}`;
    else this.undoStack = [...this.undoStack, entry];
    return ok;
  }

  /**
   * A key pressed on the Review view (outside text fields): 0–5 stars, F favourite, X then 1–5 a
   * reject reason, C comment, U undo, →/J and ←/K move, G switches one-at-a-time and the grid.
   * Returns true when the key meant something here.
   */
  press(key: string): boolean {
    const k = key.length === 1 ? key.toLowerCase() : key;
    if (this.rejecting) {
      if (k === 'Escape') {
        this.rejecting = false;
        return true;
      }
      const reason = rejectByKey(k);
      if (reason) {
        void this.reject(reason);
        return true;
      }
      if (k === '0' || k === 'Backspace') {
        void this.reject(null);
        return true;
      }
      this.rejecting = false;
    }
    if (/^[0-5]$/.test(k)) {
      void this.rate(Number(k));
      return true;
    }
    switch (k) {
      case 'f':
        void this.toggleFavourite();
        return true;
      case 'x':
        this.rejecting = this.targets().length > 0;
        return true;
      case 'c':
        if (this.mode === 'one' && this.currentId !== null) this.commenting = true;
        return true;
      case 'u':
        void this.undo();
        return true;
      case 'g':
        this.setMode(this.mode === 'one' ? 'grid' : 'one');
        return true;
    }
    if (this.mode === 'one') {
      if (k === 'ArrowRight' || k === 'j') {
        this.next();
        return true;
      }
      if (k === 'ArrowLeft' || k === 'k') {
        this.prev();
        return true;
      }
    } else if (k === 'Escape' && this.grid.selectedCount > 0) {
      this.grid.clearSelection();
      return true;
    }
    return false;
  }

  setMode(mode: ReviewMode): void {
    if (mode === this.mode) return;
    this.mode = mode;
    this.rejecting = false;
    this.commenting = false;
    if (mode === 'grid') {
      this.grid.focusIndex = this.position;
    } else {
      // The grid's focused image is the one shown next.
      this.visit(this.grid.focusIndex);
    }
  }

  /** Show `change` on screen at once (or put `restore` back, for the fields `change` touched). */
  private applyLocal(ids: readonly number[], change: ReviewChangeT, restore?: ReadonlyMap<number, MyReviewT | null>): void {
    const reviewed = new Set(this.reviewedIds);
    for (const id of ids) {
      const g = this.items.get(id);
      const mine = restore ? applyReviewChange(g?.mine ?? null, undoChange(restore.get(id) ?? null, change)) : applyReviewChange(g?.mine ?? null, change);
      if (g) this.items.set(id, { ...g, mine });
      if (mine) reviewed.add(id);
      else reviewed.delete(id);
      this.touched.add(id);
    }
    this.reviewedIds = reviewed;
    this.version++;
  }

  /** Writes go one after another, so the engine sees changes in the order they were made. */
  private send(ids: number[], change: ReviewChangeT): Promise<boolean> {
    for (const id of ids) this.inflight.set(id, (this.inflight.get(id) ?? 0) + 1);
    this.writing++;
    this.saveState = 'saving';
    const write = this.writes.then(() => this.write(ids, change));
    this.writes = write;
    return write.finally(() => {
      for (const id of ids) {
        const n = (this.inflight.get(id) ?? 1) - 1;
        if (n > 0) this.inflight.set(id, n);
        else this.inflight.delete(id);
      }
      this.writing--;
      if (this.writing === 0 && this.saveState === 'saving') this.saveState = 'saved';
    });
  }

  private async write(ids: number[], change: ReviewChangeT, retried = false): Promise<boolean> {
    try {
      for (let i = 0; i < ids.length; i += SET_CHUNK) {
        const { items } = await this.quietApi.reviews.set({ ids: ids.slice(i, i + SET_CHUNK), change });
        this.settled(items);
      }
      this.saveError = null;
      this.written++;
      for (const id of ids) this.reviewCache.delete(id);
      if (this.currentId !== null && ids.includes(this.currentId)) void this.loadReviews(this.currentId);
      return true;
    } catch (e) {
      if (errorCode(e) === 'no-reviewer' && !retried) {
        this.reviewer.forget();
        if (await this.reviewer.ensure()) return this.write(ids, change, true);
      }
      this.saveError = errorMessage(e);
      this.saveState = 'error';
      return false;
    }
  }

  /** The engine's answer: the images as they now stand (the team's mean, my review). */
  private settled(items: GenerationT[]): void {
    const reviewed = new Set(this.reviewedIds);
    for (const g of items) {
      if (!this.indexOf.has(g.id)) continue;
      // A later change to the same image is still on its way: keep what the screen shows of mine.
      const later = (this.inflight.get(g.id) ?? 0) > 1;
      const local = this.items.get(g.id);
      this.items.set(g.id, later && local ? { ...g, mine: local.mine } : g);
      if (!later) {
        if (g.mine) reviewed.add(g.id);
        else reviewed.delete(g.id);
      }
    }
    this.reviewedIds = reviewed;
    this.version++;
  }
}

// --- the grid -------------------------------------------------------------------------------

/** Edge of a grid cell in the Review view (larger than the gallery's: this is for judging). */
export const REVIEW_CELL = 148;
const GAP = 8;

/** The session as a grid (VirtualGrid reads it): every image of the snapshot, multi-select with shift and ctrl. */
export class ReviewGrid extends SelectableGrid<GenerationT> {
  width = $state(0);
  height = $state(0);
  scrollTop = $state(0);
  focusIndex = $state(0);

  private readonly session: ReviewSession;

  total = $derived.by(() => this.session.total);
  layout = $derived(gridLayout({ width: this.width, cellSize: REVIEW_CELL, gap: GAP, total: this.total }));
  visible = $derived(visibleRows(this.layout, this.scrollTop, this.height, 2));
  rows = $derived(renderRows(this.layout, this.visible.firstRow, this.visible.endRow, this.visible.scrollTop - this.visible.layoutTop));

  constructor(session: ReviewSession) {
    super();
    this.session = session;
  }

  reset(): void {
    this.selection = emptySelection;
    this.scrollTop = 0;
    this.focusIndex = 0;
  }

  item(index: number): GenerationT | undefined {
    return this.session.item(index);
  }

  want(from: number, to: number): void {
    this.session.ensure(from, to);
  }

  scrollTopFor(index: number): number {
    return scrollTopForIndex(this.layout, index, this.height);
  }

  click(index: number, g: GenerationT, mods: Modifiers): void {
    this.focusIndex = index;
    this.selection = clickSelection(this.selection, index, g.id, mods, this.session.ids);
  }

  extend(from: number, to: number): void {
    this.selection = extendSelection(this.selection, from, to, this.session.ids);
  }

  /** The selection, else the focused image. */
  targets(): number[] {
    if (this.selectedCount > 0) return [...this.selection.ids];
    const id = this.session.ids[this.focusIndex];
    return id === undefined ? [] : [id];
  }
}
