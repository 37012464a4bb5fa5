import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { systemCaller } from '../auth/auth.ts';
import { runImport } from '../imports/imports.service.ts';

// The planner on maven-crm's real history (opportunities only: no leads, so no lead-stage
// rates), checked against a hand calculation read straight from sales_pipeline.csv.
const MAVEN = '../shared/data/maven-crm';
const FILES = ['sales_pipeline', 'products', 'accounts', 'sales_teams'].map((name) => ({
  path: `${MAVEN}/${name}.csv`,
}));
const WINDOW = { from: '2017-04-01', to: '2017-10-01' };
const REVENUE = 2_500_000;

interface Deal {
  stage: string;
  engage: string;
  close: string;
  value: number;
}

/** The file has no quoted cells, so a split per line reads it. */
function readPipeline(): Deal[] {
  const [header, ...lines] = readFileSync(`${MAVEN}/sales_pipeline.csv`, 'utf8').trim().split('\n');
  const columns = (header ?? '').trim().split(',');
  const at = (name: string) => columns.indexOf(name);
  return lines.map((line) => {
    const cells = line.trim().split(',');
    return {
      stage: cells[at('deal_stage')] ?? '',
      engage: cells[at('engage_date')] ?? '',
      close: cells[at('close_date')] ?? '',
      value: Number(cells[at('close_value')] || 0),
    };
  });
}

function days(from: string, to: string): number {
  return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

// The hand calculation: deals closed in the window, won over won + lost, the mean won value,
// then the ceil chain in integers (ceil(a / b) = floor((a + b - 1) / b)).
const closed = readPipeline().filter((deal) => deal.close >= WINDOW.from && deal.close < WINDOW.to);
const won = closed.filter((deal) => deal.stage === 'Won');
const lost = closed.filter((deal) => deal.stage === 'Lost');
const wonValue = won.reduce((sum, deal) => sum + deal.value, 0);
// deals = ceil(REVENUE / (wonValue / won)) = ceil(REVENUE * won / wonValue)
const deals = Math.floor((REVENUE * won.length + wonValue - 1) / wonValue);
// opportunities = ceil(deals / (won / (won + lost)))
const opportunities = Math.floor((deals * (won.length + lost.length) + won.length - 1) / won.length);
const cycle = medianOf(won.map((deal) => days(deal.engage, deal.close)));

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
  const summary = await runImport(ctx.database.db, systemCaller(ctx.workspaceId), {
    format: 'maven-crm',
    files: FILES,
  });
  expect(summary.rejected).toBe(0);
});
afterAll(async () => ctx?.close());

describe('planner on maven-crm history', () => {
  it('matches the hand calculation from sales_pipeline.csv', async () => {
    // The figures the hand calculation rests on (a wrong filter would change them).
    expect(won.length).toBeGreaterThan(1000);
    expect(lost.length).toBeGreaterThan(500);
    const response = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/plans',
      headers: ctx.admin.headers,
      payload: { revenue: REVENUE, period: '2026-Q3', history_from: WINDOW.from, history_to: WINDOW.to },
    });
    expect(response.statusCode).toBe(200);
    const plan = response.json();
    expect(plan.average_deal_size).toBeCloseTo(wonValue / won.length, 6);
    expect(plan.win_rate).toBeCloseTo(won.length / (won.length + lost.length), 12);
    expect(plan.rates.find((rate: { name: string }) => rate.name === 'win_rate')).toMatchObject({
      source: 'history',
      numerator: won.length,
      denominator: won.length + lost.length,
    });
    // No leads at all: every lead-stage rate is an assumed 1.0 pass-through, flagged.
    expect(plan.steps).toEqual([
      { stage: 'deals', count: deals, rate: null, rate_name: null },
      { stage: 'opportunities', count: opportunities, rate: plan.win_rate, rate_name: 'win_rate' },
      { stage: 'sqls', count: opportunities, rate: 1, rate_name: 'sql_to_opportunity' },
      { stage: 'sals', count: opportunities, rate: 1, rate_name: 'sal_to_sql' },
      { stage: 'mqls', count: opportunities, rate: 1, rate_name: 'mql_to_sal' },
      { stage: 'leads', count: opportunities, rate: 1, rate_name: 'lead_to_mql' },
    ]);
    const assumed = plan.assumptions.map((assumption: { field: string }) => assumption.field);
    for (const name of ['sql_to_opportunity', 'sal_to_sql', 'mql_to_sal', 'lead_to_mql']) {
      expect(assumed).toContain(`rates.${name}`);
    }
    expect(plan.sources).toMatchObject({
      history_from: WINDOW.from,
      history_to: WINDOW.to,
      leads_reached: 0,
      opportunities_closed: won.length + lost.length,
      won_deals: won.length,
    });
    // Time-phasing: the median won cycle, engage_date to close_date; no lead stages (0 days, flagged).
    expect(plan.phasing.stage_days).toEqual({ lead: 0, mql: 0, sal: 0, sql: 0, opportunity: cycle });
    expect(assumed).toContain('stage_days.lead');
    for (const step of plan.steps) {
      const total = plan.phasing.months.reduce(
        (sum: number, month: Record<string, number>) => sum + month[step.stage]!,
        0,
      );
      expect(total).toBe(step.count);
    }
  });
});
