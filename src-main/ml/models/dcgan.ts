// DCGAN generator and discriminator as raw variables + functional ops (NHWC).
// For size 32 / width 64 this mirrors /work/shared/bench/pytorch_dcgan.py config a layer for layer:
//   G: Linear(100→4·4·256, no bias) → BN → ReLU → [ConvT 4×4 s2 p1 → BN → ReLU] ×2 → ConvT(→3, bias) → tanh
//   D: Conv 4×4 s2 p1 (bias) → LReLU(0.2) → [Conv 4×4 s2 p1 → BN → LReLU] ×2 → Flatten → Linear(→1)
// 'same' padding with a 4×4 kernel and stride 2 pads 1 on each side, i.e. PyTorch's padding=1.
// Initialisation follows that script too: conv N(0, 0.02), BN γ N(1, 0.02) β 0, Linear U(±1/√fan_in).
import { tf } from '../backend.js';
import { Rng } from '../random.js';
import { batchNormTrain, channelMoments, dense, leakyRelu } from './layers.js';

export type ImageSize = 32 | 64;

export interface GeneratorSpec {
  latentDim: number;
  size: ImageSize;
  /** Channels of the last hidden layer; doubles towards the 4×4 stem (64 → 256 at 4×4 for 32 px). */
  width: number;
}

export interface DiscriminatorSpec {
  size: ImageSize;
  /** Channels of the first conv; doubles each downsampling (64 → 128 → 256 for 32 px). */
  width: number;
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
  /** Copies every parameter and statistic out of tfjs. */
  snapshot(): NamedArray[];
  /** Overwrites parameters and statistics; names and shapes must match exactly. */
  load(arrays: readonly NamedArray[]): void;
  dispose(): void;
}

export interface ApplyOptions {
  /** Batch statistics for BatchNorm (training) instead of the running averages. */
  training: boolean;
  /** In training, also move the running averages towards this batch (momentum 0.1, as PyTorch). */
  updateStats?: boolean;
}

export interface Generator extends Network<GeneratorSpec> {
  /** z [N, latentDim] → images [N, size, size, 3] in [−1, 1]. */
  apply(z: tf.Tensor2D, opts: ApplyOptions): tf.Tensor4D;
}

export interface Discriminator extends Network<DiscriminatorSpec> {
  /**
   * images [N, size, size, 3] → logits [N]. BatchNorm always uses batch statistics, computed
   * per each of `groups` equal slices of the batch: apply(concat([real, fake]), { groups: 2 })
   * equals two separate calls, in one pass.
   */
  apply(x: tf.Tensor4D, opts?: { groups?: number }): tf.Tensor1D;
}

const BN_EPS = 1e-5;
const BN_MOMENTUM = 0.1;
const LEAK = 0.2;
const K = 4; // every conv is 4×4, stride 2

/** Number of 2× resolution steps between the 4×4 stem and the image. */
function upsamplings(size: number): number {
  return Math.log2(size / 4);
}

function assertSpec(size: number, width: number, what: string): void {
  if (size !== 32 && size !== 64) throw new Error(`${what}: size must be 32 or 64, got ${size}`);
  if (!Number.isInteger(width) || width < 1) throw new Error(`${what}: width must be a positive integer, got ${width}`);
}

class ParamBuilder {
  readonly params = new Map<string, tf.Variable>();
  readonly stats = new Map<string, tf.Variable>();
  constructor(private readonly rng: Rng) {}

