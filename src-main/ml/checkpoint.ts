// Checkpoints in the tfjs weights format: checkpoint.json carries a standard tfjs
// `weightsManifest` (names, shapes, dtypes) plus the training record; weights.bin holds the
// float32 values. Written to a temporary folder and renamed, so a crash leaves either the old
// checkpoint or the new one, never half of one. Plain arrays in and out: any backend can load it.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { tf } from './backend.js';
import type { NamedArray } from './models/dcgan.js';
import { defaultTrainConfig, TRAIN_STATE_FORMAT, TRAIN_STATE_VERSION, type TrainConfig, type TrainState } from './train.js';
import { AtelierError } from '../errors.js';

export const CHECKPOINT_JSON = 'checkpoint.json';
export const WEIGHTS_BIN = 'weights.bin';

/** Checkpoints of the foundation (DCGAN only, four fixed groups); still readable. */
const V1_FORMAT = 'atelier.dcgan';

interface CheckpointJson {
  format: typeof TRAIN_STATE_FORMAT | typeof V1_FORMAT;
  version: number;
  config: Partial<TrainConfig>;
  step: number;
  backend: string;
  savedAt: string;
  /** Training time behind this checkpoint (ms), for a time-budgeted run's resume. */
  trainedMs?: number;
  /** Group names in order (v2); each weight is stored as `<group>/<name>`. */
  groups?: string[];
  weightsManifest: tf.io.WeightsManifestConfig;
}

export class CheckpointError extends AtelierError {
  constructor(
    readonly dir: string,
    message: string,
  ) {
    super('invalid-checkpoint', message);
    this.name = 'CheckpointError';
  }
}

/** Encodes float32 arrays as tfjs weight specs + one contiguous buffer (little-endian, as tfjs). */
function encode(state: TrainState): { specs: tf.io.WeightsManifestEntry[]; data: Uint8Array } {
  const specs: tf.io.WeightsManifestEntry[] = [];
  let bytes = 0;
  for (const [group, arrays] of Object.entries(state.groups)) {
    if (group.includes('/')) throw new Error(`weight group ${group} may not contain "/"`);
    for (const a of arrays) {
      const expected = a.shape.reduce((x, y) => x * y, 1);
      if (a.data.length !== expected) throw new Error(`weight ${group}/${a.name} has ${a.data.length} values for shape [${a.shape}]`);
      specs.push({ name: `${group}/${a.name}`, shape: a.shape, dtype: 'float32' });
      bytes += a.data.byteLength;
    }
  }
  const data = new Uint8Array(bytes);
  let offset = 0;
  for (const arrays of Object.values(state.groups)) {
    for (const a of arrays) {
      data.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), offset);
      offset += a.data.byteLength;
    }
  }
  return { specs, data };
}

/**
 * Writes `state` to `dir` via a temporary sibling folder and one rename (atomic when `dir` is new,
 * e.g. one folder per step). An existing `dir` is moved aside first; if a crash lands between the
 * two renames, loadCheckpoint(dir) finishes the job.
 */
