// Deleting a run, as the confirmation dialog sees it: the engine's account of what goes and what
// stays (runs:removal), worded for a person, then the delete itself. The engine refuses a run in
// the queue; the dialog says why before the button is pressed.
import type { Api } from '../../../src-preload/api';
import type { OpOutput, RunRemovalT } from '../../../src-preload/contract';
import { errorMessage } from '../lib/errors';
import { formatCount } from '../lib/format';
import { formatBytes } from '../lib/quality-words';

export type RunDeletedT = OpOutput<'runs:delete'>;

const plural = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`;
const names = (runs: { name: string }[]) => runs.map((r) => r.name).join(', ');

/** What deleting the run removes and what stays, as lines a person reads before confirming. */
export function removalWords(plan: RunRemovalT): { goes: string[]; stays: string[] } {
  const goes: string[] = [];
  goes.push(
    plan.checkpoints > 0 ? `${plural(plan.checkpoints, 'checkpoint')} (${formatBytes(plan.checkpointBytes)} of weights)` : 'No checkpoints: it saved none',
  );
  if (plan.samples > 0) goes.push(`${plural(plan.samples, 'sample grid')} (${formatBytes(plan.sampleBytes)})`);
  if (plan.evaluations > 0) {
    goes.push(
      `${plural(plan.evaluations, 'evaluation')} and ${plan.evaluations === 1 ? 'its' : 'their'} evidence images (${formatBytes(plan.evaluationBytes)})`,
    );
  }
  goes.push('Its loss curves, settings and data snapshot');
  if (plan.published) goes.push('Its published checkpoint: Generate falls back to the newest checkpoint of another run');
  if (plan.isFeedbackRound) goes.push('The record of the ratings this feedback round used and its before/after comparison');

  const stays: string[] = [];
  if (plan.generations > 0) {
    stays.push(
      `${plural(plan.generations, 'image')} in the gallery drawn from it keep their files, prompts, seeds and ratings; they can no longer be redrawn or varied`,
    );
  }
  if (plan.fineTuned.length > 0) {
    const one = plan.fineTuned.length === 1;
    stays.push(
      `${one ? 'The run' : `${plan.fineTuned.length} runs`} fine-tuned from it ${one ? 'keeps its' : 'keep their'} own checkpoints: ${names(plan.fineTuned)}`,
    );
  }
  if (plan.feedbackRoundsFrom.length > 0) {
    const one = plan.feedbackRoundsFrom.length === 1;
    stays.push(
      `${one ? 'The feedback round' : `${plan.feedbackRoundsFrom.length} feedback rounds`} started from it ${one ? 'keeps its' : 'keep their'} before/after comparison: ${names(plan.feedbackRoundsFrom)}`,
    );
  }
  stays.push('Your dataset: no image, tag or rating of it changes');
  return { goes, stays };
}

export interface RunRemovalDeps {
  /** Calls whose failures are shown in the dialog. */
  quietApi: Api;
  /** The run is gone: the screen forgets it. */
  ondeleted: (runId: number, result: RunDeletedT) => void;
  notify: (message: string) => void;
}

export class RunRemoval {
  /** The run the dialog is open for; null when it is closed. */
  runId = $state<number | null>(null);
  plan = $state.raw<RunRemovalT | null>(null);
  loading = $state(false);
  deleting = $state(false);
  error = $state<string | null>(null);

  private request = 0;

  constructor(private readonly deps: RunRemovalDeps) {}

  words = $derived(this.plan ? removalWords(this.plan) : null);

  /** Opens the confirmation for a run and asks the engine what deleting it means. */
  async open(runId: number): Promise<void> {
    const request = ++this.request;
    this.runId = runId;
    this.plan = null;
    this.error = null;
    this.loading = true;
    try {
      const plan = await this.deps.quietApi.runs.removal({ runId });
      if (request === this.request) this.plan = plan;
    } catch (error) {
      if (request === this.request) this.error = errorMessage(error);
    } finally {
      if (request === this.request) this.loading = false;
    }
  }

  close(): void {
    this.request++;
    this.runId = null;
    this.plan = null;
    this.error = null;
    this.loading = false;
  }

  /** Deletes the run the dialog names; the engine's refusal stays in the dialog. */
  async confirm(): Promise<boolean> {
    const plan = this.plan;
    if (!plan || plan.blocked || this.deleting) return false;
    this.deleting = true;
    this.error = null;
    try {
      const result = await this.deps.quietApi.runs.delete({ runId: plan.runId });
      this.deps.ondeleted(plan.runId, result);
      this.deps.notify(`Deleted ${plan.name}${result.bytes > 0 ? `: ${formatBytes(result.bytes)} freed` : ''}.`);
      this.close();
      return true;
    } catch (error) {
      this.error = errorMessage(error);
      return false;
    } finally {
      this.deleting = false;
    }
  }
}
