import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-preload/api';
import type { AugmentationPolicyT } from '../../../src-preload/contract';
import { fakeTransport } from '../testing/fake-transport';
import { AugmentationDraft } from './augmentation.svelte';

const policy: AugmentationPolicyT = {
  hflip: 0.5,
  vflip: 0,
  rot90: false,
  rotate: 0,
  crop: 1,
  colourJitter: { brightness: 0, contrast: 0, saturation: 0, hue: 0 },
} as AugmentationPolicyT;

function setup() {
  let stored = structuredClone(policy);
  const fake = fakeTransport({
    'augmentation:get': () => structuredClone(stored),
    'augmentation:set': ({ policy: p }) => (stored = structuredClone(p)),
  });
  return { fake, draft: new AugmentationDraft(fake.api), stored: () => stored };
}

describe('AugmentationDraft', () => {
  it('keeps unsaved edits when the panel opens again for the same project', async () => {
    const { fake, draft } = setup();
    await draft.open('/p/one');
    expect(draft.dirty).toBe(false);
    draft.policy!.hflip = 0.8;
    draft.policy!.colourJitter.hue = 0.1;
    expect(draft.dirty).toBe(true);
    await draft.open('/p/one'); // back from another tab or view
    expect(draft.policy!.hflip).toBe(0.8);
    expect(draft.dirty).toBe(true);
    expect(fake.calls.filter((c) => c.name === 'augmentation:get')).toHaveLength(1);
  });

  it('saves, reverts, and starts over for another project', async () => {
    const { draft, stored } = setup();
    await draft.open('/p/one');
    draft.policy!.rotate = 12;
    expect(await draft.save()).toBe(true);
    expect(stored().rotate).toBe(12);
    expect(draft.dirty).toBe(false);
    draft.policy!.crop = 0.8;
    draft.revert();
    expect(draft.policy!.crop).toBe(1);
    draft.policy!.vflip = 0.3;
    draft.background = '#000000';
    await draft.open('/p/two');
    expect(draft.policy!.vflip).toBe(0);
    expect(draft.background).toBeNull();
  });

  it('says why the policy could not be loaded, and tries again on the next visit', async () => {
    const { fake, draft } = setup();
    fake.answer({
      'augmentation:get': () => {
        throw new ApiError('io', 'dataset.json cannot be read');
      },
    });
    await draft.open('/p/one');
    expect(draft.loadError).toMatch(/dataset.json cannot be read/);
    fake.answer({ 'augmentation:get': () => structuredClone(policy) });
    await draft.open('/p/one');
    expect(draft.loadError).toBeNull();
    expect(draft.policy).toEqual(policy);
  });
});
