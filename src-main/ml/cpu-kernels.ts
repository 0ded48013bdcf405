// Kernel fixes for the pure JavaScript cpu backend, Atelier's last fallback and the reference the
// other backends' kernels are checked against.
//
// ResizeNearestNeighborGrad — the gradient of nearest-neighbour upsampling (the default generator's
// ×2 upsampling) — is wrong in tfjs-backend-cpu 4.22 whenever the batch holds more than one image:
// it reads dy at the images' batch offset (b · H·W·C of the input) instead of dy's own
// (b · 2H·2W·C), so every image after the first takes its gradient from the wrong place (batch 2 ×
// 8 channels: max error 4.4; batch 32: 5–7). The replacement below is the same arithmetic with the
// offsets right, and it scatters over dy once instead of searching a window per input pixel.
// test/unit/ml/cpu-kernels.test.ts checks it against the analytic gradient (each input pixel
// receives the sum of the dy pixels it was copied to).
import * as tf from '@tensorflow/tfjs';

type Info = tf.TensorInfo;
interface CpuBackend {
  data: { get(id: tf.DataId): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): Info;
}

let registered = false;

/** Replaces the cpu backend's broken kernels with correct ones. Safe to call more than once. */
export function registerCpuKernelFixes(): void {
  if (registered) return;
  if (tf.getKernel(tf.ResizeNearestNeighborGrad, 'cpu')) tf.unregisterKernel(tf.ResizeNearestNeighborGrad, 'cpu');
  tf.registerKernel({
    kernelName: tf.ResizeNearestNeighborGrad,
    backendName: 'cpu',
    kernelFunc: resizeNearestNeighborGradCpu as unknown as tf.KernelFunc,
  });
  registered = true;
}

/**
 * dx[b, r, c, d] = Σ dy[b, y, x, d] over the output pixels (y, x) whose nearest source pixel is
 * (r, c), with the source chosen exactly as the forward kernel and tfjs's own gradient choose it.
 */
export function resizeNearestNeighborGradCpu(args: {
  inputs: { images: Info; dy: Info };
  backend: CpuBackend;
  attrs: tf.ResizeNearestNeighborGradAttrs;
}): Info {
  const { images, dy } = args.inputs;
  const { alignCorners } = args.attrs;
  const [batch, xHeight, xWidth, depth] = images.shape as [number, number, number, number];
  const [, yHeight, yWidth] = dy.shape as [number, number, number, number];
  const dyValues = args.backend.data.get(dy.dataId).values as Float32Array;
  const out = new Float32Array(batch * xHeight * xWidth * depth);
  const heightScale = (alignCorners && yHeight > 1 ? xHeight - 1 : xHeight) / (alignCorners && yHeight > 1 ? yHeight - 1 : yHeight);
  const widthScale = (alignCorners && yWidth > 1 ? xWidth - 1 : xWidth) / (alignCorners && yWidth > 1 ? yWidth - 1 : yWidth);
  const sourceCol = new Int32Array(yWidth);
  for (let x = 0; x < yWidth; x++) {
    const f = x * widthScale;
    sourceCol[x] = Math.min(xWidth - 1, alignCorners ? Math.round(f) : Math.floor(f));
  }
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < yHeight; y++) {
      const f = y * heightScale;
      const r = Math.min(xHeight - 1, alignCorners ? Math.round(f) : Math.floor(f));
      const dyRow = (b * yHeight + y) * yWidth * depth;
      const outRow = (b * xHeight + r) * xWidth;
      for (let x = 0; x < yWidth; x++) {
        const from = dyRow + x * depth;
        const to = (outRow + sourceCol[x]!) * depth;
        for (let d = 0; d < depth; d++) out[to + d]! += dyValues[from + d]!;
      }
    }
  }
  return args.backend.makeTensorInfo(images.shape, images.dtype, out);
}
