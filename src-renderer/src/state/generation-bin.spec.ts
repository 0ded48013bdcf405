import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-preload/api';
import { fakeTransport, image, settle } from '../testing/fake-transport';
import { GenerationBin } from './generation-bin.svelte';

function setup() {
  let inBin = new Set<number>();
  const fake = fakeTransport({
    'generations:bin': ({ ids }) => {
      const before = inBin.size;
      inBin = new Set([...inBin, ...ids]);
      return { binned: inBin.size - before, inBin: inBin.size };
    },
    'generations:restore': ({ ids }) => {
      const before = inBin.size;
      for (const id of ids) inBin.delete(id);
      return { restored: before - inBin.size, inBin: inBin.size };
    },
    'generations:emptyBin': () => {
      const n = inBin.size;
      inBin.clear();
      return { deleted: n, kept: 0, files: n };
    },
    'generations:list': () => ({ total: inBin.size, items: [...inBin].map((id) => image(id)) }),
  });
  const changes: [number[], boolean][] = [];
  const bin = new GenerationBin({ quietApi: fake.api, onchange: (ids, binned) => changes.push([ids, binned]), noticeMs: 0 });
  return { fake, bin, changes };
}

describe('GenerationBin', () => {
  it('bins, says so with Undo, and undoes', async () => {
    const { bin, changes } = setup();
    await bin.bin([3, 4]);
    expect(bin.count).toBe(2);
    expect(bin.notice).toEqual({ message: '2 images moved to the bin.', undo: { ids: [3, 4], binned: true }, error: false });
    expect(changes).toEqual([[[3, 4], true]]);
    await bin.undo();
    expect(bin.count).toBe(0);
    expect(bin.notice).toMatchObject({ message: '2 images back in the gallery.', undo: null });
    expect(changes.at(-1)).toEqual([[3, 4], false]);
  });

  it('restores from the bin, empties it, and knows its count', async () => {
    const { bin } = setup();
    await bin.bin([1]);
    await bin.bin([2]);
    bin.count = null;
    await bin.load();
    expect(bin.count).toBe(2);
    await bin.restore([1]);
    expect(bin.notice?.message).toBe('Image #1 restored to the gallery.');
    expect(await bin.empty()).toBe(true);
    expect(bin.count).toBe(0);
    expect(bin.notice).toMatchObject({ message: 'Bin emptied: 1 image deleted for good.', undo: null });
  });

  it('shows a failure in place and changes nothing', async () => {
    const { fake, bin, changes } = setup();
    fake.answer({
      'generations:bin': () => {
        throw new ApiError('not-found', 'There is no generated image 9 in this project; nothing was changed.');
      },
    });
    await bin.bin([9]);
    await settle();
    expect(bin.notice).toMatchObject({ error: true, message: expect.stringContaining('no generated image 9') as unknown });
    expect(changes).toEqual([]);
  });
});
