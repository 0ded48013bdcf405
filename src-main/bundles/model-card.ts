// The model card: one self-contained HTML page (no script, no outside files) that says what a
// model was trained on, how, how it scores, who reviewed it, what it is for and whom to credit.
// Every fact is read from the project; the same facts come back as a plain object for tests and
// a JSON view. Everything that came from the project is escaped: a bundle may carry hostile names.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Curation } from '../datasets/curation';
import { DEFAULT_NEAR_DUPLICATE_THRESHOLD } from '../datasets/near-duplicates';
import { QUALITY_FLAGS } from '../datasets/quality';
import { starterItems } from '../datasets/starter';
import { AtelierError } from '../errors';
import { EMBEDDING_CREDITS } from '../evaluation/credits';
import type { TrainConfig } from '../ml/types';
import type { EvaluationRow } from '../store/evaluations';
import { ModelCardStore, type ImportReportSummary, type ReviewerCount } from '../store/model-card';
import type { Project } from '../store/project';
import type { CheckpointRow, LossRow, RunRow } from '../store/runs';
import { lineChart, thin, type Series } from './model-card-chart';

/** The Twemoji attribution, word for word, wherever starter images are in a project. */
export const TWEMOJI_ATTRIBUTION =
  'Emoji artwork: Twemoji by Twitter, Inc and other contributors, licensed CC-BY 4.0 (https://creativecommons.org/licenses/by/4.0/), via the npm package emoji-datasource-twitter (MIT).';

const TFJS_CREDIT: Credit = {
  what: 'TensorFlow.js: the models were built and trained with it',
  author: 'Google LLC and the TensorFlow.js authors',
  license: 'Apache 2.0',
  url: 'https://github.com/tensorflow/tfjs',
};

/** Written by ml/checkpoint.ts beside weights.bin: tfjs's weightsManifest lists every weight's shape. */
const CHECKPOINT_JSON = 'checkpoint.json';

export interface Credit {
  what: string;
  author: string;
  license: string;
  url: string;
}

export type CardTarget = { runId: number } | { checkpointId: number };

/** Why the card describes the checkpoint it does. */
export type CheckpointChoice = 'asked' | 'published' | 'best-val-kid' | 'latest' | 'none';

export interface CardEvaluation {
  id: number;
  split: EvaluationRow['split'];
  auto: boolean;
  label: string;
  samples: number;
  reference: number;
  kid: number;
  kidStderr: number;
  fid: number;
  precision: number;
  recall: number;
  coverage: number | null;
  diversity: number | null;
  duplicateShare: number | null;
  collapsed: boolean;
  collapseReasons: string[];
  memorisation: { checked: number; flagged: number; features: boolean } | null;
  embedding: string;
  createdAt: string;
}

export interface CardRound {
  runId: number;
  runName: string;
  fromCheckpointId: number;
  /** True when this model descends from the round (the round's run or one of its ancestors). */
  shapedThisModel: boolean;
  verdict: 'better' | 'no clear change' | 'worse' | null;
  reason: string;
  liked: number;
  disliked: number;
  reviewers: string[];
  createdAt: string;
}

export interface ModelCardFacts {
  atelierVersion: string | null;
  generatedAt: string;
  project: string;
  run: Pick<RunRow, 'id' | 'name' | 'model' | 'size' | 'preset' | 'status' | 'steps' | 'stepsDone' | 'createdAt' | 'finishedAt' | 'overfitting'> & {
    parentCheckpointId: number | null;
    /** Runs this one was fine-tuned from, nearest first. */
    ancestors: { runId: number; runName: string; checkpointId: number; step: number }[];
  };
  checkpoint: (Pick<CheckpointRow, 'id' | 'step' | 'dir' | 'createdAt' | 'dTrain' | 'dVal'> & { published: boolean }) | null;
  choice: CheckpointChoice;
  data: {
    images: number;
    included: number;
    excluded: number;
    imports: ImportReportSummary[];
    /** Project images that are Twemoji from the starter set; null when that could not be checked. */
    starterImages: number | null;
    tags: { total: number; top: { name: string; count: number }[]; untaggedIncluded: number };
    quality: { flag: string; label: string; images: number; excluded: number }[];
    exclusions: { total: number; withQualityFlags: number; byHand: number };
    nearDuplicates: { threshold: number; groups: number; images: number };
    split: {
      train: number;
      val: number;
      test: number;
      none: number;
      settings: { train: number; val: number; test: number; seed: number } | null;
      locked: string | null;
    };
    /** The run's frozen snapshot of images. */
    trainedOn: { train: number; val: number; classes: string[] };
    augmentation: { augment: boolean; policy: unknown; diffAugment: string | null; balance: string | null };
  };
  model: {
    family: RunRow['model'];
    familyLabel: string;
    size: number;
    preset: string;
    width: number | null;
    latentDim: number | null;
    classes: number;
    /** Values stored per network in the checkpoint (weights, and normalisation statistics where a network keeps them). */
    networks: { name: string; values: number }[];
    totalValues: number | null;
    /** Why the counts are missing, when they are. */
    checkpointProblem: string | null;
  };
  hyperparameters: { name: string; value: string }[];
  config: { name: string; value: string }[];
  curves: { losses: LossRow[]; kid: { step: number; kid: number; kidStderr: number }[] };
  evaluations: CardEvaluation[];
  feedback: {
    rounds: CardRound[];
    reviews: number;
    reviewers: ReviewerCount[];
    reviewersOfThisRun: ReviewerCount[];
    generationsOfThisRun: number;
    preference: {
      ratings: number;
      reviewers: number;
      spearman: number | null;
      mae: number | null;
      baselineMae: number | null;
      trusted: boolean;
      verdict: string;
      createdAt: string;
    } | null;
    ratedNow: number;
  };
  limitations: string[];
  credits: Credit[];
  /** TWEMOJI_ATTRIBUTION when the project holds starter images (or may: the check could not run), else null. */
  starterAttribution: string | null;
}

export interface ModelCardOptions {
  /** Atelier's version (the host knows it; else package.json is read when it can be found). */
  version?: string;
  /** The card's date (tests fix it). */
  now?: Date;
}

/**
 * The model card of a checkpoint, or of a run (its published checkpoint, else its best by val
 * KID, else its latest; the card says which).
 */
export function modelCard(project: Project, target: CardTarget, options: ModelCardOptions = {}): { html: string; title: string; facts: ModelCardFacts } {
  const facts = gatherFacts(project, target, options);
  const title = `Model card: ${facts.run.name}${facts.checkpoint ? ` at step ${facts.checkpoint.step.toLocaleString('en')}` : ''} (${facts.project})`;
  return { html: render(facts, title), title, facts };
}

