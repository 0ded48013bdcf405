// The prompt language: comma-separated terms over a project's own tags, e.g.
// `red fox, winter:1.5, -text, seed:42, n:32, trunc:0.7, @run3`. Nothing typed is ever
// dropped silently: every term is a tag, a negative tag, an option or an error the UI can
// underline (offsets into the text) with up to three "did you mean" replacements.
//
// Terms
//   tag            weight 1; tags match case-insensitively with runs of spaces collapsed,
//                  and the result keeps the vocabulary's own spelling
//   tag:1.5        weight in (0, 10]; `(tag):1.5` and `(tag)` also work, and are how a tag
//                  whose name is an option key, holds a ':' or starts with '-', '@' or '('
//                  is written
//   -tag           negative tag; takes no weight
//   seed:42        integer 0..2^31−1        n:32 / count:32   integer 1..maxCount
//   trunc:0.7      0 < t ≤ 3                @run3 / @ck12     a run or a checkpoint
// A tag repeated adds its weights (`fox, fox:0.5` is fox:1.5; the sum must stay ≤ 10).
// A tag both positive and negative, or an option given twice with different values, is an
// error on the later term. Empty terms (`a,,b`, a trailing comma) are ignored. Tag names
// cannot contain commas: the language has no quoting.

export interface ParsedPrompt {
  tags: { tag: string; weight: number }[];
  negative: string[];
  seed: number | null;
  count: number | null;
  truncation: number | null;
  checkpoint: { kind: 'run' | 'checkpoint'; id: number } | null;
}

export interface PromptError {
  /** The term as typed (trimmed). */
  term: string;
  /** `text.slice(start, end)` is the term: the span to underline. */
  start: number;
  end: number;
  message: string;
  /** Replacements for `text.slice(start, end)`, best first, at most three. */
  suggestions: string[];
}

export type PromptResult = { ok: true; prompt: ParsedPrompt } | { ok: false; errors: PromptError[]; prompt: ParsedPrompt };

export const MAX_WEIGHT = 10;
export const MAX_SEED = 2 ** 31 - 1;
export const DEFAULT_MAX_COUNT = 1024;
export const MAX_TRUNCATION = 3;
/** What a negative tag contributes to the condition vector: "away from", as strongly as a plain tag pulls towards. */
export const NEGATIVE_CONDITION = -1;

const MAX_SUGGESTIONS = 3;
const OPTION_KEYS = ['seed', 'n', 'count', 'trunc'] as const;
type OptionKey = (typeof OPTION_KEYS)[number];
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const INTEGER = /^\d+$/;
const CHECKPOINT = /^@\s*(run|ck)\s*(\d+)$/i;

/** Lowercase, runs of whitespace as one space: the form tags are matched in. */
export function normaliseTag(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Lookup from normalised name to the vocabulary's spelling; the first spelling wins. */
function indexVocabulary(vocabulary: readonly string[]): Map<string, string> {
  const index = new Map<string, string>();
  for (const tag of vocabulary) {
    const key = normaliseTag(tag);
    if (key && !index.has(key)) index.set(key, tag);
  }
  return index;
}

interface Term {
  text: string;
  start: number;
  end: number;
}

/** The comma-separated terms of `text`, trimmed, with their offsets; empty ones dropped. */
function splitTerms(text: string): Term[] {
  const terms: Term[] = [];
  let from = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && text[i] !== ',') continue;
    let start = from;
    let end = i;
    while (start < end && /\s/.test(text[start]!)) start++;
    while (end > start && /\s/.test(text[end - 1]!)) end--;
    if (end > start) terms.push({ text: text.slice(start, end), start, end });
    from = i + 1;
  }
  return terms;
}

/** `(name)` → `name`; anything else unchanged. */
function unwrap(name: string): { name: string; wrapped: boolean } {
  const t = name.trim();
  if (t.length >= 2 && t.startsWith('(') && t.endsWith(')')) return { name: t.slice(1, -1).trim(), wrapped: true };
  return { name: t, wrapped: false };
}

