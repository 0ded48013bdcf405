/// <reference lib="dom" />
// A gallery of 100,000 generated images (rows with real 100-value latents and 109-tag condition
// vectors; their files are 64 real 32 px PNGs shared by all rows): how long each gallery filter,
// rating 10,000 images and opening an image's provenance take through the same router the app
// uses; then, when the studio is built and Chromium is installed, the same gallery in the browser:
// first screen, a jump to the end, select all, and how many cells the page holds meanwhile.
// Prints numbers; never fails on a timing.
//   npx tsx bench/gallery-100k.ts [N] [--shot gallery.png]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkLauncher } from '../src-main/host/jobs';
import { createStudio } from '../src-main/host/studio';
import { Workstation } from '../src-main/feedback/workstation';
import { Rng } from '../src-main/ml/random';
import type { NewGeneration } from '../src-main/store/generations';
import { Project } from '../src-main/store/project';
import { encodePng } from '../src-main/generate/png';
import { writeFileSync } from 'node:fs';
import { chromium } from '@playwright/test';

const N = Number(process.argv[2] && /^\d+$/.test(process.argv[2]) ? process.argv[2] : 100_000);
const shotAt = process.argv.includes('--shot') ? process.argv[process.argv.indexOf('--shot') + 1] : undefined;
const CLI = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const dir = mkdtempSync(join(tmpdir(), 'atelier-bench-gallery-'));
const ms = (t: number) => `${(performance.now() - t).toFixed(1)} ms`;
const TAGS = Array.from({ length: 109 }, (_, i) => `tag ${i}`);

function makeGallery(path: string): void {
  const p = Project.create(path);
  const runId = p.runs.create({
    name: 'bench cGAN',
    model: 'cgan',
    size: 32,
    preset: 'small',
    steps: 1,
    batchSize: 32,
    seed: 1,
    settings: { classes: TAGS, config: { latentDim: 100, classes: 109 } },
    assets: [],
    status: 'done',
  });
  const ck = [p.runs.addCheckpoint(runId, 500, 'checkpoints/a'), p.runs.addCheckpoint(runId, 1000, 'checkpoints/b')];
  const rng = new Rng(1);
  // 64 real images (colour gradients) that every row's file points at.
  mkdirSync(p.path('samples/generated/shared'), { recursive: true });
  for (let i = 0; i < 64; i++) {
    const px = new Uint8Array(32 * 32 * 3);
    for (let k = 0; k < 32 * 32; k++) px.set([(k % 32) * 8, (i * 4) % 256, Math.floor(k / 32) * 8], k * 3);
    writeFileSync(p.path(`samples/generated/shared/${i}.png`), encodePng(px, 32, 32, 3));
  }
  for (let start = 0; start < N; start += 64) {
    const seed = rng.int(2 ** 31);
    const a = TAGS[rng.int(TAGS.length)]!;
    const b = TAGS[rng.int(TAGS.length)]!;
    const cond = new Float32Array(TAGS.length);
    cond[TAGS.indexOf(a)] = 1;
    cond[TAGS.indexOf(b)] = 1.5;
    const prompt = `${a}, ${b}:1.5, seed:${seed}, n:64`;
    const batch: NewGeneration[] = [];
    for (let i = 0; i < Math.min(64, N - start); i++) {
      batch.push({
        checkpointId: ck[rng.int(2)]!,
        seed,
        index: i,
        file: `samples/generated/shared/${i}.png`,
        size: 32,
        width: 32,
        height: 32,
        prompt,
        latent: rng.normalArray(100),
        cond,
        truncation: null,
        origin: 'prompt',
        parentId: null,
        params: null,
        post: [],
        backend: 'wasm',
        tags: [
          { tag: a, weight: 1 },
          { tag: b, weight: 1.5 },
        ],
      });
    }
    p.generations.addBatch(batch);
  }
  // A seventh rated by one reviewer (the triggers keep the gallery's mean), two thirds predicted.
  p.db.prepare("INSERT INTO reviews (generation_id, reviewer, stars) SELECT id, 'Bench', 1 + id % 5 FROM generations WHERE id % 7 = 0").run();
  p.db.prepare('UPDATE generations SET predicted = 1 + (id % 400) / 100.0 WHERE id % 3 != 0').run();
  p.close();
}