// ── facts ───────────────────────────────────────────────────────────────────────────────

function gatherFacts(p: Project, target: CardTarget, options: ModelCardOptions): ModelCardFacts {
  const { run, checkpoint, choice } = resolveTarget(p, target);
  const store = new ModelCardStore(p.db);
  const curation = new Curation(p);
  const settings = run.settings;
  const config = (typeof settings.config === 'object' && settings.config !== null ? settings.config : {}) as Partial<TrainConfig>;

  const runAssets = p.runs.assets(run.id);
  const classes = Array.isArray(settings.classes) ? settings.classes.map(String) : [];
  const splitInfo = curation.splitInfo();
  const duplicates = curation.duplicates(DEFAULT_NEAR_DUPLICATE_THRESHOLD);
  const excluded = p.assets.count({ excluded: true });
  const anyFlag = (1 << QUALITY_FLAGS.length) - 1;
  const excludedFlagged = p.assets.count({ excluded: true, flags: anyFlag });
  const starterImages = countStarterImages(p);

  const allEvaluations = p.evaluations.list(run.id);
  const evaluations = checkpoint ? allEvaluations.filter((e) => e.checkpointId === checkpoint.id).map(toCardEvaluation) : [];
  const kidCurve = latestPerCheckpoint(allEvaluations.filter((e) => e.split === 'val' && e.step !== null))
    .map((e) => ({ step: e.step!, kid: e.kid, kidStderr: e.kidStderr }))
    .sort((a, b) => a.step - b.step);

  const ancestors = lineage(p, run);
  const lineageRuns = new Set([run.id, ...ancestors.map((a) => a.runId)]);
  const rounds: CardRound[] = p.reviews.rounds().map((r) => {
    const ratings = p.reviews.roundRatings(r.runId);
    const comparison = r.comparison as { reason?: string } | null;
    return {
      runId: r.runId,
      runName: p.runs.get(r.runId)?.name ?? `Run ${r.runId}`,
      fromCheckpointId: r.fromCheckpointId,
      shapedThisModel: lineageRuns.has(r.runId),
      verdict: r.verdict,
      reason: comparison?.reason ?? 'Not compared yet.',
      liked: ratings.filter((x) => x.role === 'liked').length,
      disliked: ratings.filter((x) => x.role === 'disliked').length,
      reviewers: [...new Set(ratings.flatMap((x) => x.reviewers))].sort(),
      createdAt: r.createdAt,
    };
  });
  const reviewers = store.reviewerCounts();
  const preference = p.reviews.latestModel();

  const facts: ModelCardFacts = {
    atelierVersion: options.version ?? packageVersion(),
    generatedAt: (options.now ?? new Date()).toISOString(),
    project: p.name,
    run: {
      id: run.id,
      name: run.name,
      model: run.model,
      size: run.size,
      preset: run.preset,
      status: run.status,
      steps: run.steps,
      stepsDone: run.stepsDone,
      createdAt: run.createdAt,
      finishedAt: run.finishedAt,
      overfitting: run.overfitting,
      parentCheckpointId: run.parentCheckpointId,
      ancestors,
    },
    checkpoint: checkpoint
      ? {
          id: checkpoint.id,
          step: checkpoint.step,
          dir: checkpoint.dir,
          createdAt: checkpoint.createdAt,
          dTrain: checkpoint.dTrain,
          dVal: checkpoint.dVal,
          published: p.evaluations.published() === checkpoint.id,
        }
      : null,
    choice,
    data: {
      images: p.assets.count(),
      included: p.assets.count({ excluded: false }),
      excluded,
      imports: store.importReports(),
      starterImages,
      tags: { total: p.assets.tagCount(), top: p.assets.tags().slice(0, 12), untaggedIncluded: store.untaggedIncluded() },
      quality: QUALITY_FLAGS.map((f, i) => ({
        flag: f.flag,
        label: f.label,
        images: p.assets.count({ flags: 1 << i }),
        excluded: p.assets.count({ flags: 1 << i, excluded: true }),
      })),
      exclusions: { total: excluded, withQualityFlags: excludedFlagged, byHand: excluded - excludedFlagged },
      nearDuplicates: { threshold: DEFAULT_NEAR_DUPLICATE_THRESHOLD, groups: duplicates.length, images: duplicates.reduce((n, g) => n + g.ids.length, 0) },
      split: { ...splitInfo.counts, settings: splitInfo.settings, locked: splitInfo.locked },
      trainedOn: { train: runAssets.filter((a) => a.role === 'train').length, val: runAssets.filter((a) => a.role === 'val').length, classes },
      augmentation: {
        augment: settings.augment !== false,
        policy: settings.augmentation ?? null,
        diffAugment: run.model === 'vae' ? null : typeof settings.diffAugment === 'string' ? settings.diffAugment : null,
        balance: typeof settings.balance === 'string' ? settings.balance : null,
      },
    },
    model: { ...architecture(run, config, classes.length), ...parameterCounts(p, checkpoint) },
    hyperparameters: Object.entries(settings)
      .filter(([k]) => !['config', 'classes', 'augmentation', 'feedback'].includes(k))
      .map(([name, value]) => ({ name, value: settingText(value) })),
    config: Object.entries(config).map(([name, value]) => ({ name, value: settingText(value) })),
    curves: { losses: p.runs.losses(run.id), kid: kidCurve },
    evaluations,
    feedback: {
      rounds,
      reviews: reviewers.reduce((n, r) => n + r.reviews, 0),
      reviewers,
      reviewersOfThisRun: store.reviewerCounts(run.id),
      generationsOfThisRun: store.generationsOfRun(run.id),
      preference: preference
        ? {
            ratings: preference.ratings,
            reviewers: preference.reviewers,
            spearman: preference.spearman,
            mae: preference.mae,
            baselineMae: preference.baselineMae,
            trusted: preference.trusted,
            verdict: preference.verdict,
            createdAt: preference.createdAt,
          }
        : null,
      ratedNow: p.reviews.rated().length,
    },
    limitations: [],
    credits: [],
    starterAttribution: starterImages === null || starterImages > 0 ? TWEMOJI_ATTRIBUTION : null,
  };
  facts.limitations = limitations(facts);
  facts.credits = [TFJS_CREDIT, ...EMBEDDING_CREDITS];
  return facts;
}

