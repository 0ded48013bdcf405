// The engine's side of review and feedback: reviews under this workstation's reviewer name,
// review queues, the preference model (learnt in a job, stored here, predictions as a column)
// and feedback rounds (a fine-tuning run on the ratings, then a before/after comparison).
// Jobs run in their own process; this file reads and writes the project.
import type {
  EventName,
  EventPayload,
  FeedbackRoundT,
  GeneratedBatchT,
  GenerationT,
  JobT,
  MyReviewT,
  OpParsedInput,
  PreferenceModelT,
  PreferenceStatusT,
  ReviewChangeT,
  ReviewQueueT,
  RoundSideT,
} from '../../src-preload/contract';
import { AtelierError } from '../errors';
import { storeFeatures } from '../evaluation/service';
import type { Project } from '../store/project';
import type { PreferenceModelRow, RatedImage } from '../store/reviews';
import { MIN_RATINGS, MIN_TO_FIT } from './preference';
import type { PreferenceImage, PreferenceMessage, PreferenceRequest } from './protocol';
import { roundData, type RoundPlan } from './round';
import type { Workstation } from './workstation';

/** Images are seen at this size by the preference model, whatever the model that drew them. */
const PREFERENCE_SIZE = 64;
/** Quiet time after the last rating before the model learns again. */
const RELEARN_AFTER_MS = 15_000;

export interface PreferenceJobs {
  start(
    kind: 'preference',
    runId: number | null,
    request: PreferenceRequest,
    handlers: { onMessage(message: PreferenceMessage, job: JobT): void; onFinish(job: JobT, error?: EventPayload<'job:finished'>['error']): void },
  ): JobT;
}

export interface FeedbackServiceOptions {
  project: () => Project | null;
  jobs: PreferenceJobs;
  workstation: Workstation;
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  onJobFinished(payload: EventPayload<'job:finished'>): void;
  progress(record: JobT, m: { step: number; total: number; message: string }): EventPayload<'job:progress'>;
  /** Queues a fine-tuning run (the training queue); returns its id. */
  enqueueRound(plan: RoundPlan): number;
  /** Learn again by itself after ratings change (the studio and the app; default false). */
  autoLearn?: boolean;
  /** Draws a batch into the gallery (Generate's prompt path). */
  draw(input: { prompt: string; checkpointId: number; count: number; seed: number }): Promise<GeneratedBatchT>;
  /** Atelier KID of a checkpoint against its run's val split (an evaluation job); null when it cannot be scored. */
  evaluate(checkpointId: number, samples: number): Promise<{ kid: number; kidStderr: number; collapse: boolean } | null>;
}

/** Images drawn from each side of a round's comparison (the strip shows them in pairs). */
const COMPARE_IMAGES = 16;
/** Samples each side's KID is measured on when the round does not say (a quick look). */
const COMPARE_SAMPLES = 256;
/** Seeds of the comparison: the same for both sides, fixed so rounds compare alike. */
const COMPARE_SEED = 4242;
/** A round is "worse" when KID rises by more than this share and beyond two standard errors. */
const KID_WORSE_SHARE = 0.2;
/** A round is "better" when the mean predicted rating rises by at least this many stars. */
const PREDICTED_BETTER = 0.1;

export class FeedbackService {
  private learning: JobT | null = null;
  private again: { fit: boolean } | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Resolved when no preference job runs (a comparison waits for its turn). */
  private idle: (() => void)[] = [];
  private predictedUpTo = 0;
  private readonly comparing = new Set<number>();

  constructor(private readonly o: FeedbackServiceOptions) {}

  private project(): Project {
    const p = this.o.project();
    if (!p) throw new AtelierError('no-project', 'No project is open. Open or create a project first.');
    return p;
  }

  // --- reviewers and reviews -----------------------------------------------------------

  reviewer(): string | null {
    return this.o.workstation.reviewer();
  }

  /** The workstation's reviewer; refuses when none is set (a review must say who). */
  private me(): string {
    const name = this.reviewer();
    if (!name) throw new AtelierError('no-reviewer', 'Set your reviewer name first: every rating records who gave it.');
    return name;
  }

