// The web export's folder: what it refuses, what it writes, and that generate.js's latent and
// condition vectors are the engine's exactly (its pixels are compared in test/e2e/web-export.spec.ts).
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportWebGenerator, type WebModelJson } from '../../../src-main/bundles/web-generator';
import { conditionVector, parsePrompt } from '../../../src-main/generate/prompt';
import { initBackend } from '../../../src-main/ml/backend';
import { saveCheckpoint } from '../../../src-main/ml/checkpoint';
import { latentFor } from '../../../src-main/ml/generator';
import { buildGenerator, type NamedArray } from '../../../src-main/ml/models/dcgan';
import { defaultTrainConfig, type TrainState } from '../../../src-main/ml/train';

const CLASSES = ['red fox', 'Snow'];
let root: string;
let checkpoint: string;
let state: TrainState;

const shifted = (arrays: NamedArray[], by: number): NamedArray[] => arrays.map((a) => ({ ...a, data: a.data.map((v) => v + by) }));

beforeAll(async () => {
  await initBackend({ only: 'wasm' });
  root = mkdtempSync(path.join(tmpdir(), 'atelier-web-generator-'));
  const g = buildGenerator({ size: 32, latentDim: 16, width: 8, classes: CLASSES.length }, 3);
  const live = g.snapshot();
  state = {
    format: 'atelier.model',
    version: 2,
    config: defaultTrainConfig({ family: 'cgan', size: 32, width: 8, latentDim: 16, classes: CLASSES.length }),
    step: 9,
    groups: {
      generator: live,
      // The EMA differs from the live weights; the export must take it, with the live BatchNorm statistics.
      ema: [
        ...shifted(
          live.filter((a) => g.params.has(a.name)),
          0.5,
        ),
        { name: 't', shape: [], data: Float32Array.of(9) },
      ],
      discriminator: [{ name: 'conv1.w', shape: [2], data: Float32Array.of(1, 2) }],
    },
    backend: 'wasm',
  };
  g.dispose();
  checkpoint = path.join(root, 'checkpoint');
  await saveCheckpoint(checkpoint, state);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const siblings = (dir: string) => readdirSync(path.dirname(dir)).filter((n) => n.startsWith(`.${path.basename(dir)}.tmp-`));

describe('exportWebGenerator', () => {
  it('writes the folder: weights drawing needs, the page, tf.min.js with its licence, README and model card', async () => {
    const outDir = path.join(root, 'web');
    const progress: number[] = [];
    const result = await exportWebGenerator({
      checkpointDir: checkpoint,
      classes: CLASSES,
      outDir,
      title: 'Foxes <in> snow',
      modelCardHtml: '<p>card</p>',
      credits: ['Photos: Jane Doe, CC BY 4.0'],
      onProgress: (done, total) => progress.push(done / total),
    });
    expect(result.dir).toBe(outDir);
    expect(result.files).toEqual(['README.md', 'generate.js', 'index.html', 'model-card.html', 'model.json', 'tf.LICENSE.txt', 'tf.min.js', 'weights.bin']);
    expect(result.bytes).toBe(result.files.reduce((n, f) => n + statSync(path.join(outDir, f)).size, 0));
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(siblings(outDir)).toEqual([]);

    const model = JSON.parse(readFileSync(path.join(outDir, 'model.json'), 'utf8')) as WebModelJson;
    expect(model).toMatchObject({
      format: 'atelier.web-generator',
      version: 1,
      family: 'cgan',
      size: 32,
      latentDim: 16,
      width: 8,
      upsample: 'transposed',
      classes: CLASSES,
      step: 9,
    });
    // Exactly the generator's parameters (from the EMA) and statistics (live): no 't', no discriminator.
    const specs = model.weightsManifest[0]!.weights;
    const expected = new Map(
      [...state.groups.ema!.filter((a) => a.name !== 't'), ...state.groups.generator!.filter((a) => /\.(mean|var)$/.test(a.name))].map((a) => [a.name, a]),
    );
    expect(specs.map((s) => s.name).sort()).toEqual([...expected.keys()].sort());
    const bin = readFileSync(path.join(outDir, 'weights.bin'));
    let offset = 0;
    for (const s of specs) {
      const n = s.shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(bin.buffer.slice(bin.byteOffset + offset, bin.byteOffset + offset + n * 4));
      expect(s.shape, s.name).toEqual(expected.get(s.name)!.shape);
      expect(values, s.name).toEqual(expected.get(s.name)!.data);
      offset += n * 4;
    }
    expect(offset).toBe(bin.byteLength);

    const html = readFileSync(path.join(outDir, 'index.html'), 'utf8');
    expect(html).toContain('<title>Foxes &lt;in&gt; snow</title>');
    expect(html).toContain('<p>Photos: Jane Doe, CC BY 4.0</p>');
    expect(html).toContain('href="model-card.html"');
    expect(readFileSync(path.join(outDir, 'model-card.html'), 'utf8')).toBe('<p>card</p>');
    const readme = readFileSync(path.join(outDir, 'README.md'), 'utf8');
    expect(readme).toContain('# Foxes <in> snow');
    expect(readme).toContain("tags: ['red fox']");
    expect(readme).toContain('- Photos: Jane Doe, CC BY 4.0');
    const licence = readFileSync(path.join(outDir, 'tf.LICENSE.txt'), 'utf8');
    expect(licence).toContain('TensorFlow.js 4.22.0');
    expect(licence).toContain('Copyright 2024 Google LLC');
    expect(licence).toContain('END OF TERMS AND CONDITIONS');
  });

  it('accepts an empty folder and leaves out the model card when none is given', async () => {
    const outDir = path.join(root, 'empty');
    mkdirSync(outDir);
    const { files } = await exportWebGenerator({ checkpointDir: checkpoint, classes: CLASSES, outDir, title: 'T' });
    expect(files).not.toContain('model-card.html');
    expect(readFileSync(path.join(outDir, 'index.html'), 'utf8')).not.toContain('model-card.html');
  });

  it('refuses a folder that holds files, and leaves it as it was', async () => {
    const outDir = path.join(root, 'taken');
    mkdirSync(outDir);
    writeFileSync(path.join(outDir, 'notes.txt'), 'mine');
    await expect(exportWebGenerator({ checkpointDir: checkpoint, classes: CLASSES, outDir, title: 'T' })).rejects.toMatchObject({
      code: 'folder-not-empty',
      message: expect.stringContaining(outDir),
    });
    expect(readdirSync(outDir)).toEqual(['notes.txt']);
    expect(siblings(outDir)).toEqual([]);
  });

  it('refuses a missing checkpoint without creating the folder', async () => {
    const outDir = path.join(root, 'never');
    await expect(exportWebGenerator({ checkpointDir: path.join(root, 'no-such-checkpoint'), classes: [], outDir, title: 'T' })).rejects.toMatchObject({
      code: 'invalid-checkpoint',
      message: expect.stringContaining('no-such-checkpoint'),
    });
    expect(statSync(outDir, { throwIfNoEntry: false })).toBeUndefined();
    expect(siblings(outDir)).toEqual([]);
  });

  it('refuses tag names that do not match the model', async () => {
    const outDir = path.join(root, 'mismatch');
    await expect(exportWebGenerator({ checkpointDir: checkpoint, classes: ['red fox'], outDir, title: 'T' })).rejects.toMatchObject({
      code: 'invalid-input',
      message: expect.stringContaining('steered by 2 tags, but 1 tag names were given'),
    });
    expect(statSync(outDir, { throwIfNoEntry: false })).toBeUndefined();
  });
});

describe("generate.js's vectors", () => {
  interface GenerateJs {
    latentFor(seed: number, index: number, latentDim: number, truncation?: number): Float32Array;
    promptFor(tags: (string | { tag: string; weight: number })[], negative: string[], classes: string[]): unknown;
    conditionVector(prompt: unknown, classes: string[]): Float32Array;
  }
  let js: GenerateJs;

  beforeAll(async () => {
    const outDir = path.join(root, 'module');
    await exportWebGenerator({ checkpointDir: checkpoint, classes: CLASSES, outDir, title: 'T' });
    // .mjs: Node reads a plain .js outside any package as CommonJS.
    copyFileSync(path.join(outDir, 'generate.js'), path.join(root, 'generate.mjs'));
    js = (await import(pathToFileURL(path.join(root, 'generate.mjs')).href)) as GenerateJs;
  });

  it('draws the latent vectors the engine draws, bit for bit', () => {
    for (const seed of [0, 1, 42, 2 ** 31 - 1, 2 ** 40 + 3]) {
      for (const truncation of [undefined, 0.5, 2]) {
        for (const index of [0, 7]) expect(js.latentFor(seed, index, 100, truncation)).toEqual(latentFor(seed, index, 100, truncation));
      }
    }
  });

  it('builds the condition vector the engine builds from the same prompt', () => {
    const classes = ['red fox', 'Snow', 'night', 'text'];
    const ours = parsePrompt('Red  Fox:1.5, -text, snow, red fox:0.5', classes);
    expect(ours.ok).toBe(true);
    const theirs = js.promptFor([{ tag: 'Red  Fox', weight: 1.5 }, 'snow', { tag: 'red fox', weight: 0.5 }], ['text'], classes);
    expect(js.conditionVector(theirs, classes)).toEqual(conditionVector(ours.prompt, classes));
  });

  it('refuses what the prompt language refuses, naming the tag', () => {
    expect(() => js.promptFor(['wolf'], [], CLASSES)).toThrow("'wolf' is not a tag of this model (its tags are red fox, Snow).");
    expect(() => js.promptFor(['snow'], ['Snow'], CLASSES)).toThrow("'Snow' is both wanted and excluded.");
    expect(() => js.promptFor([{ tag: 'snow', weight: 11 }], [], CLASSES)).toThrow('at most 10');
  });
});
