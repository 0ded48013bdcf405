// What the whole window shares: the studio's info (backend, open project, credits)
// and which pipeline step is on screen. The step follows the URL hash so a reload
// (or a link in the docs) lands on the same screen.
import type { OpOutput, ProjectSummaryT, StudioBackendT } from '../../../src-preload/contract';
import { api } from '../lib/api';

export type AppInfo = OpOutput<'app:info'>;

export const steps = [
  { id: 'data', label: 'Data', hint: 'Collect and curate images' },
  { id: 'train', label: 'Train', hint: 'Teach a model your style' },
  { id: 'generate', label: 'Generate', hint: 'Make new images' },
  { id: 'review', label: 'Review', hint: 'Rate and comment' },
  { id: 'evaluate', label: 'Evaluate', hint: 'Measure quality and drift' },
  { id: 'export', label: 'Export', hint: 'Ship a bundle and model card' },
] as const;

export type StepId = (typeof steps)[number]['id'];

function isStepId(value: string): value is StepId {
  return steps.some((s) => s.id === value);
}

function stepFromHash(): StepId {
  const id = location.hash.replace(/^#\/?/, '');
  return isStepId(id) ? id : 'data';
}

export class Studio {
  info = $state<AppInfo | null>(null);
  /** Set when the very first `app:info` fails: nothing else can work without it. */
  unreachable = $state<string | null>(null);
  step = $state<StepId>(stepFromHash());
  project = $derived<ProjectSummaryT | null>(this.info?.project ?? null);

  constructor() {
    window.addEventListener('hashchange', () => (this.step = stepFromHash()));
  }

  go(step: StepId): void {
    this.step = step;
    if (location.hash !== `#/${step}`) history.replaceState(null, '', `#/${step}`);
  }

  async refresh(): Promise<void> {
    this.info = await api.app.info();
    this.unreachable = null;
  }

  /** The compute backend was changed (the Train view's switch): what runs now. */
  backendChanged(backend: StudioBackendT): void {
    if (this.info) this.info = { ...this.info, backend };
  }

  /** A project was just created or opened: show it without waiting for another round trip. */
  opened(project: ProjectSummaryT): void {
    if (this.info) this.info = { ...this.info, project };
    void this.refresh();
  }
}

export const studio = new Studio();
