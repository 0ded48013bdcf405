// What a run's length means to a person, in one place for the Train view and Generate: how far
// a checkpoint is from the default recipe's recognisable samples (until it has a score), what a
// time budget will give, and this workstation's estimate in words. The step marks come from the
// 12-minute recipe trials (docs/training-recipe.md), declared in the contract.
import { RECOGNISABLE_STEPS, SHAPES_STEPS, type RunEstimateT } from '../../../src-preload/contract';
import { formatCount } from './format';

/** True when a checkpoint is short of the steps at which the recipe's samples became recognisable. */
export const isEarly = (step: number): boolean => step < RECOGNISABLE_STEPS;

/**
 * A plain sentence for a checkpoint without a score: how early it is, or null when it has reached
 * the recipe's recognisable mark. Where the evaluation has scored it, show the score instead.
 */
export function earlyCheckpointSentence(step: number): string | null {
  if (!isEarly(step)) return null;
  const of = `Step ${formatCount(step)} of a recommended ≈${formatCount(RECOGNISABLE_STEPS)}`;
  return step < SHAPES_STEPS
    ? `${of}: expect colour blobs; shapes appear around step ${formatCount(SHAPES_STEPS)}.`
    : `${of}: shapes in the right colours; recognisable kinds around step ${formatCount(RECOGNISABLE_STEPS)}.`;
}

/** A short tag for a checkpoint in a picker: "early" until the recipe's recognisable mark. */
export function earlyTag(step: number): string {
  return step < SHAPES_STEPS ? 'early: colour blobs' : isEarly(step) ? 'early: rough shapes' : '';
}

/** What a run of this many steps should show, on the default recipe. */
export function expectation(steps: number): string {
  if (steps < SHAPES_STEPS) return 'colour blobs: enough to see that training works';
  if (steps < RECOGNISABLE_STEPS) return 'shapes in the right colours, a few recognisable';
  return steps < RECOGNISABLE_STEPS * 3
    ? 'recognisable kinds of image (on the starter set: flags, faces, people)'
    : 'the recipe’s best: more detail and fewer odd cells';
}

/** "≈3 min" / "≈1 h 10 min" for an estimate in minutes. */
export function aboutMinutes(minutes: number): string {
  if (minutes < 1) return `≈${Math.max(1, Math.round(minutes * 60))} s`;
  if (minutes < 60) return `≈${Math.round(minutes)} min`;
  const h = Math.floor(minutes / 60);
  const m = Math.round(minutes - h * 60);
  return `≈${h} h${m > 0 ? ` ${m} min` : ''}`;
}

/** Where the speed came from, for the line under an estimate. */
export function speedSource(e: RunEstimateT): string {
  if (e.imgPerSec === null) return '';
  const rate = `${formatCount(Math.round(e.imgPerSec))} img/s`;
  return e.source === 'run' ? `${rate}, measured by an earlier run here` : `${rate}, timed on this machine`;
}

/**
 * What a finished run says about its last checkpoint: generate with it, or, while it is early (the
 * line above it says how early), how to go on.
 */
export function doneSentence(step: number): string {
  return isEarly(step)
    ? 'Done and saved, but early: fine-tune from this checkpoint to train on, or try it in Generate.'
    : 'Done. Its last checkpoint is saved: generate images with it in Generate.';
}
