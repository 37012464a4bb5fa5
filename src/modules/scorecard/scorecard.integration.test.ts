import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { systemCaller } from '../auth/auth.ts';
import { getSpeedToLead } from '../speed-to-lead/speed-to-lead.service.ts';
import { comparisonWindows, trend } from './scorecard.ts';

let ctx: TestContext;
let goalId: number;

async function insertLead(
  email: string,
  stamps: Record<string, string>,
  fields: Record<string, unknown> = {},
) {
  const row = await ctx.database.db
    .insertInto('leads')
    .values({
      workspace_id: ctx.workspaceId,
      email,
      stage: 'lead',
      created_at: stamps.lead_at,
      ...stamps,
      ...fields,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function insertOpportunity(
  name: string,
  primaryLeadId: number | null,
  status: 'won' | 'lost',
  createdAt: string,
  closedAt: string,
  amount: number,
) {
  await ctx.database.db
    .insertInto('opportunities')
    .values({
      workspace_id: ctx.workspaceId,
      name,
      primary_lead_id: primaryLeadId,
      stage: status,
      status,
      amount,
      created_at: createdAt,
      closed_at: closedAt,
    })
    .execute();
}

async function insertActivity(leadId: number, at: string) {
  await ctx.database.db
    .insertInto('activities')
    .values({ workspace_id: ctx.workspaceId, lead_id: leadId, type: 'call', occurred_at: at })
    .execute();
}

async function insertTouch(leadId: number, at: string) {
  await ctx.database.db
    .insertInto('touchpoints')
    .values({
      workspace_id: ctx.workspaceId,
      lead_id: leadId,
      type: 'form_fill',
      occurred_at: at,
      channel: 'web',
    })
    .execute();
}

/**
 * Q1 and Q2 2026, small enough to check by hand:
 * Q1: campaign Winter (2,000, 15-31 Jan). l0 (sourced by Winter) -> mql, no follow-up;
 *     o5 won 8,000 from l0 (31 days). o4 (no lead, no source) created 1 Mar.
 * Q2: campaign Spring (5,000, 10-30 Apr). l1 (sourced by Spring) mql, called after 30 min, sal;
 *     o1 won 30,000 (40 days). l2 (source outbound, no touches) mql, called after 6 h;
 *     o2 won 20,000 (60 days). l3 (a web form fill) mql, never called, its first-activity SLA
 *     breached; o3 lost 10,000. o4 won 5,000 on 2 Apr (32 days).
 * Marketing-sourced (the campaign report's rule: the deal's source, else its lead's sourcing
 * channel, is not a sales source): o1, o3, o5; not o2 (outbound) nor o4 (nothing known).
 */
beforeAll(async () => {
  ctx = await createTestContext();
  const db = ctx.database.db;
  const campaign = async (name: string, cost: number, start: string, end: string) =>
    (
      await db
        .insertInto('campaigns')
        .values({
          workspace_id: ctx.workspaceId,
          name,
          channel: 'events',
          cost,
          start_date: start,
          end_date: end,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const winter = await campaign('Winter', 2000, '2026-01-15', '2026-01-31');
  const spring = await campaign('Spring', 5000, '2026-04-10', '2026-04-30');
  const l0 = await insertLead(
    'l0@score.test',
    { lead_at: '2026-01-05T09:00:00Z', mql_at: '2026-01-06T09:00:00Z' },
    { first_campaign_id: winter },
  );
  await insertOpportunity('o5', l0, 'won', '2026-01-10T00:00:00Z', '2026-02-10T00:00:00Z', 8000);
  await insertOpportunity('o4', null, 'won', '2026-03-01T00:00:00Z', '2026-04-02T00:00:00Z', 5000);
  const l1 = await insertLead(
    'l1@score.test',
    { lead_at: '2026-04-01T09:00:00Z', mql_at: '2026-04-02T10:00:00Z', sal_at: '2026-04-03T10:00:00Z' },
    { first_campaign_id: spring },
  );
  await insertActivity(l1, '2026-04-02T10:30:00Z');
  await insertOpportunity('o1', l1, 'won', '2026-04-10T00:00:00Z', '2026-05-20T00:00:00Z', 30_000);
  const l2 = await insertLead(
    'l2@score.test',
    { lead_at: '2026-04-05T09:00:00Z', mql_at: '2026-04-06T09:00:00Z' },
    { source: 'outbound' },
  );
  await insertActivity(l2, '2026-04-06T15:00:00Z');
  await insertOpportunity('o2', l2, 'won', '2026-04-15T00:00:00Z', '2026-06-14T00:00:00Z', 20_000);
  const l3 = await insertLead('l3@score.test', {
    lead_at: '2026-04-20T08:00:00Z',
    mql_at: '2026-04-21T08:00:00Z',
  });
  await insertTouch(l3, '2026-04-20T08:00:00Z');
  await insertOpportunity('o3', l3, 'lost', '2026-04-25T00:00:00Z', '2026-05-30T00:00:00Z', 10_000);
  // SLA clocks for the Q2 handoffs (l1 and l2 kept it, l3 breached; one exempt clock that
  // does not count); none in Q1.
  const slaClock = async (leadId: number, handoffAt: string, status: 'closed' | 'exempt') =>
    db
      .insertInto('sla_clocks')
      .values({ workspace_id: ctx.workspaceId, lead_id: leadId, handoff_at: handoffAt, status })
      .returning('id')
      .executeTakeFirstOrThrow();
  await slaClock(l1, '2026-04-02T10:00:00Z', 'closed');
  await slaClock(l2, '2026-04-06T09:00:00Z', 'closed');
  await slaClock(l2, '2026-04-06T09:30:00Z', 'exempt');
  const clock = await slaClock(l3, '2026-04-21T08:00:00Z', 'closed');
  await db
    .insertInto('sla_events')
    .values({
      workspace_id: ctx.workspaceId,
      clock_id: clock.id,
      lead_id: l3,
      handoff_at: '2026-04-21T08:00:00Z',
      kind: 'activity_breach',
      deadline_at: '2026-04-21T09:00:00Z',
      occurred_at: '2026-04-21T09:00:00Z',
    })
    .execute();
  const goal = await ctx.app.inject({
    method: 'POST',
    url: '/api/v1/goals',
    headers: ctx.admin.headers,
    payload: { period: '2026-Q2', revenue: 100_000 },
  });
  goalId = goal.json().id;
});
afterAll(async () => ctx?.close());

function byKey(scorecard: { kpis: { key: string }[] }) {
  return Object.fromEntries(scorecard.kpis.map((entry) => [entry.key, entry])) as unknown as Record<
    string,
    { value: number | null; previous: number | null; change: number | null; target: number | null }
  >;
}

describe('scorecard', () => {
  it('computes every KPI of a finished quarter against the previous one (hand calculation)', async () => {
    const response = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/reports/scorecard?period=2026-Q2&as_of=2026-08-01T00:00:00Z',
      headers: ctx.admin.headers,
    });
    expect(response.statusCode).toBe(200);
    const scorecard = response.json();
    expect(scorecard).toMatchObject({ period: '2026-Q2', previous_period: '2026-Q1', complete: true });
    expect(scorecard.goal).toMatchObject({ id: goalId, revenue: 100_000, marketing_sourced_revenue: 45_000 });
    const kpis = byKey(scorecard);
    expect(kpis.won_revenue).toMatchObject({
      value: 55_000,
      previous: 8000,
      change: 47_000,
      target: 100_000,
    });
    expect(kpis.goal_progress!.value).toBeCloseTo(0.55, 12);
    expect(kpis.marketing_sourced_won_revenue).toMatchObject({
      value: 30_000,
      previous: 8000,
      target: 45_000,
    });
    expect(kpis.sales_sourced_won_revenue).toMatchObject({ value: 25_000, previous: 0, target: 55_000 });
    expect(kpis.mql_to_sal_acceptance!.value).toBeCloseTo(1 / 3, 12);
    expect(kpis.mql_to_sal_acceptance!.previous).toBe(0);
    // Responses after 0.5 h (l1) and 6 h (l2); l3 and, in Q1, l0 never answered.
    expect(kpis.speed_to_lead_median_hours).toMatchObject({ value: 3.25, previous: null, change: null });
    expect(kpis.speed_to_lead_within_1h!.value).toBeCloseTo(1 / 3, 4);
    expect(kpis.speed_to_lead_within_1h!.previous).toBe(0);
    // l3's clock breached, l1's and l2's did not; no handoff of Q1 was under an SLA.
    expect(kpis.sla_compliance!.value).toBeCloseTo(2 / 3, 12);
    expect(kpis.sla_compliance!.previous).toBeNull();
    expect(kpis.marketing_sourced_pipeline_share!.value).toBeCloseTo(40 / 60, 4);
    expect(kpis.marketing_sourced_pipeline_share!.previous).toBeCloseTo(8 / 13, 4);
    expect(kpis.marketing_sourced_bookings_share!.value).toBeCloseTo(30 / 55, 4);
    expect(kpis.cost_per_won_deal).toMatchObject({ value: 5000, previous: 2000, change: 3000 });
    expect(kpis.marketing_roi).toMatchObject({ value: 5, previous: 3, change: 2 });
    expect(kpis.win_rate).toMatchObject({ value: 0.75, previous: 1, change: -0.25 });
    expect(kpis.cycle_time_median_days!.value).toBeCloseTo(40, 6);
    expect(kpis.cycle_time_median_days!.previous).toBeCloseTo(31, 6);
    const funnel = Object.fromEntries(
      scorecard.funnel.map((stage: { stage: string; actual: number; previous: number }) => [
        stage.stage,
        [stage.actual, stage.previous],
      ]),
    );
    expect(funnel).toEqual({
      leads: [3, 1],
      mqls: [3, 1],
      sals: [1, 0],
      sqls: [0, 0],
      opportunities: [3, 2],
      deals: [3, 1],
    });
    expect(scorecard.plan_id).toBeNull();
  });

  it("shows the speed-to-lead report's figures for both windows", async () => {
    const scorecard = (
      await ctx.app.inject({
        method: 'GET',
        url: '/api/v1/reports/scorecard?period=2026-Q2&as_of=2026-08-01T00:00:00Z',
        headers: ctx.admin.headers,
      })
    ).json();
    const kpis = byKey(scorecard);
    const report = async (from: string, to: string) =>
      (await getSpeedToLead(ctx.database.db, systemCaller(ctx.workspaceId), { from, to })).overall;
    const q2 = await report('2026-04-01', '2026-07-01');
    const q1 = await report('2026-01-01', '2026-04-01');
    expect([kpis.speed_to_lead_median_hours!.value, kpis.speed_to_lead_median_hours!.previous]).toEqual([
      q2.median_hours,
      q1.median_hours,
    ]);
    expect([kpis.speed_to_lead_within_1h!.value, kpis.speed_to_lead_within_1h!.previous]).toEqual([
      q2.within_1h_share,
      q1.within_1h_share,
    ]);
  });

  it('compares a running period with the same span of the previous one', async () => {
    const scorecard = (
      await ctx.app.inject({
        method: 'GET',
        url: '/api/v1/reports/scorecard?period=2026-Q2&as_of=2026-05-01T00:00:00Z',
        headers: ctx.admin.headers,
      })
    ).json();
    expect(scorecard.complete).toBe(false);
    expect(scorecard.window).toEqual({ from: '2026-04-01T00:00:00.000Z', to: '2026-05-01T00:00:00.000Z' });
    expect(scorecard.previous_window).toEqual({
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-01-31T00:00:00.000Z',
    });
    const kpis = byKey(scorecard);
    // Only o4 was won in April; nothing was won in January.
    expect(kpis.won_revenue).toMatchObject({ value: 5000, previous: 0 });
  });

  it('measures funnel volumes against the latest saved plan of the period', async () => {
    const plan = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/plans',
      headers: ctx.admin.headers,
      payload: {
        goal_id: goalId,
        save: true,
        average_deal_size: 25_000,
        rates: { win_rate: 0.5, sql_to_opportunity: 0.5, sal_to_sql: 0.5, mql_to_sal: 0.5, lead_to_mql: 0.5 },
        stage_days: { lead: 0, mql: 0, sal: 0, sql: 0, opportunity: 0 },
        program_mix: [{ channel: 'events', share: 1, cost_per_lead: 10 }],
      },
    });
    expect(plan.statusCode).toBe(201);
    const scorecard = (
      await ctx.app.inject({
        method: 'GET',
        url: '/api/v1/reports/scorecard?period=2026-Q2&as_of=2026-08-01T00:00:00Z',
        headers: ctx.admin.headers,
      })
    ).json();
    expect(scorecard.plan_id).toBe(plan.json().id);
    // 100k / 25k = 4 deals, 8 opportunities, 16 SQLs, 32 SALs, 64 MQLs, 128 leads, all due in Q2.
    const deals = scorecard.funnel.find((stage: { stage: string }) => stage.stage === 'deals');
    expect(deals.plan).toMatchObject({
      planned_total: 4,
      planned_to_date: 4,
      actual_to_date: 3,
      pacing: 0.75,
    });
    const leads = scorecard.funnel.find((stage: { stage: string }) => stage.stage === 'leads');
    expect(leads.plan).toMatchObject({ planned_total: 128, actual_to_date: 3 });
  });

  it('404s an unknown plan and 400s a bad period', async () => {
    const unknown = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/reports/scorecard?period=2026-Q2&plan_id=999999',
      headers: ctx.admin.headers,
    });
    expect(unknown.statusCode).toBe(404);
    const bad = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/reports/scorecard?period=2026-W3',
      headers: ctx.admin.headers,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.issues[0].path).toBe('period');
  });
});

describe('trend and windows', () => {
  it('computes change and relative change', () => {
    expect(trend(150, 100)).toEqual({ change: 50, relative_change: 0.5 });
    expect(trend(5, 0)).toEqual({ change: 5, relative_change: null });
    expect(trend(null, 3)).toEqual({ change: null, relative_change: null });
    expect(trend(-10, -20)).toEqual({ change: 10, relative_change: 0.5 });
  });

  it('clips the previous window to its period', () => {
    const windows = comparisonWindows(
      { start: new Date('2026-03-01T00:00:00Z'), end: new Date('2026-04-01T00:00:00Z') },
      { start: new Date('2026-02-01T00:00:00Z'), end: new Date('2026-03-01T00:00:00Z') },
      new Date('2026-03-31T00:00:00Z'),
    );
    expect(windows.previous.to.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(windows.current.to.toISOString()).toBe('2026-03-31T00:00:00.000Z');
  });
});
