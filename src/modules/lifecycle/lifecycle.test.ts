import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LifecycleStage } from '../../db/tables/foundation.ts';
import { ALL_STAGES, checkTransition, currentStageFromHistory, FUNNEL_STAGES } from './lifecycle.ts';

// The allowed moves written out by hand, independently of checkTransition's rules.
const ALLOWED = new Set([
  'subscriber>lead',
  'subscriber>mql',
  'subscriber>sal',
  'subscriber>sql',
  'subscriber>opportunity',
  'subscriber>customer',
  'lead>mql',
  'lead>sal',
  'lead>sql',
  'lead>opportunity',
  'lead>customer',
  'mql>sal',
  'mql>sql',
  'mql>opportunity',
  'mql>customer',
  'sal>sql',
  'sal>opportunity',
  'sal>customer',
  'sql>opportunity',
  'sql>customer',
  'opportunity>customer',
  'subscriber>recycled',
  'lead>recycled',
  'mql>recycled',
  'sal>recycled',
  'sql>recycled',
  'opportunity>recycled',
  'subscriber>disqualified',
  'lead>disqualified',
  'mql>disqualified',
  'sal>disqualified',
  'sql>disqualified',
  'opportunity>disqualified',
  'recycled>lead',
  'recycled>mql',
]);

describe('lifecycle state machine', () => {
  it('allows exactly the hand-listed transitions (all 81 pairs)', () => {
    for (const from of ALL_STAGES) {
      for (const to of ALL_STAGES) {
        expect(checkTransition(from, to).allowed, `${from} -> ${to}`).toBe(ALLOWED.has(`${from}>${to}`));
      }
    }
  });

  it('names both stages when refusing', () => {
    const check = checkTransition('customer', 'mql');
    expect(check.allowed).toBe(false);
    if (!check.allowed) expect(check.reason).toMatch(/customer/);
  });

  it('lists skipped funnel stages as passed through', () => {
    expect(checkTransition('lead', 'sql')).toEqual({ allowed: true, passedThrough: ['mql', 'sal'] });
    expect(checkTransition('mql', 'sal')).toEqual({ allowed: true, passedThrough: [] });
  });

  it('never lets a walk of allowed moves leave customer or disqualified', () => {
    const stage = fc.constantFrom<LifecycleStage>(...ALL_STAGES);
    fc.assert(
      fc.property(fc.array(stage, { maxLength: 30 }), (targets) => {
        let current: LifecycleStage = 'lead';
        for (const target of targets) {
          const check = checkTransition(current, target);
          if (current === 'customer' || current === 'disqualified') expect(check.allowed).toBe(false);
          if (check.allowed) {
            // Forward funnel moves never go backwards.
            const fromIndex = FUNNEL_STAGES.indexOf(current as never);
            const toIndex = FUNNEL_STAGES.indexOf(target as never);
            if (fromIndex >= 0 && toIndex >= 0) expect(toIndex).toBeGreaterThan(fromIndex);
            current = target;
          }
        }
      }),
    );
  });
});

describe('currentStageFromHistory', () => {
  const d = (day: number) => new Date(Date.UTC(2026, 0, day));
  it('takes the furthest funnel stage', () => {
    expect(currentStageFromHistory({ lead: d(1), mql: d(2), sal: d(3) })).toBe('sal');
  });
  it('prefers a later recycle over the funnel stage', () => {
    expect(currentStageFromHistory({ lead: d(1), mql: d(2), recycled: d(5) })).toBe('recycled');
  });
  it('keeps a stage reached after a recycle', () => {
    expect(currentStageFromHistory({ lead: d(1), mql: d(6), recycled: d(5) })).toBe('mql');
  });
  it('is null without history', () => {
    expect(currentStageFromHistory({})).toBeNull();
  });
});
