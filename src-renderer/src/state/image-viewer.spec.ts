import { describe, expect, it } from 'vitest';
import { fitScale, ImageViewerState } from './image-viewer.svelte';

describe('ImageViewerState', () => {
  it('moves through the list and stops at its ends', () => {
    const v = new ImageViewerState(3, 1);
    expect(v.move(1)).toBe(true);
    expect(v.index).toBe(2);
    expect(v.move(1)).toBe(false);
    expect(v.index).toBe(2);
    v.first();
    expect(v.move(-1)).toBe(false);
    v.last();
    expect(v.index).toBe(2);
    expect(new ImageViewerState(3, 9).index).toBe(2);
  });

  it('zooms from fit to the next whole multiple and back out to fit', () => {
    const v = new ImageViewerState(1, 0);
    // A 32 px image fitted at 20×: no multiple is larger, so a step in stays at fit.
    v.step(1, 20);
    expect(v.zoom).toBe('fit');
    v.step(-1, 20);
    expect(v.zoom).toBe(8);
    v.step(-1, 20);
    expect(v.zoom).toBe(4);
    v.step(-1, 20);
    v.step(-1, 20);
    expect(v.zoom).toBe(1);
    v.step(-1, 20);
    expect(v.zoom).toBe('fit');
    // A big image fitted at 1.5×: in goes to 2×, then 4×, 8×, and no further.
    v.step(1, 1.5);
    expect(v.zoom).toBe(2);
    v.step(1, 1.5);
    v.step(1, 1.5);
    v.step(1, 1.5);
    expect(v.zoom).toBe(8);
    expect(v.scale(1.5)).toBe(8);
  });

  it('fits an image in the stage by its longer side', () => {
    expect(fitScale(32, 32, 800, 600)).toBe(600 / 32);
    expect(fitScale(100, 50, 200, 200)).toBe(2);
    expect(fitScale(0, 32, 800, 600)).toBe(1);
  });
});
