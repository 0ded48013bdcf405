// A feedback round's plan: which checkpoint it fine-tunes, with which settings (the parent run's,
// for fewer steps), and which rated images it uses — liked ones joined to the real images with a
// sampling weight, disliked ones shown to the discriminator as extra fakes (docs/feedback.md says
// why, from the experiment in bench/feedback.ts). The ratings are taken as they stand now and
// recorded with the round.
import type { OpParsedInput, TrainSettingsT } from '../../src-preload/contract';
import { TrainSettings } from '../../src-preload/contract';
import { AtelierError } from '../errors';
import type { Project } from '../store/project';
import type { RoundRating } from '../store/reviews';
import type { RoundFeedback } from '../training/queue';

/** A liked image scores at least this (mean stars; a favourite counts as liked whatever its stars). */
const LIKED = 4;
/** A disliked image scores at most this (a reject counts as 1). */
const DISLIKED = 2;
/** Rated images (liked or disliked) a round needs at least. */
const MIN_ROUND_RATINGS = 4;
/** The share of each batch's real images that are liked generations. */
const LIKED_SHARE = 0.25;
/** Disliked images shown to D per batch, as a share of the batch's fakes. */
const NEGATIVE_SHARE = 0.25;
/** Steps of a round when not told (a fine-tune, not a new run). */
const ROUND_STEPS = 300;
/** Fine-tuning learning rates are the parent's times this. */
const ROUND_LR_SCALE = 0.5;

export interface RoundPlan {
  fromCheckpointId: number;
  settings: TrainSettingsT;
  feedback: RoundFeedback;
  liked: RoundRating[];
  disliked: RoundRating[];
  ratings: RoundRating[];
  method: Record<string, number | string | boolean>;
}

/** Settings of the parent run a fine-tune keeps (the model, its optimisation and data handling). */
const KEPT = ['model', 'size', 'preset', 'batchSize', 'seed', 'lrG', 'lrD', 'loss', 'upsample', 'dNorm', 'r1', 'ema', 'diffAugment', 'augment'] as const;

export function roundData(p: Project, input: OpParsedInput<'feedback:start'>): RoundPlan {
  const fromCheckpointId = input.fromCheckpointId ?? defaultCheckpoint(p);
  const checkpoint = p.runs.checkpoint(fromCheckpointId);
  if (!checkpoint) throw new AtelierError('not-found', `There is no checkpoint ${fromCheckpointId} in this project.`);
  const parent = p.runs.get(checkpoint.runId);
  if (!parent) throw new AtelierError('not-found', `The run of checkpoint ${fromCheckpointId} is no longer in this project.`);
  if (parent.model === 'vae') {
    throw new AtelierError(
      'incompatible-checkpoint',
      `Checkpoint ${fromCheckpointId} is a VAE; feedback rounds fine-tune GANs (they show disliked images to the discriminator).`,
    );
  }

  // Generated images of the same size (post-processed ones are other pictures of the same drawing).
  const rated = p.reviews.rated().filter((r) => r.kind === 'generation');
  const drawn = new Map(p.generations.byIds(rated.map((r) => r.id)).map((g) => [g.id, g]));
  const usable = rated.filter((r) => {
    const g = drawn.get(r.id);
    return g && g.size === parent.size && g.origin !== 'postprocess';
  });
  const summary = new Map(usable.map((r) => [r.id, drawn.get(r.id)!]));
  const liked: RoundRating[] = [];
  const disliked: RoundRating[] = [];
  for (const r of usable) {
    const g = summary.get(r.id)!;
    const favourite = g.favourites > 0 && g.rejects === 0;
    if (r.score >= LIKED || favourite) {
      // 4★ counts once, 5★ twice; a favourite once more.
      liked.push({ generationId: r.id, role: 'liked', score: r.score, weight: Math.max(1, r.score - 3) + (favourite ? 1 : 0), reviewers: r.reviewers });
    } else if (r.score <= DISLIKED) {
      disliked.push({ generationId: r.id, role: 'disliked', score: r.score, weight: 1, reviewers: r.reviewers });
    }
  }
  if (liked.length + disliked.length < MIN_ROUND_RATINGS) {
    throw new AtelierError(
      'too-few-ratings',
      `A feedback round needs at least ${MIN_ROUND_RATINGS} rated ${parent.size}px images that were liked (${LIKED}★ or more, or a favourite) or disliked (${DISLIKED}★ or less, or rejected); this project has ${liked.length + disliked.length}. Review some in Review first.`,
    );
  }

  const stored = parent.settings;
  const kept: Record<string, unknown> = {};
  for (const key of KEPT) if (stored[key] !== undefined) kept[key] = stored[key];
  const steps = input.steps ?? ROUND_STEPS;
  const settings = TrainSettings.parse({
    ...kept,
    name: `Feedback round on ${parent.name}, step ${checkpoint.step.toLocaleString('en')}`,
    steps,
    fromCheckpointId,
    lrScale: ROUND_LR_SCALE,
    // Liked images are drawn by sampling weight; class balancing would weigh them again.
    balance: 'none',
    checkpointEvery: steps,
    sampleEvery: Math.max(1, Math.round(steps / 10)),
  });
  const feedback: RoundFeedback = {
    liked: liked.map((l) => ({ generationId: l.generationId, weight: l.weight })),
    disliked: disliked.map((d) => d.generationId),
    likedShare: liked.length ? LIKED_SHARE : 0,
    negativeShare: disliked.length ? NEGATIVE_SHARE : 0,
  };
  return {
    fromCheckpointId,
    settings,
    feedback,
    liked,
    disliked,
    ratings: [...liked, ...disliked],
    method: {
      likedShare: feedback.likedShare,
      negativeShare: feedback.negativeShare,
      steps,
      lrScale: ROUND_LR_SCALE,
      liked: LIKED,
      disliked: DISLIKED,
      ...(input.samples !== undefined ? { samples: input.samples } : {}),
    },
  };
}

/** The published checkpoint, else the newest checkpoint of the newest finished GAN run. */
function defaultCheckpoint(p: Project): number {
  const published = p.evaluations.published();
  if (published !== null) return published;
  // Newest first.
  const run = p.runs.list().find((r) => r.status === 'done' && r.model !== 'vae');
  const latest = run ? p.runs.latestCheckpoint(run.id) : null;
  if (!latest) throw new AtelierError('no-checkpoint', 'There is no trained GAN to fine-tune yet. Train one in Train first.');
  return latest.id;
}
