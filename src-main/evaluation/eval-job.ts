// An evaluation inside the job process: draw a checkpoint's samples (or read a folder of images
// made elsewhere), score them with the yardstick, and report. Like every job it writes files
// (the evidence images) but never the database: new features and the result go back as messages.
import { open, readdir } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { join, relative } from 'node:path';
import { DEFAULT_MAX_PIXELS } from '../datasets/import';
import { HEADER_BYTES, readImageHeader } from '../datasets/image-header';
import { loadCheckpoint } from '../ml/checkpoint';
import { loadGenerator, type LoadedGenerator } from '../ml/generator';
import { tf } from '../ml/backend';
import { openFeatureReader } from '../store/features';
import { AtelierError } from '../errors';
import { decodeImage, embedImages, fileFeatures, type FeatureCache, type View } from './features';
import { drift, type PixelSet } from './metrics';
import type { CopiesRequest, DriftRequest, EmbedRequest, EvalSource, EvaluateRequest, EvaluationMessage, FeaturesMessage } from './protocol';
import { drawSamples } from './sampling';
import { copyCheck, scoreSamples } from './score';

/** The project's feature cache as a job sees it: read-only rows, new rows sent to the engine. */
export function jobFeatureCache(projectDir: string, post: (m: FeaturesMessage) => void): FeatureCache & { close(): void } {
  const reader = openFeatureReader(join(projectDir, 'atelier.db'));
  const fresh = new Map<string, Float32Array>();
  const id = (hash: string, key: { embedding: string; view: string }) => `${key.embedding}|${key.view}|${hash}`;
  return {
    get(hashes, key) {
      const found = reader.get(hashes, key);
      for (const h of hashes) {
        const f = fresh.get(id(h, key));
        if (f) found.set(h, f);
      }
      return found;
    },
    put(rows, key) {
      for (const r of rows) fresh.set(id(r.hash, key), r.features);
      post({
        type: 'features',
        embedding: key.embedding,
        view: key.view,
        rows: rows.map((r) => ({ hash: r.hash, data: Buffer.from(r.features.buffer, r.features.byteOffset, r.features.byteLength).toString('base64') })),
      });
    },
    close: () => reader.close(),
  };
}

export async function runEvaluationJob(request: EvaluateRequest, post: (m: EvaluationMessage) => void): Promise<void> {
  const view: View = { size: request.size, background: request.background };
  const progress = (fraction: number, message: string) => post({ type: 'progress', step: Math.round(fraction * 1000), total: 1000, message });
  const cache = jobFeatureCache(request.projectDir, post);
  try {
    let samples: PixelSet;
    let labels: number[] | null = null;
    let step: number | null = null;
    if (request.target.kind === 'checkpoint') {
      progress(0, 'Loading the checkpoint');
      const state = await loadCheckpoint(join(request.projectDir, request.target.checkpointDir));
      step = state.step;
      const generator: LoadedGenerator = loadGenerator(state);
      try {
        if (generator.size !== request.size)
          throw new AtelierError('invalid-input', `The checkpoint draws ${generator.size} px images, not ${request.size} px.`);
        progress(0.01, `Drawing ${request.samples.toLocaleString('en')} samples`);
        const drawn = await drawSamples((z, c) => generator.draw(z, c), generator, request.samples, request.seed, request.reference);
        samples = drawn.pixels;
        labels = drawn.labels;
      } finally {
        generator.dispose();
      }
    } else {
      samples = await folderImages(request.target.dir, request.samples, view, progress);
    }
    const result = await scoreSamples({
      samples,
      sampleLabels: labels,
      reference: request.reference,
      train: request.train,
      val: request.val,
      view,
      projectDir: request.projectDir,
      cache,
      embedTrain: true,
      evidenceDir: request.evidenceDir,
      onProgress: progress,
    });
    post({ type: 'evaluated', step, auto: false, result });
  } finally {
    cache.close();
    tf.disposeVariables();
  }
}

