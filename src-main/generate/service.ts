// Generation as the Generate view and the CLI use it: prompts become latent and condition
// vectors, a warm generator process draws them, and every image is stored with the exact vectors
// it came from, so it can be drawn again bit for bit, varied, interpolated, walked around and
// post-processed. The vectors are computed here in JS (seeded), never by the backend.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { GeneratedBatchT, GenerationDetailT, GenerationT, GeneratorChoiceT, PostProcessStepT } from '../../src-preload/contract';
import { AtelierError } from '../errors';
import { latentFor } from '../ml/generator';
import { hashSeed, Rng } from '../ml/random';
import type { GenerationOriginT, GenerationRecord, NewGeneration } from '../store/generations';
import type { Project } from '../store/project';
import type { CheckpointRow, RunRow } from '../store/runs';
import { encodePng } from './png';
import { applySteps, contactSheet, encode, type RawImage } from './postprocess';
import { conditionVector, formatPrompt, parsePrompt, unknownToModel, type ParsedPrompt } from './prompt';

/** What draws pixels: the warm generator process in the studio, anything equivalent in tests. */
export interface Drawer {
  draw(
    projectDir: string,
    checkpointDir: string,
    n: number,
    z: Float32Array,
    cond: Float32Array | null,
  ): Promise<{ size: number; latentDim: number; classes: number; pixels: Uint8Array; ms: number }>;
  /** Name of the backend the drawer runs on (stored as provenance). */
  backend(): string;
}

/** A resolved model to draw with. */
interface Generator {
  checkpoint: CheckpointRow;
  run: RunRow;
  latentDim: number;
  /** Tag names in condition-vector order; empty for an unconditional model. */
  classes: string[];
  /** Condition-vector length the network takes (may exceed classes.length for an imported model whose tag names are unknown). */
  condLength: number;
}

interface Plan {
  latent: Float32Array;
  cond: Float32Array | null;
  seed: number;
  index: number;
  truncation: number | null;
  origin: GenerationOriginT;
  parentId: number | null;
  params: Record<string, number | string> | null;
  prompt: string;
  tags: { tag: string; weight: number }[];
}

const MAX_COUNT = 1024;
/** Images per draw request: bounds the generator process's memory for a 1,024-image prompt. */
const DRAW_CHUNK = 256;
/** Images of a batch sent back inline as pixels (the rest load from their files)… */
const MAX_PREVIEWS = 256;
/** …up to this many bytes (256 images of 32 px; 85 of 64 px). */
const MAX_PREVIEW_BYTES = 256 * 32 * 32 * 3;

/** The first images of a batch as raw RGB, in item order: what a fresh grid draws without a file request. */
export interface PreviewPixels {
  size: number;
  count: number;
  /** base64 of count × size × size × 3 bytes. */
  rgb: string;
}

function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').replace(/\..*/, '');
}

let folderCounter = 0;

export class GenerationService {
  constructor(
    private readonly project: () => Project,
    private readonly drawer: Drawer,
    /** An image file could not be written after its answer (disk full, folder gone). */
    private readonly onWriteError: (message: string) => void = () => {},
  ) {}

  // --- models -------------------------------------------------------------------------

  /** Every checkpoint as a generator choice, newest first. */
  generators(): GeneratorChoiceT[] {
    const p = this.project();
    const runs = new Map(p.runs.list().map((r) => [r.id, r]));
    // A checkpoint whose weights a bundle left out cannot draw: it is not offered.
    return p.runs.allCheckpoints().flatMap((c) => {
      const run = runs.get(c.runId);
      return run && hasWeights(p, c) ? [this.choice(c, run)] : [];
    });
  }

  choice(c: CheckpointRow, run: RunRow): GeneratorChoiceT {
    return {
      checkpointId: c.id,
      runId: run.id,
      runName: run.name,
      step: c.step,
      model: run.model,
      size: run.size,
      classes: classesOf(run),
      createdAt: c.createdAt,
      published: this.project().evaluations.published() === c.id,
    };
  }

