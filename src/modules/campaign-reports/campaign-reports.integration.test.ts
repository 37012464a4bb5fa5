import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { systemCaller } from '../auth/auth.ts';
import { getCampaignTotals, getMarketingSourcedSplit } from './campaign-reports.service.ts';

/**
 * A small company worked out by hand:
 * - A: paid_search, cost 1,000 over January 2026; B: webinar, cost 500 over February;
 *   C: events, cost 3,000 over 10-19 January, which brought nothing (a failure).
 * - L1: first touch A (5 Jan, no channel of its own), then B (3 Feb); MQL 10 Jan, SQL 20 Jan;
 *   O1 created 10 Feb for 10,000, won 1 Mar.
 * - L2: first touch B (5 Feb); MQL 6 Feb; O2 created 20 Feb for 5,000, lost 5 Mar.
 * - L3: first touch A (7 Jan); nothing more.
 * - L4: no touch, source outbound; O3 (source outbound) created 1 Feb for 8,000, won 25 Feb.
 */

let ctx: TestContext;
const ids: Record<string, number> = {};

async function insert<T extends Record<string, unknown>>(table: string, row: T): Promise<number> {
  const db = ctx.database.db as unknown as import('kysely').Kysely<Record<string, Record<string, unknown>>>;
  const result = await db
    .insertInto(table)
    .values({ workspace_id: ctx.workspaceId, ...row })
    .returning('id')
    .executeTakeFirstOrThrow();
  return result.id as number;
}

beforeAll(async () => {
  ctx = await createTestContext();
  ids.A = await insert('campaigns', {
    name: 'A',
    channel: 'paid_search',
    cost: 1000,
    start_date: '2026-01-01',
    end_date: '2026-01-31',
  });
  ids.B = await insert('campaigns', {
    name: 'B',
    channel: 'webinar',
    cost: 500,
    start_date: '2026-02-01',
    end_date: '2026-02-28',
  });
  ids.C = await insert('campaigns', {
    name: 'C',
    channel: 'events',
    cost: 3000,
    start_date: '2026-01-10',
    end_date: '2026-01-19',
  });
  const lead = (name: string, createdAt: string, extra: Record<string, unknown> = {}) =>
    insert('leads', { email: `${name}@example.com`, created_at: createdAt, lead_at: createdAt, ...extra });
  ids.L1 = await lead('l1', '2026-01-05T10:00:00Z', {
    mql_at: '2026-01-10T00:00:00Z',
    sql_at: '2026-01-20T00:00:00Z',
  });
  ids.L2 = await lead('l2', '2026-02-05T10:00:00Z', { mql_at: '2026-02-06T00:00:00Z' });
  ids.L3 = await lead('l3', '2026-01-07T10:00:00Z');
  ids.L4 = await lead('l4', '2026-01-20T10:00:00Z', { source: 'outbound' });
  const touch = (leadId: number, at: string, campaign: number, channel: string | null) =>
    insert('touchpoints', {
      lead_id: leadId,
      type: 'form_fill',
      occurred_at: at,
      campaign_id: campaign,
      channel,
    });
  await touch(ids.L1, '2026-01-05T10:00:00Z', ids.A, null);
  await touch(ids.L1, '2026-02-03T10:00:00Z', ids.B, 'webinar');
  await touch(ids.L2, '2026-02-05T10:00:00Z', ids.B, 'webinar');
  await touch(ids.L3, '2026-01-07T10:00:00Z', ids.A, 'paid_search');
  const deal = (name: string, row: Record<string, unknown>) =>
    insert('opportunities', { name, stage: String(row.status), ...row });
  ids.O1 = await deal('O1', {
    primary_lead_id: ids.L1,
    amount: 10000,
    status: 'won',
    created_at: '2026-02-10T00:00:00Z',
    closed_at: '2026-03-01T00:00:00Z',
  });
  ids.O2 = await deal('O2', {
    primary_lead_id: ids.L2,
    amount: 5000,
    status: 'lost',
    created_at: '2026-02-20T00:00:00Z',
    closed_at: '2026-03-05T00:00:00Z',
  });
  ids.O3 = await deal('O3', {
    primary_lead_id: ids.L4,
    amount: 8000,
    status: 'won',
    source: 'outbound',
    created_at: '2026-02-01T00:00:00Z',
    closed_at: '2026-02-25T00:00:00Z',
  });
});