function emptyPrompt(): ParsedPrompt {
  return { tags: [], negative: [], seed: null, count: null, truncation: null, checkpoint: null };
}

/** Parses `text` against the project's tags. Always returns a best-effort prompt; errors name their term. */
export function parsePrompt(text: string, vocabulary: readonly string[], opts: { maxCount?: number } = {}): PromptResult {
  const maxCount = opts.maxCount ?? DEFAULT_MAX_COUNT;
  if (!Number.isInteger(maxCount) || maxCount < 1) throw new RangeError(`maxCount must be a whole number of at least 1; got ${maxCount}.`);
  const index = indexVocabulary(vocabulary);
  const prompt = emptyPrompt();
  const errors: PromptError[] = [];
  // Where each option and tag was first set, to name it when a later term conflicts.
  const optionSource = new Map<string, string>();
  const positive = new Map<string, { entry: { tag: string; weight: number }; term: string }>();
  const negative = new Map<string, string>();

  const fail = (term: Term, message: string, suggestions: string[] = []): void => {
    errors.push({ term: term.text, start: term.start, end: term.end, message, suggestions });
  };
  const lookup = (name: string): string | undefined => index.get(normaliseTag(name));

  const addPositive = (term: Term, tag: string, weight: number): void => {
    const key = normaliseTag(tag);
    if (negative.has(key)) {
      fail(term, `'${tag}' is both wanted and excluded: remove '${term.text}' or '${negative.get(key)}'.`, []);
      return;
    }
    const seen = positive.get(key);
    if (!seen) {
      const entry = { tag, weight };
      positive.set(key, { entry, term: term.text });
      prompt.tags.push(entry);
      return;
    }
    const total = seen.entry.weight + weight;
    if (total > MAX_WEIGHT) {
      fail(term, `'${tag}' is repeated and its weights add up to ${total}; the most is ${MAX_WEIGHT}.`);
      return;
    }
    seen.entry.weight = total;
  };

  const addNegative = (term: Term, tag: string): void => {
    const key = normaliseTag(tag);
    if (positive.has(key)) {
      fail(term, `'${tag}' is both wanted and excluded: remove '${term.text}' or '${positive.get(key)!.term}'.`, []);
      return;
    }
    if (negative.has(key)) return;
    negative.set(key, term.text);
    prompt.negative.push(tag);
  };

  const setOption = <K extends 'seed' | 'count' | 'truncation' | 'checkpoint'>(term: Term, field: K, value: ParsedPrompt[K], same: boolean): void => {
    const previous = prompt[field];
    if (previous !== null && !same) {
      fail(term, `'${term.text}' conflicts with '${optionSource.get(field)}': give ${describeField(field)} once.`);
      return;
    }
    if (previous === null) {
      prompt[field] = value;
      optionSource.set(field, term.text);
    }
  };

  for (const term of splitTerms(text)) {
    // A whole term naming a tag is that tag, whatever characters its name holds.
    const whole = lookup(unwrap(term.text).name);
    if (whole !== undefined) {
      addPositive(term, whole, 1);
      continue;
    }

    if (term.text.startsWith('@')) {
      const m = CHECKPOINT.exec(term.text);
      if (!m) {
        fail(term, `'${term.text}' is not a run or a checkpoint: write @run3 for run 3 or @ck12 for checkpoint 12.`);
        continue;
      }
      const id = Number(m[2]);
      const kind = m[1]!.toLowerCase() === 'run' ? 'run' : 'checkpoint';
      if (!Number.isSafeInteger(id)) {
        fail(term, `'${term.text}' has an id too large to be a ${kind}.`);
        continue;
      }
      const cp = prompt.checkpoint;
      setOption(term, 'checkpoint', { kind, id }, cp !== null && cp.kind === kind && cp.id === id);
      continue;
    }

    if (term.text.startsWith('-')) {
      const body = term.text.slice(1).trim();
      if (!body) {
        fail(term, `'-' needs a tag after it, e.g. -text.`);
        continue;
      }
      const tag = lookup(unwrap(body).name);
      if (tag !== undefined) {
        addNegative(term, tag);
        continue;
      }
      const colon = body.lastIndexOf(':');
      if (colon >= 0) {
        const weighted = lookup(unwrap(body.slice(0, colon)).name);
        if (weighted !== undefined && NUMBER.test(body.slice(colon + 1).trim())) {
          fail(term, `'${term.text}': a negative tag takes no weight; write -${formatTag(weighted, 1)}.`, [`-${formatTag(weighted, 1)}`]);
          addNegative(term, weighted);
          continue;
        }
      }
      const name = unwrap(colon >= 0 ? body.slice(0, colon) : body).name;
      const suffix = colon >= 0 ? `:${body.slice(colon + 1).trim()}` : '';
      const close = suggest(name, [...index.values()]);
      fail(
        term,
        unknownTagMessage(name, close),
        close.map((t) => `-${formatTag(t, 1)}${suffix}`),
      );
      continue;
    }

    const colon = term.text.lastIndexOf(':');
    if (colon < 0) {
      const close = suggest(term.text, [...index.values()]);
      fail(
        term,
        unknownTagMessage(term.text, close),
        close.map((t) => formatTag(t, 1)),
      );
      continue;
    }

    const rawName = term.text.slice(0, colon);
    const { name, wrapped } = unwrap(rawName);
    const value = term.text.slice(colon + 1).trim();
    const key = name.toLowerCase();

    if (!wrapped && (OPTION_KEYS as readonly string[]).includes(key)) {
      parseOption(term, key as OptionKey, value);
      continue;
    }

    const tag = lookup(name);
    if (tag !== undefined) {
      const weight = NUMBER.test(value) ? Number(value) : NaN;
      if (!Number.isFinite(weight)) {
        fail(term, `'${term.text}': a weight must be a number, e.g. ${formatTag(tag, 1.5)}.`, [formatTag(tag, 1)]);
      } else if (weight <= 0 || weight > MAX_WEIGHT) {
        fail(term, `'${term.text}': a weight must be more than 0 and at most ${MAX_WEIGHT}.`, [formatTag(tag, 1)]);
      } else {
        addPositive(term, tag, weight);
      }
      continue;
    }

    // Unknown name before ':' and a number: a misspelt tag with a weight, or a misspelt option key.
    if (NUMBER.test(value)) {
      const candidates = wrapped ? [...index.values()] : [...index.values(), ...OPTION_KEYS];
      const close = suggest(name, candidates);
      const replacements = close.map((c) =>
        (OPTION_KEYS as readonly string[]).includes(c) && !index.has(normaliseTag(c)) ? `${c}:${value}` : `${formatTag(c, 1, true)}:${value}`,
      );
      const what = wrapped ? 'a tag of this project' : `a tag of this project or an option (${OPTION_KEYS.join(', ')})`;
      fail(term, `'${name}' is not ${what}${didYouMean(close)}`, replacements);
      continue;
    }
    const close = suggest(term.text, [...index.values()]);
    fail(
      term,
      unknownTagMessage(term.text, close),
      close.map((t) => formatTag(t, 1)),
    );
  }

  function parseOption(term: Term, key: OptionKey, value: string): void {
    if (key === 'seed') {
      const seed = INTEGER.test(value) ? Number(value) : NaN;
      if (!(seed >= 0 && seed <= MAX_SEED)) {
        fail(term, `'${term.text}': the seed must be a whole number from 0 to ${MAX_SEED}.`);
        return;
      }
      setOption(term, 'seed', seed, prompt.seed === seed);
    } else if (key === 'n' || key === 'count') {
      const count = INTEGER.test(value) ? Number(value) : NaN;
      if (!(count >= 1 && count <= maxCount)) {
        fail(term, `'${term.text}': the number of images must be a whole number from 1 to ${maxCount}.`);
        return;
      }
      setOption(term, 'count', count, prompt.count === count);
    } else {
      const t = NUMBER.test(value) ? Number(value) : NaN;
      if (!(t > 0 && t <= MAX_TRUNCATION)) {
        fail(term, `'${term.text}': truncation must be a number more than 0 and at most ${MAX_TRUNCATION}.`);
        return;
      }
      setOption(term, 'truncation', t, prompt.truncation === t);
    }
  }

  return errors.length === 0 ? { ok: true, prompt } : { ok: false, errors, prompt };
}

