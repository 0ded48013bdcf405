// Assets (content-addressed originals), their tags, curation state (quality flags,
// split, exclusion, star rating) and the undo log for bulk edits.
import { TAG_MAX_LENGTH } from '../../src-preload/contract';
import { AtelierError } from '../errors';
import type { Db } from './db';

export type Split = 'train' | 'val' | 'test';

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
  phash: string | null;
  flags: number;
  split: Split | null;
  excluded: boolean;
  /** 0 = not rated, else 1–5 stars. */
  rating: number;
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
  phash?: string | null;
  /** JSON of the quality measures. */
  quality?: string | null;
  flags?: number;
  split?: Split | null;
}

/** What the grid can be narrowed to; every field is optional and they combine with AND. */
export interface AssetFilter {
  tag?: string;
  /** 'none' = not assigned to a split yet. */
  split?: Split | 'none';
  /** Bit mask: images with any of these quality flags. */
  flags?: number;
  excluded?: boolean;
  ids?: number[];
  /** At least this many stars (0 = any). */
  minRating?: number;
  /** true: only images not rated yet; false: only rated ones. */
  unrated?: boolean;
}

export function assetFile(hash: string, ext: string): string {
  return `assets/${hash.slice(0, 2)}/${hash}.${ext}`;
}

export function thumbFile(hash: string): string {
  return `thumbs/${hash.slice(0, 2)}/${hash}.webp`;
}

const COLUMNS = `a.id, a.hash, a.ext, a.name, a.width, a.height, a.bytes, a.has_alpha AS hasAlpha, a.thumb,
  a.phash, a.flags, a.split, a.excluded, a.rating`;

type RawRow = Omit<AssetRow, 'hasAlpha' | 'excluded'> & { hasAlpha: number; excluded: number };
const fromRaw = (r: RawRow): AssetRow => ({ ...r, hasAlpha: r.hasAlpha === 1, excluded: r.excluded === 1 });

type UndoPayload =
  | { kind: 'tags'; added: [number, number][]; removed: [number, number][] }
  | { kind: 'exclude'; ids: number[]; excluded: boolean }
  | { kind: 'rename-tag'; tagId: number; from: string }
  | { kind: 'merge-tag'; from: string; into: number; moved: number[]; alreadyHad: number[] }
  | { kind: 'splits'; previous: [number, Split | null][] }
  /** The ids that had each rating before, keyed by that rating. */
  | { kind: 'rating'; previous: Record<string, number[]> };

export class AssetStore {
  private readonly byHash;
  private readonly insertAsset;
  private readonly insertTag;
  private readonly tagId;
  private readonly linkTag;

  constructor(private readonly db: Db) {
    this.byHash = db.prepare<[string], { id: number }>('SELECT id FROM assets WHERE hash = ?');
    this.insertAsset = db.prepare(
      `INSERT INTO assets (hash, ext, name, width, height, bytes, has_alpha, thumb, phash, quality, flags, split)
       VALUES (@hash, @ext, @name, @width, @height, @bytes, @hasAlpha, @thumb, @phash, @quality, @flags, @split)
       ON CONFLICT(hash) DO NOTHING`,
    );
    this.insertTag = db.prepare('INSERT INTO tags (name) VALUES (?) ON CONFLICT(name) DO NOTHING');
    this.tagId = db.prepare<[string], { id: number }>('SELECT id FROM tags WHERE name = ?');
    this.linkTag = db.prepare('INSERT OR IGNORE INTO asset_tags (asset_id, tag_id) VALUES (?, ?)');
  }

  findByHash(hash: string): number | null {
    return this.byHash.get(hash)?.id ?? null;
  }

