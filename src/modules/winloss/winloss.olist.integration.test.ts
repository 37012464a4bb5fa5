import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { systemCaller } from '../auth/auth.ts';
import { runImport } from '../imports/imports.service.ts';

/**
 * Done-when: Olist conversion from MQL to won and days to close, by origin, against figures
 * computed here from the two files: every MQL row is a lead that reached MQL on its
 * first_contact_date, every closed deal a won deal on its won_date; days to close are
 * won_date - first_contact_date (both read as UTC).
 */

const DIR = '../shared/data/olist';
const MQLS = 'olist_marketing_qualified_leads_dataset.csv';
const DEALS = 'olist_closed_deals_dataset.csv';

function readCsv(name: string): Record<string, string>[] {
  return parse(readFileSync(`${DIR}/${name}`, 'utf8'), { columns: true, skip_empty_lines: true });
}

interface Expected {
  mqls: number;
  won: number;
  days: number[];
}

function expectedByOrigin(): Map<string | null, Expected> {
  const firstContact = new Map<string, { origin: string | null; at: number }>();
  const byOrigin = new Map<string | null, Expected>();
  for (const row of readCsv(MQLS)) {
    const origin = row.origin?.trim() ? (row.origin as string) : null;
    firstContact.set(row.mql_id as string, { origin, at: Date.parse(`${row.first_contact_date}T00:00:00Z`) });
    const entry = byOrigin.get(origin) ?? { mqls: 0, won: 0, days: [] };
    entry.mqls += 1;
    byOrigin.set(origin, entry);
  }
  for (const row of readCsv(DEALS)) {
    const lead = firstContact.get(row.mql_id as string);
    if (!lead) continue;
    const entry = byOrigin.get(lead.origin) as Expected;
    entry.won += 1;
    entry.days.push((Date.parse(`${(row.won_date as string).replace(' ', 'T')}Z`) - lead.at) / 86_400_000);
  }
  return byOrigin;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
  const summary = await runImport(ctx.database.db, systemCaller(ctx.workspaceId), {
    format: 'olist',
    files: [MQLS, DEALS].map((name) => ({ path: `${DIR}/${name}`, name })),
  });
  expect(summary.rejected).toBe(0);
}, 300_000);

afterAll(async () => ctx?.close());

describe('win/loss by source on the Olist funnel', () => {
  it('gives MQL-to-won conversion and days to close by origin as computed from the files', async () => {
    const response = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/reports/win-loss?by=source',
      headers: ctx.admin.headers,
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    const expected = expectedByOrigin();
    const groups = body.mql_to_won.groups as {
      source: string | null;
      mqls: number;
      won: number;
      conversion_rate: number;
      mean_days_to_close: number | null;
      median_days_to_close: number | null;
    }[];
    expect(new Set(groups.map((group) => group.source))).toEqual(new Set(expected.keys()));
    for (const group of groups) {
      const want = expected.get(group.source) as Expected;
      expect(group.mqls).toBe(want.mqls);
      expect(group.won).toBe(want.won);
      expect(group.conversion_rate).toBeCloseTo(want.won / want.mqls, 6);
      if (want.days.length === 0) {
        expect(group.mean_days_to_close).toBeNull();
        continue;
      }
      expect(group.mean_days_to_close).toBeCloseTo(
        want.days.reduce((sum, day) => sum + day, 0) / want.days.length,
        3,
      );
      expect(group.median_days_to_close).toBeCloseTo(median(want.days), 3);
    }
    expect(body.mql_to_won.overall.mqls).toBe(8000);
    expect(body.mql_to_won.overall.won).toBe(842);

    // Olist records only won deals: by source every closed deal is a win, counted per origin.
    for (const group of body.groups as { label: string; won: number; lost: number; win_rate: number }[]) {
      const origin = group.label === '(none)' ? null : group.label;
      expect(group.won).toBe(expected.get(origin)?.won);
      expect(group.lost).toBe(0);
      expect(group.win_rate).toBe(1);
    }
  });

  it('limits the MQL cohort to a period by the MQL moment', async () => {
    const response = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/reports/win-loss?by=source&period=2018-Q1',
      headers: ctx.admin.headers,
    });
    expect(response.statusCode).toBe(200);
    const cohort = readCsv(MQLS).filter(
      (row) =>
        (row.first_contact_date as string) >= '2018-01-01' &&
        (row.first_contact_date as string) < '2018-04-01',
    );
    expect(response.json().mql_to_won.overall.mqls).toBe(cohort.length);
  });
});