  /** The checkpoint asked for (by id, or a prompt's @run/@ck), else the published one, else the most recently written one. */
  resolve(ref: { checkpointId?: number | undefined; prompt?: ParsedPrompt['checkpoint'] }): Generator {
    const p = this.project();
    let checkpoint: CheckpointRow | null;
    if (ref.prompt?.kind === 'run') {
      if (!p.runs.get(ref.prompt.id)) throw new AtelierError('not-found', `There is no run ${ref.prompt.id} in this project.`);
      checkpoint = p.runs.latestCheckpoint(ref.prompt.id);
      if (!checkpoint) throw new AtelierError('no-checkpoint', `Run ${ref.prompt.id} has no checkpoint yet; it writes one as it trains.`);
    } else if (ref.prompt?.kind === 'checkpoint' || ref.checkpointId !== undefined) {
      const id = ref.prompt?.id ?? ref.checkpointId!;
      checkpoint = p.runs.checkpoint(id);
      const origin = checkpoint ? null : p.runs.origin(id);
      if (origin?.deleted) {
        throw new AtelierError(
          'not-found',
          `Checkpoint ${id} was deleted with its run ${origin.run.name}: the images it drew stay in the gallery, but cannot be drawn again.`,
        );
      }
      if (!checkpoint) throw new AtelierError('not-found', `There is no checkpoint ${id} in this project.`);
    } else {
      // The published checkpoint (Evaluate) is the default; else the newest.
      const published = p.evaluations.published();
      const usable = p.runs.allCheckpoints().filter((c) => hasWeights(p, c));
      checkpoint = usable.find((c) => c.id === published) ?? usable[0] ?? null;
      if (!checkpoint) throw new AtelierError('no-checkpoint', 'There is no trained model yet. Train one first, then generate.');
    }
    if (!hasWeights(p, checkpoint)) {
      const origin = p.meta('opened_from');
      const bundle = origin ? (JSON.parse(origin) as { bundle?: string }).bundle : undefined;
      throw new AtelierError(
        'missing-file',
        bundle
          ? `Checkpoint ${checkpoint.id}'s weights are not in this project: it was opened from ${bundle}, which left them out. Choose another checkpoint, or export the project again with every checkpoint.`
          : `Checkpoint ${checkpoint.id}'s weights are missing: ${checkpoint.dir} has no ${CHECKPOINT_JSON}.`,
      );
    }
    const run = p.runs.get(checkpoint.runId);
    if (!run) throw new AtelierError('not-found', `Checkpoint ${checkpoint.id} belongs to no run.`);
    return generatorOf(checkpoint, run);
  }

  /** The run and checkpoint that drew an image, for its provenance: weights or not, its run deleted or not. */
  private origin(checkpointId: number): Generator & { deleted: boolean } {
    const found = this.project().runs.origin(checkpointId);
    if (!found) throw new AtelierError('not-found', `There is no checkpoint ${checkpointId} in this project.`);
    return { ...generatorOf(found.checkpoint, found.run), deleted: found.deleted };
  }

  /** A sentence for the prompt box about what prompts can do with this model, or null when they do everything. */
  note(g: Generator): string | null {
    if (g.condLength === 0)
      return `${g.run.name} is unconditional: a prompt only chooses the seed, count and truncation; tags do not steer it. Train a conditional GAN or VAE to steer by tag.`;
    if (g.classes.length < g.condLength)
      return `${g.run.name} was imported without its tag names, so prompts cannot steer it by tag; they choose seed, count and truncation.`;
    return null;
  }

  /** How many images carry each tag, by tag name (tags on no image are left out). */
  tagCounts(): Map<string, number> {
    return new Map(
      this.project()
        .assets.tags()
        .filter((t) => t.count > 0)
        .map((t) => [t.name, t.count]),
    );
  }

  vocabulary(): string[] {
    return this.project()
      .assets.tags()
      .filter((t) => t.count > 0)
      .map((t) => t.name);
  }

  /** Loads the model into the generator process ahead of the first Generate. */
  async warm(checkpointId?: number): Promise<void> {
    const g = this.resolve({ checkpointId });
    await this.drawer.draw(this.project().dir, g.checkpoint.dir, 1, new Float32Array(g.latentDim), g.condLength ? new Float32Array(g.condLength) : null);
  }

  // --- prompts ------------------------------------------------------------------------