function describeField(field: 'seed' | 'count' | 'truncation' | 'checkpoint'): string {
  return field === 'seed' ? 'the seed' : field === 'count' ? 'the number of images' : field === 'truncation' ? 'the truncation' : 'one run or checkpoint';
}

function didYouMean(close: string[]): string {
  if (close.length === 0) return '.';
  const quoted = close.map((c) => `'${c}'`);
  const last = quoted.pop()!;
  return ` — did you mean ${quoted.length ? `${quoted.join(', ')} or ${last}` : last}?`;
}

function unknownTagMessage(name: string, close: string[]): string {
  return `'${name}' is not a tag of this project${didYouMean(close)}`;
}

// ---------------------------------------------------------------------------------------
// Fuzzy matching
//
// Similarity of a typed name q to a candidate c, both normalised, in [0, 1):
//   base       1 − d / max(|q|, |c|), d = Damerau–Levenshtein (optimal string alignment),
//              counted only when d is within a length-scaled budget (0 for ≤2 letters,
//              1 for ≤4, 2 for ≤8, else 3), so short words do not match everything
//   plural     same stem after dropping -s / -es / -ies→y, per word: 0.95 ('foxes' → 'fox')
//   words      the same words in another order: 0.9 ('fox red' → 'red fox')
//   prefix     one starts with the other (shorter ≥ 2 letters): 0.7 + 0.2·shorter/longer
//   word       q is a whole word of c or c of q ('fox' → 'red fox'): 0.65 + 0.2·ratio
//   substring  one contains the other (shorter ≥ 3 letters): 0.55 + 0.2·ratio
// The best applicable score counts; candidates under 0.4, or more than 0.3 below the best
// one, are not suggested. Ties go to the closer length, then alphabetical, so suggestions
// are stable.

