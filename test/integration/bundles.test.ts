// Project bundles: a project exported while its studio runs opens on another "workstation" with
// every table and file equal, and a generated image regenerates bit for bit in the opened copy;
// every kind of hostile or broken bundle is refused with its reason, writes nothing outside the
// target and leaves no half-opened project behind.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GeneratedBatchT } from '../../src-preload/contract';
import { exportBundle } from '../../src-main/bundles/export-bundle';
import { inspectBundle, openBundle, DEFAULT_LIMITS } from '../../src-main/bundles/open-bundle';
import { MANIFEST, type ManifestT } from '../../src-main/bundles/manifest';
import { ZipWriter } from '../../src-main/bundles/zip-writer';
import { importFiles } from '../../src-main/datasets/import';
import { Workstation } from '../../src-main/feedback/workstation';
import { forkLauncher } from '../../src-main/host/jobs';
import { createStudio, type Studio } from '../../src-main/host/studio';
import { initBackend } from '../../src-main/ml/backend';
import { saveCheckpoint } from '../../src-main/ml/checkpoint';
import { defaultTrainConfig, train } from '../../src-main/ml/train';
import { Project } from '../../src-main/store/project';
import { twoColours } from '../fixtures/two-colours';
import { routerCalls } from './router-calls';

const JOB_PROCESS = fileURLToPath(new URL('../../src-main/host/job-process.ts', import.meta.url));
let root: string;
let dir: string;
let studio: Studio;
let project: Project;
let bundle: string;
let red: GeneratedBatchT;

const { call, failure } = routerCalls(() => studio);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'atelier-bundles-'));
  dir = join(root, 'source');
  studio = createStudio({
    launchJob: forkLauncher(JOB_PROCESS),
    log: () => {},
    lockProjects: false,
    runQueue: false,
    workstation: new Workstation(join(root, 'config', 'workstation.json')),
  });
  ({ project } = await studio.createProject(dir));
  const files = [];
  for (const [name, colour] of [
    ['red', { r: 220, g: 30, b: 30 }],
    ['blue', { r: 30, g: 30, b: 220 }],
    ['purple', { r: 120, g: 30, b: 160 }],
  ] as const) {
    const file = join(root, `${name}.png`);
    await sharp({ create: { width: 32, height: 32, channels: 3, background: colour } })
      .png()
      .toFile(file);
    files.push({ path: file, tags: [name === 'purple' ? 'red' : name, 'flat'] });
  }
  await importFiles(project, files);
  project.assets.setRating([1], 4);
  project.assets.setExcluded([3], true);

  await initBackend({ only: 'wasm' });
  const config = defaultTrainConfig({ family: 'cgan', classes: 2, steps: 20, batchSize: 8, width: 8, latentDim: 16, seed: 3 });
  const { state } = await train(twoColours(16), config);
  for (const step of [10, 20]) await saveCheckpoint(project.path(`checkpoints/run-1/step-${String(step).padStart(7, '0')}`), { ...state, step });
  const runId = project.runs.create({
    name: 'tiny cGAN',
    model: 'cgan',
    size: 32,
    preset: 'small',
    steps: 20,
    batchSize: 8,
    seed: 3,
    settings: { classes: ['red', 'blue'], config },
    assets: [],
    status: 'done',
  });
  project.runs.addCheckpoint(runId, 10, 'checkpoints/run-1/step-0000010');
  const published = project.runs.addCheckpoint(runId, 20, 'checkpoints/run-1/step-0000020');
  project.evaluations.publish(published);

  await call('reviewer:set', { name: 'Ada' });
  red = await call<GeneratedBatchT>('generations:create', { prompt: 'red, seed:11, n:4' });
  await studio.filesWritten();
  await call('reviews:set', { ids: [red.items[0]!.id, red.items[1]!.id], change: { stars: 5, favourite: true, comment: 'keep this one' } });
  await call('reviews:set', { ids: [red.items[1]!.id], change: { stars: 2 }, reviewer: 'Grace' });
  await call('reviews:set', { ids: [red.items[2]!.id], change: { reject: 'artefacts' } });

  bundle = join(root, 'out', 'source.atelier');
  const progress: number[] = [];
  const result = await exportBundle(project, bundle, {
    generations: true,
    checkpoints: 'all',
    atelier: 'test',
    modelCard: () => '<!doctype html><title>card</title><p>tiny cGAN</p>',
    onProgress: (done, total) => progress.push(done / total),
  });
  expect(result.members).toBeGreaterThan(10);
  expect(progress.at(-1)).toBe(1);
}, 120_000);