  parse(text: string, checkpointId?: number) {
    const result = parsePrompt(text, this.vocabulary(), { maxCount: MAX_COUNT });
    const problems = result.ok ? [] : result.errors;
    let note: string | null;
    try {
      const g = this.resolve({ checkpointId, prompt: result.prompt.checkpoint });
      note = this.note(g);
      if (g.condLength > 0 && g.classes.length === g.condLength) {
        for (const tag of unknownToModel(result.prompt, g.classes)) {
          const at = text.toLowerCase().indexOf(tag.toLowerCase());
          problems.push({
            term: tag,
            start: Math.max(0, at),
            end: at < 0 ? 0 : at + tag.length,
            message: `'${tag}' is a project tag, but ${g.run.name} was trained without it: choose a newer model or leave it out.`,
            suggestions: [],
          });
        }
      }
    } catch (err) {
      if (!(err instanceof AtelierError)) throw err;
      note = err.message;
      if (result.prompt.checkpoint) {
        const at = text.indexOf('@');
        problems.push({ term: text.slice(at), start: Math.max(0, at), end: text.length, message: err.message, suggestions: [] });
      }
    }
    return { ok: problems.length === 0, prompt: result.prompt, canonical: formatPrompt(result.prompt), problems, note };
  }

  // --- generating ---------------------------------------------------------------------

  async fromPrompt(input: {
    prompt: string;
    checkpointId?: number | undefined;
    count: number;
    seed?: number | undefined;
    truncation?: number | undefined;
  }): Promise<GeneratedBatchT> {
    const started = performance.now();
    const parsed = this.parse(input.prompt, input.checkpointId);
    if (!parsed.ok) {
      throw new AtelierError('invalid-prompt', parsed.problems.map((e) => e.message).join(' '));
    }
    const prompt = parsed.prompt;
    const g = this.resolve({ checkpointId: input.checkpointId, prompt: prompt.checkpoint });
    const count = prompt.count ?? input.count;
    const seed = prompt.seed ?? input.seed ?? randomSeed();
    const truncation = prompt.truncation ?? input.truncation ?? null;
    const steer = g.condLength > 0 && g.classes.length === g.condLength;
    const cond = steer ? conditionVector(prompt, g.classes) : g.condLength > 0 ? new Float32Array(g.condLength) : null;
    const notes: string[] = [];
    const note = this.note(g);
    if (note && (prompt.tags.length || prompt.negative.length)) notes.push(note);
    if (steer && prompt.tags.length === 0 && prompt.negative.length === 0) notes.push('No tags in the prompt: the model draws from its whole training set.');
    const canonical = formatPrompt(prompt);
    const plans: Plan[] = Array.from({ length: count }, (_, i) => ({
      latent: latentFor(seed, i, g.latentDim, truncation ?? undefined),
      cond,
      seed,
      index: i,
      truncation,
      origin: 'prompt' as const,
      parentId: null,
      params: null,
      prompt: canonical,
      tags: prompt.tags,
    }));
    if (input.prompt.trim()) this.project().generations.recordPrompt(canonical);
    return { ...(await this.render(g, plans)), ms: performance.now() - started, notes };
  }

  async vary(input: { id: number; count: number; strength: number; seed?: number | undefined }): Promise<GeneratedBatchT> {
    const started = performance.now();
    const parent = this.record(input.id);
    const g = this.resolve({ checkpointId: parent.checkpointId });
    const base = this.latentOf(parent, g);
    const seed = input.seed ?? randomSeed();
    const plans: Plan[] = Array.from({ length: input.count }, (_, i) => {
      const noise = new Rng(hashSeed(seed, 0x7a71, i)).normalArray(g.latentDim);
      const latent = new Float32Array(g.latentDim);
      for (let k = 0; k < latent.length; k++) latent[k] = base[k]! + input.strength * noise[k]!;
      return { ...this.inherit(parent, g), latent, seed, index: i, origin: 'variation', parentId: parent.id, params: { strength: input.strength } };
    });
    return { ...(await this.render(g, plans)), ms: performance.now() - started, notes: [] };
  }

