/// <reference lib="dom" />
// The Generate press as a person sees it: the built headless studio on the starter project with a
// small conditional GAN (24 CLI steps; the pictures do not matter here), Debian's Chromium driven by
// Playwright, and the time from the click on Generate until all 64 images of the grid are on
// screen (decoded and drawn). Also prints how busy each side was while idle and during the presses,
// since studio, generator process and browser share the same cores.
// Needs the build (`npx electron-vite build`, done here when out/ is missing) and /usr/bin/chromium.
//   npx tsx bench/generate-press.ts [--presses 9] [--count 64] [--trace trace.json]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { armPressTimer, pressTiming } from '../test/e2e/press-timer';
import { apiHeaders } from '../test/e2e/studio';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLI = join(ROOT, 'out/main/cli.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const presses = Number(arg('presses', '9'));
const count = Number(arg('count', '64'));
const tracePath = process.argv.includes('--trace') ? arg('trace', 'generate-press-trace.json') : null;
/** A JavaScript CPU profile of the page over the presses (.cpuprofile: open in Chrome DevTools). */
const profilePath = process.argv.includes('--profile') ? arg('profile', 'generate-press.cpuprofile') : null;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (v: number) => `${Math.round(v)} ms`;

/** CPU seconds (user + system) used so far by every process whose command line matches. */
function cpuSeconds(match: (cmd: string, pid: number) => boolean): number {
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (!match(cmd, Number(name))) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / tick; // utime, stime
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    console.log(`generate-press: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium)`);
    return;
  }
  if (!existsSync(CLI)) {
    console.log('generate-press: building the studio first (electron-vite build)…');
    const built = spawnSync('npx', ['electron-vite', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('electron-vite build failed');
  }
  const root = mkdtempSync(join(tmpdir(), 'atelier-press-'));
  const dir = join(root, 'project');
  let studio: ChildProcess | null = null;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const run = (args: string[]) => {
      const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`atelier ${args[0]} failed: ${r.stderr}`);
    };
    run(['new', dir, '--starter', '--json']);
    run(['train', dir, '--model', 'cgan', '--size', '32', '--preset', 'small', '--steps', '24', '--batch', '8', '--workers', '1', '--json']);
    studio = spawn(process.execPath, [CLI, 'studio', dir, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      studio!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve((JSON.parse(line) as { url: string }).url);
      });
      studio!.on('exit', (code) => reject(new Error(`studio exited with ${code}`)));
    });
    const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
    // tsx keeps function names with an __name helper that the page does not have.
    await page.addInitScript('globalThis.__name = (f) => f');
    await page.goto(url);
    await page.getByRole('navigation', { name: 'Pipeline' }).getByRole('button', { name: 'Generate' }).click();
    await page.getByTestId('prompt-bar').waitFor();
    await page.getByTestId('generate-model').filter({ hasText: 'step 24' }).waitFor();
    // Every drawing thread holds the model before the first timed press (as after any first use).
    for (let i = 0; i < 2; i++)
      await page.request.post(new URL('/api/generations:create', url).href, { data: { prompt: `n:${count}, seed:${i + 1}` }, headers: apiHeaders(url) });
    // The same request with the page doing nothing: what the engine takes when it has the cores.
    const quiet: number[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await page.request.post(new URL('/api/generations:create', url).href, {
        data: { prompt: `face smiling, n:${count}, seed:${50 + i}` },
        headers: apiHeaders(url),
      });
      quiet.push(((await r.json()) as { result: { ms: number } }).result.ms);
    }
    await page.getByTestId('prompt-input').fill('face smiling');
    await page.getByTestId('generate-count').fill(String(count));

    const studioPid = studio.pid!;
    const isStudio = (cmd: string, pid: number) => pid === studioPid || (cmd.includes('out/main/job-process.js') && cmd.includes(dir));
    const isBrowser = (cmd: string) => cmd.includes(CHROMIUM) || cmd.startsWith('/usr/lib/chromium/');
    const idle0 = { s: cpuSeconds(isStudio), b: cpuSeconds(isBrowser), t: performance.now() };
    await new Promise((r) => setTimeout(r, 3000));
    const idleSec = (performance.now() - idle0.t) / 1000;
    console.log(
      `generate-press: ${count} images per press, ${presses} presses, load ${loadavg()[0]!.toFixed(2)}; ` +
        `idle page: studio ${((100 * (cpuSeconds(isStudio) - idle0.s)) / idleSec).toFixed(0)}% CPU, browser ${((100 * (cpuSeconds(isBrowser) - idle0.b)) / idleSec).toFixed(0)}% CPU`,
    );

    if (tracePath) await browser.startTracing(page, { path: tracePath, screenshots: false });
    const cdp = profilePath ? await page.context().newCDPSession(page) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }
    const totals: number[] = [];
    const engine: number[] = [];
    const answered: number[] = [];
    const cpu = { s: 0, b: 0, wall: 0 };
    for (let i = 0; i < presses; i++) {
      const seed = 100 + i;
      await page.getByTestId('generate-seed').fill(String(seed));
      await armPressTimer(page, count, `seed ${seed} ·`);
      const before = { s: cpuSeconds(isStudio), b: cpuSeconds(isBrowser), t: performance.now() };
      await page.getByTestId('generate').click();
      const t = await pressTiming(page);
      cpu.s += cpuSeconds(isStudio) - before.s;
      cpu.b += cpuSeconds(isBrowser) - before.b;
      cpu.wall += (performance.now() - before.t) / 1000;
      const summary = (await page.getByTestId('result-summary').textContent()) ?? '';
      totals.push(t.total);
      answered.push(t.response);
      engine.push(Number(/(\d+) ms/.exec(summary)?.[1] ?? NaN));
      await page.waitForTimeout(1500); // the header and library refresh a second after a press
    }
    if (cdp) {
      const { profile } = await cdp.send('Profiler.stop');
      writeFileSync(profilePath!, JSON.stringify(profile));
      console.log(`CPU profile written to ${profilePath}`);
    }
    if (tracePath) {
      await browser.stopTracing();
      console.log(`trace written to ${tracePath} (open in chrome://tracing or Perfetto)`);
    }
    console.log(
      `  click → ${count} images on screen: median ${ms(median(totals))} (min ${ms(Math.min(...totals))}, max ${ms(Math.max(...totals))}); ` +
        `answer received ${ms(median(answered))}; engine ${ms(median(engine))} (medians)`,
    );
    console.log(`  the same request through the API with the page idle: engine ${ms(median(quiet))} (median of ${quiet.length})`);
    console.log(`  all presses: ${totals.map((x) => Math.round(x)).join(', ')} ms`);
    console.log(
      `  CPU during presses (incl. the wait for the check): studio + generator ${((100 * cpu.s) / cpu.wall).toFixed(0)}%, browser ${((100 * cpu.b) / cpu.wall).toFixed(0)}% of one core`,
    );
    if (tracePath) writeFileSync(`${tracePath}.txt`, totals.join('\n'));
  } finally {
    await browser.close();
    studio?.kill();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error('generate-press failed:', err instanceof Error ? err.stack : err);
  process.exitCode = 1;
});
