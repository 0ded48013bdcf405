// The engine's side of evaluation: starts evaluation jobs, records what they (and training runs
// scoring their own checkpoints) report, answers the Evaluate view, and keeps the published
// checkpoint. Jobs run in their own process (the engine never embeds on the thread that serves
// the UI); this file only reads and writes the project.
import { basename, resolve } from 'node:path';
import type { EvaluationT, EventName, EventPayload, JobT, NearestPairT } from '../../src-preload/contract';
import { Curation } from '../datasets/curation';
import { AtelierError } from '../errors';
import type { TrainConfig } from '../ml/train';
import { assetFile, thumbFile, type AssetRow } from '../store/assets';
import type { EvaluationRow, EvalSplit } from '../store/evaluations';
import type { Project } from '../store/project';
import type { CopiesRequest, DriftRequest, EmbedRequest, EvalSource, EvaluateRequest, EvaluationMessage, FeaturesMessage } from './protocol';
import { embeddingVersion, viewKey } from './ruler';
import type { ScoredEvaluation, ScoredPair } from './score';

/** What the service needs of the engine's jobs (host/jobs.ts): start an evaluation job. */
export interface EvaluationJobs {
  start(
    kind: 'evaluate',
    runId: number | null,
    request: EvaluateRequest | EmbedRequest | DriftRequest | CopiesRequest,
    handlers: { onMessage(message: EvaluationMessage, job: JobT): void; onFinish(job: JobT, error?: EventPayload<'job:finished'>['error']): void },
  ): JobT;
}

export interface EvaluationServiceOptions {
  project: () => Project | null;
  jobs: EvaluationJobs;
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  onJobFinished(payload: EventPayload<'job:finished'>): void;
  progress(record: JobT, m: { step: number; total: number; message: string }): EventPayload<'job:progress'>;
  /** Embed the project's images in the background (low priority) so runs can score their checkpoints (default false). */
  prepare?: boolean;
}

/** Stores features a job embedded (base64 Float32 rows) in the project's cache. */
export function storeFeatures(p: Project, m: FeaturesMessage): void {
  p.features.put(
    m.rows.map((r) => {
      const bytes = Buffer.from(r.data, 'base64');
      return { hash: r.hash, features: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) };
    }),
    { embedding: m.embedding, view: m.view },
  );
}

/** Records a scored evaluation; returns its id. */
export function recordEvaluation(
  p: Project,
  where: { runId: number | null; checkpointId: number | null; split: EvalSplit; auto: boolean; label: string },
  r: ScoredEvaluation,
): number {
  const { collapse, memorisation, preview, ...numbers } = r;
  return p.evaluations.add({ ...where, ...numbers, report: { collapse, memorisation, preview } });
}

/** A stored evaluation as the contract shows it: training images named by id, name and thumbnail. */
export function toEvaluation(p: Project, row: EvaluationRow): EvaluationT {
  const asset = (hash: string | null) => {
    if (hash === null) return null;
    const id = p.assets.findByHash(hash);
    const a = id !== null ? p.assets.get(id) : null;
    return a ? { id: a.id, name: a.name, file: a.thumb ?? thumbFile(a.hash) } : null;
  };
  const mem = row.report.memorisation as (Omit<NonNullable<ScoredEvaluation['memorisation']>, 'pairs'> & { pairs: ScoredPair[] }) | null;
  const pairs: NearestPairT[] =
    mem?.pairs.map((pair) => {
      const byFeature = asset(pair.featureHash);
      const byPixel = asset(pair.pixelHash);
      return {
        sample: pair.sample,
        assetId: byFeature?.id ?? null,
        assetName: byFeature?.name ?? null,
        assetFile: byFeature?.file ?? null,
        featureDistance: pair.featureDistance,
        pixelAssetId: byPixel?.id ?? null,
        pixelAssetName: byPixel?.name ?? null,
        pixelAssetFile: byPixel?.file ?? null,
        pixelDistance: pair.pixelDistance,
        possibleCopy: pair.possibleCopy,
      };
    }) ?? [];
  return {
    id: row.id,
    runId: row.runId,
    runName: row.runName,
    checkpointId: row.checkpointId,
    step: row.step,
    split: row.split,
    auto: row.auto,
    label: row.label,
    samples: row.samples,
    reference: row.reference,
    kid: row.kid,
    kidStderr: row.kidStderr,
    fid: row.fid,
    precision: row.precision,
    recall: row.recall,
    coverage: row.coverage,
    collapse: row.report.collapse as EvaluationT['collapse'],
    memorisation: mem ? { threshold: mem.threshold, checked: mem.checked, flagged: mem.flagged, features: mem.features, pairs } : null,
    preview: row.report.preview,
    seconds: row.seconds,
    embedding: row.embedding,
    createdAt: row.createdAt,
  };
}

