// The cpu backend's ResizeNearestNeighborGrad (the gradient of the generator's nearest ×2
// upsampling) against the gradient defined by the forward op itself: each input pixel receives the
// sum of dy over the output pixels the forward pass copied it to. tfjs-backend-cpu 4.22's own
// kernel fails this for every batch larger than one (batch 2: max error ≈ 4–7); importing
// ml/backend.ts (as all of Atelier does) puts the fixed one in its place.
import { describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/ml/backend.js';

/** dx by definition: the forward op on an image of source indices says where each output pixel came from. */
async function referenceGrad(shape: [number, number, number, number], size: [number, number], alignCorners: boolean, dy: tf.Tensor4D): Promise<Float32Array> {
  const [b, h, w, c] = shape;
  const index = tf.tensor4d(
    Float32Array.from({ length: b * h * w * c }, (_, i) => i),
    shape,
  );
  const from = await tf.image.resizeNearestNeighbor(index, size, alignCorners).data();
  const dyValues = await dy.data();
  const dx = new Float32Array(b * h * w * c);
  for (let i = 0; i < from.length; i++) dx[from[i]!]! += dyValues[i]!;
  index.dispose();
  return dx;
}

describe('cpu ResizeNearestNeighborGrad', () => {
  const cases: { shape: [number, number, number, number]; size: [number, number]; alignCorners: boolean }[] = [
    { shape: [2, 4, 4, 8], size: [8, 8], alignCorners: false },
    { shape: [32, 4, 4, 16], size: [8, 8], alignCorners: false },
    { shape: [3, 5, 7, 2], size: [10, 14], alignCorners: true },
    { shape: [2, 6, 6, 3], size: [9, 4], alignCorners: false },
  ];
  for (const { shape, size, alignCorners } of cases) {
    it(`matches the forward op's own mapping: ${shape.join('×')} → ${size.join('×')}${alignCorners ? ', align corners' : ''}`, async () => {
      const previous = tf.getBackend();
      await tf.setBackend('cpu');
      try {
        const x = tf.randomNormal(shape, 0, 1, 'float32', 3) as tf.Tensor4D;
        const dy = tf.randomNormal([shape[0], size[0], size[1], shape[3]], 0, 1, 'float32', 4) as tf.Tensor4D;
        const dx = tf.grad((t: tf.Tensor) =>
          tf.image
            .resizeNearestNeighbor(t as tf.Tensor4D, size, alignCorners)
            .mul(dy)
            .sum(),
        )(x);
        const expected = await referenceGrad(shape, size, alignCorners, dy);
        const got = await dx.data();
        let worst = 0;
        for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
        expect(worst).toBeLessThan(1e-5);
        tf.dispose([x, dy, dx]);
      } finally {
        if (previous) await tf.setBackend(previous);
      }
    });
  }
});