afterAll(async () => ctx?.close());

async function report(query: string, status = 200) {
  const response = await ctx.app.inject({
    method: 'GET',
    url: `/api/v1/reports/campaigns${query}`,
    headers: ctx.admin.headers,
  });
  expect(response.statusCode, response.body).toBe(status);
  return response.json();
}

describe('campaign results', () => {
  it('gives every campaign its cost, sourced and influenced volumes, ratios and ROI, failures included', async () => {
    const body = await report('?sort=-cost');
    expect(body.rows.map((row: { label: string }) => row.label)).toEqual(['C', 'A', 'B', '(no campaign)']);
    const row = (label: string) =>
      body.rows.find((candidate: { label: string }) => candidate.label === label);
    expect(row('A')).toMatchObject({
      campaign_id: ids.A,
      channel: 'paid_search',
      cost: 1000,
      leads: 2,
      mqls: 1,
      sqls: 1,
      opportunities: 1,
      pipeline: 10000,
      won_deals: 1,
      won_revenue: 10000,
      cost_per_lead: 500,
      cost_per_mql: 1000,
      cost_per_opportunity: 1000,
      cost_per_won_deal: 1000,
      roi: 9,
      influenced_opportunities: 1,
      influenced_pipeline: 10000,
      influenced_won_deals: 1,
      influenced_won_revenue: 10000,
    });
    expect(row('B')).toMatchObject({
      cost: 500,
      leads: 1,
      mqls: 1,
      sqls: 0,
      opportunities: 1,
      pipeline: 5000,
      won_deals: 0,
      won_revenue: 0,
      cost_per_won_deal: null,
      roi: -1,
      influenced_opportunities: 2,
      influenced_pipeline: 15000,
      influenced_won_deals: 1,
      influenced_won_revenue: 10000,
    });
    expect(row('C')).toMatchObject({
      cost: 3000,
      leads: 0,
      opportunities: 0,
      pipeline: 0,
      cost_per_lead: null,
      roi: -1,
      influenced_opportunities: 0,
    });
    expect(row('(no campaign)')).toMatchObject({
      campaign_id: null,
      cost: 0,
      leads: 1,
      opportunities: 1,
      won_deals: 1,
      won_revenue: 8000,
      roi: null,
    });
    expect(body.totals).toMatchObject({
      campaigns: 3,
      cost: 4500,
      leads: 3,
      mqls: 2,
      sqls: 1,
      opportunities: 2,
      pipeline: 15000,
      won_deals: 1,
      won_revenue: 10000,
      influenced_opportunities: 2,
      influenced_pipeline: 15000,
      influenced_won_deals: 1,
      influenced_won_revenue: 10000,
    });
    expect(body.totals.roi).toBeCloseTo((10000 - 4500) / 4500, 6);
    expect(body.marketing_sourced).toMatchObject({
      opportunities: 3,
      marketing_opportunities: 2,
      pipeline: 23000,
      marketing_pipeline: 15000,
      won_deals: 2,
      marketing_won_deals: 1,
      bookings: 18000,
      marketing_bookings: 10000,
    });
    expect(body.marketing_sourced.pipeline_share).toBeCloseTo(15000 / 23000, 6);
    expect(body.marketing_sourced.bookings_share).toBeCloseTo(10000 / 18000, 6);
  });

  it('sorts as asked, rows without the figure last', async () => {
    const body = await report('?sort=roi');
    expect(body.rows.map((row: { label: string }) => row.label)).toEqual(['B', 'C', 'A', '(no campaign)']);
    const bad = await report('?sort=-luck', 400);
    expect(bad.error.issues[0].path).toBe('sort');
  });

  it('counts a period: cost falling in it, leads, MQLs and deals dated in it', async () => {
    const body = await report('?period=2026-02&sort=name');
    expect(body.from).toBe('2026-02-01T00:00:00.000Z');
    // C ran only in January and brought nothing: not in February's list. A cost nothing in
    // February but its deal O1 was created then.
    expect(body.rows.map((row: { label: string }) => row.label)).toEqual(['(no campaign)', 'A', 'B']);
    const row = (label: string) =>
      body.rows.find((candidate: { label: string }) => candidate.label === label);
    expect(row('A')).toMatchObject({
      cost: 0,
      leads: 0,
      mqls: 0,
      opportunities: 1,
      pipeline: 10000,
      won_deals: 0,
    });
    expect(row('B')).toMatchObject({ cost: 500, leads: 1, mqls: 1, opportunities: 1, pipeline: 5000 });
    expect(row('(no campaign)')).toMatchObject({ opportunities: 1, won_deals: 1, won_revenue: 8000 });
    // Half of C's days... none in February; a mid-January cut takes part of A and C.
    const january = await report('?from=2026-01-15&to=2026-02-01&sort=name');
    const cost = (label: string) =>
      january.rows.find((candidate: { label: string }) => candidate.label === label)?.cost;
    expect(cost('A')).toBeCloseTo((1000 * 17) / 31, 2);
    expect(cost('C')).toBeCloseTo((3000 * 5) / 10, 2);
  });

  it('rolls campaigns up by channel, with first-touch channels of leads outside campaigns', async () => {
    const body = await report('?by=channel&sort=name');
    const row = (label: string) =>
      body.rows.find((candidate: { label: string }) => candidate.label === label);
    expect(body.rows.map((candidate: { label: string }) => candidate.label)).toEqual([
      'events',
      'outbound',
      'paid_search',
      'webinar',
    ]);
    expect(row('paid_search')).toMatchObject({
      campaigns: 1,
      cost: 1000,
      leads: 2,
      won_revenue: 10000,
      influenced_opportunities: 1,
    });
    expect(row('webinar')).toMatchObject({ campaigns: 1, cost: 500, leads: 1, influenced_opportunities: 2 });
    expect(row('outbound')).toMatchObject({ campaigns: 0, cost: 0, leads: 1, won_revenue: 8000, roi: null });
    expect(row('events')).toMatchObject({ campaigns: 1, cost: 3000, leads: 0 });
  });

  it("gives one campaign's results page with its records and every model's credit", async () => {
    const response = await ctx.app.inject({
      method: 'GET',
      url: `/api/v1/reports/campaigns/${ids.B}`,
      headers: ctx.admin.headers,
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.campaign).toMatchObject({ id: ids.B, name: 'B', channel: 'webinar' });
    expect(body.figures).toMatchObject({
      cost: 500,
      leads: 1,
      opportunities: 1,
      influenced_opportunities: 2,
    });
    expect(body.drilldown.sourced_leads).toEqual([ids.L2]);
    expect(body.drilldown.sourced_opportunities).toEqual([ids.O2]);
    expect(body.drilldown.influenced_opportunities).toEqual(
      [ids.O1 as number, ids.O2 as number].sort((a, b) => a - b),
    );
    expect(body.drilldown.influenced_won).toEqual([ids.O1]);
    expect(body.drilldown.links.sourced_leads).toBe(`/api/v1/leads?ids=${ids.L2}`);
    expect(body.months.map((month: { month: string }) => month.month)).toEqual(['2026-02', '2026-03']);
    // O1 was won through A then B: first touch gives B nothing, last touch all of it.
    expect(body.attribution.first_touch.conversions).toBe(0);
    expect(body.attribution.last_touch).toMatchObject({ conversions: 1, revenue: 10000 });
    expect(body.attribution.linear).toMatchObject({ conversions: 0.5, revenue: 5000 });
    const missing = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/reports/campaigns/999999',
      headers: ctx.admin.headers,
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('CAMPAIGN_NOT_FOUND');
  });

  it('gives the scorecard its totals and the marketing-sourced split for a period', async () => {
    const caller = systemCaller(ctx.workspaceId);
    const february = { from: new Date('2026-02-01T00:00:00Z'), to: new Date('2026-03-01T00:00:00Z') };
    const totals = await getCampaignTotals(ctx.database.db, caller, february);
    expect(totals).toMatchObject({ cost: 500, leads: 1, opportunities: 2, pipeline: 15000, won_deals: 0 });
    const split = await getMarketingSourcedSplit(ctx.database.db, caller, february);
    expect(split).toMatchObject({
      pipeline: 23000,
      marketing_pipeline: 15000,
      bookings: 8000,
      marketing_bookings: 0,
      bookings_share: 0,
    });
  });
});
