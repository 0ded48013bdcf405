// The full-size image viewer's state: which image of the list is shown and at what zoom. "fit"
// fills the stage; 1×–8× are whole multiples of the file's pixels, so pixel art stays square.
export type Zoom = 'fit' | 1 | 2 | 4 | 8;

export const ZOOMS: readonly Zoom[] = ['fit', 1, 2, 4, 8];

export interface ViewerItem {
  src: string;
  /** "#123 · seed 42". */
  title: string;
  /** The prompt, or what made it. */
  subtitle: string;
}

export class ImageViewerState {
  index = $state(0);
  zoom = $state<Zoom>('fit');
  count = $state(0);

  constructor(count: number, index: number) {
    this.count = count;
    this.index = clamp(index, count);
  }

  /** Next or previous image (stops at the ends); the zoom stays. */
  move(by: number): boolean {
    const next = clamp(this.index + by, this.count);
    if (next === this.index) return false;
    this.index = next;
    return true;
  }

  first(): void {
    this.index = 0;
  }

  last(): void {
    this.index = Math.max(0, this.count - 1);
  }

  /**
   * One zoom step in (+1) or out (-1). From "fit" a step in goes to the first multiple larger
   * than the fitted scale and a step out to the last one smaller; out of 1× goes back to fit.
   */
  step(direction: 1 | -1, fitScale: number): void {
    const multiples = ZOOMS.filter((z): z is Exclude<Zoom, 'fit'> => z !== 'fit');
    if (this.zoom === 'fit') {
      const next = direction > 0 ? multiples.find((m) => m > fitScale + 1e-6) : [...multiples].reverse().find((m) => m < fitScale - 1e-6);
      if (next !== undefined) this.zoom = next;
      return;
    }
    const i = multiples.indexOf(this.zoom);
    const j = i + direction;
    if (j < 0) this.zoom = 'fit';
    else if (j < multiples.length) this.zoom = multiples[j]!;
  }

  /** The scale the image is drawn at, given the scale that fits it on the stage. */
  scale(fitScale: number): number {
    return this.zoom === 'fit' ? fitScale : this.zoom;
  }
}

function clamp(i: number, count: number): number {
  return Math.max(0, Math.min(count - 1, Math.round(i)));
}

/** The largest scale at which a w×h image fits in a stage of sw×sh (never 0). */
export function fitScale(w: number, h: number, sw: number, sh: number): number {
  if (w <= 0 || h <= 0 || sw <= 0 || sh <= 0) return 1;
  return Math.max(0.01, Math.min(sw / w, sh / h));
}
