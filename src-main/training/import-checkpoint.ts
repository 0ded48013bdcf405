// Checkpoint import: a checkpoint folder from elsewhere becomes a finished run of this project.
import { basename, resolve } from 'node:path';
import { AtelierError } from '../errors';
import type { Project } from '../store/project';

/**
 * Copies a checkpoint folder from outside the project into `checkpoints/imported-N/step-S` and
 * records it as a finished run of its own (the checkpoint's family, size and preset), so it can be
 * fine-tuned or generated from like any other. The folder is read in full first: a damaged or
 * foreign folder is refused with the reason and nothing is added.
 */
export async function importCheckpoint(p: Project, dir: string, name?: string) {
  const { loadCheckpoint, saveCheckpoint } = await import('../ml/checkpoint');
  const { PRESET_WIDTH } = await import('../ml/recipe');
  const source = resolve(dir);
  let state;
  try {
    state = await loadCheckpoint(source);
  } catch (error) {
    throw new AtelierError('invalid-checkpoint', (error as Error).message);
  }
  const { config } = state;
  const preset = (Object.keys(PRESET_WIDTH) as (keyof typeof PRESET_WIDTH)[]).find((k) => PRESET_WIDTH[k] === config.width);
  if (!preset)
    throw new AtelierError(
      'invalid-checkpoint',
      `${source} has networks of width ${config.width}; Atelier's presets are ${Object.values(PRESET_WIDTH).join(' and ')}.`,
    );
  const runId = p.runs.create({
    name: name ?? `Imported ${basename(source)}`,
    model: config.family,
    size: config.size,
    preset,
    steps: state.step,
    batchSize: config.batchSize,
    seed: config.seed,
    settings: { imported: source, model: config.family, size: config.size, preset, config },
    assets: [],
    status: 'done',
  });
  const target = `checkpoints/imported-${runId}/step-${state.step}`;
  try {
    await saveCheckpoint(p.path(target), state);
  } catch (error) {
    p.runs.setStatus(runId, 'failed', `Copying the checkpoint failed: ${(error as Error).message}`);
    throw error;
  }
  const checkpointId = p.runs.addCheckpoint(runId, state.step, target);
  p.runs.setStepsDone(runId, state.step);
  return p.runs.checkpoint(checkpointId)!;
}
