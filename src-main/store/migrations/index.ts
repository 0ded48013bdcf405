// Numbered migrations, stored in PRAGMA user_version. Versions only go up;
// pending ones run in one transaction; a database newer than the app is refused.
import m001 from './001-assets-and-tags';
import m002 from './002-runs-and-generations';
import m003 from './003-curation';
import m004 from './004-training-studio';
import m005 from './005-generation-provenance';
import m006 from './006-asset-ratings';
import m007 from './007-image-features';
import m008 from './008-evaluations';
import m009 from './009-reviews';
import m010 from './010-run-archive';
import m011 from './011-generation-bin';
import m012 from './012-run-backend';
import type { Migration } from './migration';

export type { Migration } from './migration';

export const migrations: readonly Migration[] = [m001, m002, m003, m004, m005, m006, m007, m008, m009, m010, m011, m012];

for (let i = 0; i < migrations.length; i++) {
  if (migrations[i]!.version !== i + 1) {
    throw new Error(`Migration ${migrations[i]!.name} has version ${migrations[i]!.version}, expected ${i + 1}`);
  }
}

export const latestVersion = migrations.length;
