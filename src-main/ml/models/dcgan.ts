// DCGAN generator and discriminator as raw variables + functional ops (NHWC).
// For size 32 / width 64 this mirrors config a of the PyTorch DCGAN benchmark (pytorch_dcgan.py, run
// beside ours by bench/train-throughput.ts --torch) layer for layer:
//   G: Linear(100→4·4·256, no bias) → BN → ReLU → [ConvT 4×4 s2 p1 → BN → ReLU] ×2 → ConvT(→3, bias) → tanh
//   D: Conv 4×4 s2 p1 (bias) → LReLU(0.2) → [Conv 4×4 s2 p1 → BN → LReLU] ×2 → Flatten → Linear(→1)
// 'same' padding with a 4×4 kernel and stride 2 pads 1 on each side, i.e. PyTorch's padding=1.
// Initialisation follows that script too: conv N(0, 0.02), BN γ N(1, 0.02) β 0, Linear U(±1/√fan_in).
//
// Conditional variants (spec.classes = C > 0), for a conditioning vector c [N, C] that may be
// one-hot, multi-hot or a weighted tag vector (never a class index):
//   G: e = c·W_embed [N, latentDim], W_embed [C, latentDim] N(0, 1) (nn.Embedding's init, so a
//      one-hot c gives an e with the scale of z); the first Linear reads concat(z, e).
//   D: projection discriminator (Miyato & Koyama 2018): with h [N, 4, 4, Ch] the last feature map,
//      logit = Linear(flatten(h)) + Σ_ch (Σ_positions h)_ch · (c·V)_ch,  V = proj.w [C, Ch],
//      initialised like the Linear's weight (the projection is a Linear whose weight is shared
//      across the 4×4 positions and chosen by c).
// spec.norm 'none' drops D's BatchNorm (each conv gets a bias instead). That D scores every image
// on its own and is built only from ops whose gradients are differentiable again, so it supports
// an R1 penalty (r1Penalty below: tf.grad w.r.t. the images inside tf.variableGrads).
// The unconditional, norm 'batch' networks are unchanged: same parameter names, shapes and
// initial values for a given seed.
import { tf } from '../backend.js';
import { Rng } from '../random.js';
import { batchNormTrain, channelMoments, dense, leakyRelu } from './layers.js';

export type ImageSize = 32 | 64;

/**
 * 'batch': BatchNorm after every conv but the first (DCGAN). 'none': a bias instead (for R1).
 * 'spectral': biases, and every weight divided by its largest singular value (Miyato et al. 2018),
 * estimated by one power iteration per D update with the vector kept as a statistic.
 */
export type DiscriminatorNorm = 'batch' | 'none' | 'spectral';

export interface GeneratorSpec {
  latentDim: number;
  size: ImageSize;
  /** Channels of the last hidden layer; doubles towards the 4×4 stem (64 → 256 at 4×4 for 32 px). */
  width: number;
  /** Length of the conditioning vector c; 0 or absent = unconditional. */
  classes?: number;
  /** How resolution doubles; 'transposed' (the reference DCGAN) when absent. */
  upsample?: Upsampling;
}

export interface DiscriminatorSpec {
  size: ImageSize;
  /** Channels of the first conv; doubles each downsampling (64 → 128 → 256 for 32 px). */
  width: number;
  /** Length of the conditioning vector c; 0 or absent = unconditional. */
  classes?: number;
  /** Default 'batch'. */
  norm?: DiscriminatorNorm;
}