/** Gallery images against their model's training images: the nearest by features and by pixels, and the copy flag. */
export async function runCopiesJob(request: CopiesRequest, post: (m: EvaluationMessage) => void): Promise<void> {
  const cache = jobFeatureCache(request.projectDir, post);
  try {
    let done = 0;
    const total = request.groups.reduce((n, g) => n + g.images.length, 0);
    for (const group of request.groups) {
      const view: View = { size: group.size, background: group.background };
      const stride = view.size * view.size * 3;
      // A gallery image whose file is gone or damaged is reported as not checked, by id.
      const decoded: { generationId: number; pixels: Uint8Array }[] = [];
      for (const im of group.images) {
        try {
          decoded.push({ generationId: im.generationId, pixels: (await decodeImage(im.path, view)).pixels });
        } catch (error) {
          post({
            type: 'progress',
            step: done,
            total,
            message: `Image ${im.generationId} cannot be read (${String((error as Error).message).split('\n')[0]}); it was not checked.`,
          });
        }
      }
      if (decoded.length === 0) continue;
      const samples: PixelSet = { count: decoded.length, size: view.size, pixels: new Uint8Array(decoded.length * stride) };
      decoded.forEach((d, i) => samples.pixels.set(d.pixels.subarray(0, stride), i * stride));
      const features = await embedImages(
        decoded.map((d) => ({ pixels: d.pixels, width: view.size, height: view.size })),
        {
          onProgress: (n) =>
            post({
              type: 'progress',
              step: done + n,
              total,
              message: `Checking ${(done + n).toLocaleString('en')} of ${total.toLocaleString('en')} images for copies`,
            }),
        },
      );
      const check = await copyCheck({ samples, features, train: group.train, val: group.val, view, projectDir: request.projectDir, cache, embedTrain: true });
      post({
        type: 'copies',
        threshold: check.threshold,
        features: check.features,
        entries: check.pairs.map((p, i) => ({ ...p, generationId: decoded[i]!.generationId })),
      });
      done += group.images.length;
    }
  } finally {
    cache.close();
  }
}

/** New images against a model's training images: the drift score and the most unusual new images. */
export async function runDriftJob(request: DriftRequest, post: (m: EvaluationMessage) => void): Promise<void> {
  const view: View = { size: request.size, background: request.background };
  const cache = jobFeatureCache(request.projectDir, post);
  const part = (files: EvalSource[], what: string) => ({
    files,
    view,
    say: (done: number) => `Drift: embedding ${what}, ${done.toLocaleString('en')} of ${files.length.toLocaleString('en')}`,
  });
  try {
    const [incoming, train, reference] = await embedInTurn(cache, post, [
      part(request.incoming, 'the new images'),
      part(request.train, "the model's training images"),
      part(request.reference.length >= 4 ? request.reference : [], 'the val images'),
    ]);
    if (incoming!.rows === 0 || train!.rows < 2)
      throw new AtelierError('invalid-input', 'Drift needs new images and at least two training images that can be decoded.');
    const report = drift(incoming!, train!, reference!.rows >= 4 ? reference : undefined, 12);
    post({
      type: 'drifted',
      images: incoming!.rows,
      score: report.score,
      outlierShare: report.outlierShare,
      unusual: report.unusual.map((u) => ({ hash: request.incoming[incoming!.kept[u.index]!]!.hash, ratio: u.ratio })),
    });
  } finally {
    cache.close();
  }
}

/** Embeds project images into the cache at the lowest CPU priority: it uses cores training leaves idle. */
export async function runEmbedJob(request: EmbedRequest, post: (m: EvaluationMessage) => void): Promise<void> {
  try {
    setPriority(19);
  } catch {
    // Not allowed here (some sandboxes): it still runs, at normal priority.
  }
  const cache = jobFeatureCache(request.projectDir, post);
  try {
    await embedInTurn(
      cache,
      post,
      request.views.map((v) => ({
        files: v.sources,
        view: { size: v.size, background: v.background },
        say: (done: number, before: number, total: number) =>
          `Preparing evaluation: ${(before + done).toLocaleString('en')} of ${total.toLocaleString('en')} images embedded`,
      })),
    );
  } finally {
    cache.close();
  }
}

