import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ANY_INFLUENCE,
  formatUnits,
  leadContributions,
  NO_STATE,
  type OpportunitySnapshot,
  opportunityContributions,
  positionsFromCounts,
  RollupDeltas,
  splitPeriod,
  UNATTRIBUTED,
} from './journeys.ts';

const DAY = 86_400_000;

describe('splitPeriod', () => {
  it('reads whole months from the rollup and the ragged ends from snapshots', () => {
    const at = (iso: string) => new Date(iso);
    expect(splitPeriod(null, null)).toEqual({ months: { from: null, to: null }, edges: [] });
    expect(splitPeriod(at('2026-01-01T00:00:00Z'), at('2026-04-01T00:00:00Z'))).toEqual({
      months: { from: '2026-01-01', to: '2026-04-01' },
      edges: [],
    });
    expect(splitPeriod(at('2026-01-15T00:00:00Z'), at('2026-03-10T00:00:00Z'))).toEqual({
      months: { from: '2026-02-01', to: '2026-03-01' },
      edges: [
        { from: Date.parse('2026-01-15T00:00:00Z'), to: Date.parse('2026-02-01T00:00:00Z') },
        { from: Date.parse('2026-03-01T00:00:00Z'), to: Date.parse('2026-03-10T00:00:00Z') },
      ],
    });
    expect(splitPeriod(at('2026-01-15T00:00:00Z'), at('2026-01-20T00:00:00Z'))).toEqual({
      months: null,
      edges: [{ from: Date.parse('2026-01-15T00:00:00Z'), to: Date.parse('2026-01-20T00:00:00Z') }],
    });
  });

  it('covers exactly the moments of the period, once', () => {
    const moment = fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2027, 0, 1) });
    fc.assert(
      fc.property(
        fc.option(moment),
        fc.option(moment),
        fc.array(moment, { minLength: 20, maxLength: 20 }),
        (from, to, probes) => {
          fc.pre(from === null || to === null || from < to);
          const split = splitPeriod(from === null ? null : new Date(from), to === null ? null : new Date(to));
          for (const probe of probes) {
            const inside = (from === null || probe >= from) && (to === null || probe < to);
            const month = new Date(probe).toISOString().slice(0, 7);
            const inMonths =
              split.months !== null &&
              (split.months.from === null || month >= split.months.from.slice(0, 7)) &&
              (split.months.to === null || month < split.months.to.slice(0, 7));
            const inEdges = split.edges.filter((edge) => probe >= edge.from && probe < edge.to).length;
            expect(Number(inMonths) + inEdges).toBe(inside ? 1 : 0);
          }
        },
      ),
    );
  });
});