/** A tensor's values outside tfjs: what checkpoints store and what crosses backends. */
export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface Network<Spec> {
  readonly spec: Spec;
  /** Trainable parameters by stable name (the names checkpoints use). */
  readonly params: ReadonlyMap<string, tf.Variable>;
  /** Non-trainable state by stable name (BatchNorm running mean / variance). */
  readonly stats: ReadonlyMap<string, tf.Variable>;
  countParams(): number;
  /** Copies every parameter and statistic out of tfjs (a synchronous read: CPU backends only). */
  snapshot(): NamedArray[];
  /** snapshot() without blocking: the read every backend supports (a GPU's is asynchronous). */
  read(): Promise<NamedArray[]>;
  /** Overwrites parameters and statistics; names and shapes must match exactly. */
  load(arrays: readonly NamedArray[]): void;
  /** Overwrites parameters and statistics from tensors on the same backend (no copy through the host); names and shapes must match exactly. */
  copyFrom(tensors: ReadonlyMap<string, tf.Tensor>): void;
  dispose(): void;
}

export interface ApplyOptions {
  /** Batch statistics for BatchNorm (training) instead of the running averages. */
  training: boolean;
  /** In training, also move the running averages towards this batch (momentum 0.1, as PyTorch). */
  updateStats?: boolean;
}

export interface ConditionOptions {
  /**
   * Conditioning vectors [N, classes] (one-hot, multi-hot or weighted), row i for example i.
   * Required by conditional networks, rejected by unconditional ones.
   */
  cond?: tf.Tensor2D;
}

export type GeneratorApplyOptions = ApplyOptions & ConditionOptions;

export interface DiscriminatorApplyOptions extends ConditionOptions {
  /** BatchNorm statistics per each of this many equal slices of the batch (norm 'batch' only). */
  groups?: number;
  /** Norm 'spectral': advance the power iteration (once per D update, not when scoring). */
  updateStats?: boolean;
}

export interface Generator extends Network<GeneratorSpec> {
  /** z [N, latentDim] (and cond [N, classes] if conditional) → images [N, size, size, 3] in [−1, 1]. */
  apply(z: tf.Tensor2D, opts: GeneratorApplyOptions): tf.Tensor4D;
}

export interface Discriminator extends Network<DiscriminatorSpec> {
  /**
   * images [N, size, size, 3] (and cond [N, classes] if conditional) → logits [N]. BatchNorm
   * always uses batch statistics, computed per each of `groups` equal slices of the batch:
   * apply(concat([real, fake]), { groups: 2 }) equals two separate calls, in one pass. With norm
   * 'none' every image is scored on its own and `groups` changes nothing.
   */
  apply(x: tf.Tensor4D, opts?: DiscriminatorApplyOptions): tf.Tensor1D;
}

const BN_EPS = 1e-5;
const BN_MOMENTUM = 0.1;
const LEAK = 0.2;
const K = 4; // every conv is 4×4, stride 2

/** Number of 2× resolution steps between the 4×4 stem and the image. */
export function upsamplings(size: number): number {
  return Math.log2(size / 4);
}

export function assertSpec(size: number, width: number, what: string): void {
  if (size !== 32 && size !== 64) throw new Error(`${what}: size must be 32 or 64, got ${size}`);
  if (!Number.isInteger(width) || width < 1) throw new Error(`${what}: width must be a positive integer, got ${width}`);
}

/** spec.classes as a number (absent → 0), or a clear error. */
export function assertClasses(classes: number | undefined, what: string): number {
  const c = classes ?? 0;
  if (!Number.isInteger(c) || c < 0) throw new Error(`${what}: classes must be a non-negative integer, got ${classes}`);
  return c;
}

/**
 * Checks a conditioning input against the network: present with shape [n, classes] when
 * classes > 0, absent when classes is 0. Returns it as float32 (multi-hot int tensors are fine).
 * Call inside a tidy: the cast may allocate.
 */
export function checkCond(what: string, classes: number, n: number, cond: tf.Tensor | undefined): tf.Tensor2D | undefined {
  if (classes === 0) {
    if (cond !== undefined) {
      throw new Error(`${what} is unconditional (classes 0) but was given a conditioning vector [${cond.shape}]`);
    }
    return undefined;
  }
  if (cond === undefined) throw new Error(`${what} is conditional and needs cond [N, ${classes}] (one row per example)`);
  if (cond.rank !== 2 || cond.shape[0] !== n || cond.shape[1] !== classes) {
    throw new Error(`${what} expects cond [${n}, ${classes}] (one row per example), got [${cond.shape}]`);
  }
  return (cond.dtype === 'float32' ? cond : tf.cast(cond, 'float32')) as tf.Tensor2D;
}

