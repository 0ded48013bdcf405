// `atelier <verb>`: the command-line adapter over the same router as the app.
// With --json, the last line of stdout is one JSON object; failures exit non-zero
// with a one-line error on stderr.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  operations,
  REJECT_REASONS,
  type EvaluationT,
  type FeedbackRoundT,
  type JobProgressT,
  type OpInput,
  type OpName,
  type OpOutput,
  type EventPayload,
  generationCount,
  BUDGET_PRESETS,
} from '../../src-preload/contract';
import { AtelierError, asErrorCode } from '../errors';
import { installCrashHandlers, log } from '../log';
import { forkLauncher, jobEntryBeside } from './jobs';
import { RecentProjects } from './recent-projects';
import { createStudio, RENDERER_DIR, VERSION, type Studio } from './studio';
import { startWebServer } from './web';

/** The contract's defaults for an import (the CLI shows them; the router applies them). */
const IMPORT_DEFAULTS = operations['assets:import'].input.parse({ paths: ['.'] });

const USAGE = `Atelier ${VERSION} — train, generate and review small image models.

Usage:
  atelier new <dir> [--starter]                 create a project (--starter: 3,752 Twemoji images, byte-identical files stored once)
  atelier import <dir> <paths…> [--tags-from-folders] [--max-megapixels ${IMPORT_DEFAULTS.maxMegapixels}]
  atelier info <dir>                            what the project holds, and the compute backend
  atelier train <dir> [--minutes M | --steps N] [--model dcgan|cgan|vae] [--size 32|64] [--preset small|medium] [--batch B] [--seed S]
          [--loss hinge|ns] [--r1 γ] [--no-ema] [--diff-augment auto|translation|full|off] [--lr L] [--workers N]
          [--balance none|oversample|classWeights] [--no-augment] [--sample-every N] [--checkpoint-every N]
          [--resume RUN] [--from-checkpoint CK [--freeze layer,…] [--lr-scale S]]
          (without --model: a conditional GAN when the images have tags, else a DCGAN)
          --minutes: train for this much time (${BUDGET_PRESETS.map((b) => `${b.minutes} ${b.label.toLowerCase()}`).join(', ')}); steps are
          estimated from this machine's measured speed (timed on first use). Without either: ${200} steps.
          Progress (steps, img/s, time left) goes to stderr: a bar on a terminal, else a line every 10 steps.
          --json: imgPerSec is the run's mean, lastWindowImgPerSec the last 10 steps'.
  atelier eval <dir> [--run R | --checkpoint C] [--split val|test] [--samples N]
                                                score a checkpoint (default: the published one, else the newest) on
                                                Atelier's own embedding: KID, FID, precision/recall, collapse, copies
  atelier eval <dir> --images <folder> [--split val|train|all]
                                                score a folder of images made elsewhere with the same yardstick
  atelier import-checkpoint <dir> <checkpoint-folder> [--name N]   bring in a checkpoint from elsewhere to fine-tune or generate from
  atelier runs archive|restore <dir> <run-id>   hide a run from the Train view's list (its checkpoints stay usable), or list it again
  atelier runs delete <dir> <run-id> [--yes]    say what deleting a run removes and what stays; --yes deletes it
  atelier generate <dir> --prompt "tag, tag:1.5, -tag, seed:42, n:32" --out <folder> [--count N] [--seed S] [--checkpoint ID] [--truncation T]
  atelier rate <dir> <generation-id…> --stars N [--favourite] [--reject ${REJECT_REASONS.join('|')}]
          [--comment TEXT] [--reviewer NAME]     review generated images (as this workstation's reviewer unless --reviewer)
  atelier predict <dir> <generation-id…>        the preference model's predicted stars (it learns first if ratings changed)
  atelier feedback-round <dir> [--steps N] [--from-checkpoint CK] [--samples N]
                                                fine-tune on the ratings, then compare before and after (predicted stars,
                                                KID on --samples images a side, 256 by default)
  atelier export <dir> --out <file.atelier> [--without generations] [--checkpoints all|published|none]
                                                the whole project as one bundle file for another workstation
  atelier open-bundle <file.atelier> <dir>      open a bundle as a new project folder (never into an existing one)
  atelier model-card <dir> [--run R | --checkpoint C] --out <card.html>
                                                the model card of a run or checkpoint (print it to PDF from a browser)
  atelier export-web <dir> [--checkpoint C] --out <folder>
                                                a checkpoint as a generator for the web: weights, generate.js, index.html
  atelier studio [<dir>] [--port P] [--projects <folder>]
                                                serve the app on 127.0.0.1 (headless studio); its pages create
                                                projects only inside --projects (default: the folder holding <dir>, else ~/Atelier)

Every verb accepts --json: its last line of stdout is then one JSON object.`;

class UsageError extends Error {}

/** Steps of a run when --steps is not given (the Train view always asks; the contract has no default). */
const DEFAULT_STEPS = 200;

