// What the Data view's curation tools share beyond the grid: the undo label, the
// quality-flag counts, the split info, and the bulk edits that change them. Every
// edit refreshes the grid, the tag counts and what undo would revert.
import type { OpOutput } from '../../../src-preload/contract';
import { api } from '../lib/api';
import type { QualityFlagName } from '../lib/asset-filter';
import { assetGrid, type AssetGrid } from './asset-grid.svelte';
import { RatingConfirmation } from './rating-confirmation.svelte';
import { studio } from './studio.svelte';
import { toasts } from './toasts.svelte';

export type QualitySummary = OpOutput<'quality:summary'>;
export type SplitInfo = OpOutput<'splits:info'>;

export class Curation {
  undoLabel = $state<string | null>(null);
  quality = $state.raw<QualitySummary>([]);
  splits = $state.raw<SplitInfo | null>(null);
  busy = $state(false);

  /** Ratings confirm in one toast with Undo (not one toast each). */
  readonly ratings: RatingConfirmation;

  constructor(private grid: AssetGrid) {
    this.ratings = new RatingConfirmation({
      toasts,
      lastEdit: async () => (await api.edits.last()).label,
      undo: async () => (await api.edits.undo()).undone,
      refresh: () => this.edited(),
    });
  }

  flagLabel(flag: QualityFlagName): string {
    return this.quality.find((q) => q.flag === flag)?.label ?? flag;
  }

  /** Everything that depends on the dataset's contents, after it changed. */
  async reload(): Promise<void> {
    const [last, quality, splits] = await Promise.all([api.edits.last(), api.quality.summary(), api.splits.info(), this.grid.loadTags()]);
    this.undoLabel = last.label;
    this.quality = quality;
    this.splits = splits;
  }

  /** After an edit: fresh grid pages and counts (the project summary too: tag count). */
  private async edited(message?: string): Promise<void> {
    this.grid.refresh();
    if (message) toasts.push('success', message);
    await Promise.all([this.reload(), studio.refresh()]);
  }

  private async run<T>(work: () => Promise<T>, message?: (result: T) => string): Promise<T | undefined> {
    this.busy = true;
    try {
      const result = await work();
      this.ratings.interrupted();
      await this.edited(message?.(result));
      return result;
    } catch {
      return undefined; // `api` has raised a toast with the engine's message.
    } finally {
      this.busy = false;
    }
  }

  applyTags(ids: number[], add: string[], remove: string[]) {
    return this.run(
      () => api.tags.apply({ ids, add, remove }),
      (r) => {
        const n = (k: number) => `${k.toLocaleString('en')} ${k === 1 ? 'image' : 'images'}`;
        if (add.length) return r.added === 0 ? `Every selected image already has “${add.join(', ')}”` : `Tagged ${n(r.added)} “${add.join(', ')}”`;
        return r.removed === 0 ? `No selected image has “${remove.join(', ')}”` : `Removed “${remove.join(', ')}” from ${n(r.removed)}`;
      },
    );
  }

  exclude(ids: number[], excluded: boolean) {
    return this.run(
      () => api.assets.exclude({ ids, excluded }),
      (r) => `${excluded ? 'Excluded' : 'Included'} ${r.changed.toLocaleString('en')} ${r.changed === 1 ? 'image' : 'images'}`,
    );
  }

  /** Ratings in the order they were asked for, each with its own undo label (keys pressed fast). */
  private ratingQueue: Promise<unknown> = Promise.resolve();

  /** Star rating for many images (0 clears it); one undoable edit, confirmed in the one rating toast. */
  rate(ids: number[], rating: number) {
    const stars = (k: number) => (k === 1 ? '1 star' : `${k} stars`);
    const n = (k: number) => `${k.toLocaleString('en')} ${k === 1 ? 'image' : 'images'}`;
    this.busy = true;
    const done = this.ratingQueue
      .then(() => api.assets.rate({ ids, rating }))
      .then(async (r) => {
        await this.edited();
        let message: string;
        if (r.updated === 0) {
          if (rating === 0) message = ids.length === 1 ? 'This image is not rated' : 'None of the selected images is rated';
          else message = ids.length === 1 ? `This image already has ${stars(rating)}` : `Every selected image already has ${stars(rating)}`;
        } else message = rating === 0 ? `Cleared the rating of ${n(r.updated)}` : `Rated ${n(r.updated)} ${stars(rating)}`;
        this.ratings.rated(message, r.updated > 0 ? this.undoLabel : null);
        return r;
      })
      .catch(() => undefined) // `api` has raised a toast with the engine's message.
      .finally(() => {
        if (this.ratingQueue === done) this.busy = false;
      });
    this.ratingQueue = done;
    return done;
  }

  renameTag(from: string, to: string) {
    return this.run(
      () => api.tags.rename({ from, to }),
      (r) => (r.merged ? `Merged “${from}” into “${to}”` : `Renamed “${from}” to “${to}”`),
    ).then((r) => {
      if (r && this.grid.filter.tag === from) this.grid.setTag(to.trim());
      return r;
    });
  }

  assignSplits(settings: { train: number; val: number; test: number; seed: number }) {
    return this.run(
      () => api.splits.assign(settings),
      () => 'Splits assigned',
    );
  }

  async lock(to: 'train' | 'val' | 'test' | null): Promise<void> {
    try {
      this.splits = await api.splits.lock({ to });
    } catch {
      // `api` has raised a toast.
    }
  }

  /** New images arrived: the grid and every count change. */
  afterImport(): void {
    this.grid.reset();
    void this.reload().catch(() => {}); // `api` has raised a toast.
  }

  async undo(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.ratings.interrupted();
    try {
      const r = await api.edits.undo();
      await this.edited(r.undone ? `Undid ${r.undone}` : 'Nothing to undo');
    } catch {
      // `api` has raised a toast.
    } finally {
      this.busy = false;
    }
  }
}

export const curation = new Curation(assetGrid);
