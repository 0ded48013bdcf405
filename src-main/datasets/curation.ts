// The curate step over one project: near-duplicate clusters, quality summary,
// splits and their lock. The pure measures live beside it; this binds them to the store.
import type { AssetFilter, AssetRow, Split } from '../store/assets';
import type { Project } from '../store/project';
import { defaultPolicy, type AugmentationPolicy } from './augment';
import { clusterNearDuplicates, pickKeeper } from './near-duplicates';
import { QUALITY_FLAGS, type QualityFlag } from './quality';
import { assignSplits } from './splits';

export interface SplitSettings {
  train: number;
  val: number;
  test: number;
  seed: number;
}

export interface SplitInfo {
  counts: Record<Split | 'none', number>;
  settings: SplitSettings | null;
  locked: Split | null;
}

export function flagsOf(bits: number): QualityFlag[] {
  return QUALITY_FLAGS.filter((_, i) => (bits & (1 << i)) !== 0).map((f) => f.flag);
}

export function flagBit(flag: QualityFlag): number {
  return 1 << QUALITY_FLAGS.findIndex((f) => f.flag === flag);
}

export function toFilter(input: { tag?: string; split?: Split | 'none'; flag?: QualityFlag; excluded?: boolean; ids?: number[] }): AssetFilter {
  const filter: AssetFilter = {};
  if (input.tag !== undefined) filter.tag = input.tag;
  if (input.split !== undefined) filter.split = input.split;
  if (input.flag !== undefined) filter.flags = flagBit(input.flag);
  if (input.excluded !== undefined) filter.excluded = input.excluded;
  if (input.ids !== undefined) filter.ids = input.ids;
  return filter;
}

export class Curation {
  constructor(private readonly project: Project) {}

  qualitySummary(): { flag: QualityFlag; label: string; description: string; count: number }[] {
    return QUALITY_FLAGS.map((f, i) => ({ ...f, count: this.project.assets.count({ flags: 1 << i }) }));
  }

  duplicates(threshold: number): { ids: number[]; keep: number }[] {
    const rows = this.project.assets.perceptualHashes();
    const byId = new Map(rows.map((r) => [r.id, r]));
    return clusterNearDuplicates(rows, threshold).map((ids) => ({ ids, keep: pickKeeper(ids.map((id) => byId.get(id)!)) }));
  }

  splitInfo(): SplitInfo {
    const settings = this.project.meta('split.settings');
    return {
      counts: this.project.assets.splitCounts(),
      settings: settings ? (JSON.parse(settings) as SplitSettings) : null,
      locked: (this.project.meta('split.locked') as Split | null) ?? null,
    };
  }

  /** Stratified by each image's first tag (alphabetically), deterministic from the seed. */
  assignSplits(settings: SplitSettings): SplitInfo {
    const assignment = assignSplits(this.project.assets.strata(), settings);
    this.project.assets.setSplits(assignment, `split ${settings.train}/${settings.val}/${settings.test} (seed ${settings.seed})`);
    this.project.setMeta('split.settings', JSON.stringify(settings));
    return this.splitInfo();
  }

  lock(to: Split | null): SplitInfo {
    this.project.setMeta('split.locked', to);
    return this.splitInfo();
  }

  /** The split new imports join while the split is locked; null when unlocked (they wait for the next assignment). */
  lockedSplit(): Split | null {
    return (this.project.meta('split.locked') as Split | null) ?? null;
  }

  augmentation(): AugmentationPolicy {
    const stored = this.project.meta('augment.policy');
    return stored ? (JSON.parse(stored) as AugmentationPolicy) : defaultPolicy;
  }

  setAugmentation(policy: AugmentationPolicy): AugmentationPolicy {
    this.project.setMeta('augment.policy', JSON.stringify(policy));
    return policy;
  }

  /** The images a training run uses: not excluded, and in the train split when splits exist. */
  trainingAssets(): AssetRow[] {
    return this.project.assets.all({ excluded: false }).filter((a) => a.split === null || a.split === 'train');
  }
}
