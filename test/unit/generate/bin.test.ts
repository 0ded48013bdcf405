// The generation service's bin: images move to it and back by id (an unknown id changes nothing
// and is named), and emptying it removes their files from the project folder.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GenerationService, type Drawer } from '../../../src-main/generate/service';
import { Project } from '../../../src-main/store/project';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Draws flat grey 8 px images: the bin is about rows and files, not pictures. */
const drawer: Drawer = {
  draw: (_dir, _ck, n) => Promise.resolve({ size: 8, latentDim: 4, classes: 0, pixels: new Uint8Array(n * 8 * 8 * 3).fill(128), ms: 1 }),
  backend: () => 'test',
};

function projectWithModel(): Project {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-bin-service-'));
  dirs.push(dir);
  const p = Project.create(join(dir, 'p'));
  p.db
    .prepare("INSERT INTO runs (id, model, size, steps, batch_size, seed, config, status) VALUES (1, 'dcgan', 8, 10, 8, 1, ?, 'done')")
    .run(JSON.stringify({ config: { latentDim: 4 } }));
  p.db.prepare("INSERT INTO checkpoints (id, run_id, step, dir) VALUES (1, 1, 10, 'checkpoints/run-1/step-10')").run();
  mkdirSync(p.path('checkpoints/run-1/step-10'), { recursive: true });
  writeFileSync(p.path('checkpoints/run-1/step-10/checkpoint.json'), '{}');
  return p;
}

describe('GenerationService bin', () => {
  it('bins, restores and empties, removing the files', async () => {
    const p = projectWithModel();
    const service = new GenerationService(() => p, drawer);
    const batch = await service.fromPrompt({ prompt: '', count: 3 });
    await service.written();
    const [a, b, c] = batch.items.map((g) => g.id) as [number, number, number];
    const file = (id: number) => p.path(batch.items.find((g) => g.id === id)!.file);
    expect(existsSync(file(a))).toBe(true);

    expect(() => service.bin([a, 999])).toThrow('There is no generated image 999');
    expect(p.generations.binCount()).toBe(0);
    expect(service.bin([a, b])).toEqual({ binned: 2, inBin: 2 });
    expect(p.summary().generationCount).toBe(1);
    expect(service.restore([b])).toEqual({ restored: 1, inBin: 1 });
    expect(await service.emptyBin()).toEqual({ deleted: 1, kept: 0, files: 1 });
    expect(existsSync(file(a))).toBe(false);
    expect(existsSync(file(b))).toBe(true);
    expect(existsSync(file(c))).toBe(true);
    expect(p.generations.ids({ sort: 'oldest' })).toEqual([b, c]);
    p.close();
  });
});
