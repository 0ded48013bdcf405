// The embedding every score is computed on: nsfwjs's bundled MobileNetV2 (docs/evaluation.md
// says why), cut after its last convolution and averaged over space to 1280 numbers, at
// 160×160 input. Images are embedded in batches; project images once, through the cache.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { initBackend, tf } from '../ml/backend';
import { openImage } from '../datasets/training-set';
import { AtelierError } from '../errors';
import { squaredPixelDistance, type FeatureMatrix } from './metrics';

import { EMBED_SIZE, embeddingVersion, nsfwjsDir, viewKey, type View } from './ruler';

export { EMBED_SIZE, embeddingVersion, viewKey, type View } from './ruler';
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

/** The feature cache as the yardstick uses it: the project's store, or a job's read-only view that sends new rows to the engine. */
export interface FeatureCache {
  get(hashes: readonly string[], key: { embedding: string; view: string }): Map<string, Float32Array>;
  put(rows: readonly { hash: string; features: Float32Array }[], key: { embedding: string; view: string }): void;
}

/** One image to embed through the cache: its content hash and how to get its pixels if not cached. */
export interface CachedSource {
  hash: string;
  image(): RgbImage | Promise<RgbImage>;
}

/**
 * Features of images known by content hash: cached rows are read, the rest embedded and stored,
 * so project images are embedded once per embedding version and view. An image that cannot be
 * decoded (damaged since import) is left out and reported through `onSkip`: `kept` lists the
 * sources that have a row, in order.
 */
export async function cachedFeatures(
  store: FeatureCache,
  sources: readonly CachedSource[],
  view: View,
  options: { onProgress?(done: number, total: number): void; onSkip?(hash: string, reason: string): void } = {},
): Promise<FeatureMatrix & { embedded: number; kept: number[] }> {
  const key = { embedding: embeddingVersion(), view: viewKey(view) };
  const found = store.get(
    sources.map((s) => s.hash),
    key,
  );
  const missing = [...new Set(sources.filter((s) => !found.has(s.hash)).map((s) => s.hash))];
  const bySource = new Map(sources.map((s) => [s.hash, s]));
  // In chunks, so a long first embedding is saved as it goes and memory holds one chunk of pixels.
  const CHUNK = 256;
  let embedded = 0;
  for (let i = 0; i < missing.length; i += CHUNK) {
    const decoded = await Promise.all(
      missing.slice(i, i + CHUNK).map(async (hash) => {
        try {
          return { hash, image: await bySource.get(hash)!.image() };
        } catch (error) {
          options.onSkip?.(hash, String((error as Error)?.message ?? error).split('\n')[0]!);
          return null;
        }
      }),
    );
    const ok = decoded.filter((d): d is { hash: string; image: RgbImage } => d !== null);
    const f = await embedImages(
      ok.map((d) => d.image),
      { onProgress: (done) => options.onProgress?.(sources.length - missing.length + i + done, sources.length) },
    );
    const rows = ok.map((d, j) => ({ hash: d.hash, features: f.data.slice(j * FEATURE_DIM, (j + 1) * FEATURE_DIM) }));
    if (rows.length) store.put(rows, key);
    for (const r of rows) found.set(r.hash, r.features);
    embedded += rows.length;
  }
  const kept = sources.map((s, i) => (found.has(s.hash) ? i : -1)).filter((i) => i >= 0);
  const data = new Float32Array(kept.length * FEATURE_DIM);
  kept.forEach((s, i) => data.set(found.get(sources[s]!.hash)!, i * FEATURE_DIM));
  return { rows: kept.length, dim: FEATURE_DIM, data, embedded, kept };
}
/** Features of image files known by content hash (project images, decoded as training sees them), through the cache. */
export function fileFeatures(
  cache: FeatureCache,
  files: readonly { path: string; hash: string }[],
  view: View,
  options: Parameters<typeof cachedFeatures>[3] = {},
): ReturnType<typeof cachedFeatures> {
  return cachedFeatures(
    cache,
    files.map((f) => ({ hash: f.hash, image: () => decodeImage(f.path, view) })),
    view,
    options,
  );
}

/** Rows of a matrix in float32 (features, or pixels scaled to [0, 1]). */
export interface Rows {
  rows: number;
  dim: number;
  data: Float32Array;
}

/**
 * For each row of `a`, its `k` nearest rows of `b` by Euclidean distance, best first: ‖a‖² + ‖b‖²
 * − 2a·b with one matMul per chunk of `a` on the tfjs backend (tens of times faster than a JS
 * loop for 1,000 × 3,000 × 1,280). Float32, so callers that need exact distances recompute them
 * for the candidates (pixelNearest does).
 */
