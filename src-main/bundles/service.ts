// The engine side of Export: what the contract's bundles:*, cards:get and models:exportWeb do
// for the open project. Bundles are copied inside the engine (the work is disk and hashing,
// streamed a megabyte at a time) as jobs that report progress and can be cancelled.
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { existsSync } from 'node:fs';
import type { BundleExportedT, BundleInfoT, BundleOptionsT, BundleCheckpointsT, JobKindT, ModelCardT, WebExportT } from '../../src-preload/contract';
import { AtelierError } from '../errors';
import { classesOf } from '../generate/service';
import type { Project } from '../store/project';
import { checkpointFolders } from '../store/snapshot';
import { BUNDLED_FOLDERS, exportBundle } from './export-bundle';
import { modelCard, type CardTarget } from './model-card';
import { inspectBundle, openBundle } from './open-bundle';
import type { OnProgress } from './progress';

/** A job the host tracks for us: its cancel signal, its progress, and how it ended. */
export interface TrackedJob {
  signal: AbortSignal;
  progress: OnProgress;
  finish(status: 'done' | 'cancelled' | 'failed', error?: unknown): void;
}

export interface BundleServiceOptions {
  project: () => Project;
  version: string;
  track: (kind: JobKindT) => TrackedJob;
  /** Where a new folder or file chosen by a page may go (the headless studio limits it); returns the full path. */
  place: (path: string) => string;
  /** A sensible folder for new files: the projects folder, else the one holding the open project. */
  home: () => string;
}

const GENERATED = 'samples/generated';

export class BundleService {
  constructor(private readonly o: BundleServiceOptions) {}

  async options(): Promise<BundleOptionsT> {
    const p = this.o.project();
    const checkpoints = checkpointFolders(p.db);
    const published = p.evaluations.published();
    const chosen = published ?? checkpoints.at(-1)?.id ?? null;
    let base = (await stat(p.path('atelier.db'))).size;
    for (const f of BUNDLED_FOLDERS) if (f !== 'checkpoints') base += await folderBytes(p.dir, f);
    const generations = await folderBytes(p.dir, GENERATED);
    base -= generations;
    let all = 0;
    let one = 0;
    for (const c of checkpoints) {
      const bytes = await folderBytes(p.dir, c.dir);
      all += bytes;
      if (c.id === chosen) one = bytes;
    }
    // Run samples live under checkpoints/ too and always travel.
    base += Math.max(0, (await folderBytes(p.dir, 'checkpoints')) - all);
    const day = new Date().toISOString().slice(0, 10);
    return {
      suggestedFile: freeName(join(this.o.home(), `${slug(p.name)}-${day}`), '.atelier'),
      bytes: { base, checkpoints: all, publishedCheckpoint: one, generations },
      checkpoints: checkpoints.length,
      published,
      generations: p.generations.count(),
    };
  }

  async export(input: { out: string; generations: boolean; checkpoints: BundleCheckpointsT }): Promise<BundleExportedT> {
    const p = this.o.project();
    const out = this.o.place(input.out.endsWith('.atelier') ? input.out : `${input.out}.atelier`);
    const job = this.o.track('export');
    try {
      const result = await exportBundle(p, out, {
        generations: input.generations,
        checkpoints: input.checkpoints,
        atelier: this.o.version,
        modelCard: () => this.bundleCard(p),
        signal: job.signal,
        onProgress: job.progress,
      });
      job.finish('done');
      return result;
    } catch (error) {
      job.finish(job.signal.aborted ? 'cancelled' : 'failed', error);
      throw error;
    }
  }

  async inspect(file: string): Promise<BundleInfoT> {
    const { manifest, bytes, file: full } = await inspectBundle(file);
    return {
      file: full,
      bytes,
      name: manifest.project.name,
      createdAt: manifest.createdAt,
      atelier: manifest.atelier,
      generations: manifest.options.generations,
      checkpoints: manifest.options.checkpoints,
      omittedCheckpoints: manifest.omittedCheckpoints,
      counts: manifest.counts,
      unpackedBytes: manifest.entries.reduce((n, e) => n + e.bytes, 0),
      suggestedDir: freeName(join(this.o.home(), slug(manifest.project.name)), ''),
    };
  }

