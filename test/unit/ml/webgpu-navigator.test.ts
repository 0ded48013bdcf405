// Electron's utilityProcess (where a training job runs in the desktop app) is Node 22, which has a
// global `navigator` of its own (read-only, without `gpu`), unlike Node 20 here: Dawn's GPU must
// be added to that object, not replace it, for tfjs-backend-webgpu to find it. Simulated with a
// read-only navigator as Node 22 defines it; the rest of the path is the real one (npm webgpu).
import { afterAll, expect, it } from 'vitest';
import { findGpuAdapter } from '../../../src-main/ml/backend.js';

class Navigator {
  get userAgent(): string {
    return 'Node.js/22';
  }
}
const node22 = new Navigator();
const before = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
Object.defineProperty(globalThis, 'navigator', { get: () => node22, configurable: true, enumerable: true });
afterAll(() => {
  if (before) Object.defineProperty(globalThis, 'navigator', before);
  else delete (globalThis as { navigator?: unknown }).navigator;
});

it("adds Dawn's GPU to a navigator the runtime already has", async () => {
  // An adapter or a sentence why there is none; either way the GPU object is where tfjs looks.
  const adapter = await findGpuAdapter().catch((e: unknown) => (e as Error).message);
  expect(adapter === 'no GPU adapter: no Vulkan, Metal or Direct3D 12 driver offered one' || typeof adapter === 'object').toBe(true);
  const nav = globalThis.navigator as unknown as { userAgent: string; gpu?: { requestAdapter?: unknown } };
  expect(nav).toBe(node22);
  expect(nav.userAgent).toBe('Node.js/22');
  expect(typeof nav.gpu?.requestAdapter).toBe('function');
});
