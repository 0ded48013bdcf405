// Image quality measures for the curate step: cheap numbers per image (blur, exposure,
// colour, emptiness, shape) and the flags the UI filters on. Pure functions over raw
// pixels, so the import can measure from the decode it already does.

/** Raw interleaved pixels as sharp's `.raw()` gives them (1–4 channels, 8 bits each). */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

export interface QualityMeasures {
  /** Size of the original image (not of the ≤128-px copy the pixel measures use). */
  width: number;
  height: number;
  /** width / height. */
  aspect: number;
  /** Variance of the 4-neighbour Laplacian of luma (0–255 scale); low = blurry or flat. */
  laplacianVariance: number;
  /** Mean luma, 0–255 (Rec. 601). */
  meanLuma: number;
  /** Standard deviation of luma, 0–255. */
  stdLuma: number;
  /** Mean chroma (max − min channel) / 255 over the non-background pixels, 0–1. */
  saturation: number;
  /** Share of pixels within a small distance of the dominant colour, 0–1. */
  blankFraction: number;
  /**
   * Edge sharpness independent of contrast and of how much of the image is flat: over the
   * pixels on an edge, Σ|Laplacian| / Σ|gradient|, about 1/(edge width in px). Crisp flat
   * art and sharp photos score ≳ 0.6; a Gaussian blur of σ ≥ 1.5 px scores ≲ 0.45. 0 when
   * the image has no edge at all. Missing in projects imported before it existed.
   */
  edgeSharpness?: number;
  /**
   * A 16×16 sRGB thumbnail (alpha over white, area-averaged, aspect ignored like the hash),
   * base64: what near-duplicate grouping compares colours on (near-duplicates.ts
   * samePicture), since the perceptual hash sees luma only. Missing in older projects.
   */
  colourPrint?: string;
  /**
   * A 32×32 lightness print (CIELAB L* per cell, area-averaged like the colour print, one byte
   * each: round(L*·2.5)), base64: the finer look near-duplicate grouping takes at pairs that
   * pass the hash and the colour print (near-duplicates.ts sameDetail), where a frown and a
   * pout, or two skin tones of a small face, differ in a few pixels. Missing in older projects.
   */
  detailPrint?: string;
}

export type QualityFlag = 'tiny' | 'extreme-aspect' | 'blurry' | 'too-dark' | 'too-bright' | 'near-blank' | 'grayscale';

/** Every flag in display order, with what it means for the UI filter. */
export const QUALITY_FLAGS: readonly { flag: QualityFlag; label: string; description: string }[] = [
  { flag: 'tiny', label: 'Tiny', description: 'Smaller than the smallest useful training size on its short side.' },
  { flag: 'extreme-aspect', label: 'Extreme aspect', description: 'Much wider than tall or the reverse; a square crop loses most of it.' },
  { flag: 'blurry', label: 'Blurry', description: 'Few sharp edges: out of focus, heavily smoothed or upscaled.' },
  { flag: 'too-dark', label: 'Too dark', description: 'Mostly black or underexposed.' },
  { flag: 'too-bright', label: 'Too bright', description: 'Mostly white or overexposed.' },
  { flag: 'near-blank', label: 'Near blank', description: 'Almost every pixel is one flat colour; little to learn from.' },
  { flag: 'grayscale', label: 'Grayscale', description: 'Has (almost) no colour while the rest of the dataset is colourful.' },
];

/** Flags as stored in the database: bit i = QUALITY_FLAGS[i] (so that list must never be reordered). */
export function flagMask(flags: readonly QualityFlag[]): number {
  let bits = 0;
  for (const f of flags) bits |= 1 << QUALITY_FLAGS.findIndex((q) => q.flag === f);
  return bits;
}

export function flagsFromMask(bits: number): QualityFlag[] {
  return QUALITY_FLAGS.filter((_, i) => (bits & (1 << i)) !== 0).map((f) => f.flag);
}