function resolveTarget(p: Project, target: CardTarget): { run: RunRow; checkpoint: CheckpointRow | null; choice: CheckpointChoice } {
  if ('checkpointId' in target) {
    const checkpoint = p.runs.checkpoint(target.checkpointId);
    if (!checkpoint) throw new AtelierError('not-found', `There is no checkpoint ${target.checkpointId} in this project.`);
    const run = p.runs.get(checkpoint.runId);
    if (!run) throw new AtelierError('not-found', `Checkpoint ${checkpoint.id} belongs to run ${checkpoint.runId}, which is gone.`);
    return { run, checkpoint, choice: 'asked' };
  }
  const run = p.runs.get(target.runId);
  if (!run) throw new AtelierError('not-found', `There is no run ${target.runId} in this project.`);
  const checkpoints = p.runs.checkpoints(run.id);
  const published = p.evaluations.published();
  const pub = checkpoints.find((c) => c.id === published);
  if (pub) return { run, checkpoint: pub, choice: 'published' };
  const scored = latestPerCheckpoint(p.evaluations.list(run.id).filter((e) => e.split === 'val'));
  const best = scored.sort((a, b) => a.kid - b.kid)[0];
  const bestCheckpoint = best ? checkpoints.find((c) => c.id === best.checkpointId) : undefined;
  if (bestCheckpoint) return { run, checkpoint: bestCheckpoint, choice: 'best-val-kid' };
  const latest = checkpoints.at(-1) ?? null;
  return { run, checkpoint: latest, choice: latest ? 'latest' : 'none' };
}

/** Each checkpoint's latest evaluation among `rows` (a re-scoring replaces the earlier one). */
function latestPerCheckpoint(rows: EvaluationRow[]): EvaluationRow[] {
  const byCheckpoint = new Map<number, EvaluationRow>();
  for (const e of rows) if (e.checkpointId !== null && (byCheckpoint.get(e.checkpointId)?.id ?? -1) < e.id) byCheckpoint.set(e.checkpointId, e);
  return [...byCheckpoint.values()];
}

/** The runs a fine-tuned run descends from, nearest first (a loop in damaged data stops the walk). */
function lineage(p: Project, run: RunRow): ModelCardFacts['run']['ancestors'] {
  const out: ModelCardFacts['run']['ancestors'] = [];
  const seen = new Set([run.id]);
  let parentId = run.parentCheckpointId;
  while (parentId !== null) {
    const c = p.runs.checkpoint(parentId);
    const r = c ? p.runs.get(c.runId) : null;
    if (!c || !r || seen.has(r.id)) break;
    seen.add(r.id);
    out.push({ runId: r.id, runName: r.name, checkpointId: c.id, step: c.step });
    parentId = r.parentCheckpointId;
  }
  return out;
}

function toCardEvaluation(e: EvaluationRow): CardEvaluation {
  const collapse = (e.report.collapse ?? {}) as { collapsed?: boolean; reasons?: string[]; diversity?: number; duplicateShare?: number };
  const mem = e.report.memorisation as { checked: number; flagged: number; features: boolean } | null;
  return {
    id: e.id,
    split: e.split,
    auto: e.auto,
    label: e.label,
    samples: e.samples,
    reference: e.reference,
    kid: e.kid,
    kidStderr: e.kidStderr,
    fid: e.fid,
    precision: e.precision,
    recall: e.recall,
    coverage: e.coverage,
    diversity: typeof collapse.diversity === 'number' ? collapse.diversity : null,
    duplicateShare: typeof collapse.duplicateShare === 'number' ? collapse.duplicateShare : null,
    collapsed: collapse.collapsed === true,
    collapseReasons: Array.isArray(collapse.reasons) ? collapse.reasons.map(String) : [],
    memorisation: mem ? { checked: mem.checked, flagged: mem.flagged, features: mem.features } : null,
    embedding: e.embedding,
    createdAt: e.createdAt,
  };
}

const FAMILY_LABELS: Record<RunRow['model'], string> = {
  dcgan: 'DCGAN: an unconditional generative adversarial network',
  cgan: 'Conditional GAN: a DCGAN conditioned on tags, with a projection discriminator',
  vae: 'Variational autoencoder',
};

function architecture(run: RunRow, config: Partial<TrainConfig>, classNames: number) {
  return {
    family: run.model,
    familyLabel: FAMILY_LABELS[run.model] + (run.model === 'vae' && (config.classes ?? classNames) > 0 ? ', conditioned on tags' : ''),
    size: run.size,
    preset: run.preset,
    width: typeof config.width === 'number' ? config.width : null,
    latentDim: typeof config.latentDim === 'number' ? config.latentDim : null,
    classes: typeof config.classes === 'number' ? config.classes : classNames,
  };
}

/** Values per network from the checkpoint's manifest; optimiser state and the generator's moving-average copy are not the model. */
function parameterCounts(p: Project, checkpoint: CheckpointRow | null): Pick<ModelCardFacts['model'], 'networks' | 'totalValues' | 'checkpointProblem'> {
  if (!checkpoint) return { networks: [], totalValues: null, checkpointProblem: 'The run has no checkpoint yet.' };
  let manifest: { weights: { name: string; shape: number[] }[] }[];
  try {
    const json = JSON.parse(readFileSync(join(p.dir, checkpoint.dir, CHECKPOINT_JSON), 'utf8')) as { weightsManifest?: unknown };
    if (!Array.isArray(json.weightsManifest)) throw new Error('it has no weightsManifest');
    manifest = json.weightsManifest as typeof manifest;
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file is missing' : (error as Error).message;
    return { networks: [], totalValues: null, checkpointProblem: `${checkpoint.dir}/${CHECKPOINT_JSON} could not be read: ${why}.` };
  }
  const counts = new Map<string, number>();
  for (const entry of manifest) {
    for (const w of entry.weights ?? []) {
      const [group = '', rest = ''] = String(w.name).split(/\/(.*)/s);
      if (group.startsWith('optimizer') || group === 'ema') continue;
      // A VAE is stored as one group: its encoder and decoder are told apart by name.
      const network = group === 'vae' ? (rest.startsWith('enc.') ? 'encoder' : rest.startsWith('dec.') ? 'decoder' : 'vae') : group;
      const values = Array.isArray(w.shape) ? w.shape.reduce((a, b) => a * Number(b), 1) : 0;
      counts.set(network, (counts.get(network) ?? 0) + values);
    }
  }
  const networks = [...counts.entries()].map(([name, values]) => ({ name, values }));
  return { networks, totalValues: networks.reduce((n, x) => n + x.values, 0), checkpointProblem: null };
}

