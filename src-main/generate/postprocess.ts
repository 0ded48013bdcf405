// Post-processing of generated images: upscale, sharpen, palette reduction, background to
// transparency, encoding and contact sheets. Raw RGB/RGBA in and out, inputs never touched.
// The image → image operations are also steps (PostProcessStep) stored with a generation as
// provenance, so applySteps replays them to the same bytes.
import sharp from 'sharp';
import type { z } from 'zod';
import { PostProcessStep as PostProcessStepContract } from '../../src-preload/contract';
import { AtelierError } from '../errors';

/** Row-major 8-bit pixels, width×height×channels bytes. */
export interface RawImage {
  width: number;
  height: number;
  channels: 3 | 4;
  data: Uint8Array;
}

export type ResizeKernel = 'lanczos' | 'nearest';
export type EncodeFormat = 'png' | 'webp';

export class PostProcessError extends AtelierError {
  override name = 'PostProcessError';
  constructor(message: string) {
    super('invalid-input', message);
  }
}

/** Largest side of any image we produce: beyond it a mistake, not a picture. */
export const MAX_SIDE = 16384;
export const MAX_SHARPEN = 10;

/** Declared in the contract (the UI sends them); re-exported here beside the code that applies them. */
export const PostProcessStepSchema = PostProcessStepContract;
export type PostProcessStep = z.infer<typeof PostProcessStepSchema>;

// ---------------------------------------------------------------------------------------
// Validation and sharp plumbing

function checkImage(img: RawImage, what = 'The image'): void {
  if (!img || typeof img !== 'object') throw new PostProcessError(`${what} is missing.`);
  const { width, height, channels, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new PostProcessError(`${what} must be at least 1×1 whole pixels; got ${width}×${height}.`);
  }
  if (channels !== 3 && channels !== 4) throw new PostProcessError(`${what} must have 3 (RGB) or 4 (RGBA) channels; got ${channels}.`);
  if (!(data instanceof Uint8Array)) throw new PostProcessError(`${what}'s pixels must be a Uint8Array.`);
  const expected = width * height * channels;
  if (data.length !== expected) {
    throw new PostProcessError(`${what} is ${width}×${height}×${channels}, which needs ${expected} bytes; its buffer has ${data.length}.`);
  }
}

function checkSide(side: number, what: string): void {
  if (side > MAX_SIDE) throw new PostProcessError(`${what} would be ${side} pixels wide or high; the most is ${MAX_SIDE}.`);
}

/** '#rrggbb' or, where allowed, '#rrggbbaa' → [r, g, b, a]. */
export function parseColour(colour: string, allowAlpha = false): [number, number, number, number] {
  const pattern = allowAlpha ? /^#([0-9a-f]{6}|[0-9a-f]{8})$/i : /^#[0-9a-f]{6}$/i;
  if (typeof colour !== 'string' || !pattern.test(colour)) {
    throw new PostProcessError(`'${String(colour)}' is not a colour: write it as ${allowAlpha ? '#rrggbb or #rrggbbaa' : '#rrggbb'}, e.g. #ffffff.`);
  }
  const v = (i: number): number => parseInt(colour.slice(i, i + 2), 16);
  return [v(1), v(3), v(5), colour.length === 9 ? v(7) : 255];
}

/** A sharp pipeline reading the image's pixels in place (sharp copies; it never writes to them). */
function pipeline(img: RawImage): sharp.Sharp {
  const input = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return sharp(input, { raw: { width: img.width, height: img.height, channels: img.channels } });
}

