// Generated images and where they came from.
import type { Db } from './db';

export interface GenerationRow {
  id: number;
  file: string;
  seed: number;
  index: number;
  checkpointId: number;
  runId: number;
  size: number;
  createdAt: string;
}

export class GenerationStore {
  constructor(private readonly db: Db) {}

  addMany(items: { checkpointId: number; seed: number; index: number; file: string; size: number }[]): number[] {
    const insert = this.db.prepare('INSERT INTO generations (checkpoint_id, seed, idx, file, size) VALUES (?, ?, ?, ?, ?)');
    const ids: number[] = [];
    this.db.transaction(() => {
      for (const g of items) ids.push(Number(insert.run(g.checkpointId, g.seed, g.index, g.file, g.size).lastInsertRowid));
    })();
    return ids;
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM generations').get() as { n: number }).n;
  }

  page(offset: number, limit: number): GenerationRow[] {
    return this.db
      .prepare(
        `SELECT g.id, g.file, g.seed, g.idx AS "index", g.checkpoint_id AS checkpointId, c.run_id AS runId, g.size, g.created_at AS createdAt
         FROM generations g JOIN checkpoints c ON c.id = g.checkpoint_id ORDER BY g.id DESC LIMIT ? OFFSET ?`,
      )
      .all(limit, offset) as GenerationRow[];
  }
}
