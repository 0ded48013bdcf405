// The default recipe: what a run's settings become (the Train view, `atelier train` and
// bench/recipe.ts all go through configFromSettings).
import { describe, expect, it } from 'vitest';
import { TrainSettings } from '../../../src-preload/contract';
import { configFromSettings, DEFAULT_MINUTES, FULL_DIFF_AUGMENT, recipeSettings, SMALL_DATASET, TRANSLATION_DIFF_AUGMENT } from '../../../src-main/ml/recipe';
import { defaultForm, formSettings } from '../../../src-renderer/src/state/run-form';

const settings = (s: object) => TrainSettings.parse({ model: 'cgan', size: 32, preset: 'small', steps: 100, ...s });

describe('configFromSettings', () => {
  it('gives a small tagged set the conditional GAN recipe of docs/training-recipe.md', () => {
    const cfg = configFromSettings(settings({}), { classes: 109, images: 3752 });
    expect(cfg).toMatchObject({
      family: 'cgan',
      classes: 109,
      width: 32,
      loss: 'hinge',
      dNorm: 'spectral',
      gUpsample: 'resize',
      beta1: 0,
      ema: 0.999,
      lrG: 2e-4,
      lrD: 2e-4,
    });
    expect(cfg.diffAugment).toEqual(TRANSLATION_DIFF_AUGMENT);
  });

  it('augments D by shifts below 10,000 images on auto, and chooses the full policy or none when told', () => {
    const at = (diffAugment: string, images: number) => configFromSettings(settings({ diffAugment }), { classes: 4, images }).diffAugment;
    expect(at('auto', SMALL_DATASET)).toBeNull();
    expect(at('auto', SMALL_DATASET - 1)).toEqual(TRANSLATION_DIFF_AUGMENT);
    expect(at('translation', 50_000)).toEqual(TRANSLATION_DIFF_AUGMENT);
    expect(at('full', 50_000)).toEqual(FULL_DIFF_AUGMENT);
    expect(at('on', 100)).toEqual(FULL_DIFF_AUGMENT); // what 'on' meant before 'full' had a name
    expect(at('off', 100)).toBeNull();
  });

  it('never augments or averages a VAE, and keeps its own learning rate and β1', () => {
    const cfg = configFromSettings(settings({ model: 'vae', diffAugment: 'full' }), { classes: 0, images: 100 });
    expect(cfg).toMatchObject({ family: 'vae', diffAugment: null, ema: 0, beta1: 0.9, lrG: 1e-3 });
  });

  it('drops the conditioning for a DCGAN', () => {
    expect(configFromSettings(settings({ model: 'dcgan' }), { classes: 109, images: 3752 }).classes).toBe(0);
  });
});

describe('one recipe for the app and the bench', () => {
  it('is what the Train view queues when nothing is changed, for a tagged and an untagged project', () => {
    for (const tagged of [true, false]) {
      const form = { ...defaultForm(), model: tagged ? ('cgan' as const) : ('dcgan' as const) };
      // The view asks the engine for the budget's steps (runs:estimate); the recipe leaves steps to that estimate.
      const queued = TrainSettings.parse(formSettings(form, 4321));
      const ctx = { classes: tagged ? 109 : 0, images: 3002 };
      expect(configFromSettings(queued, ctx)).toEqual(configFromSettings(recipeSettings({ tagged, steps: 4321 }), ctx));
      expect(queued.minutes).toBe(DEFAULT_MINUTES);
      expect(queued.augment).toBe(recipeSettings({ tagged }).augment); // the dataset's augmentation policy, applied outside the config
    }
  });

  it('is what `atelier train --minutes 12` queues: the contract defaults with the recommended family', () => {
    // The CLI passes only what is given and leaves the rest to the contract's defaults, as bench/recipe.ts does.
    expect(TrainSettings.parse({ model: 'cgan', steps: 4321, minutes: 12 })).toEqual(recipeSettings({ tagged: true, steps: 4321 }));
  });
});
