// "A model for the web": a trained checkpoint as a folder a web developer drops on any static
// server. It holds what drawing needs and nothing else: model.json (a tfjs weights manifest plus
// the architecture), weights.bin (float32, the EMA generator when there is one, with BatchNorm's
// running statistics from the live generator; a VAE's decoder), generate.js (the latent vectors,
// condition vector and forward pass re-implemented on the global tf), tf.min.js with its licence,
// index.html and a README. Written to a temporary sibling folder and renamed into place at the end,
// so a failure leaves no half-written folder.
import { createRequire } from 'node:module';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { initBackend } from '../ml/backend.js';
import { loadCheckpoint } from '../ml/checkpoint.js';
import { EMA_STEP_ENTRY } from '../ml/ema.js';
import { buildGenerator, type NamedArray, type Network } from '../ml/models/dcgan.js';
import { buildVae } from '../ml/models/vae.js';
import type { TrainState } from '../ml/types.js';
import { AtelierError } from '../errors.js';
import { APACHE_2_0 } from './web/apache-2.0.js';
import { GENERATE_JS } from './web/generate-js.js';
import { indexHtml } from './web/index-html.js';

export interface WebGeneratorOptions {
  checkpointDir: string;
  /** The run's tag vocabulary in condition-vector order; empty for an unconditional model. */
  classes: string[];
  /** The folder to create; it must not exist yet, or be empty. */
  outDir: string;
  title: string;
  /** Written as model-card.html and linked from the page. */
  modelCardHtml?: string;
  /** Credit and licence lines (datasets, authors), shown on the page and in the README. */
  credits?: string[];
  onProgress?: (done: number, total: number, message: string) => void;
}

export interface WebGeneratorExport {
  dir: string;
  /** Paths inside `dir`, sorted. */
  files: string[];
  bytes: number;
}

/** model.json's format name and version; generate.js refuses anything else. */
export const WEB_GENERATOR_FORMAT = 'atelier.web-generator';
export const WEB_GENERATOR_VERSION = 1;

/** What model.json holds besides the weights manifest (generate.js reads exactly these). */
export interface WebModelJson {
  format: typeof WEB_GENERATOR_FORMAT;
  version: typeof WEB_GENERATOR_VERSION;
  title: string;
  family: TrainState['config']['family'];
  size: number;
  latentDim: number;
  width: number;
  upsample: 'transposed' | 'resize';
  /** Tag names in condition-vector order; empty when unconditional. */
  classes: string[];
  /** Training steps of the checkpoint. */
  step: number;
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: 'float32' }[] }[];
}

const STEPS = [
  'Reading the checkpoint',
  'Choosing the weights drawing needs',
  'Writing the weights',
  'Copying TensorFlow.js',
  'Writing the page',
  'Moving the folder into place',
];

export async function exportWebGenerator(opts: WebGeneratorOptions): Promise<WebGeneratorExport> {
  const target = path.resolve(opts.outDir);
  const progress = (done: number) => opts.onProgress?.(done, STEPS.length, done < STEPS.length ? STEPS[done]! : 'Done');
  await refuseNonEmpty(target);
  const title = opts.title.trim();
  if (!title) throw new AtelierError('invalid-input', 'A web export needs a title for its page.');

  progress(0);
  const state = await loadCheckpoint(opts.checkpointDir);
  progress(1);
  const { model, data } = await drawingWeights(state, opts.classes, title);

  const parent = path.dirname(target);
  await fs.mkdir(parent, { recursive: true });
  const tmp = await fs.mkdtemp(path.join(parent, `.${path.basename(target)}.tmp-`));
  try {
    const write = (name: string, content: string | Uint8Array) => fs.writeFile(path.join(tmp, name), content);
    progress(2);
    await write('weights.bin', data);
    await write('model.json', `${JSON.stringify(model, null, 1)}\n`);
    progress(3);
    const tfjs = tfjsDist();
    await fs.copyFile(tfjs.file, path.join(tmp, 'tf.min.js'));
    await write('tf.LICENSE.txt', await tfjsLicence(tfjs));
    progress(4);
    const credits = (opts.credits ?? []).map((c) => c.trim()).filter(Boolean);
    await write('generate.js', GENERATE_JS);
    await write('index.html', indexHtml({ title, modelCard: opts.modelCardHtml !== undefined, credits }));
    await write('README.md', readme(model, credits, opts.modelCardHtml !== undefined));
    if (opts.modelCardHtml !== undefined) await write('model-card.html', opts.modelCardHtml);
    progress(5);
    // Checked again: something may have been put there while the weights were written.
    await refuseNonEmpty(target);
    await fs.rmdir(target).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  const files = (await fs.readdir(target)).sort();
  let bytes = 0;
  for (const f of files) bytes += (await fs.stat(path.join(target, f))).size;
  progress(STEPS.length);
  return { dir: target, files, bytes };
}

/** Throws unless `dir` is missing or an empty folder. */
async function refuseNonEmpty(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new AtelierError('not-a-folder', `${dir} is a file; choose a new folder for the web export.`);
    throw err;
  }
  if (names.length > 0) {
    throw new AtelierError(
      'folder-not-empty',
      `${dir} already holds ${names.length === 1 ? 'a file' : `${names.length} files`}; choose a new or empty folder for the web export.`,
    );
  }
}

