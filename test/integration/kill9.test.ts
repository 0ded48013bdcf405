// kill -9 at any moment loses nothing that was acknowledged and leaves nothing
// half-done: an import killed mid-way leaves only complete images and finishes when
// run again; edits the studio answered survive the kill. (Training killed mid-run
// resumes from its last checkpoint: training.test.ts.)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../src-main/store/project';
import { atelier, ROOT, startStudio } from './cli-helpers';

const CLI = fileURLToPath(new URL('../../src-main/host/cli.ts', import.meta.url));
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'atelier-kill9-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `count` distinct 16×16 PNGs (a counter in the pixels, so no two are byte-identical). */
function writeImages(dir: string, count: number): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const data = new Uint8Array(16 * 16 * 3);
    for (let p = 0; p < data.length; p++) data[p] = (p * 37 + i * 101 + (i >> 8) * p) & 0xff;
    data[0] = i & 0xff;
    data[1] = (i >> 8) & 0xff;
    writeFileSync(join(dir, `img-${i}.png`), encode({ width: 16, height: 16, data, channels: 3, depth: 8 }));
  }
}

/** Every stored image has its original and its thumbnail; the database is sound. */
function checkConsistent(dir: string): number {
  const p = Project.open(dir);
  try {
    expect(p.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(p.db.pragma('foreign_key_check')).toEqual([]);
    const rows = p.db.prepare('SELECT id, hash, ext, thumb FROM assets').all() as { id: number; hash: string; ext: string; thumb: string }[];
    for (const r of rows) {
      expect(existsSync(join(dir, 'assets', r.hash.slice(0, 2), `${r.hash}.${r.ext}`)), `original of image ${r.id}`).toBe(true);
      expect(existsSync(join(dir, r.thumb)), `thumbnail of image ${r.id}`).toBe(true);
    }
    return rows.length;
  } finally {
    p.close();
  }
}

describe('kill -9', () => {
  it('during an import leaves only complete images, and the same import run again finishes it', async () => {
    const images = join(root, 'many');
    writeImages(images, 2500);
    const results: number[] = [];
    for (let trial = 0; trial < 3; trial++) {
      const dir = join(root, `import-${trial}`);
      expect((await atelier(['new', dir])).code).toBe(0);
      const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'import', dir, images, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      // Kill once originals are being written: at a different point in each trial.
      const threshold = [5, 200, 800][trial]!;
      await new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
          const stored = existsSync(join(dir, 'assets')) ? readdirSync(join(dir, 'assets'), { recursive: true }).length : 0;
          if (stored >= threshold) {
            clearInterval(timer);
            child.kill('SIGKILL');
            resolve();
          }
        }, 5);
        child.once('exit', (code, signal) => {
          clearInterval(timer);
          if (signal !== 'SIGKILL') reject(new Error(`the import ended before it was killed (code ${code}): ${stderr}`));
        });
      });
      await new Promise((r) => child.once('close', r));
      results.push(checkConsistent(dir));

      const again = await atelier(['import', dir, images, '--json']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.json).toMatchObject({ failed: 0 });
      expect(checkConsistent(dir)).toBe(2500);
    }
    // The kills landed mid-import, not before or after it.
    expect(results.some((n) => n < 2500)).toBe(true);
  }, 240_000);

  it('after edits the studio acknowledged, every one of them is on disk', async () => {
    const dir = join(root, 'edits');
    const images = join(root, 'few');
    writeImages(images, 40);
    expect((await atelier(['new', dir])).code).toBe(0);
    expect((await atelier(['import', dir, images])).code).toBe(0);
    const acknowledged: { image: number; tag: string }[] = [];
    const templates: string[] = [];
    for (let trial = 0; trial < 3; trial++) {
      const studio = await startStudio([dir]);
      const token = new URL(studio.url).searchParams.get('token')!;
      const base = `http://127.0.0.1:${studio.port}`;
      const post = (name: string, body: unknown) =>
        fetch(`${base}/api/${name}`, {
          method: 'POST',
          headers: { 'x-atelier-token': token, 'content-type': 'application/json', origin: base },
          body: JSON.stringify(body),
        });
      let n = 0;
      let stop = false;
      const worker = async () => {
        while (!stop) {
          const i = n++;
          const image = 1 + (i % 40);
          const tag = `t${trial}-${i}`;
          try {
            if (i % 10 === 9) {
              const name = `template ${trial}-${i}`;
              const r = await post('prompts:saveTemplate', { name, text: 'red, seed:1' });
              if (r.ok && ((await r.json()) as { ok: boolean }).ok) templates.push(name);
            } else {
              const r = await post('tags:apply', { ids: [image], add: [tag] });
              if (r.ok && ((await r.json()) as { ok: boolean }).ok) acknowledged.push({ image, tag });
            }
          } catch {
            return; // the studio is gone: this edit was never acknowledged
          }
        }
      };
      const workers = Array.from({ length: 4 }, worker);
      await new Promise((r) => setTimeout(r, 400 + trial * 300));
      studio.child.kill('SIGKILL');
      stop = true;
      await Promise.all(workers);
      await new Promise((r) => (studio.child.exitCode !== null || studio.child.signalCode !== null ? r(null) : studio.child.once('close', r)));
    }
    expect(acknowledged.length).toBeGreaterThan(100);
    const p = Project.open(dir);
    try {
      expect(p.db.pragma('integrity_check', { simple: true })).toBe('ok');
      const has = p.db.prepare('SELECT count(*) FROM asset_tags JOIN tags ON tags.id = tag_id WHERE asset_id = ? AND name = ?').pluck();
      const lost = acknowledged.filter(({ image, tag }) => has.get(image, tag) !== 1);
      expect(lost, `${lost.length} of ${acknowledged.length} acknowledged tag edits lost`).toEqual([]);
      const saved = new Set(p.generations.templates().map((t) => t.name));
      expect(templates.filter((t) => !saved.has(t))).toEqual([]);
    } finally {
      p.close();
    }
  }, 120_000);

  it('after ratings the studio acknowledged, every one is on disk under its reviewer', async () => {
    const dir = join(root, 'ratings');
    expect((await atelier(['new', dir])).code).toBe(0);
    // Forty generated images to rate (the rows are enough: a review never reads the file).
    const seed = Project.open(dir);
    seed.db.prepare("INSERT INTO runs (id, model, size, steps, batch_size, seed, config, status) VALUES (1, 'dcgan', 32, 10, 8, 1, '{}', 'done')").run();
    seed.db.prepare("INSERT INTO checkpoints (id, run_id, step, dir) VALUES (1, 1, 10, 'checkpoints/run-1/step-10')").run();
    const insert = seed.db.prepare('INSERT INTO generations (checkpoint_id, seed, idx, file, size, batch_id) VALUES (1, 1, ?, ?, 32, 1)');
    for (let i = 0; i < 40; i++) insert.run(i, `samples/g/${i}.png`);
    seed.close();
    // Per image: the stars last acknowledged, and those of a request the kill may have cut short.
    const last = new Map<number, { acked: number; inflight: number | null }>();
    let acknowledged = 0;
    for (let trial = 0; trial < 3; trial++) {
      const studio = await startStudio([dir]);
      const token = new URL(studio.url).searchParams.get('token')!;
      const base = `http://127.0.0.1:${studio.port}`;
      const post = async (name: string, body: unknown) => {
        const r = await fetch(`${base}/api/${name}`, {
          method: 'POST',
          headers: { 'x-atelier-token': token, 'content-type': 'application/json', origin: base },
          body: JSON.stringify(body),
        });
        return r.ok && ((await r.json()) as { ok: boolean }).ok;
      };
      expect(await post('reviewer:set', { name: `Reviewer ${trial}` })).toBe(true);
      let stop = false;
      // One worker per image set, in order, so "the last acknowledged" is well defined per image.
      const worker = async (k: number) => {
        for (let i = 0; !stop; i++) {
          const image = 1 + ((k + 4 * i) % 40);
          const stars = 1 + ((i + k + trial) % 5);
          const state = last.get(image) ?? { acked: 0, inflight: null };
          state.inflight = stars;
          last.set(image, state);
          try {
            if (await post('reviews:set', { ids: [image], change: { stars, comment: `trial ${trial}` }, reviewer: 'Ana' })) {
              state.acked = stars;
              state.inflight = null;
              acknowledged++;
            }
          } catch {
            return; // the studio is gone: this rating was never acknowledged
          }
        }
      };
      const workers = [0, 1, 2, 3].map(worker);
      await new Promise((r) => setTimeout(r, 500 + trial * 300));
      studio.child.kill('SIGKILL');
      stop = true;
      await Promise.all(workers);
      await new Promise((r) => (studio.child.exitCode !== null || studio.child.signalCode !== null ? r(null) : studio.child.once('close', r)));
    }
    expect(acknowledged).toBeGreaterThan(50);
    const p = Project.open(dir);
    try {
      expect(p.db.pragma('integrity_check', { simple: true })).toBe('ok');
      const stored = new Map(
        p.db
          .prepare("SELECT generation_id AS id, stars FROM reviews WHERE reviewer = 'Ana'")
          .all()
          .map((r) => [(r as { id: number }).id, (r as { stars: number }).stars]),
      );
      const lost = [...last].filter(([id, s]) => s.acked > 0 && stored.get(id) !== s.acked && stored.get(id) !== s.inflight);
      expect(lost, `${lost.length} acknowledged ratings lost`).toEqual([]);
      // The summary column agrees with the reviews (one reviewer: the mean is their stars).
      const summary = p.db.prepare('SELECT rating FROM generations WHERE id = ?').pluck();
      for (const [id, stars] of stored) expect(summary.get(id)).toBe(stars);
    } finally {
      p.close();
    }
  }, 120_000);
});
