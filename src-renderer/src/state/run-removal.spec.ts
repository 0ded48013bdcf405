import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-preload/api';
import type { RunRemovalT } from '../../../src-preload/contract';
import { fakeTransport, settle } from '../testing/fake-transport';
import { removalWords, RunRemoval, type RunDeletedT } from './run-removal.svelte';

function plan(extra: Partial<RunRemovalT> = {}): RunRemovalT {
  return {
    runId: 3,
    name: 'Fox sketches',
    status: 'done',
    blocked: null,
    checkpoints: 2,
    checkpointBytes: 2_400_000,
    samples: 40,
    sampleBytes: 320_000,
    evaluations: 1,
    evaluationBytes: 90_000,
    bytes: 2_810_000,
    published: true,
    generations: 12,
    fineTuned: [{ runId: 4, name: 'Fox, fine-tuned' }],
    feedbackRoundsFrom: [],
    isFeedbackRound: false,
    ...extra,
  };
}

describe('removalWords', () => {
  it('names what goes with its size, and what stays', () => {
    const { goes, stays } = removalWords(plan());
    expect(goes).toEqual([
      '2 checkpoints (2.3 MB of weights)',
      '40 sample grids (313 KB)',
      '1 evaluation and its evidence images (88 KB)',
      'Its loss curves, settings and data snapshot',
      'Its published checkpoint: Generate falls back to the newest checkpoint of another run',
    ]);
    expect(stays[0]).toMatch(/^12 images in the gallery drawn from it keep their files, prompts, seeds and ratings/);
    expect(stays[1]).toBe('The run fine-tuned from it keeps its own checkpoints: Fox, fine-tuned');
    expect(stays.at(-1)).toMatch(/Your dataset/);
  });

  it('says so when there is nothing to keep', () => {
    const { goes, stays } = removalWords(plan({ checkpoints: 0, samples: 0, evaluations: 0, published: false, generations: 0, fineTuned: [] }));
    expect(goes[0]).toBe('No checkpoints: it saved none');
    expect(stays).toHaveLength(1);
  });
});

describe('RunRemoval', () => {
  function setup() {
    const deleted: number[] = [];
    const notes: string[] = [];
    const fake = fakeTransport({
      'runs:removal': ({ runId }) => plan({ runId }),
      'runs:delete': ({ runId }): RunDeletedT => ({ runId, removed: 4, bytes: 2_810_000, keptGenerations: 12 }),
    });
    const removal = new RunRemoval({ quietApi: fake.api, ondeleted: (id) => deleted.push(id), notify: (m) => notes.push(m) });
    return { fake, removal, deleted, notes };
  }

  it('asks the engine first, then deletes the run it named and closes', async () => {
    const { fake, removal, deleted, notes } = setup();
    await removal.open(3);
    expect(removal.plan?.name).toBe('Fox sketches');
    expect(removal.words?.goes[0]).toMatch(/2 checkpoints/);
    expect(await removal.confirm()).toBe(true);
    expect(fake.calls.map((c) => c.name)).toEqual(['runs:removal', 'runs:delete']);
    expect(deleted).toEqual([3]);
    expect(notes).toEqual(['Deleted Fox sketches: 2.7 MB freed.']);
    expect(removal.runId).toBeNull();
  });

  it('never deletes a run the engine says is blocked', async () => {
    const { fake, removal, deleted } = setup();
    fake.answer({ 'runs:removal': () => plan({ blocked: 'Fox sketches is training. Cancel it first.' }) });
    await removal.open(3);
    expect(await removal.confirm()).toBe(false);
    expect(fake.calls.some((c) => c.name === 'runs:delete')).toBe(false);
    expect(deleted).toEqual([]);
  });

  it('keeps the dialog open with the engine’s refusal', async () => {
    const { fake, removal, deleted } = setup();
    fake.answer({
      'runs:delete': () => {
        throw new ApiError('invalid-state', 'Fox sketches is still stopping. Wait a moment, then delete it.');
      },
    });
    await removal.open(3);
    expect(await removal.confirm()).toBe(false);
    expect(removal.error).toMatch(/still stopping/);
    expect(removal.runId).toBe(3);
    expect(deleted).toEqual([]);
  });

  it('drops a plan that arrives after the dialog was closed', async () => {
    const { fake, removal } = setup();
    let release: () => void = () => {};
    fake.answer({ 'runs:removal': ({ runId }) => new Promise((resolve) => (release = () => resolve(plan({ runId })))) });
    const opening = removal.open(3);
    await settle();
    removal.close();
    release();
    await opening;
    expect(removal.plan).toBeNull();
    expect(removal.runId).toBeNull();
  });
});
