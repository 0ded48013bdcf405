// The Export step's state: a bundle of the open project (what each choice weighs, the export as a
// job with progress and cancel, how it ended), a bundle checked then opened as a new project, the
// model card of a run or checkpoint, and a checkpoint written as a generator for the web. Works
// over an injected API whose failures reach only the caller, so each error is shown where it
// happened; ExportView wires the studio's (and the welcome screen an opener of its own).
import type { Api } from '../../../src-preload/api';
import type {
  BundleCheckpointsT,
  BundleExportedT,
  BundleInfoT,
  BundleOpenedT,
  BundleOptionsT,
  ModelCardT,
  OpOutput,
  ProjectSummaryT,
  RunT,
  WebExportT,
} from '../../../src-preload/contract';
import { errorMessage } from '../lib/errors';

export type CheckpointItem = OpOutput<'checkpoints:list'>[number];

/** A size as a person reads it: 830 kB, 6.2 MB, 240 MB, 1.25 GB (the engine's own steps). */
export function formatBytes(bytes: number): string {
  if (bytes < 1e6) return `${Math.max(0, Math.round(bytes / 1e3)).toLocaleString('en-US')} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
  return `${(bytes / 1e9).toFixed(bytes < 1e10 ? 2 : 1)} GB`;
}

/** The folder a path is in ('' for a bare name), whichever separator it uses. */
export function folderOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut <= 0 ? path.slice(0, Math.max(0, cut + 1)) : path.slice(0, cut);
}

/** `name` inside `dir`, with the separator `dir` already uses. */
export function joinPath(dir: string, name: string): string {
  if (dir === '') return name;
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return dir.endsWith(sep) ? `${dir}${name}` : `${dir}${sep}${name}`;
}

/** A file or folder name from a run's name: letters, digits, dashes. */
export function slug(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[^\w\s-]/g, '')
      .trim()
      .replace(/\s+/g, '-')
      .slice(0, 60) || 'model'
  );
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** What a bundle holds, in words: "3,781 images, 12 tags, 1 run, 2 checkpoints, 40 generated images, 5 reviews". */
export function countsWords(c: BundleInfoT['counts']): string {
  return [
    plural(c.assets, 'image'),
    plural(c.tags, 'tag'),
    plural(c.runs, 'run'),
    plural(c.checkpoints, 'checkpoint'),
    plural(c.generations, 'generated image'),
    plural(c.reviews, 'review'),
  ].join(', ');
}

/** What a bundle was made without, in words; empty when it carries everything. */
export function leftOutWords(info: Pick<BundleInfoT, 'generations' | 'checkpoints' | 'omittedCheckpoints'>): string[] {
  const out: string[] = [];
  if (!info.generations) out.push('generated images');
  const n = info.omittedCheckpoints.length;
  if (info.checkpoints === 'none' && n > 0) out.push(`the weights of every checkpoint (${n})`);
  else if (n > 0) out.push(`the weights of ${plural(n, 'other checkpoint')} (one travels: the published, else the newest)`);
  return out;
}

/** The project a bundle was opened as, without what only the opening knows. */
export function projectOf(opened: BundleOpenedT): ProjectSummaryT {
  const { dir, name, assetCount, tagCount, runCount, generationCount, checkpointCount, background } = opened;
  return { dir, name, assetCount, tagCount, runCount, generationCount, checkpointCount, background };
}

/** The code an engine error carries (also across the Electron bridge, as a plain object). */
function errorCode(error: unknown): string | null {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : null;
}

/**
 * One job this screen started (a bundle written or opened): the engine names it in its first
 * progress report, which also carries the fraction and a sentence with the time left. Cancel
 * asked for before that report is sent as soon as the job is known.
 */
export class TrackedJob {
  jobId = $state<string | null>(null);
  fraction = $state(0);
  message = $state('');
  private stop: (() => void) | null = null;
  private cancelAsked = false;

  constructor(
    private readonly api: Api,
    readonly kind: 'export' | 'open-bundle',
  ) {}

  begin(message: string): void {
    this.end();
    this.jobId = null;
    this.fraction = 0;
    this.message = message;
    this.cancelAsked = false;
    this.stop = this.api.on('job:progress', (p) => {
      if (p.kind !== this.kind || (this.jobId !== null && p.jobId !== this.jobId)) return;
      const first = this.jobId === null;
      this.jobId = p.jobId;
      this.fraction = p.fraction;
      this.message = p.message;
      if (first && this.cancelAsked) void this.cancel();
    });
  }

  end(): void {
    this.stop?.();
    this.stop = null;
  }

  async cancel(): Promise<void> {
    this.cancelAsked = true;
    let jobId = this.jobId;
    if (jobId === null) {
      // No report yet: the engine's list knows the job already.
      const running = await this.api.jobs.list().catch(() => []);
      jobId = running.find((j) => j.kind === this.kind && j.status === 'running')?.id ?? null;
      if (jobId === null) return; // its first report will carry the cancel
    }
    this.message = 'Cancelling…';
    await this.api.jobs.cancel({ jobId }).catch(() => {});
  }
}

/** "Bundle this project": the file, what goes in, the export and how it ended. */
export class BundleExport {
  options = $state.raw<BundleOptionsT | null>(null);
  loadError = $state<string | null>(null);
  file = $state('');
  generations = $state(true);
  checkpoints = $state<BundleCheckpointsT>('all');
  running = $state(false);
  result = $state.raw<BundleExportedT | null>(null);
  /** Why the last export did not happen, in the engine's words. */
  error = $state<string | null>(null);
  cancelled = $state(false);
  readonly job: TrackedJob;
  /** The file name offered last: replaced by the next offer unless the person edited it. */
  private offered = '';

  constructor(private readonly api: Api) {
    this.job = new TrackedJob(api, 'export');
  }

  /** Bytes of the checkpoints a choice carries. */
  checkpointBytes(choice: BundleCheckpointsT): number {
    const o = this.options;
    if (!o) return 0;
    return choice === 'all' ? o.bytes.checkpoints : choice === 'published' ? o.bytes.publishedCheckpoint : 0;
  }

  /** What the bundle weighs with the current choices (the files' sizes; images barely compress). */
  estimate = $derived(
    this.options ? this.options.bytes.base + (this.generations ? this.options.bytes.generations : 0) + this.checkpointBytes(this.checkpoints) : null,
  );

  async load(): Promise<void> {
    try {
      const options = await this.api.bundles.options();
      this.options = options;
      this.loadError = null;
      if (this.file === '' || this.file === this.offered) this.file = options.suggestedFile;
      this.offered = options.suggestedFile;
      if (options.checkpoints === 0 && this.checkpoints !== 'none') this.checkpoints = 'none';
      else if (options.checkpoints > 0 && this.checkpoints === 'none' && this.result === null) this.checkpoints = 'all';
    } catch (error) {
      this.loadError = errorMessage(error);
    }
  }

  async start(): Promise<void> {
    const out = this.file.trim();
    if (this.running || out === '') return;
    this.running = true;
    this.error = null;
    this.result = null;
    this.cancelled = false;
    this.job.begin('Starting…');
    try {
      this.result = await this.api.bundles.export({ out, generations: this.generations, checkpoints: this.checkpoints });
    } catch (error) {
      if (errorCode(error) === 'cancelled') this.cancelled = true;
      else this.error = errorMessage(error);
    } finally {
      this.job.end();
      this.running = false;
    }
    // The written file is taken now: the next offer is a free name.
    if (this.result) await this.load();
  }

  cancel(): Promise<void> {
    return this.job.cancel();
  }

  /** Back to the form (after a result or an error). */
  dismiss(): void {
    this.result = null;
    this.error = null;
    this.cancelled = false;
  }

  reset(): void {
    if (this.running) return;
    this.options = null;
    this.loadError = null;
    this.file = '';
    this.offered = '';
    this.generations = true;
    this.checkpoints = 'all';
    this.dismiss();
  }
}

/** "Open a bundle": a file checked first (what it holds, or why it is refused), then opened into a new folder. */
export class BundleOpen {
  file = $state('');
  info = $state.raw<BundleInfoT | null>(null);
  checking = $state(false);
  checkError = $state<string | null>(null);
  dir = $state('');
  opening = $state(false);
  openError = $state<string | null>(null);
  cancelled = $state(false);
  opened = $state.raw<BundleOpenedT | null>(null);
  readonly job: TrackedJob;

  constructor(
    private readonly api: Api,
    /** The engine now has the opened bundle as its project: show it. */
    private readonly onOpened: (opened: BundleOpenedT) => void = () => {},
  ) {
    this.job = new TrackedJob(api, 'open-bundle');
  }

  /** A new file to check: what was said about the previous one no longer holds. */
  setFile(file: string): void {
    if (file === this.file) return;
    this.file = file;
    if (this.opening) return;
    this.info = null;
    this.checkError = null;
    this.openError = null;
    this.cancelled = false;
  }

  async check(): Promise<void> {
    const file = this.file.trim();
    if (this.checking || this.opening || file === '') return;
    this.checking = true;
    this.info = null;
    this.checkError = null;
    this.openError = null;
    this.cancelled = false;
    try {
      const info = await this.api.bundles.inspect({ file });
      this.info = info;
      this.dir = info.suggestedDir;
    } catch (error) {
      this.checkError = errorMessage(error);
    } finally {
      this.checking = false;
    }
  }

  async open(): Promise<void> {
    const info = this.info;
    const dir = this.dir.trim();
    if (!info || this.opening || dir === '') return;
    this.opening = true;
    this.openError = null;
    this.cancelled = false;
    this.job.begin('Starting…');
    let opened: BundleOpenedT | null = null;
    try {
      opened = await this.api.bundles.open({ file: info.file, dir });
    } catch (error) {
      if (errorCode(error) === 'cancelled') this.cancelled = true;
      else this.openError = errorMessage(error);
    } finally {
      this.job.end();
      this.opening = false;
    }
    if (opened) {
      this.opened = opened;
      this.onOpened(opened);
    }
  }

  cancel(): Promise<void> {
    return this.job.cancel();
  }

  reset(): void {
    if (this.opening) return;
    this.file = '';
    this.info = null;
    this.checking = false;
    this.checkError = null;
    this.dir = '';
    this.openError = null;
    this.cancelled = false;
    this.opened = null;
  }
}

/** A choice in the model card's picker: a checkpoint (`c:<id>`) or a whole run (`r:<id>`). */
export type CardKey = `c:${number}` | `r:${number}`;

/** "Model card": which run or checkpoint, and its card as one printable page. */
export class ModelCards {
  runs = $state.raw<RunT[]>([]);
  checkpoints = $state.raw<CheckpointItem[]>([]);
  published = $state<number | null>(null);
  loaded = $state(false);
  loadError = $state<string | null>(null);
  choice = $state<CardKey | null>(null);
  card = $state.raw<ModelCardT | null>(null);
  loadingCard = $state(false);
  cardError = $state<string | null>(null);
  private ticket = 0;

  constructor(private readonly api: Api) {}

  /** Runs that have a checkpoint, newest first, each with its checkpoints (latest first). */
  groups = $derived(
    this.runs
      .map((run) => ({ run, checkpoints: this.checkpoints.filter((c) => c.runId === run.id).sort((a, b) => b.step - a.step) }))
      .filter((g) => g.checkpoints.length > 0),
  );

  async load(): Promise<void> {
    try {
      const [runs, checkpoints, evaluations] = await Promise.all([this.api.runs.list(), this.api.checkpoints.list(), this.api.evaluations.list({})]);
      this.runs = runs;
      this.checkpoints = checkpoints;
      this.published = evaluations.published;
      this.loadError = null;
    } catch (error) {
      this.loadError = errorMessage(error);
      return;
    } finally {
      this.loaded = true;
    }
    const still = this.choice !== null && this.valid(this.choice);
    const next: CardKey | null = still
      ? this.choice
      : this.published !== null && this.checkpoints.some((c) => c.id === this.published)
        ? `c:${this.published}`
        : this.checkpoints[0]
          ? `c:${this.checkpoints[0].id}`
          : null;
    if (next === null) {
      this.choice = null;
      this.card = null;
      return;
    }
    await this.choose(next, still);
  }

  /** Show the card of a run or checkpoint (`force` refetches the one shown: it may have changed). */
  async choose(key: CardKey, force = true): Promise<void> {
    if (!force && key === this.choice && this.card) return;
    this.choice = key;
    const ticket = ++this.ticket;
    this.loadingCard = true;
    this.cardError = null;
    const id = Number(key.slice(2));
    try {
      const card = await this.api.cards.get(key.startsWith('c:') ? { checkpointId: id } : { runId: id });
      if (ticket === this.ticket) this.card = card;
    } catch (error) {
      if (ticket === this.ticket) {
        this.card = null;
        this.cardError = errorMessage(error);
      }
    } finally {
      if (ticket === this.ticket) this.loadingCard = false;
    }
  }

  reset(): void {
    this.ticket++;
    this.runs = [];
    this.checkpoints = [];
    this.published = null;
    this.loaded = false;
    this.loadError = null;
    this.choice = null;
    this.card = null;
    this.loadingCard = false;
    this.cardError = null;
  }

  private valid(key: CardKey): boolean {
    const id = Number(key.slice(2));
    return key.startsWith('c:') ? this.checkpoints.some((c) => c.id === id) : this.runs.some((r) => r.id === id);
  }
}

/** "Web generator": a checkpoint written as a folder with index.html that draws in a browser. */
export class WebExport {
  checkpointId = $state<number | null>(null);
  dir = $state('');
  running = $state(false);
  result = $state.raw<WebExportT | null>(null);
  error = $state<string | null>(null);
  private offered = '';

  constructor(private readonly api: Api) {}

  /** Choose a checkpoint; the folder follows it unless the person typed one. `home` is where new files go. */
  pick(checkpoint: CheckpointItem | null, home: string): void {
    this.checkpointId = checkpoint?.id ?? null;
    if (!checkpoint) return;
    const suggestion = joinPath(home, `${slug(checkpoint.runName)}-step-${checkpoint.step}-web`);
    if (this.dir === '' || this.dir === this.offered) this.dir = suggestion;
    this.offered = suggestion;
  }

  async start(): Promise<void> {
    const dir = this.dir.trim();
    if (this.running || this.checkpointId === null || dir === '') return;
    this.running = true;
    this.error = null;
    this.result = null;
    try {
      this.result = await this.api.models.exportWeb({ checkpointId: this.checkpointId, dir });
    } catch (error) {
      this.error = errorMessage(error);
    } finally {
      this.running = false;
    }
  }

  reset(): void {
    if (this.running) return;
    this.checkpointId = null;
    this.dir = '';
    this.offered = '';
    this.result = null;
    this.error = null;
  }
}

/** The whole Export step, kept while the person visits other steps (an export goes on meanwhile). */
export class ExportScreen {
  readonly bundle: BundleExport;
  readonly opener: BundleOpen;
  readonly cards: ModelCards;
  readonly web: WebExport;
  private projectDir: string | null = null;

  constructor(api: Api, onOpened: (opened: BundleOpenedT) => void = () => {}) {
    this.bundle = new BundleExport(api);
    this.opener = new BundleOpen(api, onOpened);
    this.cards = new ModelCards(api);
    this.web = new WebExport(api);
  }

  /** Where new files go: the folder the engine offers the bundle in. */
  get home(): string {
    return folderOf(this.bundle.options?.suggestedFile ?? '');
  }

  /** The step is shown: a new project starts afresh; the same one is read again (it may have changed). */
  async enter(projectDir: string): Promise<void> {
    if (projectDir !== this.projectDir) {
      this.projectDir = projectDir;
      this.bundle.reset();
      this.opener.reset();
      this.cards.reset();
      this.web.reset();
    }
    await Promise.all([this.bundle.running ? Promise.resolve() : this.bundle.load(), this.cards.load()]);
    const cps = this.cards.checkpoints;
    const current = cps.find((c) => c.id === this.web.checkpointId) ?? cps.find((c) => c.id === this.cards.published) ?? cps[0] ?? null;
    this.web.pick(current, this.home);
  }

  /** Choose the web export's checkpoint by id. */
  pickWeb(checkpointId: number): void {
    this.web.pick(this.cards.checkpoints.find((c) => c.id === checkpointId) ?? null, this.home);
  }
}
