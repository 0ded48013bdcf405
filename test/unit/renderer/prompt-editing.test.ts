import { describe, expect, it } from 'vitest';
import {
  acceptCompletion,
  MAX_SEED,
  namesCheckpoint,
  problemRuns,
  randomSeed,
  splice,
  typedTerm,
  wantsCompletions,
} from '../../../src-renderer/src/lib/prompt-editing';

describe('prompt editing', () => {
  it('splices a replacement in and puts the caret after it', () => {
    expect(splice('red, bleu, -text', 5, 9, 'blue')).toEqual({ text: 'red, blue, -text', cursor: 9 });
    expect(splice('abc', 3, 3, 'd')).toEqual({ text: 'abcd', cursor: 4 });
    // Out-of-range or reversed spans are clamped rather than corrupting the text.
    expect(splice('abc', 5, 1, 'X')).toEqual({ text: 'aX', cursor: 2 });
  });

  it('accepts a completion with nothing added after it, so a weight can follow', () => {
    expect(acceptCompletion('red, bl', 5, 7, 'blue')).toEqual({ text: 'red, blue', cursor: 9 });
    // No trailing ', ': a weight typed next belongs to the tag.
    expect(acceptCompletion('red, bl', 5, 7, 'blue').text + ':1.5').toBe('red, blue:1.5');
    expect(acceptCompletion('red, se', 5, 7, 'seed:')).toEqual({ text: 'red, seed:', cursor: 10 });
    expect(acceptCompletion('@r', 0, 2, '@run')).toEqual({ text: '@run', cursor: 4 });
    // In the middle of the prompt the rest already follows: no comma is added.
    expect(acceptCompletion('bl, red', 0, 2, 'blue')).toEqual({ text: 'blue, red', cursor: 4 });
  });

  it('cuts the text into plain runs and runs under problems', () => {
    expect(problemRuns('red, bleu, x', [{ start: 5, end: 9 }])).toEqual([
      { text: 'red, ', start: 0, problem: null },
      { text: 'bleu', start: 5, problem: 0 },
      { text: ', x', start: 9, problem: null },
    ]);
    // Overlaps: the earlier problem wins; spans past the end are clamped; empty spans mark nothing.
    expect(
      problemRuns('abcdef', [
        { start: 1, end: 3 },
        { start: 2, end: 99 },
        { start: 0, end: 0 },
      ]).map((r) => [r.text, r.problem]),
    ).toEqual([
      ['a', null],
      ['bc', 0],
      ['def', 1],
    ]);
    expect(problemRuns('', [{ start: 0, end: 4 }])).toEqual([]);
  });

  it('draws seeds within the range generations:create takes', () => {
    expect(randomSeed(() => 0)).toBe(0);
    expect(randomSeed(() => 0.999999999999)).toBeLessThanOrEqual(MAX_SEED);
    for (let i = 0; i < 100; i++) {
      const s = randomSeed();
      expect(Number.isInteger(s) && s >= 0 && s <= MAX_SEED).toBe(true);
    }
  });

  it('finds the typed part of the term under the caret', () => {
    expect(typedTerm('red, bl', 7)).toBe('bl');
    expect(typedTerm('red, ', 5)).toBe('');
    expect(typedTerm('red', 2)).toBe('re');
  });
});

describe('when to offer completions', () => {
  it('stops once a term is a finished checkpoint reference or an option with its value', () => {
    expect(wantsCompletions('hea')).toBe(true);
    expect(wantsCompletions('@r')).toBe(true);
    expect(wantsCompletions('@run')).toBe(true);
    expect(wantsCompletions('@run9')).toBe(false);
    expect(wantsCompletions('@ck 12')).toBe(false);
    expect(wantsCompletions('seed:4')).toBe(false);
  });
});

describe('a prompt that picks its own model', () => {
  it('is recognised by an @run or @ck term', () => {
    expect(namesCheckpoint('heart, @run3')).toBe(true);
    expect(namesCheckpoint('@ck 12, n:4')).toBe(true);
    expect(namesCheckpoint('heart, n:4')).toBe(false);
    expect(namesCheckpoint('heart, @run')).toBe(false);
  });
});
