// The Train screen's state as the window wires it: the Training manager (training.svelte.ts)
// over the studio's API, its jobs, the toasts and the header's project summary.
import { api, quietApi } from '../lib/api';
import { jobs } from './jobs.svelte';
import { studio } from './studio.svelte';
import { toasts } from './toasts.svelte';
import { Training } from './training.svelte';

export const training = new Training({
  api,
  quietApi,
  jobs,
  notify: (message) => toasts.push('success', message),
  onCheckpoint: () => void studio.refresh().catch(() => {}),
});
