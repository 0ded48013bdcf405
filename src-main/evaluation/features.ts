// The embedding every score is computed on: nsfwjs's bundled MobileNetV2 (docs/evaluation.md
// says why), cut after its last convolution and averaged over space to 1280 numbers, at
// 160×160 input. Images are embedded in batches; project images once, through the cache.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FeatureStore } from '../store/features';
import { initBackend, tf } from '../ml/backend';
import { openImage } from '../datasets/training-set';
import { AtelierError } from '../errors';
import type { FeatureMatrix } from './metrics';

/** Input side the network sees; our 32–64 px images are resized up to it. */
export const EMBED_SIZE = 160;
export const FEATURE_DIM = 1280;
/** Layer whose output is pooled: MobileNetV2's last ReLU6, before nsfwjs's classifier head. */
const FEATURE_LAYER = 'out_relu';
const BATCH = 32;

/** An RGB image, HWC, one byte a channel. */
export interface RgbImage {
  pixels: Uint8Array;
  width: number;
  height: number;
}

function nsfwjsDir(): string {
  const require = createRequire(import.meta.url);
  // The package's exports hide package.json and the model files; its main entry finds them.
  return join(dirname(require.resolve('nsfwjs')), '..', '..');
}

let version: string | undefined;
/**
 * Names the ruler: network, the package its weights come from, input size, pooling. Cached
 * features are keyed by it, so changing any of these re-embeds rather than mixing rulers.
 */
export function embeddingVersion(): string {
  version ??= `mobilenet_v2@nsfwjs-${(JSON.parse(readFileSync(join(nsfwjsDir(), 'package.json'), 'utf8')) as { version: string }).version}/${EMBED_SIZE}/gap`;
  return version;
}

interface KerasLayer {
  name: string;
  config: { batch_input_shape?: (number | null)[] };
}

