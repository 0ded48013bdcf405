import { describe, expect, it } from 'vitest';
import { operations } from '../../../src-preload/contract';
import { AtelierError } from '../../../src-main/errors';
import { createRouter, type Handlers } from '../../../src-main/host/router';

// Handlers that record what reached them; any operation not overridden fails loudly.
function routerWith(overrides: Partial<Handlers>) {
  const reached: { name: string; input: unknown }[] = [];
  const handlers = Object.fromEntries(
    Object.keys(operations).map((name) => [
      name,
      (input: unknown) => {
        reached.push({ name, input });
        const h = overrides[name as keyof Handlers] as ((i: unknown) => unknown) | undefined;
        if (!h) throw new Error(`${name} not stubbed in this test`);
        return h(input);
      },
    ]),
  ) as unknown as Handlers;
  return { router: createRouter(handlers), reached };
}

describe('router validates every input against the contract', () => {
  it('rejects an unknown operation without reaching a service', async () => {
    const { router, reached } = routerWith({});
    const result = await router.call('fs:readFile', { path: '/etc/passwd' });
    expect(result).toEqual({ ok: false, error: { code: 'unknown-operation', message: 'There is no operation called "fs:readFile".' } });
    expect(reached).toHaveLength(0);
  });

  it.each([
    ['runs:start', { steps: 'many' }, 'steps'],
    ['runs:start', { steps: 0 }, 'steps'],
    ['runs:start', { steps: 10, size: 48 }, 'size'],
    ['runs:start', { steps: 10, shell: 'rm -rf /' }, 'shell'],
    ['assets:list', { limit: 1e9 }, 'limit'],
    ['assets:list', null, 'input'],
    ['project:open', { dir: '' }, 'dir'],
    ['project:open', 'just a string', 'input'],
    ['jobs:cancel', {}, 'jobId'],
    ['assets:rate', { ids: [1], rating: 7 }, 'rating: rating is 0 (none) to 5 stars'],
    ['assets:rate', { ids: [1], rating: 2.5 }, 'rating: rating is a whole number of stars'],
    ['assets:rate', { ids: [], rating: 3 }, 'ids'],
    ['assets:list', { minRating: 9 }, 'minRating'],
    ['generations:create', { count: -1 }, 'count'],
    ['generations:postprocess', { id: 1, steps: [{ op: 'upscale', factor: 3, kernel: 'nearest' }] }, 'factor'],
    ['generations:rate', { ids: [1], rating: 6 }, 'rating'],
  ])('%s with %j is refused naming %s', async (name, input, field) => {
    const { router, reached } = routerWith({});
    const result = await router.call(name, input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('invalid-input');
    expect(result.error.message).toContain(name);
    expect(result.error.message).toContain(field);
    expect(reached).toHaveLength(0);
  });

  it('passes parsed input with defaults to the service', async () => {
    const { router, reached } = routerWith({ 'runs:start': () => ({ runId: 1, status: 'queued' as const }) });
    const result = await router.call('runs:start', { steps: 20 });
    expect(result).toEqual({ ok: true, result: { runId: 1, status: 'queued' } });
    expect(reached[0]!.input).toEqual({
      model: 'dcgan',
      size: 32,
      preset: 'small',
      steps: 20,
      batchSize: 32,
      seed: 1,
      loss: 'hinge',
      r1: 0,
      ema: true,
      diffAugment: 'auto',
      beta: 1,
      balance: 'none',
      augment: true,
      freeze: [],
      lrScale: 1,
    });
  });

  it('turns a service error into {code, message} and hides internal output bugs', async () => {
    const { router } = routerWith({
      'project:open': () => {
        throw new AtelierError('not-a-project', '/tmp/x is not an Atelier project: it has no atelier.db.');
      },
      'runs:list': () => [{ id: 'not a number' }] as never,
    });
    expect(await router.call('project:open', { dir: '/tmp/x' })).toEqual({
      ok: false,
      error: { code: 'not-a-project', message: '/tmp/x is not an Atelier project: it has no atelier.db.' },
    });
    const bad = await router.call('runs:list', {});
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('internal');
  });

  it('delivers only events that match the contract', () => {
    const { router } = routerWith({});
    const seen: unknown[] = [];
    const stop = router.subscribe((event, payload) => seen.push([event, payload]));
    router.emit('job:progress', { jobId: 'a', kind: 'train', runId: 1, step: 1, total: 2, fraction: 0.5, message: 'Step 1 of 2' });
    router.emit('job:progress', { jobId: 'a', kind: 'train', runId: 1, step: 1, total: 2, fraction: 7, message: 'x' });
    stop();
    router.emit('job:progress', { jobId: 'a', kind: 'train', runId: 1, step: 2, total: 2, fraction: 1, message: 'Step 2 of 2' });
    expect(seen).toHaveLength(1);
  });
});
