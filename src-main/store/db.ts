// Opening a project database: pragmas, then every pending migration in one transaction.
import Database from 'better-sqlite3';
import { AtelierError } from '../errors';
import { currentRuntime, explainNativeLoadError } from '../native-abi';
import { migrations, type Migration } from './migrations/index';

export type Db = Database.Database;

export function openDatabase(file: string, options: { upTo?: number; list?: readonly Migration[] } = {}): Db {
  let db: Db;
  try {
    db = new Database(file);
  } catch (error) {
    // better-sqlite3 loads its native addon here: built for the other runtime (Node / Electron), say which command fixes it.
    const abi = explainNativeLoadError(error, currentRuntime());
    if (abi) throw new AtelierError('native-module-mismatch', abi);
    throw new AtelierError('store-unreadable', `${file} cannot be opened as a project database: ${(error as Error).message}`);
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const list = options.list ?? migrations;
    migrate(db, file, list, options.upTo ?? list.length);
    return db;
  } catch (error) {
    db.close();
    if (error instanceof AtelierError) throw error;
    throw new AtelierError('store-unreadable', `${file} is not a readable project database: ${(error as Error).message}`);
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: Db, file: string, list: readonly Migration[], target: number): void {
  const current = schemaVersion(db);
  const known = list.length;
  if (current > known) {
    throw new AtelierError(
      'store-too-new',
      `${file} was saved by a newer Atelier (schema ${current}; this version knows up to ${known}). Update Atelier to open this project.`,
    );
  }
  const pending = list.filter((m) => m.version > current && m.version <= target);
  if (pending.length === 0) return;
  // PRAGMA foreign_keys is a no-op inside a transaction, so it is switched around it.
  const fkOff = pending.some((m) => m.foreignKeysOff);
  if (fkOff) db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      for (const m of pending) {
        m.up(db);
        db.pragma(`user_version = ${m.version}`);
      }
      if (fkOff) {
        const broken = db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
        if (broken.length > 0) {
          const first = broken[0]!;
          throw new Error(`migration left ${broken.length} broken references (first: ${first.table} row ${first.rowid} → ${first.parent})`);
        }
      }
    }).immediate();
  } finally {
    if (fkOff) db.pragma('foreign_keys = ON');
  }
}
