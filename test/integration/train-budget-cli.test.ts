// `atelier train --minutes` on a tiny fixture: the budget becomes steps from this machine's timed
// speed, the run ends at its budget with a checkpoint, the JSON reports the run's mean img/s and
// the last window's under its own name, and a terminal (forced: ATELIER_PROGRESS=bar) gets a
// progress bar on stderr while stdout keeps its one JSON line. Also: --count names its limit.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, TEST_ENV } from './cli-helpers';

const CLI = fileURLToPath(new URL('../../src-main/host/cli.ts', import.meta.url));

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env: { ...TEST_ENV, ATELIER_BACKGROUND: 'off', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const root = mkdtempSync(join(tmpdir(), 'atelier-budget-cli-'));
const project = join(root, 'project');

beforeAll(async () => {
  const art = join(root, 'art');
  mkdirSync(art);
  for (let i = 0; i < 12; i++) {
    await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: (i * 40) % 256, g: 90, b: 255 - i * 20 } } })
      .png()
      .toFile(join(art, `tile-${i}.png`));
  }
  expect((await run(['new', project])).code).toBe(0);
  expect((await run(['import', project, art])).code).toBe(0);
}, 60_000);

describe('atelier train --minutes', () => {
  it('trains for its budget, reports the mean and the last window, and draws a bar on a terminal', async () => {
    const r = await run(['train', project, '--model', 'dcgan', '--minutes', '0.05', '--batch', '4', '--workers', '1', '--json'], { ATELIER_PROGRESS: 'bar' });
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, number | string | null>;
    expect(json.minutes).toBe(0.05);
    expect(json.steps as number).toBeGreaterThan(1);
    expect(existsSync(json.checkpoint as string)).toBe(true);
    expect(json.checkpoint as string).toMatch(new RegExp(`step-${json.steps}$`)); // the last step's checkpoint
    // The mean counts the first step (kernel set-up) and the grids between steps; the last window does not.
    expect(typeof json.imgPerSec).toBe('number');
    expect(typeof json.lastWindowImgPerSec).toBe('number');
    expect(json.imgPerSec as number).toBeLessThan(json.lastWindowImgPerSec as number);
    // stdout is the JSON line alone; stderr has the bar, redrawn in place, with steps, img/s and time left.
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/\r\[[█░]+\] step \d+\/\d+ {2}\d+ img\/s {2}\d+:\d\d left/);
  }, 60_000);

  it('says without a bar (not a terminal) what it does, and --count names its limit', async () => {
    const plain = await run(['train', project, '--model', 'dcgan', '--steps', '2', '--batch', '4', '--workers', '1']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).not.toContain('\r[');
    expect(plain.stderr).toContain('Building the model');
    expect(plain.stdout).toMatch(/img\/s on average, [\d.]+ over the last 10 steps/);
    const count = await run(['generate', project, '--prompt', '', '--out', join(root, 'out'), '--count', '5000']);
    expect(count.code).toBe(2);
    expect(count.stderr.trim()).toBe('atelier: --count is how many images to draw: a whole number from 1 to 1,024 (got 5000).');
  }, 60_000);
});
