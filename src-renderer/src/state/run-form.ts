// The new-run form of the Train screen, as plain functions: what it edits, its defaults, what is
// wrong with it (each field checked with the contract's own schema, the sentences quoting the
// contract's bounds) and the contract's TrainSettings it makes. No window, no API.
import type { OpInput, RunT, TrainSettingsInput } from '../../../src-preload/contract';
import {
  TrainSettings,
  batchSize,
  klWeight,
  learningRate,
  lrScale,
  r1Weight,
  runName,
  stepInterval,
  trainSeed,
  trainMinutes,
  trainSteps,
  workerCount,
} from '../../../src-preload/contract';
import type { z } from 'zod';
import { formatCount } from '../lib/format';

export type ModelKind = RunT['model'];
export type RunStatus = RunT['status'];
export type SweepGrid = OpInput<'runs:sweep'>['grid'];

/** What the new-run form edits; empty optional numbers (null) mean "the engine's default". */
export interface RunForm {
  name: string;
  model: ModelKind;
  size: 32 | 64;
  preset: 'small' | 'medium';
  /** A time budget in minutes (BUDGET_PRESETS); null: the run is set by `steps` (Advanced). */
  budget: number | null;
  steps: number | null;
  batchSize: number | null;
  seed: number | null;
  loss: 'hinge' | 'ns';
  /** Generator upsampling and discriminator normalisation (GANs). */
  upsample: 'resize' | 'transposed';
  dNorm: 'spectral' | 'batch' | 'none';
  r1: number | null;
  ema: boolean;
  diffAugment: 'auto' | 'translation' | 'full' | 'off';
  beta: number | null;
  lrG: number | null;
  lrD: number | null;
  checkpointEvery: number | null;
  sampleEvery: number | null;
  balance: 'none' | 'oversample' | 'classWeights';
  augment: boolean;
  workers: number | null;
  fineTune: boolean;
  fromCheckpointId: number | null;
  freeze: string[];
  lrScale: number | null;
}

export const defaultForm = (): RunForm => ({
  name: '',
  model: 'dcgan',
  size: 32,
  preset: 'small',
  budget: 12,
  steps: 300,
  batchSize: 32,
  seed: 1,
  loss: 'hinge',
  upsample: 'resize',
  dNorm: 'spectral',
  r1: 0,
  ema: true,
  diffAugment: 'auto',
  beta: 1,
  lrG: null,
  lrD: null,
  checkpointEvery: null,
  sampleEvery: null,
  balance: 'none',
  augment: true,
  workers: null,
  fineTune: false,
  fromCheckpointId: null,
  freeze: [],
  lrScale: 0.5,
});

export const isGan = (model: ModelKind): boolean => model !== 'vae';

/** True when an optional field is empty (the engine's default) or its contract schema takes it. */
const fits = (schema: z.ZodType, v: unknown) => v === null || schema.safeParse(v).success;
const n = formatCount;

/**
 * What is wrong with the form, as sentences; empty when it can be queued. Each field is checked
 * with the contract's own schema for it, and the sentences quote the contract's bounds.
 */
