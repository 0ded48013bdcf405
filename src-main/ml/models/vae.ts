// Variational autoencoder (Kingma & Welling 2014) built from the DCGAN blocks (NHWC):
//   encoder: D's conv stack — Conv 4×4 s2 (bias) → LReLU(0.2), then [Conv 4×4 s2 (bias) → LReLU]
//            down to 4×4 — flattened, then two Linear heads (bias) for the posterior's mean and
//            log-variance. No BatchNorm: each image is encoded on its own (the same posterior in
//            any batch, also at batch size 1), and encode has no running statistics to keep;
//            opts.training is accepted for symmetry and changes nothing.
//   decoder: G exactly — Linear(→4·4·stem, no bias) → BN → ReLU → [ConvT 4×4 s2 → BN → ReLU]… →
//            ConvT(→3, bias) → tanh, BatchNorm with running statistics (decode with
//            training: false uses the running averages, as G does).
// Conditional (spec.classes = C > 0): c [N, C] (one-hot, multi-hot or weighted) is concatenated
// to the encoder's flattened features before the heads and to z before the decoder's Linear.
// Parameter names: 'enc.' + D's conv names ('enc.conv1.w', 'enc.conv2.b', …), 'enc.mean.*',
// 'enc.logvar.*', 'dec.' + G's names ('dec.fc.w', 'dec.bn0.gamma', …). Initialisation as DCGAN.
// Shapes in the comments are for 32 px, width 64, latentDim 100, unconditional.
import { tf } from '../backend.js';
import { Rng } from '../random.js';
import {
  addDecoderParams,
  addEncoderParams,
  assertClasses,
  assertSpec,
  checkCond,
  decoderForward,
  encoderForward,
  networkBase,
  param,
  ParamBuilder,
  type ApplyOptions,
  type ConditionOptions,
  type GeneratorApplyOptions,
  type ImageSize,
  type Network,
} from './dcgan.js';
import { dense } from './layers.js';

export interface VaeSpec {
  size: ImageSize;
  latentDim: number;
  /** Channels of the encoder's first conv and the decoder's last hidden layer, as D and G. */
  width: number;
  /** Length of the conditioning vector c; 0 or absent = unconditional. */
  classes?: number;
}

export interface EncodeOptions extends ConditionOptions {
  /** Accepted for symmetry with decode; the encoder has no BatchNorm. */
  training: boolean;
}

export type DecodeOptions = GeneratorApplyOptions;

export interface Posterior {
  /** [N, latentDim] */
  mean: tf.Tensor2D;
  /** log σ² [N, latentDim] */
  logVar: tf.Tensor2D;
}

export interface Vae extends Network<VaeSpec> {
  /** images [N, size, size, 3] in [−1, 1] → the posterior q(z | x, c), diagonal Gaussian. */
  encode(x: tf.Tensor4D, opts: EncodeOptions): Posterior;
  /** z [N, latentDim] → images [N, size, size, 3] in [−1, 1]. */
  decode(z: tf.Tensor2D, opts: DecodeOptions): tf.Tensor4D;
}

export interface VaeLossOptions extends ApplyOptions, ConditionOptions {
  // updateStats defaults to `training` (see vaeLoss).
  /** Weight of the KL term (β-VAE); default 1, the plain negative ELBO. */
  beta?: number;
  /** Per-image weights [N] (class-weighted training): recon and KL become means of w · (image's term). */
  weights?: tf.Tensor1D | null;
}

export interface VaeLoss {
  /** recon + β·kl */
  loss: tf.Scalar;
  /** Per-image sum of squared errors on [−1, 1] pixels, batch mean. */
  recon: tf.Scalar;
  /** Per-image KL(q(z | x) ‖ N(0, I)), batch mean. */
  kl: tf.Scalar;
}

