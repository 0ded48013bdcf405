// The Generate gallery's filter and sort, as the person sets them and as `generations:list`
// takes them. Days are the person's local calendar days; the engine compares ISO instants.
// Pure, so it is unit-tested.
import type { OpInput } from '../../../src-preload/contract';

type ListInput = OpInput<'generations:list'>;
export type GallerySort = NonNullable<ListInput['sort']>;
export type Origin = NonNullable<ListInput['origin']>;

/** Which model made it: every checkpoint of a run, or one checkpoint. */
export type ModelFilter = { runId: number } | { checkpointId: number } | null;

export interface GalleryFilter {
  /** Words that must all appear in the prompt. */
  text: string;
  tag: string | null;
  model: ModelFilter;
  seed: number | null;
  origin: Origin | null;
  /** 0 = any rating, else at least this mean of stars. */
  minRating: number;
  /** Only images this workstation's reviewer has not reviewed. */
  notReviewedByMe: boolean;
  /** Only images someone marked favourite. */
  favourites: boolean;
  /** `YYYY-MM-DD`, inclusive, in local time. */
  from: string | null;
  /** `YYYY-MM-DD`, inclusive (the whole day), in local time. */
  to: string | null;
  sort: GallerySort;
  /** The bin's images instead of the gallery's (a view of its own, not a narrowing filter). */
  bin: boolean;
  /** One batch's images (a walk or interpolation expanded from its tile). */
  batch: number | null;
  /** Walks and interpolations as one tile each (unless a batch is shown, or the bin). */
  grouped: boolean;
}

export const noGalleryFilter: GalleryFilter = {
  text: '',
  tag: null,
  model: null,
  seed: null,
  origin: null,
  minRating: 0,
  notReviewedByMe: false,
  favourites: false,
  from: null,
  to: null,
  sort: 'newest',
  bin: false,
  batch: null,
  grouped: true,
};

export const originLabels: Record<Origin, string> = {
  prompt: 'Prompt',
  variation: 'Variation',
  interpolation: 'Interpolation',
  walk: 'Latent walk',
  postprocess: 'Post-processed',
};

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The instant a local calendar day starts (`days` later), as the ISO string the store compares with; null for a malformed day. */
export function dayStart(day: string, days = 0): string | null {
  const m = DAY.exec(day);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The filter fields of `generations:list`, leaving out what does not narrow it. */
export function galleryInput(f: GalleryFilter): Omit<ListInput, 'offset' | 'limit'> {
  const input: Omit<ListInput, 'offset' | 'limit'> = { sort: f.sort };
  const text = f.text.trim();
  if (text) input.text = text.slice(0, 200);
  if (f.tag !== null) input.tag = f.tag;
  if (f.model && 'runId' in f.model) input.runId = f.model.runId;
  if (f.model && 'checkpointId' in f.model) input.checkpointId = f.model.checkpointId;
  if (f.seed !== null) input.seed = f.seed;
  if (f.origin !== null) input.origin = f.origin;
  if (f.minRating > 0) input.minRating = f.minRating;
  if (f.notReviewedByMe) input.notReviewedByMe = true;
  if (f.favourites) input.favourites = true;
  const from = f.from ? dayStart(f.from) : null;
  const to = f.to ? dayStart(f.to, 1) : null;
  if (from) input.from = from;
  if (to) input.to = to;
  if (f.bin) input.bin = true;
  if (f.batch !== null) input.batchId = f.batch;
  else if (f.grouped && !f.bin) input.grouped = true;
  return input;
}

/** True when something other than the sort order narrows the gallery. */
export function isGalleryFiltered(f: GalleryFilter): boolean {
  return Object.keys(galleryInput(f)).some((k) => !['sort', 'bin', 'grouped'].includes(k));
}

/** `ModelFilter` as a <select> value (`run:3`, `ck:12`, '') and back. */
export function modelKey(m: ModelFilter): string {
  if (!m) return '';
  return 'runId' in m ? `run:${m.runId}` : `ck:${m.checkpointId}`;
}

export function parseModelKey(key: string): ModelFilter {
  const m = /^(run|ck):(\d+)$/.exec(key);
  if (!m) return null;
  return m[1] === 'run' ? { runId: Number(m[2]) } : { checkpointId: Number(m[2]) };
}

/** “prompt has “red fox” · tagged “fox” · run 3 · seed 42 · variations · 4+ stars · from 2 May”: what narrows the count, in words. */
export function describeGalleryFilter(f: GalleryFilter, modelName: (m: NonNullable<ModelFilter>) => string = defaultModelName): string {
  const parts: string[] = [];
  const text = f.text.trim();
  if (text) parts.push(`prompt has “${text}”`);
  if (f.tag !== null) parts.push(`tagged “${f.tag}”`);
  if (f.model) parts.push(modelName(f.model));
  if (f.batch !== null) parts.push(`batch #${f.batch}`);
  if (f.seed !== null) parts.push(`seed ${f.seed}`);
  if (f.origin !== null) parts.push(originLabels[f.origin].toLowerCase());
  if (f.minRating > 0) parts.push(f.minRating === 5 ? 'rated 5 stars' : f.minRating === 1 ? 'rated' : `rated ${f.minRating}+ stars`);
  if (f.notReviewedByMe) parts.push('not reviewed by you');
  if (f.favourites) parts.push('favourites');
  if (f.from && f.to) parts.push(f.from === f.to ? `on ${f.from}` : `${f.from} to ${f.to}`);
  else if (f.from) parts.push(`from ${f.from}`);
  else if (f.to) parts.push(`until ${f.to}`);
  return parts.join(' · ');
}

function defaultModelName(m: NonNullable<ModelFilter>): string {
  return 'runId' in m ? `run ${m.runId}` : `checkpoint ${m.checkpointId}`;
}

/** A seed typed in a filter field: a whole number, or null for empty / not a number. */
export function parseSeed(text: string): number | null {
  const t = text.trim();
  return /^\d+$/.test(t) && Number(t) <= 2 ** 31 - 1 ? Number(t) : null;
}
