// The Augmentation tab's policy being edited, outside the panel, so unsaved edits survive a switch
// to another tab or view and back (the panel is rebuilt; this is not). Per project: opening another
// project starts from its saved policy.
import type { Api } from '../../../src-preload/api';
import type { AugmentationPolicyT } from '../../../src-preload/contract';
import { api } from '../lib/api';
import { errorMessage } from '../lib/errors';

export class AugmentationDraft {
  /** The policy as saved (what training uses). */
  saved = $state.raw<AugmentationPolicyT | null>(null);
  /** The policy being edited; equal to `saved` until a control moves. */
  policy = $state<AugmentationPolicyT | null>(null);
  loadError = $state<string | null>(null);
  saving = $state(false);
  /** The preview's shuffle. */
  seed = $state(1);
  /** The transparency background being typed (a hex colour), or null for the project's own. */
  background = $state<string | null>(null);

  dirty = $derived(this.policy !== null && this.saved !== null && JSON.stringify(this.policy) !== JSON.stringify(this.saved));

  private project: string | null = null;

  constructor(private readonly engine: Api) {}

  /** Loads a project's saved policy, unless this project's draft is already here (kept across tab switches). */
  async open(projectDir: string): Promise<void> {
    if (this.project === projectDir) return; // loaded or loading
    this.project = projectDir;
    this.saved = null;
    this.policy = null;
    this.loadError = null;
    this.background = null;
    this.seed = 1;
    try {
      const p = await this.engine.augmentation.get();
      if (this.project !== projectDir) return;
      this.saved = p;
      this.policy = structuredClone(p);
    } catch (e) {
      if (this.project !== projectDir) return;
      this.loadError = errorMessage(e);
      this.project = null; // the next visit tries again
    }
  }

  revert(): void {
    if (this.saved) this.policy = structuredClone(this.saved);
  }

  /** Saves the edited policy; false when the engine refused it (its message is already a toast). */
  async save(): Promise<boolean> {
    if (!this.policy || this.saving) return false;
    this.saving = true;
    try {
      this.saved = await this.engine.augmentation.set({ policy: $state.snapshot(this.policy) });
      this.policy = structuredClone(this.saved);
      return true;
    } catch {
      return false;
    } finally {
      this.saving = false;
    }
  }
}

export const augmentation = new AugmentationDraft(api);