export async function nearestRows(a: Rows, b: Rows, k = 1): Promise<{ index: Int32Array; distance: Float32Array }> {
  if (a.dim !== b.dim) throw new AtelierError('invalid-input', `Rows differ in length: ${a.dim} and ${b.dim}.`);
  await initBackend();
  const kk = Math.min(k, b.rows);
  const index = new Int32Array(a.rows * kk);
  const distance = new Float32Array(a.rows * kk);
  const B = tf.tensor2d(b.data, [b.rows, b.dim]);
  const bNorms = tf.tidy(() => B.square().sum(1).reshape([1, b.rows]));
  const CHUNK = 256;
  try {
    for (let start = 0; start < a.rows; start += CHUNK) {
      const n = Math.min(CHUNK, a.rows - start);
      const [values, indices] = tf.tidy(() => {
        const A = tf.tensor2d(a.data.subarray(start * a.dim, (start + n) * a.dim), [n, a.dim]);
        const d2 = A.square()
          .sum(1)
          .reshape([n, 1])
          .add(bNorms)
          .sub(tf.matMul(A, B, false, true).mul(2))
          .relu();
        const top = tf.topk(d2.neg(), kk);
        return [top.values.neg().sqrt(), top.indices];
      });
      distance.set(await values.data(), start * kk);
      index.set(await indices.data(), start * kk);
      values.dispose();
      indices.dispose();
    }
  } finally {
    B.dispose();
    bNorms.dispose();
  }
  return { index, distance };
}

/** Side of the thumbnails the pixel search ranks candidates on. */
const PIXEL_SEARCH_SIDE = 16;

/** Packed RGB bytes as rows of block means in [0, 1], PIXEL_SEARCH_SIDE² × 3 each (full size when smaller). */
function pixelRows(set: { count: number; size: number; pixels: Uint8Array }): Rows {
  const { size } = set;
  const block = size > PIXEL_SEARCH_SIDE && size % PIXEL_SEARCH_SIDE === 0 ? size / PIXEL_SEARCH_SIDE : 1;
  const side = size / block;
  const dim = side * side * 3;
  const data = new Float32Array(set.count * dim);
  const stride = size * size * 3;
  const scale = 1 / (255 * block * block);
  for (let i = 0; i < set.count; i++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const from = i * stride + (y * size + x) * 3;
        const to = i * dim + (Math.floor(y / block) * side + Math.floor(x / block)) * 3;
        data[to]! += set.pixels[from]! * scale;
        data[to + 1]! += set.pixels[from + 1]! * scale;
        data[to + 2]! += set.pixels[from + 2]! * scale;
      }
    }
  }
  return { rows: set.count, dim, data };
}

/**
 * For each image of a, its nearest image of b by root-mean-square pixel difference (0–1). The
 * 16 nearest at 16×16 (block means) are found with nearestRows, and their exact distances are
 * recomputed in integers at full size; the best of them is the answer. Block means never move two
 * images apart (averaging is a contraction), so a near copy is always a near candidate; only an
 * image that is not near anything may be matched to its second-nearest. metrics.nearestPixels is
 * the exhaustive search the tests compare against. skipSame: a and b are the same images (or a is
 * the first images of b), and an image is not its own neighbour.
 */
export async function pixelNearest(
  a: { count: number; size: number; pixels: Uint8Array },
  b: { count: number; size: number; pixels: Uint8Array },
  options: { skipSame?: boolean } = {},
): Promise<{ index: Int32Array; distance: Float64Array }> {
  if (a.size !== b.size) throw new AtelierError('invalid-input', `Pixel sets differ in size: ${a.size} and ${b.size}.`);
  const stride = a.size * a.size * 3;
  const K = 16;
  const candidates = await nearestRows(pixelRows(a), pixelRows(b), K);
  const kk = Math.min(K, b.count);
  const index = new Int32Array(a.count).fill(-1);
  const distance = new Float64Array(a.count).fill(Infinity);
  for (let i = 0; i < a.count; i++) {
    let best = Infinity;
    for (let c = 0; c < kk; c++) {
      const j = candidates.index[i * kk + c]!;
      if (options.skipSame && j === i) continue; // a set against itself (leave-one-out)
      const s = squaredPixelDistance(a.pixels, i * stride, b.pixels, j * stride, stride, best);
      if (s < best) {
        best = s;
        index[i] = j;
      }
    }
    distance[i] = Math.sqrt(best / stride) / 255;
  }
  return { index, distance };
}