const options = {
  json: { type: 'boolean' },
  starter: { type: 'boolean' },
  'tags-from-folders': { type: 'boolean' },
  model: { type: 'string' },
  size: { type: 'string' },
  steps: { type: 'string' },
  minutes: { type: 'string' },
  batch: { type: 'string' },
  seed: { type: 'string' },
  count: { type: 'string' },
  out: { type: 'string' },
  checkpoint: { type: 'string' },
  prompt: { type: 'string' },
  truncation: { type: 'string' },
  port: { type: 'string' },
  projects: { type: 'string' },
  balance: { type: 'string' },
  'no-augment': { type: 'boolean' },
  preset: { type: 'string' },
  loss: { type: 'string' },
  r1: { type: 'string' },
  'no-ema': { type: 'boolean' },
  'diff-augment': { type: 'string' },
  lr: { type: 'string' },
  workers: { type: 'string' },
  resume: { type: 'string' },
  'from-checkpoint': { type: 'string' },
  freeze: { type: 'string' },
  'lr-scale': { type: 'string' },
  'sample-every': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  name: { type: 'string' },
  'max-megapixels': { type: 'string' },
  run: { type: 'string' },
  split: { type: 'string' },
  samples: { type: 'string' },
  images: { type: 'string' },
  stars: { type: 'string' },
  favourite: { type: 'boolean' },
  reject: { type: 'string' },
  comment: { type: 'string' },
  reviewer: { type: 'string' },
  without: { type: 'string' },
  checkpoints: { type: 'string' },
  yes: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function main(argv: string[]): Promise<number> {
  installCrashHandlers('cli');
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`atelier: ${(error as Error).message}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [verb, ...rest] = positionals;
  if (values.help || !verb) {
    process.stdout.write(`${USAGE}\n`);
    return verb || values.help ? 0 : 2;
  }
  const json = values.json ?? false;
  const say = (line: string) => {
    if (!json) process.stdout.write(`${line}\n`);
  };
  // A page of the headless studio may create projects only inside one folder: --projects,
  // else the folder holding the project it serves, else ~/Atelier.
  const projectsRoot = verb === 'studio' ? resolve(values.projects ?? (rest[0] ? dirname(resolve(rest[0])) : join(homedir(), 'Atelier'))) : null;
  const studio = createStudio({
    launchJob: forkLauncher(jobEntryBeside(import.meta.url)),
    log: (l) => process.stderr.write(`${l}\n`),
    // The studio and train run the training queue of the project they open; the other verbs only read it.
    runQueue: verb === 'studio' || verb === 'train' || verb === 'feedback-round',
    // The studio embeds images for evaluation while it is idle; one-shot verbs would only start and kill that job.
    // ATELIER_BACKGROUND=off keeps it idle (a slow machine, or tests that need the cores for themselves).
    prepareEvaluation: verb === 'studio' && process.env.ATELIER_BACKGROUND !== 'off',
    learnTaste: verb === 'studio',
    // The Welcome screen lists the projects the studio opened (one-shot verbs leave the list alone).
    recentProjects: verb === 'studio' ? new RecentProjects() : null,
    projectsRoot,
  });
  const call = async <N extends OpName>(name: N, input: OpInput<N>): Promise<OpOutput<N>> => {
    const result = await studio.router.call(name, input);
    if (!result.ok) throw new AtelierError(asErrorCode(result.error.code), result.error.message);
    return result.result as OpOutput<N>;
  };
  const number = (flag: keyof typeof values, fallback?: number): number | undefined => {
    const raw = values[flag];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number (got ${JSON.stringify(raw)}).`);
    return n;
  };
  /** Generation ids given after the project folder: whole positive numbers. */
  const generationIds = (args: string[], what: string): number[] => {
    if (args.length === 0) throw new UsageError(`${what} needs generation ids: atelier ${what} <dir> <generation-id…> (atelier generate --json lists them).`);
    return args.map((a) => {
      const n = Number(a);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`"${a}" is not a generation id (a whole number from 1).`);
      return n;
    });
  };
  const needDir = (): string => {
    if (!rest[0]) throw new UsageError(`${verb} needs a project folder: atelier ${verb} <dir>`);
    return resolve(rest[0]);
  };
  /** Opens the project folder the verb names, through the router like every other call. */
  const openProject = () => call('project:open', { dir: needDir() });

  try {
    let result: Record<string, unknown>;
    switch (verb) {
      case 'new': {
        const started = performance.now();
        const dir = needDir();
        const summary = await call('project:create', { dir, starter: values.starter ?? false });
        const report = summary.starter;
        result = {
          dir: summary.dir,
          assets: summary.assetCount,
          tags: summary.tagCount,
          duplicates: report?.duplicates ?? 0,
          failed: report?.failed.length ?? 0,
          seconds: round((performance.now() - started) / 1000),
        };
        const dupes = report && report.duplicates > 0 ? ` (${report.duplicates} byte-identical files stored once)` : '';
        say(
          `Created ${dir}${values.starter ? ` with ${summary.assetCount.toLocaleString('en')} starter images${dupes} and ${summary.tagCount} tags` : ''} in ${result.seconds} s.`,
        );
        for (const f of report?.failed ?? []) say(`  skipped ${f.file}: ${f.reason}`);
        break;
      }
      case 'import': {
        await openProject();
        if (rest.length < 2) throw new UsageError('import needs at least one file or folder: atelier import <dir> <paths…>');
        const report = await call('assets:import', {
          paths: rest.slice(1).map((p) => resolve(p)),
          tagsFromFolders: values['tags-from-folders'] ?? false,
          maxMegapixels: number('max-megapixels'),
        });
        result = {
          imported: report.imported,
          duplicates: report.duplicates,
          failed: report.failed.length,
          seconds: round(report.seconds),
          failures: report.failed,
        };
        say(`Imported ${report.imported} images (${report.duplicates} already there, ${report.failed.length} failed) in ${round(report.seconds)} s.`);
        for (const f of report.failed) say(`  ${f.file}: ${f.reason}`);
        break;
      }
      case 'info': {
        await openProject();
        const info = await call('app:info', {});
        result = { version: info.version, backend: info.backend, ...info.project };
        say(`${info.project!.name} — ${info.project!.dir}`);
        say(
          `  ${info.project!.assetCount} images, ${info.project!.tagCount} tags, ${info.project!.runCount} runs, ${info.project!.checkpointCount} checkpoints, ${info.project!.generationCount} generated`,
        );
        say(`  compute: ${info.backend.name} (${info.backend.threads} thread${info.backend.threads === 1 ? '' : 's'}) — ${info.backend.message}`);
        // The workstation's setting (the studio's Train view) names a backend that cannot start here.
        if (info.backend.refused) say(`  ${info.backend.refused}`);
        if (info.backend.adapter) {
          const a = info.backend.adapter;
          const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20).toLocaleString()} MiB`;
          say(
            `  GPU: ${a.vendor} ${a.architecture} — ${a.description || a.device}${a.software ? ' (software renderer)' : ''}; largest buffer ${mib(a.limits.maxBufferSize)}, storage binding ${mib(a.limits.maxStorageBufferBindingSize)}`,
          );
        }
        break;
      }
      case 'train': {
        const project = await openProject();
        const started = performance.now();
        const resumeId = number('resume');
        let runId: number;
        if (resumeId !== undefined) {
          const run = await call('runs:get', { runId: resumeId });
          // A run the last engine left mid-way is already back in the queue (and started) on open.
          if (run.status !== 'queued' && run.status !== 'running') await call('runs:resume', { runId: resumeId });
          runId = resumeId;
        } else {
          const lr = number('lr');
          const from = number('from-checkpoint');
          const sampleEvery = number('sample-every');
          const checkpointEvery = number('checkpoint-every');
          const workers = number('workers');
          const minutes = number('minutes');
          if (minutes !== undefined && values.steps !== undefined) throw new UsageError('Give --minutes or --steps, not both.');
          if (minutes !== undefined && !(minutes > 0 && minutes <= 10_080))
            throw new UsageError(`--minutes is a time budget from a few seconds to a week (10,080), got ${minutes}.`);
          const model = (values.model ?? (await call('runs:options', {})).recommended) as 'dcgan';
          let steps = number('steps', DEFAULT_STEPS)!;
          if (minutes !== undefined) {
            if (!json) process.stderr.write("Estimating the steps from this machine's speed…\n");
            const estimate = await call('runs:estimate', {
              model,
              size: number('size') as 32 | undefined,
              preset: values.preset as 'small' | undefined,
              batchSize: number('batch'),
              minutes,
              measure: true,
              ...(workers !== undefined ? { workers } : {}),
            });
            if (estimate.steps === null) throw new AtelierError('invalid-state', estimate.note ?? "This machine's speed could not be measured.");
            steps = estimate.steps;
            if (!json)
              process.stderr.write(
                `${minutes} min at ${estimate.imgPerSec!.toFixed(0)} img/s (${estimate.source === 'run' ? 'measured by an earlier run' : 'timed just now'}) ≈ ${steps.toLocaleString('en')} steps\n`,
              );
          }
          // A setting not given takes the contract's default (the router applies it), as in the Train view.
          ({ runId } = await call('runs:start', {
            model,
            size: number('size') as 32 | undefined,
            preset: values.preset as 'small' | undefined,
            steps,
            ...(minutes !== undefined ? { minutes } : {}),
            batchSize: number('batch'),
            seed: number('seed'),
            loss: values.loss as 'hinge' | undefined,
            r1: number('r1'),
            diffAugment: values['diff-augment'] as 'auto' | undefined,
            balance: values.balance as 'none' | undefined,
            lrScale: number('lr-scale'),
            ...(values['no-ema'] ? { ema: false } : {}),
            ...(values['no-augment'] ? { augment: false } : {}),
            ...(values.freeze
              ? {
                  freeze: values.freeze
                    .split(',')
                    .map((f) => f.trim())
                    .filter(Boolean),
                }
              : {}),
            ...(lr !== undefined ? { lrG: lr, lrD: lr } : {}),
            ...(from !== undefined ? { fromCheckpointId: from } : {}),
            ...(sampleEvery !== undefined ? { sampleEvery } : {}),
            ...(checkpointEvery !== undefined ? { checkpointEvery } : {}),
            ...(workers !== undefined ? { workers } : {}),
          }));
        }
        const batch = (await call('runs:get', { runId })).batchSize;
        const bar = progressTerminal(batch);
        let lastProgress: JobProgressT | null = null;
        const stop = studio.router.subscribe((event, payload) => {
          if (event !== 'job:progress') return;
          const p = payload as JobProgressT;
          if (p.runId !== runId) return;
          if (p.imgPerSec !== undefined) lastProgress = p;
          if (bar) return bar.update(p);
          if (json) return;
          const fmt = (label: string, v: number | undefined) => (v === undefined ? '' : `  ${label} ${v.toFixed(3)}`);
          if (p.lossD === undefined && p.recon === undefined) process.stderr.write(`${p.message}\n`);
          else if (p.step === p.total || p.step % 10 === 0)
            process.stderr.write(
              `step ${p.step}/${p.total}${fmt('D', p.lossD)}${fmt('G', p.lossG)}${fmt('recon', p.recon)}${fmt('KL', p.kl)}  ${p.imgPerSec!.toFixed(1)} img/s\n`,
            );
        });
        const status = await waitForRun(studio, runId, async () => (await call('runs:get', { runId })).status);
        stop();
        bar?.end();
        const run = await call('runs:get', { runId });
        if (status !== 'done') throw new AtelierError(status === 'failed' ? 'run-failed' : 'run-stopped', run.error ?? `Run ${runId} ${status}.`);
        const checkpoint = run.checkpoints.find((c) => c.id === run.latestCheckpointId) ?? null;
        const last = run.losses.at(-1);
        const heard = lastProgress as JobProgressT | null;
        // The run's mean (images over training time); the last 10 steps' rate under its own name.
        const meanImgPerSec = heard?.meanImgPerSec ?? run.imgPerSec;
        result = {
          runId,
          model: run.model,
          steps: run.stepsDone,
          ...(typeof run.settings.minutes === 'number' ? { minutes: run.settings.minutes } : {}),
          seconds: round((performance.now() - started) / 1000),
          imgPerSec: meanImgPerSec === null ? null : round(meanImgPerSec),
          lastWindowImgPerSec: run.imgPerSec === null ? null : round(run.imgPerSec),
          lossD: last?.lossD ?? null,
          lossG: last?.lossG ?? null,
          recon: last?.recon ?? null,
          kl: last?.kl ?? null,
          checkpointId: run.latestCheckpointId,
          checkpoint: checkpoint ? join(project.dir, checkpoint.dir) : null,
          samples: run.samples.length,
        };
        const losses =
          run.model === 'vae'
            ? `reconstruction ${last?.recon?.toFixed(3)}, KL ${last?.kl?.toFixed(3)}`
            : `D ${last?.lossD?.toFixed(3)}, G ${last?.lossG?.toFixed(3)}`;
        say(
          `Run ${runId}: ${run.stepsDone} steps in ${result.seconds} s (${meanImgPerSec?.toFixed(1)} img/s on average, ${run.imgPerSec?.toFixed(1)} over the last 10 steps); ${losses}.`,
        );
        break;
      }
      case 'eval': {
        await openProject();
        const split = values.split ?? 'val';
        let started;
        if (values.images !== undefined) {
          if (!['val', 'train', 'all'].includes(split)) throw new UsageError('--split with --images is val, train or all.');
          started = await call('evaluations:images', { dir: resolve(values.images), split: split as 'val' });
        } else {
          if (!['val', 'test'].includes(split)) throw new UsageError('--split is val or test (train and all are for --images).');
          const runId = number('run');
          let checkpointId = number('checkpoint');
          if (checkpointId === undefined && runId !== undefined) {
            const run = await call('runs:get', { runId });
            if (run.latestCheckpointId === null) throw new AtelierError('no-checkpoint', `Run ${runId} has no checkpoint yet.`);
            checkpointId = run.latestCheckpointId;
          }
          if (checkpointId === undefined) {
            const { published } = await call('evaluations:list', {});
            const newest = (await call('checkpoints:list', {}))[0];
            checkpointId = published ?? newest?.id;
            if (checkpointId === undefined) throw new AtelierError('no-checkpoint', 'This project has no checkpoint to score yet. Train a model first.');
          }
          const samples = number('samples');
          const answer = await call('evaluations:start', { checkpointId, split: split as 'val', ...(samples !== undefined ? { samples } : {}) });
          if (answer.alreadyTested) {
            const e = answer.alreadyTested;
            say(`Checkpoint ${checkpointId} was already tested on ${e.createdAt}; a test is run once per checkpoint. Its result stands:`);
            result = evaluationResult(e, true);
            say(describeEvaluation(e));
            break;
          }
          started = { jobId: answer.jobId! };
        }
        const stop = studio.router.subscribe((event, payload) => {
          if (event !== 'job:progress' || json) return;
          const p = payload as JobProgressT;
          if (p.jobId === started.jobId) process.stderr.write(`${p.message}\n`);
        });
        const finished = await studio.waitForJob(started.jobId);
        stop();
        if (finished.status !== 'done' || finished.evaluationId === undefined)
          throw new AtelierError(asErrorCode(finished.error?.code ?? 'job-failed'), finished.error?.message ?? `The evaluation ${finished.status}.`);
        const { evaluations } = await call('evaluations:list', {});
        const e = evaluations.find((x) => x.id === finished.evaluationId)!;
        say(describeEvaluation(e));
        result = evaluationResult(e, false);
        break;
      }
      case 'import-checkpoint': {
        const project = await openProject();
        if (!rest[1]) throw new UsageError('import-checkpoint needs the checkpoint folder: atelier import-checkpoint <dir> <checkpoint-folder>');
        const ck = await call('checkpoints:import', { dir: resolve(rest[1]), ...(values.name ? { name: values.name } : {}) });
        result = { checkpointId: ck.id, runId: ck.runId, step: ck.step, dir: join(project.dir, ck.dir) };
        say(
          `Imported checkpoint ${ck.id} (step ${ck.step}) as run ${ck.runId}: fine-tune with --from-checkpoint ${ck.id}, or generate with --checkpoint ${ck.id}.`,
        );
        break;
      }
      case 'runs': {
        const [action, dir, raw] = rest;
        if (!['archive', 'restore', 'delete'].includes(action ?? '') || !dir || !raw) {
          throw new UsageError('runs needs what to do, a project folder and a run id: atelier runs archive|restore|delete <dir> <run-id>');
        }
        const runId = Number(raw);
        if (!Number.isInteger(runId) || runId < 1) throw new UsageError(`"${raw}" is not a run id (a whole number from 1).`);
        await call('project:open', { dir: resolve(dir) });
        if (action !== 'delete') {
          const run = await call('runs:archive', { runId, archived: action === 'archive' });
          result = { runId, archivedAt: run.archivedAt ?? null };
          say(action === 'archive' ? `Archived run ${runId} (${run.name}); its checkpoints stay usable.` : `Restored run ${runId} (${run.name}).`);
          break;
        }
        const plan = await call('runs:removal', { runId });
        if (plan.blocked) throw new AtelierError('invalid-state', plan.blocked);
        const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
        const n = (count: number, what: string) => `${count.toLocaleString('en')} ${what}${count === 1 ? '' : 's'}`;
        const goes = [
          `${n(plan.checkpoints, 'checkpoint')} (${mb(plan.checkpointBytes)})`,
          `${n(plan.samples, 'sample grid')} (${mb(plan.sampleBytes)})`,
          `${n(plan.evaluations, 'evaluation')} (${mb(plan.evaluationBytes)})`,
          ...(plan.published ? ['its published checkpoint mark'] : []),
        ];
        const stays = [
          `${n(plan.generations, 'gallery image')} drawn from it (they can no longer be redrawn)`,
          ...plan.fineTuned.map((r) => `run ${r.runId} (${r.name}), fine-tuned from it`),
          ...plan.feedbackRoundsFrom.map((r) => `feedback round ${r.runId} (${r.name}), started from it`),
        ];
        if (!values.yes) {
          result = { runId, deleted: false, plan };
          say(`Deleting run ${runId} (${plan.name}) would remove: ${goes.join(', ')}.`);
          say(`It would keep: ${stays.join('; ')}.`);
          say('Nothing was deleted: run again with --yes to delete it.');
          break;
        }
        const done = await call('runs:delete', { runId });
        result = { ...done, deleted: true, plan };
        say(`Deleted run ${runId} (${plan.name}): ${goes.join(', ')}; ${mb(done.bytes)} freed. Kept: ${stays.join('; ')}.`);
        break;
      }
      case 'generate': {
        const project = await openProject();
        if (!values.out) throw new UsageError('generate needs --out <folder> for the images.');
        const started = performance.now();
        const seed = number('seed');
        const checkpointId = number('checkpoint');
        const truncation = values.truncation !== undefined ? Number(values.truncation) : undefined;
        const count = number('count');
        if (count !== undefined && !generationCount.safeParse(count).success) {
          throw new UsageError(
            `--count is how many images to draw: a whole number from ${generationCount.minValue} to ${generationCount.maxValue!.toLocaleString('en')} (got ${values.count}).`,
          );
        }
        const batch = await call('generations:create', {
          prompt: values.prompt ?? '',
          count,
          ...(seed !== undefined ? { seed } : {}),
          ...(checkpointId !== undefined ? { checkpointId } : {}),
          ...(truncation !== undefined ? { truncation } : {}),
        });
        const out = resolve(values.out);
        await mkdir(out, { recursive: true });
        await studio.filesWritten();
        const files = [];
        for (const g of batch.items) {
          const target = join(out, `${g.id}-seed${g.seed}-${String(g.index).padStart(4, '0')}.png`);
          await copyFile(join(project.dir, g.file), target);
          files.push({ file: target, seed: g.seed, index: g.index, id: g.id });
        }
        for (const note of batch.notes) say(note);
        const first = batch.items[0];
        result = {
          count: files.length,
          seed: first?.seed ?? null,
          prompt: first?.prompt ?? '',
          checkpointId: first?.checkpointId ?? null,
          batchId: batch.batchId,
          out,
          files,
          notes: batch.notes,
          seconds: round((performance.now() - started) / 1000),
        };
        say(`Generated ${files.length} images into ${out} in ${result.seconds} s.`);
        break;
      }
      case 'rate': {
        await openProject();
        const ids = generationIds(rest.slice(1), 'rate');
        const stars = number('stars');
        const change = {
          ...(stars !== undefined ? { stars } : {}),
          ...(values.favourite ? { favourite: true } : {}),
          ...(values.reject !== undefined ? { reject: values.reject as 'other' } : {}),
          ...(values.comment !== undefined ? { comment: values.comment } : {}),
        };
        if (Object.keys(change).length === 0) throw new UsageError('rate needs --stars N (0 clears), --favourite, --reject REASON or --comment TEXT.');
        const reviewer = values.reviewer ?? (await call('reviewer:get', {})).name;
        if (!reviewer) {
          throw new AtelierError('no-reviewer', "Say who is rating: --reviewer NAME (or set this workstation's reviewer name in the studio).");
        }
        const { updated, items } = await call('reviews:set', { ids, change, reviewer });
        result = { updated, reviewer, images: items.map((g) => ({ id: g.id, rating: g.rating, ratings: g.ratings, disagreement: g.disagreement })) };
        say(`${reviewer} reviewed ${ids.length} image${ids.length === 1 ? '' : 's'} (${updated} changed).`);
        break;
      }
      case 'predict': {
        await openProject();
        const ids = generationIds(rest.slice(1), 'predict');
        const status = await call('preference:status', {});
        const known = await call('preference:predict', { ids });
        if (!status.model || status.newSinceModel > 0 || known.predictions.some((p) => p.predicted === null)) {
          const { jobId } = await call('preference:train', {});
          const finished = await studio.waitForJob(jobId);
          if (finished.status !== 'done')
            throw new AtelierError(asErrorCode(finished.error?.code ?? 'internal'), finished.error?.message ?? 'Learning the ratings failed.');
        }
        const { model, predictions } = await call('preference:predict', { ids });
        result = { model, predictions };
        if (model) say(model.verdict);
        for (const p of predictions) say(`  ${p.id}: ${p.predicted === null ? 'not predicted' : `${p.predicted.toFixed(2)} stars (predicted)`}`);
        if (!model)
          say((await call('preference:status', {})).rated < 1 ? 'No ratings yet: rate images first (atelier rate).' : 'Too few ratings to learn from yet.');
        break;
      }
      case 'feedback-round': {
        await openProject();
        const steps = number('steps');
        const from = number('from-checkpoint');
        const samples = number('samples');
        const started = performance.now();
        const queued = await call('feedback:start', {
          ...(steps !== undefined ? { steps } : {}),
          ...(from !== undefined ? { fromCheckpointId: from } : {}),
          ...(samples !== undefined ? { samples } : {}),
        });
        say(`Feedback round: run ${queued.runId} fine-tunes on ${queued.liked} liked and ${queued.disliked} disliked images.`);
        const stopProgress = studio.router.subscribe((event, payload) => {
          if (event !== 'job:progress' || json) return;
          const p = payload as JobProgressT;
          if (p.runId === queued.runId && (p.step === p.total || p.step % 50 === 0)) process.stderr.write(`${p.message}\n`);
        });
        const status = await waitForRun(studio, queued.runId, async () => (await call('runs:get', { runId: queued.runId })).status);
        stopProgress();
        if (status !== 'done') {
          const run = await call('runs:get', { runId: queued.runId });
          throw new AtelierError(status === 'failed' ? 'run-failed' : 'run-stopped', run.error ?? `Run ${queued.runId} ${status}.`);
        }
        say('Drawing the same seeds before and after, and scoring both…');
        const compared = await waitForComparison(studio, queued.runId, async () =>
          (await call('feedback:rounds', {})).rounds.find((r) => r.runId === queued.runId),
        );
        const run = await call('runs:get', { runId: queued.runId });
        const side = (s: typeof compared.before) =>
          s
            ? {
                checkpointId: s.checkpointId,
                step: s.step,
                predicted: s.predicted,
                kid: s.kid,
                kidStderr: s.kidStderr,
                collapse: s.collapse,
                generationIds: s.generationIds,
              }
            : null;
        result = {
          runId: queued.runId,
          checkpointId: run.latestCheckpointId,
          ratingsUsed: compared.liked + compared.disliked,
          liked: compared.liked,
          disliked: compared.disliked,
          reviewers: compared.reviewers,
          before: side(compared.before),
          after: side(compared.after),
          verdict: compared.verdict,
          reason: compared.reason,
          seconds: round((performance.now() - started) / 1000),
        };
        const fmt = (s: typeof compared.before) =>
          s
            ? `predicted ${s.predicted === null ? '—' : s.predicted.toFixed(2)} stars, KID ${s.kid === null ? '—' : `${s.kid.toFixed(4)} ± ${(s.kidStderr ?? 0).toFixed(4)}`}${s.collapse ? ', COLLAPSE' : ''}`
            : '—';
        say(`Before (step ${compared.before?.step ?? '?'}): ${fmt(compared.before)}`);
        say(`After  (step ${compared.after?.step ?? '?'}): ${fmt(compared.after)}`);
        say(`${(compared.verdict ?? 'not judged').toUpperCase()}: ${compared.reason}`);
        break;
      }
      case 'export': {
        await openProject();
        if (!values.out) throw new UsageError('export needs --out <file.atelier> for the bundle.');
        if (values.without !== undefined && values.without !== 'generations') throw new UsageError('--without takes "generations".');
        const checkpoints = values.checkpoints ?? 'all';
        if (!['all', 'published', 'none'].includes(checkpoints)) throw new UsageError('--checkpoints is all, published or none.');
        const stop = printJobProgress(studio, 'export', json);
        const done = await call('bundles:export', {
          out: resolve(values.out),
          generations: values.without !== 'generations',
          checkpoints: checkpoints as 'all',
        }).finally(stop);
        result = { ...done, seconds: round(done.seconds) };
        say(`Wrote ${done.file} in ${round(done.seconds)} s.`);
        for (const note of done.notes) say(`  ${note}`);
        break;
      }
      case 'open-bundle': {
        if (!rest[0] || !rest[1]) throw new UsageError('open-bundle needs the bundle and a new folder: atelier open-bundle <file.atelier> <dir>');
        const stop = printJobProgress(studio, 'open-bundle', json);
        const opened = await call('bundles:open', { file: resolve(rest[0]), dir: resolve(rest[1]) }).finally(stop);
        result = { ...opened, seconds: round(opened.seconds) };
        say(
          `Opened ${opened.from} as ${opened.dir} in ${round(opened.seconds)} s: ${opened.assetCount} images, ${opened.runCount} runs, ${opened.checkpointCount} checkpoints, ${opened.generationCount} generated.`,
        );
        break;
      }
      case 'model-card': {
        await openProject();
        if (!values.out) throw new UsageError('model-card needs --out <card.html>.');
        const runId = number('run');
        let checkpointId = number('checkpoint');
        if (runId === undefined && checkpointId === undefined) {
          checkpointId = (await call('evaluations:list', {})).published ?? (await call('checkpoints:list', {}))[0]?.id;
          if (checkpointId === undefined)
            throw new AtelierError('no-checkpoint', 'This project has no checkpoint yet: train a model first, or name a run with --run.');
        }
        const card = await call('cards:get', runId !== undefined ? { runId } : { checkpointId: checkpointId! });
        const out = resolve(values.out);
        await mkdir(dirname(out), { recursive: true });
        await writeFile(out, card.html);
        result = { file: out, title: card.title };
        say(`${card.title}: ${out}`);
        break;
      }
      case 'export-web': {
        await openProject();
        if (!values.out) throw new UsageError('export-web needs --out <folder> for the generator.');
        const checkpointId = number('checkpoint') ?? (await call('evaluations:list', {})).published ?? (await call('checkpoints:list', {}))[0]?.id;
        if (checkpointId === undefined) throw new AtelierError('no-checkpoint', 'This project has no checkpoint to export yet. Train a model first.');
        const web = await call('models:exportWeb', { checkpointId, dir: resolve(values.out) });
        result = { ...web, checkpointId };
        say(`Wrote checkpoint ${checkpointId} as a web generator in ${web.dir} (${web.files.length} files). Serve the folder and open index.html.`);
        break;
      }
      case 'studio': {
        const project = rest[0] ? await call('project:open', { dir: resolve(rest[0]) }) : null;
        if (projectsRoot) mkdirSync(projectsRoot, { recursive: true });
        const server = await startWebServer({
          studio,
          rendererDir: RENDERER_DIR,
          port: number('port', 0),
          // Lines arrive with the launch token already redacted.
          log: (l) => {
            log.error(l);
            process.stderr.write(`${l}\n`);
          },
        });
        const backend = await studio.backend();
        say(`Atelier studio ${VERSION} (compute: ${backend.name})${project ? ` — ${project.dir}` : ''}`);
        say(`Open ${server.url}`);
        if (json) process.stdout.write(`${JSON.stringify({ url: server.url, port: server.port, backend: backend.name })}\n`);
        const stop = () => {
          studio.close();
          void server.close().then(() => process.exit(0));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        return await new Promise<number>(() => {});
      }
      default:
        throw new UsageError(`unknown command "${verb}". Run atelier --help for the list.`);
    }
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    studio.close();
    return 0;
  } catch (error) {
    if (!(error instanceof UsageError)) log.error(`atelier ${verb} failed`, error);
    studio.close();
    process.stderr.write(`atelier: ${(error as Error).message}\n`);
    if (json) process.stdout.write(`${JSON.stringify({ error: { code: (error as AtelierError).code ?? 'internal', message: (error as Error).message } })}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

type RunStatus = EventPayload<'run:changed'>['status'];

/** Resolves with the run's status once it is no longer queued or running (`read`: its status now, through the router). */
/** Every metric of an evaluation, for --json. */
function evaluationResult(e: EvaluationT, alreadyTested: boolean) {
  return {
    evaluationId: e.id,
    label: e.label,
    runId: e.runId,
    checkpointId: e.checkpointId,
    step: e.step,
    split: e.split,
    alreadyTested,
    samples: e.samples,
    reference: e.reference,
    kid: e.kid,
    kidStderr: e.kidStderr,
    fid: e.fid,
    precision: e.precision,
    recall: e.recall,
    diversity: e.collapse.diversity,
    coverage: e.coverage,
    collapse: { alarm: e.collapse.collapsed, reasons: e.collapse.reasons, duplicateShare: e.collapse.duplicateShare },
    copies: e.memorisation
      ? {
          checked: e.memorisation.checked,
          flagged: e.memorisation.flagged,
          threshold: e.memorisation.threshold,
          byFeatures: e.memorisation.features,
          pairs: e.memorisation.pairs
            .filter((p) => p.possibleCopy)
            .map((p) => ({ sample: p.sample, asset: p.assetName, featureDistance: p.featureDistance, pixelDistance: p.pixelDistance })),
        }
      : null,
    seconds: e.seconds,
    embedding: e.embedding,
  };
}

/** An evaluation as lines a person reads. */
function describeEvaluation(e: EvaluationT): string {
  const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 100)}%`);
  const lines = [
    `${e.label}: ${e.samples.toLocaleString('en')} images against ${e.reference.toLocaleString('en')} ${e.split} images (${e.seconds.toFixed(1)} s)`,
    `  Atelier KID ${e.kid.toFixed(4)} ± ${e.kidStderr.toFixed(4)}   Atelier FID ${e.fid.toFixed(2)}   (on ${e.embedding}; comparable within Atelier only)`,
    `  precision ${pct(e.precision)}   recall ${pct(e.recall)}   diversity ${e.collapse.diversity.toFixed(2)}   class coverage ${pct(e.coverage)}`,
    e.collapse.collapsed ? `  MODE COLLAPSE: ${e.collapse.reasons.join(' ')}` : '  no mode collapse',
    e.memorisation
      ? e.memorisation.flagged > 0
        ? `  POSSIBLE COPIES: ${e.memorisation.flagged} of ${e.memorisation.checked} images are closer to a training image than any val image is (${e.memorisation.pairs
            .filter((p) => p.possibleCopy)
            .slice(0, 5)
            .map((p) => p.assetName ?? '?')
            .join(', ')})`
        : `  no possible copies among ${e.memorisation.checked} images${e.memorisation.features ? '' : ' (pixels compared; features of the training images not cached yet)'}`
      : '',
  ];
  return lines.filter(Boolean).join('\n');
}

function waitForRun(studio: Studio, runId: number, read: () => Promise<RunStatus>): Promise<RunStatus> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (status: RunStatus) => {
      if (settled || status === 'queued' || status === 'running') return;
      settled = true;
      stop();
      resolve(status);
    };
    // Listen first, then read: a run that ends in between is caught by one or the other.
    const stop = studio.router.subscribe((event, payload) => {
      if (event === 'run:changed' && (payload as EventPayload<'run:changed'>).runId === runId) settle((payload as EventPayload<'run:changed'>).status);
    });
    read().then(settle, (error: unknown) => {
      stop();
      reject(error instanceof Error ? error : new Error(String(error)));
    });
  });
}

/** Resolves with the round once its comparison is recorded (it is drawn and scored after the run ends). */
function waitForComparison(studio: Studio, runId: number, read: () => Promise<FeedbackRoundT | undefined>): Promise<FeedbackRoundT> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const check = () =>
      read().then(
        (r) => {
          if (settled || !r?.compared) return;
          settled = true;
          stop();
          resolve(r);
        },
        (error: unknown) => {
          stop();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    const stop = studio.router.subscribe((event, payload) => {
      if (event === 'run:changed' && (payload as EventPayload<'run:changed'>).runId === runId) void check();
    });
    void check();
  });
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

main(process.argv.slice(2)).then((code) => process.exit(code));

/** Prints a bundle job's progress to stderr about once a second (never with --json). */
function printJobProgress(studio: Studio, kind: 'export' | 'open-bundle', json: boolean): () => void {
  let last = 0;
  return studio.router.subscribe((event, payload) => {
    if (event !== 'job:progress' || json) return;
    const p = payload as JobProgressT;
    if (p.kind !== kind) return;
    const now = performance.now();
    if (now - last < 1000 && p.step < p.total) return;
    last = now;
    process.stderr.write(`${p.message}\n`);
  });
}

/**
 * A training run's progress bar on stderr, redrawn in place (steps, the mean img/s, time left;
 * before the first step, what the run is doing). Only where stderr is a terminal, in every mode
 * (--json keeps stdout for its one line); ATELIER_PROGRESS=bar forces it, =off turns it off.
 */
function progressTerminal(batchSize: number): { update(p: JobProgressT): void; end(): void } | null {
  const mode = process.env.ATELIER_PROGRESS;
  if (mode === 'off' || (mode !== 'bar' && !process.stderr.isTTY)) return null;
  let lastDraw = 0;
  let drawn = false;
  const draw = (line: string) => {
    const width = Math.max(40, (process.stderr.columns ?? 100) - 1);
    process.stderr.write(`\r${line.slice(0, width)}\x1b[K`);
    drawn = true;
  };
  return {
    update(p) {
      const now = performance.now();
      const final = p.total > 0 && p.step >= p.total;
      if (!final && now - lastDraw < 100) return;
      lastDraw = now;
      if (p.imgPerSec === undefined) return draw(`${p.message}…`);
      const fraction = p.total > 0 ? Math.min(1, p.step / p.total) : 0;
      const cells = 24;
      const full = Math.round(fraction * cells);
      const rate = p.meanImgPerSec ?? p.imgPerSec;
      const secondsLeft = Math.round(rate > 0 ? ((p.total - p.step) * batchSize) / rate : 0);
      const eta = `${Math.floor(secondsLeft / 60)}:${String(secondsLeft % 60).padStart(2, '0')}`;
      draw(
        `[${'█'.repeat(full)}${'░'.repeat(cells - full)}] step ${p.step.toLocaleString('en')}/${p.total.toLocaleString('en')}  ${p.imgPerSec.toFixed(0)} img/s  ${eta} left`,
      );
    },
    end() {
      if (drawn) process.stderr.write('\n');
    },
  };
}
