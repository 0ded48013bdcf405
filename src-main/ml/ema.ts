// Exponential moving average of a network's parameters (usually the generator's), for sampling:
// averaged weights give smoother, better samples than the last iterate (Yazıcı et al. 2019).
//
//   ema ← d·ema + (1 − d)·param,   d = min(decay, (1 + t)/(10 + t))   (warm-up, the default)
//
// t counts the updates done before this one, so the first update uses d = 0.1 and the average
// forgets the random initial weights quickly; after ≈ (10·decay − 1)/(1 − decay) updates (8 990
// for 0.999) d is simply `decay`. This is tf.train.ExponentialMovingAverage's num_updates rule.
// With { warmup: false }, d = decay always.
//
// State: the averages (snapshot(), under the parameters' own names, ready to load into a copy of
// the network together with its non-trainable statistics) and t. getState() adds t as an entry
// named 't' (shape [], like Adam's); load() accepts either form. A list without 't' is taken as an
// established average: t is set to the end of the warm-up. Checkpoint getState() for an exact
// resume; a snapshot() alone only differs if the run is resumed during the warm-up.
import { tf } from './backend.js';
import { readNamed, type NamedArray } from './models/dcgan.js';

export interface EmaOptions {
  /** Use d = min(decay, (1 + t)/(10 + t)); default true. */
  warmup?: boolean;
}

/** Name of the update-count entry in getState(). */
export const EMA_STEP_ENTRY = 't';

export class Ema {
  private t = 0;
  private readonly shadow = new Map<string, tf.Variable>();
  private readonly warmup: boolean;
  private disposed = false;

  constructor(
    private readonly params: ReadonlyMap<string, tf.Variable>,
    readonly decay: number,
    options: EmaOptions = {},
  ) {
    if (!(decay >= 0 && decay < 1)) throw new Error(`EMA decay must be in [0, 1), got ${decay}`);
    if (params.has(EMA_STEP_ENTRY)) throw new Error(`a parameter is named '${EMA_STEP_ENTRY}', which the EMA state uses for its step count`);
    this.warmup = options.warmup ?? true;
    for (const [name, p] of params) {
      // Not trainable: tf.variableGrads() without an explicit list must never pick these up.
      // Own copy of the data (the tidy frees the clone's extra reference).
      this.shadow.set(
        name,
        tf.tidy(() => tf.variable(tf.clone(p), false)),
      );
    }
  }

  /** Updates done so far (t). */
  get updates(): number {
    return this.t;
  }

  /** The decay the next update() will use. */
  currentDecay(): number {
    return this.warmup ? Math.min(this.decay, (1 + this.t) / (10 + this.t)) : this.decay;
  }

  /** Updates after which the warm-up no longer lowers the decay. */
  warmupUpdates(): number {
    if (!this.warmup || this.decay <= 0.1) return 0;
    return Math.ceil((10 * this.decay - 1) / (1 - this.decay));
  }

  /** ema ← d·ema + (1 − d)·param for every parameter; t += 1. */
  update(): void {
    this.assertLive();
    const keep = this.currentDecay();
    tf.tidy(() => {
      for (const [name, e] of this.shadow) {
        const p = this.params.get(name)!;
        // d·e + (1 − d)·p written as e + (1 − d)·(p − e): three kernels.
        e.assign(tf.add(e, tf.mul(tf.sub(p, e), 1 - keep)));
      }
    });
    this.t += 1;
  }

  /** The averaged values under the parameters' names (no step count). */
  snapshot(): NamedArray[] {
    this.assertLive();
    return [...this.shadow].map(([name, e]) => ({ name, shape: [...e.shape], data: Float32Array.from(e.dataSync() as Float32Array) }));
  }

  /** The averages as tensors (the EMA's own: not to be disposed), e.g. to copy into a network on the same backend. */
  averages(): ReadonlyMap<string, tf.Tensor> {
    this.assertLive();
    return this.shadow;
  }

  /** snapshot() plus the update count as an entry named 't' (shape []). */
  getState(): NamedArray[] {
    return [this.stepEntry(), ...this.snapshot()];
  }

  /** getState() without blocking: the read every backend supports (a GPU's is asynchronous). */
  async readState(): Promise<NamedArray[]> {
    this.assertLive();
    const t = this.stepEntry();
    return [t, ...(await readNamed([...this.shadow]))];
  }

  private stepEntry(): NamedArray {
    return { name: EMA_STEP_ENTRY, shape: [], data: Float32Array.of(this.t) };
  }

  /**
   * Overwrites the averages; every parameter must be present with its exact shape. An entry 't'
   * sets the update count; without it the warm-up is taken as over (t = warmupUpdates()).
   */
  load(arrays: readonly NamedArray[]): void {
    this.assertLive();
    const byName = new Map(arrays.map((a) => [a.name, a]));
    const missing = [...this.shadow.keys()].filter((n) => !byName.has(n));
    const extra = arrays.filter((a) => a.name !== EMA_STEP_ENTRY && !this.shadow.has(a.name)).map((a) => a.name);
    if (missing.length || extra.length) {
      throw new Error(`EMA weights do not fit this network: missing [${missing.join(', ')}], unexpected [${extra.join(', ')}]`);
    }
    let t = this.warmupUpdates();
    const step = byName.get(EMA_STEP_ENTRY);
    if (step) {
      const v = step.data[0];
      if (step.data.length !== 1 || v === undefined || !Number.isInteger(v) || v < 0) throw new Error('EMA state has no valid update count');
      t = v;
    }
    for (const [name, e] of this.shadow) {
      const a = byName.get(name)!;
      if (a.shape.length !== e.shape.length || a.shape.some((d, i) => d !== e.shape[i])) {
        throw new Error(`EMA weight ${name} has shape [${a.shape}], the network expects [${e.shape}]`);
      }
      if (a.data.length !== e.size) throw new Error(`EMA weight ${name} has ${a.data.length} values, expected ${e.size}`);
    }
    for (const [name, e] of this.shadow) tf.tidy(() => e.assign(tf.tensor(byName.get(name)!.data, e.shape, 'float32')));
    this.t = t;
  }

  /** Same as load(); the counterpart of getState(). */
  setState(state: readonly NamedArray[]): void {
    this.load(state);
  }

  dispose(): void {
    if (this.disposed) return;
    for (const e of this.shadow.values()) e.dispose();
    this.disposed = true;
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('this EMA has been disposed');
  }
}