export function buildVae(spec: VaeSpec, seed = 2): Vae {
  const { size, width, latentDim } = spec;
  assertSpec(size, width, 'buildVae');
  if (!Number.isInteger(latentDim) || latentDim < 1) throw new Error(`buildVae: latentDim must be a positive integer, got ${latentDim}`);
  const classes = assertClasses(spec.classes, 'buildVae');
  const b = new ParamBuilder(new Rng(seed));
  const last = addEncoderParams(b, 'enc.', size, width, 'none'); // 256 channels at 4×4
  const flat = 4 * 4 * last;
  const headIn = flat + classes;
  b.uniform('enc.mean.w', [headIn, latentDim], 1 / Math.sqrt(headIn)); // [4096, 100]
  b.uniform('enc.mean.b', [latentDim], 1 / Math.sqrt(headIn)); // [100]
  b.uniform('enc.logvar.w', [headIn, latentDim], 1 / Math.sqrt(headIn)); // [4096, 100]
  b.uniform('enc.logvar.b', [latentDim], 1 / Math.sqrt(headIn)); // [100]
  addDecoderParams(b, 'dec.', latentDim + classes, size, width);
  const vars = { params: b.params, stats: b.stats };
  const p = (name: string) => param(vars.params, name);

  function encode(x: tf.Tensor4D, opts: EncodeOptions): Posterior {
    if (x.rank !== 4 || x.shape[1] !== size || x.shape[2] !== size || x.shape[3] !== 3) {
      throw new Error(`VAE encoder expects images [N, ${size}, ${size}, 3], got [${x.shape}]`);
    }
    const n = x.shape[0];
    return tf.tidy(() => {
      const c = checkCond('VAE encoder', classes, n, opts.cond);
      const h = encoderForward(vars, 'enc.', x, size, 'none'); // [N, 4, 4, 256]
      let f = h.reshape([n, flat]) as tf.Tensor2D; // [N, 4096]
      if (c) f = tf.concat([f, c], 1); // [N, 4096 + C]
      const mean = dense(f, p('enc.mean.w') as tf.Tensor2D).add(p('enc.mean.b')) as tf.Tensor2D; // [N, 100]
      const logVar = dense(f, p('enc.logvar.w') as tf.Tensor2D).add(p('enc.logvar.b')) as tf.Tensor2D; // [N, 100]
      return { mean, logVar };
    });
  }

  function decode(z: tf.Tensor2D, opts: DecodeOptions): tf.Tensor4D {
    if (z.rank !== 2 || z.shape[1] !== latentDim) throw new Error(`VAE decoder expects z [N, ${latentDim}], got [${z.shape}]`);
    return tf.tidy(() => {
      const c = checkCond('VAE decoder', classes, z.shape[0], opts.cond);
      const h = c ? tf.concat([z, c], 1) : z; // [N, 100 + C]
      return decoderForward(vars, 'dec.', h, opts, size, width); // [N, 32, 32, 3]
    });
  }

  return { ...networkBase(spec, b.params, b.stats), encode, decode };
}

/**
 * The (β-)VAE objective for images x [N, s, s, 3] in [−1, 1] and standard normal noise
 * eps [N, latentDim] (passed in, so a step is reproducible): z = mean + exp(logVar/2)·eps.
 *   recon = (1/N) Σ_n Σ_pixels,channels (x̂ − x)², on [−1, 1] values;
 *   kl    = (1/N) Σ_n ½ Σ_j (exp(logVar) + mean² − 1 − logVar);   loss = recon + β·kl.
 * With per-image `weights` w, each image's two terms are multiplied by w_n before the 1/N mean.
 * Summing the squared error over pixels (not averaging) keeps its balance with the KL term: with
 * β = 1 the loss is the negative ELBO of a Gaussian decoder with fixed variance ½ (up to a
 * constant). A per-pixel mean would weight the KL ~3000× more and blur or collapse the model.
 * `training` / `updateStats` go to the decoder's BatchNorm as for G, except that updateStats
 * defaults to `training` here: one vaeLoss call is one training step's forward pass, so the
 * running averages that decode({ training: false }) uses follow training unless told otherwise.
 */
export function vaeLoss(vae: Vae, x: tf.Tensor4D, eps: tf.Tensor2D, opts: VaeLossOptions): VaeLoss {
  const { latentDim } = vae.spec;
  const n = x.shape[0];
  if (eps.rank !== 2 || eps.shape[0] !== n || eps.shape[1] !== latentDim) {
    throw new Error(`vaeLoss expects eps [${n}, ${latentDim}], got [${eps.shape}]`);
  }
  const beta = opts.beta ?? 1;
  if (!Number.isFinite(beta) || beta < 0) throw new Error(`vaeLoss: beta must be a finite number ≥ 0, got ${beta}`);
  const w = opts.weights ?? null;
  if (w && (w.rank !== 1 || w.shape[0] !== n)) throw new Error(`vaeLoss expects weights [${n}], got [${w.shape}]`);
  return tf.tidy(() => {
    const { mean, logVar } = vae.encode(x, { training: opts.training, cond: opts.cond }); // [N, 100] each
    const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps)) as tf.Tensor2D; // [N, 100]
    const updateStats = opts.updateStats ?? opts.training;
    const xr = vae.decode(z, { training: opts.training, updateStats, cond: opts.cond }); // [N, 32, 32, 3]
    let recon: tf.Scalar;
    let kl: tf.Scalar;
    if (w) {
      // Means over the batch of w · (each image's summed squared error, each image's KL).
      recon = tf.mean(tf.mul(tf.sum(tf.squaredDifference(xr, x), [1, 2, 3]), w)) as tf.Scalar;
      kl = tf.mean(tf.mul(tf.mul(tf.sum(tf.sub(tf.add(tf.exp(logVar), tf.square(mean)), tf.add(logVar, 1)), 1), 0.5), w)) as tf.Scalar;
    } else {
      recon = tf.div(tf.sum(tf.squaredDifference(xr, x)), n) as tf.Scalar;
      kl = tf.div(tf.mul(tf.sum(tf.sub(tf.add(tf.exp(logVar), tf.square(mean)), tf.add(logVar, 1))), 0.5), n) as tf.Scalar;
    }
    const loss = tf.add(recon, tf.mul(kl, beta)) as tf.Scalar;
    return { loss, recon, kl };
  });
}
