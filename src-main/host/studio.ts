// The engine's composition root: the open project, the job manager and every
// contract operation bound to them. Adapters (Electron, web, CLI) sit on top.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendSettingT, EventPayload, JobFinishedT, JobKindT, StudioBackendT } from '../../src-preload/contract';
import { importFiles, type ImportReport } from '../datasets/import';
import { runImport } from '../datasets/import-job';
import { Uploads, type UploadLimits } from '../datasets/uploads';
import type { RecentProjects } from './recent-projects';
import { STARTER_CREDIT, STARTER_SPLIT, starterItems } from '../datasets/starter';
import { augmentPreview } from '../datasets/augment';
import { Curation, numericQuality, toFilter } from '../datasets/curation';
import { flagsFromMask } from '../datasets/quality';
import { safeSvg } from '../datasets/image-header';
import { assetFile, type AssetRow } from '../store/assets';
import { Project } from '../store/project';
import { AtelierError, toErrorPayload } from '../errors';
import { log as fileLog, logToProject } from '../log';
import { generatorLauncher, type LaunchJob } from './job-protocol';
import { evaluationJobs, JobManager, preferenceJobs, runJobs } from './jobs';
import { EvaluationService, toEvaluation } from '../evaluation/service';
import { FeedbackService } from '../feedback/service';
import { BundleService, type TrackedJob } from '../bundles/service';
import { Workstation } from '../feedback/workstation';
import { EMBEDDING_CREDITS } from '../evaluation/credits';
import { GeneratorClient } from '../generate/generator-client';
import { GenerationService } from '../generate/service';
import { completePrompt } from '../generate/prompt';
import { acquireProjectLock, type ProjectLock } from './project-lock';
import { importCheckpoint } from '../training/import-checkpoint';
import type { ProgressMessage } from '../training/protocol';
import { TrainingQueue } from '../training/queue';
import { archiveRun, deleteRun, removalPlan, sampleTags } from '../training/run-records';
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
  /** Take each opened project's lock (default); off for tests of two engines. */
  lockProjects?: boolean;
  /** Whether openProject runs the training queue unless told otherwise (default true; the CLI says false). */
  runQueue?: boolean;
  /**
   * Where `project:create` may make projects (the headless studio sets it: a page may
   * only create folders under it; relative names are taken inside it). Null: anywhere
   * the person chooses (the desktop app and the CLI).
   */
  projectsRoot?: string | null;
  /** Embed the open project's images for evaluation in the background, at low priority (the studio and the app; default false). */
  prepareEvaluation?: boolean;
  /** Runs score their checkpoints within their time budget (default true; the budget bench turns it off to compare). */
  scoreCheckpoints?: boolean;
  /** Where this workstation's reviewer name and backend setting are kept (default: the user's config folder). */
  workstation?: Workstation;
  /** Relearn the team's taste by itself after ratings change, and predict new images (the studio and the app; default false). */
  learnTaste?: boolean;
  /** Where the projects opened here are remembered for the Welcome screen (the studio and the app); null: not remembered (default). */
  recentProjects?: RecentProjects | null;
  /** How much a browser may upload for an import (tests make them small). */
  uploadLimits?: UploadLimits;
}

export interface Studio {
  readonly router: Router;
  readonly project: Project | null;
  /** Opens a project; with `queue` (the default unless runQueue is off) this engine takes its lock and runs its training queue. */
  openProject(dir: string, opts?: { queue?: boolean }): Project;
  createProject(dir: string, options?: { starter?: boolean }): Promise<{ project: Project; report: ImportReport | null }>;
  waitForJob(jobId: string): Promise<JobFinishedT>;
  backend(): Promise<StudioBackendT>;
  /** Resolves once the files of every image generated so far are on disk (a Generate answers before they are). */
  filesWritten(): Promise<void>;
  close(): void;
  /** The pid of another process that runs this project's training queue, or null if this one does. */
  readonly queueHolder: number | null;
  /** Files a browser uploads for an import (the headless studio's POST /upload/<id> streams into it). */
  readonly uploads: Uploads;
}

