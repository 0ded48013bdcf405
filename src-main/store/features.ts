// Evaluation's feature cache: one Float32 vector per (image content hash, embedding version,
// view). The embedding version names the network and its input size; the view says how the
// image was prepared (training size, background), so different rulers never mix.
import Database from 'better-sqlite3';
import type { Db } from './db';

export interface FeatureKey {
  embedding: string;
  view: string;
}

export class FeatureStore {
  constructor(private readonly db: Db) {}

  /** The cached vectors among `hashes`, by hash (missing hashes are simply absent). */
  get(hashes: readonly string[], key: FeatureKey): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    const one = this.db.prepare('SELECT features FROM image_features WHERE hash = ? AND embedding = ? AND view = ?').pluck();
    for (const hash of new Set(hashes)) {
      const blob = one.get(hash, key.embedding, key.view) as Buffer | undefined;
      // Copied into its own buffer: better-sqlite3's Buffers may share memory and be unaligned.
      if (blob) out.set(hash, new Float32Array(new Uint8Array(blob).buffer));
    }
    return out;
  }

  /** Stores vectors (replacing any for the same key) in one transaction. */
  put(rows: readonly { hash: string; features: Float32Array }[], key: FeatureKey): void {
    const insert = this.db.prepare('INSERT OR REPLACE INTO image_features (hash, embedding, view, dim, features) VALUES (?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const r of rows)
        insert.run(r.hash, key.embedding, key.view, r.features.length, Buffer.from(r.features.buffer, r.features.byteOffset, r.features.byteLength));
    })();
  }

  /** How many vectors are cached for a key (all keys when none is given). */
  count(key?: FeatureKey): number {
    if (!key) return this.db.prepare('SELECT count(*) FROM image_features').pluck().get() as number;
    return this.db.prepare('SELECT count(*) FROM image_features WHERE embedding = ? AND view = ?').pluck().get(key.embedding, key.view) as number;
  }

  /** Forgets vectors made by other embedding versions (after the embedding changed). */
  pruneOtherEmbeddings(current: string): number {
    return this.db.prepare('DELETE FROM image_features WHERE embedding != ?').run(current).changes;
  }
}

/**
 * The feature cache read from another process (an evaluation or training job): a read-only
 * connection, so the job can reuse cached rows while the engine alone writes.
 */
export function openFeatureReader(dbFile: string): Pick<FeatureStore, 'get'> & { close(): void } {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const store = new FeatureStore(db);
  return { get: (hashes, key) => store.get(hashes, key), close: () => db.close() };
}