export async function saveCheckpoint(dir: string, state: TrainState): Promise<{ dir: string; bytes: number }> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  await fs.mkdir(parent, { recursive: true });
  const tmp = await fs.mkdtemp(path.join(parent, `.${path.basename(target)}.tmp-`));
  try {
    const { specs, data } = encode(state);
    const json: CheckpointJson = {
      format: TRAIN_STATE_FORMAT,
      version: TRAIN_STATE_VERSION,
      config: state.config,
      step: state.step,
      backend: state.backend,
      savedAt: new Date().toISOString(),
      ...(state.trainedMs !== undefined ? { trainedMs: state.trainedMs } : {}),
      groups: Object.keys(state.groups),
      weightsManifest: [{ paths: [WEIGHTS_BIN], weights: specs }],
    };
    const text = JSON.stringify(json, null, 1);
    await writeDurably(path.join(tmp, WEIGHTS_BIN), data);
    await writeDurably(path.join(tmp, CHECKPOINT_JSON), text);
    // Swap in: move any previous checkpoint aside, rename the new one into place, then delete the old.
    const old = `${tmp}.old`;
    let hadOld = false;
    try {
      await fs.rename(target, old);
      hadOld = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    try {
      await fs.rename(tmp, target);
    } catch (err) {
      if (hadOld) await fs.rename(old, target).catch(() => undefined);
      throw err;
    }
    if (hadOld) await fs.rm(old, { recursive: true, force: true });
    await syncDir(parent);
    return { dir: target, bytes: data.byteLength + Buffer.byteLength(text) };
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function writeDurably(file: string, data: Uint8Array | string): Promise<void> {
  const fh = await fs.open(file, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await fs.open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Not every platform can fsync a directory (Windows); the rename itself is still atomic.
  }
}

/**
 * Finishes a replacement that a crash interrupted between its two renames: `dir` is missing but
 * the fully written new checkpoint (or the old one moved aside) is still next to it.
 */
async function recoverInterruptedSave(target: string): Promise<boolean> {
  const parent = path.dirname(target);
  const prefix = `.${path.basename(target)}.tmp-`;
  let names: string[];
  try {
    names = (await fs.readdir(parent)).filter((n) => n.startsWith(prefix));
  } catch {
    return false;
  }
  const complete = async (n: string) =>
    fs.access(path.join(parent, n, CHECKPOINT_JSON)).then(
      () => true,
      () => false,
    );
  // New before old: both files of the new one were synced before the first rename.
  const ordered = [...names.filter((n) => !n.endsWith('.old')), ...names.filter((n) => n.endsWith('.old'))];
  for (const n of ordered) {
    if (await complete(n)) {
      await fs.rename(path.join(parent, n), target);
      return true;
    }
  }
  return false;
}

export async function loadCheckpoint(dir: string): Promise<TrainState> {
  const target = path.resolve(dir);
  try {
    await fs.access(target);
  } catch {
    await recoverInterruptedSave(target);
  }
  let json: CheckpointJson;
  try {
    json = JSON.parse(await fs.readFile(path.join(target, CHECKPOINT_JSON), 'utf8')) as CheckpointJson;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CheckpointError(
      target,
      code === 'ENOENT'
        ? `${target} has no ${CHECKPOINT_JSON}: it is not a checkpoint folder.`
        : `${CHECKPOINT_JSON} in ${target} is unreadable: ${(err as Error).message}`,
    );
  }
  const v1 = json.format === V1_FORMAT && json.version === 1;
  if (!v1 && (json.format !== TRAIN_STATE_FORMAT || json.version !== TRAIN_STATE_VERSION)) {
    throw new CheckpointError(
      target,
      `${target} holds a ${String(json.format)} v${String(json.version)} checkpoint; this version reads ${TRAIN_STATE_FORMAT} v${TRAIN_STATE_VERSION} (and ${V1_FORMAT} v1).`,
    );
  }
  const known = json.groups ?? ['generator', 'discriminator', 'optimizer.generator', 'optimizer.discriminator'];
  const groups: Record<string, NamedArray[]> = Object.fromEntries(known.map((g) => [g, []]));
  for (const entry of json.weightsManifest) {
    const buffers = await Promise.all(entry.paths.map((p) => fs.readFile(path.join(target, p))));
    const bin = Buffer.concat(buffers);
    const needed = entry.weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
    if (bin.byteLength !== needed) {
      throw new CheckpointError(
        target,
        `${entry.paths.join(', ')} in ${target} has ${bin.byteLength} bytes, the manifest needs ${needed}: the checkpoint is damaged.`,
      );
    }
    let offset = 0;
    for (const w of entry.weights) {
      if (w.dtype !== 'float32') throw new CheckpointError(target, `weight ${w.name} is ${w.dtype}; only float32 is supported`);
      const n = w.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      new Uint8Array(data.buffer).set(bin.subarray(offset, offset + n * 4)); // copy: aligned, owned
      offset += n * 4;
      const owner = splitGroup(w.name, known);
      if (!owner) throw new CheckpointError(target, `weight ${w.name} belongs to no known group`);
      groups[owner.group]!.push({ name: owner.name, shape: [...w.shape], data });
    }
  }
  return {
    format: TRAIN_STATE_FORMAT,
    version: TRAIN_STATE_VERSION,
    // v1 checkpoints are the reference DCGAN; later fields take their defaults.
    config: defaultTrainConfig(json.config),
    step: json.step,
    groups,
    backend: json.backend,
    ...(typeof json.trainedMs === 'number' ? { trainedMs: json.trainedMs } : {}),
  };
}

function splitGroup(name: string, known: readonly string[]): { group: string; name: string } | undefined {
  // Longest group prefix first: 'optimizer.generator/…' must not match 'generator'.
  for (const group of [...known].sort((a, b) => b.length - a.length)) {
    if (name.startsWith(`${group}/`)) return { group, name: name.slice(group.length + 1) };
  }
  return undefined;
}
