// This workstation's training speed, per backend and model shape: what a time budget is turned
// into steps with, and what the Train view's estimates come from. Measured, never assumed: a short
// timing of real steps on synthetic images (run-job.ts runTiming) when nothing is known yet, then
// refreshed by every real run's own measured speed. Kept outside any project (a project moves
// between workstations; a speed does not), in $XDG_CONFIG_HOME/atelier/training-speed.json
// (else ~/.atelier/training-speed.json), written atomically; a damaged file reads as nothing known.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeAtomically } from '../datasets/atomic-write';

/** What a run's speed depends on. */
export interface SpeedKey {
  backend: string;
  /** Training threads of the run (a sweep's runs use one each). */
  workers: number;
  model: string;
  size: number;
  preset: string;
  batchSize: number;
}

export interface MeasuredSpeed {
  /** Images per second of step time. */
  imgPerSec: number;
  /** Share of a run's training time spent outside steps (sample grids, checkpoints, scoring), from a real run; absent after a timing. */
  overhead?: number;
  /** 'timing': a short timing of real steps; 'run': a real run's mean. */
  source: 'timing' | 'run';
  measuredAt: string;
}

/** Time outside steps when no real run has said (sample grids, checkpoints, and scoring's ≤ 10%). */
export const DEFAULT_OVERHEAD = 0.12;

export function speedFile(env: NodeJS.ProcessEnv = process.env): string {
  const config = env.XDG_CONFIG_HOME;
  return config ? join(config, 'atelier', 'training-speed.json') : join(homedir(), '.atelier', 'training-speed.json');
}

export const speedKey = (k: SpeedKey): string => `${k.backend}|${k.workers}w|${k.model}|${k.size}px|${k.preset}|b${k.batchSize}`;

function readAll(file: string): Record<string, MeasuredSpeed> {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, MeasuredSpeed>) : {};
  } catch {
    return {};
  }
}

export function readSpeed(key: SpeedKey, file = speedFile()): MeasuredSpeed | null {
  const s = readAll(file)[speedKey(key)];
  return s && Number.isFinite(s.imgPerSec) && s.imgPerSec > 0 ? s : null;
}

/** Records a measurement; a failure to write only means the next estimate measures again. */
export async function recordSpeed(key: SpeedKey, speed: Omit<MeasuredSpeed, 'measuredAt'>, file = speedFile()): Promise<void> {
  if (!(Number.isFinite(speed.imgPerSec) && speed.imgPerSec > 0)) return;
  const all = readAll(file);
  all[speedKey(key)] = { ...speed, measuredAt: new Date().toISOString() };
  try {
    await writeAtomically(file, Buffer.from(`${JSON.stringify(all, null, 1)}\n`));
  } catch {
    // Not fatal: estimates fall back to a new timing.
  }
}

/** Images per second of training time (steps and what happens between them). */
export const throughput = (s: MeasuredSpeed): number => s.imgPerSec * (1 - (s.overhead ?? DEFAULT_OVERHEAD));

/**
 * Steps a budget of `minutes` buys at this speed, for `runs` runs side by side on `cores` cores
 * (a sweep: one core each; runs beyond the cores wait their turn and get their own budget).
 */
export function stepsForMinutes(s: MeasuredSpeed, minutes: number, batchSize: number): number {
  return Math.max(1, Math.round((minutes * 60 * throughput(s)) / batchSize));
}

/** Minutes of training `steps` take at this speed. */
export function minutesForSteps(s: MeasuredSpeed, steps: number, batchSize: number): number {
  return (steps * batchSize) / throughput(s) / 60;
}