/** The bundled model files as tfjs artifacts: the topology cut at FEATURE_LAYER, any input size. */
function artifacts(): tf.io.ModelArtifacts {
  const require = createRequire(import.meta.url);
  const dir = join(nsfwjsDir(), 'dist', 'models', 'mobilenet_v2');
  // model.min.js exports the model.json object; each shard exports its weights as base64.
  const json = require(join(dir, 'model.min.js')) as {
    modelTopology: { model_config: { config: { layers: KerasLayer[]; output_layers: unknown[] } } };
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const topology = structuredClone(json.modelTopology);
  const config = topology.model_config.config;
  const cut = config.layers.findIndex((l) => l.name === FEATURE_LAYER);
  if (cut < 0) throw new AtelierError('internal', `The bundled MobileNetV2 has no layer ${FEATURE_LAYER}.`);
  config.layers = config.layers.slice(0, cut + 1);
  config.layers[0]!.config.batch_input_shape = [null, null, null, 3];
  config.output_layers = [[FEATURE_LAYER, 0, 0]];
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Buffer[] = [];
  for (const group of json.weightsManifest) {
    for (const path of group.paths) parts.push(Buffer.from(require(join(dir, `${path}.min.js`)) as string, 'base64'));
    specs.push(...group.weights);
  }
  const all = Buffer.concat(parts);
  // Every weight stays in the data (offsets depend on it); tfjs ignores the ones no layer asks for.
  return {
    modelTopology: topology as unknown as object,
    weightSpecs: specs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
  };
}

let model: Promise<tf.LayersModel> | undefined;
/** The feature network, loaded once per process from the nsfwjs package (nothing is fetched). */
export function loadEmbedding(): Promise<tf.LayersModel> {
  model ??= (async () => {
    await initBackend();
    return tf.loadLayersModel(tf.io.fromMemory(artifacts()), { strict: false });
  })().catch((error: unknown) => {
    model = undefined;
    throw error;
  });
  return model;
}

/**
 * Embeds images of any sizes: each is scaled to [0, 1] as nsfwjs does, resized (bilinear) to
 * EMBED_SIZE, and run in batches. Returns one FEATURE_DIM row per image; no tensor outlives a batch.
 */
export async function embedImages(images: readonly RgbImage[], options: { onProgress?(done: number, total: number): void } = {}): Promise<FeatureMatrix> {
  const net = await loadEmbedding();
  const data = new Float32Array(images.length * FEATURE_DIM);
  for (let start = 0; start < images.length; start += BATCH) {
    const batch = images.slice(start, start + BATCH);
    const out = tf.tidy(() => {
      const x = tf
        .stack(
          batch.map((img) => {
            if (img.pixels.length !== img.width * img.height * 3)
              throw new AtelierError('invalid-input', `An image of ${img.width}×${img.height} needs ${img.width * img.height * 3} RGB bytes.`);
            const t = tf.tensor3d(img.pixels, [img.height, img.width, 3], 'int32').toFloat();
            return img.width === EMBED_SIZE && img.height === EMBED_SIZE ? t : tf.image.resizeBilinear(t, [EMBED_SIZE, EMBED_SIZE]);
          }),
        )
        .div(255);
      return (net.predict(x) as tf.Tensor4D).mean([1, 2]);
    });
    data.set(await out.data(), start * FEATURE_DIM);
    out.dispose();
    options.onProgress?.(Math.min(start + BATCH, images.length), images.length);
  }
  return { rows: images.length, dim: FEATURE_DIM, data };
}

/** Views into a packed NHWC RGB buffer of `count` square images (trainingPixels' layout), no copy. */
export function unpack(pixels: Uint8Array, count: number, size: number): RgbImage[] {
  const stride = size * size * 3;
  if (pixels.length < count * stride)
    throw new AtelierError('invalid-input', `${count} images of ${size}×${size} need ${count * stride} bytes, got ${pixels.length}.`);
  return Array.from({ length: count }, (_, i) => ({ pixels: pixels.subarray(i * stride, (i + 1) * stride), width: size, height: size }));
}

/** How an image is prepared before embedding; part of the cache key. */
export interface View {
  /** The training resolution: originals are seen as the model trained on them. */
  size: number;
  /** Transparency is composited on this colour, as training does. */
  background: string;
}

export function viewKey(view: View): string {
  return `${view.size}px on ${view.background.toLowerCase()}`;
}

/**
 * An original (a path or PNG/JPEG/SVG bytes) prepared the way training sees it: composited on
 * the background and resized to the training size with the same kernel and fit, so a sample
 * and a training image are compared at the same resolution.
 */
export async function decodeImage(input: string | Uint8Array, view: View, svg = typeof input === 'string' && input.endsWith('.svg')): Promise<RgbImage> {
  const { data, info } = await openImage(input, svg)
    .flatten({ background: view.background })
    .resize(view.size, view.size, { fit: 'contain', background: view.background, kernel: 'lanczos3' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

/** One image to embed through the cache: its content hash and how to get its pixels if not cached. */
export interface CachedSource {
  hash: string;
  image(): RgbImage | Promise<RgbImage>;
}

/**
 * Features of images known by content hash: cached rows are read, the rest embedded and stored,
 * so project images are embedded once per embedding version and view.
 */
export async function cachedFeatures(
  store: FeatureStore,
  sources: readonly CachedSource[],
  view: View,
  options: { onProgress?(done: number, total: number): void } = {},
): Promise<FeatureMatrix & { embedded: number }> {
  const key = { embedding: embeddingVersion(), view: viewKey(view) };
  const found = store.get(
    sources.map((s) => s.hash),
    key,
  );
  const missing = [...new Set(sources.filter((s) => !found.has(s.hash)).map((s) => s.hash))];
  const bySource = new Map(sources.map((s) => [s.hash, s]));
  // In chunks, so a long first embedding is saved as it goes and memory holds one chunk of pixels.
  const CHUNK = 256;
  for (let i = 0; i < missing.length; i += CHUNK) {
    const hashes = missing.slice(i, i + CHUNK);
    const images = await Promise.all(hashes.map((h) => bySource.get(h)!.image()));
    const f = await embedImages(images, { onProgress: (done) => options.onProgress?.(sources.length - missing.length + i + done, sources.length) });
    const rows = hashes.map((hash, j) => ({ hash, features: f.data.slice(j * FEATURE_DIM, (j + 1) * FEATURE_DIM) }));
    store.put(rows, key);
    for (const r of rows) found.set(r.hash, r.features);
  }
  const data = new Float32Array(sources.length * FEATURE_DIM);
  sources.forEach((s, i) => data.set(found.get(s.hash)!, i * FEATURE_DIM));
  return { rows: sources.length, dim: FEATURE_DIM, data, embedded: missing.length };
}
