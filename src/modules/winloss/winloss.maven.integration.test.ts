import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { systemCaller } from '../auth/auth.ts';
import { runImport } from '../imports/imports.service.ts';

/**
 * Done-when: maven-crm win rate and won revenue by agent and by manager, against figures
 * computed here straight from ../shared/data/maven-crm (Won and Lost deals of the pipeline,
 * agents' managers from sales_teams.csv).
 */

const DIR = '../shared/data/maven-crm';
const FILES = ['sales_teams.csv', 'accounts.csv', 'products.csv', 'sales_pipeline.csv'];

function readCsv(name: string): Record<string, string>[] {
  return parse(readFileSync(`${DIR}/${name}`, 'utf8'), { columns: true, skip_empty_lines: true });
}

interface Tally {
  won: number;
  lost: number;
  revenue: number;
}

function tally(key: (row: Record<string, string>) => string): Map<string, Tally> {
  const managers = new Map(readCsv('sales_teams.csv').map((row) => [row.sales_agent, row.manager]));
  const tallies = new Map<string, Tally>();
  for (const row of readCsv('sales_pipeline.csv')) {
    if (row.deal_stage !== 'Won' && row.deal_stage !== 'Lost') continue;
    const name = key({ ...row, manager: managers.get(row.sales_agent as string) as string });
    const entry = tallies.get(name) ?? { won: 0, lost: 0, revenue: 0 };
    if (row.deal_stage === 'Won') {
      entry.won += 1;
      entry.revenue += Number(row.close_value);
    } else {
      entry.lost += 1;
    }
    tallies.set(name, entry);
  }
  return tallies;
}

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
  const summary = await runImport(ctx.database.db, systemCaller(ctx.workspaceId), {
    format: 'maven-crm',
    files: FILES.map((name) => ({ path: `${DIR}/${name}`, name })),
  });
  expect(summary.rejected).toBe(0);
}, 300_000);

afterAll(async () => ctx?.close());

async function winLoss(by: string) {
  const response = await ctx.app.inject({
    method: 'GET',
    url: `/api/v1/reports/win-loss?by=${by}`,
    headers: ctx.admin.headers,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

function expectGroups(
  groups: { label: string; won: number; lost: number; win_rate: number; won_revenue: number }[],
  tallies: Map<string, Tally>,
) {
  expect(new Set(groups.map((group) => group.label))).toEqual(new Set(tallies.keys()));
  for (const group of groups) {
    const want = tallies.get(group.label) as Tally;
    expect(group.won).toBe(want.won);
    expect(group.lost).toBe(want.lost);
    expect(group.win_rate).toBeCloseTo(want.won / (want.won + want.lost), 6);
    expect(group.won_revenue).toBeCloseTo(want.revenue, 2);
  }
}

describe('win/loss on the maven-crm pipeline', () => {
  it('gives win rate and won revenue by agent as counted from the files', async () => {
    const body = await winLoss('owner');
    const tallies = tally((row) => row.sales_agent as string);
    expectGroups(body.groups, tallies);
    expect(body.overall.won).toBe(4238);
    expect(body.overall.lost).toBe(2473);
    expect(body.overall.won_revenue).toBe(10_005_534);
    expect(body.overall.win_rate).toBeCloseTo(4238 / (4238 + 2473), 6);
  });

  it('gives win rate and won revenue by manager as counted from the files', async () => {
    const body = await winLoss('manager');
    expectGroups(
      body.groups,
      tally((row) => row.manager as string),
    );
  });

  it('groups teams (an office and its manager) like their managers', async () => {
    const body = await winLoss('team');
    const byManager = tally((row) => row.manager as string);
    for (const group of body.groups) {
      const manager = (group.label as string).split(' - ').pop() as string;
      expect(group.won).toBe(byManager.get(manager)?.won);
      expect(group.lost).toBe(byManager.get(manager)?.lost);
    }
  });

  it('gives the win rate by product and average deal size and cycle of won against lost deals', async () => {
    const body = await winLoss('product');
    const tallies = tally((row) => (row.product === 'GTXPro' ? 'GTX Pro' : (row.product as string)));
    expectGroups(body.groups, tallies);
    const pipeline = readCsv('sales_pipeline.csv').filter((row) => row.deal_stage === 'Won');
    const days = pipeline.map(
      (row) =>
        (Date.parse(`${row.close_date}T00:00:00Z`) - Date.parse(`${row.engage_date}T00:00:00Z`)) / 86_400_000,
    );
    expect(body.overall.avg_won_amount).toBeCloseTo(10_005_534 / 4238, 2);
    expect(body.overall.avg_won_cycle_days).toBeCloseTo(
      days.reduce((sum, value) => sum + value, 0) / days.length,
      3,
    );
    // Lost deals have no value in the file.
    expect(body.overall.lost_amount).toBe(0);
  });

  it('refuses an unknown dimension naming the field', async () => {
    const response = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/reports/win-loss?by=zodiac',
      headers: ctx.admin.headers,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.issues[0].path).toBe('querystring.by');
  });
});
