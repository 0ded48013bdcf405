// Generated images and exactly where they came from: the latent and condition vectors they were
// drawn from, the checkpoint, the prompt, post-processing. Also the project's prompt history
// and saved prompt templates.
import type { GenerationT, PostProcessStepT } from '../../src-preload/contract';
import type { Db } from './db';

export type GenerationOriginT = GenerationT['origin'];

export interface NewGeneration {
  checkpointId: number;
  seed: number;
  index: number;
  file: string;
  size: number;
  width: number;
  height: number;
  prompt: string;
  latent: Float32Array;
  cond: Float32Array | null;
  truncation: number | null;
  origin: GenerationOriginT;
  parentId: number | null;
  params: Record<string, number | string> | null;
  post: PostProcessStepT[];
  backend: string;
  /** The prompt's positive tags, for filtering by tag. */
  tags: { tag: string; weight: number }[];
}

/** A stored generation with the vectors needed to draw it again. */
export interface GenerationRecord extends GenerationT {
  /** Null for images made before provenance was stored: recompute from seed and index. */
  latent: Float32Array | null;
  cond: Float32Array | null;
  params: Record<string, number | string>;
  backend: string;
  /** The file's sha256, once something has read it (the preference job, a feedback round); null before. */
  hash: string | null;
}

export interface GenerationFilter {
  offset: number;
  limit: number;
  text?: string | undefined;
  tag?: string | undefined;
  runId?: number | undefined;
  checkpointId?: number | undefined;
  seed?: number | undefined;
  batchId?: number | undefined;
  origin?: GenerationOriginT | undefined;
  minRating?: number | undefined;
  /** Only images this reviewer has not reviewed. */
  notReviewedBy?: string | undefined;
  favourites?: boolean | undefined;
  from?: string | undefined;
  to?: string | undefined;
  sort: 'newest' | 'oldest' | 'rating' | 'predicted';
  /** The bin's images instead of the gallery's. */
  bin?: boolean | undefined;
  /** One row per walk or interpolation batch (its first image), counting its images in `group`. */
  grouped?: boolean | undefined;
}

/** Origins whose batches a grouped gallery shows as one tile. */
const GROUPED_ORIGINS = `('walk', 'interpolation')`;

/** What emptying the bin did: rows deleted, rows kept for provenance (their files gone too), and the files to remove. */
export interface EmptiedBin {
  deleted: number;
  kept: number;
  files: string[];
}

interface Row {
  id: number;
  file: string;
  seed: number;
  index: number;
  checkpointId: number;
  runId: number;
  size: number;
  width: number | null;
  height: number | null;
  createdAt: string;
  prompt: string;
  truncation: number | null;
  origin: GenerationOriginT;
  parentId: number | null;
  batchId: number | null;
  rating: number;
  ratings: number;
  spread: number;
  favourites: number;
  rejects: number;
  predicted: number | null;
  post: string | null;
  groupSize?: number | null;
}

const COLUMNS = `g.id, g.file, g.seed, g.idx AS "index", g.checkpoint_id AS checkpointId, c.run_id AS runId, g.size,
  g.width, g.height, g.created_at AS createdAt, g.prompt, g.truncation, g.origin, g.parent_id AS parentId,
  g.batch_id AS batchId, g.rating, g.ratings, g.rating_spread AS spread, g.favourites, g.rejects, g.predicted, g.post`;

/** Stars apart at which two reviewers of one image are said to disagree. */
export const DISAGREEMENT = 2;

function fromRow(r: Row): GenerationT {
  return {
    id: r.id,
    file: r.file,
    seed: r.seed,
    index: r.index,
    checkpointId: r.checkpointId,
    runId: r.runId,
    size: r.size,
    width: r.width ?? r.size,
    height: r.height ?? r.size,
    createdAt: r.createdAt,
    prompt: r.prompt,
    truncation: r.truncation,
    origin: r.origin,
    parentId: r.parentId,
    batchId: r.batchId ?? 0,
    rating: r.rating,
    ratings: r.ratings,
    disagreement: r.spread >= DISAGREEMENT,
    favourites: r.favourites,
    rejects: r.rejects,
    mine: null,
    predicted: r.predicted,
    post: r.post ? (JSON.parse(r.post) as PostProcessStepT[]) : [],
    ...(r.groupSize != null ? { group: r.groupSize } : {}),
  };
}

function blob(v: Float32Array | null): Buffer | null {
  return v ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : null;
}

function floats(b: Buffer | null): Float32Array | null {
  return b ? new Float32Array(new Uint8Array(b).buffer) : null;
}

