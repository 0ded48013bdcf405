// The log a person attaches to a bug report: JSON lines in a size-capped file, in the
// project's logs/ folder while one is open, never served to a page; a crash leaves
// its stack there before the process ends.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AtelierError } from '../../../src-main/errors';
import { servableProjectFile } from '../../../src-main/host/files';
import { CappedFile, defaultLogFolder, log, logFile, logToFolder, logToProject, setLogFallback } from '../../../src-main/log';

const root = mkdtempSync(join(tmpdir(), 'atelier-log-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const LOG_MODULE = fileURLToPath(new URL('../../../src-main/log.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function lines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('the log file', () => {
  it('writes JSON lines with the level, the time, the message and an error with its stack and code', () => {
    const folder = join(root, 'a');
    logToFolder(folder);
    expect(logFile()).toBe(join(folder, 'atelier.log'));
    log.info('opened');
    log.error('runs:start failed', new AtelierError('invalid-input', 'Steps must be at least 1.'));
    const [info, error] = lines(join(folder, 'atelier.log'));
    expect(info).toMatchObject({ level: 'info', msg: 'opened' });
    expect(typeof info!.time).toBe('string');
    const err = error!.err as { message: string; stack: string; code: string };
    expect(error).toMatchObject({ level: 'error', msg: 'runs:start failed' });
    expect(err.message).toBe('Steps must be at least 1.');
    expect(err.code).toBe('invalid-input');
    expect(error!.err).toMatchObject({ type: 'AtelierError' });
    expect(err.stack).toMatch(/AtelierError: Steps must be at least 1\.\n\s+at /);
  });

  it('follows the open project into its logs/ folder, and back to the fallback folder when it closes', () => {
    const project = join(root, 'project');
    const fallback = join(root, 'app-logs');
    mkdirSync(project);
    setLogFallback(fallback);
    logToProject(project);
    log.warn('in the project');
    logToProject(null);
    log.warn('no project');
    expect(lines(join(project, 'logs', 'atelier.log')).map((l) => l.msg)).toEqual(['in the project']);
    expect(lines(join(fallback, 'atelier.log')).map((l) => l.msg)).toEqual(['no project']);
  });

  it('is never served to a page', () => {
    const project = join(root, 'project');
    expect(existsSync(join(project, 'logs', 'atelier.log'))).toBe(true);
    expect(servableProjectFile(project, 'logs/atelier.log')).toBeNull();
    writeFileSync(join(project, 'logs', 'shot.png'), 'not really');
    expect(servableProjectFile(project, 'logs/shot.png')).toBeNull();
  });

  it('caps its size: a full file becomes atelier.log.1 and a new one starts', () => {
    const path = join(root, 'capped.log');
    const file = new CappedFile(path, 1000);
    const line = `${'x'.repeat(99)}\n`;
    for (let i = 0; i < 25; i++) file.write(line);
    file.close();
    expect(statSync(path).size).toBeLessThanOrEqual(1000);
    expect(statSync(`${path}.1`).size).toBeLessThanOrEqual(1000);
    expect(statSync(path).size + statSync(`${path}.1`).size).toBe(500 + 1000);
    // Another process (or a later run) keeps appending to the same capped file.
    const again = new CappedFile(path, 1000);
    again.write(line);
    again.close();
    expect(statSync(path).size).toBe(600);
  });

  it('goes to $XDG_STATE_HOME/atelier/logs, else ~/.atelier/logs, when no folder is given', () => {
    expect(defaultLogFolder({ XDG_STATE_HOME: '/state' })).toBe(join('/state', 'atelier', 'logs'));
    expect(defaultLogFolder({})).toMatch(/\.atelier[\\/]logs$/);
  });

  it.each([
    ['an uncaught exception', 'setTimeout(function boom() { throw new Error("kaboom"); }, 0);', 'uncaught exception', /Error: kaboom\n\s+at (Timeout\.)?boom/],
    ['an unhandled rejection', 'Promise.reject(new RangeError("nope"));', 'unhandled rejection', /RangeError: nope\n\s+at /],
  ])('leaves %s with its stack before the process ends as it would have', (_what, crash, origin, stack) => {
    const folder = join(root, `crash-${origin.replace(' ', '-')}`);
    const script = `import { installCrashHandlers, logToFolder } from ${JSON.stringify(LOG_MODULE)};
logToFolder(${JSON.stringify(folder)});
installCrashHandlers('job');
${crash}`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(child.status).not.toBe(0); // Node's own handling is kept: the process still dies
    const [line] = lines(join(folder, 'atelier.log'));
    expect(line).toMatchObject({ level: 'fatal', msg: `job crashed (${origin})`, process: 'job' });
    expect((line!.err as { stack: string }).stack).toMatch(stack);
  });
});
