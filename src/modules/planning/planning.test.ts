import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addMonths,
  monthRange,
  parsePeriod,
  periodContaining,
  periodMonths,
  previousPeriod,
  weekStart,
} from './periods.ts';
import {
  apportion,
  ceilCount,
  channelPlan,
  countsOf,
  cumulativeLags,
  exactStageMonths,
  PLAN_STAGES,
  type PlanRates,
  pace,
  phasePlan,
  plannedToDate,
  reverseWaterfall,
  splitVolumes,
  weeklyPacing,
} from './planning.ts';

// Realistic ranges: counts stay far below 2^53, where integer arithmetic stays exact.
const rate = fc.double({ min: 0.05, max: 1, noNaN: true });
const rates = fc.record<PlanRates>({
  win_rate: rate,
  sql_to_opportunity: rate,
  sal_to_sql: rate,
  mql_to_sal: rate,
  lead_to_mql: rate,
});
const revenue = fc.double({ min: 1, max: 1e8, noNaN: true });
const dealSize = fc.double({ min: 1000, max: 1e7, noNaN: true });

describe('periods', () => {
  it('parses years, quarters and months into half-open date ranges', () => {
    expect(parsePeriod('2026-Q3')).toEqual({
      key: '2026-Q3',
      kind: 'quarter',
      start: '2026-07-01',
      end: '2026-10-01',
    });
    expect(parsePeriod('2026-12')).toEqual({
      key: '2026-12',
      kind: 'month',
      start: '2026-12-01',
      end: '2027-01-01',
    });
    expect(parsePeriod('2026')).toEqual({
      key: '2026',
      kind: 'year',
      start: '2026-01-01',
      end: '2027-01-01',
    });
    expect(periodMonths(parsePeriod('2026-Q4'))).toEqual(['2026-10', '2026-11', '2026-12']);
    expect(periodMonths(parsePeriod('2026'))).toHaveLength(12);
  });

  it('names the field when a period is not one', () => {
    expect(() => parsePeriod('2026-Q5', 'goal.period')).toThrow(/goal.period: "2026-Q5" is not a period/);
    expect(() => parsePeriod('2026-13')).toThrow(/period/);
  });

  it('finds the previous period across year boundaries', () => {
    expect(previousPeriod(parsePeriod('2026-Q1')).key).toBe('2025-Q4');
    expect(previousPeriod(parsePeriod('2026-01')).key).toBe('2025-12');
    expect(previousPeriod(parsePeriod('2026')).key).toBe('2025');
    expect(periodContaining(new Date('2026-08-15T10:00:00Z'), 'quarter').key).toBe('2026-Q3');
  });

  it('adds months clamping to the last day', () => {
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-28');
    expect(addMonths('2026-07-01', -12)).toBe('2025-07-01');
    expect(monthRange('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
  });

  it('starts ISO weeks on Monday', () => {
    expect(weekStart(new Date('2026-07-01T12:00:00Z')).toISOString()).toBe('2026-06-29T00:00:00.000Z');
    expect(weekStart(new Date('2026-06-29T00:00:00Z')).toISOString()).toBe('2026-06-29T00:00:00.000Z');
    expect(weekStart(new Date('2026-07-05T23:59:59Z')).toISOString()).toBe('2026-06-29T00:00:00.000Z');
  });
});

describe('reverse waterfall', () => {
  it('matches a hand calculation', () => {
    // 1,000,000 / 25,000 = 40 deals; 40 / 0.25 = 160 opportunities; 160 / 0.6 = 266.67 -> 267 SQLs;
    // 267 / 0.7 = 381.43 -> 382 SALs; 382 / 0.8 = 477.5 -> 478 MQLs; 478 / 0.1 = 4,780 leads.
    const steps = reverseWaterfall(1_000_000, 25_000, {
      win_rate: 0.25,
      sql_to_opportunity: 0.6,
      sal_to_sql: 0.7,
      mql_to_sal: 0.8,
      lead_to_mql: 0.1,
    });
    expect(steps).toEqual([
      { stage: 'deals', count: 40, rate: null, rate_name: null },
      { stage: 'opportunities', count: 160, rate: 0.25, rate_name: 'win_rate' },
      { stage: 'sqls', count: 267, rate: 0.6, rate_name: 'sql_to_opportunity' },
      { stage: 'sals', count: 382, rate: 0.7, rate_name: 'sal_to_sql' },
      { stage: 'mqls', count: 478, rate: 0.8, rate_name: 'mql_to_sal' },
      { stage: 'leads', count: 4780, rate: 0.1, rate_name: 'lead_to_mql' },
    ]);
  });

  it('does not round floating-point noise up', () => {
    expect(21 / 0.7).toBeGreaterThan(30);
    expect(ceilCount(21 / 0.7)).toBe(30);
    expect(ceilCount(100.2)).toBe(101);
  });

  it('rounds each step up minimally from the previous rounded count', () => {
    fc.assert(
      fc.property(revenue, dealSize, rates, (goal, size, given) => {
        const steps = reverseWaterfall(goal, size, given);
        expect(steps.map((step) => step.stage)).toEqual([...PLAN_STAGES]);
        const deals = steps[0]!.count;
        expect(deals * size).toBeGreaterThanOrEqual(goal * (1 - 1e-9));
        expect((deals - 1) * size).toBeLessThan(goal);
        for (let i = 1; i < steps.length; i++) {
          const step = steps[i]!;
          const previous = steps[i - 1]!.count;
          expect(step.rate).toBe(given[step.rate_name!]);
          expect(step.count * step.rate!).toBeGreaterThanOrEqual(previous * (1 - 1e-9));
          expect((step.count - 1) * step.rate!).toBeLessThan(previous);
          expect(step.count).toBeGreaterThanOrEqual(previous);
        }
      }),
    );
  });

  it('round-trips: running the leads forward at the same rates reaches the goal', () => {
    fc.assert(
      fc.property(revenue, dealSize, rates, (goal, size, given) => {
        const counts = countsOf(reverseWaterfall(goal, size, given));
        const forward =
          counts.leads *
          given.lead_to_mql *
          given.mql_to_sal *
          given.sal_to_sql *
          given.sql_to_opportunity *
          given.win_rate *
          size;
        expect(forward).toBeGreaterThanOrEqual(goal * (1 - 1e-6));
      }),
    );
  });

  it('never plans less for a bigger goal', () => {
    fc.assert(
      fc.property(revenue, revenue, dealSize, rates, (a, b, size, given) => {
        const small = countsOf(reverseWaterfall(Math.min(a, b), size, given));
        const big = countsOf(reverseWaterfall(Math.max(a, b), size, given));
        for (const stage of PLAN_STAGES) expect(big[stage]).toBeGreaterThanOrEqual(small[stage]);
      }),
    );
  });

  it('refuses rates outside (0, 1] naming the rate', () => {
    const ok = { win_rate: 0.2, sql_to_opportunity: 1, sal_to_sql: 1, mql_to_sal: 1, lead_to_mql: 1 };
    expect(() => reverseWaterfall(1000, 10, { ...ok, win_rate: 0 })).toThrow(/rates.win_rate/);
    expect(() => reverseWaterfall(1000, 10, { ...ok, lead_to_mql: 1.5 })).toThrow(/rates.lead_to_mql/);
    expect(() => reverseWaterfall(1000, 0, ok)).toThrow(/average_deal_size/);
  });
});

describe('marketing / sales split and channels', () => {
  it('splits each stage so the parts add up, marketing rounded up', () => {
    fc.assert(
      fc.property(
        revenue,
        dealSize,
        rates,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (goal, size, given, share) => {
          const counts = countsOf(reverseWaterfall(goal, size, given));
          const { marketing, sales } = splitVolumes(counts, share);
          for (const stage of PLAN_STAGES) {
            expect(marketing[stage] + sales[stage]).toBe(counts[stage]);
            expect(marketing[stage]).toBeGreaterThanOrEqual(counts[stage] * share - 1e-6);
            expect(marketing[stage] - 1).toBeLessThan(counts[stage] * share);
            expect(sales[stage]).toBeGreaterThanOrEqual(0);
          }
        },
      ),
    );
    expect(splitVolumes(countsOf(reverseWaterfall(100, 1, allOnes())), 0.45).marketing.deals).toBe(45);
  });

  it('apportions with the largest remainder and keeps the total', () => {
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(7, [0.5, 0.3, 0.2])).toEqual([4, 2, 1]);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { minLength: 1, maxLength: 30 }),
        (total, weights) => {
          const parts = apportion(total, weights);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          const sum = weights.reduce((a, b) => a + b, 0);
          parts.forEach((part, index) => {
            const exact = sum > 0 ? (weights[index]! * total) / sum : total / weights.length;
            expect(Math.abs(part - exact)).toBeLessThan(1 + 1e-6);
          });
        },
      ),
    );
  });

  it('budgets each channel at its cost per lead', () => {
    const plan = channelPlan(1000, [
      { channel: 'paid_search', share: 0.5, cost_per_lead: 80 },
      { channel: 'webinar', share: 0.3, cost_per_lead: 45.5 },
      { channel: 'content', share: 0.2, cost_per_lead: 12 },
    ]);
    expect(plan.channels.map((c) => [c.channel, c.leads, c.budget])).toEqual([
      ['paid_search', 500, 40000],
      ['webinar', 300, 13650],
      ['content', 200, 2400],
    ]);
    expect(plan.marketing_budget).toBe(56050);
    expect(() => channelPlan(10, [{ channel: 'a', share: 0.5, cost_per_lead: 1 }])).toThrow(/program_mix/);
  });
});

