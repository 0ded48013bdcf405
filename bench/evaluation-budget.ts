// What scoring each checkpoint costs a run (issue 13: at most 10% of training time). The same
// run — the starter set at 32 px, 300 steps, a checkpoint every 100 — is trained twice in one
// process order: without scoring, then with it (the val split's features cached beforehand, as
// the studio's background job leaves them). Prints both wall times and the slowdown; never fails
// on timing.
//   npx tsx bench/evaluation-budget.ts [--steps 300] [--every 100]
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

async function train(score: boolean): Promise<number> {
  const studio = createStudio({ launchJob: forkLauncher(JOB), log: () => {}, scoreCheckpoints: score });
  studio.openProject(dir);
  const call = async <T>(name: string, input: unknown) => {
    const r = await studio.router.call(name, input);
    if (!r.ok) throw new Error(r.error.message);
    return r.result as T;
  };
  const started = performance.now();
  const { runId } = await call<{ runId: number }>('runs:start', { model: 'cgan', size: 32, steps: STEPS, checkpointEvery: EVERY, seed: 3 });
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
    `${score ? 'with scoring   ' : 'without scoring'}: ${STEPS} steps in ${seconds.toFixed(1)} s; ${evaluations.length} checkpoint${evaluations.length === 1 ? '' : 's'} scored` +
      evaluations.map((e) => ` (step ${e.step}: ${e.samples} samples, ${e.seconds.toFixed(1)} s, KID ${e.kid.toFixed(3)})`).join(''),
  );
  studio.close();
  return seconds;
}

const without = await train(false);
const withScoring = await train(true);
console.log(`slowdown from scoring: ${(((withScoring - without) / without) * 100).toFixed(1)}% (budget 10%)`);
rmSync(root, { recursive: true, force: true });
