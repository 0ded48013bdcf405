import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-preload/api';
import { BackendSetting, type StudioBackendT } from '../../../src-preload/contract';
import { fakeTransport } from '../testing/fake-transport';
import { BACKEND_CHOICES, BackendSwitch } from './backend-setting.svelte';

const wasm: StudioBackendT = { name: 'wasm', threads: 2, message: 'Training on the CPU with WebAssembly (SIMD) on 2 cores.', setting: 'auto' };

describe('BackendSwitch', () => {
  it('sends the setting and hands on what runs now, refused or not', async () => {
    const refused = {
      ...wasm,
      setting: 'webgpu' as const,
      refused: 'WebGPU, chosen for this workstation, cannot start here: no GPU adapter. WebAssembly runs instead.',
    };
    const fake = fakeTransport({ 'backend:choose': ({ setting }) => (setting === 'webgpu' ? refused : { ...wasm, setting }) });
    const seen: StudioBackendT[] = [];
    const sw = new BackendSwitch(fake.api, (b) => seen.push(b));
    expect(await sw.choose('webgpu')).toEqual(refused);
    expect(await sw.choose('wasm')).toMatchObject({ name: 'wasm', setting: 'wasm' });
    expect(fake.calls).toEqual([
      { name: 'backend:choose', input: { setting: 'webgpu' } },
      { name: 'backend:choose', input: { setting: 'wasm' } },
    ]);
    expect(seen.map((b) => [b.setting, b.refused ?? null])).toEqual([
      ['webgpu', refused.refused],
      ['wasm', null],
    ]);
    expect(sw.error).toBeNull();
    expect(sw.choosing).toBeNull();
  });

  it('says why a change failed and keeps what runs; one change at a time', async () => {
    let release = () => {};
    const fake = fakeTransport({
      'backend:choose': ({ setting }) => {
        if (setting === 'cpu') throw new ApiError('io', 'The backend setting could not be saved in /cfg/atelier/workstation.json: EACCES');
        return new Promise((resolve) => (release = () => resolve({ ...wasm, setting })));
      },
    });
    const seen: StudioBackendT[] = [];
    const sw = new BackendSwitch(fake.api, (b) => seen.push(b));
    expect(await sw.choose('cpu')).toBeNull();
    expect(sw.error).toMatch(/could not be saved/);
    expect(seen).toEqual([]);
    const slow = sw.choose('wasm');
    expect(sw.choosing).toBe('wasm');
    expect(await sw.choose('auto')).toBeNull(); // ignored while the first starts
    release();
    await slow;
    expect(sw.error).toBeNull();
    expect(seen.map((b) => b.setting)).toEqual(['wasm']);
    expect(fake.calls.map((c) => c.input)).toEqual([{ setting: 'cpu' }, { setting: 'wasm' }]);
  });

  it('offers automatic and every backend the engine knows', () => {
    expect(BACKEND_CHOICES.map((c) => c.value)).toEqual(BackendSetting.options);
  });
});
