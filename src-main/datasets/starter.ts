// The starter dataset: every Twemoji PNG shipped in emoji-datasource-twitter,
// tagged with its category and subcategory.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ImportItem } from './import';

const load = createRequire(import.meta.url);

export const STARTER_CREDIT = {
  what: 'Starter dataset: Twemoji (3,786 emoji images, via the emoji-datasource-twitter package)',
  author: 'Twitter, Inc. and other contributors',
  license: 'CC-BY 4.0 (graphics); MIT (emoji-datasource package)',
  url: 'https://github.com/twitter/twemoji',
};

interface EmojiEntry {
  name: string | null;
  short_name: string;
  image: string;
  category: string;
  subcategory: string;
  has_img_twitter: boolean;
  skin_variations?: Record<string, { image: string; has_img_twitter: boolean }>;
}

/** How a new starter project is split (host/studio.ts), and bench/recipe.ts with it: 80/10/10 by tag stratum, seed 1. */
export const STARTER_SPLIT = { train: 80, val: 10, test: 10, seed: 1 } as const;

export function starterItems(): ImportItem[] {
  const pkg = dirname(load.resolve('emoji-datasource-twitter/package.json'));
  const entries = load('emoji-datasource-twitter/emoji.json') as EmojiEntry[];
  const folder = join(pkg, 'img', 'twitter', '64');
  const items: ImportItem[] = [];
  for (const e of entries) {
    const tags = [e.category, e.subcategory.replaceAll('-', ' ')];
    const name = (e.name ?? e.short_name).toLowerCase();
    if (e.has_img_twitter) items.push({ path: join(folder, e.image), name, tags });
    for (const [tone, v] of Object.entries(e.skin_variations ?? {})) {
      if (v.has_img_twitter) items.push({ path: join(folder, v.image), name: `${name} (${tone.toLowerCase()})`, tags: [...tags, 'skin tone'] });
    }
  }
  return items;
}