  /** Opens the bundle into a new folder; the caller then opens that project. */
  async open(file: string, dir: string): Promise<{ dir: string; seconds: number; from: string }> {
    const target = this.o.place(dir);
    const job = this.o.track('open-bundle');
    try {
      const opened = await openBundle(file, target, { signal: job.signal, onProgress: job.progress });
      job.finish('done');
      return { dir: opened.dir, seconds: opened.seconds, from: basename(file) };
    } catch (error) {
      job.finish(job.signal.aborted ? 'cancelled' : 'failed', error);
      throw error;
    }
  }

  card(target: CardTarget): ModelCardT {
    const p = this.o.project();
    if ('runId' in target && !p.runs.get(target.runId)) throw new AtelierError('not-found', `There is no run ${target.runId} in this project.`);
    if ('checkpointId' in target && !p.runs.checkpoint(target.checkpointId)) {
      throw new AtelierError('not-found', `There is no checkpoint ${target.checkpointId} in this project.`);
    }
    const { html, title } = modelCard(p, target, { version: this.o.version });
    return { title, html };
  }

  async exportWeb(checkpointId: number, dir: string): Promise<WebExportT> {
    const p = this.o.project();
    const checkpoint = p.runs.checkpoint(checkpointId);
    if (!checkpoint) throw new AtelierError('not-found', `There is no checkpoint ${checkpointId} in this project.`);
    const run = p.runs.get(checkpoint.runId)!;
    const card = modelCard(p, { checkpointId }, { version: this.o.version });
    const credits = [
      ...(card.facts.starterAttribution ? [card.facts.starterAttribution] : []),
      ...card.facts.credits.map((c) => `${c.what}: ${c.author}, ${c.license} (${c.url})`),
    ];
    const config = (run.settings.config ?? {}) as { classes?: number };
    // tfjs loads only when a model is exported: the studio starts without it.
    const { exportWebGenerator } = await import('./web-generator');
    return exportWebGenerator({
      checkpointDir: p.path(checkpoint.dir),
      classes: run.model === 'dcgan' || !config.classes ? [] : classesOf(run),
      outDir: this.o.place(dir),
      title: `${run.name} · step ${checkpoint.step.toLocaleString('en')}`,
      modelCardHtml: card.html,
      credits,
    });
  }

  /** The card a bundle carries: of the published checkpoint, else the newest; none without a checkpoint. */
  private bundleCard(p: Project): string | null {
    const checkpointId = p.evaluations.published() ?? checkpointFolders(p.db).at(-1)?.id;
    if (checkpointId === undefined) return null;
    return modelCard(p, { checkpointId }, { version: this.o.version }).html;
  }
}

/** Bytes of every file under a project folder (0 when it does not exist). */
async function folderBytes(root: string, rel: string): Promise<number> {
  let total = 0;
  const stack = [join(root, rel)];
  while (stack.length) {
    const dir = stack.pop()!;
    let items;
    try {
      items = await readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const item of items) {
      const full = join(dir, item.name);
      if (item.isDirectory()) stack.push(full);
      else if (item.isFile()) total += (await stat(full).catch(() => null))?.size ?? 0;
    }
  }
  return total;
}

/** A file or folder name from a project name: letters, digits, dashes. */
function slug(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[^\w\s-]/g, '')
      .trim()
      .replace(/\s+/g, '-')
      .slice(0, 60) || 'project'
  );
}

/** `base + ext`, or `base-2 + ext`, `base-3 + ext`… whichever does not exist yet. */
function freeName(base: string, ext: string): string {
  if (!existsSync(`${base}${ext}`)) return `${base}${ext}`;
  for (let i = 2; ; i++) if (!existsSync(`${base}-${i}${ext}`)) return `${base}-${i}${ext}`;
}