  async interpolate(input: {
    from: { generationId: number } | { prompt: string };
    to: { generationId: number } | { prompt: string };
    steps: number;
    checkpointId?: number | undefined;
  }): Promise<GeneratedBatchT> {
    const started = performance.now();
    const fromRecord = 'generationId' in input.from ? this.record(input.from.generationId) : null;
    const toRecord = 'generationId' in input.to ? this.record(input.to.generationId) : null;
    const g = this.resolve({ checkpointId: input.checkpointId ?? fromRecord?.checkpointId ?? toRecord?.checkpointId });
    const a = this.endpoint(input.from, fromRecord, g, 0);
    const b = this.endpoint(input.to, toRecord, g, 1);
    const plans: Plan[] = Array.from({ length: input.steps }, (_, i) => {
      const t = i / (input.steps - 1);
      const cond = a.cond && b.cond ? lerp(a.cond, b.cond, t) : (a.cond ?? b.cond);
      return {
        latent: slerp(a.latent, b.latent, t),
        cond,
        seed: a.seed,
        index: i,
        truncation: null,
        origin: 'interpolation',
        parentId: fromRecord?.id ?? null,
        params: { t: Math.round(t * 1e6) / 1e6, from: a.label, to: b.label },
        prompt: t < 0.5 ? a.prompt : b.prompt,
        tags: t < 0.5 ? a.tags : b.tags,
      };
    });
    return { ...(await this.render(g, plans)), ms: performance.now() - started, notes: [] };
  }

