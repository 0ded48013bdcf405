// The house's rules, read from the code: every import between source files is an
// arrow; arrows may only run down the layers below, and never in a circle.
// docs/architecture.md draws the same picture for people.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SOURCES = ['src-main', 'src-preload', 'src-renderer/src'];

/**
 * Which rooms each room may import from (besides itself and npm packages). Read it
 * top-down: adapters sit on the engine rooms, the engine rooms on the store and
 * the neutral modules, and the contract under everything.
 */
export const ALLOWED: Record<string, string[]> = {
  // Shared by every process: the contract (zod schemas and types) imports nothing of ours.
  contract: [],
  // The preload and the typed API built from the contract.
  preload: ['contract'],
  // The Svelte page: only the contract and the typed API, never main code.
  renderer: ['contract', 'preload'],
  // Neutral main modules every room may import: errors with their codes, the logger.
  neutral: ['contract'],
  // SQLite: all SQL lives here; it knows no engine room.
  store: ['contract', 'neutral'],
  // Pure tfjs: backends, models, the training step; no queue, no store.
  ml: ['contract', 'neutral'],
  // Import, decode, curation, augmentation, splits.
  datasets: ['contract', 'neutral', 'store', 'ml'],
  // Runs: the queue, validation, sample grids, sweeps, fine-tuning, checkpoint import.
  // Runs score their own checkpoints with the yardstick (evaluation/run-scorer.ts).
  training: ['contract', 'neutral', 'store', 'ml', 'datasets', 'evaluation'],
  // Prompts, the generator process, drawing, post-processing, gallery exports.
  generate: ['contract', 'neutral', 'store', 'ml', 'datasets'],
  evaluation: ['contract', 'neutral', 'store', 'ml', 'datasets', 'generate'],
  // Reviews, the preference model, feedback rounds (a round is a training run; its comparison draws with the generator).
  feedback: ['contract', 'neutral', 'store', 'ml', 'datasets', 'training', 'generate', 'evaluation'],
  bundles: ['contract', 'neutral', 'store', 'ml', 'datasets', 'training', 'generate', 'evaluation', 'feedback'],
  // Adapters and the composition root: Electron glue, web server, CLI, job dispatcher, router, handler table.
  host: ['contract', 'neutral', 'store', 'ml', 'datasets', 'training', 'generate', 'evaluation', 'feedback', 'bundles'],
  // The Electron entry: thin, over host.
  electron: ['contract', 'neutral', 'host'],
};

/** The room a source file belongs to. */
export function roomOf(file: string): string {
  if (file === 'src-preload/contract.ts' || file.startsWith('src-preload/contract/')) return 'contract';
  if (file.startsWith('src-preload/')) return 'preload';
  if (file.startsWith('src-renderer/')) return 'renderer';
  if (file === 'src-main/index.ts') return 'electron';
  const m = /^src-main\/([^/]+)\//.exec(file);
  if (m) return m[1]!;
  if (file.startsWith('src-main/')) return 'neutral'; // src-main/errors.ts, src-main/log.ts
  return 'outside';
}

function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(ROOT, dir))) {
      const path = join(dir, name);
      if (statSync(join(ROOT, path)).isDirectory()) walk(path);
      else if (/\.(ts|svelte)$/.test(name) && !name.endsWith('.d.ts') && !/\.(test|spec)\.ts$/.test(name)) out.push(path);
    }
  };
  for (const s of SOURCES) walk(s);
  return out.sort();
}

/** The script of a .svelte file, or the whole .ts file. */
function codeOf(file: string): string {
  const text = readFileSync(join(ROOT, file), 'utf8');
  if (!file.endsWith('.svelte')) return text;
  return [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
}

/** Every relative import (static, dynamic, re-export, type-only) of every source file, resolved to a file. */
export function importGraph(): Map<string, string[]> {
  const files = sourceFiles();
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(codeOf(file), true, true);
    const targets: string[] = [];
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      const base = relative(ROOT, resolve(ROOT, dirname(file), ref.fileName))
        .replace(/\\/g, '/')
        .replace(/\.js$/, '');
      const found = [base, `${base}.ts`, `${base}.svelte`, `${base}/index.ts`].find((c) => known.has(c));
      if (found) targets.push(found);
      else if (!/\.(css|json|png|svg)$/.test(base)) throw new Error(`${file} imports ${ref.fileName}, which is not a source file here`);
    }
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Strongly connected components with more than one file (or a file importing itself). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('the house', () => {
  const graph = importGraph();

  it('reads a real graph', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('src-main/host/studio.ts')).toContain('src-main/host/router.ts');
  });

  it('puts every source file in a known room', () => {
    const unknown = [...graph.keys()].filter((f) => !(roomOf(f) in ALLOWED));
    expect(unknown).toEqual([]);
  });

  it('has no import cycles', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('has no arrow the layers forbid', () => {
    const forbidden: string[] = [];
    for (const [file, targets] of graph) {
      const from = roomOf(file);
      for (const target of targets) {
        const to = roomOf(target);
        if (to !== from && !ALLOWED[from]?.includes(to)) forbidden.push(`${file} (${from}) → ${target} (${to})`);
      }
    }
    expect(forbidden).toEqual([]);
  });

  it('keeps SQL inside store/', () => {
    const sql = /['"`]\s*(SELECT|INSERT|UPDATE|DELETE|CREATE TABLE|PRAGMA) [^'"`]*/;
    const outside = [...graph.keys()]
      .filter((f) => f.startsWith('src-main/') && roomOf(f) !== 'store')
      .flatMap((f) =>
        codeOf(f)
          .split('\n')
          .map((line, i) => ({ f, i, line })),
      )
      .filter(({ line }) => sql.test(line) || /\.db\.(prepare|exec|pragma|transaction)\(/.test(line))
      .map(({ f, i, line }) => `${f}:${i + 1}: ${line.trim()}`);
    expect(outside).toEqual([]);
  });

  it('draws the layers themselves without a circle (no two rooms may import each other)', () => {
    const rooms = new Map(Object.entries(ALLOWED));
    expect(cycles(rooms)).toEqual([]);
  });

  it('catches what it claims to catch', () => {
    // The checks themselves, on a made-up graph: a circle and a forbidden arrow.
    const fake = new Map([
      ['src-main/store/a.ts', ['src-main/host/b.ts']],
      ['src-main/host/b.ts', ['src-main/store/a.ts']],
    ]);
    expect(cycles(fake)).toEqual([['src-main/host/b.ts', 'src-main/store/a.ts']]);
    expect(ALLOWED[roomOf('src-main/store/a.ts')]).not.toContain(roomOf('src-main/host/b.ts'));
  });
});