async function toRaw(p: sharp.Sharp, channels: 3 | 4): Promise<RawImage> {
  const shaped = channels === 3 ? p.removeAlpha() : p.ensureAlpha();
  const { data, info } = await shaped.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

// ---------------------------------------------------------------------------------------
// Operations

/**
 * factor× larger. 'nearest' is done here, not by sharp: every source pixel becomes an exact
 * factor×factor block, which pixel art needs. 'lanczos' is sharp's lanczos3 (alpha-aware).
 */
export async function upscale(img: RawImage, factor: 2 | 4, kernel: ResizeKernel): Promise<RawImage> {
  checkImage(img);
  if (factor !== 2 && factor !== 4) throw new PostProcessError(`An upscale factor must be 2 or 4; got ${String(factor)}.`);
  if (kernel !== 'lanczos' && kernel !== 'nearest') throw new PostProcessError(`An upscale kernel must be 'lanczos' or 'nearest'; got '${String(kernel)}'.`);
  const width = img.width * factor;
  const height = img.height * factor;
  checkSide(Math.max(width, height), 'The upscaled image');
  if (kernel === 'lanczos') return toRaw(pipeline(img).resize(width, height, { kernel: 'lanczos3', fit: 'fill' }), img.channels);

  const c = img.channels;
  const out = new Uint8Array(width * height * c);
  const srcRow = img.width * c;
  const dstRow = width * c;
  for (let y = 0; y < img.height; y++) {
    const row = out.subarray(y * factor * dstRow, (y * factor + 1) * dstRow);
    for (let x = 0; x < img.width; x++) {
      const pixel = img.data.subarray(y * srcRow + x * c, y * srcRow + (x + 1) * c);
      for (let k = 0; k < factor; k++) row.set(pixel, (x * factor + k) * c);
    }
    for (let k = 1; k < factor; k++) out.copyWithin((y * factor + k) * dstRow, y * factor * dstRow, (y * factor + 1) * dstRow);
  }
  return { width, height, channels: c, data: out };
}

/**
 * Unsharp-style sharpening of lightness (sharp's sharpen, sigma 1). `amount` 0..10 scales
 * sharp's default strength (m1 = amount, m2 = 2·amount): 1 is sharp's default, 0 a copy.
 */
export async function sharpen(img: RawImage, amount: number): Promise<RawImage> {
  checkImage(img);
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0 || amount > MAX_SHARPEN) {
    throw new PostProcessError(`A sharpen amount must be a number from 0 to ${MAX_SHARPEN}; got ${String(amount)}.`);
  }
  if (amount === 0) return { ...img, data: img.data.slice() };
  return toRaw(pipeline(img).sharpen({ sigma: 1, m1: amount, m2: 2 * amount }), img.channels);
}

/**
 * At most `colours` colours, by median cut: start from one box holding every distinct RGB
 * colour (weighted by pixel count); repeatedly split the box whose widest channel range
 * times pixel count is largest, at the pixel-weighted median of that channel; each box's
 * colour is its pixel-weighted mean. Pixels then take the nearest of those colours (ties to
 * the lower palette entry). No randomness and every tie broken by colour value, so the same
 * pixels always give the same result. Alpha passes through unchanged. An image that already
 * has ≤ `colours` colours is returned as is. The palette lists the colours used, sorted by
 * value (0xRRGGBB).
 */