  reviewers(): { name: string | null; known: string[] } {
    const p = this.o.project();
    return { name: this.reviewer(), known: p ? p.reviews.reviewers() : [] };
  }

  async setReviewer(name: string): Promise<{ name: string }> {
    return { name: await this.o.workstation.setReviewer(name) };
  }

  /** Gallery rows with this workstation's own review filled in. */
  withMine(items: GenerationT[]): GenerationT[] {
    const name = this.reviewer();
    if (!name || items.length === 0) return items;
    const mine = this.project().reviews.mine(
      name,
      items.map((g) => g.id),
    );
    return items.map((g) => ({ ...g, mine: mine.get(g.id) ?? null }));
  }

  /** This workstation's own review of one image (null: none, or no name set). */
  mineOf(id: number): MyReviewT | null {
    const name = this.reviewer();
    return name ? (this.project().reviews.mine(name, [id]).get(id) ?? null) : null;
  }

  /** A gallery filter as the store takes it: "not reviewed by me" names the reviewer. */
  filter<F extends { notReviewedByMe?: boolean | undefined }>(f: F): Omit<F, 'notReviewedByMe'> & { notReviewedBy?: string } {
    const { notReviewedByMe, ...rest } = f;
    // With no name set nobody has reviewed anything as "me": every image is unreviewed.
    return notReviewedByMe ? { ...rest, notReviewedBy: this.reviewer() ?? '\u0000' } : rest;
  }

  review(ids: readonly number[], change: ReviewChangeT, as?: string): { updated: number; items: GenerationT[] } {
    const p = this.project();
    const me = as ?? this.me();
    const missing = p.generations.missing(ids);
    if (missing.length) {
      throw new AtelierError('not-found', `There is no generated image ${missing.slice(0, 5).join(', ')} in this project; nothing was changed.`);
    }
    const updated = p.reviews.set(me, ids, change);
    if (updated > 0) this.learnSoon();
    return { updated, items: ids.length <= 1024 ? this.withMine(p.generations.byIds(ids)) : [] };
  }

  reviewsOf(generationId: number) {
    const p = this.project();
    if (p.generations.missing([generationId]).length) throw new AtelierError('not-found', `There is no generated image ${generationId} in this project.`);
    return { reviews: p.reviews.of(generationId) };
  }

  queue(batchId: number, reviewers: readonly string[]): { queues: ReviewQueueT[] } {
    const p = this.project();
    if (p.generations.ids({ batchId, sort: 'oldest' }).length === 0) throw new AtelierError('not-found', `There is no batch ${batchId} in this project.`);
    p.reviews.queue(batchId, [...new Set(reviewers)], this.reviewer() ?? 'unnamed');
    return { queues: p.reviews.queues({ batchIds: [batchId] }) };
  }

  queues(filter: { reviewer?: string | undefined; pendingOnly?: boolean }): { queues: ReviewQueueT[] } {
    return { queues: this.project().reviews.queues(filter) };
  }

  // --- the preference model ------------------------------------------------------------

  private rated(p: Project): RatedImage[] {
    // Newest first: with more than the model's limit, the most recent taste counts.
    return p.reviews.rated().sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
  }

  status(): PreferenceStatusT {
    const p = this.project();
    const row = p.reviews.latestModel();
    const rated = this.rated(p);
    const counts = p.reviews.countPredicted();
    const newest = row?.params.newest ?? '';
    return {
      model: row ? toModel(row) : null,
      rated: rated.length,
      needed: MIN_RATINGS,
      newSinceModel: row ? rated.filter((r) => r.updatedAt > newest).length : rated.length,
      predicted: counts.predicted,
      generations: counts.generations,
    };
  }

  /** Learns from every rating now (and predicts every image); one job at a time. */
  learn(): { jobId: string } {
    const p = this.project();
    if (this.learning) {
      this.again = { fit: true };
      return { jobId: this.learning.id };
    }
    return { jobId: this.startJob(p, true).id };
  }