  async walk(input: { id: number; direction: 'random' | { tag: string }; size: number; radius: number; seed?: number | undefined }) {
    const started = performance.now();
    const parent = this.record(input.id);
    const g = this.resolve({ checkpointId: parent.checkpointId });
    const base = this.latentOf(parent, g);
    const seed = input.seed ?? randomSeed();
    const rows = input.size;
    const columns = input.size;
    const mid = (input.size - 1) / 2;
    const u1 = new Rng(hashSeed(seed, 0x3a1c, 1)).normalArray(g.latentDim);
    const u2 = new Rng(hashSeed(seed, 0x3a1c, 2)).normalArray(g.latentDim);
    let tagIndex = -1;
    if (input.direction !== 'random') {
      const wanted = input.direction.tag.trim().toLowerCase();
      tagIndex = g.classes.findIndex((c) => c.toLowerCase() === wanted);
      if (g.condLength === 0)
        throw new AtelierError('unconditional', `${g.run.name} is unconditional: it cannot walk along a tag. Walk in a random direction instead.`);
      if (tagIndex < 0) throw new AtelierError('invalid-input', `${g.run.name} was not trained on the tag '${input.direction.tag}'.`);
    }
    const parentCond = parent.cond ?? (g.condLength ? new Float32Array(g.condLength) : null);
    const plans: Plan[] = [];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < columns; c++) {
        const dx = (c - mid) / mid;
        const dy = (r - mid) / mid;
        const latent = new Float32Array(g.latentDim);
        let cond = parentCond;
        if (tagIndex >= 0) {
          // Columns: the tag's weight from −radius to +radius around the image's; rows: a random latent direction.
          cond = Float32Array.from(parentCond!);
          cond[tagIndex] = cond[tagIndex]! + dx * input.radius;
          for (let k = 0; k < latent.length; k++) latent[k] = base[k]! + 0.5 * input.radius * dy * u2[k]!;
        } else {
          for (let k = 0; k < latent.length; k++) latent[k] = base[k]! + 0.5 * input.radius * (dx * u1[k]! + dy * u2[k]!);
        }
        plans.push({
          ...this.inherit(parent, g),
          latent,
          cond,
          seed,
          index: r * columns + c,
          origin: 'walk',
          parentId: parent.id,
          params: { row: r, column: c, dx: round(dx * input.radius), dy: round(dy * input.radius), direction: tagIndex >= 0 ? g.classes[tagIndex]! : 'random' },
        });
      }
    }
    return { ...(await this.render(g, plans)), ms: performance.now() - started, notes: [], rows, columns };
  }

  // --- the images ---------------------------------------------------------------------

  /** The image's provenance; its copy check is evaluation's (the handler joins them). */
  detail(id: number): Omit<GenerationDetailT, 'copies'> {
    const r = this.record(id);
    // Provenance only: an image keeps it when its checkpoint's weights are gone (a slim bundle, a deleted run).
    const g = this.origin(r.checkpointId);
    const latent = this.latentOf(r, g);
    const conditioning: { tag: string; weight: number }[] = [];
    r.cond?.forEach((w, i) => {
      if (w !== 0) conditioning.push({ tag: g.classes[i] ?? `class ${i + 1}`, weight: round(w) });
    });
    const { latent: _l, cond: _c, ...row } = r;
    return {
      ...row,
      runName: g.deleted ? `${g.run.name} (deleted)` : g.run.name,
      model: g.run.model,
      checkpointStep: g.checkpoint.step,
      backend: r.backend,
      conditioning,
      latentNorm: round(Math.hypot(...latent)),
      latentDim: g.latentDim,
      children: this.project().generations.children(id),
    };
  }

  // --- the bin ------------------------------------------------------------------------

  /** Moves images to the bin (the gallery leaves them out); every id must name an image. */
  bin(ids: readonly number[]): { binned: number; inBin: number } {
    const g = this.project().generations;
    this.known(ids);
    return { binned: g.bin(ids), inBin: g.binCount() };
  }

  restore(ids: readonly number[]): { restored: number; inBin: number } {
    const g = this.project().generations;
    this.known(ids);
    return { restored: g.restore(ids), inBin: g.binCount() };
  }

  /** Deletes the bin's images for good, then their files (once any write still under way has landed). */
  async emptyBin(): Promise<{ deleted: number; kept: number; files: number }> {
    await this.written();
    const emptied = this.project().generations.emptyBin();
    let files = 0;
    for (const file of emptied.files) {
      const full = this.project().path(file);
      if (!existsSync(full)) continue;
      await rm(full, { force: true });
      files++;
    }
    return { deleted: emptied.deleted, kept: emptied.kept, files };
  }

  private known(ids: readonly number[]): void {
    const missing = this.project().generations.missing(ids);
    if (missing.length)
      throw new AtelierError('not-found', `There is no generated image ${missing.slice(0, 5).join(', ')} in this project; nothing was changed.`);
  }

  /** Draws the image again from its stored vectors, replays its post-processing and compares bytes with its file. */
  async regenerate(id: number): Promise<{ identical: boolean; differingBytes: number; ms: number; backend: string; restored: boolean }> {
    const started = performance.now();
    const r = this.record(id);
    const g = this.resolve({ checkpointId: r.checkpointId });
    const drawn = await this.drawer.draw(
      this.project().dir,
      g.checkpoint.dir,
      1,
      this.latentOf(r, g),
      r.cond ?? (g.condLength ? new Float32Array(g.condLength) : null),
    );
    const image = await applySteps({ width: drawn.size, height: drawn.size, channels: 3, data: drawn.pixels }, r.post);
    let stored: RawImage;
    try {
      stored = await this.readImage(r);
    } catch (error) {
      if (!(error instanceof AtelierError && error.code === 'missing-file')) throw error;
      await this.writeImage(r.file, image);
      return { identical: false, differingBytes: 0, ms: performance.now() - started, backend: this.drawer.backend(), restored: true };
    }
    let differing = Math.abs(stored.data.length - image.data.length);
    const n = Math.min(stored.data.length, image.data.length);
    for (let i = 0; i < n; i++) if (stored.data[i] !== image.data[i]) differing++;
    if (stored.channels !== image.channels || stored.width !== image.width) differing = Math.max(differing, 1);
    return { identical: differing === 0, differingBytes: differing, ms: performance.now() - started, backend: this.drawer.backend(), restored: false };
  }

  async postprocess(id: number, steps: PostProcessStepT[]): Promise<GenerationT> {
    const r = this.record(id);
    const g = this.resolve({ checkpointId: r.checkpointId });
    const out = await applySteps(await this.readImage(r), steps);
    const folder = this.newFolder(g);
    const file = `${folder}/${r.id}-post.png`;
    await this.writeImage(file, out);
    const { ids } = this.project().generations.addBatch([
      {
        ...this.inherit(r, g),
        checkpointId: g.checkpoint.id,
        latent: this.latentOf(r, g),
        seed: r.seed,
        index: r.index,
        origin: 'postprocess',
        parentId: r.id,
        params: null,
        file,
        size: r.size,
        width: out.width,
        height: out.height,
        post: [...r.post, ...steps],
        backend: r.backend,
      },
    ]);
    return this.project().generations.byIds(ids)[0]!;
  }

  async exportImages(input: { ids: number[]; format: 'png' | 'webp'; size?: number | undefined; sheet: boolean; columns?: number | undefined }) {
    const records = input.ids.map((id) => this.record(id));
    const images = await Promise.all(records.map((r) => this.readImage(r)));
    const folder = `exports/${stamp()}-${++folderCounter}`;
    const files: string[] = [];
    if (input.sheet) {
      const sized = input.size ? await Promise.all(images.map((img) => resizeRaw(img, input.size!))) : images;
      const sheet = await contactSheet(sized, {
        columns: input.columns ?? Math.ceil(Math.sqrt(sized.length)),
        gap: 4,
        background: '#ffffff',
        // Under ~112 px a cell has room for the id only (the seed is in the file's provenance).
        label: (i) => (sized[i]!.width >= 112 ? `#${records[i]!.id} · seed ${records[i]!.seed}` : `#${records[i]!.id}`),
      });
      const file = `${folder}/contact-sheet.${input.format}`;
      await this.writeBytes(file, await encode(sheet, input.format));
      files.push(file);
    } else {
      for (const [i, img] of images.entries()) {
        const r = records[i]!;
        const file = `${folder}/${r.id}-seed${r.seed}-${r.index}.${input.format}`;
        await this.writeBytes(file, await encode(img, input.format, input.size, input.size && input.size > img.width ? 'nearest' : 'lanczos'));
        files.push(file);
      }
    }
    return { files, folder };
  }

  async animate(input: { ids: number[]; format: 'gif' | 'webp'; fps: number; size?: number | undefined; pingPong: boolean }) {
    const records = input.ids.map((id) => this.record(id));
    let frames = await Promise.all(records.map((r) => this.readImage(r)));
    const side = input.size ?? Math.max(...frames.map((f) => f.width));
    frames = await Promise.all(frames.map((f) => resizeRaw(f, side, '#ffffff')));
    if (input.pingPong && frames.length > 2) frames = [...frames, ...frames.slice(1, -1).reverse()];
    const data = new Uint8Array(side * side * 4 * frames.length);
    frames.forEach((f, i) => data.set(f.data, i * side * side * 4));
    const delay = Math.round(1000 / input.fps);
    const img = sharp(Buffer.from(data.buffer), { raw: { width: side, height: side * frames.length, channels: 4, pageHeight: side } as sharp.CreateRaw });
    const bytes =
      input.format === 'gif'
        ? await img.gif({ loop: 0, delay: frames.map(() => delay), effort: 7 }).toBuffer()
        : await img.webp({ loop: 0, delay: frames.map(() => delay), lossless: true }).toBuffer();
    const file = `exports/${stamp()}-${++folderCounter}/interpolation.${input.format}`;
    await this.writeBytes(file, bytes);
    return { file, frames: frames.length };
  }

  // --- plumbing -----------------------------------------------------------------------

  private record(id: number): GenerationRecord {
    const r = this.project().generations.get(id);
    if (!r) throw new AtelierError('not-found', `There is no generated image ${id} in this project.`);
    return r;
  }

  /** The stored latent, or (for images made before provenance was stored) the one its seed and index give. */
  private latentOf(r: GenerationRecord, g: Generator): Float32Array {
    const latent = r.latent ?? latentFor(r.seed, r.index, g.latentDim, r.truncation ?? undefined);
    if (latent.length !== g.latentDim)
      throw new AtelierError('incompatible-checkpoint', `Image ${r.id} has a ${latent.length}-value latent; ${g.run.name} takes ${g.latentDim}.`);
    return latent;
  }

  /** What a derived image keeps from its parent. */
  private inherit(
    parent: GenerationRecord,
    g: Generator,
  ): Omit<Plan, 'latent' | 'seed' | 'index' | 'origin' | 'parentId' | 'params'> & { tags: { tag: string; weight: number }[] } {
    return {
      cond: parent.cond ?? (g.condLength ? new Float32Array(g.condLength) : null),
      truncation: parent.truncation,
      prompt: parent.prompt,
      tags: parsePrompt(parent.prompt, this.vocabulary()).prompt.tags,
    };
  }

  private endpoint(e: { generationId: number } | { prompt: string }, record: GenerationRecord | null, g: Generator, side: number) {
    if (record) {
      return {
        latent: this.latentOf(record, g),
        cond: record.cond ?? (g.condLength ? new Float32Array(g.condLength) : null),
        seed: record.seed,
        prompt: record.prompt,
        tags: parsePrompt(record.prompt, this.vocabulary()).prompt.tags,
        label: `#${record.id}`,
      };
    }
    const text = (e as { prompt: string }).prompt;
    const parsed = this.parse(text, g.checkpoint.id);
    if (!parsed.ok)
      throw new AtelierError('invalid-prompt', `The ${side === 0 ? 'first' : 'second'} prompt: ${parsed.problems.map((p) => p.message).join(' ')}`);
    const seed = parsed.prompt.seed ?? randomSeed();
    const steer = g.condLength > 0 && g.classes.length === g.condLength;
    return {
      latent: latentFor(seed, 0, g.latentDim, parsed.prompt.truncation ?? undefined),
      cond: steer ? conditionVector(parsed.prompt, g.classes) : g.condLength ? new Float32Array(g.condLength) : null,
      seed,
      prompt: parsed.canonical,
      tags: parsed.prompt.tags,
      label: parsed.canonical || `seed:${seed}`,
    };
  }

  private newFolder(g: Generator): string {
    return `samples/generated/${stamp()}-${++folderCounter}-ck${g.checkpoint.id}`;
  }

  /**
   * Draws the plans in chunks and stores them as one batch, and answers with the pixels of the first
   * images; their PNG files are written right after (`written()` waits for them). The grid shows
   * from the pixels, so the files' encoding and writing (~25 ms for 64 small images, more on a slow
   * disk) is not part of the wait after Generate. Every image can be drawn again from its row, so a
   * crash in that moment loses no work: Regenerate writes a missing file back.
   */
  private async render(g: Generator, plans: Plan[]): Promise<{ batchId: number; items: GenerationT[]; previews: PreviewPixels | null }> {
    const p = this.project();
    const folder = this.newFolder(g);
    const rows: NewGeneration[] = [];
    const files: { file: string; pixels: Uint8Array; size: number }[] = [];
    let previews: { size: number; parts: Uint8Array[]; bytes: number } | null = null;
    for (let start = 0; start < plans.length; start += DRAW_CHUNK) {
      const chunk = plans.slice(start, start + DRAW_CHUNK);
      const n = chunk.length;
      const z = new Float32Array(n * g.latentDim);
      chunk.forEach((pl, i) => z.set(pl.latent, i * g.latentDim));
      let cond: Float32Array | null = null;
      if (g.condLength > 0) {
        cond = new Float32Array(n * g.condLength);
        chunk.forEach((pl, i) => pl.cond && cond!.set(pl.cond, i * g.condLength));
      }
      const drawn = await this.drawer.draw(p.dir, g.checkpoint.dir, n, z, cond);
      const per = drawn.size * drawn.size * 3;
      previews ??= { size: drawn.size, parts: [], bytes: 0 };
      chunk.forEach((pl, i) => {
        const file = `${folder}/${String(start + i).padStart(4, '0')}.png`;
        const pixels = drawn.pixels.subarray(i * per, (i + 1) * per);
        files.push({ file, pixels, size: drawn.size });
        if (start + i < MAX_PREVIEWS && previews!.bytes + per <= MAX_PREVIEW_BYTES) {
          previews!.parts.push(pixels);
          previews!.bytes += per;
        }
        rows[start + i] = {
          checkpointId: g.checkpoint.id,
          seed: pl.seed,
          index: pl.index,
          file,
          size: drawn.size,
          width: drawn.size,
          height: drawn.size,
          prompt: pl.prompt,
          latent: pl.latent,
          cond: pl.cond,
          truncation: pl.truncation,
          origin: pl.origin,
          parentId: pl.parentId,
          params: pl.params,
          post: [],
          backend: this.drawer.backend(),
          tags: pl.tags,
        };
      });
    }
    const { batchId, ids } = p.generations.addBatch(rows);
    this.track(this.writeFiles(p.dir, folder, files));
    return {
      batchId,
      items: p.generations.byIds(ids),
      previews: previews && {
        size: previews.size,
        count: previews.parts.length,
        rgb: Buffer.concat(previews.parts).toString('base64'),
      },
    };
  }

  /** One PNG per image, with native zlib (for a 32 or 64 px image a libvips pipeline costs more than the encoding; see png.ts). */
  private async writeFiles(dir: string, folder: string, files: { file: string; pixels: Uint8Array; size: number }[]): Promise<void> {
    await mkdir(join(dir, folder), { recursive: true });
    await Promise.all(files.map((f) => writeFile(join(dir, f.file), encodePng(f.pixels, f.size, f.size, 3))));
  }

  private readonly writing = new Set<Promise<void>>();

  private track(write: Promise<void>): void {
    const done = write
      .catch((error: unknown) => this.onWriteError(error instanceof Error ? error.message : String(error)))
      .finally(() => this.writing.delete(done));
    this.writing.add(done);
  }

  /** Resolves once every image file of the answers so far is on disk (or its write has failed and been reported). */
  async written(): Promise<void> {
    while (this.writing.size > 0) await Promise.all([...this.writing]);
  }

  private async readImage(r: GenerationT): Promise<RawImage> {
    await this.written();
    const file = this.project().path(r.file);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch {
      throw new AtelierError('missing-file', `The file of image ${r.id} (${r.file}) is missing from the project folder.`);
    }
    const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, channels: info.channels === 4 ? 4 : 3, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  }

  private async writeImage(file: string, img: RawImage): Promise<void> {
    await this.writeBytes(file, await encode(img, 'png'));
  }

  private async writeBytes(file: string, bytes: Buffer): Promise<void> {
    const full = this.project().path(file);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(`${full}.tmp`, bytes);
    await rename(`${full}.tmp`, full);
  }
}