/** Creates a network's variables in a fixed order from one seeded stream (same seed → same weights). */
/** While set, builders only count parameters: no random draws, no tensors (see countParameters). */
let tally: { trainable: number; shapes: Map<string, number[]> } | null = null;

/** Runs `build` in counting mode: no random draws, no tensors. */
function tallied(build: () => { dispose(): void }): { trainable: number; shapes: Map<string, number[]> } {
  const outer = tally;
  const mine = { trainable: 0, shapes: new Map<string, number[]>() };
  tally = mine;
  try {
    build().dispose();
    return mine;
  } finally {
    tally = outer;
  }
}

/**
 * The number of trainable parameters `build` would create, without drawing or allocating any
 * (building the largest networks for real takes over a second on the thread serving the UI).
 */
export function countParameters(build: () => { dispose(): void }): number {
  return tallied(build).trainable;
}

/** Every parameter and statistic `build` would create, by name, with its shape; nothing drawn or allocated. */
export function parameterShapes(build: () => { dispose(): void }): Map<string, number[]> {
  return tallied(build).shapes;
}

export class ParamBuilder {
  readonly params = new Map<string, tf.Variable>();
  readonly stats = new Map<string, tf.Variable>();
  constructor(private readonly rng: Rng) {}

  normal(name: string, shape: number[], mean: number, std: number): void {
    this.add(this.params, name, shape, () => this.rng.normalArray(size(shape), mean, std), true);
  }
  uniform(name: string, shape: number[], bound: number): void {
    this.add(this.params, name, shape, () => this.rng.uniformArray(size(shape), -bound, bound), true);
  }
  /** A statistic drawn N(0, 1) (spectral norm's power-iteration vector). */
  randomStat(name: string, shape: number[]): void {
    this.add(this.stats, name, shape, () => this.rng.normalArray(size(shape)), false);
  }
  constant(name: string, shape: number[], value: number, stat = false): void {
    this.add(stat ? this.stats : this.params, name, shape, () => new Float32Array(size(shape)).fill(value), !stat);
  }
  batchNorm(prefix: string, channels: number, withStats: boolean): void {
    this.normal(`${prefix}.gamma`, [channels], 1, 0.02);
    this.constant(`${prefix}.beta`, [channels], 0);
    if (withStats) {
      this.constant(`${prefix}.mean`, [channels], 0, true);
      this.constant(`${prefix}.var`, [channels], 1, true);
    }
  }
  private add(map: Map<string, tf.Variable>, name: string, shape: number[], data: () => Float32Array, trainable: boolean) {
    if (this.params.has(name) || this.stats.has(name)) throw new Error(`duplicate parameter ${name}`);
    if (tally) {
      if (tally.shapes.has(name)) throw new Error(`duplicate parameter ${name}`);
      tally.shapes.set(name, [...shape]);
      if (trainable) tally.trainable += size(shape);
      return;
    }
    // Unnamed tf variables: tfjs variable names are process-global, ours are per network.
    const init = tf.tensor(data(), shape, 'float32');
    map.set(name, tf.variable(init, trainable));
    init.dispose(); // the variable holds its own reference to the data
  }
}

/** A named copy of a tensor's values, as checkpoints store them. */
function named(name: string, v: tf.Tensor, data: Float32Array): NamedArray {
  return { name, shape: [...v.shape], data: Float32Array.from(data) };
}

/** Every tensor's values, read without blocking (all reads queued at once, then awaited). */
export async function readNamed(entries: readonly (readonly [string, tf.Tensor])[]): Promise<NamedArray[]> {
  const values = await Promise.all(entries.map(([, v]) => v.data()));
  return entries.map(([name, v], i) => named(name, v, values[i] as Float32Array));
}