/** Optimal string alignment distance (Damerau–Levenshtein with adjacent transpositions). */
export function damerauLevenshtein(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let row = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= m; i++) {
    row[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      row[j] = d;
    }
    [prev2, prev, row] = [prev, row, prev2];
  }
  return prev[n]!;
}

function editBudget(length: number): number {
  return length <= 2 ? 0 : length <= 4 ? 1 : length <= 8 ? 2 : 3;
}

function singular(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && /(s|x|z|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 2 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

function stem(name: string): string {
  return name.split(' ').map(singular).join(' ');
}

/** The words in order-free form: 'fox red' and 'red fox' agree. */
function wordSet(name: string): string {
  return stem(name).split(' ').sort().join(' ');
}

/** How close `typed` is to `candidate` (both normalised), 0 when not close at all. */
export function similarity(typed: string, candidate: string): number {
  if (!typed || !candidate) return 0;
  if (typed === candidate) return 1;
  let score = 0;
  const shorter = typed.length <= candidate.length ? typed : candidate;
  const longer = shorter === typed ? candidate : typed;
  const ratio = shorter.length / longer.length;
  if (stem(typed) === stem(candidate)) score = Math.max(score, 0.95);
  if (typed.includes(' ') && wordSet(typed) === wordSet(candidate)) score = Math.max(score, 0.9);
  if (shorter.length >= 2 && longer.startsWith(shorter)) score = Math.max(score, 0.7 + 0.2 * ratio);
  if (shorter.length >= 2 && longer.split(' ').includes(shorter)) score = Math.max(score, 0.65 + 0.2 * ratio);
  if (shorter.length >= 3 && longer.includes(shorter)) score = Math.max(score, 0.55 + 0.2 * ratio);
  const budget = editBudget(typed.length);
  if (budget > 0 && Math.abs(typed.length - candidate.length) <= budget) {
    const d = damerauLevenshtein(typed, candidate);
    if (d <= budget) score = Math.max(score, 1 - d / longer.length);
  }
  return score;
}

const MIN_SIMILARITY = 0.4;
const SUGGESTION_SPREAD = 0.3;

/** Up to three candidates close to `typed`, best first; none when nothing is close. */
export function suggest(typed: string, candidates: readonly string[], limit = MAX_SUGGESTIONS): string[] {
  const q = normaliseTag(typed);
  const scored: { name: string; score: number }[] = [];
  const seen = new Set<string>();
  for (const name of candidates) {
    const c = normaliseTag(name);
    if (seen.has(c)) continue;
    seen.add(c);
    const score = similarity(q, c);
    if (score >= MIN_SIMILARITY) scored.push({ name, score });
  }
  const ranked = rank(scored, q.length);
  // Next to a strong match (a plural, a prefix), much weaker ones are noise.
  const floor = (ranked[0]?.score ?? 0) - SUGGESTION_SPREAD;
  return ranked
    .filter((s) => s.score >= floor)
    .slice(0, limit)
    .map((s) => s.name);
}

function rank<T extends { name: string; score: number }>(items: T[], typedLength: number): T[] {
  return items.sort(
    (a, b) =>
      b.score - a.score || Math.abs(a.name.length - typedLength) - Math.abs(b.name.length - typedLength) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

// ---------------------------------------------------------------------------------------
// Autocomplete

const COMPLETABLE_OPTIONS = ['seed:', 'n:', 'count:', 'trunc:', '@run', '@ck'];

/**
 * Completions for the term under `cursor`: replace `text.slice(from, to)` with an option's
 * `tag`. What was typed from the term's start up to the cursor is the query. Tags whose
 * name starts with it rank first, then tags with a word starting with it, then tags
 * containing it, then fuzzy matches; within one kind of match the tag on more images comes
 * first (`counts`, by tag name), then the closer match. A leading '-' is kept (from is after
 * it) and only tags are offered; option keys (seed:, n:, count:, trunc:, @run, @ck) are
 * offered otherwise. Scores: prefix 3+, word prefix 2.5+, substring 2+, fuzzy 1+ (plus up to
 * 0.4 for closeness). Each tag's `count` is its number of images when `counts` knows it.
 */
export function completePrompt(
  text: string,
  cursor: number,
  vocabulary: readonly string[],
  limit = 8,
  counts: ReadonlyMap<string, number> = new Map(),
): { from: number; to: number; options: { tag: string; score: number; count?: number }[] } {
  const at = Math.max(0, Math.min(text.length, Math.floor(cursor)));
  let from = (at > 0 ? text.lastIndexOf(',', at - 1) : -1) + 1;
  let to = text.indexOf(',', at);
  if (to < 0) to = text.length;
  while (from < at && /\s/.test(text[from]!)) from++;
  while (to > at && /\s/.test(text[to - 1]!)) to--;
  let negativeTerm = false;
  if (text[from] === '-' && from < at) {
    negativeTerm = true;
    from++;
    while (from < at && /\s/.test(text[from]!)) from++;
  }
  const typed = text.slice(from, at);
  // After a ':' the term is a value (a weight, a seed…): nothing to complete.
  if (typed.includes(':')) return { from, to, options: [] };
  const q = normaliseTag(typed);

  const candidates: string[] = [...vocabulary];
  if (!negativeTerm) candidates.push(...COMPLETABLE_OPTIONS);
  const options = new Set(COMPLETABLE_OPTIONS);
  const scored: { name: string; score: number; tier: number; count: number | undefined }[] = [];
  const seen = new Set<string>();
  for (const name of candidates) {
    const c = normaliseTag(name);
    if (!c || seen.has(c)) continue;
    seen.add(c);
    // With nothing typed yet, tags come before option keys.
    const score = !q && options.has(name) ? 2 : completionScore(q, c);
    const count = options.has(name) ? undefined : counts.get(name);
    if (score > 0) scored.push({ name, score, tier: matchTier(score), count });
  }
  scored.sort(
    (a, b) =>
      b.tier - a.tier ||
      (b.count ?? -1) - (a.count ?? -1) ||
      b.score - a.score ||
      Math.abs(a.name.length - q.length) - Math.abs(b.name.length - q.length) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  return {
    from,
    to,
    options: scored.slice(0, Math.max(0, limit)).map((s) => ({
      tag: s.name,
      score: Math.round(s.score * 1000) / 1000,
      ...(s.count === undefined ? {} : { count: s.count }),
    })),
  };
}

/** The kind of match a completion score stands for: prefix 4, word prefix 3, substring 2, fuzzy 1. */
function matchTier(score: number): number {
  return score >= 3 ? 4 : score >= 2.5 ? 3 : score >= 2 ? 2 : 1;
}

function completionScore(q: string, c: string): number {
  if (!q) return 3;
  const closeness = 0.4 * Math.min(1, q.length / c.length);
  const bare = c.replace(/^@/, '');
  if (c.startsWith(q) || bare.startsWith(q)) return 3 + closeness;
  if (c.split(/[\s\-_&/]+/).some((w) => w.startsWith(q))) return 2.5 + closeness;
  if (c.includes(q)) return 2 + closeness;
  const s = similarity(q, c.replace(/:$/, ''));
  return s >= MIN_SIMILARITY ? 1 + 0.4 * s : 0;
}

// ---------------------------------------------------------------------------------------
// Conditioning

/**
 * The weighted multi-hot vector over the model's classes: each positive tag's weight at its
 * class, NEGATIVE_CONDITION at each negative tag's class, 0 elsewhere. Classes match tags
 * case-insensitively. Tags the model does not know are left out: see unknownToModel.
 */
export function conditionVector(prompt: ParsedPrompt, classes: readonly string[]): Float32Array {
  const index = new Map<string, number>();
  classes.forEach((c, i) => {
    const key = normaliseTag(c);
    if (!index.has(key)) index.set(key, i);
  });
  const vector = new Float32Array(classes.length);
  for (const { tag, weight } of prompt.tags) {
    const i = index.get(normaliseTag(tag));
    if (i !== undefined) vector[i] = weight;
  }
  for (const tag of prompt.negative) {
    const i = index.get(normaliseTag(tag));
    if (i !== undefined) vector[i] = NEGATIVE_CONDITION;
  }
  return vector;
}

/** Tags of the prompt (positive, then negative) the model was not trained on, e.g. tags added after the run. */
export function unknownToModel(prompt: ParsedPrompt, classes: readonly string[]): string[] {
  const known = new Set(classes.map(normaliseTag));
  return [...prompt.tags.map((t) => t.tag), ...prompt.negative].filter((tag) => !known.has(normaliseTag(tag)));
}

// ---------------------------------------------------------------------------------------
// Canonical text

/** A tag as written in a prompt; parenthesised when its name could read as something else. */
function formatTag(tag: string, weight: number, forceWrap = false): string {
  const key = normaliseTag(tag);
  const wrap = forceWrap || weight !== 1 ? needsWrapWeighted(tag, key) : needsWrapBare(tag);
  const name = wrap ? `(${tag})` : tag;
  return weight === 1 ? name : `${name}:${weight}`;
}

function needsWrapBare(tag: string): boolean {
  return /^[-@(]/.test(tag.trim());
}

function needsWrapWeighted(tag: string, key: string): boolean {
  return needsWrapBare(tag) || tag.includes(':') || (OPTION_KEYS as readonly string[]).includes(key);
}

/**
 * Canonical text of a prompt: tags (weight shown when not 1), negatives, then seed, n, trunc
 * and the run or checkpoint. parsePrompt(formatPrompt(p)) gives p back for any p it produced.
 */
export function formatPrompt(p: ParsedPrompt): string {
  const terms: string[] = [];
  for (const { tag, weight } of p.tags) terms.push(formatTag(tag, weight));
  for (const tag of p.negative) terms.push(`-${formatTag(tag, 1)}`);
  if (p.seed !== null) terms.push(`seed:${p.seed}`);
  if (p.count !== null) terms.push(`n:${p.count}`);
  if (p.truncation !== null) terms.push(`trunc:${p.truncation}`);
  if (p.checkpoint) terms.push(`@${p.checkpoint.kind === 'run' ? 'run' : 'ck'}${p.checkpoint.id}`);
  return terms.join(', ');
}