export interface QualityThresholds {
  /** Short side below this many pixels → 'tiny'. */
  minSide: number;
  /** Long side / short side above this → 'extreme-aspect'. */
  maxAspect: number;
  /**
   * Edge sharpness below this → 'blurry' (not applied to near-blank images, which are flat
   * by nature). Measured on the ≤128-px copy, so a large photo shows only strong blur.
   * Images measured before edgeSharpness existed fall back to minLaplacianVariance.
   */
  minEdgeSharpness: number;
  /** The older blur measure, used only when edgeSharpness is missing. */
  minLaplacianVariance: number;
  /** Mean luma below this → 'too-dark'. */
  darkBelow: number;
  /** Mean luma above this → 'too-bright'. */
  brightAbove: number;
  /** Blank fraction at or above this → 'near-blank'. */
  nearBlankFrom: number;
  /** Saturation below this → 'grayscale' … */
  grayscaleBelow: number;
  /**
   * … but only when the dataset's median saturation is at least this (a mostly-colour set).
   * Photographs are less saturated than flat art: 21 colour photos with 8 black-and-white
   * ones have a median of 0.19 (the starter: 0.34), so the bar sits below that.
   */
  colourDatasetFrom: number;
}

/** Calibrated in bench/curation-calibration.ts on the starter set and on photographs (docs/curation.md). */
export const EDGE_SHARPNESS_DEFAULT = 0.5;

// Chosen on the starter Twemoji set composited on white (see bench/curation.ts) and on
// synthetic extremes: the defaults flag only what a curator would want to look at.
export const defaultThresholds: QualityThresholds = {
  minSide: 32,
  maxAspect: 3,
  minEdgeSharpness: EDGE_SHARPNESS_DEFAULT,
  minLaplacianVariance: 60,
  darkBelow: 35,
  brightAbove: 245,
  nearBlankFrom: 0.97,
  grayscaleBelow: 0.06,
  colourDatasetFrom: 0.12,
};

/** Pixel measures run on a copy no larger than this: enough for blur/exposure, cheap at 1000 img/s. */
export const MEASURE_SIZE = 128;

// Within this many levels on every channel of the dominant colour a pixel counts as background:
// absorbs JPEG noise and anti-aliasing, not real content.
const BLANK_TOLERANCE = 20;

/**
 * Measures one image. Alpha is composited on white (the project background), as the
 * training set does. `original` gives the size of the file when `raw` is already a
 * downscaled decode; without it the raw size is the original size.
 */
export function measureQuality(raw: RawImage, original?: { width: number; height: number }): QualityMeasures {
  const width = original?.width ?? raw.width;
  const height = original?.height ?? raw.height;
  const small = downscaleRgb(toRgbOnWhite(raw), raw.width, raw.height, MEASURE_SIZE);
  return { width, height, aspect: height > 0 ? width / height : 0, ...pixelMeasures(small.rgb, small.width, small.height) };
}

/** Median saturation of a dataset, the context the 'grayscale' flag needs. */
export function datasetSaturation(measures: readonly Pick<QualityMeasures, 'saturation'>[]): { medianSaturation: number } {
  if (measures.length === 0) return { medianSaturation: 0 };
  const s = measures.map((m) => m.saturation).sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { medianSaturation: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2 };
}

/** The flags an image earns, in QUALITY_FLAGS order. */
export function qualityFlags(m: QualityMeasures, t: QualityThresholds = defaultThresholds, dataset?: { medianSaturation: number }): QualityFlag[] {
  const flags = new Set<QualityFlag>();
  const short = Math.min(m.width, m.height);
  const long = Math.max(m.width, m.height);
  const nearBlank = m.blankFraction >= t.nearBlankFrom;
  if (short < t.minSide) flags.add('tiny');
  if (short === 0 || long / short > t.maxAspect) flags.add('extreme-aspect');
  const blurry = m.edgeSharpness !== undefined ? m.edgeSharpness < t.minEdgeSharpness : m.laplacianVariance < t.minLaplacianVariance;
  if (!nearBlank && blurry) flags.add('blurry');
  if (m.meanLuma < t.darkBelow) flags.add('too-dark');
  if (m.meanLuma > t.brightAbove) flags.add('too-bright');
  if (nearBlank) flags.add('near-blank');
  if (dataset && dataset.medianSaturation >= t.colourDatasetFrom && m.saturation < t.grayscaleBelow) flags.add('grayscale');
  return QUALITY_FLAGS.map((f) => f.flag).filter((f) => flags.has(f));
}

/**
 * One number (higher = better) to break ties between near-duplicates: sharpness on a
 * log scale, minus penalties for flat or badly exposed images. Only comparable within a set.
 */
