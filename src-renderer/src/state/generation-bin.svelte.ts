// Generated images moved to the bin and back: Delete (a key or a button) bins them at once and
// says so quietly with Undo; the gallery's Bin view lists them with Restore; emptying the bin
// deletes them and their files for good. What the rest of the screen does on a change (the
// results drop the images, the gallery refetches, the pane closes) is the `onchange` given.
import type { Api } from '../../../src-preload/api';
import { errorMessage } from '../lib/errors';
import { formatCount } from '../lib/format';

export interface BinDeps {
  /** Calls whose failures are shown in place. */
  quietApi: Api;
  /** Images went into the bin (`binned`) or came out of it. */
  onchange: (ids: number[], binned: boolean) => void;
  /** How long the confirmation stays (ms); 0 keeps it. */
  noticeMs?: number;
}

/** The last change, said once: “3 images moved to the bin · Undo”. */
export interface BinNotice {
  message: string;
  /** The ids Undo puts back where they were; null when there is nothing to undo. */
  undo: { ids: number[]; binned: boolean } | null;
  error: boolean;
}

export class GenerationBin {
  /** Images in the bin (null until known). */
  count = $state<number | null>(null);
  notice = $state.raw<BinNotice | null>(null);
  busy = $state(false);

  private readonly quietApi: Api;
  private readonly onchange: BinDeps['onchange'];
  private readonly noticeMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(deps: BinDeps) {
    this.quietApi = deps.quietApi;
    this.onchange = deps.onchange;
    this.noticeMs = deps.noticeMs ?? 8000;
  }

  reset(): void {
    this.count = null;
    this.say(null);
  }

  /** Asks how many images are in the bin. */
  async load(): Promise<void> {
    try {
      const { total } = await this.quietApi.generations.list({ offset: 0, limit: 1, bin: true });
      this.count = total;
    } catch {
      // The count is a hint beside the Bin button; the bin view itself shows any error.
    }
  }

  /** Moves images to the bin at once; the notice offers Undo. */
  async bin(ids: readonly number[]): Promise<void> {
    await this.change([...ids], true);
  }

  async restore(ids: readonly number[]): Promise<void> {
    await this.change([...ids], false);
  }

  /** Undo the last move, as the notice offers. */
  async undo(): Promise<void> {
    const u = this.notice?.undo;
    if (u) await this.change(u.ids, !u.binned, true);
  }

  /** Deletes everything in the bin and its files (asked for by a confirmation the caller shows). */
  async empty(): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    try {
      const r = await this.quietApi.generations.emptyBin();
      this.count = 0;
      const kept = r.kept ? ` (${formatCount(r.kept)} kept without their files: other images were made from them)` : '';
      this.say({
        message: `Bin emptied: ${formatCount(r.deleted + r.kept)} ${r.deleted + r.kept === 1 ? 'image' : 'images'} deleted for good${kept}.`,
        undo: null,
        error: false,
      });
      this.onchange([], true);
      return true;
    } catch (e) {
      this.say({ message: errorMessage(e), undo: null, error: true });
      return false;
    } finally {
      this.busy = false;
    }
  }

  dismiss(): void {
    this.say(null);
  }

  private async change(ids: number[], binned: boolean, undoing = false): Promise<void> {
    if (ids.length === 0 || this.busy) return;
    this.busy = true;
    try {
      const r = binned ? await this.quietApi.generations.bin({ ids }) : await this.quietApi.generations.restore({ ids });
      this.count = r.inBin;
      const n = ids.length === 1 ? `Image #${ids[0]}` : `${formatCount(ids.length)} images`;
      const message = undoing
        ? `${n} ${binned ? 'back in the bin' : 'back in the gallery'}.`
        : `${n} ${binned ? 'moved to the bin' : 'restored to the gallery'}.`;
      this.say({ message, undo: undoing ? null : { ids, binned }, error: false });
      this.onchange(ids, binned);
    } catch (e) {
      this.say({ message: errorMessage(e), undo: null, error: true });
    } finally {
      this.busy = false;
    }
  }

  private say(notice: BinNotice | null): void {
    clearTimeout(this.timer);
    this.notice = notice;
    if (notice && !notice.error && this.noticeMs > 0) this.timer = setTimeout(() => (this.notice = null), this.noticeMs);
  }
}