let starterHashes: Set<string> | null | undefined;

/**
 * How many of the project's images are starter Twemoji, by content hash (names and tags can be
 * edited, the bytes cannot). Null when the emoji package cannot be read to check.
 */
function countStarterImages(p: Project): number | null {
  // Starter images are 64×64 PNGs: a project with none skips hashing the 3,786 files.
  const candidates = p.assets.all().filter((a) => a.ext === 'png' && a.width === 64 && a.height === 64);
  if (candidates.length === 0) return 0;
  if (starterHashes === undefined) {
    try {
      starterHashes = new Set(starterItems().map((item) => createHash('sha256').update(readFileSync(item.path)).digest('hex')));
    } catch {
      starterHashes = null;
    }
  }
  if (starterHashes === null) return null;
  const known = starterHashes;
  return candidates.filter((a) => known.has(a.hash)).length;
}

/** package.json's version, found by walking up from this file (the source tree, or the built app). */
function packageVersion(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'atelier' && typeof pkg.version === 'string') return pkg.version;
      } catch {
        return null;
      }
    }
    dir = dirname(dir);
  }
  return null;
}

function settingText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object')) return value.length ? value.join(', ') : 'none';
  return JSON.stringify(value);
}

/** Honest limits, from the facts: what the data was, what was measured and what was not. */
function limitations(f: ModelCardFacts): string[] {
  const out: string[] = [];
  const train = f.data.trainedOn.train;
  out.push(
    `Trained on ${count(train, 'image')} at ${f.run.size}×${f.run.size} px, and draws images of that size only. ` +
      `A dataset this size is small for a generative model: expect the style and subjects of these images, not new ones.`,
  );
  if (f.data.starterImages === null || (f.data.starterImages ?? 0) > 0) {
    out.push(
      f.data.starterImages === null
        ? 'The project may hold Twemoji starter images (the check could not run here); outputs may resemble them, and derived work carries their CC-BY 4.0 attribution.'
        : `${count(f.data.starterImages, 'project image')} ${f.data.starterImages === 1 ? 'is a' : 'are'} Twemoji from the starter set: outputs may resemble emoji, and work derived from them carries their CC-BY 4.0 attribution.`,
    );
  } else {
    out.push("Trained on the team's own images: the model reflects their style and their gaps; it knows nothing outside them.");
  }
  out.push('Not for identifying, describing or making images of real people, and not evidence of anything: its images are invented.');
  const mem = f.evaluations.find((e) => e.memorisation)?.memorisation;
  if (mem) {
    out.push(
      mem.flagged > 0
        ? `Outputs may copy training images: ${mem.flagged} of ${mem.checked} samples checked were possible copies of a training image${mem.features ? '' : ' (by pixels only)'}. Check an image before publishing it.`
        : `No possible copies among ${mem.checked} samples checked${mem.features ? '' : ' (by pixels only)'}; small models can still reproduce a training image, so check images meant for publication.`,
    );
  } else {
    out.push('Outputs were never checked for copies of training images: small models can reproduce them. Run the copy check before publishing an image.');
  }
  if (f.evaluations.some((e) => e.collapsed)) out.push('The collapse alarm fired on this checkpoint: it draws too few different images.');
  if (f.run.overfitting) out.push('Validation warned of overfitting: the discriminator tells training images from held-back ones, a sign of memorising.');
  if (f.evaluations.length === 0) out.push('This checkpoint was never evaluated: nothing here measures how close its images are to the real ones.');
  else if (!f.evaluations.some((e) => e.split === 'test'))
    out.push('Scored on the val split only, which also guided choices: the numbers are optimistic. A test-split score is the honest one.');
  if (f.feedback.reviewers.length > 0)
    out.push(`Ratings reflect the taste of ${count(f.feedback.reviewers.length, 'reviewer')} in this team, not of an audience.`);
  out.push("Every score is Atelier's own (its embedding, 32–64 px): compare it with other checkpoints of this project, never with published FID figures.");
  return out;
}

// ── HTML ────────────────────────────────────────────────────────────────────────────────

