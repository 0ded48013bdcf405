import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rolldownOptions: {
        // Optional native backends: loaded at run time where they are installed.
        external: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'],
        // The Electron entry, the CLI and the job process share the engine chunks.
        input: {
          index: resolve(root, 'src-main/index.ts'),
          cli: resolve(root, 'src-main/host/cli.ts'),
          'job-process': resolve(root, 'src-main/host/job-process.ts'),
          // A data-parallel training replica, started by the job process as a worker thread.
          'replica-worker': resolve(root, 'src-main/ml/replica-worker.ts'),
          // A drawing thread of the generator process.
          'draw-worker': resolve(root, 'src-main/generate/draw-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload cannot require modules: bundle everything into one CommonJS file.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(root, 'src-preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    plugins: [svelte({ configFile: resolve(root, 'svelte.config.js') })],
    build: {
      outDir: resolve(root, 'out/renderer'),
      rolldownOptions: { input: { index: resolve(root, 'src-renderer/index.html') } },
    },
  },
});
