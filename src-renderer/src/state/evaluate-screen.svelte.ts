// The Evaluate screen's state as the window wires it: the Evaluations manager (evaluations.svelte.ts)
// over the studio's API, its jobs and the toasts; publishing tells Generate its default changed.
import { api, quietApi } from '../lib/api';
import { generations } from './generations.svelte';
import { jobs } from './jobs.svelte';
import { toasts } from './toasts.svelte';
import { Evaluations } from './evaluations.svelte';

export const evaluate = new Evaluations({
  api,
  quietApi,
  jobs,
  notify: (message) => toasts.push('success', message),
  onPublished: () => generations.defaultChanged(),
});
