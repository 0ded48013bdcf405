// A feedback round from the command line, on a fixture whose ratings follow a visible rule: the
// team likes bright images. Train a small DCGAN on shapes of every brightness, generate, rate
// by the rule (`atelier rate`), ask the preference model (`atelier predict`), run a round
// (`atelier feedback-round`): fresh images drawn from the same seeds are brighter after the round
// than before and than after the same fine-tune without ratings, by a margin; the predicted rating
// says so too, and KID is measured for both sides.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFiles } from '../../src-main/datasets/import';
import { Curation } from '../../src-main/datasets/curation';
import { Project } from '../../src-main/store/project';
import { atelier } from '../integration/cli-helpers';

let root: string;
let dir: string;

/** Mean brightness (0–1) of PNG files. */
async function brightness(files: string[]): Promise<number> {
  let total = 0;
  for (const f of files) {
    const px = await sharp(f).removeAlpha().raw().toBuffer();
    let s = 0;
    for (const v of px) s += v;
    total += s / px.length / 255;
  }
  return total / files.length;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'atelier-round-'));
  dir = join(root, 'p');
  const images = join(root, 'images');
  mkdirSync(images);
  // Discs and squares of every brightness on a mid-grey ground, untagged: a DCGAN's set.
  const files = [];
  for (let i = 0; i < 128; i++) {
    const level = Math.round(20 + ((i * 53) % 128) * (215 / 127));
    const shape = i % 2 ? `<circle cx="16" cy="16" r="${7 + (i % 5)}"/>` : `<rect x="${6 + (i % 4)}" y="${6 + (i % 3)}" width="18" height="18"/>`;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="rgb(${level},${level},${level})"/><g fill="rgb(${Math.min(255, level + 30)},${level},${Math.max(0, level - 30)})">${shape}</g></svg>`;
    const file = join(images, `shape-${i}.png`);
    await sharp(Buffer.from(svg)).png().toFile(file);
    files.push({ path: file, tags: [] });
  }
  const p = Project.create(dir);
  await importFiles(p, files);
  new Curation(p).assignSplits({ train: 80, val: 20, test: 0, seed: 1 });
  p.close();
}, 120_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('atelier feedback-round', () => {
  it('moves fresh generations toward what the team rated highly, and measures it', async () => {
    const trained = await atelier(['train', dir, '--model', 'dcgan', '--steps', '150', '--batch', '16', '--workers', '1', '--json']);
    expect(trained.code, trained.stderr).toBe(0);
    const generated = await atelier(['generate', dir, '--count', '64', '--seed', '7', '--out', join(root, 'drawn'), '--json']);
    expect(generated.code, generated.stderr).toBe(0);
    const drawn = generated.json.files as { file: string; id: number }[];
    // Rate by the rule: the brightest quarter 5★, the next 4★, then 2★, the darkest quarter rejected.
    const level = await Promise.all(drawn.map(async (d) => ({ id: d.id, b: await brightness([d.file]) })));
    const sorted = [...level].sort((a, b) => b.b - a.b);
    const quarter = Math.floor(sorted.length / 4);
    const groups: [string[], number[]][] = [
      [['--stars', '5'], sorted.slice(0, quarter).map((x) => x.id)],
      [['--stars', '4'], sorted.slice(quarter, 2 * quarter).map((x) => x.id)],
      [['--stars', '2'], sorted.slice(2 * quarter, 3 * quarter).map((x) => x.id)],
      [['--reject', 'boring'], sorted.slice(3 * quarter).map((x) => x.id)],
    ];
    for (const [flags, ids] of groups) {
      const rated = await atelier(['rate', dir, ...ids.map(String), ...flags, '--reviewer', 'Ana', '--json']);
      expect(rated.code, rated.stderr).toBe(0);
      expect(rated.json).toMatchObject({ updated: ids.length, reviewer: 'Ana' });
    }
    const predicted = await atelier(['predict', dir, ...sorted.map((x) => String(x.id)), '--json']);
    expect(predicted.code, predicted.stderr).toBe(0);
    const model = predicted.json.model as { ratings: number; spearman: number };
    expect(model.ratings).toBe(64);

    const round = await atelier(['feedback-round', dir, '--steps', '100', '--samples', '48', '--json']);
    expect(round.code, round.stderr).toBe(0);
    const r = round.json as {
      runId: number;
      checkpointId: number;
      ratingsUsed: number;
      before: { predicted: number; kid: number; generationIds: number[] };
      after: { predicted: number; kid: number; generationIds: number[] };
      verdict: string;
    };
    expect(r.ratingsUsed).toBe(64);
    expect(r.checkpointId).toBeGreaterThan(0);
    // Measured on the very images the strip shows (same seeds, both checkpoints).
    const project = Project.open(dir);
    const files = (ids: number[]) => project.generations.byIds(ids).map((g) => project.path(g.file));
    const before = await brightness(files(r.before.generationIds));
    const after = await brightness(files(r.after.generationIds));
    const strip = project.generations.byIds(r.before.generationIds)[0]!;
    project.close();
    // The control: the same fine-tune without the ratings, drawn from the same seeds.
    const base = (trained.json as { checkpointId: number }).checkpointId;
    const control = await atelier(['train', dir, '--from-checkpoint', String(base), '--steps', '100', '--lr-scale', '0.5', '--batch', '16', '--json']);
    expect(control.code, control.stderr).toBe(0);
    const controlDrawn = await atelier([
      'generate',
      dir,
      '--checkpoint',
      String((control.json as { checkpointId: number }).checkpointId),
      '--seed',
      String(strip.seed),
      '--count',
      String(r.after.generationIds.length),
      '--out',
      join(root, 'control'),
      '--json',
    ]);
    expect(controlDrawn.code, controlDrawn.stderr).toBe(0);
    const plain = await brightness((controlDrawn.json.files as { file: string }[]).map((f) => f.file));
    console.log(
      `feedback round: brightness ${before.toFixed(3)} → ${after.toFixed(3)} (a fine-tune without ratings: ${plain.toFixed(3)}), predicted ${r.before.predicted.toFixed(2)} → ${r.after.predicted.toFixed(2)}, KID ${r.before.kid} → ${r.after.kid}, ${r.verdict}`,
    );
    expect(after).toBeGreaterThan(before + 0.05);
    expect(after).toBeGreaterThan(plain + 0.05);
    expect(r.after.predicted).toBeGreaterThan(r.before.predicted + 0.1);
    expect(typeof r.before.kid).toBe('number');
    expect(typeof r.after.kid).toBe('number');
  }, 600_000);
});