/** The network's variables in `expected`, checked against what `given` holds for each: none missing, none extra, shapes and sizes equal. */
function checkFit<T>(
  given: ReadonlyMap<string, T>,
  expected: [string, tf.Variable][],
  describe: (value: T) => { shape: readonly number[]; size: number },
): [string, tf.Variable][] {
  const known = new Set(expected.map(([n]) => n));
  const missing = expected.filter(([n]) => !given.has(n)).map(([n]) => n);
  const extra = [...given.keys()].filter((n) => !known.has(n));
  if (missing.length || extra.length) {
    throw new Error(`weights do not fit this network: missing [${missing.join(', ')}], unexpected [${extra.join(', ')}]`);
  }
  for (const [name, v] of expected) {
    const { shape, size } = describe(given.get(name)!);
    if (shape.length !== v.shape.length || shape.some((d, i) => d !== v.shape[i])) {
      throw new Error(`weight ${name} has shape [${shape}], the network expects [${v.shape}]`);
    }
    if (size !== v.size) throw new Error(`weight ${name} has ${size} values, expected ${v.size}`);
  }
  return expected;
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The Network members shared by every model: parameter bookkeeping, snapshot/load, dispose. */
export function networkBase<Spec>(spec: Spec, params: Map<string, tf.Variable>, stats: Map<string, tf.Variable>): Network<Spec> {
  const all = (): [string, tf.Variable][] => [...params, ...stats];
  return {
    spec,
    params,
    stats,
    countParams: () => [...params.values()].reduce((n, v) => n + v.size, 0),
    snapshot: () => all().map(([name, v]) => named(name, v, v.dataSync() as Float32Array)),
    read: () => readNamed(all()),
    load(arrays) {
      const byName = new Map(arrays.map((a) => [a.name, a]));
      for (const [name, v] of checkFit(byName, all(), (a) => ({ shape: a.shape, size: a.data.length }))) {
        tf.tidy(() => v.assign(tf.tensor(byName.get(name)!.data, v.shape, 'float32')));
      }
    },
    copyFrom(tensors) {
      for (const [name, v] of checkFit(tensors, all(), (t) => ({ shape: t.shape, size: t.size }))) v.assign(tensors.get(name)!);
    },
    dispose() {
      for (const [, v] of all()) v.dispose();
    },
  };
}

/** A parameter or statistic by name, or a clear error. */
export function param(map: ReadonlyMap<string, tf.Variable>, name: string): tf.Variable {
  const v = map.get(name);
  if (!v) throw new Error(`missing parameter ${name}`);
  return v;
}

interface Vars {
  params: ReadonlyMap<string, tf.Variable>;
  stats: ReadonlyMap<string, tf.Variable>;
}

// ---------------------------------------------------------------------------------------------
// Building blocks shared with the VAE (vae.ts). `prefix` is prepended to every parameter name
// ('' for G and D, so their names stay as checkpoints know them). Shapes in the comments are for
// 32 px and width 64; 64 px adds one step (8×8 → … → 64×64 and one more channel doubling).

/** Channels after G-style upsampling step i (i = 0: the 4×4 stem), for `ups` steps in all. */
function decoderChannels(width: number, ups: number, i: number): number {
  return width * 2 ** (ups - 1 - i);
}

/**
 * G-style decoder: Linear(inDim → 4·4·stem, no bias) → BN → ReLU → [ConvT 4×4 s2 → BN → ReLU]
 * × (ups − 1) → ConvT(→ 3, bias) → tanh. BatchNorm keeps running statistics.
 */
/**
 * How the decoder doubles its resolution. 'transposed': ConvTranspose 4×4 s2 (DCGAN, the
 * PyTorch reference). 'resize': nearest-neighbour ×2 then Conv 3×3 — no checkerboard artefacts
 * (Odena et al. 2016), at 9/4 of the multiply-adds per upsampling.
 */
export type Upsampling = 'transposed' | 'resize';

export function addDecoderParams(b: ParamBuilder, prefix: string, inDim: number, size: ImageSize, width: number, upsample: Upsampling = 'transposed'): void {
  const ups = upsamplings(size); // 3 for 32 px, 4 for 64 px
  const ch = (i: number) => decoderChannels(width, ups, i);
  b.uniform(`${prefix}fc.w`, [inDim, 4 * 4 * ch(0)], 1 / Math.sqrt(inDim)); // [100, 4096]
  b.batchNorm(`${prefix}bn0`, ch(0), true); // [256]
  for (let i = 1; i < ups; i++) {
    if (upsample === 'transposed')
      b.normal(`${prefix}up${i}.w`, [K, K, ch(i), ch(i - 1)], 0, 0.02); // conv2dTranspose filter [k, k, out, in]: [4, 4, 128, 256], [4, 4, 64, 128]
    else b.normal(`${prefix}up${i}.w`, [3, 3, ch(i - 1), ch(i)], 0, 0.02); // conv2d filter [k, k, in, out]: [3, 3, 256, 128], [3, 3, 128, 64]
    b.batchNorm(`${prefix}bn${i}`, ch(i), true); // [128], [64]
  }
  if (upsample === 'transposed')
    b.normal(`${prefix}out.w`, [K, K, 3, ch(ups - 1)], 0, 0.02); // [4, 4, 3, 64]
  else b.normal(`${prefix}out.w`, [3, 3, ch(ups - 1), 3], 0, 0.02); // [3, 3, 64, 3]
  b.constant(`${prefix}out.b`, [3], 0); // [3]
}

/** x [N, H, W, C] → [N, 2H, 2W, C], each value repeated in a 2×2 block. */
function nearest2x(x: tf.Tensor4D): tf.Tensor4D {
  return tf.image.resizeNearestNeighbor(x, [x.shape[1] * 2, x.shape[2] * 2]);
}

/** BatchNorm with running statistics (G and the VAE decoder), as PyTorch's BatchNorm2d. */
function runningBatchNorm(vars: Vars, name: string, x: tf.Tensor4D, opts: ApplyOptions): tf.Tensor4D {
  const gamma = param(vars.params, `${name}.gamma`) as tf.Tensor1D;
  const beta = param(vars.params, `${name}.beta`) as tf.Tensor1D;
  const mean = param(vars.stats, `${name}.mean`);
  const variance = param(vars.stats, `${name}.var`);
  if (!opts.training) return tf.batchNorm4d(x, mean as tf.Tensor1D, variance as tf.Tensor1D, beta, gamma, BN_EPS);
  if (opts.updateStats) {
    // Not on the loss's path, so a gradient tape prunes these ops.
    tf.tidy(() => {
      const m = channelMoments(x);
      const n = x.size / x.shape[3];
      const unbiased = m.variance.mul(n / Math.max(1, n - 1)); // as PyTorch's running_var
      mean.assign(mean.mul(1 - BN_MOMENTUM).add(m.mean.mul(BN_MOMENTUM)));
      variance.assign(variance.mul(1 - BN_MOMENTUM).add(unbiased.mul(BN_MOMENTUM)));
    });
  }
  return batchNormTrain(x, gamma, beta, BN_EPS);
}

/** h [N, inDim] → images [N, size, size, 3] in [−1, 1]; call inside a tidy. */
export function decoderForward(
  vars: Vars,
  prefix: string,
  h: tf.Tensor2D,
  opts: ApplyOptions,
  size: ImageSize,
  width: number,
  upsample: Upsampling = 'transposed',
): tf.Tensor4D {
  const ups = upsamplings(size);
  const ch = (i: number) => decoderChannels(width, ups, i);
  const n = h.shape[0];
  let x = dense(h, param(vars.params, `${prefix}fc.w`) as tf.Tensor2D).reshape([n, 4, 4, ch(0)]) as tf.Tensor4D; // [N, 4, 4, 256]
  x = tf.relu(runningBatchNorm(vars, `${prefix}bn0`, x, opts)); // [N, 4, 4, 256]
  for (let i = 1; i < ups; i++) {
    const s = 4 * 2 ** i;
    const w = param(vars.params, `${prefix}up${i}.w`) as tf.Tensor4D;
    x =
      upsample === 'transposed'
        ? tf.conv2dTranspose(x, w, [n, s, s, ch(i)], 2, 'same') // [N, 8, 8, 128], [N, 16, 16, 64]
        : tf.conv2d(nearest2x(x), w, 1, 'same'); // same shapes
    x = tf.relu(runningBatchNorm(vars, `${prefix}bn${i}`, x, opts)); // same shape
  }
  const out = param(vars.params, `${prefix}out.w`) as tf.Tensor4D;
  x =
    upsample === 'transposed'
      ? tf.conv2dTranspose(x, out, [n, size, size, 3], 2, 'same') // [N, 32, 32, 3]
      : tf.conv2d(nearest2x(x), out, 1, 'same'); // [N, 32, 32, 3]
  return tf.tanh(tf.add(x, param(vars.params, `${prefix}out.b`))); // [N, 32, 32, 3]
}

/**
 * D-style downsampling stack: Conv 4×4 s2 (bias) → LReLU, then [Conv 4×4 s2 → BN | bias → LReLU]
 * × (downs − 1), ending at a 4×4 map. Returns its channel count.
 */
export function addEncoderParams(b: ParamBuilder, prefix: string, size: ImageSize, width: number, norm: DiscriminatorNorm): number {
  const downs = upsamplings(size); // 3 for 32 px, 4 for 64 px
  const ch = (i: number) => width * 2 ** i; // channels after conv i+1
  b.normal(`${prefix}conv1.w`, [K, K, 3, ch(0)], 0, 0.02); // [4, 4, 3, 64]
  b.constant(`${prefix}conv1.b`, [ch(0)], 0); // [64]
  if (norm === 'spectral') b.randomStat(`${prefix}conv1.u`, [ch(0)]); // [64]
  for (let i = 1; i < downs; i++) {
    b.normal(`${prefix}conv${i + 1}.w`, [K, K, ch(i - 1), ch(i)], 0, 0.02); // [4, 4, 64, 128], [4, 4, 128, 256]
    if (norm === 'batch')
      b.batchNorm(`${prefix}bn${i + 1}`, ch(i), false); // [128], [256]
    else b.constant(`${prefix}conv${i + 1}.b`, [ch(i)], 0); // [128], [256]
    if (norm === 'spectral') b.randomStat(`${prefix}conv${i + 1}.u`, [ch(i)]); // [128], [256]
  }
  return ch(downs - 1);
}

/** images [N, size, size, 3] → features [N, 4, 4, channels]; call inside a tidy. */
export function encoderForward(
  vars: Vars,
  prefix: string,
  x: tf.Tensor4D,
  size: ImageSize,
  norm: DiscriminatorNorm,
  groups = 1,
  updateStats = false,
): tf.Tensor4D {
  const downs = upsamplings(size);
  const p = (name: string) => param(vars.params, `${prefix}${name}`);
  const w = (conv: string) =>
    (norm === 'spectral' ? spectralNormalized(p(`${conv}.w`), param(vars.stats, `${prefix}${conv}.u`), updateStats) : p(`${conv}.w`)) as tf.Tensor4D;
  let h = tf.conv2d(x, w('conv1'), 2, 'same'); // [N, 16, 16, 64]
  h = leakyRelu(tf.add(h, p('conv1.b')), LEAK); // [N, 16, 16, 64]
  for (let i = 1; i < downs; i++) {
    h = tf.conv2d(h, w(`conv${i + 1}`), 2, 'same'); // [N, 8, 8, 128], [N, 4, 4, 256]
    h =
      norm === 'batch'
        ? batchNormTrain(h, p(`bn${i + 1}.gamma`) as tf.Tensor1D, p(`bn${i + 1}.beta`) as tf.Tensor1D, BN_EPS, groups) // same shape
        : tf.add(h, p(`conv${i + 1}.b`)); // same shape
    h = leakyRelu(h, LEAK); // same shape
  }
  return h;
}

/** Passes x through forward; no gradient flows back (spectral norm's u and v are constants). */
function stopGradient<T extends tf.Tensor>(x: T): T {
  const op = tf.customGrad(((a: tf.Tensor) => ({ value: a.clone(), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) })) as unknown as Parameters<
    typeof tf.customGrad
  >[0]);
  return op(x) as T;
}

