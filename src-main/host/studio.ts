// The engine's composition root: the open project, the job manager and every
// contract operation bound to them. Adapters (Electron, web, CLI) sit on top.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendInfoT, EventPayload, JobFinishedT } from '../../src-preload/contract';
import { collectImportItems, importFiles, type ImportReport } from '../datasets/import';
import { STARTER_CREDIT, starterItems } from '../datasets/starter';
import { augmentPreview } from '../datasets/augment';
import { Curation, toFilter } from '../datasets/curation';
import { flagsFromMask } from '../datasets/quality';
import { safeSvg } from '../datasets/image-header';
import { assetFile, TagNotFound, type AssetRow } from '../store/assets';
import { Project } from '../store/project';
import { AtelierError, toErrorPayload } from './errors';
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
    'project:setBackground': ({ color }) => {
      const p = requireProject();
      p.setMeta('background', color.toLowerCase());
      return p.summary();
    },
    'assets:list': ({ offset, limit, ...filter }) => {
      const p = requireProject();
      const where = toFilter(filter);
      return { total: p.assets.count(where), items: p.assets.page(where, offset, limit).map(toAsset) };
    },
    'assets:get': ({ id }) => {
      const p = requireProject();
      const a = p.assets.get(id);
      if (!a) throw new AtelierError('not-found', `There is no image ${id} in this project.`);
      return {
        ...toAsset(a),
        file: assetFile(a.hash, a.ext),
        bytes: a.bytes,
        hasAlpha: a.hasAlpha,
        phash: a.phash,
        quality: (a.quality as Record<string, number> | null) ?? null,
      };
    },
    'assets:ids': (filter) => ({ ids: requireProject().assets.ids(toFilter(filter)) }),
    'assets:exclude': ({ ids, excluded }) => ({ changed: requireProject().assets.setExcluded(ids, excluded) }),
    'tags:list': () => requireProject().assets.tags(),
    'tags:apply': ({ ids, add, remove }) => requireProject().assets.applyTags(ids, add, remove),
    'tags:rename': ({ from, to }) => {
      try {
        return requireProject().assets.renameTag(from, to);
      } catch (error) {
        if (error instanceof TagNotFound) throw new AtelierError('not-found', error.message);
        throw error;
      }
    },
    'edits:undo': () => {
      const p = requireProject();
      return { undone: p.assets.undo(), next: p.assets.lastEdit() };
    },
    'edits:last': () => ({ label: requireProject().assets.lastEdit() }),
    'quality:summary': () => new Curation(requireProject()).qualitySummary(),
    'duplicates:find': ({ threshold }) => ({ threshold, clusters: new Curation(requireProject()).duplicates(threshold) }),
    'splits:assign': (settings) => new Curation(requireProject()).assignSplits(settings),
    'splits:lock': ({ to }) => new Curation(requireProject()).lock(to),
    'splits:info': () => new Curation(requireProject()).splitInfo(),
    'imports:latest': () => requireProject().imports.latest(),
    'augment:get': () => new Curation(requireProject()).augmentation(),
    'augment:set': ({ policy }) => new Curation(requireProject()).setAugmentation(policy),
    'augment:preview': async ({ id, policy, count, seed, size }) => {
      const p = requireProject();
      const a = p.assets.get(id);
      if (!a) throw new AtelierError('not-found', `There is no image ${id} in this project.`);
      const original = readFileSync(p.path(assetFile(a.hash, a.ext)));
      const pngs = await augmentPreview(a.ext === 'svg' ? safeSvg(original) : original, policy, { count, seed, size, background: p.background });
      return { images: pngs.map((png) => `data:image/png;base64,${png.toString('base64')}`) };
    },
    'assets:import': async ({ paths, tagsFromFolders, maxMegapixels }) => {
      const p = requireProject();
      const startedAt = new Date().toISOString();
      const job = jobs.track('import');
      const started = performance.now();
      const emit = (step: number, total: number, message: string) => {
        job.progress(total > 0 ? step / total : 0, message);
        router.emit('job:progress', progressPayload(job.record, { step, total, message }));
      };
      emit(0, 0, 'Looking for images');
      let failed: { file: string; reason: string }[] = [];
      let report;
      try {
        const found = await collectImportItems(paths, { tagsFromFolders });
        failed = found.failed;
        let lastEmit = 0;
        report = await importFiles(p, found.items, {
          signal: job.signal,
          maxPixels: Math.round(maxMegapixels * 1e6),
          split: new Curation(p).lockedSplit(),
          onProgress(done, total) {
            const now = performance.now();
            if (done < total && now - lastEmit < 100) return;
            lastEmit = now;
            const rate = done / Math.max(0.001, (now - started) / 1000);
            const left = (total - done) / Math.max(rate, 1e-9);
            emit(done, total, `${done.toLocaleString('en')} of ${total.toLocaleString('en')} · ${Math.round(rate).toLocaleString('en')} images/s · ${formatSeconds(left)} left`);
          },
        });
      } catch (error) {
        job.finish('failed');
        emitFinished({ jobId: job.record.id, kind: 'import', runId: null, status: 'failed', error: toErrorPayload(error) });
        throw error;
      }
      const cancelled = job.signal.aborted;
      const stored = { cancelled, imported: report.imported, duplicates: report.duplicates, failed: [...failed, ...report.failed], seconds: report.seconds };
      p.imports.save(stored, startedAt);
      job.finish(cancelled ? 'cancelled' : 'done');
      emitFinished({ jobId: job.record.id, kind: 'import', runId: null, status: cancelled ? 'cancelled' : 'done' });
      return stored;
    },
    'train:start': ({ model, size, steps, batchSize, seed, checkpointEvery, balance, augment }) => {
      const p = requireProject();
      const curation = new Curation(p);
      const assets = curation.trainingAssets();
      if (assets.length === 0) {
        throw new AtelierError(
          'empty-dataset',
          p.assets.count() === 0
            ? 'This project has no images yet. Import some before training.'
            : 'Every image is excluded or outside the train split. Include some images before training.',
        );
      }
      const busy = jobs.running().find((j) => j.kind === 'train');
      if (busy) throw new AtelierError('busy', `Run ${busy.runId} is still training. Cancel it or wait for it to finish.`);
      const every = checkpointEvery ?? Math.max(1, Math.min(steps, 500));
      const augmentation = augment ? curation.augmentation() : null;
      const weights = balance === 'oversample' ? curation.oversamplingWeights(assets) : undefined;
      const runId = p.runs.create({
        model,
        size,
        steps,
        batchSize,
        seed,
        config: { model, size, steps, batchSize, seed, checkpointEvery: every, balance, augmentation, images: assets.length },
      });
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
          augmentation,
          ...(weights ? { weights } : {}),
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

function toAsset(a: AssetRow & { tags: string[] }) {
  return {
    id: a.id,
    hash: a.hash,
    name: a.name,
    width: a.width,
    height: a.height,
    thumb: a.thumb,
    tags: a.tags,
    split: a.split,
    excluded: a.excluded,
    flags: flagsFromMask(a.flags),
  };
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return 'a moment';
  if (s < 1) return 'under a second';
  if (s < 90) return `${Math.round(s)} s`;
  return `${Math.round(s / 60)} min`;
}

function progressPayload(
  record: { id: string; kind: 'train' | 'generate' | 'import'; runId: number | null },
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