afterAll(() => {
  studio?.close();
  rmSync(root, { recursive: true, force: true });
});

/** Every row of every table, in a stable order: what "equal projects" means. */
function tables(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  try {
    const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
    return Object.fromEntries(
      names.map((t) => {
        const rows = db.prepare(`SELECT * FROM "${t}"`).all() as Record<string, unknown>[];
        const filtered = t === 'meta' ? rows.filter((r) => r.key !== 'opened_from') : rows;
        return [t, filtered.map((r) => JSON.stringify(r, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v))).sort()];
      }),
    );
  } finally {
    db.close();
  }
}

/** sha256 of every file under the bundled folders, by project-relative name. */
function files(projectDir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    const full = join(projectDir, rel);
    if (!existsSync(full)) return;
    for (const name of readdirSync(full)) {
      if (name.startsWith('.')) continue;
      const r = `${rel}/${name}`;
      if (statSync(join(projectDir, r)).isDirectory()) walk(r);
      else
        out.set(
          r,
          createHash('sha256')
            .update(readFileSync(join(projectDir, r)))
            .digest('hex'),
        );
    }
  };
  for (const f of ['assets', 'thumbs', 'checkpoints', 'samples', 'evaluations']) walk(f);
  return out;
}

/** Nothing but `allowed` in `folder`: no half-opened project, no staging folder, nothing written beside. */
function onlyThese(folder: string, allowed: string[]): void {
  expect(readdirSync(folder).sort()).toEqual([...allowed].sort());
}