function allOnes(): PlanRates {
  return { win_rate: 1, sql_to_opportunity: 1, sal_to_sql: 1, mql_to_sal: 1, lead_to_mql: 1 };
}

describe('time phasing', () => {
  const quarter = periodMonths(parsePeriod('2026-Q3'));

  it('adds up the lags from the deal back to the lead', () => {
    expect(cumulativeLags({ lead: 10, mql: 2, sal: 5, sql: 3, opportunity: 60 })).toEqual({
      deals: 0,
      opportunities: 60,
      sqls: 63,
      sals: 68,
      mqls: 70,
      leads: 80,
    });
  });

  it('spreads deals evenly and shifts earlier stages back by their lag (hand calculation)', () => {
    // 10 deals over Jul-Sep: 3.33 each -> 4, 3, 3 (the remainder goes to the earliest month).
    // Opportunities (lag 31 days, 12 of them, 4 per period month): July's 4 happen
    // 31 days earlier = 31 May..30 Jun: 1/31 in May, 30/31 in June; August's 4 happen 1 Jul..31 Jul;
    // September's 4 happen 1 Aug..30 Aug. So May 0.129, Jun 3.871, Jul 4, Aug 4 -> 0, 4, 4, 4.
    const rows = phasePlan(
      quarter,
      { deals: 10, opportunities: 12, sqls: 12, sals: 12, mqls: 12, leads: 12 },
      { deals: 0, opportunities: 31, sqls: 31, sals: 31, mqls: 31, leads: 31 },
    );
    expect(rows.map((row) => row.month)).toEqual(['2026-05', '2026-06', '2026-07', '2026-08', '2026-09']);
    expect(rows.map((row) => row.deals)).toEqual([0, 0, 4, 3, 3]);
    expect(rows.map((row) => row.opportunities)).toEqual([0, 4, 4, 4, 0]);
    const exact = exactStageMonths(quarter, 12, 31);
    expect(exact.get('2026-05')).toBeCloseTo(4 / 31, 9);
    expect(exact.get('2026-06')).toBeCloseTo((4 * 30) / 31, 9);
  });

  it('keeps every stage total, never plans after the period, deals only inside it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('2026-Q1', '2026-Q3', '2026-02', '2027', '2025-12'),
        fc.record({
          lead: fc.double({ min: 0, max: 120, noNaN: true }),
          mql: fc.double({ min: 0, max: 30, noNaN: true }),
          sal: fc.double({ min: 0, max: 30, noNaN: true }),
          sql: fc.double({ min: 0, max: 60, noNaN: true }),
          opportunity: fc.double({ min: 0, max: 200, noNaN: true }),
        }),
        fc.integer({ min: 0, max: 5000 }),
        (key, days, deals) => {
          const period = parsePeriod(key);
          const months = periodMonths(period);
          const counts = countsOf(
            reverseWaterfall(deals + 1, 1, { ...allOnes(), win_rate: 0.3, lead_to_mql: 0.1 }),
          );
          const lags = cumulativeLags(days);
          const rows = phasePlan(months, counts, lags);
          expect(rows[rows.length - 1]!.month).toBe(months[months.length - 1]);
          for (const stage of PLAN_STAGES) {
            expect(rows.reduce((sum, row) => sum + row[stage], 0)).toBe(counts[stage]);
          }
          for (const row of rows) if (!months.includes(row.month)) expect(row.deals).toBe(0);
          // Nothing for a stage is planned before (period start - lag) or in a month
          // entirely after (period end - lag).
          for (const stage of PLAN_STAGES) {
            const earliest = new Date(new Date(period.start).getTime() - lags[stage] * 86_400_000 - 1);
            const latest = new Date(new Date(period.end).getTime() - lags[stage] * 86_400_000);
            for (const row of rows) {
              if (row[stage] === 0) continue;
              expect(`${row.month}-31` >= earliest.toISOString().slice(0, 10)).toBe(true);
              expect(
                `${row.month}-01` < latest.toISOString().slice(0, 10) ||
                  row.month === latest.toISOString().slice(0, 7),
              ).toBe(true);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('plan vs actual pacing', () => {
  const months = [
    { month: '2026-07', count: 31 },
    { month: '2026-08', count: 62 },
  ];

  it('prorates the plan within a month', () => {
    expect(plannedToDate(months, new Date('2026-07-01T00:00:00Z'))).toBe(0);
    expect(plannedToDate(months, new Date('2026-07-11T00:00:00Z'))).toBeCloseTo(10, 9);
    expect(plannedToDate(months, new Date('2026-08-02T00:00:00Z'))).toBeCloseTo(33, 9);
    expect(plannedToDate(months, new Date('2027-01-01T00:00:00Z'))).toBe(93);
  });

  it('forecasts the plan total scaled by pacing', () => {
    expect(pace(15, 10, 93)).toEqual({ pacing: 1.5, forecast: 139.5 });
    expect(pace(0, 0, 93)).toEqual({ pacing: null, forecast: 93 });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.double({ min: 0.1, max: 1000, noNaN: true }),
        fc.double({ min: 0, max: 1000, noNaN: true }),
        (actual, due, extra) => {
          const { pacing, forecast } = pace(actual, due, due + extra);
          expect(forecast).toBeCloseTo(pacing! * (due + extra), 6);
        },
      ),
    );
  });

  it('builds ISO weeks clipped to the window, actuals only up to as_of', () => {
    const actual = new Map([
      ['2026-06-29', 4],
      ['2026-07-06', 10],
      ['2026-07-13', 3],
    ]);
    const weeks = weeklyPacing(
      months,
      actual,
      { start: new Date('2026-07-01T00:00:00Z'), end: new Date('2026-09-01T00:00:00Z') },
      new Date('2026-07-15T00:00:00Z'),
    );
    expect(weeks[0]).toMatchObject({ week_start: '2026-06-29', actual: 4, actual_to_date: 4 });
    // 1-6 July: 5 days of July's 31 planned.
    expect(weeks[0]!.planned).toBeCloseTo(5, 9);
    expect(weeks[1]).toMatchObject({ week_start: '2026-07-06', actual: 10, actual_to_date: 14 });
    expect(weeks[1]!.planned_to_date).toBeCloseTo(12, 9);
    // The current week is measured up to as_of (15 July 00:00 -> 14 days of plan due).
    expect(weeks[2]).toMatchObject({ week_start: '2026-07-13', actual: 3, actual_to_date: 17 });
    expect(weeks[2]!.planned_to_date).toBeCloseTo(14, 9);
    expect(weeks[2]!.pacing).toBeCloseTo(17 / 14, 9);
    expect(weeks[2]!.forecast).toBeCloseTo((17 / 14) * 93, 6);
    expect(weeks[3]).toMatchObject({ week_start: '2026-07-20', actual: null, pacing: null });
    expect(weeks[weeks.length - 1]!.week_start).toBe('2026-08-31');
    expect(weeks.reduce((sum, week) => sum + week.planned, 0)).toBeCloseTo(93, 9);
  });
});