export class EvaluationService {
  private preparing: JobT | null = null;
  private prepareAgain = false;

  constructor(private readonly o: EvaluationServiceOptions) {}

  /**
   * Embeds what the yardstick will need and is not cached yet — val first, then test, then train,
   * at each training size the project uses (32 before any run) — in a job at the lowest CPU
   * priority. Called when a project opens, after imports, split changes and runs.
   */
  prepare(): void {
    const p = this.o.project();
    if (!p || !this.o.prepare || !p.isOpen) return;
    if (this.preparing) {
      this.prepareAgain = true;
      return;
    }
    const included = p.assets.all({ excluded: false });
    const rank = (a: AssetRow) => (a.split === 'val' ? 0 : a.split === 'test' ? 1 : 2);
    const ordered = [...included].sort((a, b) => rank(a) - rank(b));
    const sizes = [...new Set(p.runs.list().map((r) => r.size))];
    const views = (sizes.length ? sizes : [32]).flatMap((size) => {
      const key = { embedding: embeddingVersion(), view: viewKey({ size, background: p.background }) };
      const cached = p.features.get(
        ordered.map((a) => a.hash),
        key,
      );
      const sources = ordered.filter((a) => !cached.has(a.hash)).map((a) => ({ path: p.path(assetFile(a.hash, a.ext)), hash: a.hash }));
      return sources.length ? [{ size, background: p.background, sources }] : [];
    });
    if (views.length === 0) return;
    this.preparing = this.startJob(p, { type: 'embed', projectDir: p.dir, views }, null, {
      finished: (job) => {
        this.preparing = null;
        if (this.prepareAgain && job.status === 'done') {
          this.prepareAgain = false;
          this.prepare();
        }
      },
    });
  }

  private project(): Project {
    const p = this.o.project();
    if (!p) throw new AtelierError('no-project', 'No project is open. Open or create a project first.');
    return p;
  }

  list(runId?: number) {
    const p = this.project();
    if (runId !== undefined && !p.runs.get(runId)) throw new AtelierError('not-found', `There is no run ${runId} in this project.`);
    const best = p.evaluations.bestByKid();
    const drift = p.evaluations.latestDrift();
    return {
      evaluations: p.evaluations.list(runId).map((row) => toEvaluation(p, row)),
      published: p.evaluations.published(),
      suggested:
        best && best.checkpointId !== null && best.runId !== null && best.step !== null
          ? {
              checkpointId: best.checkpointId,
              runId: best.runId,
              runName: best.runName ?? `Run ${best.runId}`,
              step: best.step,
              kid: best.kid,
              kidStderr: best.kidStderr,
            }
          : null,
      drift: drift
        ? {
            ...drift,
            unusual: drift.unusual.flatMap((u) => {
              const a = p.assets.get(u.assetId);
              return a ? [{ assetId: a.id, name: a.name, file: a.thumb ?? thumbFile(a.hash), ratio: u.ratio }] : [];
            }),
          }
        : null,
    };
  }

  /** A run's latest scoring on the val split (the run view shows its alarms), or null. */
  latest(runId: number): EvaluationT | null {
    const p = this.project();
    const row = p.evaluations
      .list(runId)
      .filter((e) => e.split === 'val')
      .at(-1);
    return row ? toEvaluation(p, row) : null;
  }

