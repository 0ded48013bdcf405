// The curate step over one project: near-duplicate clusters, quality summary,
// splits and their lock. The pure measures live beside it; this binds them to the store.
import type { AssetFilter, AssetRow, Split } from '../store/assets';
import type { Project } from '../store/project';
import { defaultPolicy, type AugmentationPolicy } from './augment';
import {
  clusterNearDuplicates,
  MAX_NEAR_DUPLICATE_THRESHOLD,
  pickKeeper,
  readColourPrint,
  readDetailPrint,
  sameColours,
  sameDetail,
  type ColourPrint,
  type DetailPrint,
} from './near-duplicates';
import { parseHash, popcount32 } from './perceptual-hash';
import { flagMask, QUALITY_FLAGS, type QualityFlag } from './quality';
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

export function toFilter(input: {
  tag?: string;
  split?: Split | 'none';
  flag?: QualityFlag;
  excluded?: boolean;
  ids?: number[];
  minRating?: number;
  unrated?: boolean;
}): AssetFilter {
  const filter: AssetFilter = {};
  if (input.tag !== undefined) filter.tag = input.tag;
  if (input.split !== undefined) filter.split = input.split;
  if (input.flag !== undefined) filter.flags = flagMask([input.flag]);
  if (input.excluded !== undefined) filter.excluded = input.excluded;
  if (input.ids !== undefined) filter.ids = input.ids;
  if (input.minRating !== undefined) filter.minRating = input.minRating;
  if (input.unrated !== undefined) filter.unrated = input.unrated;
  return filter;
}

/** The fallback for images imported before colour prints: mean colour, 0–255 per channel. */
const MAX_COLOUR_SHIFT = 12;

export interface DuplicateCandidate {
  id: number;
  phash: string;
  width: number;
  height: number;
  bytes: number;
  /** The stored quality JSON (QualityMeasures plus the import's mean colour), or null; see duplicateGroups. */
  quality?: string | null;
}

interface ColourInfo {
  print?: ColourPrint;
  detail?: DetailPrint;
  mean?: [number, number, number];
}

function colourOf(quality: string | null | undefined): ColourInfo {
  if (!quality) return {};
  const q = JSON.parse(quality) as Record<string, unknown>;
  const info: ColourInfo = {};
  if (typeof q.colourPrint === 'string') info.print = readColourPrint(q.colourPrint);
  if (typeof q.detailPrint === 'string') info.detail = readDetailPrint(q.detailPrint);
  if (typeof q.meanR === 'number') info.mean = [q.meanR, q.meanG as number, q.meanB as number];
  return info;
}

/**
 * Groups to review, each centred on the image to keep: every other member is within
 * `threshold` bits of that keeper's hash, has the same colours (near-duplicates.ts
 * sameColours; the mean colour for images imported before colour prints) and the same
 * detail (sameDetail, where both have a lightness print).
 * Single-linkage clusters alone chain look-alikes (1,088 starter emoji at 6 bits), so each
 * is split greedily around its best images. The measures come from each row's `quality`, or
 * from `qualities` for only the images a hash cluster holds (a large project has 100,000 rows).
 * Pure: the calibration bench runs it too.
 */
