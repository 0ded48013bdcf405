// Layer ops with hand-written gradients or cheaper formulations. On the WASM backend tfjs's
// generic versions are slow: batchNorm's gradient tiles a full-size tensor per call, reductions
// over leading axes transpose the whole tensor, leakyRelu's gradient goes through
// greater+select, and BatchMatMul is not XNNPACK. Together they took ~30% of a DCGAN step.
//
// Double backprop (a gradient inside a gradient tape, as an R1 penalty needs): tfjs tapes the ops
// a customGrad gradFunc runs whenever an outer tape is recording, and what save() keeps is a taped
// clone of the input, so a gradFunc written in differentiable ops on its saved *inputs* is itself
// differentiable. leakyRelu and dense qualify (their gradients are Mul/Step and Conv2D /
// Conv2DBackpropInput, all with tfjs-core gradients, also on wasm where this repo registers the
// conv backprop kernels under tfjs's kernel names). batchNormTrain does not: it saves x̂ and
// 1/σ, computed inside the op and so untaped, and its second derivatives would come out wrong.
// Two tfjs limits to keep in mind for anything differentiated twice: tf.leakyRelu's gradient
// uses Greater, which has no gradient (an error), and ops whose gradient reads their saved
// *output* (tanh, exp, sigmoid, sqrt, …) silently lose that dependence in a second derivative
// (the output's clone is taped before the op that makes it, so the tape prunes it).
import { tf } from '../backend.js';

type CustomGradFn = Parameters<typeof tf.customGrad>[0];

/** [G, P, 1, C] → per-group channel means [G, 1, 1, C], as one average pool over the P positions. */
function groupMean(x: tf.Tensor4D): tf.Tensor4D {
  // tf.mean/sum over leading axes makes wasm transpose the whole tensor first (~10× slower).
  return tf.avgPool(x, [x.shape[1], 1], 1, 'valid');
}

/** Mean over every axis but the last (channels). */
export function channelMean(x: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const c = x.shape[x.rank - 1]!;
    return groupMean(x.reshape([1, x.size / c, 1, c]) as tf.Tensor4D).reshape([c]) as tf.Tensor1D;
  });
}

/**
 * Not twice differentiable (see the top of this file): no R1 penalty through it.
 *
 * Training-mode BatchNorm of an NHWC tensor with batch statistics, computed separately for each
 * of `groups` equal slices of the batch (2 = a real and a fake batch pushed through D at once):
 *   y = γ·x̂ + β,  x̂ = (x − μ)/√(σ² + ε)
 * Backward (the standard closed form, per group; γ and β gradients summed over groups):
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ/√(σ² + ε) · (dy − dβ/n − x̂·dγ/n)
 */
export function batchNormTrain(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number, groups = 1): tf.Tensor4D {
  const [batch, h, w, c] = x.shape;
  if (!Number.isInteger(groups) || groups < 1 || batch % groups !== 0) {
    throw new Error(`batchNormTrain: batch ${batch} does not split into ${groups} groups`);
  }
  const n = (batch / groups) * h * w; // values per channel per group
  const grouped: [number, number, number, number] = [groups, n, 1, c];
  const op = tf.customGrad(((xIn: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const xr = xIn.reshape(grouped) as tf.Tensor4D;
    const centered = tf.sub(xr, groupMean(xr));
    const rstd = tf.rsqrt(tf.add(groupMean(tf.square(centered) as tf.Tensor4D), eps));
    const xhat = tf.mul(centered, rstd);
    save([xhat, rstd, g]);
    return {
      value: tf.add(tf.mul(xhat, g), b).reshape(x.shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sr, sg] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dyr = dy.reshape(grouped) as tf.Tensor4D;
        const meanDy = groupMean(dyr); // dβ/n per group
        const meanDyX = groupMean(tf.mul(dyr, sx) as tf.Tensor4D); // dγ/n per group
        const dx = tf.mul(tf.sub(tf.sub(dyr, meanDy), tf.mul(sx, meanDyX)), tf.mul(sg, sr)).reshape(x.shape);
        const overGroups = (t: tf.Tensor) => tf.sum(t.reshape([groups, c]), 0).mul(n);
        return [dx, overGroups(meanDyX), overGroups(meanDy)];
      },
    };
  }) as unknown as CustomGradFn);
  return op(x, gamma, beta) as tf.Tensor4D;
}

/** Batch mean and (biased) variance per channel of an NHWC tensor. */
export function channelMoments(x: tf.Tensor4D): { mean: tf.Tensor1D; variance: tf.Tensor1D } {
  return tf.tidy(() => {
    const mean = channelMean(x);
    const variance = channelMean(tf.square(tf.sub(x, mean)));
    return { mean, variance };
  });
}

/**
 * max(x, αx) for 0 < α < 1, as relu(x)·(1−α) + αx; gradient dy·(α + (1−α)·step(x)). The
 * gradient is differentiable again (linear in dy; step's gradient is 0), so double backprop works.
 */
export function leakyRelu<T extends tf.Tensor>(x: T, alpha: number): T {
  const op = tf.customGrad(((xIn: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xIn]);
    return {
      value: tf.add(tf.mul(tf.relu(xIn), 1 - alpha), tf.mul(xIn, alpha)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.add(tf.mul(tf.step(saved[0]!), 1 - alpha), alpha)),
    };
  }) as unknown as CustomGradFn);
  return op(x) as T;
}

/** x [N, K] · w [K, M] as a 1×1 convolution (XNNPACK on wasm; gradients are conv kernels too). */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const [n, k] = x.shape;
  const m = w.shape[1];
  const y = tf.conv2d(x.reshape([n, 1, 1, k]) as tf.Tensor4D, w.reshape([1, 1, k, m]) as tf.Tensor4D, 1, 'valid');
  return y.reshape([n, m]);
}
