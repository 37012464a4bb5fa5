import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { systemCaller } from '../auth/auth.ts';
import { runImport } from '../imports/imports.service.ts';

// The funnel on the real Olist marketing funnel, against figures read straight from the
// CSVs (neither file has quoted cells, so a split per line reads them).
const OLIST = '../shared/data/olist';
const MQLS = `${OLIST}/olist_marketing_qualified_leads_dataset.csv`;
const DEALS = `${OLIST}/olist_closed_deals_dataset.csv`;

function read(path: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const columns = (header ?? '').trim().split(',');
  return lines.map((line) => {
    const cells = line.replace(/\r$/, '').split(',');
    return Object.fromEntries(columns.map((name, index) => [name, cells[index] ?? '']));
  });
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

// By origin: MQLs, those won, and days from first contact to the won date (a deal won
// before its first contact counts as won on the first contact day, as the importer moves it).
const mqls = read(MQLS);
const wonDate = new Map(read(DEALS).map((deal) => [deal.mql_id, deal.won_date]));
const expected = new Map<string, { mqls: number; won: number; days: number[] }>();
for (const mql of mqls) {
  const origin = mql.origin ?? '';
  const entry = expected.get(origin) ?? { mqls: 0, won: 0, days: [] };
  entry.mqls += 1;
  const won = wonDate.get(mql.mql_id ?? '');
  if (won) {
    entry.won += 1;
    const start = Date.parse(`${mql.first_contact_date}T00:00:00Z`);
    const end = Date.parse(`${won.replace(' ', 'T')}Z`);
    entry.days.push(Math.max(0, end - start) / 86_400_000);
  }
  expected.set(origin, entry);
}

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
  const summary = await runImport(ctx.database.db, systemCaller(ctx.workspaceId), {
    format: 'olist',
    files: [{ path: MQLS }, { path: DEALS }],
  });
  expect(summary.rejected).toBe(0);
});
afterAll(async () => ctx?.close());

describe('funnel on the Olist dataset', () => {
  it('gives the MQL -> won conversion and the days to close by origin', async () => {
    expect(mqls).toHaveLength(8000);
    expect([...expected.values()].reduce((sum, entry) => sum + entry.won, 0)).toBe(842);
    const response = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/reports/funnel?view=cohort&from=2017-01-01&to=2019-01-01&by=source',
      headers: ctx.admin.headers,
    });
    expect(response.statusCode).toBe(200);
    const report = response.json();
    const total = Object.fromEntries(
      report.total.stages.map((stage: { stage: string; count: number }) => [stage.stage, stage.count]),
    );
    expect(total.mql).toBe(8000);
    expect(total.customer).toBe(842);
    expect(report.groups).toHaveLength(expected.size);
    for (const [origin, figures] of expected) {
      const group = report.groups.find(
        (g: { key: string | null }) => g.key === (origin === '' ? null : origin),
      );
      expect(group, `origin ${origin}`).toBeDefined();
      const mql = group.stages.find((stage: { stage: string }) => stage.stage === 'mql');
      const customer = group.stages.find((stage: { stage: string }) => stage.stage === 'customer');
      expect(mql.count, origin).toBe(figures.mqls);
      expect(customer.count, origin).toBe(figures.won);
      if (figures.won > 0) {
        expect(mql.conversion_to_customer, origin).toBeCloseTo(figures.won / figures.mqls, 12);
        // Won leads pass sal, sql and opportunity on their won date, so the days an MQL
        // spends before its next stage are the days to close.
        expect(mql.median_days, origin).toBeCloseTo(medianOf(figures.days), 6);
      } else {
        expect(mql.conversion_to_customer, origin).toBe(0);
      }
    }
  });
});
