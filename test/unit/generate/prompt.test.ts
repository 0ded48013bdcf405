// The prompt language: tags with spaces, weights, negatives, options, merged duplicates,
// errors that name and locate their term with useful suggestions, autocomplete, condition
// vectors, and canonical text that parses back to the same prompt.
import { describe, expect, it } from 'vitest';
import {
  completePrompt,
  conditionVector,
  damerauLevenshtein,
  formatPrompt,
  parsePrompt,
  suggest,
  unknownToModel,
  type ParsedPrompt,
  type PromptResult,
} from '../../../src-main/generate/prompt.js';

const vocabulary = ['fox', 'Red Fox', 'winter', 'text', 'smileys & emotion', 'face-smiling', 'cat', 'boxer', 'snow', 'n', 'ratio:wide', '-dash'];

function parsed(result: PromptResult): ParsedPrompt {
  if (!result.ok) throw new Error(`expected a valid prompt, got ${JSON.stringify(result.errors)}`);
  return result.prompt;
}

function errorsOf(result: PromptResult) {
  if (result.ok) throw new Error('expected errors');
  return result.errors;
}

describe('parsePrompt', () => {
  it('parses tags, weights, negatives, options and a run', () => {
    const p = parsed(parsePrompt('red fox, winter:1.5, -text, seed:42, n:32, trunc:0.7, @run3', vocabulary));
    expect(p).toEqual({
      tags: [
        { tag: 'Red Fox', weight: 1 },
        { tag: 'winter', weight: 1.5 },
      ],
      negative: ['text'],
      seed: 42,
      count: 32,
      truncation: 0.7,
      checkpoint: { kind: 'run', id: 3 },
    });
  });

  it('matches tags case-insensitively, with spaces and punctuation, keeping their own spelling', () => {
    const p = parsed(parsePrompt('  SMILEYS   &  Emotion ,Face-Smiling:2,(fox):0.5 , RED FOX', vocabulary));
    expect(p.tags).toEqual([
      { tag: 'smileys & emotion', weight: 1 },
      { tag: 'face-smiling', weight: 2 },
      { tag: 'fox', weight: 0.5 },
      { tag: 'Red Fox', weight: 1 },
    ]);
  });

  it('reads @ck as a checkpoint, count: as n:, and ignores empty terms', () => {
    const p = parsed(parsePrompt('cat,, count:4, @ck12,', vocabulary));
    expect(p.count).toBe(4);
    expect(p.checkpoint).toEqual({ kind: 'checkpoint', id: 12 });
    expect(parsed(parsePrompt('', vocabulary)).tags).toEqual([]);
  });

  it('adds the weights of a repeated tag and drops repeated negatives', () => {
    const p = parsed(parsePrompt('fox, cat:2, FOX:0.5, -text, -Text', vocabulary));
    expect(p.tags).toEqual([
      { tag: 'fox', weight: 1.5 },
      { tag: 'cat', weight: 2 },
    ]);
    expect(p.negative).toEqual(['text']);
    const [e] = errorsOf(parsePrompt('fox:6, fox:5', vocabulary));
    expect(e).toMatchObject({ term: 'fox:5', start: 7, end: 12 });
    expect(e!.message).toMatch(/add up to 11/);
  });

  it('rejects a tag both wanted and excluded, on the later term', () => {
    const text = 'fox, cat, -fox';
    const result = parsePrompt(text, vocabulary);
    const [e] = errorsOf(result);
    expect(text.slice(e!.start, e!.end)).toBe('-fox');
    expect(e!.message).toContain("'fox' is both wanted and excluded");
    expect(result.prompt.tags.map((t) => t.tag)).toEqual(['fox', 'cat']);
    expect(result.prompt.negative).toEqual([]);
  });

  it("suggests 'fox' for 'foxes', with the term's offsets", () => {
    const text = 'winter, foxes , snow';
    const result = parsePrompt(text, vocabulary);
    const errors = errorsOf(result);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ term: 'foxes', start: 8, end: 13, suggestions: ['fox'] });
    expect(errors[0]!.message).toBe("'foxes' is not a tag of this project — did you mean 'fox'?");
    expect(text.slice(errors[0]!.start, errors[0]!.end)).toBe('foxes');
    // Best effort: the rest still parses.
    expect(result.prompt.tags.map((t) => t.tag)).toEqual(['winter', 'snow']);
  });

  it('ranks suggestions by closeness, at most three, none when nothing is close', () => {
    expect(suggest('smileys', vocabulary)[0]).toBe('smileys & emotion');
    expect(suggest('wintr', vocabulary)).toEqual(['winter']);
    expect(suggest('catt', vocabulary)).toEqual(['cat']);
    expect(suggest('fxo', vocabulary)[0]).toBe('fox'); // a transposition costs one edit
    expect(suggest('red foxes', vocabulary)[0]).toBe('Red Fox');
    expect(suggest('fox red', vocabulary)[0]).toBe('Red Fox');
    expect(suggest('face smiling', vocabulary)).toEqual(['face-smiling']);
    expect(suggest('fo', ['fox', 'foam', 'food', 'fog', 'folk']).length).toBe(3);
    const [e] = errorsOf(parsePrompt('zebra', vocabulary));
    expect(e).toMatchObject({ term: 'zebra', suggestions: [] });
    expect(e!.message).toBe("'zebra' is not a tag of this project.");
  });

  it('keeps the minus and the weight in suggestions for a misspelt negative or weighted tag', () => {
    const [neg] = errorsOf(parsePrompt('-txet', vocabulary));
    expect(neg!.suggestions).toEqual(['-text']);
    const [weighted] = errorsOf(parsePrompt('foxes:2', vocabulary));
    expect(weighted!.suggestions[0]).toBe('fox:2');
    const [option] = errorsOf(parsePrompt('sed:42', vocabulary));
    expect(option!.suggestions).toEqual(['seed:42']);
    expect(option!.message).toContain("'sed' is not a tag of this project or an option");
  });

  it('rejects a weight on a negative tag, bad weights and malformed options, naming the term', () => {
    const text = '-fox:2, cat:0, cat:11, winter:abc, seed:-1, seed:1.5, n:0, n:2000, trunc:0, trunc:3.5, trunc:x, @foo3, -';
    const errors = errorsOf(parsePrompt(text, vocabulary));
    expect(errors.map((e) => e.term)).toEqual([
      '-fox:2',
      'cat:0',
      'cat:11',
      'winter:abc',
      'seed:-1',
      'seed:1.5',
      'n:0',
      'n:2000',
      'trunc:0',
      'trunc:3.5',
      'trunc:x',
      '@foo3',
      '-',
    ]);
    for (const e of errors) expect(text.slice(e.start, e.end)).toBe(e.term);
    expect(errors[0]!.message).toContain('a negative tag takes no weight');
    expect(errors[0]!.suggestions).toEqual(['-fox']);
  });

  it('accepts option bounds and respects maxCount', () => {
    const p = parsed(parsePrompt(`seed:0, n:1024, trunc:3, fox:10`, vocabulary));
    expect([p.seed, p.count, p.truncation]).toEqual([0, 1024, 3]);
    expect(parsed(parsePrompt('seed:2147483647', vocabulary)).seed).toBe(2147483647);
    expect(errorsOf(parsePrompt('seed:2147483648', vocabulary))).toHaveLength(1);
    expect(errorsOf(parsePrompt('n:9', vocabulary, { maxCount: 8 }))[0]!.message).toContain('from 1 to 8');
  });

  it('rejects an option given twice with different values, accepts it repeated the same', () => {
    expect(parsed(parsePrompt('seed:1, seed:1', vocabulary)).seed).toBe(1);
    const [e] = errorsOf(parsePrompt('seed:1, seed:2, @run1, @ck2', vocabulary));
    expect(e!.term).toBe('seed:2');
    expect(errorsOf(parsePrompt('@run1, @ck2', vocabulary))[0]!.term).toBe('@ck2');
  });

  it('lets a tag named like an option or with a colon be written unambiguously', () => {
    const p = parsed(parsePrompt('n, (n):2, ratio:wide, (ratio:wide):0.5, -dash', vocabulary));
    expect(p.tags).toEqual([
      { tag: 'n', weight: 3 },
      { tag: 'ratio:wide', weight: 1.5 },
      { tag: '-dash', weight: 1 },
    ]);
    expect(parsed(parsePrompt('n:3', vocabulary)).count).toBe(3);
  });
});