export function createStudio(options: StudioOptions): Studio {
  const say = options.log ?? ((line: string) => console.error(line));
  /** What went wrong, for the adapter to show (the CLI's stderr) and for the log file. */
  const log = (line: string) => {
    fileLog.error(line);
    say(line);
  };
  const jobs = new JobManager(options.launchJob);
  const generator = new GeneratorClient(generatorLauncher(options.launchJob));
  const generation = new GenerationService(
    () => requireProject(),
    generator,
    (message) => log(`a generated image's file could not be written: ${message}`),
  );
  let project: Project | null = null;
  const uploads = new Uploads(options.uploadLimits);
  const recent = options.recentProjects ?? null;
  let backendInfo: Promise<StudioBackendT> | null = null;
  const finished = new Map<string, JobFinishedT>();
  const waiters = new Map<string, ((f: JobFinishedT) => void)[]>();

  const projectsRoot = options.projectsRoot ? resolve(options.projectsRoot) : null;
  /** The folder `dir` names, refused unless it lies inside the projects root (when there is one). */
  const underProjectsRoot = (dir: string): string => {
    if (!projectsRoot) return resolve(dir);
    const full = resolve(projectsRoot, dir);
    if (!insideOrBelow(projectsRoot, full)) {
      throw new AtelierError(
        'outside-projects-folder',
        `The studio creates projects only inside ${projectsRoot}; ${full} is outside it. Give a folder name, or a path inside it.`,
      );
    }
    return full;
  };
  const requireProject = (): Project => {
    if (!project) throw new AtelierError('no-project', 'No project is open. Open or create a project first.');
    return project;
  };
  /** The open project, once every id names one of its images (an edit never half-applies to a stale selection). */
  const requireImages = (ids: readonly number[]): Project => {
    const p = requireProject();
    const missing = p.assets.missing(ids);
    if (missing.length > 0) {
      const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? ` and ${missing.length - 5} more` : '');
      throw new AtelierError(
        'not-found',
        `${missing.length === 1 ? 'There is no image' : 'There are no images'} ${shown} in this project; nothing was changed.`,
      );
    }
    return p;
  };
  const setProject = (next: Project) => {
    if (project && project !== next) {
      void uploads.discardAll();
      training.shutdown();
      generator.stop();
      lock?.release();
      lock = null;
      project.close();
    }
    project = next;
    logToProject(next.dir);
  };
  let lock: ProjectLock | null = null;
  let lockHolder: number | null = null;
  /** The training queue runs only in the process holding the project's lock. */
  const takeLock = (p: Project) => {
    const got = options.lockProjects === false ? { release() {} } : acquireProjectLock(p.dir);
    if ('heldBy' in got) {
      lockHolder = got.heldBy;
      training.reset(false);
    } else {
      lock = got;
      lockHolder = null;
      training.reset(true);
    }
  };
  const requireQueueOwner = () => {
    if (!training.enabled && lockHolder === null) {
      throw new AtelierError('no-queue', 'This engine opened the project read-only; training runs where the project is open in Atelier.');
    }
    if (lockHolder !== null) {
      throw new AtelierError(
        'project-busy',
        `This project is open in another Atelier (process ${lockHolder}), which runs its training queue. Start runs there.`,
      );
    }
  };
  const workstation = options.workstation ?? new Workstation();
  // A backend named in the studio's own environment (ATELIER_BACKEND) is what 'auto' means here.
  const launchBackend = process.env.ATELIER_BACKEND;
  // tfjs loads only when asked: `new` and `import` never pay for it.
  const backend = () => (backendInfo ??= startBackend(workstation.backend(), false));
  /**
   * Starts the backend the workstation's setting names (or the automatic choice); every job this
   * studio starts inherits it (ATELIER_BACKEND). A named backend that cannot start here is
   * reported in `refused` and the automatic choice runs instead: the studio always has one.
   */
  const startBackend = async (setting: BackendSettingT, again: boolean): Promise<StudioBackendT> => {
    const ml = await import('../ml/backend');
    const info = (b: Awaited<ReturnType<typeof ml.initBackend>>): StudioBackendT => ({
      name: b.name,
      threads: b.threads,
      message: b.message,
      ...(b.adapter ? { adapter: b.adapter } : {}),
      setting,
    });
    const automatic = () => (again ? ml.chooseBackendAgain(launchBackend) : ml.initBackend());
    if (setting === 'auto') return info(await automatic());
    try {
      return info(await ml.chooseBackendAgain(setting));
    } catch (error) {
      const why = error instanceof ml.BackendUnavailableError ? error.tried.map((t) => t.error).join('; ') : (error as Error).message;
      const fallback = info(await ml.chooseBackendAgain(launchBackend));
      const named = ml.BACKEND_LABELS[setting];
      const refused = `${named[0]!.toUpperCase()}${named.slice(1)}, chosen for this workstation, cannot start here: ${why}. ${ml.BACKEND_LABELS[fallback.name]} runs instead.`;
      log(refused);
      return { ...fallback, refused };
    }
  };

  const emitFinished = (payload: JobFinishedT) => {
    finished.set(payload.jobId, payload);
    router.emit('job:finished', payload);
    // A finished run or import may need features at a new size or of new images.
    if (payload.kind === 'train' || payload.kind === 'import') evaluation.prepare();
    // A feedback round's run is compared with where it started (a run that is not a round is passed over).
    if (payload.kind === 'train' && payload.status === 'done' && payload.runId !== null) void feedback.compare(payload.runId);
    for (const resolve of waiters.get(payload.jobId) ?? []) resolve(payload);
    waiters.delete(payload.jobId);
  };

  const handlers: Handlers = {
    'app:info': async () => ({
      version: VERSION,
      backend: await backend(),
      project: project?.summary() ?? null,
      projectsRoot,
      credits: [STARTER_CREDIT, ...EMBEDDING_CREDITS],
    }),
    'project:create': async ({ dir, starter }) => {
      const { project: created, report } = await studio.createProject(underProjectsRoot(dir), { starter });
      const summary = created.summary();
      if (!report) return { ...summary, starter: null };
      const { imported, duplicates, failed, seconds } = report;
      return { ...summary, starter: { cancelled: false, imported, duplicates, failed, seconds } };
    },
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
        quality: numericQuality(a.quality),
      };
    },
    'assets:ids': (filter) => ({ ids: requireProject().assets.ids(toFilter(filter)) }),
    'assets:exclude': ({ ids, excluded }) => ({ changed: requireImages(ids).assets.setExcluded(ids, excluded) }),
    'assets:rate': ({ ids, rating }) => ({ updated: requireImages(ids).assets.setRating(ids, rating) }),
    'tags:list': () => requireProject().assets.tags(),
    'tags:apply': ({ ids, add, remove }) => requireImages(ids).assets.applyTags(ids, add, remove),
    'tags:rename': ({ from, to }) => requireProject().assets.renameTag(from, to),
    'edits:undo': () => {
      const p = requireProject();
      return { undone: p.assets.undo(), next: p.assets.lastEdit() };
    },
    'edits:last': () => ({ label: requireProject().assets.lastEdit() }),
    'quality:summary': () => new Curation(requireProject()).qualitySummary(),
    'duplicates:find': ({ threshold }) => ({ threshold, clusters: new Curation(requireProject()).duplicates(threshold) }),
    'splits:assign': (settings) => {
      const info = new Curation(requireProject()).assignSplits(settings);
      evaluation.prepare();
      return info;
    },
    'splits:lock': ({ to }) => new Curation(requireProject()).lock(to),
    'splits:info': () => new Curation(requireProject()).splitInfo(),
    'imports:latest': () => requireProject().imports.latest(),
    'augmentation:get': () => new Curation(requireProject()).augmentation(),
    'augmentation:set': ({ policy }) => new Curation(requireProject()).setAugmentation(policy),
    'augmentation:preview': async ({ id, policy, count, seed, size }) => {
      const p = requireProject();
      const a = p.assets.get(id);
      if (!a) throw new AtelierError('not-found', `There is no image ${id} in this project.`);
      const original = readFileSync(p.path(assetFile(a.hash, a.ext)));
      const pngs = await augmentPreview(a.ext === 'svg' ? safeSvg(original) : original, policy, { count, seed, size, background: p.background });
      return { images: pngs.map((png) => `data:image/png;base64,${png.toString('base64')}`) };
    },
    'assets:import': ({ paths, tagsFromFolders, maxMegapixels }) => importPaths(paths, { tagsFromFolders, maxMegapixels }),
    'uploads:begin': async ({ files, uploadId }) => uploads.begin(requireProject().dir, files, uploadId),
    'uploads:import': async ({ uploadId, tagsFromFolders, maxMegapixels }) => {
      try {
        const paths = await uploads.roots(uploadId, requireProject().dir);
        return await importPaths(paths, { tagsFromFolders, maxMegapixels, shownAs: (file) => uploads.shown(uploadId, file) });
      } finally {
        await uploads.discard(uploadId);
      }
    },
    'uploads:discard': async ({ uploadId }) => ({ discarded: await uploads.discard(uploadId) }),
    'projects:recent': async () => {
      await recent?.settled();
      return recent?.list() ?? [];
    },
    'projects:forget': ({ dir }) => recent?.forget(dir) ?? [],
    'runs:options': async () => {
      const options = training.options();
      return { ...options, models: await modelSizes(options.classes.length, backend) };
    },
    'runs:start': (settings) => {
      requireQueueOwner();
      const runId = training.enqueue(settings);
      return { runId, status: requireProject().runs.get(runId)!.status };
    },
    'runs:estimate': async (input) => training.estimate(input, (await backend()).name),
    'runs:sweep': (input) => {
      requireQueueOwner();
      return training.sweep(input);
    },
    'runs:list': () => requireProject().runs.list(),
    'runs:get': ({ runId }) => {
      const p = requireProject();
      const run = p.runs.get(runId);
      if (!run) throw new AtelierError('not-found', `There is no run ${runId} in this project.`);
      return {
        ...run,
        losses: p.runs.losses(runId),
        samples: p.runs.samples(runId),
        checkpoints: p.runs.checkpoints(runId),
        latestEvaluation: evaluation.latest(runId),
        sampleTags: sampleTags(p, run),
      };
    },
    'runs:pause': ({ runId }) => training.pause(runId),
    'runs:resume': ({ runId }) => training.resume(runId),
    'runs:cancel': ({ runId }) => training.cancel(runId),
    'runs:archive': ({ runId, archived }) => {
      const run = archiveRun(requireProject(), runId, archived);
      router.emit('run:changed', { runId, status: run.status, reason: 'status' });
      return run;
    },
    'runs:removal': ({ runId }) => removalPlan(requireProject(), runId),
    'runs:delete': ({ runId }) => deleteRun(requireProject(), runId, (id) => training.isActive(id)),
    'checkpoints:list': () => requireProject().runs.allCheckpoints(),
    'checkpoints:import': async ({ dir, name }) => importCheckpoint(requireProject(), dir, name),
    'generations:options': ({ checkpointId }) => {
      const generators = generation.generators();
      const vocabulary = generation.vocabulary();
      if (generators.length === 0) return { generators, current: null, vocabulary, note: null };
      const g = generation.resolve({ checkpointId });
      // Load the model in the generator process now, so the first Generate is quick.
      generation.warm(g.checkpoint.id).catch((err: unknown) => log(`generator warm-up failed: ${err instanceof Error ? err.message : String(err)}`));
      return { generators, current: generation.choice(g.checkpoint, g.run), vocabulary, note: generation.note(g) };
    },
    'prompts:parse': ({ text, checkpointId }) => generation.parse(text, checkpointId),
    'prompts:complete': ({ text, cursor, limit }) => completePrompt(text, cursor, generation.vocabulary(), limit, generation.tagCounts()),
    'prompts:history': ({ limit }) => requireProject().generations.history(limit),
    'prompts:templates': () => requireProject().generations.templates(),
    'prompts:saveTemplate': ({ name, text }) => requireProject().generations.saveTemplate(name, text),
    'prompts:deleteTemplate': ({ id }) => ({ deleted: requireProject().generations.deleteTemplate(id) }),
    'generations:create': (input) => generation.fromPrompt(input),
    'generations:list': (filter) => {
      const page = requireProject().generations.list(feedback.filter(filter));
      feedback.predictNew();
      return { total: page.total, items: feedback.withMine(page.items) };
    },
    'generations:ids': (filter) => ({ ids: requireProject().generations.ids(feedback.filter(filter)) }),
    'generations:get': ({ id }) => ({ ...generation.detail(id), mine: feedback.mineOf(id), copies: evaluation.copiesOf(id) }),
    'generations:checkCopies': ({ ids }) => evaluation.checkCopies(ids),
    'generations:regenerate': ({ id }) => generation.regenerate(id),
    'generations:vary': (input) => generation.vary(input),
    'generations:interpolate': (input) => generation.interpolate(input),
    'generations:walk': (input) => generation.walk(input),
    'generations:postprocess': ({ id, steps }) => generation.postprocess(id, steps),
    'generations:export': (input) => generation.exportImages(input),
    'generations:animate': (input) => generation.animate(input),
    'generations:bin': ({ ids }) => generation.bin(ids),
    'generations:restore': ({ ids }) => generation.restore(ids),
    'generations:emptyBin': () => generation.emptyBin(),
    'generations:shown': ({ ids }) => ({ items: feedback.withMine(requireProject().generations.shown(ids)) }),
    'generations:rate': ({ ids, rating }) => ({ updated: feedback.review(ids, { stars: rating }).updated }),
    'reviewer:get': () => feedback.reviewers(),
    'reviewer:set': ({ name }) => feedback.setReviewer(name),
    'backend:choose': async ({ setting }) => {
      await backend(); // one start at a time
      await workstation.setBackend(setting);
      backendInfo = startBackend(setting, true).catch((error: unknown) => {
        backendInfo = null; // the next question tries again
        throw error;
      });
      const chosen = await backendInfo;
      generator.retire(); // an idle generator process restarts on the new backend
      return chosen;
    },
    'reviews:set': ({ ids, change, reviewer }) => feedback.review(ids, change, reviewer),
    'reviews:list': ({ generationId }) => feedback.reviewsOf(generationId),
    'reviews:queue': ({ batchId, reviewers }) => feedback.queue(batchId, reviewers),
    'reviews:queues': (filter) => feedback.queues(filter),
    'preference:status': () => feedback.status(),
    'preference:train': () => feedback.learn(),
    'preference:predict': ({ ids }) => feedback.predictions(ids),
    'feedback:start': (input) => {
      requireQueueOwner();
      return feedback.startRound(input);
    },
    'feedback:rounds': () => feedback.rounds(),
    'evaluations:list': ({ runId }) => evaluation.list(runId),
    'evaluations:start': (input) => evaluation.start(input),
    'evaluations:images': (input) => evaluation.images(input),
    'checkpoints:publish': ({ checkpointId }) => evaluation.publish(checkpointId),
    'bundles:options': () => bundles.options(),
    'bundles:export': (input) => bundles.export(input),
    'bundles:inspect': ({ file }) => bundles.inspect(file),
    'bundles:open': async ({ file, dir }) => {
      const opened = await bundles.open(file, dir);
      return { ...studio.openProject(opened.dir).summary(), seconds: opened.seconds, from: opened.from };
    },
    'cards:get': ({ runId, checkpointId }) => bundles.card(runId !== undefined ? { runId } : { checkpointId: checkpointId! }),
    'models:exportWeb': ({ checkpointId, dir }) => bundles.exportWeb(checkpointId, dir),
    'jobs:list': () => jobs.list(),
    'jobs:cancel': ({ jobId }) => ({ cancelled: jobs.cancel(jobId) }),
  };

  /** An import job over files and folders on this machine: progress events, the stored report, drift of the new images. */
  async function importPaths(paths: readonly string[], importOptions: Parameters<typeof runImport>[2]) {
    const p = requireProject();
    const job = jobs.track('import');
    const onProgress = (step: number, total: number, message: string) => {
      job.progress(total > 0 ? step / total : 0, message);
      router.emit('job:progress', progressPayload(job.record, { step, total, message }));
    };
    let outcome;
    try {
      outcome = await runImport(p, paths, importOptions, { signal: job.signal, onProgress });
    } catch (error) {
      job.finish('failed');
      emitFinished({ jobId: job.record.id, kind: 'import', runId: null, status: 'failed', error: toErrorPayload(error) });
      throw error;
    }
    const { report } = outcome;
    const status = report.cancelled ? 'cancelled' : 'done';
    job.finish(status);
    emitFinished({ jobId: job.record.id, kind: 'import', runId: null, status });
    // New images in a project with a trained model: how far are they from what it learned?
    evaluation.drift(outcome.assetIds, outcome.reportId);
    return report;
  }

  const router = createRouter(handlers, log);
  const training = new TrainingQueue({
    project: () => project,
    jobs: runJobs(jobs),
    emit: (event, payload) => router.emit(event, payload),
    onJobFinished: emitFinished,
    progress: (record, m) => progressPayload(record, m),
    scoreCheckpoints: options.scoreCheckpoints ?? true,
  });
  const evaluation = new EvaluationService({
    project: () => project,
    jobs: evaluationJobs(jobs),
    emit: (event, payload) => router.emit(event, payload),
    onJobFinished: emitFinished,
    progress: (record, m) => progressPayload(record, m),
    prepare: options.prepareEvaluation ?? false,
  });
  const bundles = new BundleService({
    project: requireProject,
    version: VERSION,
    place: underProjectsRoot,
    home: () => projectsRoot ?? (project ? dirname(project.dir) : process.cwd()),
    track: (kind): TrackedJob => {
      const job = jobs.track(kind);
      return {
        signal: job.signal,
        progress: (step, total, message) => {
          job.progress(total > 0 ? step / total : 0, message);
          router.emit('job:progress', progressPayload(job.record, { step, total, message }));
        },
        finish: (status, error) => {
          job.finish(status);
          emitFinished({ jobId: job.record.id, kind, runId: null, status, ...(status === 'failed' && error ? { error: toErrorPayload(error) } : {}) });
        },
      };
    },
  });
  const feedback = new FeedbackService({
    project: () => project,
    jobs: preferenceJobs(jobs),
    workstation,
    emit: (event, payload) => router.emit(event, payload),
    onJobFinished: emitFinished,
    progress: (record, m) => progressPayload(record, m),
    enqueueRound: (plan) => training.enqueue(plan.settings, { feedback: plan.feedback }),
    autoLearn: options.learnTaste ?? false,
    draw: (input) => generation.fromPrompt(input),
    evaluate: async (checkpointId, samples) => {
      const { jobId } = evaluation.start({ checkpointId, split: 'val', samples, copies: false });
      const done = jobId ? await studio.waitForJob(jobId) : null;
      if (done?.status !== 'done' || done.evaluationId === undefined) return null;
      const row = requireProject().evaluations.get(done.evaluationId);
      const e = row ? toEvaluation(requireProject(), row) : null;
      return e ? { kid: e.kid, kidStderr: e.kidStderr, collapse: e.collapse.collapsed } : null;
    },
  });

  const studio: Studio = {
    router,
    get project() {
      return project;
    },
    openProject(dir, { queue = options.runQueue ?? true } = {}) {
      const next = Project.open(dir);
      setProject(next);
      void recent?.opened(next.dir, next.name);
      if (queue) {
        takeLock(next);
        training.recover();
        evaluation.prepare();
        void feedback.comparePending();
      } else {
        lockHolder = null;
        training.reset(false);
      }
      return next;
    },
    async createProject(dir, { starter = false } = {}) {
      const next = Project.create(dir);
      setProject(next);
      void recent?.opened(next.dir, next.name);
      takeLock(next);
      const report = starter ? await importFiles(next, starterItems()) : null;
      // The starter set comes split 80/10/10 (stratified by tag, seeded): runs then have val images
      // to be scored against after each checkpoint, and a test split waits for the final test.
      if (starter) new Curation(next).assignSplits({ ...STARTER_SPLIT });
      evaluation.prepare();
      return { project: next, report };
    },
    waitForJob(jobId) {
      const done = finished.get(jobId);
      if (done) return Promise.resolve(done);
      return new Promise((resolve) => waiters.set(jobId, [...(waiters.get(jobId) ?? []), resolve]));
    },
    backend,
    filesWritten: () => generation.written(),
    close() {
      void uploads.discardAll();
      training.shutdown();
      generator.stop();
      jobs.cancelAll();
      lock?.release();
      lock = null;
      project?.close();
      if (project) logToProject(null);
      project = null;
    },
    get queueHolder() {
      return lockHolder;
    },
    uploads,
  };
  return studio;
}

