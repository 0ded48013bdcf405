// What the Review view and the gallery say about reviews: stars as a person reads them, the
// team's mean, a prediction (never dressed as a rating), reject reasons by key, and how one
// change applies to a review and is undone. Pure, so it is unit-tested.
import { REJECT_LABELS, REJECT_REASONS, type GenerationT, type MyReviewT, type RejectReasonT, type ReviewChangeT } from '../../../src-preload/contract';

export { REJECT_LABELS, REJECT_REASONS };

export const emptyReview: MyReviewT = { stars: 0, favourite: false, reject: null, comment: '' };

/** A mean of stars with at most one decimal: 4 → "4", 3.5 → "3.5", 3.333 → "3.3". */
export function formatStars(stars: number): string {
  return String(Math.round(stars * 10) / 10);
}

/** The team's mean and how many rated, as a tile shows it: "★3.5 ·2"; '' when nobody has. */
export function teamWords(g: Pick<GenerationT, 'rating' | 'ratings'>): string {
  return g.ratings > 0 && g.rating > 0 ? `★${formatStars(g.rating)} ·${g.ratings}` : '';
}

/** The same in a sentence: "3.5 stars from 2 reviewers". */
export function teamSentence(g: Pick<GenerationT, 'rating' | 'ratings'>): string {
  if (g.ratings === 0 || g.rating === 0) return 'No stars from anyone yet';
  const stars = formatStars(g.rating);
  return `${stars} ${stars === '1' ? 'star' : 'stars'} from ${g.ratings} ${g.ratings === 1 ? 'reviewer' : 'reviewers'}`;
}

/** A prediction, worded so it cannot pass for a rating: "≈4.1 predicted". */
export function predictedWords(predicted: number): string {
  return `≈${predicted.toFixed(1)} predicted`;
}

/** Keys 1–5 while choosing why an image is rejected. */
export function rejectByKey(key: string): RejectReasonT | null {
  const n = Number(key);
  return Number.isInteger(n) && n >= 1 && n <= REJECT_REASONS.length ? REJECT_REASONS[n - 1]! : null;
}

export function rejectKey(reason: RejectReasonT): number {
  return REJECT_REASONS.indexOf(reason) + 1;
}

/** The change that puts back what `change` replaced: the old values of the fields it touched. */
export function undoChange(before: MyReviewT | null, change: ReviewChangeT): ReviewChangeT {
  const old = before ?? emptyReview;
  const back: ReviewChangeT = {};
  if (change.stars !== undefined) back.stars = old.stars;
  if (change.favourite !== undefined) back.favourite = old.favourite;
  if (change.reject !== undefined) back.reject = old.reject;
  if (change.comment !== undefined) back.comment = old.comment;
  return back;
}

/** A review in a few words: "4★ · favourite · rejected: Artefacts · “too dark”". */
export function reviewWords(r: Pick<MyReviewT, 'stars' | 'favourite' | 'reject' | 'comment'>): string {
  const parts: string[] = [];
  if (r.stars > 0) parts.push(`${r.stars}★`);
  if (r.favourite) parts.push('favourite');
  if (r.reject) parts.push(`rejected: ${REJECT_LABELS[r.reject]}`);
  if (r.comment.trim()) parts.push(`“${r.comment.trim()}”`);
  return parts.join(' · ') || 'nothing yet';
}

/** What a change did, for the undo hint: "4 stars", "favourite", "reject (Boring)", "comment". */
export function changeWords(change: ReviewChangeT): string {
  if (change.stars !== undefined) return change.stars === 0 ? 'cleared stars' : `${change.stars} ${change.stars === 1 ? 'star' : 'stars'}`;
  if (change.favourite !== undefined) return change.favourite ? 'favourite' : 'not a favourite';
  if (change.reject !== undefined) return change.reject ? `reject (${REJECT_LABELS[change.reject]})` : 'reject taken back';
  if (change.comment !== undefined) return change.comment ? 'comment' : 'comment removed';
  return 'change';
}
