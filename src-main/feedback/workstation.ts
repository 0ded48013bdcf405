// What belongs to a workstation rather than a project: the reviewer name its person reviews
// under, and the compute backend chosen for it (Settings: automatic, or one forced). Kept in $XDG_CONFIG_HOME/atelier/workstation.json (else ~/.atelier/workstation.json),
// written atomically; a damaged file reads as no name (the studio asks again) and is replaced.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeAtomically } from '../datasets/atomic-write';
import { AtelierError } from '../errors';
import { BackendSetting, type BackendSettingT } from '../../src-preload/contract';

export function workstationFile(env: NodeJS.ProcessEnv = process.env): string {
  const config = env.XDG_CONFIG_HOME;
  return config ? join(config, 'atelier', 'workstation.json') : join(homedir(), '.atelier', 'workstation.json');
}

export class Workstation {
  constructor(readonly file: string = workstationFile()) {}

  private read(): Record<string, unknown> {
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }

  /** The reviewer name set on this workstation, or null before one is. */
  reviewer(): string | null {
    const name = this.read().reviewer;
    return typeof name === 'string' && name.trim() ? name.trim() : null;
  }

  async setReviewer(name: string): Promise<string> {
    const reviewer = name.trim();
    await this.write({ reviewer }, 'The reviewer name');
    return reviewer;
  }

  /** The compute backend chosen for this workstation; 'auto' until one is (or when the file names none it knows). */
  backend(): BackendSettingT {
    const parsed = BackendSetting.safeParse(this.read().backend);
    return parsed.success ? parsed.data : 'auto';
  }

  async setBackend(setting: BackendSettingT): Promise<BackendSettingT> {
    const valid = BackendSetting.safeParse(setting);
    if (!valid.success) throw new AtelierError('invalid-input', `${String(setting)} is not a backend: use one of ${BackendSetting.options.join(', ')}.`);
    await this.write({ backend: valid.data }, 'The backend setting');
    return valid.data;
  }

  private async write(change: Record<string, unknown>, what: string): Promise<void> {
    const next = { ...this.read(), ...change };
    try {
      await writeAtomically(this.file, Buffer.from(`${JSON.stringify(next, null, 2)}\n`));
    } catch (error) {
      throw new AtelierError('io', `${what} could not be saved in ${this.file}: ${(error as Error).message}`);
    }
  }
}