function l2normalize(x: tf.Tensor): tf.Tensor {
  return tf.div(x, tf.add(tf.sqrt(tf.sum(tf.square(x))), 1e-12));
}

/**
 * w / σ(w), σ the largest singular value of w reshaped to [fan-in, out], from one power iteration
 * started at the stored vector u (PyTorch's spectral_norm): v = Wu/‖Wu‖, u' = Wᵀv/‖Wᵀv‖,
 * σ = vᵀWu' with u', v held constant so the gradient flows through W only. `update` stores u'.
 */
export function spectralNormalized(w: tf.Tensor, u: tf.Variable, update: boolean): tf.Tensor {
  const out = w.shape[w.rank - 1]!;
  const mat = w.reshape([-1, out]) as tf.Tensor2D; // [fan-in, out]
  const v = stopGradient(l2normalize(tf.matMul(mat, u.reshape([out, 1]) as tf.Tensor2D))) as tf.Tensor2D; // [fan-in, 1]
  const u2 = stopGradient(l2normalize(tf.matMul(mat, v, true, false))) as tf.Tensor2D; // [out, 1]
  if (update) tf.tidy(() => u.assign(u2.reshape([out])));
  const sigma = tf.sum(tf.mul(v, tf.matMul(mat, u2))); // vᵀ W u'
  return tf.div(w, sigma);
}

