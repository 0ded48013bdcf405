// Two processes importing the same files into one project: the second insert of a
// hash is a duplicate (its tags join the stored image), never SQLITE_CONSTRAINT_UNIQUE.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { NewAsset } from '../../../src-main/store/assets';
import { Project } from '../../../src-main/store/project';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const asset = (hash: string, tags: string[]): NewAsset => ({
  hash,
  ext: 'png',
  name: `${hash}.png`,
  width: 8,
  height: 8,
  bytes: 10,
  hasAlpha: false,
  thumb: `thumbs/${hash}.webp`,
  tags,
});

it('a hash stored by another connection between the check and the insert becomes a duplicate', () => {
  const root = mkdtempSync(join(tmpdir(), 'atelier-concurrent-'));
  dirs.push(root);
  const first = Project.create(join(root, 'p'));
  const second = Project.open(join(root, 'p')); // another process's connection
  try {
    expect(second.assets.findByHash('aa')).toBeNull(); // the second importer checked: not there yet
    expect(first.assets.insertMany([asset('aa', ['red'])])).toHaveLength(1);
    const ids = second.assets.insertMany([asset('aa', ['fox']), asset('bb', ['fox'])]);
    expect(ids).toHaveLength(1);
    expect(second.assets.count()).toBe(2);
    const stored = first.assets.findByHash('aa')!;
    expect(first.assets.get(stored)!.tags.sort()).toEqual(['fox', 'red']);
  } finally {
    second.close();
    first.close();
  }
});
