// Starting the built headless studio on a fresh project for a Playwright test.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Logs and the workstation's reviewer name go to folders of the test's own.
const TEST_ENV = {
  ...process.env,
  // No embedding of the whole starter set in the background while a spec uses the cores: the
  // specs that score images ask for it, as a person would.
  ATELIER_BACKGROUND: 'off',
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

/** Runs on a new project before the studio opens it; one with a `key` makes the same project every time, so it is made once per run and copied. */
export type Prepare = ((dir: string, cli: string) => void) & { key?: string };

/**
 * Projects already made in this test run, by what they hold: specs that need the same starting
 * point (the starter set, a tiny trained model) copy it instead of importing and training again.
 * The folder is the run's (global-setup.ts makes and removes it), so a new worker finds them too.
 */
const templates = process.env.ATELIER_E2E_TEMPLATES ?? mkdtempSync(join(tmpdir(), 'atelier-e2e-templates-'));
const templateOf = (key: string) => join(templates, key.replace(/[^a-z0-9+-]/gi, '_'));

/**
 * Makes the project `options` describe in `dir`: copied from this run's template when there is one,
 * else created (from the starter template when the starter is asked for and that template exists)
 * and, when it has a `key`, kept as a template for the next spec.
 */
export function makeProject(dir: string, options: { starter: boolean; prepare?: Prepare }): void {
  const key = options.prepare && !options.prepare.key ? null : `${options.starter ? 'starter' : 'empty'}+${options.prepare?.key ?? 'nothing'}`;
  const template = key === null ? undefined : templateOf(key);
  if (template && existsSync(template)) {
    cpSync(template, dir, { recursive: true });
    return;
  }
  const starter = templateOf('starter+nothing');
  if (options.starter && options.prepare && existsSync(starter)) {
    cpSync(starter, dir, { recursive: true });
  } else {
    const created = spawnSync(process.execPath, [CLI, 'new', dir, ...(options.starter ? ['--starter'] : []), '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: TEST_ENV,
    });
    if (created.status !== 0) throw new Error(`atelier new failed: ${created.stderr}`);
  }
  options.prepare?.(dir, CLI);
  if (template) {
    // Copied under a name of this process's and renamed: a template is whole or absent, and when
    // two workers make the same one at once, the first rename wins and the other copy goes.
    const partial = `${template}.partial-${process.pid}`;
    cpSync(dir, partial, { recursive: true });
    try {
      renameSync(partial, template);
    } catch {
      rmSync(partial, { recursive: true, force: true });
    }
  }
}

/**
 * `prepare` runs on the new project before the studio opens it (e.g. training a model from the
 * CLI). `ownConfig`: the studio gets a workstation config of its own (no reviewer name, no
 * measured speed, no recent projects), for a spec about a first visit whatever ran before it.
 */
export async function studioWithProject(options: { starter: boolean; prepare?: Prepare; ownConfig?: boolean }): Promise<RunningStudio> {
  const root = mkdtempSync(join(tmpdir(), 'atelier-e2e-'));
  const dir = join(root, 'project');
  makeProject(dir, options);
  const env = options.ownConfig ? { ...TEST_ENV, XDG_CONFIG_HOME: join(root, 'config') } : TEST_ENV;
  const { child, url } = await spawnStudio([dir], env);
  return {
    url,
    dir,
    stop() {
      child.kill();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Starts `atelier studio <args> --json` and resolves with the address it prints. */
export async function spawnStudio(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, 'studio', ...args, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.on('exit', (code) => reject(new Error(`studio exited with ${code}`)));
  });
  return { child, url };
}

/** A `prepare` that trains a small 32 px conditional GAN for a few steps from the CLI: enough for screens about its images, not for the pictures. */
export function trainTinyCgan(steps = 24): Prepare {
  const prepare: Prepare = (dir, cli) => {
    const trained = spawnSync(
      process.execPath,
      [cli, 'train', dir, '--model', 'cgan', '--size', '32', '--preset', 'small', '--steps', String(steps), '--batch', '8', '--workers', '1', '--json'],
      { encoding: 'utf8', env: TEST_ENV },
    );
    if (trained.status !== 0) throw new Error(`atelier train failed: ${trained.stderr}`);
  };
  prepare.key = `tiny-cgan-${steps}`;
  return prepare;
}
