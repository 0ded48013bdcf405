// The preference model inside the job process: hash new generated images, embed what the cache
// lacks (the evaluation's features), learn the ratings with their held-out accuracy, then predict
// every generated image in chunks. It never writes the database: every result is a message.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { jobFeatureCache } from '../evaluation/eval-job';
import { embeddingVersion, fileFeatures, viewKey } from '../evaluation/features';
import { fitPreference, MAX_RATINGS, predict, type LinearModel } from './preference';
import type { PreferenceImage, PreferenceMessage, PreferenceRequest } from './protocol';

const CHUNK = 256;

const b64 = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');

export async function runPreferenceJob(request: PreferenceRequest, post: (m: PreferenceMessage) => void): Promise<void> {
  try {
    setPriority(10);
  } catch {
    // Not allowed here: it runs at normal priority.
  }
  const view = { size: request.size, background: request.background };
  const cache = jobFeatureCache(request.projectDir, post);
  try {
    const rated = request.rated.slice(0, MAX_RATINGS);
    const total = rated.length + request.predict.length;
    await hashAll([...rated, ...request.predict], post);
    let model: LinearModel | null = request.model
      ? {
          weights: Float32Array.from(request.model.weights),
          mean: Float32Array.from(request.model.mean),
          intercept: request.model.intercept,
          lambda: request.model.lambda,
        }
      : null;
    if (request.fit) {
      const started = performance.now();
      post({ type: 'progress', step: 0, total, message: `Reading ${rated.length.toLocaleString('en')} rated images` });
      const readable = rated.filter((r) => r.hash !== null);
      const x = await fileFeatures(
        cache,
        readable.map((r) => ({ path: r.path, hash: r.hash! })),
        view,
        { onProgress: (done) => post({ type: 'progress', step: done, total, message: `Embedding rated images: ${done} of ${readable.length}` }) },
      );
      const y = x.kept.map((i) => readable[i]!.score!);
      post({ type: 'progress', step: readable.length, total, message: `Learning from ${y.length.toLocaleString('en')} ratings` });
      const fit = fitPreference(x, y);
      model = fit.model;
      post({
        type: 'preference-model',
        ratings: y.length,
        spearman: fit.heldOut?.spearman ?? null,
        mae: fit.heldOut?.mae ?? null,
        baselineMae: fit.heldOut?.baselineMae ?? null,
        trusted: fit.trusted,
        verdict: fit.verdict,
        weights: model ? b64(model.weights) : null,
        mean: model ? b64(model.mean) : null,
        intercept: model?.intercept ?? 0,
        lambda: model?.lambda ?? 0,
        seconds: (performance.now() - started) / 1000,
        embedding: embeddingVersion(),
        view: viewKey(view),
      });
    }
    if (!model) return;
    for (let i = 0; i < request.predict.length; i += CHUNK) {
      const part = request.predict.slice(i, i + CHUNK).filter((p) => p.hash !== null);
      const x = await fileFeatures(
        cache,
        part.map((p) => ({ path: p.path, hash: p.hash! })),
        view,
        { onSkip: () => {} },
      );
      const values = predict(model, x);
      // Row r of the features is part[x.kept[r]]; an image that could not be read stays unpredicted.
      const predicted = new Map(x.kept.map((j, r) => [j, values[r]!]));
      post({ type: 'predictions', rows: part.map((p, j) => ({ id: p.generationId!, predicted: predicted.get(j) ?? null })) });
      const done = Math.min(request.predict.length, i + CHUNK);
      post({
        type: 'progress',
        step: rated.length + done,
        total,
        message: `Predicted ${done.toLocaleString('en')} of ${request.predict.length.toLocaleString('en')} images`,
      });
    }
  } finally {
    cache.close();
  }
}

/** Content hashes of generated images that have none yet (the feature cache is keyed by them), reported in chunks. */
async function hashAll(images: PreferenceImage[], post: (m: PreferenceMessage) => void): Promise<void> {
  let pairs: { id: number; hash: string }[] = [];
  for (const image of images) {
    if (image.hash !== null || image.generationId === null) continue;
    try {
      image.hash = createHash('sha256')
        .update(await readFile(image.path))
        .digest('hex');
      pairs.push({ id: image.generationId, hash: image.hash });
    } catch {
      // A missing file is predicted as nothing; Generate's regenerate restores it.
    }
    if (pairs.length >= CHUNK) {
      post({ type: 'hashes', pairs });
      pairs = [];
    }
  }
  if (pairs.length) post({ type: 'hashes', pairs });
}
