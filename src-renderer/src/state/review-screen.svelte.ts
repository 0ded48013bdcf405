// The Review step's state as the window wires it: the reviewer (asked for once, also by Generate's
// stars), the review session, the taste panel and the queues, over the studio's API and its jobs;
// and which tab is open. Other screens open it on a source ("Review these").
import { api, quietApi } from '../lib/api';
import { jobs } from './jobs.svelte';
import { ReviewQueues } from './queues.svelte';
import { Reviewer, ReviewSession, type ReviewSource } from './review.svelte';
import { Taste } from './taste.svelte';

export type ReviewTab = 'images' | 'taste' | 'queues';

/** Images started ahead are kept referenced until a dozen later, so none is dropped half-loaded. */
const preloading: HTMLImageElement[] = [];
function preloadImage(url: string): void {
  const img = new Image();
  img.decoding = 'async';
  img.src = url;
  preloading.push(img);
  if (preloading.length > 12) preloading.shift();
}

export class ReviewScreen {
  readonly reviewer = new Reviewer(quietApi);
  readonly session = new ReviewSession({ quietApi, reviewer: this.reviewer, preload: preloadImage });
  readonly queues = new ReviewQueues(quietApi, this.reviewer);
  readonly taste = new Taste({ quietApi, jobs, onRunChanged: (listener) => api.on('run:changed', (c) => listener(c.runId)) });
  tab = $state<ReviewTab>('images');

  /** A source asked for from another screen, opened when the view next shows. */
  private asked: ReviewSource | null = null;
  private stops: (() => void)[] = [];

  /** A project opened: a new reviewer list, a fresh session, the taste panel listening. */
  connect(): void {
    this.disconnect();
    this.tab = 'images';
    this.session.clear();
    void this.reviewer.load();
    this.stops.push(
      this.taste.connect(),
      // Another reviewer on this workstation: their own reviews, their own queue.
      this.reviewer.onRenamed(() => {
        if (this.session.loaded) void this.session.load();
        void this.queues.load();
      }),
    );
  }

  disconnect(): void {
    for (const stop of this.stops) stop();
    this.stops = [];
  }

  /** The view opened: the first time, ask who is reviewing; take a snapshot unless a session is under way. */
  enter(): void {
    void this.reviewer.ensure();
    const asked = this.asked;
    this.asked = null;
    if (asked) void this.session.open(asked);
    else if (!this.session.loaded || this.session.total === 0) void this.session.load();
    void this.queues.load();
    if (this.tab === 'taste') this.taste.enter();
  }

  leave(): void {
    this.taste.leave();
  }

  show(tab: ReviewTab): void {
    if (tab === this.tab) return;
    if (this.tab === 'taste') this.taste.leave();
    this.tab = tab;
    if (tab === 'taste') this.taste.enter();
    if (tab === 'queues') void this.queues.load();
  }

  /** Open Review on a source (Generate's "Review these", a queue): the caller then goes to the step. */
  openOn(source: ReviewSource): void {
    this.tab = 'images';
    this.asked = source;
  }
}

export const review = new ReviewScreen();