describe('a project bundle', () => {
  it('opens as an equal project: every table, every file, the ratings with their reviewers', async () => {
    const target = join(root, 'elsewhere', 'copy');
    const steps: string[] = [];
    const opened = await openBundle(bundle, target, { onProgress: (_d, _t, message) => steps.push(message) });
    expect(opened.dir).toBe(target);
    expect(steps.some((s) => s.startsWith('Unpacking'))).toBe(true);
    expect(tables(join(target, 'atelier.db'))).toEqual(tables(join(dir, 'atelier.db')));
    expect(files(target)).toEqual(files(dir));
    expect(readFileSync(join(target, 'model-card.html'), 'utf8')).toContain('tiny cGAN');

    const copy = Project.open(target);
    try {
      expect(copy.assets.count()).toBe(3);
      const reviews = copy.db.prepare('SELECT generation_id AS g, reviewer, stars, favourite, reject, comment FROM reviews ORDER BY g, reviewer').all();
      expect(reviews).toEqual([
        { g: red.items[0]!.id, reviewer: 'Ada', stars: 5, favourite: 1, reject: null, comment: 'keep this one' },
        { g: red.items[1]!.id, reviewer: 'Ada', stars: 5, favourite: 1, reject: null, comment: 'keep this one' },
        { g: red.items[1]!.id, reviewer: 'Grace', stars: 2, favourite: 0, reject: null, comment: '' },
        { g: red.items[2]!.id, reviewer: 'Ada', stars: 0, favourite: 0, reject: 'artefacts', comment: '' },
      ]);
      expect(copy.evaluations.published()).toBe(project.evaluations.published());
    } finally {
      copy.close();
    }
  });

  it('regenerates a generated image bit for bit in the opened copy', async () => {
    const target = join(root, 'regenerate');
    await openBundle(bundle, target);
    const original = red.items[3]!;
    await call('project:open', { dir: target });
    try {
      const again = await call<GeneratedBatchT>('generations:create', { prompt: 'red, seed:11, n:4', checkpointId: original.checkpointId });
      await studio.filesWritten();
      const bytes = (g: { file: string }, d: string) => readFileSync(join(d, g.file));
      expect(again.items[3]!.seed).toBe(original.seed);
      expect(bytes(again.items[3]!, target).equals(bytes(original, dir))).toBe(true);
    } finally {
      project = studio.openProject(dir);
    }
  });

  it('leaves generations and unchosen checkpoints out when asked, and says which', async () => {
    const slim = join(root, 'out', 'slim.atelier');
    const result = await exportBundle(project, slim, { generations: false, checkpoints: 'published', atelier: 'test' });
    expect(result.counts.generations).toBe(0);
    expect(result.counts.reviews).toBe(0);
    expect(result.omittedCheckpoints).toHaveLength(1);
    const { manifest } = await inspectBundle(slim);
    expect(manifest.entries.some((e) => e.path.startsWith('samples/generated/'))).toBe(false);
    expect(manifest.entries.some((e) => e.path.startsWith('checkpoints/run-1/step-0000010/'))).toBe(false);
    expect(manifest.entries.some((e) => e.path.startsWith('checkpoints/run-1/step-0000020/'))).toBe(true);
    const target = join(root, 'slim');
    await openBundle(slim, target);
    expect(tables(join(target, 'atelier.db')).generations).toEqual([]);
    // The opened copy offers only checkpoints it has weights for, and says why the other cannot draw.
    const published = project.evaluations.published();
    studio.openProject(target);
    try {
      const options = await call<{ generators: { checkpointId: number }[] }>('generations:options', {});
      expect(options.generators.map((g) => g.checkpointId)).toEqual([published]);
      const refused = await failure('generations:create', { prompt: 'red, n:1', checkpointId: result.omittedCheckpoints[0] });
      expect(refused.code).toBe('missing-file');
      expect(refused.message).toMatch(/opened from slim\.atelier, which left them out/);
    } finally {
      project = studio.openProject(dir);
    }
  });

  it('takes a consistent snapshot while reviews keep arriving', async () => {
    // Reviews land through the router while the bundle is written; the copy holds a moment of the
    // project: every image's trigger-kept rating count agrees with its review rows.
    let writing = true;
    let written = 0;
    const reviewer = (async () => {
      for (let i = 0; writing; i++) {
        const g = red.items[i % red.items.length]!;
        await call('reviews:set', { ids: [g.id], change: { stars: 1 + (i % 5) }, reviewer: `r${i % 7}` });
        written++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const busy = join(root, 'out', 'busy.atelier');
    await exportBundle(project, busy, { generations: true, checkpoints: 'none', atelier: 'test' });
    writing = false;
    await reviewer;
    expect(written).toBeGreaterThan(0);
    const target = join(root, 'busy-copy');
    await openBundle(busy, target);
    const copy = new Database(join(target, 'atelier.db'), { readonly: true });
    try {
      const mismatched = copy
        .prepare('SELECT g.id FROM generations g WHERE g.ratings != (SELECT count(*) FROM reviews r WHERE r.generation_id = g.id AND r.stars > 0)')
        .all();
      expect(mismatched).toEqual([]);
    } finally {
      copy.close();
    }
  });

  it('never merges into an existing project or a folder in use, and never overwrites a bundle', async () => {
    await expect(openBundle(bundle, dir)).rejects.toMatchObject({ code: 'project-exists' });
    const busy = join(root, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'notes.txt'), 'mine');
    await expect(openBundle(bundle, busy)).rejects.toMatchObject({ code: 'folder-not-empty' });
    expect(readdirSync(busy)).toEqual(['notes.txt']);
    await expect(exportBundle(project, bundle, { generations: true, checkpoints: 'all', atelier: 'test' })).rejects.toMatchObject({ code: 'file-exists' });
  });

  it('cancels an export and an open without leaving a file or a folder behind', async () => {
    const out = join(root, 'cancelled');
    mkdirSync(out);
    {
      const controller = new AbortController();
      const exporting = exportBundle(project, join(out, 'x.atelier'), {
        generations: true,
        checkpoints: 'all',
        atelier: 'test',
        signal: controller.signal,
        onProgress: (done) => {
          if (done > 0) controller.abort();
        },
      });
      await expect(exporting).rejects.toMatchObject({ code: 'cancelled' });
      onlyThese(out, []);
      const controller2 = new AbortController();
      const opening = openBundle(bundle, join(out, 'copy'), { signal: controller2.signal, onProgress: (done) => done > 0 && controller2.abort() });
      await expect(opening).rejects.toMatchObject({ code: 'cancelled' });
      onlyThese(out, []);
    }
  });
});

// ——— Hostile and broken bundles ———

interface Member {
  name: string;
  data: Uint8Array;
  mode?: number;
}

/** The members of the good bundle, and its manifest. */
function members(): { list: Member[]; manifest: ManifestT } {
  const all = unzipSync(readFileSync(bundle));
  const manifest = JSON.parse(Buffer.from(all[MANIFEST]!).toString('utf8')) as ManifestT;
  const list = Object.entries(all)
    .filter(([name]) => name !== MANIFEST)
    .map(([name, data]) => ({ name, data }));
  return { list, manifest };
}

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Writes a bundle of `list` (each listed in the manifest unless `unlisted`), with `manifest` changed by `edit`. */
async function forge(
  name: string,
  change: (m: { list: Member[]; manifest: ManifestT }) => { list: Member[]; manifest?: ManifestT | null; unlisted?: Member[]; raw?: Member[] },
): Promise<string> {
  const base = members();
  const { list, manifest, unlisted = [], raw = [] } = change(base);
  const file = join(root, 'forged', `${name}.atelier`);
  mkdirSync(join(root, 'forged'), { recursive: true });
  const fh = await open(file, 'w');
  const zip = new ZipWriter(fh);
  for (const m of [...list, ...unlisted]) await zip.addBytes(m.name, m.data, { compress: false, ...(m.mode ? { mode: m.mode } : {}) });
  const listed =
    manifest === undefined ? { ...base.manifest, entries: list.map((m) => ({ path: m.name, bytes: m.data.length, sha256: sha(m.data) })) } : manifest;
  if (listed) await zip.addBytes(MANIFEST, Buffer.from(JSON.stringify(listed)), { compress: true });
  for (const m of raw) await zip.addBytes(m.name, m.data, { compress: true });
  await zip.finish();
  await fh.close();
  return file;
}

/** Opening `file` is refused with `code` and a reason matching `why`, and the target's folder is left as it was. */
async function refused(file: string, code: string, why: RegExp): Promise<void> {
  const parent = join(root, `target-${Math.random().toString(36).slice(2)}`);
  mkdirSync(parent);
  const error = (await openBundle(file, join(parent, 'project')).then(
    () => null,
    (e: unknown) => e,
  )) as { code: string; message: string } | null;
  expect(error, 'the bundle was opened').not.toBeNull();
  expect(`${error!.code}: ${error!.message}`).toMatch(new RegExp(`^${code}: `));
  expect(error!.message).toMatch(why);
  onlyThese(parent, []);
  expect(existsSync(join(root, 'evil.txt'))).toBe(false);
}

describe('a hostile or broken bundle is refused', () => {
  it('with a zip-slip path', async () => {
    const evil = { name: '../../evil.txt', data: Buffer.from('pwned') };
    await refused(await forge('slip', ({ list }) => ({ list: [...list, evil] })), 'bundle-unsafe', /climbs out of its folder/);
    const sneaky = { name: 'assets/../../../evil.txt', data: Buffer.from('pwned') };
    await refused(await forge('slip2', ({ list }) => ({ list: [...list, sneaky] })), 'bundle-unsafe', /climbs out/);
  });

  it('with an absolute path', async () => {
    await refused(
      await forge('absolute', ({ list }) => ({ list: [...list, { name: join(root, 'evil.txt'), data: Buffer.from('x') }] })),
      'bundle-unsafe',
      /absolute path/,
    );
    await refused(await forge('drive', ({ list }) => ({ list: [...list, { name: 'C:/evil.txt', data: Buffer.from('x') }] })), 'bundle-unsafe', /absolute path/);
  });

  it('with a symbolic link', async () => {
    const link = { name: 'assets/link.png', data: Buffer.from('/etc/passwd'), mode: 0o120777 };
    await refused(await forge('symlink', ({ list }) => ({ list: [...list, link] })), 'bundle-unsafe', /symbolic link/);
  });

  it('with a zip bomb: a member that expands a thousand times, or a bundle larger than the limit', async () => {
    // 64 MB of zeros deflates to about 64 kB: refused from the directory, before a byte is unpacked.
    const bomb = await forge('bomb', ({ list }) => ({ list, raw: [{ name: 'samples/zeros.bin', data: new Uint8Array(64 * 1024 * 1024) }] }));
    await refused(bomb, 'bundle-unsafe', /would expand \d[\d,]* times/);
    const limits = { ...DEFAULT_LIMITS, maxTotalBytes: 1000 };
    const parent = join(root, 'small-limit');
    mkdirSync(parent);
    await expect(openBundle(bundle, join(parent, 'p'), { limits })).rejects.toMatchObject({
      code: 'bundle-unsafe',
      message: expect.stringMatching(/more than the/),
    });
    onlyThese(parent, []);
  });

  it('with a member that inflates past the size it declares', async () => {
    // The directory and the manifest say 100 bytes; the deflated data holds 512 kB.
    const liar = { name: 'samples/liar.bin', data: new Uint8Array(512 * 1024).fill(7) };
    const file = await forge('liar', ({ list, manifest }) => ({
      list,
      manifest: { ...manifest, entries: [...manifest.entries, { path: liar.name, bytes: 100, sha256: sha(liar.data) }] },
      raw: [liar],
    }));
    const data = readFileSync(file);
    const name = Buffer.from(liar.name);
    let record = -1;
    for (let i = data.indexOf(name); i >= 0; i = data.indexOf(name, i + 1)) if (i >= 46 && data.readUInt32LE(i - 46) === 0x02014b50) record = i - 46;
    expect(record).toBeGreaterThan(0);
    data.writeUInt32LE(100, record + 24);
    writeFileSync(file, data);
    await refused(file, 'bundle-unsafe', /expands beyond/);
  });

  it('with the same member twice, also when only the case differs', async () => {
    await refused(await forge('duplicate', ({ list }) => ({ list, unlisted: [list[1]!] })), 'bundle-unsafe', /twice/);
    const upper = { ...members().list[1]!, name: members().list[1]!.name.toUpperCase() };
    await refused(await forge('case', ({ list }) => ({ list: [...list, upper] })), 'bundle-unsafe', /ignore case/);
  });

  it('without a manifest, or with one from a newer Atelier', async () => {
    await refused(await forge('no-manifest', ({ list }) => ({ list, manifest: null })), 'bundle-invalid', /no manifest\.json/);
    await refused(
      await forge('newer', ({ list, manifest }) => ({ list, manifest: { ...manifest, version: 2 } })),
      'bundle-too-new',
      /newer Atelier \(bundle version 2/,
    );
    await refused(await forge('newer-schema', ({ list, manifest }) => ({ list, manifest: { ...manifest, schema: 999 } })), 'bundle-too-new', /schema 999/);
    await refused(
      await forge('malformed', ({ list, manifest }) => ({ list, manifest: { ...manifest, entries: 'all of them' } as unknown as ManifestT })),
      'bundle-invalid',
      /malformed at entries/,
    );
  });

  it('with a member that does not match its checksum', async () => {
    const file = await forge('checksum', ({ list, manifest }) => ({
      list: list.map((m) => (m.name.startsWith('assets/') ? { ...m, data: Buffer.from(m.data).fill(1, 40, 60) } : m)),
      manifest,
    }));
    await refused(file, 'bundle-invalid', /does not match its checksum/);
  });

  it('cut short', async () => {
    const file = join(root, 'forged', 'truncated.atelier');
    writeFileSync(file, readFileSync(bundle));
    truncateSync(file, Math.floor(statSync(file).size * 0.6));
    await refused(file, 'bundle-invalid', /cut short/);
  });

  it('with a member its manifest does not list', async () => {
    const extra = { name: 'assets/zz/extra.png', data: Buffer.from('not in the manifest') };
    await refused(await forge('unlisted', ({ list }) => ({ list, unlisted: [extra] })), 'bundle-unsafe', /does not list/);
  });

  it('that is not a zip at all', async () => {
    const file = join(root, 'forged', 'text.atelier');
    writeFileSync(file, 'hello');
    await refused(file, 'bundle-invalid', /not a complete zip/);
  });
});
