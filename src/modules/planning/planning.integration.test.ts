import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext, type TestUser } from '../../testing/harness.ts';

let ctx: TestContext;
let executive: TestUser;
let marketer: TestUser;
let rep: TestUser;

const DAY = 86_400_000;
const at = (date: string, days = 0) => new Date(new Date(`${date}T12:00:00Z`).getTime() + days * DAY);

let leadCounter = 0;
async function insertLead(stamps: Record<string, Date | null>, fields: Record<string, unknown> = {}) {
  leadCounter += 1;
  return ctx.database.db
    .insertInto('leads')
    .values({
      workspace_id: ctx.workspaceId,
      email: `lead${leadCounter}@plan.test`,
      stage: 'lead',
      created_at: stamps.lead_at ?? new Date(),
      ...stamps,
      ...fields,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

async function insertOpportunity(
  status: 'won' | 'lost' | 'open',
  createdAt: Date,
  closedAt: Date | null,
  amount: number,
) {
  await ctx.database.db
    .insertInto('opportunities')
    .values({
      workspace_id: ctx.workspaceId,
      name: `deal ${createdAt.toISOString()}`,
      stage: status === 'open' ? 'proposal' : status,
      status,
      amount,
      created_at: createdAt,
      closed_at: closedAt,
    })
    .execute();
}

async function insertCampaign(
  name: string,
  channel: string,
  cost: number,
  startDate: string,
  endDate: string,
) {
  return ctx.database.db
    .insertInto('campaigns')
    .values({ workspace_id: ctx.workspaceId, name, channel, cost, start_date: startDate, end_date: endDate })
    .returning('id')
    .executeTakeFirstOrThrow();
}

/**
 * 2025 history, built so every figure is easy to check by hand:
 * 20 leads in March; 10 became MQLs after 4 days, 8 of those SALs a day later, 4 of those
 * SQLs 3 days later, 2 of those opportunities 10 days later. Six opportunities closed:
 * three won (10k, 20k, 30k after 30, 60 and 90 days), three lost. Campaigns run inside
 * 2025 (their whole cost falls in it): paid_search (3,000) sourced 6 of the March leads
 * (their first campaign), webinar (1,000) 4, events (500) none; the other 10 have no source.
 */
beforeAll(async () => {
  ctx = await createTestContext();
  executive = await ctx.user('executive');
  marketer = await ctx.user('marketing');
  rep = await ctx.user('sales');
  const paid = await insertCampaign('Search 2025', 'paid_search', 3000, '2025-02-01', '2025-03-31');
  const webinar = await insertCampaign('Webinar 2025', 'webinar', 1000, '2025-02-15', '2025-03-31');
  await insertCampaign('Trade fair', 'events', 500, '2025-06-01', '2025-06-30');
  for (let i = 0; i < 20; i++) {
    const lead = at('2025-03-01', i);
    const mql = i < 10 ? at('2025-03-01', i + 4) : null;
    const sal = i < 8 ? at('2025-03-01', i + 5) : null;
    const sql = i < 4 ? at('2025-03-01', i + 8) : null;
    const opportunity = i < 2 ? at('2025-03-01', i + 18) : null;
    const first_campaign_id = i < 6 ? paid.id : i < 10 ? webinar.id : null;
    await insertLead(
      { lead_at: lead, mql_at: mql, sal_at: sal, sql_at: sql, opportunity_at: opportunity },
      { first_campaign_id },
    );
  }
  await insertOpportunity('won', at('2025-04-01'), at('2025-04-01', 30), 10_000);
  await insertOpportunity('won', at('2025-05-01'), at('2025-05-01', 60), 20_000);
  await insertOpportunity('won', at('2025-06-01'), at('2025-06-01', 90), 30_000);
  await insertOpportunity('lost', at('2025-04-01'), at('2025-05-01'), 0);
  await insertOpportunity('lost', at('2025-04-01'), at('2025-06-01'), 0);
  await insertOpportunity('lost', at('2025-04-01'), at('2025-07-01'), 0);
  // Outside the window: must not count.
  await insertOpportunity('won', at('2024-06-01'), at('2024-12-01'), 1_000_000);
});
afterAll(async () => ctx?.close());

async function postPlan(payload: Record<string, unknown>, headers = ctx.admin.headers) {
  return ctx.app.inject({ method: 'POST', url: '/api/v1/plans', headers, payload });
}

const HISTORY = { history_from: '2025-01-01', history_to: '2026-01-01' };

describe('goals', () => {
  it('lets admins and executives set goals with a default 45% marketing-sourced share', async () => {
    const response = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/goals',
      headers: executive.headers,
      payload: {
        period: '2026-Q3',
        revenue: 200_000,
        owner_id: executive.id,
        marketing_owner_id: marketer.id,
      },
    });
    expect(response.statusCode).toBe(201);
    const goal = response.json();
    expect(goal).toMatchObject({
      period: '2026-Q3',
      period_start: '2026-07-01',
      period_end: '2026-10-01',
      revenue: 200_000,
      marketing_share: 0.45,
      marketing_sourced_revenue: 90_000,
      sales_sourced_revenue: 110_000,
      owner_id: executive.id,
    });
    const segment = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/goals',
      headers: ctx.admin.headers,
      payload: { period: '2026-Q3', revenue: 50_000, segment: 'enterprise', marketing_share: 0.3 },
    });
    expect(segment.statusCode).toBe(201);
    const list = (
      await ctx.app.inject({ method: 'GET', url: '/api/v1/goals?period=2026-Q3', headers: rep.headers })
    ).json();
    expect(list.items).toHaveLength(2);
  });

  it('refuses reps, duplicates, bad periods and unknown owners', async () => {
    const rejected = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/goals',
      headers: rep.headers,
      payload: { period: '2026-Q4', revenue: 1 },
    });
    expect(rejected.statusCode).toBe(403);
    const duplicate = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/goals',
      headers: ctx.admin.headers,
      payload: { period: '2026-Q3', revenue: 1 },
    });
    expect(duplicate.statusCode).toBe(409);
    const badPeriod = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/goals',
      headers: ctx.admin.headers,
      payload: { period: 'Q3 2026', revenue: 1 },
    });
    expect(badPeriod.statusCode).toBe(400);
    expect(badPeriod.json().error.issues[0].path).toBe('period');
    const badOwner = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/goals',
      headers: ctx.admin.headers,
      payload: { period: '2027', revenue: 1, sales_owner_id: 999_999 },
    });
    expect(badOwner.statusCode).toBe(400);
    expect(badOwner.json().error.issues[0].path).toBe('sales_owner_id');
    const negative = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/goals',
      headers: ctx.admin.headers,
      payload: { period: '2027', revenue: -5 },
    });
    expect(negative.statusCode).toBe(400);
    expect(negative.json().error.issues[0].path).toBe('revenue');
  });

  it('changes, reads and deletes a goal; 404 afterwards', async () => {
    const goal = (
      await ctx.app.inject({
        method: 'POST',
        url: '/api/v1/goals',
        headers: ctx.admin.headers,
        payload: { period: '2026-11', revenue: 10_000 },
      })
    ).json();
    const changed = await ctx.app.inject({
      method: 'PATCH',
      url: `/api/v1/goals/${goal.id}`,
      headers: executive.headers,
      payload: { period: '2026-12', marketing_share: 0.6 },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({
      period: '2026-12',
      period_start: '2026-12-01',
      marketing_sourced_revenue: 6000,
    });
    const removed = await ctx.app.inject({
      method: 'DELETE',
      url: `/api/v1/goals/${goal.id}`,
      headers: ctx.admin.headers,
    });
    expect(removed.statusCode).toBe(204);
    const missing = await ctx.app.inject({
      method: 'GET',
      url: `/api/v1/goals/${goal.id}`,
      headers: ctx.admin.headers,
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('GOAL_NOT_FOUND');
  });
});

describe('planner', () => {
  it('works the goal back with the history rates (hand calculation)', async () => {
    const response = await postPlan({ revenue: 200_000, period: '2026-Q3', ...HISTORY });
    expect(response.statusCode).toBe(200);
    const plan = response.json();
    expect(plan.id).toBeNull();
    // Win rate 3 / 6 = 0.5; average won deal (10k + 20k + 30k) / 3 = 20k.
    expect(plan.win_rate).toBe(0.5);
    expect(plan.average_deal_size).toBe(20_000);
    // 200k / 20k = 10 deals; / 0.5 = 20 opportunities; / (2/4) = 40 SQLs; / (4/8) = 80 SALs;
    // / (8/10) = 100 MQLs; / (10/20) = 200 leads.
    expect(plan.steps).toEqual([
      { stage: 'deals', count: 10, rate: null, rate_name: null },
      { stage: 'opportunities', count: 20, rate: 0.5, rate_name: 'win_rate' },
      { stage: 'sqls', count: 40, rate: 0.5, rate_name: 'sql_to_opportunity' },
      { stage: 'sals', count: 80, rate: 0.5, rate_name: 'sal_to_sql' },
      { stage: 'mqls', count: 100, rate: 0.8, rate_name: 'mql_to_sal' },
      { stage: 'leads', count: 200, rate: 0.5, rate_name: 'lead_to_mql' },
    ]);
    expect(plan.rates.find((r: { name: string }) => r.name === 'mql_to_sal')).toMatchObject({
      source: 'history',
      numerator: 8,
      denominator: 10,
    });
    // 45% marketing-sourced, rounded up: 4.5 -> 5 deals, 9 opportunities ... 90 leads.
    expect(plan.split.marketing.volumes).toEqual({
      deals: 5,
      opportunities: 9,
      sqls: 18,
      sals: 36,
      mqls: 45,
      leads: 90,
    });
    expect(plan.split.sales.volumes).toEqual({
      deals: 5,
      opportunities: 11,
      sqls: 22,
      sals: 44,
      mqls: 55,
      leads: 110,
    });
    expect(plan.split.marketing.revenue).toBe(90_000);
    // Mix: paid_search 6 of 10 sourced leads at 3,000 / 6 = 500 a lead; webinar 4 at 250.
    // 90 marketing leads -> 54 paid_search (27,000) and 36 webinar (9,000).
    expect(plan.channels).toEqual([
      {
        channel: 'paid_search',
        share: 0.6,
        leads: 54,
        cost_per_lead: 500,
        budget: 27_000,
        source: 'history',
      },
      { channel: 'webinar', share: 0.4, leads: 36, cost_per_lead: 250, budget: 9_000, source: 'history' },
    ]);
    expect(plan.marketing_budget).toBe(36_000);
    expect(plan.assumptions.map((a: { field: string }) => a.field)).toEqual(['program_mix.events']);
    // Medians: 4 days in lead, 1 in mql, 3 in sal, 10 in sql, 60 from opportunity to won.
    expect(plan.phasing.stage_days).toEqual({ lead: 4, mql: 1, sal: 3, sql: 10, opportunity: 60 });
    expect(plan.phasing.lag_days).toEqual({
      deals: 0,
      opportunities: 60,
      sqls: 70,
      sals: 73,
      mqls: 74,
      leads: 78,
    });
    const months = plan.phasing.months as Record<string, number | string>[];
    // Leads start 78 days before 1 July: mid-April.
    expect(months[0]!.month).toBe('2026-04');
    expect(months.at(-1)!.month).toBe('2026-09');
    for (const step of plan.steps) {
      expect(months.reduce((sum, month) => sum + (month[step.stage] as number), 0)).toBe(step.count);
    }
    expect(months.map((month) => month.deals)).toEqual([0, 0, 0, 4, 3, 3]);
    expect(plan.sources).toMatchObject({
      history_from: '2025-01-01',
      history_to: '2026-01-01',
      leads_reached: 20,
      opportunities_closed: 6,
      won_deals: 3,
    });
  });

  it('uses given rates, deal size and mix over history', async () => {
    const plan = (
      await postPlan({
        revenue: 100_000,
        period: '2026-07',
        ...HISTORY,
        average_deal_size: 25_000,
        rates: { win_rate: 0.25, lead_to_mql: 0.1 },
        program_mix: [{ channel: 'webinar', share: 1 }],
        marketing_share: 0.5,
      })
    ).json();
    // 4 deals; 16 opportunities; 32 SQLs; 64 SALs; 80 MQLs; 800 leads.
    expect(plan.steps.map((s: { count: number }) => s.count)).toEqual([4, 16, 32, 64, 80, 800]);
    expect(plan.channels).toEqual([
      { channel: 'webinar', share: 1, leads: 400, cost_per_lead: 250, budget: 100_000, source: 'given' },
    ]);
  });

  it('flags assumed pass-through rates where history has no leads, and 422s without deal history', async () => {
    const window = { history_from: '2024-01-01', history_to: '2025-01-01' };
    // 2024 has one won deal and no leads at all.
    const plan = (await postPlan({ revenue: 3_000_000, period: '2026-Q3', ...window })).json();
    expect(plan.win_rate).toBe(1);
    expect(plan.steps.map((s: { count: number }) => s.count)).toEqual([3, 3, 3, 3, 3, 3]);
    const assumed = plan.rates
      .filter((r: { source: string }) => r.source === 'assumed')
      .map((r: { name: string }) => r.name);
    expect(assumed).toEqual(['sql_to_opportunity', 'sal_to_sql', 'mql_to_sal', 'lead_to_mql']);
    expect(plan.assumptions.find((a: { field: string }) => a.field === 'rates.lead_to_mql').reason).toContain(
      'No lead reached lead between 2024-01-01 and 2025-01-01',
    );
    const empty = await postPlan({
      revenue: 1000,
      period: '2026-Q3',
      history_from: '2020-01-01',
      history_to: '2021-01-01',
    });
    expect(empty.statusCode).toBe(422);
    expect(empty.json().error.issues[0].path).toBe('rates.win_rate');
  });

  it('names the bad field', async () => {
    const missing = await postPlan({ period: '2026-Q3' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.issues[0].path).toBe('revenue');
    const badRate = await postPlan({ revenue: 1, period: '2026-Q3', rates: { win_rate: 1.5 } });
    expect(badRate.statusCode).toBe(400);
    expect(badRate.json().error.issues[0].path).toBe('rates.win_rate');
    const badMix = await postPlan({
      revenue: 1000,
      period: '2026-Q3',
      ...HISTORY,
      program_mix: [{ channel: 'tv', share: 1 }],
    });
    expect(badMix.statusCode).toBe(400);
    expect(badMix.json().error.issues[0].path).toBe('program_mix.0.cost_per_lead');
    const unknownGoal = await postPlan({ goal_id: 999_999 });
    expect(unknownGoal.statusCode).toBe(404);
  });
});

describe('saved plans and plan vs actual', () => {
  let planId: number;

  it('saves a plan for a goal (marketing may, reps may not)', async () => {
    const goals = (
      await ctx.app.inject({ method: 'GET', url: '/api/v1/goals?period=2026-Q3', headers: rep.headers })
    ).json();
    const goal = goals.items.find((g: { segment: string | null }) => g.segment === null);
    expect((await postPlan({ goal_id: goal.id, ...HISTORY, save: true }, rep.headers)).statusCode).toBe(403);
    const response = await postPlan(
      { goal_id: goal.id, ...HISTORY, save: true, name: 'Q3 plan' },
      marketer.headers,
    );
    expect(response.statusCode).toBe(201);
    const plan = response.json();
    planId = plan.id;
    expect(plan).toMatchObject({
      name: 'Q3 plan',
      goal_id: goal.id,
      revenue: 200_000,
      marketing_share: 0.45,
    });
    const again = (
      await ctx.app.inject({ method: 'GET', url: `/api/v1/plans/${planId}`, headers: rep.headers })
    ).json();
    expect(again.steps).toEqual(plan.steps);
    const list = (
      await ctx.app.inject({ method: 'GET', url: '/api/v1/plans?period=2026-Q3', headers: rep.headers })
    ).json();
    expect(list.items[0]).toMatchObject({ id: planId, deals: 10, leads: 200, marketing_budget: 36_000 });
  });

  it('tracks actual stage entries per week against the plan', async () => {
    // Actuals: 12 leads on Tue 21 Apr 2026 and 6 on Mon 4 May (2 of them MQLs on 6 May),
    // one opportunity created on 5 May, and a won deal of 15k on 8 July (after as_of).
    for (let i = 0; i < 12; i++) await insertLead({ lead_at: at('2026-04-21') });
    for (let i = 0; i < 6; i++)
      await insertLead({ lead_at: at('2026-05-04'), mql_at: i < 2 ? at('2026-05-06') : null });
    await insertOpportunity('open', at('2026-05-05'), null, 5000);
    await insertOpportunity('won', at('2026-05-01'), at('2026-07-08'), 15_000);
    const asOf = '2026-05-16T00:00:00.000Z';
    const response = await ctx.app.inject({
      method: 'GET',
      url: `/api/v1/plans/${planId}/actuals?as_of=${asOf}`,
      headers: rep.headers,
    });
    expect(response.statusCode).toBe(200);
    const actuals = response.json();
    const plan = (
      await ctx.app.inject({ method: 'GET', url: `/api/v1/plans/${planId}`, headers: rep.headers })
    ).json();
    const months = plan.phasing.months as Record<string, number | string>[];
    const april = months.find((m) => m.month === '2026-04')!;
    const may = months.find((m) => m.month === '2026-05')!;
    expect(actuals.window_start).toBe('2026-04-01T00:00:00.000Z');
    expect(actuals.window_end).toBe('2026-10-01T00:00:00.000Z');
    const leads = actuals.stages.find((s: { stage: string }) => s.stage === 'leads');
    expect(leads.actual_to_date).toBe(18);
    expect(leads.planned_total).toBe(200);
    // Due by 16 May: all of April plus 15 of May's 31 days.
    const due = (april.leads as number) + ((may.leads as number) * 15) / 31;
    expect(leads.planned_to_date).toBeCloseTo(due, 9);
    expect(leads.pacing).toBeCloseTo(18 / due, 9);
    expect(leads.forecast).toBeCloseTo((18 / due) * 200, 6);
    const week = (stage: { weeks: { week_start: string; actual: number | null }[] }, start: string) =>
      stage.weeks.find((w) => w.week_start === start);
    expect(week(leads, '2026-04-20')!.actual).toBe(12);
    expect(week(leads, '2026-05-04')!.actual).toBe(6);
    expect(week(leads, '2026-05-11')!.actual).toBe(0);
    expect(week(leads, '2026-05-18')!.actual).toBeNull();
    expect(leads.weeks[0].week_start).toBe('2026-03-30');
    const mqls = actuals.stages.find((s: { stage: string }) => s.stage === 'mqls');
    expect(mqls.actual_to_date).toBe(2);
    const opportunities = actuals.stages.find((s: { stage: string }) => s.stage === 'opportunities');
    expect(opportunities.actual_to_date).toBe(2); // the open one and the one won later were both created in May
    const deals = actuals.stages.find((s: { stage: string }) => s.stage === 'deals');
    expect(deals.actual_to_date).toBe(0);
    expect(actuals.revenue).toMatchObject({ goal: 200_000, won_to_date: 0 });
    const later = (
      await ctx.app.inject({
        method: 'GET',
        url: `/api/v1/plans/${planId}/actuals?as_of=2026-07-10T00:00:00Z`,
        headers: rep.headers,
      })
    ).json();
    expect(later.revenue).toMatchObject({ won_to_date: 15_000, won_deals_to_date: 1, progress: 0.075 });
    expect(later.stages.find((s: { stage: string }) => s.stage === 'deals').actual_to_date).toBe(1);
  });

  it('404s an unknown plan', async () => {
    const response = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/plans/999999/actuals',
      headers: rep.headers,
    });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('PLAN_NOT_FOUND');
  });
});
