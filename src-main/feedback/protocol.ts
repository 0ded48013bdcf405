// What the engine and a preference job say to each other (host/job-protocol.ts joins it with the
// other jobs'). The job hashes generated images it has not seen, embeds what is not cached,
// learns the ratings, then predicts every image; the engine stores what each message reports.
import type { FeaturesMessage } from '../evaluation/protocol';

/** An image the preference job reads: a generation (by id) or a dataset image, and its rating if rated. */
export interface PreferenceImage {
  generationId: number | null;
  /** Absolute path of the file. */
  path: string;
  /** Content hash; null for a generation not hashed yet (the job hashes it and says so). */
  hash: string | null;
  /** Mean stars over its reviewers; null when unrated (predicted only). */
  score: number | null;
}

export interface PreferenceRequest {
  type: 'preference';
  projectDir: string;
  /** Images are seen at this size on this background. */
  size: number;
  background: string;
  /** Rated images, newest first (the model learns from the most recent ones). */
  rated: PreferenceImage[];
  /** Generations to predict (after the model is fitted). */
  predict: PreferenceImage[];
  /** Fit a new model (false: predict with `model` only). */
  fit: boolean;
  model: { weights: number[]; mean: number[]; intercept: number; lambda: number } | null;
}

export type PreferenceMessage =
  | FeaturesMessage
  | { type: 'hashes'; pairs: { id: number; hash: string }[] }
  | {
      type: 'preference-model';
      ratings: number;
      spearman: number | null;
      mae: number | null;
      baselineMae: number | null;
      trusted: boolean;
      verdict: string;
      /** base64 Float32 weights and means; null when no model could be fitted. */
      weights: string | null;
      mean: string | null;
      intercept: number;
      lambda: number;
      seconds: number;
      embedding: string;
      view: string;
    }
  | { type: 'predictions'; rows: { id: number; predicted: number | null }[] }
  | { type: 'progress'; step: number; total: number; message: string };