/** ml/checkpoint.ts's CHECKPOINT_JSON (importing that module would load tfjs into the engine). */
const CHECKPOINT_JSON = 'checkpoint.json';

/** Whether a checkpoint's weights are on disk (a bundle may leave them out). */
function hasWeights(p: Project, c: CheckpointRow): boolean {
  return existsSync(p.path(join(c.dir, CHECKPOINT_JSON)));
}

/** A checkpoint of a run as a generator: its latent size and condition vector. */
function generatorOf(checkpoint: CheckpointRow, run: RunRow): Generator {
  const config = (run.settings.config ?? {}) as { latentDim?: number; classes?: number; family?: string };
  const latentDim = config.latentDim ?? 100;
  const condLength = run.model === 'dcgan' ? 0 : (config.classes ?? 0);
  return { checkpoint, run, latentDim, classes: condLength > 0 ? classesOf(run) : [], condLength };
}

/** Tag names a run was trained on, in condition-vector order. */
export function classesOf(run: RunRow): string[] {
  const classes = run.settings.classes;
  return Array.isArray(classes) && classes.every((c) => typeof c === 'string') ? (classes as string[]) : [];
}

function round(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}

function lerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + (b[i]! - a[i]!) * t;
  return out;
}

/** Spherical interpolation (Shoemake): stays at the norm a Gaussian latent has, unlike lerp through the origin. */
export function slerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  const na = Math.hypot(...a);
  const nb = Math.hypot(...b);
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  const cos = Math.min(1, Math.max(-1, dot / (na * nb || 1)));
  const omega = Math.acos(cos);
  if (omega < 1e-4) return lerp(a, b, t);
  const s = Math.sin(omega);
  const wa = Math.sin((1 - t) * omega) / s;
  const wb = Math.sin(t * omega) / s;
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = wa * a[i]! + wb * b[i]!;
  return out;
}

/** An image at side×side RGBA, nearest-neighbour when enlarging (pixel art stays crisp), lanczos when shrinking. */
async function resizeRaw(img: RawImage, side: number, flatten?: string): Promise<RawImage> {
  let s = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw: { width: img.width, height: img.height, channels: img.channels } });
  if (flatten) s = s.flatten({ background: flatten });
  const { data, info } = await s
    .resize(side, side, { kernel: side > img.width ? 'nearest' : 'lanczos3', fit: 'contain', background: flatten ?? '#ffffff' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 4, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
