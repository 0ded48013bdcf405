// A gallery of 100,000 generated images (rows with real 100-value latents and 109-tag condition
// vectors, no pixels): how long each gallery filter, rating 10,000 images and opening an image's
// provenance take through the same router the app uses. Prints numbers; never fails on a timing.
//   npx tsx bench/gallery-100k.ts [N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkLauncher } from '../src-main/host/jobs';
import { createStudio } from '../src-main/host/studio';
import { Rng } from '../src-main/ml/random';
import type { NewGeneration } from '../src-main/store/generations';
import { Project } from '../src-main/store/project';

const N = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'atelier-bench-gallery-'));
const ms = (t: number) => `${(performance.now() - t).toFixed(1)} ms`;
const TAGS = Array.from({ length: 109 }, (_, i) => `tag ${i}`);

function makeGallery(path: string): void {
  const p = Project.create(path);
  const runId = p.runs.create({ name: 'bench cGAN', model: 'cgan', size: 32, preset: 'small', steps: 1, batchSize: 32, seed: 1, settings: { classes: TAGS, config: { latentDim: 100, classes: 109 } }, assets: [], status: 'done' });
  const ck = [p.runs.addCheckpoint(runId, 500, 'checkpoints/a'), p.runs.addCheckpoint(runId, 1000, 'checkpoints/b')];
  const rng = new Rng(1);
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
        file: `samples/generated/b${start}/${i}.png`,
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
  p.db.prepare("UPDATE generations SET rating = 1 + id % 5 WHERE id % 7 = 0").run();
  p.close();
}

try {
  let t = performance.now();
  makeGallery(join(dir, 'g'));
  console.log(`made ${N.toLocaleString('en')} generations in ${ms(t)}`);
  const studio = createStudio({ launchJob: forkLauncher(fileURLToPath(new URL('../src-main/host/job-process.ts', import.meta.url))), log: console.error, lockProjects: false, runQueue: false });
  t = performance.now();
  studio.openProject(join(dir, 'g'), { queue: false });
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
  await call('generations:get', { id: 77_777 % N || 1 });
  console.log(`one image's provenance (generations:get): ${ms(t)}`);
  studio.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
