// GAN objectives on discriminator logits, and the R1 gradient penalty.
//
// Non-saturating ('ns', Goodfellow et al. 2014) is BCE-with-logits written with softplus:
//   −log σ(x) = softplus(−x),  −log(1 − σ(x)) = softplus(x).
// Hinge (Lim & Ye 2017; Miyato et al. 2018):
//   L_D = E[relu(1 − D(real))] + E[relu(1 + D(fake))],  L_G = −E[D(fake)].
// Class-weighted training (balance: classWeights) scales each real image's term by its weight w
// before the mean: E[w · ℓ(D(real))]. Without weights the expressions above are used unchanged.
//
// Every op here has a tfjs-core gradient and a kernel on the wasm backend (Softplus, Sigmoid, Relu,
// Step, Neg, Sub, Add, Mul, Mean, Sum, Square), so these losses work inside tf.variableGrads on
// any backend, and r1Penalty also works one derivative deeper (see below).
import { tf } from './backend.js';

export type GanLossKind = 'ns' | 'hinge';

function assertKind(kind: GanLossKind): void {
  if (kind !== 'ns' && kind !== 'hinge') throw new Error(`unknown GAN loss '${String(kind)}' (expected 'ns' or 'hinge')`);
}

/**
 * Discriminator loss from its logits on a real and a fake batch (each [N]). `realWeights` ([N],
 * optional) weights each real image's term: the real part becomes the mean of w · ℓ.
 */
export function discriminatorLoss(kind: GanLossKind, realLogits: tf.Tensor1D, fakeLogits: tf.Tensor1D, realWeights?: tf.Tensor1D | null): tf.Scalar {
  assertKind(kind);
  if (realWeights && (realWeights.rank !== 1 || realWeights.shape[0] !== realLogits.shape[0])) {
    throw new Error(`discriminatorLoss: realWeights must be [${realLogits.shape[0]}] like the real logits, got [${realWeights.shape}]`);
  }
  return tf.tidy(() => {
    const weighted = (terms: tf.Tensor) => (realWeights ? tf.mul(terms, realWeights) : terms);
    if (kind === 'ns') return tf.add(tf.mean(weighted(tf.softplus(tf.neg(realLogits)))), tf.mean(tf.softplus(fakeLogits))) as tf.Scalar;
    return tf.add(tf.mean(weighted(tf.relu(tf.sub(1, realLogits)))), tf.mean(tf.relu(tf.add(fakeLogits, 1)))) as tf.Scalar;
  });
}

/** Generator loss from the discriminator's logits on a fake batch ([N]). */
export function generatorLoss(kind: GanLossKind, fakeLogits: tf.Tensor1D): tf.Scalar {
  assertKind(kind);
  return tf.tidy(() => {
    if (kind === 'ns') return tf.mean(tf.softplus(tf.neg(fakeLogits))) as tf.Scalar;
    return tf.neg(tf.mean(fakeLogits)) as tf.Scalar;
  });
}

/**
 * R1 penalty (Mescheder et al. 2018): the batch mean of ‖∇ₓ D(x)‖² at the real images,
 *   r1 = (1/N) Σₙ Σ_{h,w,c} (∂ D(x)ₙ / ∂ xₙ)².
 * The caller scales it: L_D += (γ/2) · r1. It may be applied lazily, every k-th D step only,
 * with γ·k in place of γ (StyleGAN2's lazy regularisation) to save its cost on the other steps.
 *
 * The gradient ∇ₓ D is computed with tf.grad *inside* the current tape, so the returned scalar is
 * differentiable w.r.t. D's weights: call it inside tf.variableGrads / Adam.minimize over D's
 * variables (double backprop). `d` must be a pure function of its input and D's variables (it is
 * called exactly once) and must use only ops whose gradients are themselves differentiable:
 * - built-in tfjs ops are (conv2d → Conv2DBackpropInput, whose gradient is conv2d +
 *   Conv2DBackpropFilter, both available on wasm through src-main/ml/wasm-kernels.ts; relu → step,
 *   whose gradient is zero);
 * - tf.customGrad ops are differentiated through their gradFunc, but tensors they `save` are
 *   constants to the outer derivative. models/layers.ts leakyRelu is fine (its saved x only feeds
 *   a step function); batchNormTrain is NOT (its saved x̂ and 1/σ depend on the weights and on
 *   the input), so R1 through the BatchNorm DCGAN discriminator would drop terms. Use R1 with a
 *   discriminator without batch statistics (none is the usual choice with R1 anyway).
 * - Conv2DBackpropFilter has no gradient in tfjs-core, so a third derivative through conv layers
 *   is unavailable; R1 never needs one.
 */
export function r1Penalty(d: (x: tf.Tensor4D) => tf.Tensor1D, real: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const n = real.shape[0];
    if (!(n > 0)) throw new Error('r1Penalty: empty batch');
    // Σ D(x) over the batch: image n's logit depends only on image n (true for any D without
    // batch statistics), so ∂/∂x of the sum holds each image's own input gradient.
    const grad = tf.grad((x: tf.Tensor) => tf.sum(d(x as tf.Tensor4D)))(real);
    const perImage = tf.sum(tf.square(grad.reshape([n, grad.size / n])), 1); // [N], last-axis reduction (no transpose on wasm)
    return tf.mean(perImage) as tf.Scalar;
  });
}