/** Text from the project made safe for HTML text and attribute values. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? noun : plural}`;
}

function num(n: number | null | undefined, digits = 3): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return n.toFixed(digits);
}

function pct(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '—' : `${(n * 100).toFixed(1)} %`;
}

function date(iso: string | null): string {
  return iso ? esc(iso.slice(0, 16).replace('T', ' ')) : '—';
}

const CHOICE_WORDS: Record<CheckpointChoice, string> = {
  asked: 'the checkpoint asked for',
  published: "the project's published checkpoint",
  'best-val-kid': 'the lowest Atelier KID on the val split among this run’s checkpoints (none is published)',
  latest: 'the latest (no checkpoint of this run is published or scored)',
  none: 'none: the run has written no checkpoint yet',
};

const SPLIT_CAVEATS: Record<EvaluationRow['split'], string> = {
  val: 'Against the val split, which also guided choices (which checkpoint, which settings): optimistic.',
  test: 'Against the locked test split, scored once: the honest estimate of how this model does on images it never influenced.',
  train: 'Against training images: says how closely it fits them, not how it does on new ones.',
  all: 'Against every image, training ones included: a fit, not a generalisation.',
};

function render(f: ModelCardFacts, title: string): string {
  const ck = f.checkpoint;
  const header = `<header>
<p class="kicker">Model card · ${esc(f.project)}</p>
<h1>${esc(f.run.name)}</h1>
<p class="lede">${esc(summary(f))}</p>
<dl class="facts">
<dt>Project</dt><dd>${esc(f.project)}</dd>
<dt>Run</dt><dd>${esc(f.run.name)} (run ${f.run.id}, ${esc(f.run.status)}, ${f.run.stepsDone.toLocaleString('en')} of ${f.run.steps.toLocaleString('en')} steps)</dd>
<dt>Model</dt><dd>${esc(f.model.familyLabel)}, ${f.run.size}×${f.run.size} px, ${esc(f.run.preset)} preset</dd>
<dt>Checkpoint</dt><dd>${ck ? `${ck.id} at step ${ck.step.toLocaleString('en')}, saved ${date(ck.createdAt)}${ck.published ? ' · <strong>published</strong>' : ''}` : 'none'}</dd>
<dt>Chosen as</dt><dd>${esc(CHOICE_WORDS[f.choice])}</dd>
${f.run.ancestors.length ? `<dt>Fine-tuned from</dt><dd>${f.run.ancestors.map((a) => `${esc(a.runName)} (checkpoint ${a.checkpointId}, step ${a.step.toLocaleString('en')})`).join(' ← ')}</dd>` : ''}
<dt>Card made</dt><dd>${date(f.generatedAt)} UTC by Atelier ${esc(f.atelierVersion ?? '(version unknown)')}</dd>
</dl>
</header>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Atelier ${esc(f.atelierVersion ?? '')}">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
${header}
${dataSection(f)}
${modelSection(f)}
${trainingSection(f)}
${metricsSection(f)}
${feedbackSection(f)}
<section id="use">
<h2>Intended use and limitations</h2>
<p>Made for a creative team to draw new images in the style of its own collection: sketches, variations, material to curate and rework. Read these limits before using its images.</p>
<ul class="limits">${f.limitations.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>
</section>
${creditsSection(f)}
</body>
</html>
`;
}

function summary(f: ModelCardFacts): string {
  const family =
    f.run.model === 'dcgan'
      ? 'DCGAN'
      : f.run.model === 'cgan'
        ? 'conditional GAN'
        : f.model.classes > 0
          ? 'tag-conditioned variational autoencoder'
          : 'variational autoencoder';
  const trained = `A ${family} trained for ${f.run.stepsDone.toLocaleString('en')} steps on ${count(f.data.trainedOn.train, 'image')} (${f.data.trainedOn.val.toLocaleString('en')} held out for validation), drawing ${f.run.size}×${f.run.size} px images.`;
  const val = f.evaluations.filter((e) => e.split === 'val').at(-1);
  const test = f.evaluations.find((e) => e.split === 'test');
  const scored = test ?? val;
  const score = scored
    ? ` Atelier KID ${num(scored.kid, 4)} ± ${num(scored.kidStderr, 4)} on the ${scored.split} split.`
    : f.checkpoint
      ? ' This checkpoint was never evaluated.'
      : '';
  return trained + score;
}

function dataSection(f: ModelCardFacts): string {
  const d = f.data;
  const imports = d.imports.length
    ? `<table><thead><tr><th>Import</th><th>Finished</th><th class="num">Imported</th><th class="num">Already present</th><th class="num">Refused</th></tr></thead><tbody>
${d.imports
  .map(
    (r) =>
      `<tr><td>${r.id}${r.cancelled ? ' (cancelled)' : ''}</td><td>${date(r.finishedAt)}</td><td class="num">${r.imported.toLocaleString('en')}</td><td class="num">${r.duplicates.toLocaleString('en')}</td><td class="num">${r.failed.toLocaleString('en')}</td></tr>` +
      (r.failures.length
        ? `<tr class="sub"><td></td><td colspan="4">${r.failures.map((x) => `${esc(x.file)}: ${esc(x.reason)}`).join('<br>')}${r.failed > r.failures.length ? `<br>and ${r.failed - r.failures.length} more` : ''}</td></tr>`
        : ''),
  )
  .join('')}
</tbody></table>`
    : '<p>No import reports are recorded (images may have come with a bundle or before reports were kept).</p>';
  const starter =
    d.starterImages === null
      ? '<p>Whether any image is from the Twemoji starter set could not be checked here (the emoji package was not found); the attribution below is kept to be safe.</p>'
      : d.starterImages > 0
        ? `<p>${count(d.starterImages, 'image')} ${d.starterImages === 1 ? 'is' : 'are'} from Atelier’s starter set: Twemoji, as shipped in the npm package emoji-datasource-twitter (recognised by content hash).</p>`
        : '<p>No image is from the Twemoji starter set: these are the team’s own images.</p>';
  const tags = d.tags.top.length
    ? `<table class="compact"><thead><tr><th>Tag</th><th class="num">Images</th></tr></thead><tbody>${d.tags.top.map((t) => `<tr><td>${esc(t.name)}</td><td class="num">${t.count.toLocaleString('en')}</td></tr>`).join('')}</tbody></table>
<p class="caveat">The ${Math.min(d.tags.top.length, d.tags.total)} most used of ${count(d.tags.total, 'tag')}; ${count(d.tags.untaggedIncluded, 'included image')} carry no tag.</p>`
    : '<p>No image is tagged.</p>';
  const flagged = d.quality.filter((q) => q.images > 0);
  const quality = flagged.length
    ? `<table class="compact"><thead><tr><th>Quality flag</th><th class="num">Images</th><th class="num">Of them excluded</th></tr></thead><tbody>${flagged.map((q) => `<tr><td>${esc(q.label)}</td><td class="num">${q.images.toLocaleString('en')}</td><td class="num">${q.excluded.toLocaleString('en')}</td></tr>`).join('')}</tbody></table>`
    : '<p>No image carries a quality flag (tiny, blurry, too dark, near blank, …).</p>';
  const s = d.split;
  const a = d.augmentation;
  const policy = a.policy as { hflip?: number; vflip?: number; rot90?: boolean; rotate?: number; crop?: number; colourJitter?: Record<string, number> } | null;
  const policyText =
    a.augment && policy
      ? [
          `left–right flips ${pct(policy.hflip)}`,
          `top–bottom flips ${pct(policy.vflip)}`,
          policy.rot90 ? 'quarter turns' : 'no quarter turns',
          `rotation up to ${policy.rotate ?? 0}°`,
          policy.crop !== undefined && policy.crop < 1 ? `crops down to ${pct(policy.crop)} of the side` : 'no crops',
          policy.colourJitter
            ? `colour jitter ${Object.entries(policy.colourJitter)
                .map(([k, v]) => `${k} ±${v}`)
                .join(', ')}`
            : '',
        ]
          .filter(Boolean)
          .join('; ')
      : a.augment
        ? 'not recorded'
        : 'off: real images were used as they are';
  return `<section id="data">
<h2>Data</h2>
<h3>Sources</h3>
${starter}
${imports}
<h3>Images and tags</h3>
<p>The project holds ${count(d.images, 'image')}: ${d.included.toLocaleString('en')} included, ${d.excluded.toLocaleString('en')} excluded.</p>
${tags}
<h3>Curation</h3>
<p>${count(d.exclusions.total, 'image')} ${d.exclusions.total === 1 ? 'is' : 'are'} excluded from training (kept in the project, never deleted)${
    d.exclusions.total
      ? `: ${d.exclusions.withQualityFlags.toLocaleString('en')} carry a quality flag, ${d.exclusions.byHand.toLocaleString('en')} were excluded by hand without one (Atelier records no reason for those)`
      : ''
  }. ${
    d.nearDuplicates.groups
      ? `Among the included images, ${count(d.nearDuplicates.groups, 'group')} of near-duplicates (${count(d.nearDuplicates.images, 'image')}, within ${d.nearDuplicates.threshold} bits of perceptual hash) remain.`
      : `No near-duplicates remain among the included images (within ${d.nearDuplicates.threshold} bits of perceptual hash).`
  }</p>
${quality}
<h3>Split</h3>
<table class="compact"><thead><tr><th>Split</th><th class="num">Included images</th></tr></thead><tbody>
<tr><td>Train</td><td class="num">${s.train.toLocaleString('en')}</td></tr>
<tr><td>Val</td><td class="num">${s.val.toLocaleString('en')}</td></tr>
<tr><td>Test (held back for a final score)</td><td class="num">${s.test.toLocaleString('en')}</td></tr>
${s.none ? `<tr><td>Not assigned yet</td><td class="num">${s.none.toLocaleString('en')}</td></tr>` : ''}
</tbody></table>
<p class="caveat">${s.settings ? `Assigned ${s.settings.train}/${s.settings.val}/${s.settings.test}, stratified by each image’s first tag, seed ${s.settings.seed}.` : 'No split assignment is recorded.'}${s.locked ? ` Locked: new imports join ${esc(s.locked)}.` : ''} Counts are today’s; the run trained on its own snapshot below.</p>
<h3>What this run trained on</h3>
<p>A snapshot frozen when the run was queued: ${count(d.trainedOn.train, 'training image')} and ${count(d.trainedOn.val, 'validation image')}${
    d.trainedOn.classes.length ? `, in ${count(d.trainedOn.classes.length, 'class', 'classes')} (tags)` : ''
  }.</p>
<dl class="facts">
<dt>Augmentation</dt><dd>${esc(policyText)}</dd>
${a.diffAugment !== null ? `<dt>DiffAugment</dt><dd>${esc(a.diffAugment)} (applied to every image the discriminator sees)</dd>` : ''}
<dt>Balance</dt><dd>${esc(a.balance === 'oversample' ? 'rare tags oversampled' : a.balance === 'classWeights' ? 'rare tags weighted up in the loss' : a.balance === 'none' ? 'none: images drawn as they come' : (a.balance ?? 'not recorded'))}</dd>
</dl>
</section>`;
}

function modelSection(f: ModelCardFacts): string {
  const m = f.model;
  const classes = f.data.trainedOn.classes;
  const shown = classes.slice(0, 24);
  const networks = m.networks.length
    ? `<table class="compact"><thead><tr><th>Network</th><th class="num">Values</th></tr></thead><tbody>${m.networks.map((n) => `<tr><td>${esc(n.name)}</td><td class="num">${n.values.toLocaleString('en')}</td></tr>`).join('')}<tr class="total"><td>Total</td><td class="num">${(m.totalValues ?? 0).toLocaleString('en')}</td></tr></tbody></table>
<p class="caveat">Counted from the checkpoint’s weight manifest: trainable weights plus any normalisation statistics a network keeps; optimiser state and the generator’s moving-average copy are left out.</p>`
    : `<p>${esc(m.checkpointProblem ?? 'No weights to count.')}</p>`;
  const table = (rows: { name: string; value: string }[]) =>
    `<table class="settings"><tbody>${rows.map((r) => `<tr><th>${esc(r.name)}</th><td>${esc(r.value)}</td></tr>`).join('')}</tbody></table>`;
  return `<section id="model">
<h2>Model</h2>
<dl class="facts">
<dt>Family</dt><dd>${esc(m.familyLabel)}</dd>
<dt>Image size</dt><dd>${m.size}×${m.size} px, RGB</dd>
<dt>Preset</dt><dd>${esc(m.preset)}${m.width !== null ? `, base width ${m.width} channels` : ''}</dd>
<dt>Latent</dt><dd>${m.latentDim !== null ? `${m.latentDim} numbers` : 'not recorded'}</dd>
<dt>Classes</dt><dd>${m.classes ? `${m.classes}${shown.length ? `: ${shown.map(esc).join(', ')}${classes.length > shown.length ? `, and ${classes.length - shown.length} more` : ''}` : ''}` : 'none (unconditional)'}</dd>
</dl>
${networks}
<h3>Settings</h3>
${f.hyperparameters.length ? table(f.hyperparameters) : '<p>No settings are recorded for this run.</p>'}
${f.config.length ? `<h3>Resolved training configuration</h3>${table(f.config)}` : ''}
</section>`;
}

function trainingSection(f: ModelCardFacts): string {
  const losses = thin(f.curves.losses);
  const vae = f.run.model === 'vae';
  const ck = f.checkpoint;
  // The card's checkpoint, marked on every curve.
  const mark = ck ? { marker: { x: ck.step, label: `checkpoint ${ck.id}` } } : {};
  const pts = (key: keyof LossRow) => losses.filter((l) => l[key] !== null).map((l) => ({ x: l.step, y: l[key] as number }));
  const charts: string[] = [];
  if (vae) {
    charts.push(
      figure(
        lineChart('Reconstruction loss', [{ label: 'reconstruction', colour: '#2f5d8a', points: pts('recon'), smooth: true }], esc, mark),
        'Reconstruction loss over steps (lower is closer to the input).',
      ),
    );
    charts.push(
      figure(
        lineChart('KL divergence', [{ label: 'KL', colour: '#b0632b', points: pts('kl'), smooth: true }], esc, mark),
        'KL term over steps: how far the encoder’s codes are from the prior.',
      ),
    );
  } else {
    const series: Series[] = [
      { label: 'discriminator (D)', colour: '#2f5d8a', points: pts('lossD'), smooth: true },
      { label: 'generator (G)', colour: '#b0632b', points: pts('lossG'), smooth: true },
    ];
    charts.push(
      figure(
        lineChart('GAN losses', series, esc, mark),
        'Losses over steps, faint as recorded and solid as a moving average. GAN losses say whether training is stable, not how good the images are.',
      ),
    );
  }
  if (f.curves.kid.length) {
    charts.push(
      figure(
        lineChart(
          'Atelier KID on val',
          [{ label: 'Atelier KID (val) ± SE', colour: '#3c7a4a', points: f.curves.kid.map((k) => ({ x: k.step, y: k.kid, err: k.kidStderr })) }],
          esc,
          mark,
        ),
        'Atelier KID against the val split at each scored checkpoint (lower is closer to the real images), with its standard error.',
      ),
    );
  }
  const anyCurve = charts.some((c) => c.includes('<svg'));
  const validation =
    ck && ck.dTrain !== null
      ? `<p class="caveat">Validation at this checkpoint: the discriminator called ${pct((ck.dTrain + 1) / 2)} of training images real and ${ck.dVal === null ? 'had no val images' : `${pct((ck.dVal + 1) / 2)} of held-back ones`}${f.run.overfitting ? '; the gap warned of overfitting' : ''}.</p>`
      : '';
  return `<section id="training">
<h2>Training</h2>
<p>Started ${date(f.run.createdAt)}${f.run.finishedAt ? `, ended ${date(f.run.finishedAt)}` : ''}; ${f.curves.losses.length.toLocaleString('en')} loss records.</p>
${anyCurve ? charts.filter((c) => c.includes('<svg')).join('\n') : '<p>No losses were recorded for this run (an imported checkpoint, or a run that never started).</p>'}
${validation}
</section>`;
}

function figure(svg: string, caption: string): string {
  return svg ? `<figure>${svg}<figcaption>${esc(caption)}</figcaption></figure>` : '';
}

function metricsSection(f: ModelCardFacts): string {
  const credits = `<p class="caveat">${EMBEDDING_CREDITS.map((c) => `${esc(c.what)} (${esc(c.author)}; ${esc(c.license)}).`).join(' ')}</p>`;
  if (!f.checkpoint) return `<section id="metrics"><h2>Metrics</h2><p>No checkpoint, so nothing was measured.</p>${credits}</section>`;
  if (f.evaluations.length === 0) {
    return `<section id="metrics"><h2>Metrics</h2><p class="note">Checkpoint ${f.checkpoint.id} was never evaluated: no KID, FID, precision, recall, collapse or copy check exists for it. Evaluate it before relying on its images.</p>${credits}</section>`;
  }
  const rows = (e: CardEvaluation): [string, string, string][] => [
    [
      'Atelier KID',
      `${num(e.kid, 4)} ± ${num(e.kidStderr, 4)}`,
      "Kernel distance on Atelier's own embedding (lower is closer; ± is its standard error). Compare only with Atelier KIDs of this project at the same size, never with published numbers.",
    ],
    [
      'Atelier FID',
      num(e.fid, 2),
      `Biased at small sample counts (it falls as the set grows): compare only at the same counts (here ${e.samples} samples vs ${e.reference} real); prefer KID.`,
    ],
    ['Precision', pct(e.precision), 'Share of samples that fall among real images (3-nearest-neighbour balls): fidelity. Noisy with a few hundred samples.'],
    ['Recall', pct(e.recall), 'Share of real images the samples reach: variety. Low recall with high precision means a narrow model.'],
    [
      'Diversity',
      num(e.diversity, 2),
      "Samples' mean pairwise distance over the real images': about 1 is as varied as the data; below 0.5 raises the collapse alarm.",
    ],
    ...(e.coverage !== null
      ? ([['Class coverage', pct(e.coverage), "Share of tags whose prompt lands nearest that tag's real images."]] as [string, string, string][])
      : []),
    [
      'Collapse alarm',
      e.collapsed ? 'fired' : 'quiet',
      e.collapsed ? e.collapseReasons.join(' ') || 'The samples are too alike.' : `${pct(e.duplicateShare)} of samples have a near-identical twin.`,
    ],
    [
      'Possible copies',
      e.memorisation ? `${e.memorisation.flagged} of ${e.memorisation.checked}` : 'not checked',
      e.memorisation
        ? `Samples nearer a training image than half the smallest val→train distance${e.memorisation.features ? '' : '; pixels only (training features were not cached)'}. Look at them before publishing.`
        : 'This evaluation did not compare samples with the training images.',
    ],
  ];
  const blocks = f.evaluations
    .map(
      (e) => `<div class="evaluation">
<h3>${esc(e.label)} · ${esc(e.split)} split</h3>
<p class="caveat">${date(e.createdAt)} · ${e.samples.toLocaleString('en')} samples against ${e.reference.toLocaleString('en')} real images · ${e.auto ? 'scored during training within a time budget (fewer samples, wider error)' : 'asked for'} · embedding ${esc(e.embedding)}</p>
<p class="caveat">${esc(SPLIT_CAVEATS[e.split])}</p>
<table class="metrics"><thead><tr><th>Measure</th><th class="num">Value</th><th>How to read it</th></tr></thead><tbody>
${rows(e)
  .map(
    ([name, value, caveat]) =>
      `<tr${name === 'Collapse alarm' && e.collapsed ? ' class="alarm"' : ''}><td>${name}</td><td class="num">${esc(value)}</td><td class="caveat">${esc(caveat)}</td></tr>`,
  )
  .join('\n')}
</tbody></table>
</div>`,
    )
    .join('\n');
  return `<section id="metrics">
<h2>Metrics</h2>
<p>${count(f.evaluations.length, 'evaluation')} of checkpoint ${f.checkpoint.id}, oldest first.</p>
${blocks}
${credits}
</section>`;
}

function feedbackSection(f: ModelCardFacts): string {
  const fb = f.feedback;
  const reviewers = fb.reviewers.length
    ? `<table class="compact"><thead><tr><th>Reviewer</th><th class="num">Reviews in the project</th><th class="num">Of this run’s images</th></tr></thead><tbody>${fb.reviewers
        .map(
          (r) =>
            `<tr><td>${esc(r.reviewer)}</td><td class="num">${r.reviews.toLocaleString('en')}</td><td class="num">${(fb.reviewersOfThisRun.find((x) => x.reviewer === r.reviewer)?.reviews ?? 0).toLocaleString('en')}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p>Nobody has reviewed generated images in this project.</p>';
  const shaped = fb.rounds.filter((r) => r.shapedThisModel);
  const others = fb.rounds.length - shaped.length;
  const rounds = shaped.length
    ? `<table><thead><tr><th>Round</th><th>Verdict</th><th class="num">Liked</th><th class="num">Disliked</th><th>Ratings by</th></tr></thead><tbody>${shaped
        .map(
          (r) =>
            `<tr><td>${esc(r.runName)}<br><span class="caveat">from checkpoint ${r.fromCheckpointId}, ${date(r.createdAt)}</span></td><td><strong>${esc(r.verdict ?? 'not judged yet')}</strong><br><span class="caveat">${esc(r.reason)}</span></td><td class="num">${r.liked}</td><td class="num">${r.disliked}</td><td>${r.reviewers.length ? r.reviewers.map(esc).join(', ') : '—'}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p>No feedback round shaped this model: it learnt from the dataset alone.</p>';
  const pm = fb.preference;
  const preference = pm
    ? `<p>Preference model of ${date(pm.createdAt)}: learnt from ${count(pm.ratings, 'rated image')} by ${count(pm.reviewers, 'reviewer')}; ${pm.trusted ? 'trusted' : 'not trusted'}${pm.spearman !== null ? `, held-out rank correlation ${num(pm.spearman, 2)}` : ''}${pm.mae !== null ? `, error ${num(pm.mae, 2)} stars against ${num(pm.baselineMae, 2)} for guessing the mean` : ''}. ${esc(pm.verdict)} ${fb.ratedNow.toLocaleString('en')} images are rated now.</p>`
    : `<p>No preference model has been fitted (${count(fb.ratedNow, 'rated image')} so far).</p>`;
  return `<section id="feedback">
<h2>Feedback</h2>
${fb.reviews ? `<p>${count(fb.reviews, 'review')} of generated images by ${count(fb.reviewers.length, 'reviewer')}; ${count(fb.generationsOfThisRun, 'image')} in the gallery ${fb.generationsOfThisRun === 1 ? 'was' : 'were'} drawn from this run.</p>` : ''}
${reviewers}
<h3>Feedback rounds</h3>
${rounds}
${others ? `<p class="caveat">${count(others, 'other round')} in the project did not lead to this model.</p>` : ''}
<h3>Preference model</h3>
${preference}
</section>`;
}

function creditsSection(f: ModelCardFacts): string {
  return `<section id="credits">
<h2>Credits and licences</h2>
${f.starterAttribution ? `<p class="attribution">${esc(f.starterAttribution)}</p>` : ''}
<table class="credits"><thead><tr><th>What</th><th>By</th><th>Licence</th></tr></thead><tbody>
${f.credits.map((c) => `<tr><td>${esc(c.what)}<br><span class="url">${esc(c.url)}</span></td><td>${esc(c.author)}</td><td>${esc(c.license)}</td></tr>`).join('\n')}
</tbody></table>
<p class="caveat">The team’s own images and this model belong to the team; this card does not grant any licence to them.</p>
</section>`;
}

const CSS = `
:root { color-scheme: light; --ink: #1e2328; --soft: #59626c; --rule: #dfe3e8; --faint: #f5f6f8; --accent: #2f5d8a; }
* { box-sizing: border-box; }
html { background: #fff; }
body { margin: 0 auto; max-width: 50rem; padding: 3rem 3rem 4rem; background: #fff; color: var(--ink);
  font: 10.5pt/1.55 Charter, "Bitstream Charter", "Iowan Old Style", "Source Serif Pro", Georgia, "DejaVu Serif", serif; }
h1, h2, h3, th, .kicker, dt, figcaption, .chart text { font-family: "Inter", "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", sans-serif; }
.kicker { margin: 0; color: var(--accent); font-size: 8.5pt; letter-spacing: .12em; text-transform: uppercase; font-weight: 600; }
h1 { margin: .2rem 0 .6rem; font-size: 21pt; line-height: 1.2; font-weight: 600; overflow-wrap: anywhere; }
.lede { margin: 0 0 1.2rem; font-size: 11.5pt; color: #333a41; }
h2 { margin: 2.4rem 0 .8rem; padding-bottom: .3rem; border-bottom: 1.5px solid var(--ink); font-size: 11pt; letter-spacing: .08em; text-transform: uppercase; font-weight: 600; }
h3 { margin: 1.5rem 0 .5rem; font-size: 10pt; font-weight: 600; color: #333a41; }
p { margin: .4rem 0 .7rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1.4rem; margin: .6rem 0 1rem; }
dl.facts dt { color: var(--soft); font-size: 9pt; padding-top: .1rem; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
header dl.facts { padding: .9rem 1.1rem; background: var(--faint); border-radius: 4px; }
table { width: 100%; border-collapse: collapse; margin: .5rem 0 .9rem; font-size: 9.5pt; font-variant-numeric: tabular-nums; }
table.compact { width: auto; min-width: 22rem; }
th, td { padding: .3rem .9rem .3rem 0; text-align: left; vertical-align: top; border-bottom: 1px solid var(--rule); overflow-wrap: break-word; }
table.credits td:last-child, table.credits th:last-child { white-space: nowrap; padding-right: 0; }
thead th { font-size: 8.5pt; font-weight: 600; color: var(--soft); border-bottom: 1px solid #b9c0c8; }
table.settings th { width: 34%; font-weight: 500; font-size: 9pt; color: #3a4148; }
table.settings td { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 8.5pt; }
.num { text-align: right; white-space: nowrap; }
tr.total td { font-weight: 600; border-bottom: none; }
tr.sub td { font-size: 8.5pt; color: var(--soft); }
tr.alarm td { background: #fbefe8; }
.caveat { color: var(--soft); font-size: 9pt; }
td.caveat { font-size: 8.5pt; line-height: 1.45; }
table.metrics td:first-child { white-space: nowrap; }
.note { padding: .7rem 1rem; background: #fbf4ea; border-left: 3px solid #c08a3e; }
.evaluation { margin-bottom: 1.4rem; }
figure { margin: 1rem 0 1.2rem; }
figcaption { margin-top: .2rem; color: var(--soft); font-size: 8.5pt; }
.chart { display: block; width: 100%; height: auto; }
.chart text { font-size: 10px; fill: #5c6570; }
.chart .axis { fill: #7a838c; }
.chart .grid { stroke: #e7eaee; stroke-width: 1; }
.chart .plot { fill: #fcfcfd; stroke: #d3d8de; }
.chart .marker { stroke: #8a939c; stroke-dasharray: 3 3; }
ul.limits { padding-left: 1.2rem; }
ul.limits li { margin: .3rem 0; }
.attribution { padding: .7rem 1rem; border-left: 3px solid var(--accent); background: var(--faint); }
.url { color: var(--soft); font-size: 8.5pt; }
@page { margin: 16mm 15mm 18mm;
  @bottom-center { content: "Page " counter(page) " of " counter(pages); font: 8pt sans-serif; color: #777; } }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; }
  h2 { break-after: avoid; margin-top: 1.6rem; }
  h3 { break-after: avoid; }
  #metrics { break-before: page; }
  #credits { break-inside: avoid; }
  tr, figure, .note, .attribution, dl.facts, .chart { break-inside: avoid; }
  header dl.facts { background: none; border: 1px solid var(--rule); }
}
`;