export function qualityScore(m: QualityMeasures): number {
  const exposure = Math.abs(m.meanLuma - 128) / 128;
  return Math.log1p(Math.max(0, m.laplacianVariance)) - 2 * m.blankFraction - exposure;
}

/** Interleaved RGB, alpha composited on white, gray expanded. Returns the input itself when it is RGB already. */
export function toRgbOnWhite(raw: RawImage): Uint8Array {
  const { data, width, height, channels } = raw;
  const n = width * height;
  if (data.length < n * channels) {
    throw new RangeError(`Raw image holds ${data.length} bytes, fewer than ${width}×${height}×${channels}.`);
  }
  if (channels === 3) return data;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    let r: number, g: number, b: number, a: number;
    if (channels === 4) {
      r = data[i * 4]!;
      g = data[i * 4 + 1]!;
      b = data[i * 4 + 2]!;
      a = data[i * 4 + 3]!;
    } else {
      r = g = b = data[i * channels]!;
      a = channels === 2 ? data[i * 2 + 1]! : 255;
    }
    if (a !== 255) {
      // Integer "over white": c·a + 255·(255 − a), rounded, as sharp's flatten does.
      const w = 255 * (255 - a);
      r = ((r * a + w + 127) / 255) | 0;
      g = ((g * a + w + 127) / 255) | 0;
      b = ((b * a + w + 127) / 255) | 0;
    }
    out[i * 3] = r;
    out[i * 3 + 1] = g;
    out[i * 3 + 2] = b;
  }
  return out;
}

/** Box-filter downscale so the long side is ≤ maxSide (area averaging, no aliasing); a no-op when small enough. */
export function downscaleRgb(rgb: Uint8Array, width: number, height: number, maxSide: number): { rgb: Uint8Array; width: number; height: number } {
  const long = Math.max(width, height);
  if (long <= maxSide) return { rgb, width, height };
  const w = Math.max(1, Math.round((width * maxSide) / long));
  const h = Math.max(1, Math.round((height * maxSide) / long));
  const xs = areaWeights(width, w);
  const ys = areaWeights(height, h);
  // Horizontal pass into floats, then vertical.
  const tmp = new Float32Array(w * height * 3);
  for (let y = 0; y < height; y++) {
    for (let ox = 0; ox < w; ox++) {
      const { start, weights } = xs[ox]!;
      let r = 0,
        g = 0,
        b = 0;
      for (let k = 0; k < weights.length; k++) {
        const p = (y * width + start + k) * 3;
        const wt = weights[k]!;
        r += rgb[p]! * wt;
        g += rgb[p + 1]! * wt;
        b += rgb[p + 2]! * wt;
      }
      const q = (y * w + ox) * 3;
      tmp[q] = r;
      tmp[q + 1] = g;
      tmp[q + 2] = b;
    }
  }
  const out = new Uint8Array(w * h * 3);
  for (let oy = 0; oy < h; oy++) {
    const { start, weights } = ys[oy]!;
    for (let x = 0; x < w * 3; x++) {
      let s = 0;
      for (let k = 0; k < weights.length; k++) s += tmp[(start + k) * w * 3 + x]! * weights[k]!;
      out[oy * w * 3 + x] = Math.round(s);
    }
  }
  return { rgb: out, width: w, height: h };
}

/** For each output cell, the source cells it covers and by how much (weights sum to 1). Works for up- and downscaling. */
export function areaWeights(from: number, to: number): { start: number; weights: Float32Array }[] {
  const scale = from / to;
  const cells: { start: number; weights: Float32Array }[] = [];
  for (let o = 0; o < to; o++) {
    const a = o * scale;
    const b = (o + 1) * scale;
    const start = Math.min(from - 1, Math.floor(a));
    const end = Math.min(from, Math.max(start + 1, Math.ceil(b)));
    const weights = new Float32Array(end - start);
    for (let i = start; i < end; i++) weights[i - start] = (Math.min(b, i + 1) - Math.max(a, i)) / scale;
    cells.push({ start, weights });
  }
  return cells;
}

// Reused between calls: the import measures thousands of images in a row.
const bins = new Uint32Array(4096);