export class GenerationStore {
  constructor(private readonly db: Db) {}

  /** Stores images made together as one batch; returns the batch number and the new ids in order. */
  addBatch(items: NewGeneration[]): { batchId: number; ids: number[] } {
    const insert = this.db.prepare(
      `INSERT INTO generations (checkpoint_id, seed, idx, file, size, width, height, prompt, truncation,
         origin, parent_id, params, post, backend, batch_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const vectors = this.db.prepare('INSERT INTO generation_vectors (generation_id, latent, cond) VALUES (?, ?, ?)');
    const tag = this.db.prepare('INSERT OR REPLACE INTO generation_tags (generation_id, tag, weight) VALUES (?, ?, ?)');
    return this.db.transaction(() => {
      const batchId = (this.db.prepare('SELECT coalesce(max(batch_id), 0) + 1 AS n FROM generations').get() as { n: number }).n;
      const ids: number[] = [];
      for (const g of items) {
        const id = Number(
          insert.run(
            g.checkpointId,
            g.seed,
            g.index,
            g.file,
            g.size,
            g.width,
            g.height,
            g.prompt,
            g.truncation,
            g.origin,
            g.parentId,
            g.params ? JSON.stringify(g.params) : null,
            g.post.length ? JSON.stringify(g.post) : null,
            g.backend,
            batchId,
          ).lastInsertRowid,
        );
        vectors.run(id, blob(g.latent), blob(g.cond));
        for (const t of g.tags) tag.run(id, t.tag, t.weight);
        ids.push(id);
      }
      return { batchId, ids };
    })();
  }

  /** Images in the gallery (the bin's are not counted). */
  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM generations WHERE deleted_at IS NULL').get() as { n: number }).n;
  }

  // --- the bin -------------------------------------------------------------------------

  /** Moves images to the bin; returns how many moved (those already there are left as they are). */
  bin(ids: readonly number[]): number {
    return this.db
      .prepare(
        `UPDATE generations SET deleted_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE id IN (SELECT value FROM json_each(?)) AND deleted_at IS NULL`,
      )
      .run(JSON.stringify(ids)).changes;
  }

  /** Takes images out of the bin; returns how many came back (an image whose file went with an emptied bin cannot). */
  restore(ids: readonly number[]): number {
    return this.db
      .prepare('UPDATE generations SET deleted_at = NULL WHERE id IN (SELECT value FROM json_each(?)) AND deleted_at IS NOT NULL AND purged_at IS NULL')
      .run(JSON.stringify(ids)).changes;
  }

  binCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM generations WHERE deleted_at IS NOT NULL AND purged_at IS NULL').get() as { n: number }).n;
  }

  /**
   * Empties the bin: deletes every binned row nothing else names (with its vectors, tags, reviews),
   * and marks purged the binned rows that an image outside the bin names as its parent, or a
   * feedback round used, so their provenance holds. Answers with the files of both to remove.
   */
  emptyBin(): EmptiedBin {
    return this.db.transaction(() => {
      const binned = this.db.prepare('SELECT id, file, parent_id AS parentId FROM generations WHERE deleted_at IS NOT NULL AND purged_at IS NULL').all() as {
        id: number;
        file: string;
        parentId: number | null;
      }[];
      if (binned.length === 0) return { deleted: 0, kept: 0, files: [] };
      const inBin = new Map(binned.map((b) => [b.id, b]));
      const named = this.db
        .prepare(
          `SELECT b.value AS id FROM json_each(?) b
           WHERE EXISTS (SELECT 1 FROM generations c WHERE c.parent_id = b.value AND c.id NOT IN (SELECT value FROM json_each(?)))
              OR EXISTS (SELECT 1 FROM feedback_round_ratings f WHERE f.generation_id = b.value)`,
        )
        .pluck()
        .all(JSON.stringify([...inBin.keys()]), JSON.stringify([...inBin.keys()])) as number[];
      // A kept row's parent in the bin is named too, and so on up.
      const keep = new Set<number>();
      const stack = [...named];
      while (stack.length) {
        const id = stack.pop()!;
        if (keep.has(id)) continue;
        keep.add(id);
        const parent = inBin.get(id)?.parentId;
        if (parent != null && inBin.has(parent)) stack.push(parent);
      }
      const gone = binned.filter((b) => !keep.has(b.id)).map((b) => b.id);
      this.db.prepare('DELETE FROM generations WHERE id IN (SELECT value FROM json_each(?))').run(JSON.stringify(gone));
      this.db
        .prepare(`UPDATE generations SET purged_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id IN (SELECT value FROM json_each(?))`)
        .run(JSON.stringify([...keep]));
      return { deleted: gone.length, kept: keep.size, files: binned.map((b) => b.file) };
    })();
  }

  /** Which of `ids` are in the gallery (not binned), in the order given: what a page reloading its results shows again. */
  shown(ids: readonly number[]): GenerationT[] {
    const live = new Set(
      this.db
        .prepare('SELECT id FROM generations WHERE id IN (SELECT value FROM json_each(?)) AND deleted_at IS NULL')
        .pluck()
        .all(JSON.stringify(ids)) as number[],
    );
    return this.byIds(ids.filter((id) => live.has(id)));
  }

  /** Which of `ids` name no generated image in this project (in the order given). */
  missing(ids: readonly number[]): number[] {
    return this.db.prepare('SELECT value FROM json_each(?) WHERE value NOT IN (SELECT id FROM generations)').pluck().all(JSON.stringify(ids)) as number[];
  }

  byIds(ids: readonly number[]): GenerationT[] {
    if (ids.length === 0) return [];
    const byId = new Map<number, GenerationT>();
    const stmt = this.db.prepare(`SELECT ${COLUMNS} FROM generations g JOIN checkpoints c ON c.id = g.checkpoint_id WHERE g.id = ?`);
    for (const id of ids) {
      const r = stmt.get(id) as Row | undefined;
      if (r) byId.set(id, fromRow(r));
    }
    return ids.map((id) => byId.get(id)).filter((g): g is GenerationT => g !== undefined);
  }

  get(id: number): GenerationRecord | null {
    const r = this.db
      .prepare(
        `SELECT ${COLUMNS}, v.latent, v.cond, g.params, g.backend, g.hash FROM generations g JOIN checkpoints c ON c.id = g.checkpoint_id
         LEFT JOIN generation_vectors v ON v.generation_id = g.id WHERE g.id = ?`,
      )
      .get(id) as (Row & { latent: Buffer | null; cond: Buffer | null; params: string | null; backend: string; hash: string | null }) | undefined;
    if (!r) return null;
    return {
      ...fromRow(r),
      latent: floats(r.latent),
      cond: floats(r.cond),
      params: r.params ? (JSON.parse(r.params) as Record<string, number | string>) : {},
      backend: r.backend,
      hash: r.hash,
    };
  }

  children(id: number): number {
    return (this.db.prepare('SELECT count(*) AS n FROM generations WHERE parent_id = ?').get(id) as { n: number }).n;
  }

  list(f: GenerationFilter): { total: number; items: GenerationT[] } {
    const { clause, pageClause, args, order } = this.filter(f);
    const total = (this.db.prepare(`SELECT count(*) AS n FROM generations g ${clause}`).get(...args) as { n: number }).n;
    const group = this.grouping(f)
      ? `, CASE WHEN g.origin IN ${GROUPED_ORIGINS} THEN (SELECT count(*) FROM generations x WHERE x.batch_id = g.batch_id AND x.deleted_at IS NULL) END AS groupSize`
      : '';
    const rows = this.db
      .prepare(`SELECT ${COLUMNS}${group} FROM generations g JOIN checkpoints c ON c.id = g.checkpoint_id ${pageClause} ORDER BY ${order} LIMIT ? OFFSET ?`)
      .all(...args, f.limit, f.offset) as Row[];
    return { total, items: rows.map(fromRow) };
  }

  /** Every id the filter matches, in the grid's order (select all). */
  ids(f: Omit<GenerationFilter, 'limit' | 'offset'>): number[] {
    const { clause, args, order } = this.filter(f);
    return this.db
      .prepare(`SELECT g.id FROM generations g ${clause} ORDER BY ${order}`)
      .pluck()
      .all(...args) as number[];
  }

  /** Whether a list groups walks and interpolations: asked for, and not within one batch or the bin. */
  private grouping(f: Pick<GenerationFilter, 'grouped' | 'batchId' | 'bin'>): boolean {
    return !!f.grouped && f.batchId === undefined && !f.bin;
  }

  /** WHERE clauses for a filter: `clause` for counting and id lists, `pageClause` for reading a page in order. */
  private filter(f: Omit<GenerationFilter, 'limit' | 'offset'>): { clause: string; pageClause: string; args: (string | number)[]; order: string } {
    // `%`: the page query walks the id order rather than the bin's partial index.
    const where: string[] = [f.bin ? 'g.deleted_at IS NOT NULL AND g.purged_at IS NULL' : '%g.deleted_at IS NULL'];
    const args: (string | number)[] = [];
    for (const word of (f.text ?? '')
      .toLowerCase()
      .split(/[\s,]+/)
      .filter(Boolean)) {
      where.push(`g.prompt LIKE ? ESCAPE '\\'`);
      args.push(`%${word.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
    }
    if (this.grouping(f)) {
      where.push(`(g.origin NOT IN ${GROUPED_ORIGINS} OR g.id = (SELECT min(x.id) FROM generations x WHERE x.batch_id = g.batch_id AND x.deleted_at IS NULL))`);
    }
    if (f.tag) {
      where.push('g.id IN (SELECT generation_id FROM generation_tags WHERE tag = ?)');
      args.push(f.tag.trim());
    }
    // Terms written `+column` in the page query: walking the id order and stopping at `limit` beats
    // an index on a broad filter followed by sorting every match (SQLite would sort 100,000 rows).
    if (f.runId !== undefined) {
      where.push('%g.checkpoint_id IN (SELECT id FROM checkpoints WHERE run_id = ?)');
      args.push(f.runId);
    }
    const eq: ['checkpointId' | 'seed' | 'batchId' | 'origin', string][] = [
      ['checkpointId', '%g.checkpoint_id'],
      ['seed', 'g.seed'],
      ['batchId', 'g.batch_id'],
      ['origin', 'g.origin'],
    ];
    for (const [key, column] of eq) {
      const v = f[key];
      if (v !== undefined) {
        where.push(`${column} = ?`);
        args.push(v as string | number);
      }
    }
    if (f.minRating) {
      where.push('g.rating >= ?');
      args.push(f.minRating);
    }
    if (f.notReviewedBy !== undefined) {
      where.push('NOT EXISTS (SELECT 1 FROM reviews r WHERE r.generation_id = g.id AND r.reviewer = ?)');
      args.push(f.notReviewedBy);
    }
    if (f.favourites) where.push('g.favourites > 0');
    if (f.from) {
      where.push('%g.created_at >= ?');
      args.push(f.from);
    }
    if (f.to) {
      where.push('%g.created_at < ?');
      args.push(f.to);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}`.replaceAll('%', '') : '';
    const byIndex = f.sort === 'rating' || f.sort === 'predicted';
    const pageClause = where.length && !byIndex ? `WHERE ${where.join(' AND ')}`.replaceAll('%', '+') : clause;
    const order = {
      newest: 'g.id DESC',
      oldest: 'g.id ASC',
      rating: 'g.rating DESC, g.id DESC',
      // Unpredicted images (null) sort last: DESC puts nulls last in SQLite.
      predicted: 'g.predicted DESC, g.id DESC',
    }[f.sort];
    return { clause, pageClause, args, order };
  }

  // --- prompts -------------------------------------------------------------------------

  /** Moves a prompt to the top of the history (re-inserted, so the newest use has the highest rowid). */
  recordPrompt(text: string): void {
    if (!text.trim()) return;
    this.db.transaction(() => {
      const old = this.db.prepare('SELECT uses FROM prompt_history WHERE text = ?').get(text) as { uses: number } | undefined;
      this.db.prepare('DELETE FROM prompt_history WHERE text = ?').run(text);
      this.db.prepare('INSERT INTO prompt_history (text, uses) VALUES (?, ?)').run(text, (old?.uses ?? 0) + 1);
    })();
  }

  history(limit: number): { text: string; uses: number; lastUsedAt: string }[] {
    return this.db.prepare('SELECT text, uses, last_used_at AS lastUsedAt FROM prompt_history ORDER BY rowid DESC LIMIT ?').all(limit) as {
      text: string;
      uses: number;
      lastUsedAt: string;
    }[];
  }

  templates(): { id: number; name: string; text: string; createdAt: string }[] {
    return this.db.prepare('SELECT id, name, text, created_at AS createdAt FROM prompt_templates ORDER BY name COLLATE NOCASE').all() as {
      id: number;
      name: string;
      text: string;
      createdAt: string;
    }[];
  }

  saveTemplate(name: string, text: string): { id: number; name: string; text: string; createdAt: string } {
    this.db
      .prepare(
        `INSERT INTO prompt_templates (name, text) VALUES (?, ?)
         ON CONFLICT(name) DO UPDATE SET text = excluded.text, created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
      )
      .run(name, text);
    return this.db.prepare('SELECT id, name, text, created_at AS createdAt FROM prompt_templates WHERE name = ?').get(name) as {
      id: number;
      name: string;
      text: string;
      createdAt: string;
    };
  }

  deleteTemplate(id: number): boolean {
    return this.db.prepare('DELETE FROM prompt_templates WHERE id = ?').run(id).changes > 0;
  }
}