// ---------------------------------------------------------------------------------------------

export function buildGenerator(spec: GeneratorSpec, seed = 0): Generator {
  const { latentDim, size, width } = spec;
  assertSpec(size, width, 'buildGenerator');
  if (!Number.isInteger(latentDim) || latentDim < 1) throw new Error(`buildGenerator: latentDim must be a positive integer, got ${latentDim}`);
  const classes = assertClasses(spec.classes, 'buildGenerator');
  const embedDim = classes > 0 ? latentDim : 0; // E: the embedded condition's length
  const b = new ParamBuilder(new Rng(seed));
  const upsample = spec.upsample ?? 'transposed';
  if (upsample !== 'transposed' && upsample !== 'resize') throw new Error(`buildGenerator: upsample must be 'transposed' or 'resize', got ${String(upsample)}`);
  addDecoderParams(b, '', latentDim + embedDim, size, width, upsample);
  if (classes > 0) b.normal('embed.w', [classes, embedDim], 0, 1); // [C, 100]
  const vars = { params: b.params, stats: b.stats };

  function apply(z: tf.Tensor2D, opts: GeneratorApplyOptions): tf.Tensor4D {
    if (z.rank !== 2 || z.shape[1] !== latentDim) throw new Error(`generator expects z [N, ${latentDim}], got [${z.shape}]`);
    return tf.tidy(() => {
      const c = checkCond('generator', classes, z.shape[0], opts.cond);
      const h = c
        ? tf.concat([z, dense(c, param(vars.params, 'embed.w') as tf.Tensor2D)], 1) // c·W [N, 100] → [N, 200]
        : z; // [N, 100]
      return decoderForward(vars, '', h, opts, size, width, upsample); // [N, 32, 32, 3]
    });
  }

  return { ...networkBase(spec, b.params, b.stats), apply };
}

