// Review and feedback: a team's reviews of generated images (who said what, when), review
// queues, the preference model that learns the team's taste, and feedback rounds.
import { z } from 'zod';
import { count, id } from './common';

/** How a workstation's reviewer is known: trimmed, 1–60 characters, no control characters. */
export const reviewerName = z
  .string()
  .trim()
  .min(1, 'a reviewer name needs at least one character')
  .max(60, 'a reviewer name is at most 60 characters')
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'a reviewer name has no control characters');

/** Why an image was rejected; the Review view picks one by key. */
export const RejectReason = z.enum(['artefacts', 'off-prompt', 'copy', 'boring', 'other']);
export const REJECT_REASONS = RejectReason.options;
/** What each reason means, as the Review view and the CLI say it. */
export const REJECT_LABELS: Record<z.output<typeof RejectReason>, string> = {
  artefacts: 'Artefacts',
  'off-prompt': 'Off-prompt',
  copy: 'Copy of a training image',
  boring: 'Boring',
  other: 'Other',
};

export const reviewComment = z.string().max(2000, 'a comment is at most 2,000 characters');

/** One reviewer's review of one image. */
export const Review = z.object({
  generationId: id,
  reviewer: z.string(),
  /** 0 = no stars given. */
  stars: z.number().int().min(0).max(5),
  favourite: z.boolean(),
  reject: RejectReason.nullable(),
  comment: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** The workstation reviewer's own review, as the gallery and Review view show it. */
export const MyReview = Review.pick({ stars: true, favourite: true, reject: true, comment: true });

/** What one press changes in a review; fields left out keep their value. */
export const reviewChange = z
  .object({
    stars: z.number().int().min(0, 'stars are 0 (none) to 5').max(5, 'stars are 0 (none) to 5').optional(),
    favourite: z.boolean().optional(),
    reject: RejectReason.nullable().optional(),
    comment: reviewComment.optional(),
  })
  .strict();

/**
 * One change applied to a review, the one rule the engine stores and the page shows at once:
 * fields the change leaves out keep their value, and a review left with nothing in it (no stars,
 * not a favourite, no reject reason, a blank comment) is no review at all (null).
 */
export function applyReviewChange(mine: z.output<typeof MyReview> | null, change: z.output<typeof reviewChange>): z.output<typeof MyReview> | null {
  const next = {
    stars: change.stars ?? mine?.stars ?? 0,
    favourite: change.favourite ?? mine?.favourite ?? false,
    reject: change.reject !== undefined ? change.reject : (mine?.reject ?? null),
    comment: change.comment ?? mine?.comment ?? '',
  };
  return next.stars === 0 && !next.favourite && next.reject === null && next.comment.trim() === '' ? null : next;
}

/** A batch sent to a named reviewer: pending until they have reviewed every image in it. */
export const ReviewQueue = z.object({
  id,
  batchId: count,
  reviewer: z.string(),
  sentBy: z.string(),
  createdAt: z.string(),
  images: count,
  reviewed: count,
  pending: z.boolean(),
  /** The batch's prompt (its first image's) and when it was drawn, to recognise it. */
  prompt: z.string(),
  drawnAt: z.string(),
});

/** The preference model as it stands: what it learnt from and how well it predicts ratings it did not see. */
export const PreferenceModel = z.object({
  id,
  createdAt: z.string(),
  /** Rated images it learnt from, and from how many reviewers. */
  ratings: count,
  reviewers: count,
  /** Held-out (k-fold) rank correlation between predicted and real ratings; null with too few ratings. */
  spearman: z.number().nullable(),
  /** Mean absolute error in stars on held-out ratings, and of always guessing the mean. */
  mae: z.number().nullable(),
  baselineMae: z.number().nullable(),
  /** True when it predicts held-out ratings clearly better than guessing. */
  trusted: z.boolean(),
  /** One plain sentence: how far to trust it and why. */
  verdict: z.string(),
  seconds: z.number(),
});

export const PreferenceStatus = z.object({
  model: PreferenceModel.nullable(),
  /** Rated images in the project now (generated and dataset), and how many a model needs at least. */
  rated: count,
  needed: count,
  /** Rated images the current model has not learnt from yet. */
  newSinceModel: count,
  /** Generated images with a prediction, of all of them. */
  predicted: count,
  generations: count,
});

/** One side of a feedback round's comparison: the same seeds and prompts drawn from a checkpoint. */
export const RoundSide = z.object({
  checkpointId: id,
  step: count,
  /** The drawn images (a batch in the gallery), in seed order. */
  generationIds: z.array(id),
  /** The preference model's mean predicted stars over the drawn images. */
  predicted: z.number().nullable(),
  /** Atelier KID against the val split (lower is closer), with its standard error. */
  kid: z.number().nullable(),
  kidStderr: z.number().nullable(),
  collapse: z.boolean(),
});

export const FeedbackRound = z.object({
  runId: id,
  runName: z.string(),
  status: z.string(),
  fromCheckpointId: id,
  createdAt: z.string(),
  /** Ratings used: liked images joined to the real set, disliked ones shown to D as fakes. */
  liked: count,
  disliked: count,
  reviewers: z.array(z.string()),
  method: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  before: RoundSide.nullable(),
  after: RoundSide.nullable(),
  /** 'worse' when KID got much worse, or the collapse alarm fired after the round and not before, whatever the taste says. */
  verdict: z.enum(['better', 'no clear change', 'worse']).nullable(),
  /** Why the verdict is what it is, in one sentence. */
  reason: z.string(),
  /** The comparison is being drawn and scored now. */
  comparing: z.boolean(),
  /** The comparison has ended: drawn and judged, or failed (the reason says why). */
  compared: z.boolean(),
});

export type ReviewT = z.output<typeof Review>;
export type MyReviewT = z.output<typeof MyReview>;
export type ReviewChangeT = z.output<typeof reviewChange>;
export type RejectReasonT = z.output<typeof RejectReason>;
export type ReviewQueueT = z.output<typeof ReviewQueue>;
export type PreferenceModelT = z.output<typeof PreferenceModel>;
export type PreferenceStatusT = z.output<typeof PreferenceStatus>;
export type FeedbackRoundT = z.output<typeof FeedbackRound>;
export type RoundSideT = z.output<typeof RoundSide>;
