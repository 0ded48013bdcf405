import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Project } from '../../../src-main/store/project';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'atelier-proj-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('project folder', () => {
  it('is created with the layout DESIGN.md names and reopens', () => {
    const dir = join(temp(), 'a', 'b');
    Project.create(dir).close();
    for (const f of ['atelier.db', 'assets', 'thumbs', 'checkpoints', 'samples']) expect(existsSync(join(dir, f))).toBe(true);
    const p = Project.open(dir);
    expect(p.summary()).toMatchObject({ name: 'b', assetCount: 0, runCount: 0 });
    p.close();
  });

  it('refuses a folder that already holds a project or other files', () => {
    const dir = temp();
    Project.create(join(dir, 'p')).close();
    expect(() => Project.create(join(dir, 'p'))).toThrow('already holds an Atelier project');
    mkdirSync(join(dir, 'photos'));
    writeFileSync(join(dir, 'photos', 'holiday.jpg'), 'x');
    expect(() => Project.create(join(dir, 'photos'))).toThrow('is not empty (1 items)');
  });

  it('names the folder it cannot create, instead of hanging', () => {
    expect(() => Project.create('/proc/atelier-nope/x')).toThrow('Cannot create the folder /proc/atelier-nope');
    const file = join(temp(), 'file.txt');
    writeFileSync(file, 'x');
    expect(() => Project.create(join(file, 'p'))).toThrow(`Cannot create the folder ${join(file, 'p')}`);
  });

  it('says plainly when a folder is not a project, or its database is not a database', () => {
    const dir = temp();
    expect(() => Project.open(dir)).toThrow(`${dir} is not an Atelier project: it has no atelier.db.`);
    writeFileSync(join(dir, 'atelier.db'), 'definitely not sqlite, just some text that is long enough to look like a header');
    expect(() => Project.open(dir)).toThrow(/is not a readable project database/);
  });
});
