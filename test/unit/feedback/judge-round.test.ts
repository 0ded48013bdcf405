// A feedback round's verdict: taste is not bought with collapse or with a much worse KID.
import { describe, expect, it } from 'vitest';
import type { RoundSideT } from '../../../src-preload/contract';
import { judgeRound } from '../../../src-main/feedback/service';

const side = (over: Partial<RoundSideT>): RoundSideT => ({
  checkpointId: 1,
  step: 100,
  generationIds: [1, 2, 3],
  predicted: 3,
  kid: 0.05,
  kidStderr: 0.004,
  collapse: false,
  ...over,
});

describe('judgeRound', () => {
  it('is better when the predicted rating rises and KID holds', () => {
    expect(judgeRound(side({}), side({ predicted: 3.4, kid: 0.052 }))).toMatchObject({ verdict: 'better' });
  });

  it('is worse when KID rises by more than a fifth and beyond two standard errors, whatever the taste says', () => {
    const r = judgeRound(side({}), side({ predicted: 4.5, kid: 0.08 }));
    expect(r.verdict).toBe('worse');
    expect(r.reason).toMatch(/KID rose from 0.0500 to 0.0800/);
    // A rise within the noise is not "worse".
    expect(judgeRound(side({ kidStderr: 0.02 }), side({ predicted: 3.5, kid: 0.08, kidStderr: 0.02 })).verdict).toBe('better');
  });

  it('is worse when the collapse alarm fires after the round and not before', () => {
    expect(judgeRound(side({}), side({ predicted: 4.8, collapse: true })).verdict).toBe('worse');
    expect(judgeRound(side({ collapse: true }), side({ predicted: 3.05, collapse: true })).verdict).toBe('no clear change');
  });

  it('says when nothing can be predicted or measured', () => {
    const r = judgeRound(side({ predicted: null, kid: null, kidStderr: null }), side({ predicted: null, kid: null, kidStderr: null }));
    expect(r).toEqual({ verdict: 'no clear change', reason: 'No preference model to predict ratings yet. KID could not be measured (no val split).' });
  });
});