function pixelMeasures(rgb: Uint8Array, width: number, height: number): Omit<QualityMeasures, 'width' | 'height' | 'aspect'> {
  const n = width * height;
  if (n === 0) return { laplacianVariance: 0, meanLuma: 0, stdLuma: 0, saturation: 0, blankFraction: 1 };
  const luma = new Float32Array(n);
  let sum = 0;
  let sumSq = 0;
  bins.fill(0);
  for (let i = 0; i < n; i++) {
    const r = rgb[i * 3]!;
    const g = rgb[i * 3 + 1]!;
    const b = rgb[i * 3 + 2]!;
    const y = 0.299 * r + 0.587 * g + 0.114 * b;
    luma[i] = y;
    sum += y;
    sumSq += y * y;
    bins[binOf(rgb, i)]!++;
  }
  const meanLuma = sum / n;
  const stdLuma = Math.sqrt(Math.max(0, sumSq / n - meanLuma * meanLuma));

  const [dr, dg, db] = dominantColour(rgb, bins, null);
  // The background for colourfulness is the border's dominant colour (white around an emoji),
  // not the image's: in a flag or a badge the biggest colour area is content.
  const border: number[] = [];
  for (let x = 0; x < width; x++) border.push(x, (height - 1) * width + x);
  for (let y = 1; y < height - 1; y++) border.push(y * width, y * width + width - 1);
  bins.fill(0);
  for (const i of border) bins[binOf(rgb, i)]!++;
  const [br, bg, bb] = dominantColour(rgb, bins, border);
  // Only a neutral border is a backdrop: a coloured one (a purple button filling the frame,
  // a flag) is the art itself, and measuring only what sits on it (a white glyph) would
  // call a saturated image grey.
  const neutralBorder = Math.max(br, bg, bb) - Math.min(br, bg, bb) <= NEUTRAL_CHROMA;

  let blank = 0;
  let chromaAll = 0;
  let chromaContent = 0;
  let content = 0;
  for (let i = 0; i < n; i++) {
    const r = rgb[i * 3]!;
    const g = rgb[i * 3 + 1]!;
    const b = rgb[i * 3 + 2]!;
    const chroma = Math.max(r, g, b) - Math.min(r, g, b);
    chromaAll += chroma;
    if (Math.abs(r - dr) <= BLANK_TOLERANCE && Math.abs(g - dg) <= BLANK_TOLERANCE && Math.abs(b - db) <= BLANK_TOLERANCE) blank++;
    if (!neutralBorder || Math.abs(r - br) > BLANK_TOLERANCE || Math.abs(g - bg) > BLANK_TOLERANCE || Math.abs(b - bb) > BLANK_TOLERANCE) {
      chromaContent += chroma;
      content++;
    }
  }
  const saturation = (content > 0 ? chromaContent / content : chromaAll / n) / 255;

  return {
    laplacianVariance: laplacianVariance(luma, width, height),
    meanLuma,
    stdLuma,
    saturation,
    blankFraction: blank / n,
    edgeSharpness: edgeSharpness(luma, width, height),
    colourPrint: colourPrint(rgb, width, height),
    detailPrint: detailPrint(rgb, width, height),
  };
}

// A border whose colour spreads less than this over its channels (0–255) is grey/white/black.
const NEUTRAL_CHROMA = 24;
/** Side of the colour print near-duplicate grouping compares. */
export const COLOUR_PRINT_SIZE = 16;
/** Side of the lightness print compared on the pairs that pass the colour print. */
export const DETAIL_PRINT_SIZE = 32;
// A pixel is on an edge when its gradient (central differences, 0–255 luma) is at least this.
const EDGE_GRADIENT = 12;

/** Σ|Laplacian| / Σ|gradient| over edge pixels (see QualityMeasures.edgeSharpness). */
export function edgeSharpness(luma: Float32Array, width: number, height: number): number {
  if (width < 3 || height < 3) return 0;
  let lap = 0;
  let grad = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const dx = (luma[i + 1]! - luma[i - 1]!) / 2;
      const dy = (luma[i + width]! - luma[i - width]!) / 2;
      const g = Math.sqrt(dx * dx + dy * dy);
      if (g < EDGE_GRADIENT) continue;
      grad += g;
      lap += Math.abs(luma[i - 1]! + luma[i + 1]! + luma[i - width]! + luma[i + width]! - 4 * luma[i]!);
    }
  }
  return grad > 0 ? lap / grad : 0;
}

