// Running the real `atelier` CLI (from source, through tsx) the way a user would.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Logs outside a project ($XDG_STATE_HOME) and the workstation's reviewer name ($XDG_CONFIG_HOME) go to folders of the tests' own. */
export const TEST_ENV = {
  ...process.env,
  XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'atelier-state-')),
  XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'atelier-config-')),
};

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../src-main/host/cli.ts', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The JSON object on the last line of stdout (with --json). */
  json: Record<string, unknown>;
}

export function atelier(args: string[], options: { timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: TEST_ENV });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`atelier ${args.join(' ')} timed out\n${stderr}`));
    }, options.timeoutMs ?? 300_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').at(-1) ?? '';
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(last) as Record<string, unknown>;
      } catch {
        /* not every run asks for --json */
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}

/** Starts `atelier studio` and resolves once it prints its URL. */
export function startStudio(args: string[]): Promise<{ child: ChildProcess; url: string; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'studio', ...args, '--json'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: TEST_ENV,
    });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        const info = JSON.parse(line) as { url: string; port: number };
        resolve({ child, url: info.url, port: info.port });
      }
    });
    child.on('exit', (code) => reject(new Error(`studio exited with ${code}: ${err}`)));
  });
}