export function buildDiscriminator(spec: DiscriminatorSpec, seed = 1): Discriminator {
  const { size, width } = spec;
  assertSpec(size, width, 'buildDiscriminator');
  const classes = assertClasses(spec.classes, 'buildDiscriminator');
  const norm = spec.norm ?? 'batch';
  if (norm !== 'batch' && norm !== 'none' && norm !== 'spectral') {
    throw new Error(`buildDiscriminator: norm must be 'batch', 'none' or 'spectral', got ${String(norm)}`);
  }
  const b = new ParamBuilder(new Rng(seed));
  const last = addEncoderParams(b, '', size, width, norm); // 256 channels at 4×4
  const flat = 4 * 4 * last;
  b.uniform('fc.w', [flat, 1], 1 / Math.sqrt(flat)); // [4096, 1]
  b.uniform('fc.b', [1], 1 / Math.sqrt(flat)); // [1]
  if (norm === 'spectral') b.randomStat('fc.u', [1]); // [1]
  if (classes > 0) b.uniform('proj.w', [classes, last], 1 / Math.sqrt(flat)); // [C, 256]
  const vars = { params: b.params, stats: b.stats };

  function apply(x: tf.Tensor4D, opts: DiscriminatorApplyOptions = {}): tf.Tensor1D {
    if (x.rank !== 4 || x.shape[1] !== size || x.shape[2] !== size || x.shape[3] !== 3) {
      throw new Error(`discriminator expects images [N, ${size}, ${size}, 3], got [${x.shape}]`);
    }
    const n = x.shape[0];
    return tf.tidy(() => {
      const c = checkCond('discriminator', classes, n, opts.cond);
      const update = opts.updateStats ?? false;
      const h = encoderForward(vars, '', x, size, norm, norm === 'batch' ? (opts.groups ?? 1) : 1, update); // [N, 4, 4, 256]
      const fcW = norm === 'spectral' ? spectralNormalized(param(vars.params, 'fc.w'), param(vars.stats, 'fc.u'), update) : param(vars.params, 'fc.w');
      let logits = dense(h.reshape([n, flat]) as tf.Tensor2D, fcW as tf.Tensor2D).add(param(vars.params, 'fc.b')); // [N, 1]
      if (c) {
        const pooled = tf.sum(h.reshape([n, 4 * 4, last]), 1); // Σ over positions [N, 256]
        const v = dense(c, param(vars.params, 'proj.w') as tf.Tensor2D); // c·V [N, 256]
        logits = tf.add(logits, tf.sum(tf.mul(pooled, v), 1, true)); // [N, 1]
      }
      return logits.reshape([n]); // [N]
    });
  }

  return { ...networkBase(spec, b.params, b.stats), apply };
}

/**
 * R1 penalty (Mescheder et al. 2018) before its γ/2 factor: the batch mean of ‖∇ₓ D(x)‖², with x
 * the real images. Differentiable w.r.t. D's weights (double backprop), so it can be added to the
 * D loss inside tf.variableGrads / Adam.minimize. Needs a norm 'none' discriminator: BatchNorm
 * couples the images of a batch and its hand-written gradient is not differentiable again.
 */
export function r1Penalty(d: Discriminator, x: tf.Tensor4D, opts: ConditionOptions = {}): tf.Scalar {
  if ((d.spec.norm ?? 'batch') === 'batch') throw new Error("r1Penalty needs a discriminator built without BatchNorm (norm 'none' or 'spectral')");
  return tf.tidy(() => {
    const n = x.shape[0];
    const gx = tf.grad((xx: tf.Tensor) => d.apply(xx as tf.Tensor4D, { cond: opts.cond }).sum())(x); // ∇ₓ Σ D [N, 32, 32, 3]
    return tf.sum(tf.square(gx)).div(n) as tf.Scalar; // mean over images of ‖∇ₓ D(x)‖²
  });
}
