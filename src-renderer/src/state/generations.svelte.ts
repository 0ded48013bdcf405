// The Generate screen's state: the gallery of generated images (newest first,
// loaded a page at a time) and the generation job in progress.
import type { GenerationT, JobFinishedT } from '../../../src-preload/contract';
import { api } from '../lib/api';
import { jobs } from './jobs.svelte';
import { studio } from './studio.svelte';

const PAGE = 120;

export class Generations {
  items = $state.raw<GenerationT[]>([]);
  total = $state(0);
  loading = $state(false);
  starting = $state(false);
  count = $state(16);
  /** Empty means a fresh random seed each time. */
  seed = $state<number | null>(null);
  result = $state<JobFinishedT | null>(null);
  /** Images made by the last job, highlighted in the gallery. */
  fresh = $state.raw<ReadonlySet<number>>(new Set());
  private stop: (() => void)[] = [];

  live = $derived(jobs.running('generate'));
  hasMore = $derived(this.items.length < this.total);

  connect(): void {
    this.disconnect();
    this.items = [];
    this.total = 0;
    this.result = null;
    this.fresh = new Set();
    this.stop.push(
      jobs.onFinished((f) => {
        if (f.kind === 'train') {
          void studio.refresh(); // A finished run may have written the first checkpoint.
          return;
        }
        this.result = f;
        this.fresh = new Set(f.generationIds ?? []);
        void this.reload();
        void studio.refresh();
      }),
    );
    void this.reload();
  }

  disconnect(): void {
    for (const stop of this.stop) stop();
    this.stop = [];
  }

  async reload(): Promise<void> {
    this.loading = true;
    try {
      const page = await api.generations.list({ offset: 0, limit: Math.max(PAGE, this.items.length) });
      this.items = page.items;
      this.total = page.total;
    } finally {
      this.loading = false;
    }
  }

  async more(): Promise<void> {
    if (this.loading || !this.hasMore) return;
    this.loading = true;
    try {
      const page = await api.generations.list({ offset: this.items.length, limit: PAGE });
      this.items = [...this.items, ...page.items];
      this.total = page.total;
    } finally {
      this.loading = false;
    }
  }

  async start(): Promise<void> {
    this.starting = true;
    this.result = null;
    try {
      const input = this.seed === null ? { count: this.count } : { count: this.count, seed: this.seed };
      const { jobId } = await api.generate.start(input);
      jobs.started(jobId, 'generate', null, this.count);
    } finally {
      this.starting = false;
    }
  }

  async cancel(): Promise<void> {
    const job = this.live;
    if (job) await api.jobs.cancel({ jobId: job.jobId });
  }
}

export const generations = new Generations();