export async function reducePalette(img: RawImage, colours: number): Promise<{ image: RawImage; palette: [number, number, number][] }> {
  checkImage(img);
  if (!Number.isInteger(colours) || colours < 2 || colours > 256) {
    throw new PostProcessError(`A palette must have 2 to 256 colours; got ${String(colours)}.`);
  }
  const { data, channels } = img;
  const pixels = img.width * img.height;
  const histogram = new Map<number, number>();
  for (let i = 0; i < pixels; i++) {
    const o = i * channels;
    const key = (data[o]! << 16) | (data[o + 1]! << 8) | data[o + 2]!;
    histogram.set(key, (histogram.get(key) ?? 0) + 1);
  }
  const keys = Int32Array.from(histogram.keys()).sort();
  const unpack = (k: number): [number, number, number] => [(k >> 16) & 255, (k >> 8) & 255, k & 255];
  if (keys.length <= colours) return { image: { ...img, data: data.slice() }, palette: Array.from(keys, unpack) };

  const n = keys.length;
  const rgb = [new Uint8Array(n), new Uint8Array(n), new Uint8Array(n)] as const;
  const counts = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [r, g, b] = unpack(keys[i]!);
    rgb[0][i] = r;
    rgb[1][i] = g;
    rgb[2][i] = b;
    counts[i] = histogram.get(keys[i]!)!;
  }

  interface Box {
    start: number;
    end: number;
    channel: number;
    range: number;
    population: number;
  }
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const makeBox = (start: number, end: number): Box => {
    let best = 0;
    let range = -1;
    for (let ch = 0; ch < 3; ch++) {
      let lo = 255;
      let hi = 0;
      for (let i = start; i < end; i++) {
        const v = rgb[ch]![order[i]!]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (hi - lo > range) {
        range = hi - lo;
        best = ch;
      }
    }
    let population = 0;
    for (let i = start; i < end; i++) population += counts[order[i]!]!;
    return { start, end, channel: best, range, population };
  };

  const boxes: Box[] = [makeBox(0, n)];
  while (boxes.length < colours) {
    let pick = -1;
    let priority = 0;
    boxes.forEach((box, i) => {
      const p = box.range * box.population;
      if (box.end - box.start >= 2 && box.range > 0 && p > priority) {
        priority = p;
        pick = i;
      }
    });
    if (pick < 0) break;
    const box = boxes[pick]!;
    const values = rgb[box.channel]!;
    order.subarray(box.start, box.end).sort((a, b) => values[a]! - values[b]! || a - b);
    let cut = box.start + 1;
    let acc = counts[order[box.start]!]!;
    while (cut < box.end - 1 && acc + counts[order[cut]!]! <= box.population / 2) acc += counts[order[cut++]!]!;
    boxes.splice(pick, 1, makeBox(box.start, cut), makeBox(cut, box.end));
  }

  const means = new Set<number>();
  for (const box of boxes) {
    const sum = [0, 0, 0];
    for (let i = box.start; i < box.end; i++) {
      const e = order[i]!;
      for (let ch = 0; ch < 3; ch++) sum[ch]! += rgb[ch]![e]! * counts[e]!;
    }
    const [r, g, b] = sum.map((s) => Math.round(s / box.population)) as [number, number, number];
    means.add((r << 16) | (g << 8) | b);
  }
  const candidates = Array.from(means)
    .sort((a, b) => a - b)
    .map(unpack);

  const nearest = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestDistance = Infinity;
    candidates.forEach(([r, g, b], j) => {
      const d = (rgb[0][i]! - r) ** 2 + (rgb[1][i]! - g) ** 2 + (rgb[2][i]! - b) ** 2;
      if (d < bestDistance) {
        bestDistance = d;
        best = j;
      }
    });
    nearest.set(keys[i]!, best);
  }

  const out = data.slice();
  const used = new Set<number>();
  for (let i = 0; i < pixels; i++) {
    const o = i * channels;
    const j = nearest.get((data[o]! << 16) | (data[o + 1]! << 8) | data[o + 2]!)!;
    used.add(j);
    const [r, g, b] = candidates[j]!;
    out[o] = r;
    out[o + 1] = g;
    out[o + 2] = b;
  }
  return { image: { ...img, data: out }, palette: candidates.filter((_, j) => used.has(j)) };
}

/**
 * RGBA copy where pixels within `tolerance` of `colour` on every channel (max |Δ| ≤ tolerance)
 * get alpha 0. Other pixels keep their alpha: 255 for an RGB input.
 */
export function backgroundToTransparent(img: RawImage, colour: string, tolerance: number): RawImage {
  checkImage(img);
  const [r, g, b] = parseColour(colour);
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0 || tolerance > 255) {
    throw new PostProcessError(`A tolerance must be a number from 0 to 255; got ${String(tolerance)}.`);
  }
  const { data, channels } = img;
  const pixels = img.width * img.height;
  const out = new Uint8Array(pixels * 4);
  for (let i = 0; i < pixels; i++) {
    const s = i * channels;
    const d = i * 4;
    const pr = data[s]!;
    const pg = data[s + 1]!;
    const pb = data[s + 2]!;
    out[d] = pr;
    out[d + 1] = pg;
    out[d + 2] = pb;
    const within = Math.abs(pr - r) <= tolerance && Math.abs(pg - g) <= tolerance && Math.abs(pb - b) <= tolerance;
    out[d + 3] = within ? 0 : channels === 4 ? data[s + 3]! : 255;
  }
  return { width: img.width, height: img.height, channels: 4, data: out };
}

