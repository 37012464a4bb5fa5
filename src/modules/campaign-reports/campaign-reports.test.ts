import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocatedCost, costSpan, isMarketingSourced, per, roi } from './campaign-reports.ts';

const DAY = 86_400_000;
const TODAY = new Date('2026-06-15T12:00:00Z');

describe('campaign cost in a period', () => {
  it('spreads a campaign over its days, open ends filled from creation and today', () => {
    const base = { cost: 3100, created_at: new Date('2026-01-20T15:00:00Z') };
    const span = (start: string | null, end: string | null) =>
      costSpan({ ...base, start_date: start, end_date: end }, TODAY).map((day) =>
        new Date(day * DAY).toISOString().slice(0, 10),
      );
    expect(span('2026-01-01', '2026-01-31')).toEqual(['2026-01-01', '2026-01-31']);
    expect(span(null, null)).toEqual(['2026-01-20', '2026-06-15']);
    expect(span('2026-03-01', null)).toEqual(['2026-03-01', '2026-06-15']);
    expect(span(null, '2026-02-01')).toEqual(['2026-02-01', '2026-02-01']);
    const january = { ...base, start_date: '2026-01-01', end_date: '2026-01-31' };
    expect(
      allocatedCost(
        january,
        { from: new Date('2026-01-11T00:00:00Z'), to: new Date('2026-01-21T00:00:00Z') },
        TODAY,
      ),
    ).toBeCloseTo(1000, 9);
    expect(allocatedCost(january, { from: null, to: null }, TODAY)).toBe(3100);
    expect(allocatedCost(january, { from: new Date('2026-02-01T00:00:00Z'), to: null }, TODAY)).toBe(0);
  });

  it('adds up to the whole cost over periods that cover the campaign', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 120 }),
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (startOffset, length, cuts, cost) => {
          const startDay = Date.UTC(2025, 0, 1) / DAY + startOffset;
          const campaign = {
            cost,
            start_date: new Date(startDay * DAY).toISOString().slice(0, 10),
            end_date: new Date((startDay + length) * DAY).toISOString().slice(0, 10),
            created_at: new Date(startDay * DAY),
          };
          // Consecutive periods from well before to well after the campaign.
          let from = (startDay - 30) * DAY;
          let total = 0;
          for (const days of [...cuts, 1000]) {
            const to = from + days * DAY;
            total += allocatedCost(campaign, { from: new Date(from), to: new Date(to) }, TODAY);
            from = to;
          }
          expect(total).toBeCloseTo(cost, 6);
        },
      ),
    );
  });
});

describe('ratios', () => {
  it('divide only by something', () => {
    expect(per(1000, 4)).toBe(250);
    expect(per(1000, 0)).toBeNull();
    expect(roi(15000, 5000)).toBe(2);
    expect(roi(0, 3000)).toBe(-1);
    expect(roi(100, 0)).toBeNull();
  });
});

describe('marketing-sourced', () => {
  it("takes the deal's source, else its lead's first-touch channel, and leaves sales sources out", () => {
    expect(isMarketingSourced('Paid Search', null)).toBe(true);
    expect(isMarketingSourced('outbound', 'paid_search')).toBe(false);
    expect(isMarketingSourced('Cold-Call', null)).toBe(false);
    expect(isMarketingSourced('SDR_prospecting', null)).toBe(false);
    expect(isMarketingSourced(null, 'webinar')).toBe(true);
    expect(isMarketingSourced('  ', 'expansion')).toBe(false);
    expect(isMarketingSourced(null, null)).toBe(false);
  });
});
