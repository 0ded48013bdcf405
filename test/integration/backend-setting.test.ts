// The compute backend chosen in Settings: kept in the workstation's config (beside the reviewer
// name), started by the studio at once, carried to every job process it starts as ATELIER_BACKEND
// (a real job process says which backend it started), kept across a restart; a backend that cannot
// start here is reported in a sentence and the automatic choice runs instead.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendName, type BackendInfoT, type StudioBackendT } from '../../src-preload/contract';
import { BACKEND_ORDER } from '../../src-main/ml/backend';
import { Workstation } from '../../src-main/feedback/workstation';
import type { JobMessage } from '../../src-main/host/job-protocol';
import { forkLauncher } from '../../src-main/host/jobs';
import { createStudio, type Studio } from '../../src-main/host/studio';

const JOB_PROCESS = fileURLToPath(new URL('../../src-main/host/job-process.ts', import.meta.url));

let root: string;
let file: string;
const studios: Studio[] = [];
const launched = process.env.ATELIER_BACKEND;

function studio(): Studio {
  const s = createStudio({ launchJob: forkLauncher(JOB_PROCESS), log: () => {}, lockProjects: false, workstation: new Workstation(file) });
  studios.push(s);
  return s;
}

async function call<T>(s: Studio, name: string, input: unknown): Promise<T> {
  const answer = await s.router.call(name as never, input as never);
  if (!answer.ok) throw new Error(`${answer.error.code}: ${answer.error.message}`);
  return answer.result as T;
}

/** The backend a job process started by the studio's launcher reports in its first message. */
async function jobBackend(): Promise<BackendInfoT> {
  const channel = forkLauncher(JOB_PROCESS)();
  try {
    return await new Promise<BackendInfoT>((resolve, reject) => {
      channel.onMessage((m: JobMessage) => {
        if (m.type === 'ready') resolve(m.backend);
        else if (m.type === 'error') reject(new Error(m.error.message));
      });
      channel.send({ type: 'generator', projectDir: root });
    });
  } finally {
    channel.kill();
  }
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'atelier-backend-setting-'));
  file = join(root, 'config', 'workstation.json');
});
afterAll(() => {
  for (const s of studios) s.close();
  rmSync(root, { recursive: true, force: true });
  if (launched === undefined) delete process.env.ATELIER_BACKEND;
  else process.env.ATELIER_BACKEND = launched;
});

describe('the backend setting', () => {
  let automatic: StudioBackendT;

  it('names the backends the engine tries, in its order', () => {
    expect(BackendName.options).toEqual(BACKEND_ORDER);
  });

  it('is automatic until chosen', async () => {
    automatic = (await call<{ backend: StudioBackendT }>(studio(), 'app:info', {})).backend;
    expect(automatic.setting).toBe('auto');
    expect(automatic.refused).toBeUndefined();
    expect(automatic.name).not.toBe('cpu');
  });

  it('forces one backend: kept in the workstation file, started by the studio, inherited by the jobs it starts', async () => {
    const s = studios[0]!;
    const chosen = await call<StudioBackendT>(s, 'backend:choose', { setting: 'cpu' });
    expect(chosen).toMatchObject({ name: 'cpu', setting: 'cpu' });
    expect(chosen.message).toMatch(/chosen for this workstation/);
    expect(chosen.refused).toBeUndefined();
    expect((JSON.parse(readFileSync(file, 'utf8')) as { backend: string }).backend).toBe('cpu');
    expect((await call<{ backend: StudioBackendT }>(s, 'app:info', {})).backend).toEqual(chosen);
    expect(process.env.ATELIER_BACKEND).toBe('cpu');
    // The job runs it for the studio's reason (not as if a person had named it in the job).
    expect(await jobBackend()).toMatchObject({ name: 'cpu', message: chosen.message });
  }, 60_000);

  it('is kept across a restart of the studio', async () => {
    // A new studio process starts with the environment it was launched with.
    if (launched === undefined) delete process.env.ATELIER_BACKEND;
    else process.env.ATELIER_BACKEND = launched;
    const info = (await call<{ backend: StudioBackendT }>(studio(), 'app:info', {})).backend;
    expect(info).toMatchObject({ name: 'cpu', setting: 'cpu' });
  });

  it('a forced backend that cannot start here says why in a sentence, and the automatic choice runs (and the jobs get it)', async () => {
    const s = studios[1]!;
    const missing = automatic.name === 'tensorflow-gpu' ? 'cpu' : 'tensorflow-gpu'; // absent on most workstations (and here)
    const chosen = await call<StudioBackendT>(s, 'backend:choose', { setting: missing });
    if (chosen.name === missing) return; // installed and working after all: nothing refused to test here
    expect(chosen.setting).toBe(missing);
    expect(chosen.name).toBe(automatic.name);
    expect(chosen.refused).toMatch(/^Native TensorFlow on CUDA, chosen for this workstation, cannot start here: .+\. \S.* runs instead\.$/);
    expect(new Workstation(file).backend()).toBe(missing); // still what the person chose: it runs where it can
    expect(process.env.ATELIER_BACKEND).toBe(automatic.name);
    expect(await jobBackend()).toMatchObject({ name: automatic.name, message: automatic.message });
  }, 60_000);

  it('back to automatic; a name that is not a backend is refused', async () => {
    const s = studios[1]!;
    const chosen = await call<StudioBackendT>(s, 'backend:choose', { setting: 'auto' });
    expect(chosen).toMatchObject({ name: automatic.name, setting: 'auto', message: automatic.message });
    expect(new Workstation(file).backend()).toBe('auto');
    const bad = await s.router.call('backend:choose', { setting: 'tpu' } as never);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('invalid-input');
    await expect(new Workstation(file).setBackend('tpu' as never)).rejects.toThrow(/tpu is not a backend: use one of auto, webgpu/);
  });
});