describe('damerauLevenshtein', () => {
  it('counts adjacent transpositions as one edit', () => {
    expect(damerauLevenshtein('fox', 'fox')).toBe(0);
    expect(damerauLevenshtein('fox', 'fxo')).toBe(1);
    expect(damerauLevenshtein('foxes', 'fox')).toBe(2);
    expect(damerauLevenshtein('', 'abc')).toBe(3);
    expect(damerauLevenshtein('kitten', 'sitting')).toBe(3);
  });
});

describe('completePrompt', () => {
  it('completes the term under the cursor: prefixes, then words, then substrings', () => {
    const text = 'winter, sm';
    const c = completePrompt(text, text.length, vocabulary);
    expect(c.from).toBe(8);
    expect(c.to).toBe(10);
    expect(c.options[0]!.tag).toBe('smileys & emotion');
    expect(c.options.map((o) => o.tag)).toContain('face-smiling');
    expect(c.options.findIndex((o) => o.tag === 'smileys & emotion')).toBeLessThan(c.options.findIndex((o) => o.tag === 'face-smiling'));
  });

  it('uses the text before the cursor and replaces the whole term', () => {
    const text = 'fo, winter';
    const c = completePrompt(text, 1, vocabulary); // cursor after 'f'
    expect([c.from, c.to]).toEqual([0, 2]);
    expect(c.options[0]!.tag).toBe('fox');
    const mid = completePrompt('cat, re, snow', 7, vocabulary);
    expect(mid.options[0]!.tag).toBe('Red Fox');
    expect([mid.from, mid.to]).toEqual([5, 7]);
  });

  it('offers option keys, but only tags after a minus', () => {
    expect(completePrompt('fox, se', 7, vocabulary).options[0]!.tag).toBe('seed:');
    expect(completePrompt('fox, tr', 7, vocabulary).options[0]!.tag).toBe('trunc:');
    expect(completePrompt('@r', 2, vocabulary).options[0]!.tag).toBe('@run');
    const neg = completePrompt('fox, -te', 8, vocabulary);
    expect(neg.from).toBe(6);
    expect(neg.options.map((o) => o.tag)).toEqual(['text', 'winter']);
  });

  it('orders by kind of match, then by how many images carry the tag, and says the count', () => {
    const counts = new Map([
      ['boxer', 3],
      ['fox', 1],
      ['Red Fox', 40],
      ['face-smiling', 9],
    ]);
    const c = completePrompt('f', 1, vocabulary, 8, counts);
    // Prefix matches first (face-smiling on 9 images before fox on 1), then word/substring matches.
    expect(c.options.slice(0, 2).map((o) => [o.tag, o.count])).toEqual([
      ['face-smiling', 9],
      ['fox', 1],
    ]);
    expect(c.options.findIndex((o) => o.tag === 'Red Fox')).toBeGreaterThan(1);
    expect(c.options.find((o) => o.tag === 'Red Fox')!.count).toBe(40);
    // Option keys carry no count.
    expect(completePrompt('se', 2, vocabulary, 8, counts).options[0]).toEqual({ tag: 'seed:', score: expect.any(Number) });
  });

  it('falls back to fuzzy matches, respects the limit, and offers nothing inside a value', () => {
    expect(completePrompt('wintr', 5, vocabulary).options[0]!.tag).toBe('winter');
    expect(completePrompt('', 0, vocabulary, 3).options).toHaveLength(3);
    expect(completePrompt('fox:1.', 6, vocabulary).options).toEqual([]);
  });
});

