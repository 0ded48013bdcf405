import { describe, expect, it } from 'vitest';
import {
  defaultPostForm,
  expectedMs,
  fileName,
  hexColour,
  modelWords,
  originWords,
  postStepWords,
  postSteps,
  promptWithoutSeed,
  regenerateWords,
  viewerWords,
  weightWords,
} from '../../../src-renderer/src/lib/generation-words';

describe('generated images in words', () => {
  it('drops the seed from a prompt for a new roll, and heads the viewer', () => {
    expect(promptWithoutSeed('heart:1.5, seed:7, n:4')).toBe('heart:1.5, n:4');
    expect(promptWithoutSeed('seed:42')).toBe('');
    expect(promptWithoutSeed('seedling, -dog')).toBe('seedling, -dog');
    expect(viewerWords({ id: 3, seed: 9, index: 2, prompt: '', origin: 'walk' })).toEqual({
      title: '#3 · seed 9 · index 2',
      subtitle: 'No prompt (the whole training set) · Latent walk',
    });
  });

  it('names the model and weights', () => {
    expect(modelWords({ model: 'cgan', size: 32 })).toBe('cGAN 32 px');
    expect(weightWords(1)).toBe('1');
    expect(weightWords(1.499999)).toBe('1.5');
    expect(weightWords(-1)).toBe('−1');
  });

  it('says where an image came from, with its origin parameters', () => {
    expect(originWords({ origin: 'prompt', params: {} })).toBe('Prompt');
    expect(originWords({ origin: 'variation', params: { strength: 0.3 } })).toBe('Variation · strength 0.3');
    expect(originWords({ origin: 'interpolation', params: { t: 0.25, from: '#12', to: 'blue, seed:4' } })).toBe(
      'Interpolation · #12 → blue, seed:4 at t = 0.25',
    );
    expect(originWords({ origin: 'walk', params: { row: 0, column: 2, direction: 'blue' } })).toBe('Latent walk · along ‘blue’, row 1, column 3');
    expect(originWords({ origin: 'walk', params: { direction: 'random' } })).toBe('Latent walk · random direction');
    expect(originWords({ origin: 'postprocess', params: {} })).toBe('Post-processed');
  });

  it('describes post-processing steps and regeneration', () => {
    expect(postStepWords({ op: 'upscale', factor: 4, kernel: 'nearest' })).toBe('Upscale ×4 (nearest, for pixel art)');
    expect(postStepWords({ op: 'reducePalette', colours: 8 })).toBe('Palette of 8 colours');
    expect(postStepWords({ op: 'backgroundToTransparent', colour: '#ffffff', tolerance: 24 })).toBe('#ffffff → transparent (tolerance 24)');
    expect(postStepWords({ op: 'sharpen', amount: 1.5 })).toBe('Sharpen 1.5');
    expect(regenerateWords({ identical: true, differingBytes: 0, ms: 116.4, backend: 'wasm', restored: false })).toBe(
      'Reproduced bit-identically in 116 ms (wasm)',
    );
    expect(regenerateWords({ identical: false, differingBytes: 1234, ms: 90, backend: 'tensorflow', restored: false })).toBe(
      'Differs from the stored file in 1,234 bytes (tensorflow)',
    );
    expect(regenerateWords({ identical: false, differingBytes: 1, ms: 90, backend: '', restored: false })).toBe('Differs from the stored file in 1 byte');
    expect(regenerateWords({ identical: false, differingBytes: 0, ms: 41.6, backend: 'wasm', restored: true })).toBe(
      'Its file was missing: drawn again in 42 ms (wasm) and written back',
    );
  });

  it('turns the post-processing form into steps, in the order they run, within the contract’s bounds', () => {
    expect(postSteps(defaultPostForm)).toEqual([]);
    const all = postSteps({
      ...defaultPostForm,
      upscale: true,
      factor: 2,
      kernel: 'lanczos',
      palette: true,
      colours: 300,
      transparent: true,
      colour: '#FFAA00',
      tolerance: 30,
      sharpen: true,
      sharpenAmount: 2,
    });
    expect(all).toEqual([
      { op: 'sharpen', amount: 2 },
      { op: 'reducePalette', colours: 256 },
      { op: 'backgroundToTransparent', colour: '#ffaa00', tolerance: 30 },
      { op: 'upscale', factor: 2, kernel: 'lanczos' },
    ]);
    expect(postSteps({ ...defaultPostForm, palette: true, colours: Number.NaN })).toEqual([{ op: 'reducePalette', colours: 2 }]);
  });

  it('formats picked colours, estimates and file names', () => {
    expect(hexColour(255, 170, 0)).toBe('#ffaa00');
    expect(hexColour(-3, 300, 15.6)).toBe('#00ff10');
    expect(expectedMs(64, 10)).toBe(640);
    expect(expectedMs(64, null)).toBeNull();
    expect(fileName('exports/2026/contact-sheet.png')).toBe('contact-sheet.png');
    expect(fileName('a.gif')).toBe('a.gif');
  });
});
