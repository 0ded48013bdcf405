// The engine's composition root: the open project, the job manager and every
// contract operation bound to them. Adapters (Electron, web, CLI) sit on top.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendInfoT, EventPayload, JobFinishedT } from '../../src-preload/contract';
import { collectImportItems, importFiles, type ImportReport } from '../datasets/import';
import { STARTER_CREDIT, starterItems } from '../datasets/starter';
import { assetFile } from '../store/assets';
import { Project } from '../store/project';
import { AtelierError } from './errors';
import type { LaunchJob } from './job-protocol';
import { JobManager } from './jobs';
import { createRouter, type Handlers, type Router } from './router';

/** The folder holding Atelier's package.json, found from this module in source or in a build. */
export const APP_ROOT = findAppRoot();
export const VERSION = (JSON.parse(readFileSync(join(APP_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** Where the built renderer lives. */
export const RENDERER_DIR = join(APP_ROOT, 'out', 'renderer');

function findAppRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'atelier') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('Atelier cannot find its own package.json');
    dir = up;
  }
}

export interface StudioOptions {
  launchJob: LaunchJob;
  log?: (line: string) => void;
}

export interface Studio {
  readonly router: Router;
  readonly project: Project | null;
  openProject(dir: string): Project;
  createProject(dir: string, options?: { starter?: boolean }): Promise<{ project: Project; report: ImportReport | null }>;
  waitForJob(jobId: string): Promise<JobFinishedT>;
  backend(): Promise<BackendInfoT>;
  close(): void;
}

export function createStudio(options: StudioOptions): Studio {
  const log = options.log ?? ((line: string) => console.error(line));
  const jobs = new JobManager(options.launchJob);
  let project: Project | null = null;
  let backendInfo: Promise<BackendInfoT> | null = null;
  const finished = new Map<string, JobFinishedT>();
  const waiters = new Map<string, ((f: JobFinishedT) => void)[]>();

  const requireProject = (): Project => {
    if (!project) throw new AtelierError('no-project', 'No project is open. Open or create a project first.');
    return project;
  };
  const setProject = (next: Project) => {
    if (project && project !== next) project.close();
    project = next;
  };
  const backend = () =>
    // tfjs loads only when asked: `new` and `import` never pay for it.
    (backendInfo ??= import('../ml/backend')
      .then(({ initBackend }) => initBackend())
      .then((b) => ({ name: b.name, threads: b.threads, message: b.message })));

  const emitFinished = (payload: JobFinishedT) => {
    finished.set(payload.jobId, payload);
    router.emit('job:finished', payload);
    for (const resolve of waiters.get(payload.jobId) ?? []) resolve(payload);
    waiters.delete(payload.jobId);
  };

  const handlers: Handlers = {
    'app:info': async () => ({
      version: VERSION,
      backend: await backend(),
      project: project?.summary() ?? null,
      credits: [STARTER_CREDIT],
    }),
    'project:create': async ({ dir, starter }) => (await studio.createProject(dir, { starter })).project.summary(),
    'project:open': ({ dir }) => studio.openProject(dir).summary(),
    'assets:list': ({ offset, limit, tag }) => {
      const p = requireProject();
      return {
        total: p.assets.count(tag),
        items: p.assets.page(offset, limit, tag).map((a) => ({
          id: a.id,
          hash: a.hash,
          name: a.name,
          width: a.width,
          height: a.height,
          thumb: a.thumb,
          tags: a.tags,
        })),
      };
    },
    'tags:list': () => requireProject().assets.tags(),
    'assets:import': async ({ paths, tagsFromFolders }) => {
      const p = requireProject();
      const { items, failed } = await collectImportItems(paths, { tagsFromFolders });
      const report = await importFiles(p, items);
      return { imported: report.imported, duplicates: report.duplicates, failed: [...failed, ...report.failed], seconds: report.seconds };
    },
    'train:start': ({ model, size, steps, batchSize, seed, checkpointEvery }) => {
      const p = requireProject();
      const assets = p.assets.all();
      if (assets.length === 0) throw new AtelierError('empty-dataset', 'This project has no images yet. Import some before training.');
      const busy = jobs.running().find((j) => j.kind === 'train');
      if (busy) throw new AtelierError('busy', `Run ${busy.runId} is still training. Cancel it or wait for it to finish.`);
      const every = checkpointEvery ?? Math.max(1, Math.min(steps, 500));
      const runId = p.runs.create({ model, size, steps, batchSize, seed, config: { model, size, steps, batchSize, seed, checkpointEvery: every } });
      let checkpointId: number | undefined;
      const job = jobs.start(
        'train',
        runId,
        {
          type: 'train',
          projectDir: p.dir,
          runId,
          config: { size, steps, batchSize, seed, checkpointEvery: every },
          assets: assets.map((a) => ({ path: p.path(assetFile(a.hash, a.ext)), hash: a.hash })),
          background: p.background,
        },
        {
          onMessage(message, record) {
            if (message.type === 'progress') {
              if (message.lossD !== undefined && message.lossG !== undefined) {
                p.runs.recordProgress(runId, { step: message.step, lossD: message.lossD, lossG: message.lossG, imgPerSec: message.imgPerSec ?? 0 });
              }
              router.emit('job:progress', progressPayload(record, message));
            } else if (message.type === 'checkpoint') {
              checkpointId = p.runs.addCheckpoint(runId, message.step, message.dir);
            }
          },
          onFinish(record, error) {
            if (p.db.open) p.runs.finish(runId, record.status === 'running' ? 'failed' : (record.status as 'done'), error?.message ?? null);
            emitFinished({ jobId: record.id, kind: 'train', runId, status: record.status as 'done', error, checkpointId });
          },
        },
      );
      return { runId, jobId: job.id };
    },
    'runs:list': () => requireProject().runs.list(),
    'runs:get': ({ runId }) => {
      const p = requireProject();
      const run = p.runs.get(runId);
      if (!run) throw new AtelierError('not-found', `There is no run ${runId} in this project.`);
      return { ...run, losses: p.runs.losses(runId) };
    },
    'generate:start': ({ count, seed, checkpointId }) => {
      const p = requireProject();
      const checkpoint = checkpointId !== undefined ? p.runs.checkpoint(checkpointId) : p.runs.latestCheckpoint();
      if (!checkpoint) {
        throw new AtelierError(
          checkpointId !== undefined ? 'not-found' : 'no-checkpoint',
          checkpointId !== undefined ? `There is no checkpoint ${checkpointId} in this project.` : 'There is no trained model yet. Train one first, then generate.',
        );
      }
      const useSeed = seed ?? Math.floor(Math.random() * 2 ** 31);
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
      const outDir = `samples/${stamp}-ck${checkpoint.id}-s${useSeed}`;
      let generationIds: number[] = [];
      const job = jobs.start(
        'generate',
        checkpoint.runId,
        { type: 'generate', projectDir: p.dir, checkpointDir: checkpoint.dir, count, seed: useSeed, outDir },
        {
          onMessage(message, record) {
            if (message.type === 'progress') router.emit('job:progress', progressPayload(record, message));
            if (message.type === 'generated') {
              generationIds = p.generations.addMany(
                message.files.map((f) => ({ checkpointId: checkpoint.id, seed: useSeed, index: f.index, file: f.file, size: message.size })),
              );
            }
          },
          onFinish(record, error) {
            emitFinished({ jobId: record.id, kind: 'generate', runId: checkpoint.runId, status: record.status as 'done', error, generationIds });
          },
        },
      );
      return { jobId: job.id };
    },
    'generations:list': ({ offset, limit }) => {
      const p = requireProject();
      return { total: p.generations.count(), items: p.generations.page(offset, limit) };
    },
    'jobs:list': () => jobs.list(),
    'jobs:cancel': ({ jobId }) => ({ cancelled: jobs.cancel(jobId) }),
  };

  const router = createRouter(handlers, log);

  const studio: Studio = {
    router,
    get project() {
      return project;
    },
    openProject(dir) {
      const next = Project.open(dir);
      next.runs.markInterrupted();
      setProject(next);
      return next;
    },
    async createProject(dir, { starter = false } = {}) {
      const next = Project.create(dir);
      setProject(next);
      const report = starter ? await importFiles(next, starterItems()) : null;
      return { project: next, report };
    },
    waitForJob(jobId) {
      const done = finished.get(jobId);
      if (done) return Promise.resolve(done);
      return new Promise((resolve) => waiters.set(jobId, [...(waiters.get(jobId) ?? []), resolve]));
    },
    backend,
    close() {
      jobs.cancelAll();
      project?.close();
      project = null;
    },
  };
  return studio;
}

function progressPayload(
  record: { id: string; kind: 'train' | 'generate'; runId: number | null },
  m: { step: number; total: number; message: string; lossD?: number; lossG?: number; imgPerSec?: number },
): EventPayload<'job:progress'> {
  return {
    jobId: record.id,
    kind: record.kind,
    runId: record.runId,
    step: m.step,
    total: m.total,
    fraction: m.total > 0 ? Math.min(1, m.step / m.total) : 0,
    message: m.message,
    ...(m.lossD !== undefined ? { lossD: m.lossD } : {}),
    ...(m.lossG !== undefined ? { lossG: m.lossG } : {}),
    ...(m.imgPerSec !== undefined ? { imgPerSec: m.imgPerSec } : {}),
  };
}
