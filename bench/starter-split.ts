// The starter project as the app makes it, for the recipe trials: imported into a temporary
// project and split 80/10/10 by tag stratum (STARTER_SPLIT), with the train and val splits
// decoded at the training size the way a run decodes them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Curation } from '../src-main/datasets/curation';
import { importFiles } from '../src-main/datasets/import';
import { STARTER_SPLIT, starterItems } from '../src-main/datasets/starter';
import { trainingPixels } from '../src-main/datasets/training-set';
import { assetFile, type AssetRow } from '../src-main/store/assets';
import { Project } from '../src-main/store/project';

export interface StarterSplit {
  project: Project;
  curation: Curation;
  train: { assets: AssetRow[]; pixels: Awaited<ReturnType<typeof trainingPixels>> };
  val: { assets: AssetRow[]; pixels: Awaited<ReturnType<typeof trainingPixels>> };
  background: string;
  /** Closes the project and removes the temporary folder. */
  remove(): void;
}

export async function starterSplit(size: 32 | 64): Promise<StarterSplit> {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-recipe-'));
  const project = Project.create(join(dir, 'p'));
  await importFiles(project, starterItems());
  const curation = new Curation(project);
  curation.assignSplits({ ...STARTER_SPLIT });
  const view = { size, background: project.background, cacheDir: join(dir, 'cache') };
  const decode = (assets: AssetRow[]) =>
    trainingPixels(
      assets.map((a) => ({ path: project.path(assetFile(a.hash, a.ext)), hash: a.hash })),
      view,
    );
  const trainAssets = curation.trainingAssets();
  const valAssets = project.assets.all({ excluded: false }).filter((a) => a.split === 'val');
  return {
    project,
    curation,
    train: { assets: trainAssets, pixels: await decode(trainAssets) },
    val: { assets: valAssets, pixels: await decode(valAssets) },
    background: project.background,
    remove() {
      project.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