/**
 * Lists of project images embedded in turn through the cache, with one progress count across
 * them all. A damaged image is left out (the rows say which were kept); training and evaluation
 * name it when they meet it.
 */
async function embedInTurn(
  cache: FeatureCache,
  post: (m: EvaluationMessage) => void,
  parts: { files: readonly { path: string; hash: string }[]; view: View; say(done: number, before: number, total: number): string }[],
) {
  const total = parts.reduce((n, p) => n + p.files.length, 0);
  let before = 0;
  const out = [];
  for (const part of parts) {
    out.push(
      await fileFeatures(cache, part.files, part.view, {
        onSkip: () => {},
        onProgress: (done) => post({ type: 'progress', step: before + done, total, message: part.say(done, before, total) }),
      }),
    );
    before += part.files.length;
  }
  return out;
}

/**
 * Files under a folder, by path, folders in name order and depth first, hidden ones left out;
 * at most `most` (a folder named by mistake — a home folder, `/` — is not walked whole).
 */
async function listFiles(dir: string, most: number): Promise<string[]> {
  const out: string[] = [];
  const walk = async (folder: string, depth: number): Promise<void> => {
    const entries = (await readdir(folder, { withFileTypes: true })).filter((e) => !e.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      if (out.length >= most) return;
      if (e.isFile()) out.push(join(folder, e.name));
      else if (e.isDirectory() && depth < 8) await walk(join(folder, e.name), depth + 1).catch(() => {}); // an unreadable subfolder is passed over
    }
  };
  try {
    await walk(dir, 0);
  } catch (error) {
    throw new AtelierError('not-found', `${dir} cannot be read as a folder of images: ${(error as Error).message}`);
  }
  return out;
}

/** Image files in a folder (and its subfolders), by name, readable ones first `limit`, prepared as training sees them. */
async function folderImages(dir: string, limit: number, view: View, progress: (f: number, m: string) => void): Promise<PixelSet> {
  const files = await listFiles(dir, limit * 4);
  const stride = view.size * view.size * 3;
  const images: Uint8Array[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    if (images.length >= limit) break;
    const name = relative(dir, file);
    try {
      const handle = await open(file, 'r');
      const head = Buffer.alloc(HEADER_BYTES);
      const { bytesRead } = await handle.read(head, 0, HEADER_BYTES, 0);
      await handle.close();
      const header = readImageHeader(head.subarray(0, bytesRead));
      if (!header) {
        skipped.push(`${name} is not an image`);
        continue;
      }
      if (header.width && header.height && header.width * header.height > DEFAULT_MAX_PIXELS) {
        skipped.push(`${name} is ${header.width}×${header.height}, over ${DEFAULT_MAX_PIXELS / 1e6} megapixels`);
        continue;
      }
      const image = await decodeImage(file, view, header.format === 'svg');
      images.push(image.pixels.subarray(0, stride));
      progress(0.3 * (images.length / Math.min(limit, files.length)), `Reading ${name}`);
    } catch (error) {
      skipped.push(`${name}: ${String((error as Error).message).split('\n')[0]}`);
    }
  }
  if (images.length < 4) {
    throw new AtelierError(
      'invalid-input',
      `${dir} has ${images.length} readable image${images.length === 1 ? '' : 's'}; scoring needs at least 4.${skipped.length ? ` Skipped: ${skipped.slice(0, 3).join('; ')}.` : ''}`,
    );
  }
  if (skipped.length) progress(0.3, `Skipped ${skipped.length} file${skipped.length === 1 ? '' : 's'}: ${skipped.slice(0, 3).join('; ')}`);
  const pixels = new Uint8Array(images.length * stride);
  images.forEach((im, i) => pixels.set(im, i * stride));
  return { count: images.length, size: view.size, pixels };
}

export type { EvalSource };
