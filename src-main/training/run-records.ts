// What the run view reads beside a run's rows (the tags of its sample grid's cells), and archiving
// and deleting runs. Archiving only hides a run from the run list (its checkpoints stay
// usable everywhere). Deleting asks the store for what goes and what points at it, refuses a run
// that is training or queued (or that a queued run starts from), forgets the rows in one
// transaction, and only then removes the files: a crash in between leaves files no row names,
// never a row without its files; such leftovers are swept by the next delete (sweepOrphans).
import { readdirSync } from 'node:fs';
import { lstat, readdir, rm } from 'node:fs/promises';
import { isAbsolute, join, normalize } from 'node:path';
import type { OpOutput } from '../../src-preload/contract';
import { AtelierError } from '../errors';
import { log } from '../log';
import type { Project } from '../store/project';
import type { RunRow } from '../store/runs';

type RunRemovalT = OpOutput<'runs:removal'>;
type RunDeletedT = OpOutput<'runs:delete'>;

/** The project folders a run's files live in; nothing outside them is ever removed. */
const RUN_FOLDERS = ['checkpoints', 'evaluations'] as const;

function requireRun(p: Project, runId: number): RunRow {
  const run = p.runs.get(runId);
  if (!run) throw new AtelierError('not-found', `There is no run ${runId} in this project.`);
  return run;
}

/** The tags each cell of a conditional run's sample grid was drawn for (recorded by the job when it built the grid). */
export function sampleTags(p: Project, run: RunRow): string[][] | null {
  const cells = p.runs.sampleCells(run.id);
  const classes = run.settings.classes;
  if (!cells || !Array.isArray(classes)) return null;
  const names = classes as unknown[];
  // A cell names only classes the run had; an index past them would be a damaged record.
  if (cells.some((c) => c.some((i) => typeof names[i] !== 'string'))) return null;
  return cells.map((c) => c.map((i) => names[i] as string));
}

export function archiveRun(p: Project, runId: number, archived: boolean): RunRow {
  requireRun(p, runId);
  p.runs.setArchived(runId, archived);
  return p.runs.get(runId)!;
}

/** A project-relative path inside one of the run folders, or null for anything else (absolute, `..`, elsewhere). */
function safeRelative(file: string): string | null {
  if (!file || isAbsolute(file)) return null;
  const clean = normalize(file).replace(/[\\/]+$/, '');
  const parts = clean.split(/[\\/]/);
  if (parts.includes('..') || parts.length < 2 || !(RUN_FOLDERS as readonly string[]).includes(parts[0]!)) return null;
  return clean;
}

