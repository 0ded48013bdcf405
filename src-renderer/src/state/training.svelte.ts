// The Train screen's state: past runs, the run whose loss curve is shown, and the
// live curve of the run in progress (kept while the user is on other screens).
import type { JobFinishedT, OpInput, RunT } from '../../../src-preload/contract';
import { api } from '../lib/api';
import { LossSeries } from '../lib/loss-series';
import { jobs } from './jobs.svelte';

export type TrainSettings = Required<Pick<OpInput<'train:start'>, 'steps' | 'batchSize' | 'seed' | 'balance' | 'augment'>>;

export class Training {
  runs = $state.raw<RunT[]>([]);
  selectedRunId = $state<number | null>(null);
  /** Bumped whenever `series` changes: the chart redraws on it. */
  seriesVersion = $state(0);
  series = $state.raw(new LossSeries());
  loadingCurve = $state(false);
  starting = $state(false);
  /** The outcome of the last run that ended in this session. */
  result = $state<JobFinishedT | null>(null);
  settings = $state<TrainSettings>({ steps: 300, batchSize: 32, seed: 1, balance: 'none', augment: true });
  /** Batch size of the job in progress, for the ETA before the first pace sample. */
  liveBatchSize = $state<number | undefined>(undefined);
  private stop: (() => void)[] = [];
  private curveRequest = 0;

  selectedRun = $derived(this.runs.find((r) => r.id === this.selectedRunId) ?? null);
  live = $derived(jobs.running('train'));
  /** The runs list with the running run's latest step and losses filled in from live events. */
  displayRuns = $derived.by(() => {
    const live = this.live;
    if (!live || live.runId === null) return this.runs;
    return this.runs.map((r) =>
      r.id === live.runId
        ? { ...r, status: 'running' as const, stepsDone: live.step, lossD: live.lossD ?? r.lossD, lossG: live.lossG ?? r.lossG }
        : r,
    );
  });

  connect(): void {
    this.disconnect();
    this.runs = [];
    this.selectedRunId = null;
    this.series = new LossSeries();
    this.seriesVersion++;
    this.result = null;
    this.stop.push(
      jobs.onProgress((p) => {
        if (p.kind !== 'train' || p.runId === null) return;
        if (this.selectedRunId === null) this.select(p.runId);
        if (p.runId !== this.selectedRunId || p.lossD === undefined || p.lossG === undefined) return;
        if (this.series.push({ step: p.step, lossD: p.lossD, lossG: p.lossG })) this.seriesVersion++;
      }),
      jobs.onFinished((f) => {
        if (f.kind !== 'train') return;
        this.result = f;
        void this.loadRuns();
        if (f.runId !== null && f.runId === this.selectedRunId) void this.loadCurve(f.runId);
      }),
    );
    void this.loadRuns().then(() => {
      const latest = this.live?.runId ?? this.runs[0]?.id ?? null;
      if (this.selectedRunId === null && latest !== null) this.select(latest);
    });
  }

  disconnect(): void {
    for (const stop of this.stop) stop();
    this.stop = [];
  }

  async loadRuns(): Promise<void> {
    this.runs = await api.runs.list();
  }

  select(runId: number): void {
    if (this.selectedRunId === runId) return;
    this.selectedRunId = runId;
    this.series = new LossSeries();
    this.seriesVersion++;
    void this.loadCurve(runId);
  }

  /** Merge the stored history into the curve (live points that arrive meanwhile are kept). */
  async loadCurve(runId: number): Promise<void> {
    const request = ++this.curveRequest;
    this.loadingCurve = true;
    try {
      const detail = await api.runs.get({ runId });
      if (request !== this.curveRequest || runId !== this.selectedRunId) return;
      for (const p of detail.losses) this.series.push(p);
      this.seriesVersion++;
    } finally {
      if (request === this.curveRequest) this.loadingCurve = false;
    }
  }

  async start(): Promise<void> {
    this.starting = true;
    this.result = null;
    try {
      const settings = $state.snapshot(this.settings);
      const { runId, jobId } = await api.train.start({ model: 'dcgan', size: 32, ...settings });
      this.liveBatchSize = settings.batchSize;
      jobs.started(jobId, 'train', runId, settings.steps);
      this.selectedRunId = null;
      this.select(runId);
      void this.loadRuns();
    } finally {
      this.starting = false;
    }
  }

  async cancel(): Promise<void> {
    const job = this.live;
    if (job) await api.jobs.cancel({ jobId: job.jobId });
  }
}

export const training = new Training();
