import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/ml/backend';
import { openDatabase } from '../../../src-main/store/db';
import { FeatureStore } from '../../../src-main/store/features';
import { cachedFeatures, decodeImage, embedImages, embeddingVersion, FEATURE_DIM, unpack } from '../../../src-main/evaluation/features';

const emojiDir = join(dirname(createRequire(import.meta.url).resolve('emoji-datasource-twitter/package.json')), 'img', 'twitter', '64');
const files = readdirSync(emojiDir)
  .filter((f) => f.endsWith('.png'))
  .sort()
  .filter((_, i) => i % 97 === 0)
  .slice(0, 20)
  .map((f) => join(emojiDir, f));
const view = { size: 32, background: '#ffffff' };
const dir = mkdtempSync(join(tmpdir(), 'atelier-features-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('features', () => {
  it('embeds images of any size into 1280 finite numbers each, leaving no tensors behind', async () => {
    const images = await Promise.all(files.map((f) => decodeImage(f, view)));
    expect(images[0]).toMatchObject({ width: 32, height: 32 });
    const odd = { pixels: new Uint8Array(50 * 70 * 3).fill(200), width: 50, height: 70 };
    const first = await embedImages([...images, odd]);
    expect(first.rows).toBe(files.length + 1);
    expect(first.dim).toBe(FEATURE_DIM);
    expect(first.data.every(Number.isFinite)).toBe(true);
    const before = tf.memory().numTensors;
    const again = await embedImages(images);
    expect(tf.memory().numTensors).toBe(before);
    expect(again.data).toEqual(first.data.subarray(0, files.length * FEATURE_DIM)); // deterministic, batch-independent here
    expect(embeddingVersion()).toMatch(/^mobilenet_v2@nsfwjs-\d+\.\d+\.\d+\/160\/gap$/);
  });

  it('packed training pixels are views, and the cache embeds each image once per view', async () => {
    const images = await Promise.all(files.map((f) => decodeImage(f, view)));
    const packed = new Uint8Array(images.length * 32 * 32 * 3);
    images.forEach((im, i) => packed.set(im.pixels, i * 32 * 32 * 3));
    expect(unpack(packed, images.length, 32)[3]!.pixels).toEqual(images[3]!.pixels);
    const db = openDatabase(join(dir, 'atelier.db'));
    const store = new FeatureStore(db);
    let decoded = 0;
    const sources = files.map((f, i) => ({ hash: `h${i}`, image: () => (decoded++, images[i]!) }));
    const first = await cachedFeatures(store, sources, view);
    expect(first.embedded).toBe(files.length);
    const second = await cachedFeatures(store, [...sources].reverse(), view);
    expect(second.embedded).toBe(0);
    expect(decoded).toBe(files.length);
    expect(second.data.subarray(0, FEATURE_DIM)).toEqual(first.data.subarray((files.length - 1) * FEATURE_DIM));
    expect(store.count({ embedding: embeddingVersion(), view: '32px on #ffffff' })).toBe(files.length);
    // Another view is another ruler: embedded anew.
    expect((await cachedFeatures(store, sources.slice(0, 2), { size: 64, background: '#ffffff' })).embedded).toBe(2);
    db.close();
  });
});
