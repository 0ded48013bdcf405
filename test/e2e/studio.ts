// Starting the built headless studio on a fresh project for a Playwright test.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Logs and the workstation's reviewer name go to folders of the test's own.
const TEST_ENV = {
  ...process.env,
  XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'atelier-state-')),
  XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'atelier-config-')),
};

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'out/main/cli.js');

export interface RunningStudio {
  /** The launch URL (`/?token=…`): the page trades it for a session cookie and keeps the token in memory. */
  url: string;
  dir: string;
  stop(): void;
}

/**
 * What the studio page itself sends with an API call, for a test that calls the API
 * directly (page.request): the token header, its own origin, and JSON.
 */
export function apiHeaders(launchUrl: string): Record<string, string> {
  const url = new URL(launchUrl);
  return { 'x-atelier-token': url.searchParams.get('token') ?? '', origin: url.origin, 'content-type': 'application/json' };
}

/** `prepare` runs on the new project before the studio opens it (e.g. training a model from the CLI). */
export async function studioWithProject(options: { starter: boolean; prepare?: (dir: string, cli: string) => void }): Promise<RunningStudio> {
  const root = mkdtempSync(join(tmpdir(), 'atelier-e2e-'));
  const dir = join(root, 'project');
  const made = spawnSync(process.execPath, [CLI, 'new', dir, ...(options.starter ? ['--starter'] : []), '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: TEST_ENV,
  });
  if (made.status !== 0) throw new Error(`atelier new failed: ${made.stderr}`);
  options.prepare?.(dir, CLI);
  const child: ChildProcess = spawn(process.execPath, [CLI, 'studio', dir, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: TEST_ENV });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.on('exit', (code) => reject(new Error(`studio exited with ${code}`)));
  });
  return {
    url,
    dir,
    stop() {
      child.kill();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A `prepare` that trains a small 32 px conditional GAN for a few steps from the CLI: enough for screens about its images, not for the pictures. */
export function trainTinyCgan(steps = 24): (dir: string, cli: string) => void {
  return (dir, cli) => {
    const trained = spawnSync(
      process.execPath,
      [cli, 'train', dir, '--model', 'cgan', '--size', '32', '--preset', 'small', '--steps', String(steps), '--batch', '8', '--workers', '1', '--json'],
      { encoding: 'utf8', env: TEST_ENV },
    );
    if (trained.status !== 0) throw new Error(`atelier train failed: ${trained.stderr}`);
  };
}
