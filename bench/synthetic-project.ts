// A project with N image rows and no pixels, for benchmarks at 100,000 images.
// Thumbnails point nowhere: the grid shows its placeholders, which is what is measured.
import type { NewAsset } from '../src-main/store/assets';
import { Project } from '../src-main/store/project';

export function makeSyntheticProject(dir: string, n: number): void {
  // mulberry32: a small PRNG with a full 32-bit period, so hashes do not repeat by accident.
  let seed = 12345;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const hex = () =>
    Math.floor(rand() * 2 ** 32)
      .toString(16)
      .padStart(8, '0');
  const tags = Array.from({ length: 60 }, (_, i) => `tag-${i}`);
  const project = Project.create(dir);
  for (let start = 0; start < n; start += 10_000) {
    const batch: NewAsset[] = [];
    for (let i = start; i < Math.min(n, start + 10_000); i++) {
      const phash = i % 1000 === 0 ? 'deadbeefdeadbeef' : hex() + hex(); // a few exact perceptual duplicates
      batch.push({
        hash: `${i.toString(16).padStart(8, '0')}${hex()}${hex()}${hex()}${hex()}${hex()}${hex()}${hex()}`,
        ext: 'png',
        name: `image-${i}.png`,
        width: 64,
        height: 64,
        bytes: 4000,
        hasAlpha: false,
        thumb: `thumbs/x/${i}.webp`,
        tags: [tags[Math.floor(rand() * 60)]!, tags[Math.floor(rand() * 60)]!],
        phash,
        quality: null,
        flags: rand() < 0.05 ? 1 << Math.floor(rand() * 7) : 0,
      });
    }
    project.assets.insertMany(batch);
  }
  project.close();
}