describe('contributions', () => {
  const deal = (overrides: Partial<OpportunitySnapshot> = {}): OpportunitySnapshot => ({
    opportunityId: 1,
    status: 'won',
    createdAt: Date.UTC(2026, 1, 10),
    closedAt: Date.UTC(2026, 2, 1),
    amount: 1000.01,
    sourcingCampaign: '7',
    sourcingChannel: 'email',
    channels: ['email', 'webinar', 'email', 'direct'],
    campaigns: ['7', '8', '7', NO_STATE],
    types: ['email_click', 'webinar', 'email_click', 'content_download'],
    contents: ['', '', '', 'Guide'],
    times: [0, 1, 2, 3].map((day) => Date.UTC(2026, 1, 1) + day * DAY),
    touchesAtLeadCreation: 1,
    touchesAtCreation: 3,
    touchesAtClose: 4,
    ...overrides,
  });

  it('split each deal into exactly one deal and its amount under every model', () => {
    const rows = opportunityContributions(deal());
    for (const kind of ['credit_won', 'credit_pipeline']) {
      for (const dimension of ['channel', 'campaign']) {
        const byModel = new Map<string, { deals: number; amount: number }>();
        for (const row of rows.filter((r) => r.kind === kind && r.dimension === dimension)) {
          const entry = byModel.get(row.variant) ?? { deals: 0, amount: 0 };
          entry.deals += row.deals;
          entry.amount += row.amount;
          byModel.set(row.variant, entry);
        }
        expect(byModel.size).toBe(7);
        for (const entry of byModel.values()) expect(entry).toEqual({ deals: 1_000_000, amount: 10_000_100 });
      }
    }
    // The pipeline journey stops at the creation: the direct touch came after.
    const pipelineKeys = new Set(
      rows.filter((r) => r.kind === 'credit_pipeline' && r.dimension === 'channel').map((r) => r.key),
    );
    expect(pipelineKeys).toEqual(new Set(['email', 'webinar']));
    const influenced = rows
      .filter((r) => r.kind === 'influenced_opportunities' && r.dimension === 'campaign')
      .map((r) => r.key);
    expect(influenced.sort()).toEqual([ANY_INFLUENCE, '7', '8'].sort());
    const content = rows.filter((r) => r.kind === 'presence' && r.dimension === 'content');
    expect(content).toEqual([
      expect.objectContaining({ key: 'Guide', variant: 'won', at: Date.UTC(2026, 2, 1) }),
    ]);
  });

  it('credit a deal without touches to nobody, and an open deal only for its creation', () => {
    const bare = opportunityContributions(
      deal({
        channels: [],
        campaigns: [],
        types: [],
        contents: [],
        times: [],
        touchesAtLeadCreation: 0,
        touchesAtCreation: 0,
        touchesAtClose: 0,
      }),
    );
    expect(new Set(bare.filter((r) => r.kind.startsWith('credit')).map((r) => r.key))).toEqual(
      new Set([UNATTRIBUTED]),
    );
    expect(bare.some((r) => r.kind === 'transition')).toBe(false);
    const open = opportunityContributions(deal({ status: 'open', closedAt: null, touchesAtClose: null }));
    expect(
      open.some((r) => r.kind === 'credit_won' || r.kind === 'presence' || r.kind === 'sourced_won'),
    ).toBe(false);
  });

  it("give a lead's journey Markov moves only when the lead converted nowhere", () => {
    const lead = {
      leadId: 1,
      createdAt: Date.UTC(2026, 0, 5),
      mqlAt: Date.UTC(2026, 0, 9),
      sqlAt: null,
      sourcingCampaign: NO_STATE,
      sourcingChannel: 'web',
      inOpportunity: false,
      inWonOpportunity: false,
      channelPath: ['a', 'a', 'b'],
      campaignPath: [NO_STATE, NO_STATE, NO_STATE],
    };
    const moves = leadContributions(lead).filter((r) => r.kind === 'transition' && r.dimension === 'channel');
    expect(moves.map((r) => [r.variant, r.key, r.deals])).toEqual([
      ['lead_none', '\u001fa', 1_000_000],
      ['lead_none', 'a\u001fa', 1_000_000],
      ['lead_none', 'a\u001fb', 1_000_000],
      ['lead_none', 'b\u001f', 1_000_000],
    ]);
    expect(
      leadContributions({ ...lead, inOpportunity: true }).filter((r) => r.kind === 'transition')[0]?.variant,
    ).toBe('lead_open');
    expect(
      leadContributions({ ...lead, inOpportunity: true, inWonOpportunity: true }).some(
        (r) => r.kind === 'transition',
      ),
    ).toBe(false);
    expect(
      leadContributions(lead)
        .filter((r) => r.kind === 'sourced_mqls')
        .map((r) => r.at),
    ).toEqual([lead.mqlAt, lead.mqlAt]);
  });

  it('cancel out when taken away again', () => {
    const deltas = new RollupDeltas();
    deltas.add(opportunityContributions(deal()), 1);
    expect(deltas.changes().length).toBeGreaterThan(0);
    deltas.add(opportunityContributions(deal()), -1);
    expect(deltas.changes()).toEqual([]);
  });
});

describe('helpers', () => {
  it('write whole units as exact decimals', () => {
    expect(formatUnits(123400, 4)).toBe('12.3400');
    expect(formatUnits(-5, 6)).toBe('-0.000005');
    expect(formatUnits(0, 4)).toBe('0.0000');
  });

  it('place positions inside the journey', () => {
    expect(positionsFromCounts(3, 0, 0)).toEqual({ leadIndex: 0, opportunityIndex: 0 });
    expect(positionsFromCounts(3, 2, 5)).toEqual({ leadIndex: 1, opportunityIndex: 2 });
    expect(positionsFromCounts(4, 3, 1)).toEqual({ leadIndex: 2, opportunityIndex: 2 });
  });
});