  normal(name: string, shape: number[], mean: number, std: number): void {
    this.add(this.params, name, shape, this.rng.normalArray(size(shape), mean, std), true);
  }
  uniform(name: string, shape: number[], bound: number): void {
    this.add(this.params, name, shape, this.rng.uniformArray(size(shape), -bound, bound), true);
  }
  constant(name: string, shape: number[], value: number, stat = false): void {
    const data = new Float32Array(size(shape)).fill(value);
    this.add(stat ? this.stats : this.params, name, shape, data, !stat);
  }
  batchNorm(prefix: string, channels: number, withStats: boolean): void {
    this.normal(`${prefix}.gamma`, [channels], 1, 0.02);
    this.constant(`${prefix}.beta`, [channels], 0);
    if (withStats) {
      this.constant(`${prefix}.mean`, [channels], 0, true);
      this.constant(`${prefix}.var`, [channels], 1, true);
    }
  }
  private add(map: Map<string, tf.Variable>, name: string, shape: number[], data: Float32Array, trainable: boolean) {
    if (this.params.has(name) || this.stats.has(name)) throw new Error(`duplicate parameter ${name}`);
    // Unnamed tf variables: tfjs variable names are process-global, ours are per network.
    const init = tf.tensor(data, shape, 'float32');
    map.set(name, tf.variable(init, trainable));
    init.dispose(); // the variable holds its own reference to the data
  }
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function networkBase<Spec>(
  spec: Spec,
  params: Map<string, tf.Variable>,
  stats: Map<string, tf.Variable>,
): Network<Spec> {
  const all = (): [string, tf.Variable][] => [...params, ...stats];
  return {
    spec,
    params,
    stats,
    countParams: () => [...params.values()].reduce((n, v) => n + v.size, 0),
    snapshot: () =>
      all().map(([name, v]) => ({ name, shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) })),
    load(arrays) {
      const byName = new Map(arrays.map((a) => [a.name, a]));
      const expected = all();
      const missing = expected.filter(([n]) => !byName.has(n)).map(([n]) => n);
      const extra = arrays.filter((a) => !params.has(a.name) && !stats.has(a.name)).map((a) => a.name);
      if (missing.length || extra.length) {
        throw new Error(`weights do not fit this network: missing [${missing.join(', ')}], unexpected [${extra.join(', ')}]`);
      }
      for (const [name, v] of expected) {
        const a = byName.get(name)!;
        if (a.shape.length !== v.shape.length || a.shape.some((d, i) => d !== v.shape[i])) {
          throw new Error(`weight ${name} has shape [${a.shape}], the network expects [${v.shape}]`);
        }
        if (a.data.length !== v.size) throw new Error(`weight ${name} has ${a.data.length} values, expected ${v.size}`);
        tf.tidy(() => v.assign(tf.tensor(a.data, v.shape, 'float32')));
      }
    },
    dispose() {
      for (const [, v] of all()) v.dispose();
    },
  };
}

function get(map: ReadonlyMap<string, tf.Variable>, name: string): tf.Variable {
  const v = map.get(name);
  if (!v) throw new Error(`missing parameter ${name}`);
  return v;
}

export function buildGenerator(spec: GeneratorSpec, seed = 0): Generator {
  const { latentDim, size, width } = spec;
  assertSpec(size, width, 'buildGenerator');
  if (!Number.isInteger(latentDim) || latentDim < 1) throw new Error(`buildGenerator: latentDim must be a positive integer, got ${latentDim}`);
  const ups = upsamplings(size); // 3 for 32 px, 4 for 64 px
  const ch = (i: number) => width * 2 ** (ups - 1 - i); // channels after upsampling i−1; ch(0) is the stem
  const b = new ParamBuilder(new Rng(seed));
  const stem = ch(0);
  b.uniform('fc.w', [latentDim, 4 * 4 * stem], 1 / Math.sqrt(latentDim));
  b.batchNorm('bn0', stem, true);
  for (let i = 1; i < ups; i++) {
    b.normal(`up${i}.w`, [K, K, ch(i), ch(i - 1)], 0, 0.02); // conv2dTranspose filter: [k, k, out, in]
    b.batchNorm(`bn${i}`, ch(i), true);
  }
  b.normal('out.w', [K, K, 3, ch(ups - 1)], 0, 0.02);
  b.constant('out.b', [3], 0);
  const { params, stats } = b;

  function batchNorm(x: tf.Tensor4D, name: string, opts: ApplyOptions): tf.Tensor4D {
    const gamma = get(params, `${name}.gamma`) as tf.Tensor1D;
    const beta = get(params, `${name}.beta`) as tf.Tensor1D;
    const runMean = get(stats, `${name}.mean`) as tf.Tensor1D;
    const runVar = get(stats, `${name}.var`) as tf.Tensor1D;
    if (!opts.training) return tf.batchNorm4d(x, runMean, runVar, beta, gamma, BN_EPS);
    if (opts.updateStats) {
      // Not on the loss's path, so a gradient tape prunes these ops.
      tf.tidy(() => {
        const { mean, variance } = channelMoments(x);
        const n = x.size / x.shape[3];
        const unbiased = variance.mul(n / Math.max(1, n - 1)); // as PyTorch's running_var
        get(stats, `${name}.mean`).assign(runMean.mul(1 - BN_MOMENTUM).add(mean.mul(BN_MOMENTUM)));
        get(stats, `${name}.var`).assign(runVar.mul(1 - BN_MOMENTUM).add(unbiased.mul(BN_MOMENTUM)));
      });
    }
    return batchNormTrain(x, gamma, beta, BN_EPS);
  }

  function apply(z: tf.Tensor2D, opts: ApplyOptions): tf.Tensor4D {
    if (z.rank !== 2 || z.shape[1] !== latentDim) throw new Error(`generator expects z [N, ${latentDim}], got [${z.shape}]`);
    return tf.tidy(() => {
      const n = z.shape[0];
      let x = dense(z, get(params, 'fc.w') as tf.Tensor2D).reshape([n, 4, 4, stem]) as tf.Tensor4D; // [N, 4, 4, 256]
      x = tf.relu(batchNorm(x, 'bn0', opts));
      for (let i = 1; i < ups; i++) {
        const s = 4 * 2 ** i;
        x = tf.conv2dTranspose(x, get(params, `up${i}.w`) as tf.Tensor4D, [n, s, s, ch(i)], 2, 'same'); // [N, 8, 8, 128], [N, 16, 16, 64]
        x = tf.relu(batchNorm(x, `bn${i}`, opts));
      }
      x = tf.conv2dTranspose(x, get(params, 'out.w') as tf.Tensor4D, [n, size, size, 3], 2, 'same'); // [N, 32, 32, 3]
      return tf.tanh(tf.add(x, get(params, 'out.b')));
    });
  }

  return { ...networkBase(spec, params, stats), apply };
}

