// The Welcome screen's recent projects: the studio remembers each project it opens or
// creates on this workstation (in the config folder), newest first, marks one whose folder
// has gone as missing, and forgets one on request without touching its folder.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forkLauncher } from '../../src-main/host/jobs';
import { RecentProjects, recentProjectsFile } from '../../src-main/host/recent-projects';
import { createStudio, type Studio } from '../../src-main/host/studio';

const JOB_PROCESS = fileURLToPath(new URL('../../src-main/host/job-process.ts', import.meta.url));

let root: string;
let file: string;
let studio: Studio;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'atelier-recent-'));
  file = join(root, 'config', 'atelier', 'recent-projects.json');
  studio = createStudio({ launchJob: forkLauncher(JOB_PROCESS), log: () => {}, lockProjects: false, recentProjects: new RecentProjects(file) });
});
afterAll(() => {
  studio?.close();
  rmSync(root, { recursive: true, force: true });
});

async function recent() {
  const answer = await studio.router.call('projects:recent', {});
  if (!answer.ok) throw new Error(answer.error.message);
  return answer.result as { dir: string; name: string; openedAt: string; missing: boolean }[];
}

describe('recent projects', () => {
  it('lives in the config folder, beside the other workstation files', () => {
    expect(recentProjectsFile({ XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/atelier/recent-projects.json');
  });

  it('lists the projects opened and created here, newest first, each once', async () => {
    expect(await recent()).toEqual([]);
    await studio.createProject(join(root, 'mascots'));
    await studio.createProject(join(root, 'icons'));
    expect((await recent()).map((p) => p.name)).toEqual(['icons', 'mascots']);
    const opened = await studio.router.call('project:open', { dir: join(root, 'mascots') });
    expect(opened.ok).toBe(true);
    const list = await recent();
    expect(list.map((p) => [p.name, p.dir, p.missing])).toEqual([
      ['mascots', join(root, 'mascots'), false],
      ['icons', join(root, 'icons'), false],
    ]);
    expect(Date.parse(list[0]!.openedAt)).toBeGreaterThan(Date.parse(list[1]!.openedAt));
    expect(existsSync(file)).toBe(true);
  });

  it('marks a project whose folder has gone as missing, and forgets it on request', async () => {
    rmSync(join(root, 'icons'), { recursive: true, force: true });
    expect((await recent()).map((p) => [p.name, p.missing])).toEqual([
      ['mascots', false],
      ['icons', true],
    ]);
    const forgot = await studio.router.call('projects:forget', { dir: join(root, 'icons') });
    expect(forgot).toMatchObject({ ok: true, result: [{ name: 'mascots' }] });
    expect((JSON.parse(readFileSync(file, 'utf8')) as { projects: unknown[] }).projects).toHaveLength(1);
    // Forgetting never touches a folder.
    await studio.router.call('projects:forget', { dir: join(root, 'mascots') });
    expect(await recent()).toEqual([]);
    expect(existsSync(join(root, 'mascots', 'atelier.db'))).toBe(true);
  });

  it('reads a damaged file as an empty list and replaces it at the next open', async () => {
    writeFileSync(file, '{ not json');
    expect(await recent()).toEqual([]);
    studio.openProject(join(root, 'mascots'));
    expect((await recent()).map((p) => p.name)).toEqual(['mascots']);
  });
});