try {
  let t = performance.now();
  makeGallery(join(dir, 'g'));
  console.log(`made ${N.toLocaleString('en')} generations in ${ms(t)}`);
  const studio = createStudio({
    launchJob: forkLauncher(fileURLToPath(new URL('../src-main/host/job-process.ts', import.meta.url))),
    log: console.error,
    lockProjects: false,
    runQueue: false,
    workstation: new Workstation(join(dir, 'workstation.json')),
  });
  t = performance.now();
  studio.openProject(join(dir, 'g'), { queue: false });
  await studio.router.call('reviewer:set', { name: 'Bench' });
  console.log(`open project: ${ms(t)}`);
  const call = async (name: string, input: unknown) => {
    const r = await studio.router.call(name, input);
    if (!r.ok) throw new Error(r.error.message);
    return r.result as { total?: number; items?: unknown[] };
  };
  for (const [label, input] of [
    ['page, newest, no filter', { offset: 50_000, limit: 200 }],
    ['page, prompt words', { text: 'tag 17', limit: 200 }],
    ['page, tag', { tag: 'tag 42', limit: 200 }],
    ['page, run', { runId: 1, offset: 20_000, limit: 200 }],
    ['page, checkpoint', { checkpointId: 2, limit: 200 }],
    ['page, seed', { seed: 12345, limit: 200 }],
    ['page, min rating 4', { minRating: 4, limit: 200 }],
    ['page, sort by rating', { sort: 'rating', offset: 5_000, limit: 200 }],
    ['page, date range', { from: '2000-01-01', to: '2100-01-01', limit: 200 }],
    ['page, tag + rating + words', { tag: 'tag 3', minRating: 2, text: 'tag', limit: 200 }],
    ['page, not reviewed by me', { notReviewedByMe: true, offset: 5_000, limit: 200 }],
    ['page, sort by predicted rating', { sort: 'predicted', limit: 200 }],
  ] as const) {
    await call('generations:list', input); // warm the statement cache
    const times: number[] = [];
    let total = 0;
    for (let i = 0; i < 5; i++) {
      t = performance.now();
      total = (await call('generations:list', input)).total!;
      times.push(performance.now() - t);
    }
    times.sort((x, y) => x - y);
    console.log(`${label}: ${times[2]!.toFixed(1)} ms median of 5 (${total.toLocaleString('en')} match)`);
  }
  t = performance.now();
  await call('generations:rate', { ids: Array.from({ length: 10_000 }, (_, i) => 1 + i * 7), rating: 5 });
  console.log(`rate 10,000 images: ${ms(t)}`);
  t = performance.now();
  await call('reviews:set', { ids: [7], change: { stars: 3 }, reviewer: 'Second' });
  console.log(`one review by a second reviewer: ${ms(t)}`);

  t = performance.now();
  await call('generations:get', { id: 77_777 % N || 1 });
  console.log(`one image's provenance (generations:get): ${ms(t)}`);
  studio.close();
  await inBrowser(join(dir, 'g'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** The gallery page in Chromium against the built headless studio. */
async function inBrowser(project: string): Promise<void> {
  if (!existsSync(CLI) || !existsSync(CHROMIUM)) {
    console.log(`in the browser: skipped (needs ${existsSync(CLI) ? CHROMIUM : 'the build: npx electron-vite build'})`);
    return;
  }
  const child = spawn(process.execPath, [CLI, 'studio', project, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve((JSON.parse(line) as { url: string }).url);
      });
      child.on('exit', (code) => reject(new Error(`studio exited with ${code}`)));
    });
    const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
    await page.addInitScript('globalThis.__name = (f) => f'); // tsx's helper for named functions in evaluate()
    await page.goto(url, { waitUntil: 'networkidle' }); // the Data view has loaded: what follows is Generate's own
    const cells = page.getByTestId('gallery-cell');
    /** Every cell on screen shows its decoded image. */
    const settled = () =>
      page.waitForFunction(
        () => {
          const imgs = [...document.querySelectorAll<HTMLImageElement>('[data-testid="gallery-cell"] img')];
          return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
        },
        null,
        { polling: 16, timeout: 30_000 },
      );
    let t = performance.now();
    await page.getByRole('navigation', { name: 'Pipeline' }).getByRole('button', { name: 'Generate' }).click();
    await page.getByTestId('tab-gallery').click();
    await settled();
    console.log(
      `in the browser: Generate → Gallery with ${N.toLocaleString('en')} images, first screen shown in ${ms(t)} (this also starts the generator process); ${await cells.count()} cells in the page`,
    );
    const slow = await page.evaluate(() =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
        .filter((e) => e.name.includes('/api/') && e.duration > 50)
        .map((e) => `${e.name.replace(/^.*\/api\//, '').replace(/\?.*/, '')} ${Math.round(e.duration)} ms`),
    );
    if (slow.length) console.log(`  requests over 50 ms while it opened: ${slow.join(', ')}`);
    // Again, now that the generator process (started by opening Generate) is up: the gallery alone.
    await page.getByRole('navigation', { name: 'Pipeline' }).getByRole('button', { name: 'Data' }).click();
    await page.getByTestId('gallery-grid').waitFor({ state: 'detached' });
    t = performance.now();
    await page.getByRole('navigation', { name: 'Pipeline' }).getByRole('button', { name: 'Generate' }).click();
    await settled();
    console.log(`  back to Generate → Gallery: shown in ${ms(t)}`);
    const grid = page.getByTestId('gallery-grid');
    t = performance.now();
    await grid.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await page.waitForFunction((n) => !!document.querySelector(`[data-testid="gallery-cell"][data-index="${n - 1}"]`), N, { polling: 16 });
    await settled();
    console.log(`  jump to the end (image ${N.toLocaleString('en')}): shown in ${ms(t)}; ${await cells.count()} cells in the page`);
    t = performance.now();
    await grid.evaluate((el) => el.scrollTo({ top: el.scrollHeight / 2 }));
    await page
      .waitForFunction((n) => !!document.querySelector(`[data-testid="gallery-cell"][data-index="${Math.floor(n / 2)}"]`), N, { polling: 16 })
      .catch(() => {});
    await settled();
    console.log(`  jump to the middle: shown in ${ms(t)}`);
    await cells.first().click();
    t = performance.now();
    await page.keyboard.press('ControlOrMeta+a');
    await page
      .getByTestId('gallery-selection-count')
      .filter({ hasText: N.toLocaleString('en') })
      .waitFor();
    console.log(`  select all (Ctrl+A, ${N.toLocaleString('en')} ids): ${ms(t)}`);
    if (shotAt) {
      await page.screenshot({ path: shotAt });
      console.log(`  screenshot: ${shotAt}`);
    }
  } finally {
    await browser.close();
    child.kill();
  }
}
