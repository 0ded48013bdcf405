// Writing and opening a project bundle of several gigabytes: time, throughput and the engine's
// peak memory (a 10 GB project must never sit in memory), side by side with Info-ZIP's `zip -0`
// and `unzip` on the same folders. The project is the starter set plus GB gigabytes of
// incompressible "checkpoint weights". Prints numbers; never fails on them.
//   npx tsx bench/bundle.ts [GB=4]
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLED_FOLDERS, exportBundle } from '../src-main/bundles/export-bundle';
import { openBundle } from '../src-main/bundles/open-bundle';
import { forkLauncher } from '../src-main/host/jobs';
import { createStudio } from '../src-main/host/studio';

const GB = Number(process.argv[2] ?? 4);
const root = mkdtempSync(join(tmpdir(), 'atelier-bench-bundle-'));
const studio = createStudio({
  launchJob: forkLauncher(fileURLToPath(new URL('../src-main/host/job-process.ts', import.meta.url))),
  log: () => {},
  runQueue: false,
});

/** Runs `work` while sampling this process's resident memory; returns seconds and the peak rise in MB. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; peakMb: number }> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = performance.now();
  try {
    const result = await work();
    return { result, seconds: (performance.now() - started) / 1000, peakMb: (peak - base) / 1e6 };
  } finally {
    clearInterval(timer);
  }
}

/** Runs a reference command, then `sync`: Atelier fsyncs what it writes, so the reference's data must reach the disk too. */
function timed(cmd: string, args: string[], cwd: string): number {
  spawnSync('sync');
  const started = performance.now();
  const r = spawnSync(cmd, args, { cwd, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${cmd} exited with ${r.status}`);
  spawnSync('sync');
  return (performance.now() - started) / 1000;
}

try {
  const dir = join(root, 'project');
  const { project } = await studio.createProject(dir, { starter: true });
  // Incompressible weights, 256 MB a file, written a chunk at a time.
  const chunk = Buffer.alloc(16 * 1024 * 1024);
  for (let i = 0; i < Math.round(GB * 4); i++) {
    const folder = join(dir, 'checkpoints', `bench-${i}`);
    mkdirSync(folder, { recursive: true });
    const fd = openSync(join(folder, 'weights.bin'), 'w');
    for (let j = 0; j < 16; j++) writeSync(fd, randomFillSync(chunk));
    closeSync(fd);
  }
  const bundle = join(root, 'project.atelier');
  spawnSync('sync');
  const out = await measured(() => exportBundle(project, bundle, { generations: true, checkpoints: 'all', atelier: 'bench' }));
  const bytes = statSync(bundle).size;
  spawnSync('sync');
  const opened = await measured(() => openBundle(bundle, join(root, 'opened')));
  const zipSeconds = timed('zip', ['-0', '-q', '-r', join(root, 'ref.zip'), 'atelier.db', ...BUNDLED_FOLDERS], dir);
  mkdirSync(join(root, 'ref'));
  const unzipSeconds = timed('unzip', ['-q', join(root, 'ref.zip'), '-d', join(root, 'ref')], root);
  const mbps = (s: number) => (bytes / 1e6 / s).toFixed(0);
  console.log(`bundle: ${(bytes / 1e9).toFixed(2)} GB, ${out.result.members.toLocaleString('en')} members`);
  console.log(`export (sha256 + zip, stored):  ${out.seconds.toFixed(1)} s  ${mbps(out.seconds)} MB/s  peak memory +${out.peakMb.toFixed(0)} MB`);
  console.log(`open (unzip + sha256 + checks): ${opened.seconds.toFixed(1)} s  ${mbps(opened.seconds)} MB/s  peak memory +${opened.peakMb.toFixed(0)} MB`);
  console.log(`reference zip -0 -r; sync:      ${zipSeconds.toFixed(1)} s  ${mbps(zipSeconds)} MB/s`);
  console.log(`reference unzip; sync:         ${unzipSeconds.toFixed(1)} s  ${mbps(unzipSeconds)} MB/s`);
} finally {
  studio.close();
  rmSync(root, { recursive: true, force: true });
}
