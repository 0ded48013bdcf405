import { describe, expect, it } from 'vitest';
import { TrainSettings } from '../../../src-preload/contract';
import { defaultForm, estimateInput, formProblems, formSettings, sweepSize, type RunForm } from './run-form';

const form = (patch: Partial<RunForm> = {}): RunForm => ({ ...defaultForm(), ...patch });
/** A run set by steps (Advanced) rather than by a time budget. */
const bySteps = (patch: Partial<RunForm> = {}): RunForm => form({ budget: null, ...patch });

describe('formProblems', () => {
  it('the default form can be queued, and the contract takes what it makes', () => {
    expect(formProblems(form())).toEqual([]);
    expect(TrainSettings.safeParse(formSettings(form())).success).toBe(true);
  });

  it('out-of-range fields are worded with the contract’s bounds', () => {
    expect(formProblems(bySteps({ steps: 0 }))).toEqual(['Steps: a whole number from 1 to 1,000,000.']);
    expect(formProblems(bySteps({ steps: 1_000_001 }))).toEqual(['Steps: a whole number from 1 to 1,000,000.']);
    expect(formProblems(bySteps({ steps: 2.5 }))).toEqual(['Steps: a whole number from 1 to 1,000,000.']);
    expect(formProblems(form({ batchSize: 1 }))).toEqual(['Batch size: a whole number from 2 to 512.']);
    expect(formProblems(form({ batchSize: 513 }))).toEqual(['Batch size: a whole number from 2 to 512.']);
    expect(formProblems(form({ seed: -1 }))).toEqual(['Seed: a whole number of 0 or more.']);
    expect(formProblems(form({ lrG: 0 }))).toEqual(['Learning rates: above 0 and at most 0.1, or empty for the default.']);
    expect(formProblems(form({ lrD: 0.2 }))).toEqual(['Learning rates: above 0 and at most 0.1, or empty for the default.']);
    expect(formProblems(form({ r1: 101 }))).toEqual(['R1 γ: from 0 to 100.']);
    expect(formProblems(form({ model: 'vae', beta: 11 }))).toEqual(['KL weight β: from 0 to 10.']);
    expect(formProblems(form({ sampleEvery: 0 }))).toEqual(['Intervals: whole numbers of 1 or more, or empty for automatic.']);
    expect(formProblems(form({ workers: 65 }))).toEqual(['Workers: a whole number from 1 to 64.']);
    expect(formProblems(form({ name: 'x'.repeat(81) }))).toEqual(['Name: at most 80 characters.']);
  });

  it('the bounds themselves are taken, and empty optional fields mean the default', () => {
    const edges = form({ steps: 1_000_000, batchSize: 512, seed: 0, lrG: 0.1, lrD: null, r1: 100, workers: 64, checkpointEvery: null, sampleEvery: 1 });
    expect(formProblems(edges)).toEqual([]);
    expect(formProblems(bySteps({ steps: null }))).toEqual(['Steps: a whole number from 1 to 1,000,000.']); // Steps has no default.
  });

  it('checks what only makes sense together', () => {
    expect(formProblems(form({ r1: 1, dNorm: 'batch' }))).toEqual(['R1 needs a discriminator without BatchNorm: choose spectral norm or none.']);
    expect(formProblems(form({ model: 'vae', r1: 1, dNorm: 'batch' }))).toEqual([]); // A VAE has no discriminator.
    // Opening the fine-tuning panel does not block Add to queue: without a checkpoint the run starts from scratch.
    expect(formProblems(form({ fineTune: true }))).toEqual([]);
    expect(formSettings(form({ fineTune: true }))).not.toHaveProperty('fromCheckpointId');
    expect(formProblems(form({ fineTune: true, fromCheckpointId: 3, lrScale: 1.5 }))).toEqual(['Learning-rate scale: above 0 and at most 1.']);
  });
});

describe('formSettings', () => {
  it('sends only what the family uses, and the fine-tune settings only when fine-tuning', () => {
    const gan = formSettings(form({ name: '  hearts ', lrG: 0.001, fromCheckpointId: 3, freeze: ['g1'] }));
    expect(gan).toMatchObject({ name: 'hearts', model: 'dcgan', loss: 'hinge', lrG: 0.001, r1: 0 });
    expect(gan).not.toHaveProperty('beta');
    expect(gan).not.toHaveProperty('fromCheckpointId');
    const vae = formSettings(form({ model: 'vae', beta: 2, lrD: 0.01 }));
    expect(vae).toMatchObject({ model: 'vae', beta: 2 });
    expect(vae).not.toHaveProperty('loss');
    expect(vae).not.toHaveProperty('lrD');
    expect(formSettings(form({ fineTune: true, fromCheckpointId: 3, freeze: ['g1'] }))).toMatchObject({ fromCheckpointId: 3, freeze: ['g1'], lrScale: 0.5 });
  });

  it('a time-budgeted run sends its minutes and the estimated steps; a step run sends its steps', () => {
    expect(defaultForm().budget).toBe(12);
    expect(formSettings(form({ budget: 12 }), 3875)).toMatchObject({ minutes: 12, steps: 3875 });
    expect(formSettings(bySteps({ steps: 500 }), 3875)).toMatchObject({ steps: 500 });
    expect(formSettings(bySteps({ steps: 500 }), 3875)).not.toHaveProperty('minutes');
    expect(estimateInput(form({ budget: 3 }))).toMatchObject({ minutes: 3, measure: true, runs: 1 });
    expect(estimateInput(bySteps({ steps: 800 }), 4)).toMatchObject({ steps: 800, runs: 4 });
    expect(estimateInput(bySteps({ steps: 800 }))).not.toHaveProperty('minutes');
    expect(formProblems(form({ budget: 0 }))).toEqual(['Time: from a few seconds to 10,080 minutes.']);
  });

  it('a sweep makes the product of its lists', () => {
    expect(sweepSize({})).toBe(1);
    expect(sweepSize({ lr: [0.001, 0.0002], batchSize: [16, 32, 64], preset: ['small'] })).toBe(6);
  });
});
