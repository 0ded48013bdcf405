// Fine-tuning: a run may start from another run's checkpoint when it keeps that checkpoint's
// model, size and preset; only then may layers be frozen, and only the ones the family names.
import type { TrainSettingsT } from '../../src-preload/contract';
import { AtelierError } from '../errors';
import { FREEZABLE } from '../ml/recipe';
import type { Project } from '../store/project';
import type { RunRow } from '../store/runs';

/** The run whose checkpoint `settings` fine-tunes (null for a fresh run); refuses settings that cannot start from it. */
export function fineTuneParent(p: Project, settings: TrainSettingsT): RunRow | null {
  if (settings.fromCheckpointId === undefined) {
    if (settings.freeze.length > 0) throw new AtelierError('invalid-input', 'Freezing layers only makes sense when fine-tuning from a checkpoint.');
    return null;
  }
  const ck = p.runs.checkpoint(settings.fromCheckpointId);
  if (!ck) throw new AtelierError('not-found', `There is no checkpoint ${settings.fromCheckpointId} in this project.`);
  const parent = p.runs.get(ck.runId);
  if (parent && (parent.model === 'vae') !== (settings.model === 'vae')) {
    throw new AtelierError('incompatible-checkpoint', `Checkpoint ${ck.id} is a ${parent.model}; a ${settings.model} cannot start from it.`);
  }
  if (parent && (parent.size !== settings.size || parent.preset !== settings.preset || parent.model !== settings.model)) {
    throw new AtelierError(
      'incompatible-checkpoint',
      `Checkpoint ${ck.id} is a ${parent.size}px ${parent.preset} ${parent.model}; fine-tune it with the same model, size and preset.`,
    );
  }
  const allowed = new Set(FREEZABLE[settings.model].map((f) => f.name));
  const unknown = settings.freeze.filter((f) => !allowed.has(f));
  if (unknown.length) throw new AtelierError('invalid-input', `Unknown layers to freeze: ${unknown.join(', ')}. Choose from ${[...allowed].join(', ')}.`);
  return parent;
}