export function buildDiscriminator(spec: DiscriminatorSpec, seed = 1): Discriminator {
  const { size, width } = spec;
  assertSpec(size, width, 'buildDiscriminator');
  const downs = upsamplings(size); // 3 for 32 px, 4 for 64 px
  const ch = (i: number) => width * 2 ** i; // channels after conv i+1
  const b = new ParamBuilder(new Rng(seed));
  b.normal('conv1.w', [K, K, 3, ch(0)], 0, 0.02);
  b.constant('conv1.b', [ch(0)], 0);
  for (let i = 1; i < downs; i++) {
    b.normal(`conv${i + 1}.w`, [K, K, ch(i - 1), ch(i)], 0, 0.02);
    b.batchNorm(`bn${i + 1}`, ch(i), false);
  }
  const flat = 4 * 4 * ch(downs - 1);
  b.uniform('fc.w', [flat, 1], 1 / Math.sqrt(flat));
  b.uniform('fc.b', [1], 1 / Math.sqrt(flat));
  const { params, stats } = b;

  function apply(x: tf.Tensor4D, opts: { groups?: number } = {}): tf.Tensor1D {
    if (x.rank !== 4 || x.shape[1] !== size || x.shape[2] !== size || x.shape[3] !== 3) {
      throw new Error(`discriminator expects images [N, ${size}, ${size}, 3], got [${x.shape}]`);
    }
    const groups = opts.groups ?? 1;
    return tf.tidy(() => {
      const n = x.shape[0];
      let h = tf.conv2d(x, get(params, 'conv1.w') as tf.Tensor4D, 2, 'same'); // [N, 16, 16, 64]
      h = leakyRelu(tf.add(h, get(params, 'conv1.b')), LEAK);
      for (let i = 1; i < downs; i++) {
        h = tf.conv2d(h, get(params, `conv${i + 1}.w`) as tf.Tensor4D, 2, 'same'); // [N, 8, 8, 128], [N, 4, 4, 256]
        h = batchNormTrain(h, get(params, `bn${i + 1}.gamma`) as tf.Tensor1D, get(params, `bn${i + 1}.beta`) as tf.Tensor1D, BN_EPS, groups);
        h = leakyRelu(h, LEAK);
      }
      const logits = dense(h.reshape([n, flat]) as tf.Tensor2D, get(params, 'fc.w') as tf.Tensor2D).add(get(params, 'fc.b')); // [N, 1]
      return logits.reshape([n]);
    });
  }

  return { ...networkBase(spec, params, stats), apply };
}