export function formProblems(f: RunForm): string[] {
  const problems: string[] = [];
  if (f.budget === null && (f.steps === null || !fits(trainSteps, f.steps)))
    problems.push(`Steps: a whole number from ${n(trainSteps.minValue!)} to ${n(trainSteps.maxValue!)}.`);
  if (f.budget !== null && !fits(trainMinutes, f.budget)) problems.push(`Time: from a few seconds to ${n(trainMinutes.maxValue!)} minutes.`);
  if (f.batchSize === null || !fits(batchSize, f.batchSize))
    problems.push(`Batch size: a whole number from ${n(batchSize.minValue!)} to ${n(batchSize.maxValue!)}.`);
  if (f.seed === null || !fits(trainSeed, f.seed)) problems.push(`Seed: a whole number of ${n(trainSeed.minValue!)} or more.`);
  if (!fits(learningRate, f.lrG) || !fits(learningRate, f.lrD))
    problems.push(`Learning rates: above ${learningRate.minValue} and at most ${learningRate.maxValue}, or empty for the default.`);
  if (!fits(r1Weight, f.r1)) problems.push(`R1 γ: from ${r1Weight.minValue} to ${r1Weight.maxValue}.`);
  if (isGan(f.model) && (f.r1 ?? 0) > 0 && f.dNorm === 'batch') problems.push('R1 needs a discriminator without BatchNorm: choose spectral norm or none.');
  if (f.model === 'vae' && !fits(klWeight, f.beta)) problems.push(`KL weight β: from ${klWeight.minValue} to ${klWeight.maxValue}.`);
  if (!fits(stepInterval, f.checkpointEvery) || !fits(stepInterval, f.sampleEvery))
    problems.push(`Intervals: whole numbers of ${stepInterval.minValue} or more, or empty for automatic.`);
  if (!fits(workerCount, f.workers)) problems.push(`Workers: a whole number from ${workerCount.minValue} to ${workerCount.maxValue}.`);
  // An open fine-tuning panel without a checkpoint chosen is a run from scratch, not a problem (fineTuneNote says so).
  if (f.fineTune && f.fromCheckpointId !== null && !fits(lrScale, f.lrScale))
    problems.push(`Learning-rate scale: above ${lrScale.minValue} and at most ${lrScale.maxValue}.`);
  if (f.name.trim() !== '' && !fits(runName, f.name)) problems.push(`Name: at most ${runName.maxLength} characters.`);
  // Whatever the fields pass, the run goes only if the contract takes the settings as a whole.
  if (problems.length === 0) {
    const whole = TrainSettings.safeParse(formSettings(f));
    if (!whole.success) problems.push(...whole.error.issues.map((i) => `${i.path.join('.') || 'Settings'}: ${i.message}`));
  }
  return problems;
}

/**
 * The contract's TrainSettings from the form (assumes `formProblems` is empty). A time-budgeted
 * run's steps are this workstation's estimate for the budget (`budgetSteps`, from runs:estimate).
 */
export function formSettings(f: RunForm, budgetSteps: number | null = null): TrainSettingsInput {
  const s: TrainSettingsInput = {
    model: f.model,
    size: f.size,
    preset: f.preset,
    steps: f.budget !== null && budgetSteps !== null ? budgetSteps : (f.steps ?? 300),
    batchSize: f.batchSize!,
    seed: f.seed!,
    ema: f.ema,
    diffAugment: f.diffAugment,
    balance: f.balance,
    augment: f.augment,
  };
  if (f.name.trim()) s.name = f.name.trim();
  if (f.budget !== null) s.minutes = f.budget;
  if (isGan(f.model)) {
    s.loss = f.loss;
    s.upsample = f.upsample;
    s.dNorm = f.dNorm;
    if (f.r1 !== null) s.r1 = f.r1;
  } else if (f.beta !== null) s.beta = f.beta;
  if (f.lrG !== null) s.lrG = f.lrG;
  if (f.lrD !== null && isGan(f.model)) s.lrD = f.lrD;
  if (f.checkpointEvery !== null) s.checkpointEvery = f.checkpointEvery;
  if (f.sampleEvery !== null) s.sampleEvery = f.sampleEvery;
  if (f.workers !== null) s.workers = f.workers;
  if (f.fineTune && f.fromCheckpointId !== null) {
    s.fromCheckpointId = f.fromCheckpointId;
    s.freeze = [...f.freeze];
    if (f.lrScale !== null) s.lrScale = f.lrScale;
  }
  return s;
}

/** How many runs a sweep grid makes: the product of the lists given. */
export function sweepSize(grid: SweepGrid): number {
  return (grid.lr?.length ?? 1) * (grid.batchSize?.length ?? 1) * (grid.preset?.length ?? 1);
}

export const MAX_SWEEP = 16;

/** What the form sends to runs:estimate: the settings a run's speed depends on, and its length. */
export function estimateInput(f: RunForm, runs = 1): OpInput<'runs:estimate'> {
  return {
    model: f.model,
    size: f.size,
    preset: f.preset,
    batchSize: f.batchSize !== null && fits(batchSize, f.batchSize) ? f.batchSize : 32,
    ...(f.workers !== null && fits(workerCount, f.workers) ? { workers: f.workers } : {}),
    runs,
    ...(f.budget !== null ? { minutes: f.budget } : f.steps !== null && fits(trainSteps, f.steps) ? { steps: f.steps } : {}),
    measure: true,
  };
}
