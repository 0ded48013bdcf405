import { describe, expect, it } from 'vitest';
import { RECOGNISABLE_STEPS, SHAPES_STEPS } from '../../../src-preload/contract';
import { doneSentence, earlyCheckpointSentence, earlyTag } from '../../../src-renderer/src/lib/training-words';

describe('what a run says about its checkpoint', () => {
  it('calls a 300-step checkpoint early, says to expect colour blobs, how to go on, and does not send the person to Generate as if it were ready', () => {
    const done = doneSentence(300);
    expect(done).toContain('early');
    expect(done).toContain('fine-tune from this checkpoint');
    expect(earlyCheckpointSentence(300)).toBe('Step 300 of a recommended ≈3,875: expect colour blobs; shapes appear around step 1,500.');
    expect(done).not.toContain('generate images with it');
    expect(earlyTag(300)).toBe('early: colour blobs');
  });

  it('names rough shapes between the two marks, and nothing early past the recognisable one', () => {
    expect(earlyCheckpointSentence(SHAPES_STEPS)).toContain('shapes in the right colours');
    expect(earlyTag(SHAPES_STEPS)).toBe('early: rough shapes');
    expect(earlyCheckpointSentence(RECOGNISABLE_STEPS)).toBeNull();
    expect(earlyTag(RECOGNISABLE_STEPS)).toBe('');
    expect(doneSentence(RECOGNISABLE_STEPS)).toBe('Done. Its last checkpoint is saved: generate images with it in Generate.');
  });
});