  publish(checkpointId: number | null): { published: number | null } {
    const p = this.project();
    if (checkpointId !== null && !p.runs.checkpoint(checkpointId))
      throw new AtelierError('not-found', `There is no checkpoint ${checkpointId} in this project.`);
    p.evaluations.publish(checkpointId);
    return { published: p.evaluations.published() };
  }

  /** Scores a checkpoint against the val split, or once against the locked test split. */
  /** `copies: false` leaves out the copy check (no training image is embedded): KID and its kin only, as a feedback round's comparison needs. */
  start({ checkpointId, split, samples, copies = true }: { checkpointId: number; split: 'val' | 'test'; samples: number; copies?: boolean }): {
    jobId: string | null;
    alreadyTested: EvaluationT | null;
  } {
    const p = this.project();
    const checkpoint = p.runs.checkpoint(checkpointId);
    if (!checkpoint) throw new AtelierError('not-found', `There is no checkpoint ${checkpointId} in this project.`);
    const run = p.runs.get(checkpoint.runId);
    if (!run) throw new AtelierError('not-found', `Checkpoint ${checkpointId} belongs to no run.`);
    if (split === 'test') {
      const done = p.evaluations.test(checkpointId);
      if (done) return { jobId: null, alreadyTested: toEvaluation(p, done) };
    }
    const config = run.settings.config as TrainConfig | undefined;
    if (!config)
      throw new AtelierError('invalid-state', `Run ${run.id} has no model settings to draw from (an imported checkpoint without them cannot be scored).`);
    const classNames = (run.settings.classes as string[] | undefined) ?? [];
    const { train, val, imported } = this.runImages(p, run.id, classNames);
    const included = p.assets.all({ excluded: false });
    const reference =
      split === 'val'
        ? val
        : this.sources(
            p,
            included.filter((a) => a.split === 'test'),
            classNames,
          );
    if (reference.length < 4) {
      throw new AtelierError(
        'empty-dataset',
        split === 'val'
          ? imported
            ? `This project's val split has ${reference.length} image${reference.length === 1 ? '' : 's'}; scoring the imported checkpoint needs at least 4. Assign splits in Data.`
            : `Run ${run.id} was trained with ${reference.length} val image${reference.length === 1 ? '' : 's'}; scoring needs at least 4. Assign splits in Data and train again.`
          : `The test split has ${reference.length} image${reference.length === 1 ? '' : 's'}; a test needs at least 4. Assign and lock splits in Data.`,
      );
    }
    const label = `${run.name} · step ${checkpoint.step.toLocaleString('en')}`;
    const request: EvaluateRequest = {
      type: 'evaluate',
      projectDir: p.dir,
      target: { kind: 'checkpoint', checkpointDir: checkpoint.dir, config },
      samples,
      seed: run.seed,
      reference,
      train: copies ? train : [],
      val,
      size: run.size,
      background: p.background,
      evidenceDir: `evaluations/run-${run.id}-step-${checkpoint.step}-${split}-${Date.now().toString(36)}`,
    };
    const job = this.launch(p, request, run.id, { runId: run.id, checkpointId, split, auto: false, label });
    return { jobId: job.id, alreadyTested: null };
  }

  /** Scores a folder of images made elsewhere against the project's images. */
  images({ dir, split }: { dir: string; split: 'val' | 'train' | 'all' }): { jobId: string } {
    const p = this.project();
    const curation = new Curation(p);
    const train = curation.trainingAssets();
    const included = p.assets.all({ excluded: false });
    const pool = split === 'val' ? included.filter((a) => a.split === 'val') : split === 'train' ? train : included;
    if (pool.length < 4) {
      throw new AtelierError(
        'empty-dataset',
        `The project's ${split === 'all' ? 'images number' : `${split} split has`} ${pool.length}; scoring needs at least 4.${split === 'val' ? ' Assign splits in Data, or score against --split train.' : ''}`,
      );
    }
    const latest = p.runs.latestCheckpoint();
    const size = latest ? (p.runs.get(latest.runId)?.size ?? 32) : 32;
    const full = resolve(dir);
    const request: EvaluateRequest = {
      type: 'evaluate',
      projectDir: p.dir,
      target: { kind: 'images', dir: full },
      samples: 10_000,
      seed: 1,
      reference: this.sources(p, pool, []),
      train: this.sources(p, train, []),
      val: this.sources(
        p,
        included.filter((a) => a.split === 'val'),
        [],
      ),
      size,
      background: p.background,
      evidenceDir: `evaluations/images-${Date.now().toString(36)}`,
    };
    const job = this.launch(p, request, null, { runId: null, checkpointId: null, split, auto: false, label: basename(full) });
    return { jobId: job.id };
  }