  /**
   * Inserts a batch in one transaction; returns the new ids in order. An image whose
   * hash is already stored (another process imported it a moment ago) is not stored
   * twice: its tags join the stored one and it has no id in the answer.
   */
  insertMany(items: NewAsset[]): number[] {
    const ids: number[] = [];
    this.db.transaction(() => {
      for (const item of items) {
        const info = this.insertAsset.run({
          hash: item.hash,
          ext: item.ext,
          name: item.name,
          width: item.width,
          height: item.height,
          bytes: item.bytes,
          hasAlpha: item.hasAlpha ? 1 : 0,
          thumb: item.thumb,
          phash: item.phash ?? null,
          quality: item.quality ?? null,
          flags: item.flags ?? 0,
          split: item.split ?? null,
        });
        if (info.changes === 0) {
          const existing = this.findByHash(item.hash)!;
          for (const tag of item.tags) this.link(existing, tag);
          continue;
        }
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

  private ensureTag(name: string): number {
    this.insertTag.run(name);
    return this.tagId.get(name)!.id;
  }

  /** Which of `ids` name no image in this project (in the order given). */
  missing(ids: readonly number[]): number[] {
    return this.db.prepare('SELECT value FROM json_each(?) WHERE value NOT IN (SELECT id FROM assets)').pluck().all(JSON.stringify(ids)) as number[];
  }

  private link(assetId: number, tag: string): void {
    const name = [...tag.trim().replace(/\p{Cc}+/gu, ' ')].slice(0, TAG_MAX_LENGTH).join('').trim();
    if (name) this.linkTag.run(assetId, this.ensureTag(name));
  }

  /** `counting`: only count(*) follows, which a plain range answers from the rating index alone. */
  private where(filter: AssetFilter, counting = false): { sql: string; params: unknown[] } {
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (filter.tag !== undefined) {
      clauses.push('a.id IN (SELECT asset_id FROM asset_tags WHERE tag_id = (SELECT id FROM tags WHERE name = ?))');
      params.push(filter.tag);
    }
    if (filter.split === 'none') clauses.push('a.split IS NULL');
    else if (filter.split !== undefined) {
      clauses.push('a.split = ?');
      params.push(filter.split);
    }
    if (filter.flags !== undefined) {
      clauses.push('(a.flags & ?) != 0');
      params.push(filter.flags);
    }
    if (filter.excluded !== undefined) clauses.push(filter.excluded ? 'a.excluded = 1' : 'a.excluded = 0');
    if (filter.ids !== undefined) {
      clauses.push('a.id IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(filter.ids));
    }
    // Rated images are usually the few: for a page their ids come from the rating index, in grid
    // order (a plain range makes SQLite scan every row instead); unrated ones are the many.
    const atLeast = Math.max(filter.minRating ?? 0, filter.unrated === false ? 1 : 0);
    if (atLeast > 0) {
      clauses.push(counting ? 'a.rating >= ?' : 'a.id IN (SELECT id FROM assets WHERE rating >= ?)');
      params.push(atLeast);
    }
    if (filter.unrated === true) clauses.push('a.rating = 0');
    return { sql: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params };
  }

  count(filter: AssetFilter = {}): number {
    const { sql, params } = this.where(filter, true);
    return (this.db.prepare(`SELECT count(*) AS n FROM assets a ${sql}`).get(...params) as { n: number }).n;
  }

  page(filter: AssetFilter, offset: number, limit: number): (AssetRow & { tags: string[] })[] {
    const { sql, params } = this.where(filter);
    const rows = (this.db.prepare(`SELECT ${COLUMNS} FROM assets a ${sql} ORDER BY a.id LIMIT ? OFFSET ?`).all(...params, limit, offset) as RawRow[]).map(
      fromRaw,
    );
    const tagsOf = this.tagsFor(rows.map((r) => r.id));
    return rows.map((r) => ({ ...r, tags: tagsOf.get(r.id) ?? [] }));
  }

  /** Every matching id, in order (for selecting all of a filter). */
  ids(filter: AssetFilter = {}): number[] {
    const { sql, params } = this.where(filter);
    return this.db
      .prepare(`SELECT a.id FROM assets a ${sql} ORDER BY a.id`)
      .pluck()
      .all(...params) as number[];
  }

  get(id: number): (AssetRow & { tags: string[]; quality: unknown }) | null {
    const row = this.db.prepare(`SELECT ${COLUMNS}, a.quality FROM assets a WHERE a.id = ?`).get(id) as (RawRow & { quality: string | null }) | undefined;
    if (!row) return null;
    return { ...fromRaw(row), quality: row.quality ? JSON.parse(row.quality) : null, tags: this.tagsFor([id]).get(id) ?? [] };
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
  all(filter: AssetFilter = {}): AssetRow[] {
    const { sql, params } = this.where(filter);
    return (this.db.prepare(`SELECT ${COLUMNS} FROM assets a ${sql} ORDER BY a.id`).all(...params) as RawRow[]).map(fromRaw);
  }

  tags(): { name: string; count: number }[] {
    return this.db
      .prepare(
        `SELECT t.name, count(at.asset_id) AS count FROM tags t LEFT JOIN asset_tags at ON at.tag_id = t.id
         GROUP BY t.id ORDER BY count DESC, t.name`,
      )
      .all() as { name: string; count: number }[];
  }

  /** Every image's tag names (images without tags are absent), for conditioning vectors. */
  tagsByAsset(): Map<number, string[]> {
    const rows = this.db.prepare('SELECT at.asset_id AS id, t.name FROM asset_tags at JOIN tags t ON t.id = at.tag_id ORDER BY at.asset_id, t.name').all() as {
      id: number;
      name: string;
    }[];
    const out = new Map<number, string[]>();
    for (const r of rows) {
      const list = out.get(r.id);
      if (list) list.push(r.name);
      else out.set(r.id, [r.name]);
    }
    return out;
  }

  tagCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM tags').get() as { n: number }).n;
  }

  /** Quality measures of every analysed image (JSON as stored). */
  qualityRows(): { id: number; flags: number; quality: string }[] {
    return this.db.prepare('SELECT id, flags, quality FROM assets WHERE quality IS NOT NULL').all() as { id: number; flags: number; quality: string }[];
  }

  setFlags(changes: [number, number][]): void {
    const update = this.db.prepare('UPDATE assets SET flags = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const [id, flags] of changes) update.run(flags, id);
    })();
  }

  /** Each image still in play with the tag it is stratified by (its alphabetically first). */
  strata(): { id: number; strata: string }[] {
    return this.db
      .prepare(
        `SELECT a.id, coalesce((SELECT min(t.name) FROM asset_tags at JOIN tags t ON t.id = at.tag_id WHERE at.asset_id = a.id), '') AS strata
         FROM assets a WHERE a.excluded = 0 ORDER BY a.id`,
      )
      .all() as { id: number; strata: string }[];
  }

  /** Perceptual hashes of the images still in play, for near-duplicate clustering. */
  perceptualHashes(): { id: number; phash: string; width: number; height: number; bytes: number }[] {
    return this.db.prepare('SELECT id, phash, width, height, bytes FROM assets WHERE phash IS NOT NULL AND excluded = 0 ORDER BY id').all() as {
      id: number;
      phash: string;
      width: number;
      height: number;
      bytes: number;
    }[];
  }

  /** The stored quality JSON of these images (only those a near-duplicate cluster holds: each is about 1.3 KB). */
  qualities(ids: number[]): Map<number, string | null> {
    const rows = this.db.prepare('SELECT id, quality FROM assets WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as {
      id: number;
      quality: string | null;
    }[];
    return new Map(rows.map((r) => [r.id, r.quality]));
  }

  // ── bulk edits: each is one transaction and one undo entry ──

  /** Adds and removes tags on many images at once (10,000 in well under a second). */
  applyTags(ids: number[], add: string[], remove: string[]): { added: number; removed: number } {
    const list = JSON.stringify([...new Set(ids)]);
    const added: [number, number][] = [];
    const removed: [number, number][] = [];
    this.db.transaction(() => {
      for (const name of new Set(add.map((t) => t.trim()).filter(Boolean))) {
        const fresh = this.db
          .prepare('SELECT value FROM json_each(?) WHERE value NOT IN (SELECT asset_id FROM asset_tags WHERE tag_id = ?) AND value IN (SELECT id FROM assets)')
          .pluck()
          .all(list, this.tagId.get(name)?.id ?? -1) as number[];
        if (fresh.length === 0) continue; // a tag is made only when an image carries it
        const tagId = this.ensureTag(name);
        this.db.prepare('INSERT INTO asset_tags (asset_id, tag_id) SELECT value, ? FROM json_each(?)').run(tagId, JSON.stringify(fresh));
        for (const id of fresh) added.push([id, tagId]);
      }
      for (const name of new Set(remove.map((t) => t.trim()).filter(Boolean))) {
        const tagId = this.tagId.get(name)?.id;
        if (tagId === undefined) continue;
        const had = this.db
          .prepare('SELECT asset_id FROM asset_tags WHERE tag_id = ? AND asset_id IN (SELECT value FROM json_each(?))')
          .pluck()
          .all(tagId, list) as number[];
        this.db.prepare('DELETE FROM asset_tags WHERE tag_id = ? AND asset_id IN (SELECT value FROM json_each(?))').run(tagId, list);
        for (const id of had) removed.push([id, tagId]);
      }
      if (added.length + removed.length > 0) {
        const label = [add.length ? `tag ${add.join(', ')}` : '', remove.length ? `untag ${remove.join(', ')}` : ''].filter(Boolean).join(' and ');
        this.logUndo(`${label} on ${images(ids.length)}`, { kind: 'tags', added, removed });
      }
    })();
    return { added: added.length, removed: removed.length };
  }

  /** Renames a tag; when the new name exists already, the two are merged. */
  renameTag(from: string, to: string): { merged: boolean } {
    const name = to.trim();
    const source = this.tagId.get(from)?.id;
    if (source === undefined) throw new TagNotFound(from);
    const target = this.tagId.get(name)?.id;
    if (target === undefined || target === source) {
      this.db.transaction(() => {
        this.db.prepare('UPDATE tags SET name = ? WHERE id = ?').run(name, source);
        this.logUndo(`rename tag ${from} to ${name}`, { kind: 'rename-tag', tagId: source, from });
      })();
      return { merged: false };
    }
    this.db.transaction(() => {
      const members = this.db.prepare('SELECT asset_id FROM asset_tags WHERE tag_id = ?').pluck().all(source) as number[];
      const alreadyHad = this.db
        .prepare('SELECT asset_id FROM asset_tags WHERE tag_id = ? AND asset_id IN (SELECT asset_id FROM asset_tags WHERE tag_id = ?)')
        .pluck()
        .all(target, source) as number[];
      const had = new Set(alreadyHad);
      this.db.prepare('INSERT OR IGNORE INTO asset_tags (asset_id, tag_id) SELECT asset_id, ? FROM asset_tags WHERE tag_id = ?').run(target, source);
      this.db.prepare('DELETE FROM tags WHERE id = ?').run(source);
      this.logUndo(`merge tag ${from} into ${name}`, { kind: 'merge-tag', from, into: target, moved: members.filter((m) => !had.has(m)), alreadyHad });
    })();
    return { merged: true };
  }

  /** Excludes images from training (or brings them back); originals are never deleted. */
  setExcluded(ids: number[], excluded: boolean): number {
    let changed = 0;
    this.db.transaction(() => {
      const affected = this.db
        .prepare('SELECT id FROM assets WHERE excluded = ? AND id IN (SELECT DISTINCT value FROM json_each(?))')
        .pluck()
        .all(excluded ? 0 : 1, JSON.stringify(ids)) as number[];
      this.db.prepare('UPDATE assets SET excluded = ? WHERE id IN (SELECT value FROM json_each(?))').run(excluded ? 1 : 0, JSON.stringify(affected));
      changed = affected.length;
      if (changed > 0) this.logUndo(`${excluded ? 'exclude' : 'include'} ${images(changed)}`, { kind: 'exclude', ids: affected, excluded });
    })();
    return changed;
  }

  /** Sets the star rating (0 clears it) of many images at once; returns how many changed. */
  setRating(ids: number[], rating: number): number {
    if (!Number.isInteger(rating) || rating < 0 || rating > 5) throw new RangeError(`A rating is a whole number of stars from 0 to 5, got ${rating}.`);
    const previous: Record<string, number[]> = {};
    let changed = 0;
    this.db.transaction(() => {
      const affected = this.db
        .prepare('SELECT id, rating FROM assets WHERE rating != ? AND id IN (SELECT DISTINCT value FROM json_each(?))')
        .all(rating, JSON.stringify(ids)) as { id: number; rating: number }[];
      if (affected.length === 0) return;
      for (const r of affected) (previous[r.rating] ??= []).push(r.id);
      this.db.prepare('UPDATE assets SET rating = ? WHERE id IN (SELECT value FROM json_each(?))').run(rating, JSON.stringify(affected.map((r) => r.id)));
      changed = affected.length;
      this.logUndo(rating === 0 ? `clear the rating of ${images(changed)}` : `rate ${images(changed)} ${stars(rating)}`, { kind: 'rating', previous });
    })();
    return changed;
  }

  /** Writes split assignments (one undo entry for the whole change). */
  setSplits(assignments: Map<number, Split>, label: string): number {
    const previous: [number, Split | null][] = [];
    this.db.transaction(() => {
      const current = this.db.prepare('SELECT id, split FROM assets').all() as { id: number; split: Split | null }[];
      const update = this.db.prepare('UPDATE assets SET split = ? WHERE id = ?');
      for (const { id, split } of current) {
        const next = assignments.get(id);
        if (next !== undefined && next !== split) {
          previous.push([id, split]);
          update.run(next, id);
        }
      }
      if (previous.length > 0) this.logUndo(label, { kind: 'splits', previous });
    })();
    return previous.length;
  }

  splitCounts(): Record<Split | 'none', number> {
    const counts = { train: 0, val: 0, test: 0, none: 0 };
    for (const r of this.db.prepare('SELECT split, count(*) AS n FROM assets WHERE excluded = 0 GROUP BY split').all() as {
      split: Split | null;
      n: number;
    }[]) {
      counts[r.split ?? 'none'] = r.n;
    }
    return counts;
  }

  private logUndo(label: string, payload: UndoPayload): void {
    this.db.prepare('INSERT INTO undo_log (label, payload) VALUES (?, ?)').run(label, JSON.stringify(payload));
  }

  /** The label of the edit `undo()` would revert, if any. */
  lastEdit(): string | null {
    return (this.db.prepare('SELECT label FROM undo_log ORDER BY id DESC LIMIT 1').pluck().get() as string | undefined) ?? null;
  }

  /** Reverts the most recent bulk edit; returns its label, or null when there is nothing to undo. */
  undo(): string | null {
    const entry = this.db.prepare('SELECT id, label, payload FROM undo_log ORDER BY id DESC LIMIT 1').get() as
      { id: number; label: string; payload: string } | undefined;
    if (!entry) return null;
    const p = JSON.parse(entry.payload) as UndoPayload;
    this.db.transaction(() => {
      switch (p.kind) {
        case 'tags': {
          const del = this.db.prepare('DELETE FROM asset_tags WHERE asset_id = ? AND tag_id = ?');
          const ins = this.db.prepare('INSERT OR IGNORE INTO asset_tags (asset_id, tag_id) SELECT ?, id FROM tags WHERE id = ?');
          for (const [a, t] of p.added) del.run(a, t);
          for (const [a, t] of p.removed) ins.run(a, t);
          break;
        }
        case 'exclude':
          this.db.prepare('UPDATE assets SET excluded = ? WHERE id IN (SELECT value FROM json_each(?))').run(p.excluded ? 0 : 1, JSON.stringify(p.ids));
          break;
        case 'rename-tag': {
          // The old name may have come back since (a later tag edit, itself undone, leaves
          // the tag behind): then the renamed tag's images join it instead of clashing.
          const existing = this.tagId.get(p.from)?.id;
          if (existing !== undefined && existing !== p.tagId) {
            this.db.prepare('INSERT OR IGNORE INTO asset_tags (asset_id, tag_id) SELECT asset_id, ? FROM asset_tags WHERE tag_id = ?').run(existing, p.tagId);
            this.db.prepare('DELETE FROM tags WHERE id = ?').run(p.tagId);
          } else this.db.prepare('UPDATE tags SET name = ? WHERE id = ?').run(p.from, p.tagId);
          break;
        }
        case 'merge-tag': {
          const restored = this.ensureTag(p.from);
          const members = [...p.moved, ...p.alreadyHad];
          this.db.prepare('INSERT OR IGNORE INTO asset_tags (asset_id, tag_id) SELECT value, ? FROM json_each(?)').run(restored, JSON.stringify(members));
          this.db.prepare('DELETE FROM asset_tags WHERE tag_id = ? AND asset_id IN (SELECT value FROM json_each(?))').run(p.into, JSON.stringify(p.moved));
          break;
        }
        case 'splits': {
          const update = this.db.prepare('UPDATE assets SET split = ? WHERE id = ?');
          for (const [id, split] of p.previous) update.run(split, id);
          break;
        }
        case 'rating': {
          const update = this.db.prepare('UPDATE assets SET rating = ? WHERE id IN (SELECT value FROM json_each(?))');
          for (const [rating, ids] of Object.entries(p.previous)) update.run(Number(rating), JSON.stringify(ids));
          break;
        }
      }
      this.db.prepare('DELETE FROM undo_log WHERE id = ?').run(entry.id);
    })();
    return entry.label;
  }
}

function images(n: number): string {
  return n === 1 ? '1 image' : `${n.toLocaleString('en')} images`;
}

function stars(n: number): string {
  return n === 1 ? '1 star' : `${n} stars`;
}

export class TagNotFound extends AtelierError {
  override name = 'TagNotFound';
  constructor(readonly tag: string) {
    super('not-found', `There is no tag called "${tag}".`);
  }
}
