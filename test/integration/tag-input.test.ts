// Tag edits take only real images and bounded names; nothing half-applies.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TAG_MAX_LENGTH } from '../../src-preload/contract';
import { forkLauncher } from '../../src-main/host/jobs';
import { createStudio, type Studio } from '../../src-main/host/studio';

const JOB_PROCESS = fileURLToPath(new URL('../../src-main/host/job-process.ts', import.meta.url));
let root: string;
let studio: Studio;
let ids: number[];
const LONG_FOLDER = 'f'.repeat(150);

async function call(name: string, input: unknown) {
  return studio.router.call(name, input);
}
const tagNames = async () => {
  const r = await call('tags:list', {});
  return r.ok ? (r.result as { name: string }[]).map((t) => t.name) : [];
};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'atelier-tags-'));
  mkdirSync(join(root, 'art', LONG_FOLDER), { recursive: true });
  for (let i = 0; i < 3; i++) {
    await sharp({ create: { width: 24, height: 24, channels: 3, background: { r: 40 * i, g: 200, b: 90 } } })
      .png()
      .toFile(join(root, 'art', LONG_FOLDER, `${i}.png`));
  }
  studio = createStudio({ launchJob: forkLauncher(JOB_PROCESS), log: () => {}, lockProjects: false });
  await studio.createProject(join(root, 'p'));
  const imported = await call('assets:import', { paths: [join(root, 'art')], tagsFromFolders: true });
  expect(imported.ok).toBe(true);
  const list = await call('assets:list', { limit: 10 });
  ids = list.ok ? (list.result as { items: { id: number }[] }).items.map((a) => a.id) : [];
  expect(ids).toHaveLength(3);
});
afterAll(() => {
  studio?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('tag input', () => {
  it('cuts a folder name used as a tag to the longest tag name', async () => {
    expect(await tagNames()).toEqual(['f'.repeat(TAG_MAX_LENGTH)]);
  });

  it('refuses ids that name no image, and makes no tag for them', async () => {
    const r = await call('tags:apply', { ids: [999_999], add: ['ghost'] });
    expect(r).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect((r as { error: { message: string } }).error.message).toContain('999999');
    const mixed = await call('tags:apply', { ids: [ids[0], 424_242], add: ['half'] });
    expect(mixed).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await tagNames()).not.toContain('ghost');
    expect(await tagNames()).not.toContain('half');
    for (const [name, input] of [
      ['assets:rate', { ids: [999_999], rating: 3 }],
      ['assets:exclude', { ids: [999_999], excluded: true }],
    ] as const) {
      expect(await call(name, input)).toMatchObject({ ok: false, error: { code: 'not-found' } });
    }
  });

  it('refuses tag names that are too long or hold control characters, naming the limit', async () => {
    const huge = await call('tags:apply', { ids, add: ['x'.repeat(500_000)] });
    expect(huge).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect((huge as { error: { message: string } }).error.message).toContain(`at most ${TAG_MAX_LENGTH} characters`);
    expect(await call('tags:apply', { ids, add: ['two\nlines'] })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(await call('tags:rename', { from: 'f'.repeat(TAG_MAX_LENGTH), to: 'y'.repeat(TAG_MAX_LENGTH + 1) })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
    expect(await call('assets:list', { tag: 'z'.repeat(5000) })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect((await tagNames()).every((t) => t.length <= TAG_MAX_LENGTH)).toBe(true);
  });

  it('still tags real images with a name at the limit, trimmed', async () => {
    const name = 'k'.repeat(TAG_MAX_LENGTH);
    expect(await call('tags:apply', { ids, add: [`  ${name}  `] })).toMatchObject({ ok: true, result: { added: 3 } });
    expect(await tagNames()).toContain(name);
  });

  it('undoes a rename even when the old name has come back since (found by the fuzz suite)', async () => {
    expect(await call('tags:apply', { ids: [ids[0]], add: ['fox'] })).toMatchObject({ ok: true });
    expect(await call('tags:rename', { from: 'fox', to: 'vixen' })).toMatchObject({ ok: true, result: { merged: false } });
    expect(await call('tags:apply', { ids: [ids[1]], add: ['fox'] })).toMatchObject({ ok: true, result: { added: 1 } });
    expect(await call('edits:undo', {})).toMatchObject({ ok: true }); // the second 'fox' link goes, its tag stays
    expect(await call('edits:undo', {})).toMatchObject({ ok: true, result: { undone: 'rename tag fox to vixen' } });
    const names = await tagNames();
    expect(names).toContain('fox');
    expect(names).not.toContain('vixen');
    const foxes = await call('assets:list', { tag: 'fox', limit: 10 });
    expect(foxes.ok && (foxes.result as { items: { id: number }[] }).items.map((a) => a.id)).toEqual([ids[0]]);
  });
});
