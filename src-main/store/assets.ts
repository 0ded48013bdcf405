// Assets (content-addressed originals) and their tags.
import type { Db } from './db';

export interface AssetRow {
  id: number;
  hash: string;
  ext: string;
  name: string;
  width: number;
  height: number;
  bytes: number;
  hasAlpha: boolean;
  thumb: string;
}

export interface NewAsset {
  hash: string;
  ext: string;
  name: string;
  width: number;
  height: number;
  bytes: number;
  hasAlpha: boolean;
  thumb: string;
  tags: string[];
}

export function assetFile(hash: string, ext: string): string {
  return `assets/${hash.slice(0, 2)}/${hash}.${ext}`;
}

export function thumbFile(hash: string): string {
  return `thumbs/${hash.slice(0, 2)}/${hash}.webp`;
}

export class AssetStore {
  private readonly byHash;
  private readonly insertAsset;
  private readonly insertTag;
  private readonly tagId;
  private readonly linkTag;

  constructor(private readonly db: Db) {
    this.byHash = db.prepare<[string], { id: number }>('SELECT id FROM assets WHERE hash = ?');
    this.insertAsset = db.prepare(
      'INSERT INTO assets (hash, ext, name, width, height, bytes, has_alpha, thumb) VALUES (@hash, @ext, @name, @width, @height, @bytes, @hasAlpha, @thumb)',
    );
    this.insertTag = db.prepare('INSERT INTO tags (name) VALUES (?) ON CONFLICT(name) DO NOTHING');
    this.tagId = db.prepare<[string], { id: number }>('SELECT id FROM tags WHERE name = ?');
    this.linkTag = db.prepare('INSERT OR IGNORE INTO asset_tags (asset_id, tag_id) VALUES (?, ?)');
  }

  findByHash(hash: string): number | null {
    return this.byHash.get(hash)?.id ?? null;
  }

  /** Inserts a batch in one transaction; returns the new ids in order. */
  insertMany(items: NewAsset[]): number[] {
    const ids: number[] = [];
    this.db.transaction(() => {
      for (const item of items) {
        const info = this.insertAsset.run({ ...item, hasAlpha: item.hasAlpha ? 1 : 0 });
        const id = Number(info.lastInsertRowid);
        for (const tag of item.tags) this.link(id, tag);
        ids.push(id);
      }
    })();
    return ids;
  }

  /** Adds tags to assets found by hash, in one transaction. */
  addTagsByHash(items: { hash: string; tags: string[] }[]): void {
    if (items.length === 0) return;
    this.db.transaction(() => {
      for (const { hash, tags } of items) {
        const id = this.findByHash(hash);
        if (id !== null) for (const tag of tags) this.link(id, tag);
      }
    })();
  }

  private link(assetId: number, tag: string): void {
    const name = tag.trim();
    if (!name) return;
    this.insertTag.run(name);
    this.linkTag.run(assetId, this.tagId.get(name)!.id);
  }

  count(tag?: string): number {
    if (tag === undefined) return (this.db.prepare('SELECT count(*) AS n FROM assets').get() as { n: number }).n;
    return (
      this.db
        .prepare('SELECT count(*) AS n FROM asset_tags WHERE tag_id = (SELECT id FROM tags WHERE name = ?)')
        .get(tag) as { n: number }
    ).n;
  }

  page(offset: number, limit: number, tag?: string): (AssetRow & { tags: string[] })[] {
    const rows = (
      tag === undefined
        ? this.db
            .prepare('SELECT id, hash, ext, name, width, height, bytes, has_alpha AS hasAlpha, thumb FROM assets ORDER BY id LIMIT ? OFFSET ?')
            .all(limit, offset)
        : this.db
            .prepare(
              `SELECT a.id, a.hash, a.ext, a.name, a.width, a.height, a.bytes, a.has_alpha AS hasAlpha, a.thumb
               FROM asset_tags at JOIN assets a ON a.id = at.asset_id
               WHERE at.tag_id = (SELECT id FROM tags WHERE name = ?)
               ORDER BY at.asset_id LIMIT ? OFFSET ?`,
            )
            .all(tag, limit, offset)
    ) as (Omit<AssetRow, 'hasAlpha'> & { hasAlpha: number })[];
    const tagsOf = this.tagsFor(rows.map((r) => r.id));
    return rows.map((r) => ({ ...r, hasAlpha: r.hasAlpha === 1, tags: tagsOf.get(r.id) ?? [] }));
  }

  private tagsFor(ids: number[]): Map<number, string[]> {
    const out = new Map<number, string[]>();
    if (ids.length === 0) return out;
    const rows = this.db
      .prepare(
        `SELECT at.asset_id AS id, t.name FROM asset_tags at JOIN tags t ON t.id = at.tag_id
         WHERE at.asset_id IN (SELECT value FROM json_each(?)) ORDER BY t.name`,
      )
      .all(JSON.stringify(ids)) as { id: number; name: string }[];
    for (const r of rows) {
      const list = out.get(r.id);
      if (list) list.push(r.name);
      else out.set(r.id, [r.name]);
    }
    return out;
  }

  /** Every asset, for building a training set. */
  all(): AssetRow[] {
    return (
      this.db.prepare('SELECT id, hash, ext, name, width, height, bytes, has_alpha AS hasAlpha, thumb FROM assets ORDER BY id').all() as (Omit<
        AssetRow,
        'hasAlpha'
      > & { hasAlpha: number })[]
    ).map((r) => ({ ...r, hasAlpha: r.hasAlpha === 1 }));
  }

  tags(): { name: string; count: number }[] {
    return this.db
      .prepare(
        `SELECT t.name, count(at.asset_id) AS count FROM tags t LEFT JOIN asset_tags at ON at.tag_id = t.id
         GROUP BY t.id ORDER BY count DESC, t.name`,
      )
      .all() as { name: string; count: number }[];
  }

  tagCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM tags').get() as { n: number }).n;
  }
}
