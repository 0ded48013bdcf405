// The ruler's name, without loading it: which network, from which package, at which input size
// and pooling, and how an image is prepared (training size, background). Cached features are
// keyed by both, so changing any of them re-embeds instead of mixing rulers. No tfjs here: the
// engine asks these questions on the thread that serves the UI.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Input side the network sees; our 32–64 px images are resized up to it. */
export const EMBED_SIZE = 160;

export function nsfwjsDir(): string {
  const require = createRequire(import.meta.url);
  // The package's exports hide package.json and the model files; its main entry finds them.
  return join(dirname(require.resolve('nsfwjs')), '..', '..');
}

let version: string | undefined;
/**
 * Names the ruler: network, the package its weights come from, input size, pooling. Cached
 * features are keyed by it, so changing any of these re-embeds rather than mixing rulers.
 */
export function embeddingVersion(): string {
  version ??= `mobilenet_v2@nsfwjs-${(JSON.parse(readFileSync(join(nsfwjsDir(), 'package.json'), 'utf8')) as { version: string }).version}/${EMBED_SIZE}/gap`;
  return version;
}

/** How an image is prepared before embedding; part of the cache key. */
export interface View {
  /** The training resolution: originals are seen as the model trained on them. */
  size: number;
  /** Transparency is composited on this colour, as training does. */
  background: string;
}

export function viewKey(view: View): string {
  return `${view.size}px on ${view.background.toLowerCase()}`;
}
