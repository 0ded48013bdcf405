// The generate.js every web export carries: a plain ES module (no build step, no imports; it uses
// the global tf from tf.min.js) that re-implements what drawing needs from the engine, for the
// browser: the latent vectors (ml/random.ts, ml/generator.ts latentFor), the condition vector
// (generate/prompt.ts conditionVector), the generator's forward pass (ml/models/dcgan.ts
// decoderForward, the VAE's decoder in ml/models/vae.ts) and toBytes. A string here rather than a
// file beside it, so it ships inside the engine bundle; test/e2e/web-export.spec.ts checks that its
// pixels match the engine's, and test/unit/bundles/web-generator.test.ts that its latent and
// condition vectors are the engine's exactly. It holds no backquotes or dollar-braces, so String.raw keeps it verbatim.
export const GENERATE_JS = String.raw`// generate.js: draws images from an Atelier model in a web page, with no build step.
//
//   <script src="tf.min.js"></script>
//   <script type="module">
//     import { loadGenerator } from './generate.js';
//     const generator = await loadGenerator('model.json');
//     const images = await generator.generate({ seed: 42, count: 4, tags: ['fox'], truncation: 0.8 });
//     canvas.getContext('2d').putImageData(images[0], 0, 0);
//   </script>
//
// TensorFlow.js is the global 'tf' from tf.min.js (loaded by the classic script tag above). Image i
// of a request depends only on (seed, i), the tags, the truncation and the weights: the latent
// vector is drawn by the same seeded generator as in Atelier, bit for bit, and BatchNorm uses its
// running averages, so the studio and this page draw the same picture for the same request (up to
// float rounding on the GPU: a byte or two in a few pixels).

const FORMAT = 'atelier.web-generator';
const VERSION = 1;
const BN_EPS = 1e-5;
/** What an excluded tag contributes to the condition vector ("away from", as strongly as a plain tag pulls towards). */
export const NEGATIVE_CONDITION = -1;
/** The largest weight a tag may have, as in Atelier's prompts. */
export const MAX_WEIGHT = 10;
/** Images per forward pass: memory vs speed; it never changes the pictures. */
const BATCH = 16;

function tfjs() {
  const tf = globalThis.tf;
  if (!tf) throw new Error('generate.js needs TensorFlow.js as the global tf: load tf.min.js with a <script> tag before importing generate.js.');
  return tf;
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness, identical to Atelier's (src-main/ml/random.ts).

/** Mixes integers into one 32-bit seed (splitmix-style finaliser per part). */
export function hashSeed(...parts) {
  let h = 0x9e3779b9;
  for (const p of parts) {
    let x = (Math.floor(p) ^ h) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
    h = (x ^ (x >>> 16) ^ Math.imul(h, 0x27d4eb2d)) >>> 0;
    // Fold in the high bits of large (up to 2^53) integers too.
    const high = Math.floor(p / 4294967296) >>> 0;
    if (high) h = hashSeed(h, high);
  }
  return h >>> 0;
}

/** Small fast PRNG (mulberry32) with uniform and normal draws. */
export class Rng {
  constructor(seed) {
    this.state = seed >>> 0;
    this.spare = undefined;
  }

  /** Uniform in [0, 1). */
  next() {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box–Muller, both values used). */
  normal() {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u <= Number.EPSILON) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  normalArray(n, mean = 0, std = 1) {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** Normal draws with |x| ≤ limit (resampled), for the truncation trick. */
  truncatedNormalArray(n, limit) {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let x = this.normal();
      while (Math.abs(x) > limit) x = this.normal();
      out[i] = x;
    }
    return out;
  }
}

/** The latent vector of image 'index' for 'seed'; truncation undefined or null = untruncated. */
export function latentFor(seed, index, latentDim, truncation) {
  const rng = new Rng(hashSeed(seed, 0x9e11, index));
  return truncation === undefined || truncation === null ? rng.normalArray(latentDim) : rng.truncatedNormalArray(latentDim, truncation);
}

// ---------------------------------------------------------------------------------------------
// Tags → condition vector, as Atelier's prompts do it (src-main/generate/prompt.ts).

/** Lowercase, runs of whitespace as one space: the form tags are matched in. */
export function normaliseTag(name) {
  return String(name).trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * The weighted multi-hot vector over the model's classes for a prompt
 * { tags: [{ tag, weight }], negative: [tag] }: each wanted tag's weight at its class,
 * NEGATIVE_CONDITION at each excluded tag's class, 0 elsewhere. Tags the model does not know are
 * left out here; generate() refuses them before it gets this far.
 */
export function conditionVector(prompt, classes) {
  const index = new Map();
  classes.forEach((c, i) => {
    const key = normaliseTag(c);
    if (!index.has(key)) index.set(key, i);
  });
  const vector = new Float32Array(classes.length);
  for (const { tag, weight } of prompt.tags) {
    const i = index.get(normaliseTag(tag));
    if (i !== undefined) vector[i] = weight;
  }
  for (const tag of prompt.negative) {
    const i = index.get(normaliseTag(tag));
    if (i !== undefined) vector[i] = NEGATIVE_CONDITION;
  }
  return vector;
}

/**
 * 'tags' (names, or { tag, weight }) and 'negative' (names) checked against the model's classes,
 * as Atelier's prompt parser checks them: known tags only, weights in (0, MAX_WEIGHT], a repeated
 * tag adds its weights, no tag both wanted and excluded.
 */
export function promptFor(tags, negative, classes) {
  const index = new Map();
  for (const c of classes) if (!index.has(normaliseTag(c))) index.set(normaliseTag(c), c);
  const known = (name) => {
    const tag = index.get(normaliseTag(name));
    if (tag === undefined) {
      const list = classes.length ? 'its tags are ' + classes.join(', ') : 'it takes no tags';
      throw new Error("'" + name + "' is not a tag of this model (" + list + ').');
    }
    return tag;
  };
  const wanted = new Map();
  for (const t of tags) {
    const name = typeof t === 'string' ? t : t.tag;
    const weight = typeof t === 'string' ? 1 : (t.weight ?? 1);
    const tag = known(name);
    if (!(typeof weight === 'number' && weight > 0 && weight <= MAX_WEIGHT)) {
      throw new Error("The weight of '" + tag + "' must be a number more than 0 and at most " + MAX_WEIGHT + '; got ' + weight + '.');
    }
    const key = normaliseTag(tag);
    const seen = wanted.get(key);
    if (seen && seen.weight + weight > MAX_WEIGHT) {
      throw new Error("'" + tag + "' is repeated and its weights add up to " + (seen.weight + weight) + '; the most is ' + MAX_WEIGHT + '.');
    }
    if (seen) seen.weight += weight;
    else wanted.set(key, { tag, weight });
  }
  const excluded = new Map();
  for (const name of negative) {
    const tag = known(name);
    const key = normaliseTag(tag);
    if (wanted.has(key)) throw new Error("'" + tag + "' is both wanted and excluded.");
    excluded.set(key, tag);
  }
  return { tags: [...wanted.values()], negative: [...excluded.values()] };
}

// ---------------------------------------------------------------------------------------------
// Pixels.

/** [−1, 1] floats → 0..255 bytes, rounded as Atelier rounds them. */
export function toBytes(values) {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.round(((values[i] + 1) / 2) * 255);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}

/** RGB bytes of one image → RGBA (opaque), what ImageData and canvases hold. */
export function rgbToRgba(rgb) {
  const out = new Uint8ClampedArray((rgb.length / 3) * 4);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    out[j] = rgb[i];
    out[j + 1] = rgb[i + 1];
    out[j + 2] = rgb[i + 2];
    out[j + 3] = 255;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The network: Atelier's generator (src-main/ml/models/dcgan.ts), or a VAE's decoder, which is the
// same stack. Layer names are the checkpoint's ('dec.' dropped for a VAE's decoder).
//   Linear(z [+ condition] → 4·4·C, no bias) → BN → ReLU → [up ×2 → BN → ReLU] × (steps − 1) → up ×2 (→ 3, bias) → tanh
// where "up ×2" is a 4×4 stride-2 transposed convolution, or (upsample 'resize') nearest ×2 then a
// 3×3 convolution. BatchNorm uses its running averages. A conditional GAN feeds concat(z, c·embed.w);
// a conditional VAE concat(z, c).

function forward(tf, model, w, z, cond) {
  const { size, width, upsample } = model;
  const steps = Math.log2(size / 4);
  const channels = (i) => width * 2 ** (steps - 1 - i);
  const n = z.shape[0];
  let h = z;
  if (cond) h = tf.concat([z, model.family === 'cgan' ? tf.matMul(cond, w['embed.w']) : cond], 1);
  const bn = (x, name) => tf.batchNorm4d(x, w[name + '.mean'], w[name + '.var'], w[name + '.beta'], w[name + '.gamma'], BN_EPS);
  const up = (x, filter, outChannels) => {
    const s = x.shape[1] * 2;
    if (upsample === 'resize') return tf.conv2d(tf.image.resizeNearestNeighbor(x, [s, s]), filter, 1, 'same');
    return tf.conv2dTranspose(x, filter, [n, s, s, outChannels], 2, 'same');
  };
  let x = tf.reshape(tf.matMul(h, w['fc.w']), [n, 4, 4, channels(0)]);
  x = tf.relu(bn(x, 'bn0'));
  for (let i = 1; i < steps; i++) x = tf.relu(bn(up(x, w['up' + i + '.w'], channels(i)), 'bn' + i));
  return tf.tanh(tf.add(up(x, w['out.w'], 3), w['out.b']));
}

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error('Could not load ' + url + ': the server answered ' + response.status + ' ' + response.statusText + '.');
  return response;
}

/**
 * Loads model.json (and the weights.bin it names) from 'url', relative to the page.
 * options.backend: a TensorFlow.js backend to use ('webgl', 'cpu', …); the default is tf's choice.
 * Resolves to { title, family, size, latentDim, classes, generate(request), dispose() }.
 */
export async function loadGenerator(url = 'model.json', options = {}) {
  const tf = tfjs();
  if (options.backend && !(await tf.setBackend(options.backend))) throw new Error('TensorFlow.js backend ' + options.backend + ' could not start here.');
  await tf.ready();
  const base = globalThis.location ? new URL(url, globalThis.location.href) : new URL(url);
  const model = await (await fetchOk(base)).json();
  if (model.format !== FORMAT || model.version !== VERSION) {
    throw new Error(base + ' is not an Atelier web generator (' + FORMAT + ' v' + VERSION + '); it says ' + model.format + ' v' + model.version + '.');
  }
  const weights = {};
  for (const group of model.weightsManifest) {
    const parts = await Promise.all(group.paths.map(async (p) => new Uint8Array(await (await fetchOk(new URL(p, base))).arrayBuffer())));
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let offset = 0;
    for (const p of parts) {
      bytes.set(p, offset);
      offset += p.byteLength;
    }
    const needed = group.weights.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
    if (bytes.byteLength !== needed) throw new Error(group.paths.join(', ') + ' has ' + bytes.byteLength + ' bytes; model.json needs ' + needed + '.');
    Object.assign(weights, tf.io.decodeWeights(bytes.buffer, group.weights));
  }
  const classes = model.classes;
  const conditional = classes.length > 0;
  let disposed = false;

  /**
   * request: { seed = 0, count = 1, start = 0, tags = [], negative = [], truncation }.
   * Image i is the one Atelier draws as image start + i for this seed. Resolves to one ImageData
   * (RGBA, size × size) per image.
   */
  async function generate(request = {}) {
    if (disposed) throw new Error('This generator was disposed.');
    const { seed = 0, count = 1, start = 0, tags = [], negative = [], truncation } = request;
    if (!Number.isInteger(seed)) throw new RangeError('seed must be an integer, got ' + seed + '.');
    if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be a whole number ≥ 0, got ' + count + '.');
    if (!Number.isInteger(start) || start < 0) throw new RangeError('start must be a whole number ≥ 0, got ' + start + '.');
    if (truncation !== undefined && truncation !== null && !(truncation > 0)) throw new RangeError('truncation must be > 0, got ' + truncation + '.');
    if (!conditional && (tags.length || negative.length)) throw new Error('This model is unconditional: it takes no tags.');
    const cond = conditional ? conditionVector(promptFor(tags, negative, classes), classes) : null;
    const { size, latentDim } = model;
    const per = size * size * 3;
    const images = [];
    for (let from = 0; from < count; from += BATCH) {
      const n = Math.min(BATCH, count - from);
      const z = new Float32Array(n * latentDim);
      for (let j = 0; j < n; j++) z.set(latentFor(seed, start + from + j, latentDim, truncation), j * latentDim);
      const c = cond ? new Float32Array(n * classes.length) : null;
      for (let j = 0; c && j < n; j++) c.set(cond, j * classes.length);
      const out = tf.tidy(() => forward(tf, model, weights, tf.tensor2d(z, [n, latentDim]), c ? tf.tensor2d(c, [n, classes.length]) : null));
      let values;
      try {
        values = await out.data();
      } finally {
        out.dispose();
      }
      const bytes = toBytes(values);
      for (let j = 0; j < n; j++) {
        const rgba = rgbToRgba(bytes.subarray(j * per, (j + 1) * per));
        images.push(typeof ImageData === 'function' ? new ImageData(rgba, size, size) : { data: rgba, width: size, height: size });
      }
    }
    return images;
  }

  return {
    title: model.title,
    family: model.family,
    size: model.size,
    latentDim: model.latentDim,
    classes: [...classes],
    generate,
    dispose() {
      disposed = true;
      for (const t of Object.values(weights)) t.dispose();
    },
  };
}
`;
