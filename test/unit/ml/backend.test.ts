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
      expect(choice.tried.map((t) => t.name)).toEqual(['tensorflow-gpu', 'tensorflow']);
      for (const t of choice.tried) expect(t.error.length).toBeGreaterThan(0);
      expect(choice.message).toMatch(/WebAssembly/);
    }
    expect(await initBackend({ only: 'cpu' })).toBe(choice); // idempotent: the first choice stays
  });

  it('registers the training kernels on wasm', async () => {
    const choice = await initBackend();
    if (choice.name !== 'wasm') return;
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
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
    expect(explainFailure('tensorflow', abi)).toBe('native binding was built for another Node.js/Electron version: run `npm rebuild @tensorflow/tfjs-node` (or electron-builder install-app-deps)');
  });
});