/**
 * The arrays the engine draws with, chosen as ml/generator.ts loadGenerator chooses them (EMA
 * parameters with the live generator's BatchNorm statistics; a VAE's decoder), loaded into the
 * engine's own network first so a checkpoint that does not fit fails here with the engine's message.
 */
async function drawingWeights(state: TrainState, classes: readonly string[], title: string): Promise<{ model: WebModelJson; data: Uint8Array }> {
  const { family, size, latentDim, width, gUpsample } = state.config;
  const conditional = family === 'dcgan' ? 0 : state.config.classes;
  if (conditional > 0 && classes.length !== conditional) {
    throw new AtelierError(
      'invalid-input',
      `The checkpoint's model is steered by ${conditional} tags, but ${classes.length} tag names were given for the web export; pass the run's tags in condition-vector order.`,
    );
  }
  await initBackend();
  let arrays: NamedArray[];
  if (family === 'vae') {
    const vae = buildVae({ size, latentDim, width, classes: conditional });
    arrays = (await loadAndRead(vae, state.groups.vae ?? [], 'VAE'))
      .filter((a) => a.name.startsWith('dec.'))
      .map((a) => ({ ...a, name: a.name.slice('dec.'.length) }));
  } else {
    const g = buildGenerator({ latentDim, size, width, classes: conditional, upsample: gUpsample });
    const live = state.groups.generator ?? [];
    const ema = state.groups.ema?.filter((a) => a.name !== EMA_STEP_ENTRY);
    arrays = await loadAndRead(g, ema ? [...ema, ...live.filter((a) => g.stats.has(a.name))] : live, 'generator');
  }
  const data = new Uint8Array(arrays.reduce((n, a) => n + a.data.byteLength, 0));
  let offset = 0;
  for (const a of arrays) {
    data.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), offset);
    offset += a.data.byteLength;
  }
  const model: WebModelJson = {
    format: WEB_GENERATOR_FORMAT,
    version: WEB_GENERATOR_VERSION,
    title,
    family,
    size,
    latentDim,
    width,
    // A VAE's decoder always upsamples with transposed convolutions (ml/models/vae.ts).
    upsample: family === 'vae' ? 'transposed' : gUpsample,
    classes: conditional > 0 ? [...classes] : [],
    step: state.step,
    weightsManifest: [{ paths: ['weights.bin'], weights: arrays.map((a) => ({ name: a.name, shape: a.shape, dtype: 'float32' })) }],
  };
  return { model, data };
}

async function loadAndRead(net: Network<unknown>, arrays: readonly NamedArray[], what: string): Promise<NamedArray[]> {
  try {
    net.load(arrays);
    return await net.read();
  } catch (err) {
    throw new AtelierError('incompatible-checkpoint', `The checkpoint's ${what} weights do not fit its own configuration: ${(err as Error).message}`);
  } finally {
    net.dispose();
  }
}

