// The compute backend switch (Train view): this workstation's setting — automatic, or one backend
// forced — sent to the studio, which starts it at once for itself and every job it starts from then
// on. What actually runs comes back (a forced backend that cannot start here is named in `refused`,
// and the automatic choice runs instead); a failed call leaves the setting as it was and says why.
import type { Api } from '../../../src-preload/api';
import type { BackendSettingT, StudioBackendT } from '../../../src-preload/contract';
import { errorMessage } from '../lib/errors';

/** The switch's choices, in the order the engine tries them, with the words a person reads. */
export const BACKEND_CHOICES: readonly { value: BackendSettingT; label: string }[] = [
  { value: 'auto', label: 'Automatic (fastest here)' },
  { value: 'webgpu', label: 'GPU: WebGPU' },
  { value: 'tensorflow-gpu', label: 'GPU: native TensorFlow (CUDA)' },
  { value: 'tensorflow', label: 'CPU: native TensorFlow' },
  { value: 'wasm', label: 'CPU: WebAssembly' },
  { value: 'cpu', label: 'CPU: JavaScript (slowest)' },
];

/** The backend's short name, as the status bar and the Train view show it. */
export const BACKEND_NAMES: Record<StudioBackendT['name'], string> = {
  webgpu: 'GPU (WebGPU)',
  'tensorflow-gpu': 'GPU (CUDA)',
  tensorflow: 'CPU (native TensorFlow)',
  wasm: 'WebAssembly',
  cpu: 'JavaScript CPU',
};

export class BackendSwitch {
  /** The setting being started, or null. */
  choosing = $state<BackendSettingT | null>(null);
  /** Why the last change could not be made (the setting is unchanged), or null. */
  error = $state<string | null>(null);

  constructor(
    private readonly api: Pick<Api, 'backend'>,
    /** Receives what runs now (the studio's info follows it). */
    private readonly onchosen: (backend: StudioBackendT) => void,
  ) {}

  async choose(setting: BackendSettingT): Promise<StudioBackendT | null> {
    if (this.choosing) return null;
    this.choosing = setting;
    this.error = null;
    try {
      const backend = await this.api.backend.choose({ setting });
      this.onchosen(backend);
      return backend;
    } catch (e) {
      this.error = errorMessage(e);
      return null;
    } finally {
      this.choosing = null;
    }
  }
}
