import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
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
    const file = join(temp(), 'file.txt');
    writeFileSync(file, 'x');
    expect(() => Project.create(join(file, 'p'))).toThrow(`Cannot create the folder ${join(file, 'p')}`);
  });

  it('never creates a project in a folder holding only hidden files, in a hidden folder, or in a system folder', () => {
    const dir = temp();
    // An ~/.ssh-like folder: only dot-files, and itself hidden.
    mkdirSync(join(dir, 'keys'));
    writeFileSync(join(dir, 'keys', '.authorized_keys'), 'ssh-ed25519 AAAA');
    expect(() => Project.create(join(dir, 'keys'))).toThrow('is not empty (1 hidden item, such as .authorized_keys)');
    mkdirSync(join(dir, '.ssh'));
    expect(() => Project.create(join(dir, '.ssh'))).toThrow('is inside the hidden folder .ssh');
    expect(() => Project.create(join(dir, '.config', 'atelier'))).toThrow('is inside the hidden folder .config');
    expect(existsSync(join(dir, '.ssh', 'atelier.db'))).toBe(false);
    expect(existsSync(join(dir, '.config'))).toBe(false);
    for (const system of ['/etc/atelier-test', '/usr/local/atelier-test', '/proc/atelier-nope/x', '/']) {
      expect(() => Project.create(system)).toThrow(/system folder|root of the disk/);
    }
    expect(existsSync('/etc/atelier-test')).toBe(false);
    expect(() => Project.create(homedir())).toThrow('your home folder');
    // A checkout that lives under a hidden folder further up may still hold its projects.
    mkdirSync(join(dir, '.local', 'atelier'), { recursive: true });
    Project.create(join(dir, '.local', 'atelier', 'projects', 'starter')).close();
    expect(existsSync(join(dir, '.local', 'atelier', 'projects', 'starter', 'atelier.db'))).toBe(true);
  });

  it('says plainly when a folder is not a project, or its database is not a database', () => {
    const dir = temp();
    expect(() => Project.open(dir)).toThrow(`${dir} is not an Atelier project: it has no atelier.db.`);
    writeFileSync(join(dir, 'atelier.db'), 'definitely not sqlite, just some text that is long enough to look like a header');
    expect(() => Project.open(dir)).toThrow(/is not a readable project database/);
  });
});