/** Bytes under a path (a file or a folder), 0 when it is missing; links are not followed. */
async function bytesOf(path: string): Promise<number> {
  let st;
  try {
    st = await lstat(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const entry of await readdir(path).catch(() => [] as string[])) total += await bytesOf(join(path, entry));
  return total;
}

/** Evidence folders of a run's evaluations (evaluation/service.ts and run-scorer.ts name them `evaluations/run-<id>-…`). */
function evidenceFolders(p: Project, runId: number): string[] {
  try {
    return readdirSync(p.path('evaluations'))
      .filter((name) => name.startsWith(`run-${runId}-`))
      .map((name) => `evaluations/${name}`);
  } catch {
    return [];
  }
}

interface Paths {
  checkpoints: string[];
  samples: string[];
  evidence: string[];
  /** The run's own folders, which hold all of the above for runs Atelier trained or imported. */
  folders: string[];
}

function pathsOf(p: Project, runId: number, facts: { checkpoints: { dir: string }[]; samples: { file: string }[] }): Paths {
  const keep = (list: string[]) => list.map(safeRelative).filter((f): f is string => f !== null);
  return {
    checkpoints: keep(facts.checkpoints.map((c) => c.dir)),
    samples: keep(facts.samples.map((s) => s.file)),
    evidence: evidenceFolders(p, runId),
    folders: [`checkpoints/run-${runId}`, `checkpoints/imported-${runId}`],
  };
}

/** Why a run cannot be deleted now, or null. */
function blocker(run: RunRow, children: { name: string; status: string; checkpoints: number }[]): string | null {
  if (run.status === 'running') return `${run.name} is training. Cancel it first (its checkpoints are kept), then delete it.`;
  if (run.status === 'queued') return `${run.name} is waiting in the queue. Cancel it first, then delete it.`;
  const waiting = children.find((c) => c.status === 'running' || c.status === 'queued' || (c.status === 'paused' && c.checkpoints === 0));
  if (waiting) {
    return `${waiting.name} is ${waiting.status === 'paused' ? 'paused before its first checkpoint and' : waiting.status === 'running' ? 'training and' : 'queued and'} starts from one of this run's checkpoints. Cancel it first, then delete this run.`;
  }
  return null;
}

/** What deleting the run would remove, with sizes, and what depends on it. */
export async function removalPlan(p: Project, runId: number): Promise<RunRemovalT> {
  const run = requireRun(p, runId);
  const facts = p.runs.removalFacts(runId)!;
  const paths = pathsOf(p, runId, facts);
  const sum = async (list: string[]) => (await Promise.all(list.map((f) => bytesOf(p.path(f))))).reduce((a, b) => a + b, 0);
  const [checkpointBytes, sampleBytes, evaluationBytes] = await Promise.all([sum(paths.checkpoints), sum(paths.samples), sum(paths.evidence)]);
  return {
    runId,
    name: run.name,
    status: run.status,
    blocked: blocker(run, facts.children),
    checkpoints: facts.checkpoints.length,
    checkpointBytes,
    samples: facts.samples.length,
    sampleBytes,
    evaluations: facts.evaluations,
    evaluationBytes,
    bytes: checkpointBytes + sampleBytes + evaluationBytes,
    published: facts.published,
    generations: facts.generations,
    fineTuned: facts.children.filter((c) => !facts.roundsFrom.some((r) => r.id === c.id)).map((c) => ({ runId: c.id, name: c.name })),
    feedbackRoundsFrom: facts.roundsFrom.map((r) => ({ runId: r.id, name: r.name })),
    isFeedbackRound: facts.isRound,
  };
}

/**
 * Deletes a run: the rows first (one transaction), then its files. Gallery images drawn from it
 * stay, with their prompts, seeds and ratings (their checkpoints' rows stay, weightless).
 */
export async function deleteRun(p: Project, runId: number, isActive: (runId: number) => boolean): Promise<RunDeletedT> {
  const run = requireRun(p, runId);
  const facts = p.runs.removalFacts(runId)!;
  const why = blocker(run, facts.children) ?? (isActive(runId) ? `${run.name} is still stopping. Wait a moment, then delete it.` : null);
  if (why) throw new AtelierError('invalid-state', why);
  const paths = pathsOf(p, runId, facts);
  const targets = [...new Set([...paths.folders, ...paths.checkpoints, ...paths.samples, ...paths.evidence])];
  const bytes = (await Promise.all(targets.filter((t) => !paths.folders.some((f) => t.startsWith(`${f}/`))).map((f) => bytesOf(p.path(f))))).reduce(
    (a, b) => a + b,
    0,
  );
  p.runs.remove(runId);
  let removed = 0;
  for (const target of targets) removed += await removePath(p, target);
  await sweepOrphans(p);
  log.info(`Run ${runId} (${run.name}) deleted: ${removed} files and folders, ${bytes} bytes; ${facts.generations} gallery images drawn from it stay`);
  return { runId, removed, bytes, keptGenerations: facts.generations };
}

/** Removes a project-relative path (1 when something was there). A failure is logged; the next sweep retries. */
async function removePath(p: Project, file: string): Promise<number> {
  const full = p.path(file);
  try {
    await lstat(full);
  } catch {
    return 0;
  }
  try {
    await rm(full, { recursive: true, force: true });
    return 1;
  } catch (error) {
    log.warn(`Could not remove ${file} of a deleted run; the next delete sweeps it`, error);
    return 0;
  }
}

/**
 * Run folders no live run owns (left by a crash between a delete's transaction and its file
 * removal): `checkpoints/run-N`, `checkpoints/imported-N` and `evaluations/run-N-…`.
 */
export async function sweepOrphans(p: Project): Promise<number> {
  const live = p.runs.liveIds();
  let removed = 0;
  const owner = (name: string, pattern: RegExp) => {
    const m = pattern.exec(name);
    return m ? Number(m[1]) : null;
  };
  for (const [folder, pattern] of [
    ['checkpoints', /^(?:run|imported)-(\d+)$/],
    ['evaluations', /^run-(\d+)-/],
  ] as const) {
    let names: string[];
    try {
      names = await readdir(p.path(folder));
    } catch {
      continue;
    }
    for (const name of names) {
      const id = owner(name, pattern);
      if (id !== null && id > 0 && !live.has(id)) removed += await removePath(p, `${folder}/${name}`);
    }
  }
  return removed;
}