/**
 * True when `full` is strictly inside `root`, judged on real paths: the deepest
 * part of `full` that exists is resolved through symlinks, so a link inside the
 * root that points elsewhere does not count as inside.
 */
function insideOrBelow(root: string, full: string): boolean {
  let existing = full;
  const rest: string[] = [];
  while (!existsSync(existing)) {
    const up = dirname(existing);
    if (up === existing) break;
    rest.unshift(existing.slice(up.length).replace(/^[\\/]/, ''));
    existing = up;
  }
  const realRoot = existsSync(root) ? realpathSync(root) : root;
  const real = join(realpathSync(existing), ...rest);
  return real.startsWith(realRoot + sep);
}

function toAsset(a: AssetRow & { tags: string[] }) {
  return {
    id: a.id,
    hash: a.hash,
    name: a.name,
    width: a.width,
    height: a.height,
    thumb: a.thumb,
    file: assetFile(a.hash, a.ext),
    tags: a.tags,
    split: a.split,
    excluded: a.excluded,
    flags: flagsFromMask(a.flags),
    rating: a.rating,
  };
}

function progressPayload(record: { id: string; kind: JobKindT; runId: number | null }, m: Omit<ProgressMessage, 'type'>): EventPayload<'job:progress'> {
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
    ...(m.recon !== undefined ? { recon: m.recon } : {}),
    ...(m.kl !== undefined ? { kl: m.kl } : {}),
    ...(m.imgPerSec !== undefined ? { imgPerSec: m.imgPerSec } : {}),
    ...(m.meanImgPerSec !== undefined ? { meanImgPerSec: m.meanImgPerSec } : {}),
    ...(m.gpuBytes !== undefined ? { gpuBytes: m.gpuBytes } : {}),
    ...(m.phase !== undefined ? { phase: m.phase } : {}),
  };
}

/** Parameter counts of every family, size and preset for `classes` tags (networks built once per count). */
const modelSizeCache = new Map<
  number,
  Promise<{ model: 'dcgan' | 'cgan' | 'vae'; size: 32 | 64; preset: 'small' | 'medium'; generator: number; discriminator: number }[]>
>();
function modelSizes(classes: number, backend: () => Promise<unknown>) {
  let sizes = modelSizeCache.get(classes);
  if (sizes === undefined) {
    sizes = backend().then(async () => {
      const { describeModel } = await import('../ml/models/presets');
      const out = [];
      for (const model of ['dcgan', 'cgan', 'vae'] as const) {
        for (const size of [32, 64] as const) {
          for (const preset of ['small', 'medium'] as const) {
            const d = describeModel(model, size, preset, model === 'dcgan' ? 0 : Math.max(1, classes), { latentDim: model === 'vae' ? 64 : 100 });
            const params = (name: string) => d.networks.find((n) => n.name === name)?.params ?? 0;
            out.push({ model, size, preset, generator: model === 'vae' ? params('vae') : params('generator'), discriminator: params('discriminator') });
          }
        }
      }
      return out;
    });
    modelSizeCache.set(classes, sizes);
  }
  return sizes;
}
