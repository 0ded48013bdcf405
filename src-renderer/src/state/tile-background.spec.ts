import { describe, expect, it } from 'vitest';
import { TILE_BACKGROUND_KEY, TileBackground } from './tile-background.svelte';

function memory(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), data };
}

describe('TileBackground', () => {
  it('starts dark, and remembers a choice for the next page', () => {
    const storage = memory();
    const first = new TileBackground(storage);
    expect(first.value).toBe('dark');
    first.set('checker');
    expect(first.value).toBe('checker');
    expect(storage.data.get(TILE_BACKGROUND_KEY)).toBe('checker');
    expect(new TileBackground(storage).value).toBe('checker');
  });

  it('ignores a stored value it does not know, and refuses to set one', () => {
    const tiles = new TileBackground(memory({ [TILE_BACKGROUND_KEY]: 'purple' }));
    expect(tiles.value).toBe('dark');
    expect(() => tiles.set('purple' as never)).toThrow(/one of dark, light, checker, not “purple”/);
    expect(tiles.value).toBe('dark');
  });

  it('still switches when storage refuses to be read or written', () => {
    const broken = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
    };
    const tiles = new TileBackground(broken);
    expect(tiles.value).toBe('dark');
    tiles.set('light');
    expect(tiles.value).toBe('light');
    expect(new TileBackground(null).value).toBe('dark');
  });
});
