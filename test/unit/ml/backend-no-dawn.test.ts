// Dawn's native module failing to load (as it could in Electron's utilityProcess, or in a package
// built for another platform): the backend order passes WebGPU by with a sentence and starts the
// next backend; a forced WebGPU says the same sentence instead of crashing.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendUnavailableError, chooseBackendAgain, dawnLoadFailure, initBackend } from '../../../src-main/ml/backend.js';

vi.mock('webgpu', () => {
  // What Node says when dawn.node cannot be opened for want of the Vulkan loader.
  throw Object.assign(new Error('libvulkan.so.1: cannot open shared object file: No such file or directory'), { code: 'ERR_DLOPEN_FAILED' });
});

const launched = process.env.ATELIER_BACKEND;
afterEach(() => {
  if (launched === undefined) delete process.env.ATELIER_BACKEND;
  else process.env.ATELIER_BACKEND = launched;
});

describe('when webgpu (Dawn) cannot be loaded', () => {
  it('the automatic choice passes it by with the reason and starts the next backend', async () => {
    delete process.env.ATELIER_BACKEND;
    const choice = await initBackend();
    expect(choice.tried[0]).toEqual({
      name: 'webgpu',
      error: "Dawn's WebGPU bindings (npm webgpu) could not be loaded: libvulkan.so.1 is missing (install the GPU's Vulkan, Metal or Direct3D 12 driver)",
    });
    expect(choice.name).not.toBe('webgpu');
    expect(choice.message).toContain('libvulkan.so.1 is missing');
    // The jobs this process starts inherit the choice, and do not look for a GPU again.
    expect(process.env.ATELIER_BACKEND).toBe(choice.name);
  });

  it('forced (Settings or ATELIER_BACKEND=webgpu), it fails with that sentence; chosen again automatically, the next backend runs', async () => {
    const error = await chooseBackendAgain('webgpu').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toBe(
      "No tfjs backend could start (webgpu: Dawn's WebGPU bindings (npm webgpu) could not be loaded: libvulkan.so.1 is missing (install the GPU's Vulkan, Metal or Direct3D 12 driver)).",
    );
    const after = await chooseBackendAgain(undefined);
    expect(after.name).not.toBe('webgpu');
    expect(process.env.ATELIER_BACKEND).toBe(after.name);
  });
});

describe('dawnLoadFailure', () => {
  it('names what is missing', () => {
    const noBuild = Object.assign(new Error("Cannot find module '/app/node_modules/webgpu/dist/linux-riscv64/dawn.node'"), { code: 'MODULE_NOT_FOUND' });
    expect(dawnLoadFailure(noBuild)).toBe(`Dawn's WebGPU bindings (npm webgpu) have no build for ${process.platform}-${process.arch} in this installation`);
    expect(dawnLoadFailure(Object.assign(new Error("Cannot find package 'webgpu'"), { code: 'ERR_MODULE_NOT_FOUND' }))).toBe('not installed');
    expect(dawnLoadFailure(new Error('/app/dawn.node: invalid ELF header'))).toBe(
      "Dawn's WebGPU bindings (npm webgpu) could not be loaded: /app/dawn.node: invalid ELF header",
    );
  });
});
