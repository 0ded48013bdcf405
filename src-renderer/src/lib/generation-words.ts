// Generated images in words: where one came from, what post-processing did to it, whether it
// regenerated exactly, and the post-processing form turned into the steps the engine replays.
// Pure, so it is unit-tested.
import type { GenerationDetailT, GenerationT, GeneratorChoiceT, OpOutput, PostProcessStepT } from '../../../src-preload/contract';
import { formatCount } from './format';
import { originLabels } from './gallery-filter';

const familyNames: Record<GeneratorChoiceT['model'], string> = { dcgan: 'DCGAN', cgan: 'cGAN', vae: 'VAE' };

/** “cGAN 32 px”. */
export function modelWords(g: Pick<GeneratorChoiceT, 'model' | 'size'>): string {
  return `${familyNames[g.model]} ${g.size} px`;
}

/** A weight as a person reads it: “1”, “1.5”, “−1”. */
export function weightWords(weight: number): string {
  const rounded = Math.round(weight * 100) / 100;
  return rounded < 0 ? `−${Math.abs(rounded)}` : String(rounded);
}

function num(v: number | string | undefined): string {
  if (typeof v === 'number') return String(Math.round(v * 1000) / 1000);
  return v ?? '?';
}

/** “Variation · strength 0.3”, “Interpolation · #12 → blue at t = 0.25”, “Latent walk · along ‘blue’, row 1, column 3”. */
export function originWords(d: Pick<GenerationDetailT, 'origin' | 'params'>): string {
  const p = d.params;
  const label = originLabels[d.origin];
  switch (d.origin) {
    case 'variation':
      return p.strength !== undefined ? `${label} · strength ${num(p.strength)}` : label;
    case 'interpolation':
      return p.t !== undefined ? `${label} · ${num(p.from)} → ${num(p.to)} at t = ${num(p.t)}` : label;
    case 'walk': {
      const along = p.direction === undefined || p.direction === 'random' ? 'random direction' : `along ‘${p.direction}’`;
      const at = p.row !== undefined && p.column !== undefined ? `, row ${Number(p.row) + 1}, column ${Number(p.column) + 1}` : '';
      return `${label} · ${along}${at}`;
    }
    default:
      return label;
  }
}

/** One post-processing step in words. */
export function postStepWords(step: PostProcessStepT): string {
  switch (step.op) {
    case 'upscale':
      return `Upscale ×${step.factor} (${step.kernel === 'nearest' ? 'nearest, for pixel art' : 'lanczos'})`;
    case 'sharpen':
      return `Sharpen ${step.amount}`;
    case 'reducePalette':
      return `Palette of ${step.colours} colours`;
    case 'backgroundToTransparent':
      return `${step.colour} → transparent (tolerance ${step.tolerance})`;
  }
}

/** “Reproduced bit-identically in 120 ms (wasm)” or “Differs from the stored file in 1,234 bytes (wasm)”. */
export function regenerateWords(r: OpOutput<'generations:regenerate'>): string {
  const on = r.backend ? ` (${r.backend})` : '';
  if (r.restored) return `Its file was missing: drawn again in ${Math.round(r.ms)} ms${on} and written back`;
  if (r.identical) return `Reproduced bit-identically in ${Math.round(r.ms)} ms${on}`;
  return `Differs from the stored file in ${formatCount(r.differingBytes)} ${r.differingBytes === 1 ? 'byte' : 'bytes'}${on}`;
}

/** The post-processing form in the detail pane. */
export interface PostForm {
  sharpen: boolean;
  sharpenAmount: number;
  palette: boolean;
  colours: number;
  transparent: boolean;
  colour: string;
  tolerance: number;
  upscale: boolean;
  factor: 2 | 4;
  kernel: 'lanczos' | 'nearest';
}

export const defaultPostForm: PostForm = {
  sharpen: false,
  sharpenAmount: 1,
  palette: false,
  colours: 16,
  transparent: false,
  colour: '#ffffff',
  tolerance: 24,
  upscale: false,
  factor: 4,
  kernel: 'nearest',
};

/**
 * The steps the form asks for, in the order they run: sharpen and palette work on the drawn
 * pixels, the background goes after the palette has merged near-background shades, and the
 * upscale comes last so it enlarges the finished pixels.
 */
export function postSteps(f: PostForm): PostProcessStepT[] {
  const steps: PostProcessStepT[] = [];
  if (f.sharpen) steps.push({ op: 'sharpen', amount: clamp(f.sharpenAmount, 0, 10) });
  if (f.palette) steps.push({ op: 'reducePalette', colours: Math.round(clamp(f.colours, 2, 256)) });
  if (f.transparent) steps.push({ op: 'backgroundToTransparent', colour: f.colour.toLowerCase(), tolerance: clamp(f.tolerance, 0, 255) });
  if (f.upscale) steps.push({ op: 'upscale', factor: f.factor, kernel: f.kernel });
  return steps;
}

/** `#rrggbb` from 8-bit channels (a pixel picked from the preview). */
export function hexColour(r: number, g: number, b: number): string {
  return `#${[r, g, b].map((v) => clamp(Math.round(v), 0, 255).toString(16).padStart(2, '0')).join('')}`;
}

/** How long a generation of `count` images should take at the pace of the last one (ms per image), or null when unknown. */
export function expectedMs(count: number, lastMsPerImage: number | null): number | null {
  return lastMsPerImage === null || !Number.isFinite(lastMsPerImage) ? null : Math.round(count * lastMsPerImage);
}

/** The file name part of a project path, for download links. */
export function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, Number.isFinite(v) ? v : lo));
}

/** A generated image's name and what made it, as the full-size viewer heads it: “#12 · seed 42 · index 3”, “cat:1.5, -dog · Variation”. */
export function viewerWords(g: Pick<GenerationT, 'id' | 'seed' | 'index' | 'prompt' | 'origin'>): { title: string; subtitle: string } {
  const made = g.origin === 'prompt' ? '' : ` · ${originLabels[g.origin]}`;
  return { title: `#${g.id} · seed ${g.seed} · index ${g.index}`, subtitle: `${g.prompt || 'No prompt (the whole training set)'}${made}` };
}

/** A canonical prompt without its `seed:` term: what "Regenerate" draws again with a new seed. */
export function promptWithoutSeed(prompt: string): string {
  return prompt
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t && !/^seed\s*:\s*-?\d+$/i.test(t))
    .join(', ');
}