/**
 * PNG or lossless WebP (generated art is small and its pixels matter). With `size`, the
 * longer side is resized to `size` pixels first with `kernel`, keeping the aspect ratio.
 */
export async function encode(img: RawImage, format: EncodeFormat, size?: number, kernel: ResizeKernel = 'lanczos'): Promise<Buffer> {
  checkImage(img);
  if (format !== 'png' && format !== 'webp') throw new PostProcessError(`An image can be encoded as 'png' or 'webp'; got '${String(format)}'.`);
  if (kernel !== 'lanczos' && kernel !== 'nearest') throw new PostProcessError(`A resize kernel must be 'lanczos' or 'nearest'; got '${String(kernel)}'.`);
  let p = pipeline(img);
  if (size !== undefined) {
    if (!Number.isInteger(size) || size < 1 || size > MAX_SIDE)
      throw new PostProcessError(`An encode size must be a whole number of pixels from 1 to ${MAX_SIDE}; got ${size}.`);
    const landscape = img.width >= img.height;
    p = p.resize({
      width: landscape ? size : Math.max(1, Math.round((img.width * size) / img.height)),
      height: landscape ? Math.max(1, Math.round((img.height * size) / img.width)) : size,
      fit: 'fill',
      kernel: kernel === 'nearest' ? 'nearest' : 'lanczos3',
    });
  }
  return format === 'png' ? p.png().toBuffer() : p.webp({ lossless: true }).toBuffer();
}

export interface ContactSheetOptions {
  columns: number;
  /** Pixels between cells and around the edge. */
  gap: number;
  /** '#rrggbb', or '#rrggbbaa' for a transparent sheet (then RGBA out). */
  background: string;
  /** A caption under image i, or undefined for none. */
  label?: (i: number) => string | undefined;
}

/** Label strip under each cell when any label is given; text is drawn by sharp from an SVG. */
export const LABEL_HEIGHT = 16;
const LABEL_FONT_SIZE = 11;

/**
 * Images in a grid of `columns`, each centred in a cell as large as the largest image, in
 * order, left to right then top to bottom. Sheet size: cols·cellW + (cols+1)·gap wide,
 * rows·(cellH + label) + (rows+1)·gap high, cols = min(columns, count). RGBA images are
 * composited over the background. RGB out unless the background is translucent.
 */