/** The browser build of the TensorFlow.js the engine runs on (same version, so the same ops). */
function tfjsDist(): { file: string; version: string } {
  const require = createRequire(import.meta.url);
  const pkgFile = require.resolve('@tensorflow/tfjs/package.json');
  const { version } = JSON.parse(readFileSync(pkgFile, 'utf8')) as { version: string };
  return { file: path.join(path.dirname(pkgFile), 'dist', 'tf.min.js'), version };
}

/** tf.min.js's own copyright notice (its leading @license comment) and the Apache License it names. */
async function tfjsLicence(tfjs: { file: string; version: string }): Promise<string> {
  const fh = await fs.open(tfjs.file, 'r');
  let head: string;
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
  const notice = /^\/\*\*([\s\S]*?)\*\//.exec(head)?.[1];
  const lines = (notice ?? '')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, '').trimEnd())
    .filter((l) => l && l !== '@license');
  return [
    `tf.min.js is TensorFlow.js ${tfjs.version} (https://github.com/tensorflow/tfjs), unmodified.`,
    '',
    ...(lines.length ? lines : ['Copyright Google LLC. Licensed under the Apache License, Version 2.0.']),
    '',
    '-----------------------------------------------------------------------------',
    '',
    APACHE_2_0,
  ].join('\n');
}

function readme(model: WebModelJson, credits: readonly string[], modelCard: boolean): string {
  const kind = { dcgan: 'GAN', cgan: 'conditional GAN', vae: 'variational autoencoder (its decoder)' }[model.family];
  const tagLine = model.classes.length ? `It is steered by ${model.classes.length} tags: ${model.classes.join(', ')}.` : 'It takes no tags.';
  const example = model.classes.length
    ? `generator.generate({ seed: 42, count: 4, tags: ['${model.classes[0]!.replace(/'/g, "\\'")}'], truncation: 0.8 })`
    : 'generator.generate({ seed: 42, count: 4, truncation: 0.8 })';
  return `# ${model.title}

A ${model.size}×${model.size} ${kind} exported from Atelier, ready to draw in a web page. ${tagLine}

Serve this folder from any static web server and open \`index.html\`, e.g.

    npx serve .        # or: python3 -m http.server

(Opened straight from disk as a file, browsers refuse to load the weights.)

## Using generate.js in your own page

\`generate.js\` is a plain ES module with no dependencies of its own; it uses TensorFlow.js as the
global \`tf\`, so load \`tf.min.js\` first:

\`\`\`html
<script src="tf.min.js"></script>
<script type="module">
  import { loadGenerator } from './generate.js';
  const generator = await loadGenerator('model.json');
  const images = await ${example};
  const canvas = document.querySelector('canvas');
  canvas.width = canvas.height = generator.size;
  canvas.getContext('2d').putImageData(images[0], 0, 0);
</script>
\`\`\`

- \`loadGenerator(url, { backend })\` loads \`model.json\` and \`weights.bin\`; \`backend\` picks a
  TensorFlow.js backend ('webgl', 'cpu'), tf's own choice otherwise.
- \`generator.size\`, \`generator.classes\` (the tag names), \`generator.family\`, \`generator.dispose()\`.
- \`generator.generate({ seed, count, start, tags, negative, truncation })\` resolves to one
  \`ImageData\` (RGBA) per image. \`tags\` are names or \`{ tag, weight }\` (weight in (0, 10]);
  \`negative\` names tags to steer away from. Image \`i\` depends only on the seed, \`start + i\`, the
  tags, the truncation and the weights: the same request gives the picture Atelier draws (up to a
  byte or two of GPU rounding in a few pixels).
- Also exported: \`latentFor(seed, index, latentDim, truncation)\`, \`conditionVector\`, \`toBytes\`.

## Files

- \`model.json\`: the architecture and a TensorFlow.js weights manifest; \`weights.bin\`: the float32 weights.
- \`generate.js\`, \`index.html\`: the drawing code and the demo page.
- \`tf.min.js\`: TensorFlow.js, under the Apache License 2.0 (\`tf.LICENSE.txt\`).${modelCard ? '\n- `model-card.html`: what the model was trained on and how it was measured.' : ''}
${credits.length ? `\n## Credits and licences\n\n${credits.map((c) => `- ${c}`).join('\n')}\n` : ''}`;
}
