// Review queues: batches sent to named reviewers, pending for each until they have reviewed every
// image in it. What waits for this workstation's reviewer, everything sent, and sending a batch.
import type { Api } from '../../../src-preload/api';
import { reviewerName, type ReviewQueueT } from '../../../src-preload/contract';
import { errorMessage } from '../lib/errors';
import type { Reviewer } from './review.svelte';

/** Names typed in a field, split at commas, trimmed, each once (case-insensitively). */
export function parseNames(text: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of text.split(',')) {
    const name = raw.trim();
    if (!name || seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    out.push(name);
  }
  return out;
}

export class ReviewQueues {
  /** Batches waiting for me, newest first. */
  mine = $state.raw<ReviewQueueT[]>([]);
  /** Every batch sent for review, newest first. */
  all = $state.raw<ReviewQueueT[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  sending = $state(false);
  sendError = $state<string | null>(null);
  /** What the last send made (one queue per reviewer). */
  sent = $state.raw<ReviewQueueT[] | null>(null);

  private readonly quietApi: Api;
  private readonly reviewer: Reviewer;

  constructor(quietApi: Api, reviewer: Reviewer) {
    this.quietApi = quietApi;
    this.reviewer = reviewer;
  }

  async load(): Promise<void> {
    const me = this.reviewer.name;
    try {
      const [all, mine] = await Promise.all([
        this.quietApi.reviews.queues({}),
        me ? this.quietApi.reviews.queues({ reviewer: me, pendingOnly: true }) : Promise.resolve({ queues: [] }),
      ]);
      this.all = all.queues;
      this.mine = mine.queues;
      this.error = null;
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      this.loaded = true;
    }
  }

  /** Send a batch to reviewers by name; false (with the reason in `sendError`) when it did not go. */
  async send(batchId: number, names: readonly string[]): Promise<boolean> {
    this.sendError = null;
    this.sent = null;
    if (names.length === 0) {
      this.sendError = 'Choose or type at least one reviewer.';
      return false;
    }
    for (const name of names) {
      const ok = reviewerName.safeParse(name);
      if (!ok.success) {
        this.sendError = `“${name}”: ${ok.error.issues[0]?.message ?? 'not a reviewer name'}.`;
        return false;
      }
    }
    this.sending = true;
    try {
      const { queues } = await this.quietApi.reviews.queue({ batchId, reviewers: [...names] });
      this.sent = queues.filter((q) => names.includes(q.reviewer));
      this.reviewer.learn(names);
      void this.load();
      return true;
    } catch (e) {
      this.sendError = errorMessage(e);
      return false;
    } finally {
      this.sending = false;
    }
  }

  clearSent(): void {
    this.sent = null;
    this.sendError = null;
  }
}
