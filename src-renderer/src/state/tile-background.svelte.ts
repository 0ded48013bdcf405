// What the Data grid's tiles and the detail pane's preview sit on: dark (the studio's own
// surface), light (for dark art and line work) or a checkerboard (to see transparency).
// One choice for both, remembered on this machine.

export const tileBackgrounds = ['dark', 'light', 'checker'] as const;
export type TileBackgroundName = (typeof tileBackgrounds)[number];

export const tileBackgroundLabels: Record<TileBackgroundName, string> = {
  dark: 'Dark',
  light: 'Light',
  checker: 'Checkerboard',
};

/** Where the choice is kept (localStorage). */
export const TILE_BACKGROUND_KEY = 'atelier.tileBackground';

function isName(value: unknown): value is TileBackgroundName {
  return typeof value === 'string' && (tileBackgrounds as readonly string[]).includes(value);
}

export class TileBackground {
  value = $state<TileBackgroundName>('dark');

  /** `storage` is where the choice is remembered; null keeps it for this page only. */
  constructor(private readonly storage: Pick<Storage, 'getItem' | 'setItem'> | null) {
    try {
      const stored = storage?.getItem(TILE_BACKGROUND_KEY);
      if (isName(stored)) this.value = stored;
    } catch {
      // A browser that refuses storage (private mode, a sandbox) still gets the choice for this page.
    }
  }

  set(value: TileBackgroundName): void {
    if (!isName(value)) throw new RangeError(`A tile background is one of ${tileBackgrounds.join(', ')}, not “${String(value)}”.`);
    this.value = value;
    try {
      this.storage?.setItem(TILE_BACKGROUND_KEY, value);
    } catch {
      // Not remembered, still applied.
    }
  }
}

export const tileBackground = new TileBackground(typeof localStorage === 'undefined' ? null : localStorage);