export async function contactSheet(images: RawImage[], opts: ContactSheetOptions): Promise<RawImage> {
  if (!Array.isArray(images) || images.length === 0) throw new PostProcessError('A contact sheet needs at least one image.');
  images.forEach((img, i) => checkImage(img, `Image ${i + 1} of the contact sheet`));
  const { columns, gap } = opts;
  if (!Number.isInteger(columns) || columns < 1) throw new PostProcessError(`A contact sheet needs a whole number of columns, at least 1; got ${columns}.`);
  if (!Number.isInteger(gap) || gap < 0) throw new PostProcessError(`A contact sheet gap must be a whole number of pixels, 0 or more; got ${gap}.`);
  const [br, bg, bb, ba] = parseColour(opts.background, true);
  const labels = images.map((_, i) => opts.label?.(i));
  const labelHeight = labels.some((l) => l !== undefined && l !== '') ? LABEL_HEIGHT : 0;

  const cellW = Math.max(...images.map((i) => i.width));
  const cellH = Math.max(...images.map((i) => i.height));
  const cols = Math.min(columns, images.length);
  const rows = Math.ceil(images.length / cols);
  const width = cols * cellW + (cols + 1) * gap;
  const height = rows * (cellH + labelHeight) + (rows + 1) * gap;
  checkSide(Math.max(width, height), 'The contact sheet');

  const channels: 3 | 4 = ba < 255 ? 4 : 3;
  const out = new Uint8Array(width * height * channels);
  out.set(channels === 4 ? [br, bg, bb, ba] : [br, bg, bb]);
  for (let filled = channels; filled < out.length; filled *= 2) out.copyWithin(filled, 0, Math.min(filled, out.length - filled));

  images.forEach((img, n) => {
    const left = gap + (n % cols) * (cellW + gap) + Math.floor((cellW - img.width) / 2);
    const top = gap + Math.floor(n / cols) * (cellH + labelHeight + gap) + Math.floor((cellH - img.height) / 2);
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        const s = (y * img.width + x) * img.channels;
        const d = ((top + y) * width + left + x) * channels;
        const a = img.channels === 4 ? img.data[s + 3]! / 255 : 1;
        const under = channels === 4 ? out[d + 3]! / 255 : 1;
        // Porter–Duff "over".
        const alpha = a + under * (1 - a);
        for (let ch = 0; ch < 3; ch++) {
          out[d + ch] = alpha === 0 ? 0 : Math.round((img.data[s + ch]! * a + out[d + ch]! * under * (1 - a)) / alpha);
        }
        if (channels === 4) out[d + 3] = Math.round(alpha * 255);
      }
    }
  });

  const sheet: RawImage = { width, height, channels, data: out };
  if (!labelHeight) return sheet;
  const ink = 0.2126 * br + 0.7152 * bg + 0.0722 * bb > 128 || ba < 128 ? '#000000' : '#ffffff';
  const maxChars = Math.max(1, Math.floor(cellW / (LABEL_FONT_SIZE * 0.6)));
  const texts = labels.map((label, n) => {
    if (label === undefined || label === '') return '';
    const text = label.length <= maxChars ? label : maxChars >= 2 ? `${label.slice(0, maxChars - 1)}…` : label.slice(0, maxChars);
    const x = gap + (n % cols) * (cellW + gap);
    const y = gap + Math.floor(n / cols) * (cellH + labelHeight + gap) + cellH;
    // A nested <svg> clips its content, so a long label never runs into the next cell.
    return `<svg x="${x}" y="${y}" width="${cellW}" height="${LABEL_HEIGHT}"><text x="${cellW / 2}" y="${LABEL_HEIGHT - 4}">${escapeXml(text)}</text></svg>`;
  });
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<g font-family="sans-serif" font-size="${LABEL_FONT_SIZE}" text-anchor="middle" fill="${ink}">${texts.join('')}</g></svg>`;
  return toRaw(pipeline(sheet).composite([{ input: Buffer.from(svg), left: 0, top: 0 }]), channels);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

// ---------------------------------------------------------------------------------------
// Replay

/** Runs `steps` in order on a copy of `img`. Same image and steps, same bytes: provenance is replayable. */
export async function applySteps(img: RawImage, steps: readonly PostProcessStep[]): Promise<RawImage> {
  checkImage(img);
  let current: RawImage = { ...img, data: img.data.slice() };
  for (const [i, step] of steps.entries()) {
    const checked = PostProcessStepSchema.safeParse(step);
    if (!checked.success) {
      const op = step && typeof step === 'object' && 'op' in step ? `'${String(step.op)}'` : 'without an op';
      throw new PostProcessError(
        `Post-processing step ${i + 1} (${op}) is not valid: ${checked.error.issues.map((e) => `${e.path.join('.') || 'op'}: ${e.message}`).join('; ')}.`,
      );
    }
    const s = checked.data;
    switch (s.op) {
      case 'upscale':
        current = await upscale(current, s.factor, s.kernel);
        break;
      case 'sharpen':
        current = await sharpen(current, s.amount);
        break;
      case 'reducePalette':
        current = (await reducePalette(current, s.colours)).image;
        break;
      case 'backgroundToTransparent':
        current = backgroundToTransparent(current, s.colour, s.tolerance);
        break;
    }
  }
  return current;
}
