// Every domain error a person can meet carries a code from the contract's one list,
// and reaches the page as that code (not 'internal') through the router.
import { describe, expect, it } from 'vitest';
import { ErrorCode, operations } from '../../../src-preload/contract';
import { AtelierError, toErrorPayload } from '../../../src-main/errors';
import { createRouter, type Handlers } from '../../../src-main/host/router';
import { SplitOptionsError, assignSplits } from '../../../src-main/datasets/splits';
import { ImageAnalysisError, InvalidHashError, parseHash } from '../../../src-main/datasets/perceptual-hash';
import { PostProcessError } from '../../../src-main/generate/postprocess';
import { TagNotFound } from '../../../src-main/store/assets';
import { TensorLeakError, TrainConfigError, TrainingDivergedError } from '../../../src-main/ml/train';
import { ReplicaError } from '../../../src-main/ml/parallel';
import { CheckpointError } from '../../../src-main/ml/checkpoint';
import { BackendUnavailableError } from '../../../src-main/ml/backend';

const domainErrors: [string, () => Error, string][] = [
  ['SplitOptionsError', () => new SplitOptionsError('Split percentages must add up to 100.'), 'invalid-input'],
  ['InvalidHashError', () => new InvalidHashError('"zz" is not a perceptual hash.'), 'invalid-input'],
  ['ImageAnalysisError', () => new ImageAnalysisError('a.png cannot be analysed.'), 'unreadable-image'],
  ['PostProcessError', () => new PostProcessError('An upscale factor must be 2 or 4; got 3.'), 'invalid-input'],
  ['TagNotFound', () => new TagNotFound('cat'), 'not-found'],
  ['TrainingDivergedError', () => new TrainingDivergedError(12, { lossD: NaN, lossG: 1 } as never), 'training-diverged'],
  ['TrainConfigError', () => new TrainConfigError('The dataset has no images.'), 'invalid-input'],
  ['TensorLeakError', () => new TensorLeakError(3, 10, 12), 'internal'],
  ['ReplicaError', () => new ReplicaError('a training thread failed: out of memory'), 'run-failed'],
  ['CheckpointError', () => new CheckpointError('ck', 'the checkpoint is damaged.'), 'invalid-checkpoint'],
  ['BackendUnavailableError', () => new BackendUnavailableError('No tfjs backend could start.', []), 'no-backend'],
];

function routerThrowing(error: Error, log: (line: string) => void = () => {}) {
  const handlers = Object.fromEntries(
    Object.keys(operations).map((name) => [
      name,
      () => {
        throw error;
      },
    ]),
  ) as unknown as Handlers;
  return createRouter(handlers, log);
}

describe('domain errors', () => {
  it.each(domainErrors)('%s carries a code from the contract list', (name, make, code) => {
    const error = make();
    expect(error).toBeInstanceOf(AtelierError);
    expect(error.name).toBe(name);
    expect(ErrorCode.options).toContain(code);
    expect(toErrorPayload(error)).toEqual({ code, message: error.message });
  });

  it.each(domainErrors.filter(([, , code]) => code !== 'internal'))('%s reaches the page through the router as its code', async (_name, make, code) => {
    const error = make();
    const result = await routerThrowing(error).call('tags:list', {});
    expect(result).toEqual({ ok: false, error: { code, message: error.message } });
  });

  it('a split thrown by the real code reaches the router as invalid-input, not internal', async () => {
    let thrown: unknown;
    try {
      assignSplits([{ id: 1, strata: 'a' }], { train: 80, val: 30, test: 0, seed: 1 } as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SplitOptionsError);
    const result = await routerThrowing(thrown as Error).call('splits:info', {});
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('invalid-input');
    expect(() => parseHash('not a hash')).toThrow(InvalidHashError);
  });

  it('a bug (code internal) still leaves its stack in the log; a person’s mistake does not', async () => {
    const lines: string[] = [];
    await routerThrowing(new TensorLeakError(3, 10, 12), (l) => lines.push(l)).call('tags:list', {});
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/tags:list failed: TensorLeakError: Training step 3 leaked 2 tensors[\s\S]*\n\s+at /);
    lines.length = 0;
    await routerThrowing(new TagNotFound('cat'), (l) => lines.push(l)).call('tags:list', {});
    expect(lines).toEqual([]);
  });
});
