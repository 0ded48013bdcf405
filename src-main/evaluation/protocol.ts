// What the engine and an evaluation job say to each other (host/job-protocol.ts joins it with
// training's and generation's). A training job scores its own checkpoints and sends the same
// `evaluated` and `features` messages. The job never writes the database: it reads cached
// features through a read-only connection and sends new ones back for the engine to store.
import type { TrainConfig } from '../ml/train';
import type { NewEvaluation } from '../store/evaluations';

/** A project image the yardstick reads: its file, content hash, and tag classes (conditional models). */
export interface EvalSource {
  path: string;
  hash: string;
  classes: number[];
  /** How people know the image (its file name at import), for messages. */
  name?: string;
}

export interface EvaluateRequest {
  type: 'evaluate';
  projectDir: string;
  /** What is scored: a checkpoint's samples, or a folder of images made elsewhere. */
  target: { kind: 'checkpoint'; checkpointDir: string; config: TrainConfig } | { kind: 'images'; dir: string };
  /** Samples drawn from a checkpoint (a folder is scored whole, up to this many images). */
  samples: number;
  seed: number;
  /** The split compared against (val, test, train or all), and the ones memorisation needs. */
  reference: EvalSource[];
  train: EvalSource[];
  val: EvalSource[];
  /** Images are seen at this size on this background, as training sees them. */
  size: number;
  background: string;
  /** Project-relative folder for the evidence images this evaluation writes. */
  evidenceDir: string;
}

/**
 * Embeds project images ahead of need (val first, then test, then train), at low CPU priority, so
 * a run can score its checkpoints within its time budget and a full evaluation only embeds its samples.
 */
export interface EmbedRequest {
  type: 'embed';
  projectDir: string;
  views: { size: number; background: string; sources: { path: string; hash: string }[] }[];
}

/** How far newly imported images are from what a model learned (its run's training and val images). */
export interface DriftRequest {
  type: 'drift';
  projectDir: string;
  incoming: EvalSource[];
  train: EvalSource[];
  /** Images known to belong (the run's val split): their distances to train are the yardstick; empty = train leave-one-out. */
  reference: EvalSource[];
  size: number;
  background: string;
}

/** Gallery images checked for copies of their model's training images, grouped by the run whose data they are compared with. */
export interface CopiesRequest {
  type: 'copies';
  projectDir: string;
  groups: { size: number; background: string; train: EvalSource[]; val: EvalSource[]; images: { generationId: number; path: string }[] }[];
}

/** A block of newly embedded features for the engine's cache: Float32 rows, base64. */
export interface FeaturesMessage {
  type: 'features';
  embedding: string;
  view: string;
  rows: { hash: string; data: string }[];
}

export type EvaluationMessage =
  | FeaturesMessage
  | { type: 'evaluated'; step: number | null; auto: boolean; result: ScoredEvaluation }
  | { type: 'copies'; threshold: { feature: number; pixel: number }; features: boolean; entries: (Omit<ScoredPair, 'sample'> & { generationId: number })[] }
  | { type: 'drifted'; images: number; score: number; outlierShare: number; unusual: { hash: string; ratio: number }[] }
  | { type: 'progress'; step: number; total: number; message: string };

/** A nearest-training pair as the job knows it: training images by content hash (the engine names them). */
export interface ScoredPair {
  sample: string;
  featureHash: string | null;
  featureDistance: number | null;
  pixelHash: string | null;
  pixelDistance: number;
  possibleCopy: boolean;
}

/** What an evaluation measured; the engine stores it and resolves hashes to images. */
/** What an evaluation measured: the stored row's numbers (store/evaluations.ts), and its evidence. */
export interface ScoredEvaluation extends Pick<
  NewEvaluation,
  'samples' | 'reference' | 'kid' | 'kidStderr' | 'fid' | 'precision' | 'recall' | 'coverage' | 'seconds' | 'embedding'
> {
  collapse: { collapsed: boolean; reasons: string[]; diversity: number; duplicateShare: number; groups: { size: number; files: string[] }[] };
  memorisation: {
    threshold: { feature: number; pixel: number };
    checked: number;
    flagged: number;
    features: boolean;
    pairs: ScoredPair[];
  } | null;
  preview: string[];
}