export function duplicateGroups(
  rows: readonly DuplicateCandidate[],
  threshold: number,
  qualities?: (ids: number[]) => Map<number, string | null>,
): { ids: number[]; keep: number }[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const clusters = clusterNearDuplicates(rows, threshold);
  const stored = qualities?.(clusters.flat());
  const colour = new Map<number, ColourInfo>();
  const info = (id: number) => {
    let c = colour.get(id);
    if (!c) colour.set(id, (c = colourOf(stored ? stored.get(id) : byId.get(id)!.quality)));
    return c;
  };
  const sameColour = (a: number, b: number): boolean => {
    const ca = info(a);
    const cb = info(b);
    if (ca.print && cb.print && ca.print.side === cb.print.side) {
      if (!sameColours(ca.print, cb.print)) return false;
      return !ca.detail || !cb.detail || sameDetail(ca.detail, cb.detail);
    }
    if (ca.mean && cb.mean)
      return Math.max(Math.abs(ca.mean[0] - cb.mean[0]), Math.abs(ca.mean[1] - cb.mean[1]), Math.abs(ca.mean[2] - cb.mean[2])) <= MAX_COLOUR_SHIFT;
    return true;
  };
  const t = Math.max(0, Math.min(MAX_NEAR_DUPLICATE_THRESHOLD, Math.floor(threshold)));
  const hashes = new Map(clusters.flat().map((id) => [id, parseHash(byId.get(id)!.phash)]));
  const groups: { ids: number[]; keep: number }[] = [];
  for (const cluster of clusters) {
    let remaining = cluster.map((id) => byId.get(id)!);
    while (remaining.length > 1) {
      const keep = pickKeeper(remaining);
      // directDuplicates, on hashes parsed once: a cluster of thousands takes as many rounds.
      const [kh, kl] = hashes.get(keep)!;
      const copies = remaining
        .filter((m) => {
          if (m.id === keep) return false;
          const [h, l] = hashes.get(m.id)!;
          return popcount32(h ^ kh) + popcount32(l ^ kl) <= t && sameColour(m.id, keep);
        })
        .map((m) => m.id);
      if (copies.length > 0) groups.push({ ids: [keep, ...copies].sort((a, b) => a - b), keep });
      const taken = new Set([keep, ...copies]);
      remaining = remaining.filter((m) => !taken.has(m.id));
    }
  }
  return groups.sort((a, b) => a.ids[0]! - b.ids[0]!);
}

/** The stored measures as the contract shows them: numbers only (the colour print stays in the main process). */
export function numericQuality(quality: unknown): Record<string, number> | null {
  if (!quality || typeof quality !== 'object') return null;
  return Object.fromEntries(Object.entries(quality as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number'));
}

export class Curation {
  constructor(private readonly project: Project) {}

  qualitySummary(): { flag: QualityFlag; label: string; description: string; count: number }[] {
    return QUALITY_FLAGS.map((f, i) => ({ ...f, count: this.project.assets.count({ flags: 1 << i }) }));
  }

  /** Near-duplicate groups to review (duplicateGroups), each centred on the image to keep. */
  duplicates(threshold: number): { ids: number[]; keep: number }[] {
    const assets = this.project.assets;
    return duplicateGroups(assets.perceptualHashes(), threshold, (ids) => assets.qualities(ids));
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

  /** Weights that make every first tag equally likely in a batch (1 / images with that tag). */
  oversamplingWeights(assets: AssetRow[]): number[] {
    const strata = new Map(this.project.assets.strata().map((r) => [r.id, r.strata]));
    const counts = new Map<string, number>();
    for (const a of assets) counts.set(strata.get(a.id) ?? '', (counts.get(strata.get(a.id) ?? '') ?? 0) + 1);
    return assets.map((a) => 1 / counts.get(strata.get(a.id) ?? '')!);
  }

  /**
   * Loss weights that make every first tag count equally: each image's is the inverse of its
   * tag's frequency, scaled so the mean over `assets` is 1 (a tag with half the average number
   * of images weighs 2). All 1 when every image shares one tag (or none).
   */
  classWeights(assets: AssetRow[]): number[] {
    const inverse = this.oversamplingWeights(assets);
    const sum = inverse.reduce((a, b) => a + b, 0);
    return inverse.map((w) => (w * assets.length) / sum);
  }

  /** Each image's classes for a conditional model: the indices of its tags in a run's class list. */
  classIndexer(classNames: readonly string[]): (assetId: number) => number[] {
    const index = new Map(classNames.map((c, i) => [c, i]));
    const tags = classNames.length ? this.project.assets.tagsByAsset() : new Map<number, string[]>();
    return (id) => (tags.get(id) ?? []).map((t) => index.get(t)).filter((i): i is number => i !== undefined);
  }

  /** The images a training run uses: not excluded, and in the train split when splits exist. */
  trainingAssets(): AssetRow[] {
    return this.project.assets.all({ excluded: false }).filter((a) => a.split === null || a.split === 'train');
  }
}
