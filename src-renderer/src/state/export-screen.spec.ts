import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-preload/api';
import type { BundleInfoT, BundleOpenedT, BundleOptionsT, JobProgressT, OpInput, OpOutput } from '../../../src-preload/contract';
import { fakeTransport, settle } from '../testing/fake-transport';
import { BundleExport, BundleOpen, ExportScreen, folderOf, formatBytes, joinPath, leftOutWords, projectOf } from './export-screen.svelte';

const counts = { assets: 3781, tags: 109, runs: 1, checkpoints: 2, generations: 40, reviews: 5, reviewers: 2 };

function options(extra: Partial<BundleOptionsT> = {}): BundleOptionsT {
  return {
    suggestedFile: '/home/ana/Atelier/mascots-2025-01-01.atelier',
    bytes: { base: 27e6, checkpoints: 24e6, publishedCheckpoint: 12e6, generations: 2e6 },
    checkpoints: 2,
    published: 8,
    generations: 40,
    ...extra,
  };
}

const info: BundleInfoT = {
  file: '/home/ana/Downloads/mascots.atelier',
  bytes: 26e6,
  name: 'mascots',
  createdAt: '2025-01-01T10:00:00Z',
  atelier: '0.1.0',
  generations: false,
  checkpoints: 'published',
  omittedCheckpoints: [7],
  counts,
  unpackedBytes: 27e6,
  suggestedDir: '/home/ana/Atelier/mascots',
};

const opened: BundleOpenedT = {
  dir: '/home/ana/Atelier/mascots',
  name: 'mascots',
  assetCount: 3781,
  tagCount: 109,
  runCount: 1,
  generationCount: 0,
  checkpointCount: 2,
  background: '#ffffff',
  seconds: 2.5,
  from: 'mascots.atelier',
};

