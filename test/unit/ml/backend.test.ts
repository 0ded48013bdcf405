// Backend choice: order, messages, idempotence.
import { describe, expect, it } from 'vitest';
import { explainFailure, initBackend, tf } from '../../../src-main/ml/backend.js';

describe('initBackend', () => {
  it('picks the best available backend once, never the slow cpu while wasm works', async () => {
    const choice = await initBackend();
    expect(choice.name).not.toBe('cpu');
    expect(tf.getBackend()).toBe(choice.name === 'wasm' ? 'wasm' : 'tensorflow');
    expect(choice.threads).toBeGreaterThanOrEqual(1);
    if (choice.name === 'wasm') {
      // Both native packages were tried first and each has a reason.
      expect(choice.tried.map((t) => t.name)).toEqual(['webgpu', 'tensorflow-gpu', 'tensorflow']);
      for (const t of choice.tried) expect(t.error.length).toBeGreaterThan(0);
      // Here the GPU, if any, is Mesa's software Vulkan (lavapipe): named, and passed over for WebAssembly.
      expect(choice.tried[0]!.error).toMatch(/software renderer|no GPU adapter|Vulkan/);
      expect(choice.message).toMatch(/WebAssembly/);
    }
    expect(await initBackend({ only: 'cpu' })).toBe(choice); // idempotent: the first choice stays
  });

  it('the chosen backend has the kernels a conv layer trains with, and they compute its gradients', async () => {
    await initBackend();
    // Holds on every backend: native TensorFlow ships them, WASM gets them from wasm-kernels.ts.
    const backend = tf.getBackend();
    expect(tf.getKernel('Conv2DBackpropFilter', backend)).toBeDefined();
    expect(tf.getKernel('Conv2DBackpropInput', backend)).toBeDefined();
    // d/dfilter of sum(conv2d(x, f)) is, per filter tap, the sum of the inputs that tap sees;
    // d/dx is, per input pixel, the sum of the filter taps that touch it.
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const f = tf.tensor4d([1, 10, 100, 1000], [2, 2, 1, 1]);
    const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid').sum())([x, f]);
    expect(Array.from(await df!.data())).toEqual([12, 16, 24, 28]);
    expect(Array.from(await dx!.data())).toEqual([1, 11, 10, 101, 1111, 1010, 100, 1100, 1000]);
    tf.dispose([x, f, dx!, df!]);
  });
});

describe('explainFailure', () => {
  it('says what to do about missing packages and CUDA libraries', () => {
    const notFound = Object.assign(new Error("Cannot find package '@tensorflow/tfjs-node-gpu'"), { code: 'ERR_MODULE_NOT_FOUND' });
    expect(explainFailure('tensorflow-gpu', notFound)).toBe('not installed');
    const cuda = new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');
    expect(explainFailure('tensorflow-gpu', cuda)).toMatch(/needs CUDA 11\.2 \+ cuDNN 8 .*install them for GPU training/);
    expect(explainFailure('tensorflow', new Error('libtensorflow.so.2: cannot open shared object file'))).toMatch(/libtensorflow\.so\.2/);
    const cuda12 = new Error('Error: libcudart.so.11.0: cannot open shared object file');
    expect(explainFailure('tensorflow-gpu', cuda12)).toMatch(/CUDA 12 alone is not enough/);
    const abi = new Error(
      "The module 'tfjs_binding.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 128.",
    );
    expect(explainFailure('tensorflow', abi)).toBe(
      'native binding was built for another Node.js/Electron version: run `npm rebuild @tensorflow/tfjs-node` (or electron-builder install-app-deps)',
    );
  });
});
