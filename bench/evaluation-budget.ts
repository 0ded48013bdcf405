// What scoring each checkpoint costs a run (issue 13: at most 10% of training time). The same
// run — the starter set at 32 px, 300 steps, a checkpoint every 100 — is trained without scoring
// and with it, alternating, after a short warm-up run (which leaves the decoded training pixels
// in the project's cache, as any second run finds them); the val split's features are cached
// beforehand, as the studio's background job leaves them. Prints every wall time, the medians
// and the slowdown; never fails on timing.
//   npx tsx bench/evaluation-budget.ts [--steps 300] [--every 100] [--rounds 2]
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpOutput } from '../src-preload/contract.js';
import { cachedFeatures, decodeImage } from '../src-main/evaluation/features.js';
import { forkLauncher } from '../src-main/host/jobs.js';
import { createStudio } from '../src-main/host/studio.js';
import { assetFile } from '../src-main/store/assets.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const STEPS = arg('--steps', 300);
const EVERY = arg('--every', 100);
const ROUNDS = arg('--rounds', 2);
const JOB = fileURLToPath(new URL('../src-main/host/job-process.ts', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'atelier-bench-budget-'));
const dir = join(root, 'p');
console.log(
  `${availableParallelism()} cores, load average ${loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')}`,
);

{
  const studio = createStudio({ launchJob: forkLauncher(JOB), log: () => {} });
  const { project } = await studio.createProject(dir, { starter: true });
  const view = { size: 32, background: project.background };
  const val = project.assets.all({ excluded: false }).filter((a) => a.split === 'val');
  const t = performance.now();
  await cachedFeatures(
    project.features,
    val.map((a) => ({ hash: a.hash, image: () => decodeImage(project.path(assetFile(a.hash, a.ext)), view) })),
    view,
  );
  console.log(`val split: ${val.length} images embedded and cached in ${((performance.now() - t) / 1000).toFixed(1)} s (once per project)`);
  studio.close();
}

async function train(score: boolean, steps = STEPS): Promise<number> {
  const studio = createStudio({ launchJob: forkLauncher(JOB), log: () => {}, scoreCheckpoints: score });
  studio.openProject(dir);
  const call = async <T>(name: string, input: unknown) => {
    const r = await studio.router.call(name, input);
    if (!r.ok) throw new Error(r.error.message);
    return r.result as T;
  };
  const started = performance.now();
  const { runId } = await call<{ runId: number }>('runs:start', { model: 'cgan', size: 32, steps, checkpointEvery: Math.min(EVERY, steps), seed: 3 });
  await new Promise<void>((resolve) => {
    const stop = studio.router.subscribe((event, payload) => {
      const f = payload as { kind: string; runId: number | null };
      if (event === 'job:finished' && f.kind === 'train' && f.runId === runId) {
        stop();
        resolve();
      }
    });
  });
  const seconds = (performance.now() - started) / 1000;
  const { evaluations } = await call<OpOutput<'evaluations:list'>>('evaluations:list', { runId });
  console.log(
    `${score ? 'with scoring   ' : 'without scoring'}: ${steps} steps in ${seconds.toFixed(1)} s; ${evaluations.length} checkpoint${evaluations.length === 1 ? '' : 's'} scored` +
      evaluations.map((e) => ` (step ${e.step}: ${e.samples} samples, ${e.seconds.toFixed(1)} s, KID ${e.kid.toFixed(3)})`).join(''),
  );
  studio.close();
  return seconds;
}

console.log('warm-up:');
await train(false, 10);
const without: number[] = [];
const withScoring: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  without.push(await train(false));
  withScoring.push(await train(true));
}
const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
console.log(
  `median without ${median(without).toFixed(1)} s, with ${median(withScoring).toFixed(1)} s: slowdown from scoring ${(((median(withScoring) - median(without)) / median(without)) * 100).toFixed(1)}% (budget 10%)`,
);
rmSync(root, { recursive: true, force: true });