  /**
   * After an import into a project with a trained model: how far the new images are from the
   * images that model learned (the published checkpoint's run, else the newest checkpoint's).
   * Returns the job's id, or null when there is no model or nothing new.
   */
  drift(assetIds: number[], importId: number | null): string | null {
    const p = this.project();
    if (assetIds.length === 0) return null;
    const published = p.evaluations.published();
    const checkpoint = (published !== null ? p.runs.checkpoint(published) : null) ?? p.runs.latestCheckpoint();
    const run = checkpoint ? p.runs.get(checkpoint.runId) : null;
    if (!run) return null;
    const byId = new Map(p.assets.all().map((a) => [a.id, a]));
    const incoming = this.sources(
      p,
      assetIds.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : [])),
      [],
    );
    const { train, val } = this.runImages(p, run.id);
    if (incoming.length === 0 || train.length < 2) return null;
    const request: DriftRequest = { type: 'drift', projectDir: p.dir, incoming, train, reference: val, size: run.size, background: p.background };
    const job = this.startJob(p, request, null, {
      result: (m) => {
        if (m.type !== 'drifted') return;
        p.evaluations.addDrift({
          importId,
          images: m.images,
          score: m.score,
          outlierShare: m.outlierShare,
          unusual: m.unusual.flatMap((u) => {
            const id = p.assets.findByHash(u.hash);
            return id !== null ? [{ assetId: id, ratio: u.ratio }] : [];
          }),
        });
      },
    });
    return job.id;
  }

  /** Checks gallery images for copies of the training images of the run that drew each; the results show in their detail pane. */
  checkCopies(ids: number[]): { jobId: string } {
    const p = this.project();
    const byRun = new Map<number, { generationId: number; path: string }[]>();
    for (const id of new Set(ids)) {
      const g = p.generations.get(id);
      if (!g) throw new AtelierError('not-found', `There is no generated image ${id} in this project.`);
      const checkpoint = p.runs.checkpoint(g.checkpointId);
      if (!checkpoint) throw new AtelierError('not-found', `Image ${id} was drawn by checkpoint ${g.checkpointId}, which is gone.`);
      byRun.set(checkpoint.runId, [...(byRun.get(checkpoint.runId) ?? []), { generationId: id, path: p.path(g.file) }]);
    }
    const groups: CopiesRequest['groups'] = [...byRun].flatMap(([runId, images]) => {
      const run = p.runs.get(runId);
      const { train, val } = this.runImages(p, runId);
      return run && train.length >= 2 ? [{ size: run.size, background: p.background, train, val, images }] : [];
    });
    if (groups.length === 0) throw new AtelierError('invalid-state', 'This project has fewer than two training images to compare these images with.');
    const request: CopiesRequest = { type: 'copies', projectDir: p.dir, groups };
    const job = this.startJob(p, request, null, {
      result: (m) => {
        if (m.type === 'copies')
          p.evaluations.putCopies(m.entries.map((e) => ({ ...e, featureThreshold: m.threshold.feature, pixelThreshold: m.threshold.pixel })));
      },
    });
    return { jobId: job.id };
  }

  /** A gallery image's nearest training images, once checked; null before. */
  copiesOf(generationId: number): (NearestPairT & { checkedAt: string; threshold: { feature: number; pixel: number } }) | null {
    const p = this.project();
    const c = p.evaluations.copies(generationId);
    const g = c ? p.generations.get(generationId) : null;
    if (!c || !g) return null;
    const asset = (hash: string | null) => {
      const id = hash !== null ? p.assets.findByHash(hash) : null;
      return id !== null ? p.assets.get(id) : null;
    };
    const f = asset(c.featureHash);
    const px = asset(c.pixelHash);
    return {
      sample: g.file,
      assetId: f?.id ?? null,
      assetName: f?.name ?? null,
      assetFile: f ? (f.thumb ?? thumbFile(f.hash)) : null,
      featureDistance: c.featureDistance,
      pixelAssetId: px?.id ?? null,
      pixelAssetName: px?.name ?? null,
      pixelAssetFile: px ? (px.thumb ?? thumbFile(px.hash)) : null,
      pixelDistance: c.pixelDistance,
      possibleCopy: c.possibleCopy,
      checkedAt: c.checkedAt ?? '',
      threshold: { feature: c.featureThreshold, pixel: c.pixelThreshold },
    };
  }

  /**
   * The images a run learned from (its snapshot's train and val, classes as it indexed them). A
   * checkpoint imported from elsewhere has none here: the project's own splits stand in.
   */
  private runImages(p: Project, runId: number, classNames: string[] = []): { train: EvalSource[]; val: EvalSource[]; imported: boolean } {
    const snapshot = p.runs.assets(runId);
    if (snapshot.length === 0) {
      const included = p.assets.all({ excluded: false });
      return {
        train: this.sources(p, new Curation(p).trainingAssets(), classNames),
        val: this.sources(
          p,
          included.filter((a) => a.split === 'val'),
          classNames,
        ),
        imported: true,
      };
    }
    const byId = new Map(p.assets.all().map((a) => [a.id, a]));
    const role = (r: 'train' | 'val') =>
      snapshot.flatMap((x) => {
        const a = byId.get(x.assetId);
        return x.role === r && a ? [{ path: p.path(assetFile(a.hash, a.ext)), hash: a.hash, classes: x.classes, name: a.name }] : [];
      });
    return { train: role('train'), val: role('val'), imported: false };
  }

  private sources(p: Project, assets: AssetRow[], classNames: string[]): EvalSource[] {
    const classesOf = new Curation(p).classIndexer(classNames);
    return assets.map((a) => ({ path: p.path(assetFile(a.hash, a.ext)), hash: a.hash, name: a.name, classes: classesOf(a.id) }));
  }

  private launch(p: Project, request: EvaluateRequest, runId: number | null, where: Parameters<typeof recordEvaluation>[1]): JobT {
    let evaluationId: number | undefined;
    return this.startJob(p, request, runId, {
      result: (m) => {
        if (m.type !== 'evaluated') return;
        evaluationId = recordEvaluation(p, where, m.result);
        if (runId !== null) this.o.emit('run:changed', { runId, status: p.runs.get(runId)?.status ?? 'done', reason: 'evaluation' });
      },
      extra: () => (evaluationId !== undefined ? { evaluationId } : {}),
    });
  }

  /**
   * Starts an evaluation job: features it embeds go to the cache, its progress to the page,
   * its result to `result`; its end is announced (with `extra`), then `finished` runs.
   */
  private startJob(
    p: Project,
    request: EvaluateRequest | EmbedRequest | DriftRequest | CopiesRequest,
    runId: number | null,
    on: { result?(m: EvaluationMessage): void; extra?(): { evaluationId?: number }; finished?(job: JobT): void },
  ): JobT {
    return this.o.jobs.start('evaluate', runId, request, {
      onMessage: (m, job) => {
        if (!p.isOpen) return;
        if (m.type === 'features') storeFeatures(p, m);
        else if (m.type === 'progress') this.o.emit('job:progress', this.o.progress(job, m));
        else on.result?.(m);
      },
      onFinish: (job, error) => {
        this.o.onJobFinished({
          jobId: job.id,
          kind: 'evaluate',
          runId,
          status: job.status === 'running' ? 'failed' : (job.status as 'done'),
          ...(error ? { error } : {}),
          ...(on.extra?.() ?? {}),
        });
        on.finished?.(job);
      },
    });
  }
}