  /** Learns again once ratings have been quiet for a while (the studio's Review view rates one image at a time). */
  private learnSoon(): void {
    if (!this.o.autoLearn) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      const p = this.o.project();
      if (!p?.isOpen) return;
      if (this.rated(p).length < MIN_TO_FIT) return;
      if (this.learning) this.again = { fit: true };
      else this.startJob(p, true);
    }, RELEARN_AFTER_MS);
    this.timer.unref?.();
  }

  /** Predicts images drawn since the model learnt (called when the gallery is listed). */
  predictNew(): void {
    const p = this.o.project();
    if (!this.o.autoLearn || !p?.isOpen || this.learning) return;
    const model = p.reviews.latestModel();
    if (!model?.weights || !p.reviews.hasUnpredicted()) return;
    // Once per new image: an image whose file is gone stays unpredicted without asking again and again.
    const newest = p.reviews.newestGeneration();
    if (newest <= this.predictedUpTo) return;
    this.predictedUpTo = newest;
    this.startJob(p, false);
  }

  private startJob(p: Project, fit: boolean, only?: readonly number[], done?: () => void): JobT {
    const model = p.reviews.latestModel();
    const image = (r: RatedImage): PreferenceImage => ({
      generationId: r.kind === 'generation' ? r.id : null,
      path: p.path(r.file),
      hash: r.hash,
      score: r.score,
    });
    const predict = (only ? p.reviews.filesOf(only) : p.reviews.toPredict(fit)).map((g): PreferenceImage => ({
      generationId: g.id,
      path: p.path(g.file),
      hash: g.hash,
      score: null,
    }));
    const rated = fit ? this.rated(p) : [];
    const request: PreferenceRequest = {
      type: 'preference',
      projectDir: p.dir,
      size: PREFERENCE_SIZE,
      background: p.background,
      rated: rated.map(image),
      predict,
      fit,
      model:
        !fit && model?.weights
          ? { weights: [...model.weights], mean: model.params.mean, intercept: model.params.intercept, lambda: model.params.lambda }
          : null,
    };
    const newest = rated.reduce((m, r) => (r.updatedAt > m ? r.updatedAt : m), '');
    const reviewers = new Set(rated.flatMap((r) => r.reviewers)).size;
    const job = this.o.jobs.start('preference', null, request, {
      onMessage: (m, record) => {
        if (!p.isOpen) return;
        if (m.type === 'features') storeFeatures(p, m);
        else if (m.type === 'hashes') p.reviews.setHashes(m.pairs);
        else if (m.type === 'predictions') p.reviews.setPredictions(m.rows);
        else if (m.type === 'preference-model') {
          const floats = (b64: string | null) => (b64 ? new Float32Array(new Uint8Array(Buffer.from(b64, 'base64')).buffer) : null);
          const weights = floats(m.weights);
          p.reviews.addModel({
            embedding: m.embedding,
            view: m.view,
            ratings: m.ratings,
            reviewers,
            spearman: m.spearman,
            mae: m.mae,
            baselineMae: m.baselineMae,
            trusted: m.trusted,
            verdict: m.verdict,
            weights,
            params: { intercept: m.intercept, mean: [...(floats(m.mean) ?? [])], lambda: m.lambda, newest },
            seconds: m.seconds,
          });
          // Predictions of an older model would mix with the new one's: they are redone below.
          if (!weights) p.reviews.clearPredictions();
        } else if (m.type === 'progress') this.o.emit('job:progress', this.o.progress(record, m));
      },
      onFinish: (record, error) => {
        this.learning = null;
        this.o.onJobFinished({ jobId: record.id, kind: 'preference', runId: null, status: error ? 'failed' : 'done', ...(error ? { error } : {}) });
        done?.();
        const again = this.again;
        this.again = null;
        if (again && p.isOpen) this.startJob(p, again.fit);
        else for (const resolve of this.idle.splice(0)) resolve();
      },
    });
    this.learning = job;
    return job;
  }

  /** Predicts the given images now (after any preference job already running) and resolves when stored. */
  private async predictNow(p: Project, ids: readonly number[]): Promise<void> {
    if (!p.reviews.latestModel()?.weights) return;
    if (this.learning) await new Promise<void>((resolve) => this.idle.push(resolve));
    await new Promise<void>((resolve) => this.startJob(p, false, ids, resolve));
  }

  predictions(ids: readonly number[]): { model: PreferenceModelT | null; predictions: { id: number; predicted: number | null }[] } {
    const p = this.project();
    const row = p.reviews.latestModel();
    const known = p.reviews.predictions(ids);
    const missing = ids.filter((id) => !known.has(id));
    if (missing.length) throw new AtelierError('not-found', `There is no generated image ${missing.slice(0, 5).join(', ')} in this project.`);
    return { model: row ? toModel(row) : null, predictions: ids.map((id) => ({ id, predicted: known.get(id) ?? null })) };
  }

  // --- feedback rounds -------------------------------------------------------------------

  startRound(input: OpParsedInput<'feedback:start'>): { runId: number; liked: number; disliked: number } {
    const p = this.project();
    const plan = roundData(p, input);
    const runId = this.o.enqueueRound(plan);
    const model = p.reviews.latestModel();
    p.reviews.addRound({ runId, fromCheckpointId: plan.fromCheckpointId, preferenceModelId: model?.id ?? null, method: plan.method }, plan.ratings);
    return { runId, liked: plan.liked.length, disliked: plan.disliked.length };
  }

  /**
   * After a round's run: draws the same seeds and prompts from the checkpoint it started from and
   * from its own last one, predicts both sides' ratings and scores both with the evaluator's KID,
   * then records the verdict. Taste is not bought with collapse: a much worse KID or the collapse
   * alarm makes the round "worse" whatever the predicted ratings say.
   */
  async compare(runId: number): Promise<void> {
    const p = this.o.project();
    const round = p?.reviews.round(runId);
    if (!p || !round || round.comparison || this.comparing.has(runId)) return;
    const run = p.runs.get(runId);
    const after = p.runs.latestCheckpoint(runId);
    const before = p.runs.checkpoint(round.fromCheckpointId);
    if (!run || run.status !== 'done' || !after || !before) return;
    this.comparing.add(runId);
    this.o.emit('run:changed', { runId, status: run.status, reason: 'evaluation' });
    try {
      const prompts = comparisonPrompts(p, runId);
      const side = async (checkpointId: number, step: number): Promise<RoundSideT> => {
        const ids: number[] = [];
        const per = Math.ceil(COMPARE_IMAGES / prompts.length);
        for (const [i, prompt] of prompts.entries()) {
          const batch = await this.o.draw({ prompt, checkpointId, count: per, seed: COMPARE_SEED + i });
          ids.push(...batch.items.map((g) => g.id));
        }
        return { checkpointId, step, generationIds: ids.slice(0, COMPARE_IMAGES), predicted: null, kid: null, kidStderr: null, collapse: false };
      };
      const b = await side(before.id, before.step);
      const a = await side(after.id, after.step);
      await this.predictNow(p, [...b.generationIds, ...a.generationIds]);
      const mean = (ids: number[]) => {
        const values = [...p.reviews.predictions(ids).values()].filter((v): v is number => v !== null);
        return values.length ? values.reduce((x, y) => x + y, 0) / values.length : null;
      };
      b.predicted = mean(b.generationIds);
      a.predicted = mean(a.generationIds);
      const samples = typeof round.method.samples === 'number' ? round.method.samples : COMPARE_SAMPLES;
      for (const s of [b, a]) {
        const scored = await this.o.evaluate(s.checkpointId, samples);
        if (scored) Object.assign(s, scored);
      }
      const { verdict, reason } = judgeRound(b, a);
      if (p.isOpen) p.reviews.setComparison(runId, { before: b, after: a, reason, samples, prompts }, verdict);
    } catch (error) {
      if (p.isOpen) {
        const reason = `The comparison could not be drawn: ${(error as Error).message}`;
        p.reviews.setComparison(runId, { before: null, after: null, reason }, null);
      }
    } finally {
      this.comparing.delete(runId);
      if (p.isOpen) this.o.emit('run:changed', { runId, status: run.status, reason: 'evaluation' });
    }
  }

  /** Compares rounds whose run ended while no engine was there to (a restart between the two). */
  async comparePending(): Promise<void> {
    const p = this.o.project();
    if (!p) return;
    for (const r of p.reviews.rounds()) {
      if (r.comparison === null && p.runs.get(r.runId)?.status === 'done') await this.compare(r.runId);
    }
  }

  rounds(): { rounds: FeedbackRoundT[] } {
    const p = this.project();
    return {
      rounds: p.reviews.rounds().map((r) => {
        const run = p.runs.get(r.runId);
        const ratings = p.reviews.roundRatings(r.runId);
        const comparison = r.comparison as { before: RoundSideT; after: RoundSideT; reason: string } | null;
        return {
          runId: r.runId,
          runName: run?.name ?? `Run ${r.runId}`,
          status: run?.status ?? 'deleted',
          fromCheckpointId: r.fromCheckpointId,
          createdAt: r.createdAt,
          liked: ratings.filter((x) => x.role === 'liked').length,
          disliked: ratings.filter((x) => x.role === 'disliked').length,
          reviewers: [...new Set(ratings.flatMap((x) => x.reviewers))].sort(),
          method: r.method,
          before: comparison?.before ?? null,
          after: comparison?.after ?? null,
          verdict: r.verdict,
          reason: comparison?.reason ?? (run?.status === 'done' ? 'The comparison is being drawn.' : 'The round is training.'),
          comparing: this.comparing.has(r.runId),
          compared: comparison !== null,
        };
      }),
    };
  }
}

