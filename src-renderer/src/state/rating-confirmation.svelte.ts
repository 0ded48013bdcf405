// One quiet confirmation for ratings: each rating replaces the last one's message instead of
// stacking another, and its Undo reverts every rating made while it was up (the images get
// their previous ratings back). Another edit, or an undo from elsewhere, ends it.

/** What the confirmation needs of the toasts (state/toasts.svelte.ts). */
export interface ConfirmationToasts {
  show(key: string, kind: 'success' | 'info', message: string, options: { action?: { label: string; description?: string; run: () => void } }): void;
  has(key: string): boolean;
  dismissKey(key: string): void;
}

export interface RatingConfirmationDeps {
  toasts: ConfirmationToasts;
  /** The label of the edit undo would revert now (edits:last). */
  lastEdit: () => Promise<string | null>;
  /** Reverts the most recent edit; returns its label (edits:undo). */
  undo: () => Promise<string | null>;
  /** After an undo: fresh grid, counts and undo label. */
  refresh: () => Promise<void>;
}

export const RATING_TOAST = 'rating';

export class RatingConfirmation {
  /** The undo labels of the rating edits this confirmation stands for, oldest first. */
  private streak: string[] = [];
  undoing = $state(false);

  constructor(private readonly deps: RatingConfirmationDeps) {}

  /** How many rating edits the confirmation's Undo would revert. */
  get pending(): number {
    return this.deps.toasts.has(RATING_TOAST) ? this.streak.length : 0;
  }

  /**
   * A rating landed: `message` says what it did, `label` is its undo label (null when it changed
   * nothing). A confirmation that has gone (timed out, dismissed) starts a new run.
   */
  rated(message: string, label: string | null): void {
    if (!this.deps.toasts.has(RATING_TOAST)) this.streak = [];
    if (label !== null) this.streak.push(label);
    const n = this.streak.length;
    const words = n > 1 ? `${message} · ${n} ratings in a row` : message;
    this.deps.toasts.show(RATING_TOAST, 'success', words, {
      action: n === 0 ? undefined : { label: 'Undo', description: n === 1 ? 'Undo this rating' : `Undo these ${n} ratings`, run: () => void this.undo() },
    });
  }

  /** Another edit or an undo happened: what Undo would revert is no longer these ratings. */
  interrupted(): void {
    this.streak = [];
    this.deps.toasts.dismissKey(RATING_TOAST);
  }

  /** Reverts the run of ratings, newest first, stopping at anything that is not one of them. */
  async undo(): Promise<void> {
    if (this.undoing) return;
    const labels = [...this.streak];
    this.streak = [];
    this.undoing = true;
    let undone = 0;
    try {
      for (const label of labels.reverse()) {
        if ((await this.deps.lastEdit()) !== label) break;
        if ((await this.deps.undo()) === null) break;
        undone++;
      }
    } catch {
      // `api` has raised a toast; what was undone so far is said below.
    } finally {
      this.undoing = false;
    }
    await this.deps.refresh().catch(() => {});
    const message =
      undone === labels.length
        ? undone === 1
          ? 'Rating undone: the previous rating is back'
          : `${undone} ratings undone: the previous ratings are back`
        : `Undid ${undone} of ${labels.length} ratings: another edit came after them`;
    this.deps.toasts.show(RATING_TOAST, 'info', message, {});
  }
}
