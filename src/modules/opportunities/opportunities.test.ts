import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LifecycleStage, OpportunityStatus } from '../../db/tables/foundation.ts';
import { ALL_STAGES, checkTransition } from '../lifecycle/lifecycle.ts';
import { leadStagesToReach, type OpportunityClosing, resolveClosing } from './opportunities.ts';

const NOW = new Date('2026-06-01T12:00:00Z');
const statuses: OpportunityStatus[] = ['open', 'won', 'lost'];
const moment = fc
  .integer({ min: 0, max: 400 })
  .map((day) => new Date(Date.UTC(2025, 0, 1) + day * 86_400_000));

const current = fc
  .record({
    status: fc.constantFrom(...statuses),
    stage: fc.constantFrom('Discovery', 'open', 'won', 'lost'),
    created_at: moment,
    closedOffset: fc.integer({ min: 0, max: 90 }),
    reason: fc.option(fc.constantFrom('price', 'fit'), { nil: null }),
  })
  .map(
    (entry): OpportunityClosing => ({
      status: entry.status,
      stage: entry.stage,
      created_at: entry.created_at,
      closed_at:
        entry.status === 'open'
          ? null
          : new Date(entry.created_at.getTime() + entry.closedOffset * 86_400_000),
      reason: entry.status === 'lost' ? (entry.reason ?? 'price') : entry.reason,
    }),
  );

const change = fc.record(
  {
    status: fc.constantFrom(...statuses),
    stage: fc.constantFrom('Negotiation', 'Closed'),
    closed_at: fc.option(moment, { nil: null }),
    reason: fc.option(fc.constantFrom('budget', 'champion left'), { nil: null }),
  },
  { requiredKeys: [] },
);

describe('closing rules', () => {
  it('every accepted result is consistent: closed deals have closed_at not before created_at, open ones none, lost ones a reason', () => {
    fc.assert(
      fc.property(fc.option(current, { nil: null }), change, (before, requested) => {
        const { closing, issues } = resolveClosing(before, requested, NOW);
        if (issues.length > 0) return;
        if (closing.status === 'open') {
          expect(closing.closed_at).toBeNull();
        } else {
          expect(closing.closed_at).not.toBeNull();
          expect((closing.closed_at as Date).getTime()).toBeGreaterThanOrEqual(closing.created_at.getTime());
        }
        if (closing.status === 'lost' && before?.status !== 'lost') expect(closing.reason).toBeTruthy();
      }),
    );
  });

  it('closing keeps an existing closed_at, defaults to now, and reopening clears closed_at and reason', () => {
    const open: OpportunityClosing = {
      status: 'open',
      stage: 'Discovery',
      created_at: new Date('2026-01-01T00:00:00Z'),
      closed_at: null,
      reason: null,
    };
    const won = resolveClosing(open, { status: 'won' }, NOW);
    expect(won.issues).toEqual([]);
    expect(won.closing).toEqual({ ...open, status: 'won', stage: 'won', closed_at: NOW });
    const lostLater = resolveClosing(
      won.closing,
      { status: 'lost', reason: 'budget' },
      new Date('2026-07-01T00:00:00Z'),
    );
    expect(lostLater.closing.closed_at).toEqual(NOW);
    const reopened = resolveClosing(lostLater.closing, { status: 'open' }, NOW);
    expect(reopened.closing).toEqual({ ...open, stage: 'open' });
  });

  it('names the field at fault', () => {
    const created = new Date('2026-03-01T00:00:00Z');
    const base: OpportunityClosing = {
      status: 'open',
      stage: 'x',
      created_at: created,
      closed_at: null,
      reason: null,
    };
    expect(resolveClosing(base, { status: 'lost' }, NOW).issues.map((issue) => issue.path)).toEqual([
      'reason',
    ]);
    expect(
      resolveClosing(base, { status: 'won', closed_at: new Date('2026-02-01T00:00:00Z') }, NOW).issues.map(
        (issue) => issue.path,
      ),
    ).toEqual(['closed_at']);
    expect(resolveClosing(base, { closed_at: NOW }, NOW).issues.map((issue) => issue.path)).toEqual([
      'closed_at',
    ]);
    expect(
      resolveClosing(base, { status: 'won', closed_at: null }, NOW).issues.map((issue) => issue.path),
    ).toEqual(['closed_at']);
    const won: OpportunityClosing = { ...base, status: 'won', closed_at: new Date('2026-03-10T00:00:00Z') };
    expect(
      resolveClosing(won, { created_at: new Date('2026-04-01T00:00:00Z') }, NOW).issues.map(
        (issue) => issue.path,
      ),
    ).toEqual(['created_at']);
    // An old lost deal without a reason can still be edited in other ways.
    const legacyLost: OpportunityClosing = { ...won, status: 'lost', reason: null };
    expect(resolveClosing(legacyLost, { stage: 'Closed Lost' }, NOW).issues).toEqual([]);
  });
});

describe('where a deal moves its primary lead', () => {
  it('only along moves the lifecycle state machine allows, ending at opportunity or customer', () => {
    for (const stage of ALL_STAGES) {
      for (const status of statuses) {
        const path = leadStagesToReach(stage, status);
        let from: LifecycleStage = stage;
        for (const to of path) {
          expect(checkTransition(from, to).allowed).toBe(true);
          from = to;
        }
        if (path.length > 0) expect(from).toBe(status === 'won' ? 'customer' : 'opportunity');
      }
    }
  });

  it('written out by hand', () => {
    expect(leadStagesToReach('sql', 'open')).toEqual(['opportunity']);
    expect(leadStagesToReach('lead', 'won')).toEqual(['opportunity', 'customer']);
    expect(leadStagesToReach('opportunity', 'won')).toEqual(['customer']);
    expect(leadStagesToReach('opportunity', 'lost')).toEqual([]);
    expect(leadStagesToReach('customer', 'won')).toEqual([]);
    expect(leadStagesToReach('recycled', 'won')).toEqual([]);
    expect(leadStagesToReach('disqualified', 'open')).toEqual([]);
  });
});
