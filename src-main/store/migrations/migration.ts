// The shape of one numbered migration; index.ts lists them in order.
import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
  /** Rebuilds tables that others reference: foreign keys are off while it runs and checked before commit. */
  foreignKeysOff?: boolean;
}