/** The image area-averaged to COLOUR_PRINT_SIZE² RGB, base64 (aspect ignored, like the hash). */
export function colourPrint(rgb: Uint8Array, width: number, height: number): string {
  return Buffer.from(areaAverage(rgb, width, height, COLOUR_PRINT_SIZE)).toString('base64');
}

/** The image area-averaged to DETAIL_PRINT_SIZE², as CIELAB L* per cell (one byte: round(L*·2.5)), base64. */
export function detailPrint(rgb: Uint8Array, width: number, height: number): string {
  const cells = areaAverage(rgb, width, height, DETAIL_PRINT_SIZE);
  const out = new Uint8Array(DETAIL_PRINT_SIZE * DETAIL_PRINT_SIZE);
  for (let i = 0; i < out.length; i++) {
    const y = 0.2126 * SRGB_LINEAR[cells[i * 3]!]! + 0.7152 * SRGB_LINEAR[cells[i * 3 + 1]!]! + 0.0722 * SRGB_LINEAR[cells[i * 3 + 2]!]!;
    out[i] = Math.round((116 * labF(y) - 16) * 2.5);
  }
  return Buffer.from(out).toString('base64');
}

/** sRGB byte → linear light, for the CIELAB conversions here and in near-duplicates.ts. */
export const SRGB_LINEAR = Float64Array.from({ length: 256 }, (_, v) => (v <= 10 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));

/** CIELAB's f(t): L* = 116·f(Y) − 16, a* and b* from f(X), f(Y), f(Z) (near-duplicates.ts too). */
export function labF(t: number): number {
  return t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116;
}

/** RGB area-averaged to size × size (aspect ignored, like the hash). */
function areaAverage(rgb: Uint8Array, width: number, height: number, size: number): Uint8Array {
  const xs = areaWeights(width, size);
  const ys = areaWeights(height, size);
  const out = new Uint8Array(size * size * 3);
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      const { start: y0, weights: wy } = ys[oy]!;
      const { start: x0, weights: wx } = xs[ox]!;
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let j = 0; j < wy.length; j++) for (let k = 0; k < wx.length; k++) s += rgb[((y0 + j) * width + x0 + k) * 3 + c]! * wy[j]! * wx[k]!;
        out[(oy * size + ox) * 3 + c] = Math.round(s);
      }
    }
  }
  return out;
}

function binOf(rgb: Uint8Array, i: number): number {
  return ((rgb[i * 3]! >> 4) << 8) | ((rgb[i * 3 + 1]! >> 4) << 4) | (rgb[i * 3 + 2]! >> 4);
}

/**
 * The fullest 16-level colour bin, refined to the mean of its pixels so a colour on a bin
 * edge still counts as one colour. `pixels` limits the refinement to those indices (null = all).
 */
function dominantColour(rgb: Uint8Array, histogram: Uint32Array, pixels: readonly number[] | null): [number, number, number] {
  let best = 0;
  for (let k = 1; k < histogram.length; k++) if (histogram[k]! > histogram[best]!) best = k;
  let r = 0,
    g = 0,
    b = 0,
    count = 0;
  const visit = (i: number) => {
    if (binOf(rgb, i) !== best) return;
    r += rgb[i * 3]!;
    g += rgb[i * 3 + 1]!;
    b += rgb[i * 3 + 2]!;
    count++;
  };
  if (pixels) for (const i of pixels) visit(i);
  else for (let i = 0, n = rgb.length / 3; i < n; i++) visit(i);
  return count > 0 ? [r / count, g / count, b / count] : [255, 255, 255];
}

/** Variance of the 4-neighbour Laplacian over interior pixels; 0 for images under 3 px on a side. */
export function laplacianVariance(luma: Float32Array, width: number, height: number): number {
  if (width < 3 || height < 3) return 0;
  let sum = 0;
  let sumSq = 0;
  for (let y = 1; y < height - 1; y++) {
    const row = y * width;
    for (let x = 1; x < width - 1; x++) {
      const i = row + x;
      const l = luma[i - 1]! + luma[i + 1]! + luma[i - width]! + luma[i + width]! - 4 * luma[i]!;
      sum += l;
      sumSq += l * l;
    }
  }
  const count = (width - 2) * (height - 2);
  const mean = sum / count;
  return Math.max(0, sumSq / count - mean * mean);
}
