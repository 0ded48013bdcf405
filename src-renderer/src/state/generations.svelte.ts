// The Generate screen's state, composed of three managers: the prompt bar (prompt.svelte.ts:
// what can draw, the prompt and its parse, the fields, the library, Generate), the results
// (results.svelte.ts: the batches just made and the tab) and the open image (detail.svelte.ts:
// its provenance and what can be made from it), with the gallery (gallery.svelte.ts). This file
// wires them to the studio's API, its jobs and the header, and follows the screen opening and
// closing.
import type { GenerationT } from '../../../src-preload/contract';
import { api, quietApi } from '../lib/api';
import { Detail } from './detail.svelte';
import { Gallery } from './gallery.svelte';
import { GenerationBin } from './generation-bin.svelte';
import { jobs } from './jobs.svelte';
import { Prompt } from './prompt.svelte';
import { promptResult, Results, type ResultsMemory } from './results.svelte';
import { review } from './review-screen.svelte';
import { studio } from './studio.svelte';

export type { Completions, HistoryEntry, Parsed, Template } from './prompt.svelte';
export type { AnimationFormat, Result, ResultKind } from './results.svelte';
export type { Action, Exported, Regenerated } from './detail.svelte';

export class Generations {
  readonly gallery = new Gallery();
  readonly results = new Results({
    quietApi,
    gallery: this.gallery,
    // The header counts every image made; it can wait until the new images have had the connections.
    onMade: () => setTimeout(() => void studio.refresh().catch(() => {}), 1000),
    memory: () => resultsMemory(studio.project?.dir),
  });
  readonly prompt = new Prompt({ api, quietApi, onBatch: (batch) => this.results.push(promptResult(batch)) });
  readonly detail = new Detail({ quietApi, results: this.results, jobs, ensureReviewer: () => review.reviewer.ensure() });
  readonly bin = new GenerationBin({ quietApi, onchange: (ids, binned) => this.binChanged(ids, binned) });

  private stop: (() => void)[] = [];

  constructor() {
    this.results.onShown = (r, how) => this.detail.follow(r, how);
  }
  private onScreen = false;

  connect(): void {
    this.disconnect();
    this.prompt.reset();
    this.results.reset();
    this.detail.close();
    this.gallery.reset();
    this.bin.reset();
    void this.results.restore();
    this.stop.push(
      this.detail.connect(),
      // A new checkpoint can be drawn with at once, if the screen is open (else when it opens).
      jobs.onFinished((f) => {
        if (f.kind === 'train' && this.onScreen) void this.prompt.loadOptions();
      }),
      api.on('run:changed', (c) => {
        if (c.reason === 'checkpoint' && this.onScreen) void this.prompt.loadOptions();
      }),
    );
    if (this.onScreen) this.enter();
  }

  /** The screen opened: refresh what can draw (warming the generator) and the prompt library. */
  enter(): void {
    this.onScreen = true;
    // Images may have been made or reviewed elsewhere (Review, a feedback round, the API): the gallery catches up.
    this.gallery.invalidate(this.results.tab === 'gallery');
    void this.prompt.loadOptions();
    void this.bin.load();
    void this.prompt.loadLibrary().catch(() => {}); // `api` has raised a toast.
  }

  /**
   * Deletes an image to the bin; a gallery tile standing for a whole walk or interpolation (collapsed)
   * takes its batch along, so the tile goes rather than the next frame taking its place.
   */
  async binTile(item: GenerationT): Promise<void> {
    let ids = [item.id];
    if (item.group && item.group > 1 && this.gallery.filter.batch === null) {
      try {
        ids = (await quietApi.generations.ids({ batchId: item.batchId, sort: 'oldest' })).ids;
      } catch {
        // The batch's ids could not be read: the one image still goes.
      }
    }
    await this.bin.bin(ids);
  }

  /** Images went into the bin or came out: the results, the gallery, the pane and the header follow. */
  private binChanged(ids: number[], binned: boolean): void {
    const set = new Set(ids);
    if (binned) this.results.removed(set);
    else this.results.returned(set);
    this.gallery.clearSelection();
    this.gallery.refresh();
    if (this.detail.open && set.has(this.detail.open.id)) this.detail.close();
    void studio.refresh().catch(() => {});
  }

  leave(): void {
    this.onScreen = false;
  }

  /** A checkpoint was published or withdrawn (Evaluate): the model picker starts on the new default. */
  defaultChanged(): void {
    this.prompt.checkpointId = null;
    if (this.onScreen) void this.prompt.loadOptions();
  }

  disconnect(): void {
    for (const stop of this.stop) stop();
    this.stop = [];
    this.prompt.parseSoon.cancel();
  }
}

/** The results of a project kept in this tab's sessionStorage: a reload shows them again. */
function resultsMemory(dir: string | undefined): ResultsMemory | null {
  if (!dir || typeof sessionStorage === 'undefined') return null;
  const key = `atelier.generate.results:${dir}`;
  return { load: () => sessionStorage.getItem(key), save: (text) => sessionStorage.setItem(key, text) };
}

export const generations = new Generations();
