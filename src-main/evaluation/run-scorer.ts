// Scoring inside a training run: after each checkpoint, the run's own job draws samples and
// measures them against the val split — within a time budget, so training is not slowed by more
// than BUDGET (10%). The budget decides how many samples a checkpoint gets (fewer early, more as
// training time accrues); a checkpoint the budget cannot pay for at least MIN_SAMPLES is skipped
// and says so. Training images' features are used only when already cached (a full evaluation
// caches them); until then the copy check compares pixels.
import type { tf } from '../ml/backend';
import { embeddingVersion, viewKey, type FeatureCache, type View } from './features';
import type { PixelSet } from './metrics';
import type { EvalSource, EvaluationMessage } from './protocol';
import { drawSamples } from './sampling';
import { scoreSamples } from './score';

/** Share of training time scoring may slow a run by (the promise). */
export const BUDGET = 0.1;
/**
 * Share of training time the scorer lets itself measure: below BUDGET, because scoring also costs
 * what its own clock does not see (the training loop runs slower for a while after the embedding
 * network shared its backend: +2.7 s beyond 4.1 s measured in bench/evaluation-budget.ts).
 */
const ALLOWANCE = 0.08;
export const MIN_SAMPLES = 48;
export const MAX_SAMPLES = 500;
/** What a scoring costs besides embedding: loading the network once, the neighbour searches, the metrics, the evidence. */
const FIXED_SECONDS = 2.5;
/** Embedding speed assumed before one is measured (images/s, 2 cores, WASM; docs/evaluation.md). */
const FIRST_RATE = 25;

export interface RunScorerOptions {
  projectDir: string;
  runId: number;
  seed: number;
  view: View;
  cache: FeatureCache;
  /** The run's training images (decoded) and their sources, in the same order. */
  train: { sources: EvalSource[]; pixels: PixelSet };
  val: EvalSource[];
  post(message: EvaluationMessage): void;
  /** Seconds since the run's job started, for the budget. */
  now?: () => number;
}

export class RunScorer {
  private spent = 0;
  private rate = FIRST_RATE;
  private readonly clock: () => number;
  private readonly started: number;

  constructor(private readonly o: RunScorerOptions) {
    this.clock = o.now ?? (() => performance.now() / 1000);
    this.started = this.clock();
  }

  /** Samples the budget pays for now (0 = skip): 10% of training time so far, less what scoring took, at the measured rate. */
  samplesAffordable(): number {
    if (this.o.val.length < 4) return 0;
    const training = this.clock() - this.started - this.spent;
    const allowance = ALLOWANCE * training - this.spent;
    // Embedding the val split once, the copy check and the metrics, then the samples.
    const fixed = this.uncachedVal() / this.rate + FIXED_SECONDS;
    const n = Math.floor((allowance - fixed) * this.rate);
    return n < MIN_SAMPLES ? 0 : Math.min(MAX_SAMPLES, n);
  }

  private uncachedVal(): number {
    const key = { embedding: embeddingVersion(), view: viewKey(this.o.view) };
    return (
      this.o.val.length -
      this.o.cache.get(
        this.o.val.map((v) => v.hash),
        key,
      ).size
    );
  }

  /** Scores one checkpoint if the budget allows; returns the number of samples used (0 = skipped). */
  async afterCheckpoint(
    step: number,
    model: { latentDim: number; classes: number; size: number },
    draw: (z: tf.Tensor2D, c: tf.Tensor2D | null) => tf.Tensor4D,
  ): Promise<number> {
    const n = this.samplesAffordable();
    if (n === 0) return 0;
    const t0 = this.clock();
    const embedded = n + this.uncachedVal();
    try {
      const drawn = await drawSamples(draw, model, n, this.o.seed, this.o.val);
      const result = await scoreSamples({
        samples: drawn.pixels,
        sampleLabels: drawn.labels,
        reference: this.o.val,
        train: this.o.train.sources,
        trainPixels: this.o.train.pixels,
        val: this.o.val,
        view: this.o.view,
        projectDir: this.o.projectDir,
        cache: this.o.cache,
        embedTrain: false,
        evidenceDir: `evaluations/run-${this.o.runId}-step-${step}-auto`,
      });
      this.o.post({ type: 'evaluated', step, auto: true, result });
      return n;
    } finally {
      const took = this.clock() - t0;
      this.spent += took;
      // Embedding dominates: learn the real speed from this checkpoint for the next one.
      if (took > 1) this.rate = Math.max(5, Math.min(200, embedded / Math.max(0.5, took - FIXED_SECONDS)));
    }
  }
}