/** Up to four prompts the liked images of a round were drawn from (the most used first); '' when none had tags. */
function comparisonPrompts(p: Project, runId: number): string[] {
  const liked = p.reviews.roundRatings(runId).filter((r) => r.role === 'liked');
  const counts = new Map<string, number>();
  for (const g of p.generations.byIds(liked.map((l) => l.generationId))) {
    // The tags only: the comparison sets its own seeds and counts.
    const tags = g.prompt
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t && !/^(seed|n|trunc):/.test(t) && !t.startsWith('@'))
      .join(', ');
    counts.set(tags, (counts.get(tags) ?? 0) + 1);
  }
  const prompts = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([t]) => t);
  return prompts.length ? prompts.slice(0, 4) : [''];
}

/** The round's verdict from both sides' KID, collapse and predicted ratings, with the reason in words. */
export function judgeRound(b: RoundSideT, a: RoundSideT): { verdict: 'better' | 'no clear change' | 'worse'; reason: string } {
  if (a.collapse && !b.collapse) return { verdict: 'worse', reason: 'The collapse alarm fired after the round: the model draws too few different images.' };
  if (a.kid !== null && b.kid !== null) {
    const se = Math.hypot(a.kidStderr ?? 0, b.kidStderr ?? 0);
    if (a.kid - b.kid > Math.max(2 * se, KID_WORSE_SHARE * Math.max(b.kid, 1e-4))) {
      return {
        verdict: 'worse',
        reason: `KID rose from ${b.kid.toFixed(4)} to ${a.kid.toFixed(4)}: the images moved away from the real set, whatever the ratings predict.`,
      };
    }
  }
  const kidNote = a.kid !== null && b.kid !== null ? ` KID ${b.kid.toFixed(4)} → ${a.kid.toFixed(4)}.` : ' KID could not be measured (no val split).';
  if (a.predicted !== null && b.predicted !== null) {
    const gain = a.predicted - b.predicted;
    if (gain >= PREDICTED_BETTER) return { verdict: 'better', reason: `The predicted rating rose by ${gain.toFixed(2)} stars.${kidNote}` };
    return { verdict: 'no clear change', reason: `The predicted rating moved by ${gain >= 0 ? '+' : ''}${gain.toFixed(2)} stars.${kidNote}` };
  }
  return { verdict: 'no clear change', reason: `No preference model to predict ratings yet.${kidNote}` };
}

function toModel(row: PreferenceModelRow): PreferenceModelT {
  return {
    id: row.id,
    createdAt: row.createdAt,
    ratings: row.ratings,
    reviewers: row.reviewers,
    spearman: row.spearman,
    mae: row.mae,
    baselineMae: row.baselineMae,
    trusted: row.trusted,
    verdict: row.verdict,
    seconds: row.seconds,
  };
}