describe('conditionVector', () => {
  const classes = ['cat', 'fox', 'red fox', 'text', 'winter'];

  it('puts weights at their classes and −1 at negative ones', () => {
    const p = parsed(parsePrompt('Red Fox:2, winter:0.5, -text', vocabulary));
    expect(Array.from(conditionVector(p, classes))).toEqual([0, 0, 2, -1, 0.5]);
  });

  it('reports tags the model was not trained on, and leaves them out of the vector', () => {
    const p = parsed(parsePrompt('snow, fox, -face-smiling', vocabulary));
    expect(unknownToModel(p, classes)).toEqual(['snow', 'face-smiling']);
    expect(Array.from(conditionVector(p, classes))).toEqual([0, 1, 0, 0, 0]);
  });
});

describe('formatPrompt', () => {
  it('writes canonical text that parses back to the same prompt', () => {
    const texts = [
      'red fox, winter:1.5, -text, seed:42, n:32, trunc:0.7, @run3',
      'fox:0.1, FOX:0.2, @ck7, count:5',
      'n, (n):2, ratio:wide:3, -(-dash), -smileys & emotion',
      '',
    ];
    for (const text of texts) {
      const p = parsed(parsePrompt(text, vocabulary));
      const canonical = formatPrompt(p);
      expect(parsed(parsePrompt(canonical, vocabulary))).toEqual(p);
      expect(formatPrompt(parsed(parsePrompt(canonical, vocabulary)))).toBe(canonical);
    }
    expect(formatPrompt(parsed(parsePrompt('@run3, -text, trunc:0.7, winter:1.5, red fox, count:32, seed:42', vocabulary)))).toBe(
      'winter:1.5, Red Fox, -text, seed:42, n:32, trunc:0.7, @run3',
    );
  });
});
