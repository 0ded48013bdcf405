// Editing the prompt box: completions and "did you mean" fixes spliced into the text, the
// text cut into runs so the parser's problems can be underlined, and random seeds. Pure, so
// it is unit-tested.

/** Text after an edit, and where the caret goes. */
export interface Edit {
  text: string;
  cursor: number;
}

/** `text.slice(from, to)` replaced by `replacement`; the caret lands right after it. */
export function splice(text: string, from: number, to: number, replacement: string): Edit {
  const start = clamp(Math.min(from, to), 0, text.length);
  const end = clamp(Math.max(from, to), start, text.length);
  return { text: text.slice(0, start) + replacement + text.slice(end), cursor: start + replacement.length };
}

/**
 * A completion accepted: the tag replaces the term and the caret sits right after it, with
 * nothing added, so what is typed next belongs to the term (`:1.5` weights it) or starts the
 * next one after a comma typed by hand.
 */
export function acceptCompletion(text: string, from: number, to: number, option: string): Edit {
  return splice(text, from, to, option);
}

/** A span of the prompt the parser objected to (`prompts:parse` problems). */
export interface Span {
  start: number;
  end: number;
}

/** A stretch of the prompt, plain or inside one problem's span (an index into `problems`). */
export interface Run {
  text: string;
  start: number;
  problem: number | null;
}

/**
 * The text cut into runs for drawing underlines under the problems. Spans are clamped to the
 * text; where two overlap the earlier one wins; empty spans underline nothing.
 */
export function problemRuns(text: string, problems: readonly Span[]): Run[] {
  const marks = new Array<number | null>(text.length).fill(null);
  problems.forEach((p, i) => {
    const start = clamp(p.start, 0, text.length);
    const end = clamp(p.end, start, text.length);
    for (let k = start; k < end; k++) marks[k] ??= i;
  });
  const runs: Run[] = [];
  for (let k = 0; k < text.length; k++) {
    const last = runs.at(-1);
    if (last && last.problem === marks[k]) last.text += text[k];
    else runs.push({ text: text[k]!, start: k, problem: marks[k] ?? null });
  }
  return runs;
}

export const MAX_SEED = 2 ** 31 - 1;

/** A seed in the range `generations:create` takes. */
export function randomSeed(random: () => number = Math.random): number {
  return Math.min(MAX_SEED, Math.floor(random() * (MAX_SEED + 1)));
}

/** What the caret sits in: the typed part of the current term, for deciding whether to offer completions. */
export function typedTerm(text: string, cursor: number): string {
  const at = clamp(cursor, 0, text.length);
  const from = text.lastIndexOf(',', at - 1) + 1;
  return text.slice(from, at).trimStart();
}

/** Whether a typed term can still be completed: a finished `@run3` / `@ck12` or an option with its value cannot. */
export function wantsCompletions(typed: string): boolean {
  const t = typed.trim();
  return !t.includes(':') && !/^@\s*(run|ck)\s*\d+$/i.test(t);
}

/** Whether the prompt picks its own model (`@run3`, `@ck12`), which the model picker must then not override. */
export function namesCheckpoint(text: string): boolean {
  return text.split(',').some((term) => /^@\s*(run|ck)\s*\d+$/i.test(term.trim()));
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
