import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { systemCaller } from '../auth/auth.ts';
import { getWinLossSummary } from './winloss.service.ts';

/**
 * Two deals worked out by hand. O1 (won, "fit") has L1 as primary lead and L2 as a contact;
 * O2 (lost to "Rival", "price") has L2 as primary lead.
 * - L1: form fill on campaign X (1 Mar), content download "Pricing Guide" (no campaign, 5 Mar).
 * - L2: webinar on campaign Y (2 Mar); a page view after both deals closed (1 May).
 * O1 created 10 Mar, won 20 Apr (41 days); O2 created 12 Mar, lost 1 Apr (20 days).
 */

let ctx: TestContext;
const ids: Record<string, number> = {};

async function insert(table: string, row: Record<string, unknown>): Promise<number> {
  const result = await sql<{ id: number }>`
    insert into ${sql.table(table)} (${sql.join(Object.keys(row).map((key) => sql.ref(key)))})
    values (${sql.join(Object.values(row))}) returning id`.execute(ctx.database.db);
  return (result.rows[0] as { id: number }).id;
}

async function createLead(email: string, createdAt: string): Promise<number> {
  const response = await ctx.app.inject({
    method: 'POST',
    url: '/api/v1/leads',
    headers: ctx.admin.headers,
    payload: { email, created_at: createdAt },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id;
}

beforeAll(async () => {
  ctx = await createTestContext();
  const ws = ctx.workspaceId;
  const rep = await ctx.user('sales', { name: 'Account Executive 01' });
  ids.X = await insert('campaigns', {
    workspace_id: ws,
    name: 'Campaign X',
    channel: 'paid_search',
    cost: 100,
  });
  ids.Y = await insert('campaigns', { workspace_id: ws, name: 'Campaign Y', channel: 'webinar', cost: 100 });
  ids.L1 = await createLead('l1@example.com', '2026-03-01T09:00:00Z');
  ids.L2 = await createLead('l2@example.com', '2026-03-02T09:00:00Z');
  const transition = await ctx.app.inject({
    method: 'POST',
    url: `/api/v1/leads/${ids.L1}/transitions`,
    headers: ctx.admin.headers,
    payload: { to: 'sql', reason: 'qualified on a call', occurred_at: '2026-03-08T10:00:00Z' },
  });
  expect(transition.statusCode, transition.body).toBe(200);
  await insert('touchpoints', {
    workspace_id: ws,
    lead_id: ids.L1,
    type: 'form_fill',
    occurred_at: '2026-03-01T09:00:00Z',
    campaign_id: ids.X,
  });
  await insert('touchpoints', {
    workspace_id: ws,
    lead_id: ids.L1,
    type: 'content_download',
    occurred_at: '2026-03-05T09:00:00Z',
    channel: 'organic_search',
    metadata: JSON.stringify({ asset: 'Pricing Guide' }),
  });
  await insert('touchpoints', {
    workspace_id: ws,
    lead_id: ids.L2,
    type: 'webinar',
    occurred_at: '2026-03-02T09:00:00Z',
    campaign_id: ids.Y,
  });
  await insert('touchpoints', {
    workspace_id: ws,
    lead_id: ids.L2,
    type: 'page_view',
    occurred_at: '2026-05-01T09:00:00Z',
    channel: 'direct',
  });
  ids.O1 = await insert('opportunities', {
    workspace_id: ws,
    name: 'O1',
    primary_lead_id: ids.L1,
    owner_id: rep.id,
    amount: 12000,
    stage: 'won',
    status: 'won',
    created_at: '2026-03-10T00:00:00Z',
    closed_at: '2026-04-20T00:00:00Z',
    reason: 'fit',
  });
  ids.O2 = await insert('opportunities', {
    workspace_id: ws,
    name: 'O2',
    primary_lead_id: ids.L2,
    owner_id: rep.id,
    amount: 4000,
    stage: 'lost',
    status: 'lost',
    created_at: '2026-03-12T00:00:00Z',
    closed_at: '2026-04-01T00:00:00Z',
    reason: 'price',
    competitor: 'Rival',
  });
  await sql`insert into opportunity_contacts (workspace_id, opportunity_id, lead_id, role) values (${ws}, ${ids.O1}, ${ids.L2}, 'champion')`.execute(
    ctx.database.db,
  );
  await insert('activities', {
    workspace_id: ws,
    opportunity_id: ids.O1,
    type: 'call',
    outcome: 'demo booked',
    occurred_at: '2026-03-11T10:00:00Z',
    actor_id: rep.id,
  });
  await insert('activities', {
    workspace_id: ws,
    lead_id: ids.L1,
    type: 'email',
    occurred_at: '2026-03-09T10:00:00Z',
    actor_id: rep.id,
  });
});

afterAll(async () => ctx?.close());

async function get(url: string) {
  const response = await ctx.app.inject({ method: 'GET', url, headers: ctx.admin.headers });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

describe('win/loss', () => {
  it('gives win rate by competitor, the reasons, and cycle and deal size of won against lost', async () => {
    const body = await get('/api/v1/reports/win-loss?by=competitor');
    expect(body.overall).toMatchObject({
      won: 1,
      lost: 1,
      win_rate: 0.5,
      won_revenue: 12000,
      lost_amount: 4000,
      avg_won_amount: 12000,
      avg_lost_amount: 4000,
      avg_won_cycle_days: 41,
      avg_lost_cycle_days: 20,
    });
    expect(body.groups).toEqual([
      expect.objectContaining({ key: null, label: '(none)', won: 1, lost: 0, win_rate: 1 }),
      expect.objectContaining({ key: 'Rival', label: 'Rival', won: 0, lost: 1, win_rate: 0 }),
    ]);
    expect(body.reasons).toEqual([
      { status: 'won', reason: 'fit', deals: 1, amount: 12000, share: 1 },
      { status: 'lost', reason: 'price', deals: 1, amount: 4000, share: 1 },
    ]);
  });

  it('shows which campaigns, touch types and content were in won deals against lost ones', async () => {
    const { presence } = await get('/api/v1/reports/win-loss?by=owner');
    expect(presence.campaigns).toEqual([
      {
        key: String(ids.X),
        label: 'Campaign X',
        won_with: 1,
        lost_with: 0,
        won_share: 1,
        lost_share: 0,
        difference: 1,
      },
      {
        key: String(ids.Y),
        label: 'Campaign Y',
        won_with: 1,
        lost_with: 1,
        won_share: 1,
        lost_share: 1,
        difference: 0,
      },
    ]);
    expect(presence.content).toEqual([
      {
        key: 'Pricing Guide',
        label: 'Pricing Guide',
        won_with: 1,
        lost_with: 0,
        won_share: 1,
        lost_share: 0,
        difference: 1,
      },
    ]);
    // The page view came after both deals closed: in neither journey.
    expect(presence.touch_types.map((row: { key: string }) => row.key).sort()).toEqual([
      'content_download',
      'form_fill',
      'webinar',
    ]);
  });

  it('limits deals to those closed in the period', async () => {
    const april = await get('/api/v1/reports/win-loss?by=owner&from=2026-04-02&to=2026-05-01');
    expect(april.overall).toMatchObject({ won: 1, lost: 0 });
    expect(april.groups).toEqual([
      expect.objectContaining({ label: 'Account Executive 01', won: 1, lost: 0 }),
    ]);
    expect(april.presence.campaigns.map((row: { lost_share: number | null }) => row.lost_share)).toEqual([
      null,
      null,
    ]);
    const summary = await getWinLossSummary(ctx.database.db, systemCaller(ctx.workspaceId), {
      from: new Date('2026-03-01T00:00:00Z'),
      to: new Date('2026-04-15T00:00:00Z'),
    });
    expect(summary).toMatchObject({ won: 0, lost: 1, win_rate: 0 });
  });
});

describe('deal review', () => {
  it("shows a deal's journey, activities, stage history, outcome and how each model splits it", async () => {
    const body = await get(`/api/v1/opportunities/${ids.O1}/review`);
    expect(body.opportunity).toMatchObject({
      id: ids.O1,
      name: 'O1',
      status: 'won',
      amount: 12000,
      cycle_days: 41,
      owner_name: 'Account Executive 01',
    });
    expect(body.outcome).toEqual({ status: 'won', reason: 'fit', competitor: null });
    expect(body.leads.map((lead: { id: number; role: string }) => [lead.id, lead.role])).toEqual([
      [ids.L1, 'primary'],
      [ids.L2, 'champion'],
    ]);
    const history = body.leads[0].stage_history.map((event: { to_stage: string }) => event.to_stage);
    expect(history).toEqual(['lead', 'sql']);
    expect(body.journey.map((touch: { type: string }) => touch.type)).toEqual([
      'form_fill',
      'webinar',
      'content_download',
      'page_view',
    ]);
    expect(body.journey.map((touch: { channel: string }) => touch.channel)).toEqual([
      'paid_search',
      'webinar',
      'organic_search',
      'direct',
    ]);
    expect(body.journey.map((touch: { at_or_before_close: boolean }) => touch.at_or_before_close)).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(body.journey[2].content).toBe('Pricing Guide');
    expect(body.activities.map((activity: { type: string }) => activity.type)).toEqual(['email', 'call']);
    expect(body.attribution.journey).toBe('won');
    expect(body.attribution.touches).toBe(3);
    const model = (name: string) =>
      body.attribution.models.find((entry: { model: string }) => entry.model === name).channels;
    expect(model('first_touch')).toEqual({ paid_search: 1 });
    expect(model('last_touch')).toEqual({ organic_search: 1 });
    // The lead was created at the first touch, the deal after the third: U-shaped gives the
    // first touch both 40% shares and splits 20% over the two others.
    expect(model('u_shaped')).toEqual({ paid_search: 0.8, webinar: 0.1, organic_search: 0.1 });
  });

  it('answers 404 for an unknown deal', async () => {
    const response = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/opportunities/999999/review',
      headers: ctx.admin.headers,
    });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('OPPORTUNITY_NOT_FOUND');
  });
});
