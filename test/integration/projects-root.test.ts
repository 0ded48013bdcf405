// The headless studio's pages create projects only inside its projects folder.
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forkLauncher } from '../../src-main/host/jobs';
import { createStudio, type Studio } from '../../src-main/host/studio';

const JOB_PROCESS = fileURLToPath(new URL('../../src-main/host/job-process.ts', import.meta.url));
let root: string;
let studio: Studio;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'atelier-root-'));
  mkdirSync(join(root, 'projects'));
  mkdirSync(join(root, 'elsewhere'));
  symlinkSync(join(root, 'elsewhere'), join(root, 'projects', 'link'));
  studio = createStudio({ launchJob: forkLauncher(JOB_PROCESS), log: () => {}, projectsRoot: join(root, 'projects') });
});
afterAll(() => {
  studio?.close();
  rmSync(root, { recursive: true, force: true });
});

async function create(dir: string): Promise<{ ok: boolean; code?: string; message?: string; dir?: string }> {
  const r = await studio.router.call('project:create', { dir });
  return r.ok ? { ok: true, dir: (r.result as { dir: string }).dir } : { ok: false, ...r.error };
}

describe('project:create under a projects root', () => {
  it('says where projects go', async () => {
    const r = await studio.router.call('app:info', {});
    expect(r.ok && (r.result as { projectsRoot: string }).projectsRoot).toBe(join(root, 'projects'));
  });

  it('takes a bare name inside the root, and a path inside it', async () => {
    expect(await create('mascots')).toEqual({ ok: true, dir: join(root, 'projects', 'mascots') });
    expect(await create(join(root, 'projects', 'team', 'icons'))).toEqual({ ok: true, dir: join(root, 'projects', 'team', 'icons') });
  });

  it('refuses anything outside it: absolute paths, .., and symlinks that lead out', async () => {
    // Another temporary folder beside the root: absolute, and outside it.
    const beside = `${root}-outside`;
    for (const dir of [join(root, 'elsewhere', 'p'), '../elsewhere/p', join(root, 'projects'), beside, 'link/p']) {
      const r = await create(dir);
      expect(r, dir).toMatchObject({ ok: false, code: 'outside-projects-folder' });
      expect(r.message).toContain(join(root, 'projects'));
    }
    expect(existsSync(join(root, 'elsewhere', 'p'))).toBe(false);
    expect(existsSync(beside)).toBe(false);
  });

  it('still refuses hidden folders inside the root', async () => {
    expect(await create('.ssh')).toMatchObject({ ok: false, code: 'hidden-folder' });
  });
});
