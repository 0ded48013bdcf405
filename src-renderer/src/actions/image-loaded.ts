// Mark an <img> with `data-loaded` once it has decoded (or failed), so CSS can fade
// it in over its placeholder instead of showing a half-painted thumbnail.
import type { Action } from 'svelte/action';

export const imageLoaded: Action<HTMLImageElement, string | undefined> = (node) => {
  const mark = (state: 'yes' | 'error') => () => node.setAttribute('data-loaded', state);
  const onLoad = mark('yes');
  const onError = mark('error');
  const check = () => {
    if (node.complete && node.naturalWidth > 0) onLoad();
  };
  node.addEventListener('load', onLoad);
  node.addEventListener('error', onError);
  check();
  return {
    // A recycled cell shows a new image: back to the placeholder until it decodes.
    update() {
      node.removeAttribute('data-loaded');
      check();
    },
    destroy() {
      node.removeEventListener('load', onLoad);
      node.removeEventListener('error', onError);
    },
  };
};
