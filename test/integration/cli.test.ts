// The thin pipeline through the CLI, as a user runs it: starter project → train → generate.
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atelier } from './cli-helpers';

let root: string;
let project: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'atelier-cli-'));
  project = join(root, 'starter');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('atelier CLI', () => {
  it('new --starter imports every Twemoji PNG once, tagged with category and subcategory', async () => {
    const r = await atelier(['new', project, '--starter', '--json']);
    expect(r.code, r.stderr).toBe(0);
    // 3,786 PNGs ship in the package; 34 are byte-identical to another (e.g. the family emoji,
    // the US/UM flags), and content addressing stores each image once, merging the tags.
    expect(r.json).toMatchObject({ assets: 3752, duplicates: 34, failed: 0 });
    expect(r.json.tags as number).toBeGreaterThan(100);
    const db = new Database(join(project, 'atelier.db'), { readonly: true });
    const untagged = db.prepare('SELECT count(*) AS n FROM assets WHERE id NOT IN (SELECT asset_id FROM asset_tags)').get() as { n: number };
    expect(untagged.n).toBe(0);
    const smileys = db.prepare("SELECT count(*) AS n FROM asset_tags WHERE tag_id = (SELECT id FROM tags WHERE name = 'Smileys & Emotion')").get() as {
      n: number;
    };
    expect(smileys.n).toBeGreaterThan(100);
    const files = db.prepare('SELECT hash, ext FROM assets LIMIT 5').all() as { hash: string; ext: string }[];
    db.close();
    for (const f of files) expect(existsSync(join(project, 'assets', f.hash.slice(0, 2), `${f.hash}.${f.ext}`))).toBe(true);
  });

  it('info reports the project and the compute backend', async () => {
    const r = await atelier(['info', project, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ assetCount: 3752, runCount: 0 });
    expect((r.json.backend as { name: string }).name).toBe('wasm');
  });

  it('train --steps 20 writes a checkpoint with finite losses', async () => {
    const r = await atelier(['train', project, '--model', 'dcgan', '--size', '32', '--steps', '20', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ runId: 1, steps: 20 });
    expect(Number.isFinite(r.json.lossD)).toBe(true);
    expect(Number.isFinite(r.json.lossG)).toBe(true);
    expect(r.json.imgPerSec as number).toBeGreaterThan(0);
    const checkpoint = r.json.checkpoint as string;
    expect(existsSync(checkpoint)).toBe(true);
    expect(readdirSync(checkpoint).length).toBeGreaterThan(0);
  });

  it('import-checkpoint brings a checkpoint folder in as a finished run; a wrong folder is refused', async () => {
    const source = join(root, 'checkpoint-copy');
    const runDir = join(project, 'checkpoints', 'run-1');
    const step = readdirSync(runDir).find((d) => d.startsWith('step-'))!;
    cpSync(join(runDir, step), source, { recursive: true });
    const r = await atelier(['import-checkpoint', project, source, '--name', 'shared', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ runId: 2, step: Number(step.slice(5)) });
    expect(existsSync(r.json.dir as string)).toBe(true);
    const bad = await atelier(['import-checkpoint', project, join(root, 'nowhere'), '--json']);
    expect(bad.code).toBe(1);
    expect((bad.json.error as { code: string }).code).toBe('invalid-checkpoint');
  });

  it('generate --count 16 writes 16 distinct 32×32 PNGs, reproducible from the seed', async () => {
    const out = join(root, 'out');
    const r = await atelier(['generate', project, '--count', '16', '--out', out, '--seed', '7', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const files = r.json.files as { file: string; seed: number }[];
    expect(files).toHaveLength(16);
    const pixels = await Promise.all(
      files.map(async (f) => {
        const { data, info } = await sharp(f.file).raw().toBuffer({ resolveWithObject: true });
        expect([info.width, info.height]).toEqual([32, 32]);
        return data.toString('base64');
      }),
    );
    expect(new Set(pixels).size).toBe(16);

    const again = await atelier(['generate', project, '--prompt', 'seed:7, n:2', '--out', join(root, 'again'), '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json).toMatchObject({ count: 2, seed: 7, prompt: 'seed:7, n:2' });
    const first = await sharp((again.json.files as { file: string }[])[0]!.file)
      .raw()
      .toBuffer();
    expect(first.toString('base64')).toBe(pixels[0]);
  });

  it('generate --prompt names an unknown tag with the closest known one, and writes nothing', async () => {
    const out = join(root, 'typo');
    const r = await atelier(['generate', project, '--prompt', 'Smileys & Emotio, n:2', '--out', out, '--json']);
    expect(r.code).toBe(1);
    expect(r.json.error).toMatchObject({ code: 'invalid-prompt' });
    expect((r.json.error as { message: string }).message).toContain("'Smileys & Emotion'");
    expect(existsSync(out)).toBe(false);
  });

  it('fails with a one-line error and a non-zero code on bad input', async () => {
    const missing = await atelier(['info', join(root, 'nowhere')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('is not an Atelier project');

    const badSteps = await atelier(['train', project, '--steps', 'lots']);
    expect(badSteps.code).toBe(2);
    expect(badSteps.stderr).toContain('--steps must be a number');

    const zero = await atelier(['train', project, '--steps', '0', '--json']);
    expect(zero.code).toBe(1);
    expect((zero.json.error as { code: string }).code).toBe('invalid-input');
  });
});
