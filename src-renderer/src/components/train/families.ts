// How the Train screen names and explains model families, and the colours its charts use.
import type { ModelKind } from '../../state/run-form';

export const families: { value: ModelKind; label: string; line: string }[] = [
  { value: 'dcgan', label: 'DCGAN', line: 'A generator and a critic learn the look of the whole dataset; no tags needed.' },
  { value: 'cgan', label: 'Conditional GAN', line: 'Like DCGAN, but told each image’s tag, so you can ask for a tag when generating.' },
  { value: 'vae', label: 'VAE', line: 'Learns to compress and rebuild images, conditioned on tags: steadier, softer results.' },
];

export function familyLabel(model: ModelKind): string {
  return model === 'dcgan' ? 'DCGAN' : model === 'cgan' ? 'cGAN' : 'VAE';
}

/** One colour per compared run, distinct on the dark surface. */
export const runColours = ['#8fa8ff', '#f2a36d', '#6fcf97', '#e58fd4'];