/** A promise the test resolves: the engine answers when the test says so. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const progress = (jobId: string, kind: JobProgressT['kind'], fraction: number, message: string) => ({
  jobId,
  kind,
  runId: null,
  step: Math.round(fraction * 1000),
  total: 1000,
  fraction,
  message,
});

describe('formatting and paths', () => {
  it('reads sizes the way the engine writes them', () => {
    expect(formatBytes(830_000)).toBe('830 kB');
    expect(formatBytes(6_200_000)).toBe('6.2 MB');
    expect(formatBytes(240_000_000)).toBe('240 MB');
    expect(formatBytes(1_250_000_000)).toBe('1.25 GB');
  });

  it('takes folders and joins names with the separator a path already uses', () => {
    expect(folderOf('/home/ana/Atelier/m.atelier')).toBe('/home/ana/Atelier');
    expect(folderOf('/m.atelier')).toBe('/');
    expect(folderOf('C:\\Users\\ana\\m.atelier')).toBe('C:\\Users\\ana');
    expect(joinPath('/home/ana', 'x-web')).toBe('/home/ana/x-web');
    expect(joinPath('C:\\Users\\ana', 'x-web')).toBe('C:\\Users\\ana\\x-web');
  });

  it('says what a bundle left out', () => {
    expect(leftOutWords(info)).toEqual(['generated images', 'the weights of 1 other checkpoint (one travels: the published, else the newest)']);
    expect(leftOutWords({ generations: true, checkpoints: 'all', omittedCheckpoints: [] })).toEqual([]);
    expect(leftOutWords({ generations: true, checkpoints: 'none', omittedCheckpoints: [1, 2] })).toEqual(['the weights of every checkpoint (2)']);
  });

  it('keeps only the project of an opened bundle for the window', () => {
    expect(projectOf(opened)).not.toHaveProperty('seconds');
    expect(projectOf(opened)).toMatchObject({ dir: opened.dir, name: 'mascots', assetCount: 3781 });
  });
});

describe('BundleExport', () => {
  it('offers a file, weighs each choice, shows the progress of the export and how it ended', async () => {
    const engine = gate();
    let offer = 1;
    const fake = fakeTransport({
      'bundles:options': () => options(offer === 1 ? {} : { suggestedFile: '/home/ana/Atelier/mascots-2025-01-01-2.atelier' }),
      'bundles:export': async ({ out }) => {
        await engine.promise;
        offer = 2;
        return { file: out, bytes: 25e6, members: 3795, seconds: 3.2, omittedCheckpoints: [7], counts, notes: ['25 MB in 3795 files.'] };
      },
    });
    const bundle = new BundleExport(fake.api);
    await bundle.load();
    expect(bundle.file).toBe('/home/ana/Atelier/mascots-2025-01-01.atelier');
    expect(bundle.estimate).toBe(27e6 + 2e6 + 24e6);
    bundle.checkpoints = 'published';
    bundle.generations = false;
    expect(bundle.estimate).toBe(27e6 + 12e6);
    expect(bundle.checkpointBytes('none')).toBe(0);

    const done = bundle.start();
    await settle();
    expect(bundle.running).toBe(true);
    expect(bundle.job.message).toBe('Starting…');
    fake.emit('job:progress', progress('j1', 'export', 0.25, 'Packing 900 of 3,795 files: 6.2 MB of 25 MB · about 5 s left'));
    // Another kind of job does not move this bar.
    fake.emit('job:progress', progress('j2', 'train', 0.9, 'Training'));
    expect(bundle.job.jobId).toBe('j1');
    expect(bundle.job.fraction).toBe(0.25);
    expect(bundle.job.message).toContain('about 5 s left');

    engine.open();
    await done;
    expect(bundle.running).toBe(false);
    expect(bundle.result?.file).toBe('/home/ana/Atelier/mascots-2025-01-01.atelier');
    expect(bundle.error).toBeNull();
    expect(fake.calls.find((c) => c.name === 'bundles:export')?.input).toEqual({
      out: '/home/ana/Atelier/mascots-2025-01-01.atelier',
      generations: false,
      checkpoints: 'published',
    });
    // The file is taken now: the next offer replaces the one the person did not edit.
    expect(bundle.file).toBe('/home/ana/Atelier/mascots-2025-01-01-2.atelier');
    // Progress after the end is not this export's.
    fake.emit('job:progress', progress('j3', 'export', 0.5, 'Packing again'));
    expect(bundle.job.message).not.toBe('Packing again');
  });

  it('cancels: at once when the job is known, from the engine’s list before its first report; nothing is called an error', async () => {
    const engine = gate();
    const fake = fakeTransport({
      'bundles:options': () => options(),
      'bundles:export': async () => {
        await engine.promise;
        throw new ApiError('cancelled', 'The export to /x.atelier was cancelled; nothing was written.');
      },
      'jobs:list': () => [{ id: 'j9', kind: 'export', status: 'running', runId: null, fraction: 0, message: '', startedAt: 'now' }],
      'jobs:cancel': () => ({ cancelled: true }),
    });
    const bundle = new BundleExport(fake.api);
    await bundle.load();
    const done = bundle.start();
    await settle();
    await bundle.cancel();
    expect(fake.calls.filter((c) => c.name === 'jobs:cancel').map((c) => c.input)).toEqual([{ jobId: 'j9' }]);
    expect(bundle.job.message).toBe('Cancelling…');
    engine.open();
    await done;
    expect(bundle.cancelled).toBe(true);
    expect(bundle.error).toBeNull();
    expect(bundle.result).toBeNull();
    expect(bundle.running).toBe(false);
  });

  it('a cancel asked for before the job is known is sent with its first report', async () => {
    const engine = gate();
    const fake = fakeTransport({
      'bundles:options': () => options(),
      'bundles:export': async () => {
        await engine.promise;
        throw new ApiError('cancelled', 'cancelled');
      },
      'jobs:list': () => [],
      'jobs:cancel': () => ({ cancelled: true }),
    });
    const bundle = new BundleExport(fake.api);
    await bundle.load();
    const done = bundle.start();
    await bundle.cancel();
    expect(fake.calls.some((c) => c.name === 'jobs:cancel')).toBe(false);
    fake.emit('job:progress', progress('j4', 'export', 0, 'Copying the database'));
    await settle();
    expect(fake.calls.filter((c) => c.name === 'jobs:cancel').map((c) => c.input)).toEqual([{ jobId: 'j4' }]);
    engine.open();
    await done;
    expect(bundle.cancelled).toBe(true);
  });

  it('shows the engine’s sentence when the export is refused, and keeps the form', async () => {
    const message = '/home/ana/Atelier/mascots.atelier already exists. Choose another name for the bundle; Atelier does not overwrite files.';
    const fake = fakeTransport({
      'bundles:options': () => options(),
      'bundles:export': () => {
        throw new ApiError('file-exists', message);
      },
    });
    const bundle = new BundleExport(fake.api);
    await bundle.load();
    bundle.file = '/home/ana/Atelier/mascots.atelier';
    await bundle.start();
    expect(bundle.error).toBe(message);
    expect(bundle.cancelled).toBe(false);
    expect(bundle.file).toBe('/home/ana/Atelier/mascots.atelier');
    expect(bundle.running).toBe(false);
  });

  it('without checkpoints, none are asked for', async () => {
    const fake = fakeTransport({
      'bundles:options': () => options({ checkpoints: 0, published: null, bytes: { base: 1e6, checkpoints: 0, publishedCheckpoint: 0, generations: 0 } }),
    });
    const bundle = new BundleExport(fake.api);
    await bundle.load();
    expect(bundle.checkpoints).toBe('none');
  });
});

describe('BundleOpen', () => {
  it('checks a bundle, offers a folder, opens it with progress and hands the project over', async () => {
    const engine = gate();
    const handed: BundleOpenedT[] = [];
    const fake = fakeTransport({
      'bundles:inspect': () => info,
      'bundles:open': async () => {
        await engine.promise;
        return opened;
      },
    });
    const opener = new BundleOpen(fake.api, (o) => handed.push(o));
    opener.setFile('/home/ana/Downloads/mascots.atelier');
    await opener.check();
    expect(opener.info?.name).toBe('mascots');
    expect(opener.dir).toBe('/home/ana/Atelier/mascots');

    opener.dir = '/home/ana/Atelier/mascots-copy';
    const done = opener.open();
    await settle();
    expect(opener.opening).toBe(true);
    fake.emit('job:progress', progress('o1', 'open-bundle', 0.5, 'Unpacking 1,900 of 3,795 files: 13 MB of 27 MB · about 2 s left'));
    expect(opener.job.fraction).toBe(0.5);
    expect(opener.job.message).toContain('Unpacking');
    engine.open();
    await done;
    expect(opener.opening).toBe(false);
    expect(handed).toEqual([opened]);
    expect(fake.calls.find((c) => c.name === 'bundles:open')?.input).toEqual({ file: info.file, dir: '/home/ana/Atelier/mascots-copy' });
  });

  it('shows why a bundle is refused, and why it cannot be opened into a folder', async () => {
    const fake = fakeTransport({
      'bundles:inspect': ({ file }) => {
        if (file.endsWith('x.atelier')) throw new ApiError('bundle-invalid', 'x.atelier cannot be opened: it is not a complete zip archive.');
        return info;
      },
      'bundles:open': () => {
        throw new ApiError('folder-not-empty', '/home/ana/Atelier/mascots is not empty. Choose a new or empty folder to open the bundle into.');
      },
    });
    const handed: unknown[] = [];
    const opener = new BundleOpen(fake.api, (o) => handed.push(o));
    opener.setFile('x.atelier');
    await opener.check();
    expect(opener.checkError).toBe('x.atelier cannot be opened: it is not a complete zip archive.');
    expect(opener.info).toBeNull();

    // Another file: what was said about the last one goes.
    opener.setFile('/home/ana/Downloads/mascots.atelier');
    expect(opener.checkError).toBeNull();
    await opener.check();
    await opener.open();
    expect(opener.openError).toContain('is not empty');
    expect(handed).toEqual([]);
  });
});

describe('ExportScreen', () => {
  const checkpoint = (id: number, runId: number, step: number, runName: string): OpOutput<'checkpoints:list'>[number] => ({
    id,
    runId,
    step,
    dir: `checkpoints/${id}`,
    createdAt: '2025-01-01',
    dTrain: null,
    dVal: null,
    runName,
    model: 'cgan',
    size: 32,
  });

  function engine(published: number | null) {
    const cards: OpInput<'cards:get'>[] = [];
    const fake = fakeTransport({
      'bundles:options': () => options({ published }),
      'runs:list': () =>
        [
          { id: 2, name: 'Hearts v2' },
          { id: 1, name: 'hearts' },
        ] as unknown as OpOutput<'runs:list'>,
      'checkpoints:list': () => [checkpoint(9, 2, 40, 'Hearts v2'), checkpoint(8, 1, 80, 'hearts'), checkpoint(7, 1, 40, 'hearts')],
      'evaluations:list': () => ({ evaluations: [], published, suggested: null, drift: null }),
      'cards:get': (input) => {
        cards.push(input);
        return { title: 'Model card', html: `<h1>${JSON.stringify(input)}</h1>` };
      },
      'models:exportWeb': ({ dir }) => ({ dir, files: ['index.html', 'generate.js', 'model.json', 'weights.bin'], bytes: 3.6e6 }),
    });
    return { fake, cards };
  }

  it('shows the published checkpoint’s card first, the chosen run’s on request; the web folder follows the checkpoint', async () => {
    const { fake, cards } = engine(8);
    const screen = new ExportScreen(fake.api);
    await screen.enter('/home/ana/Atelier/mascots');
    expect(screen.cards.choice).toBe('c:8');
    expect(cards).toEqual([{ checkpointId: 8 }]);
    expect(screen.cards.groups.map((g) => [g.run.name, g.checkpoints.map((c) => c.id)])).toEqual([
      ['Hearts v2', [9]],
      ['hearts', [8, 7]],
    ]);
    await screen.cards.choose('r:1');
    expect(cards.at(-1)).toEqual({ runId: 1 });
    expect(screen.cards.card?.html).toContain('runId');

    expect(screen.web.checkpointId).toBe(8);
    expect(screen.web.dir).toBe('/home/ana/Atelier/hearts-step-80-web');
    screen.pickWeb(9);
    expect(screen.web.dir).toBe('/home/ana/Atelier/Hearts-v2-step-40-web');
    // A folder the person typed stays.
    screen.web.dir = '/srv/www/hearts';
    screen.pickWeb(7);
    expect(screen.web.dir).toBe('/srv/www/hearts');
    await screen.web.start();
    expect(screen.web.result?.files).toContain('index.html');
    expect(fake.calls.find((c) => c.name === 'models:exportWeb')?.input).toEqual({ checkpointId: 7, dir: '/srv/www/hearts' });
  });

  it('without a published checkpoint the newest is shown; another project starts afresh', async () => {
    const { fake, cards } = engine(null);
    const screen = new ExportScreen(fake.api);
    await screen.enter('/a');
    expect(screen.cards.choice).toBe('c:9');
    screen.bundle.file = '/somewhere/else.atelier';
    await screen.enter('/a');
    expect(screen.bundle.file).toBe('/somewhere/else.atelier');
    await screen.enter('/b');
    expect(screen.bundle.file).toBe(options().suggestedFile);
    expect(cards.length).toBe(3);
  });
});
