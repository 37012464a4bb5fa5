import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext, type TestUser } from '../../testing/harness.ts';

let ctx: TestContext;
let rep: TestUser;
let otherRep: TestUser;
let marketer: TestUser;
let executive: TestUser;

beforeAll(async () => {
  ctx = await createTestContext();
  rep = await ctx.user('sales');
  otherRep = await ctx.user('sales');
  marketer = await ctx.user('marketing');
  executive = await ctx.user('executive');
});
afterAll(async () => ctx?.close());

type Json = Record<string, unknown>;

async function call(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
  headers = ctx.admin.headers,
) {
  return ctx.app.inject({
    method,
    url: `/api/v1${url}`,
    headers,
    ...(payload === undefined ? {} : { payload: payload as Json }),
  });
}

async function createLead(body: Json): Promise<Json & { id: number }> {
  const response = await call('POST', '/leads', body);
  expect(response.statusCode).toBe(201);
  return response.json();
}

async function stageEvents(leadId: number): Promise<Json[]> {
  const timeline = (await call('GET', `/leads/${leadId}/timeline`)).json();
  return timeline.items
    .filter((item: Json) => item.kind === 'stage_change')
    .map((item: Json) => ({
      from: (item.details as Json).from_stage,
      to: (item.details as Json).to_stage,
      at: item.occurred_at,
      reason: (item.details as Json).reason,
      actor_id: item.actor_id,
    }));
}

async function opportunityCount(): Promise<number> {
  const row = await sql<{ n: number }>`select count(*)::int as n from opportunities`.execute(ctx.database.db);
  return row.rows[0]?.n ?? -1;
}

describe('opportunities API', () => {
  it('creates a deal and moves its primary lead from sql to opportunity through the lifecycle', async () => {
    const lead = await createLead({
      email: 'buyer@example.com',
      stage: 'sql',
      created_at: '2026-01-05T00:00:00Z',
    });
    const response = await call('POST', '/opportunities', {
      name: 'Buyer Co expansion',
      primary_lead_id: lead.id,
      amount: 12500.5,
      currency: 'eur',
      created_at: '2026-02-01T09:00:00Z',
      close_date: '2026-04-30',
      source: 'marketing',
      segment: 'mid-market',
    });
    expect(response.statusCode).toBe(201);
    const deal = response.json();
    expect(deal).toMatchObject({
      name: 'Buyer Co expansion',
      primary_lead_id: lead.id,
      amount: 12500.5,
      currency: 'EUR',
      stage: 'open',
      status: 'open',
      created_at: '2026-02-01T09:00:00.000Z',
      close_date: '2026-04-30',
      closed_at: null,
      reason: null,
    });
    expect((await call('GET', `/opportunities/${deal.id}`)).json()).toEqual(deal);

    const moved = (await call('GET', `/leads/${lead.id}`)).json();
    expect(moved.stage).toBe('opportunity');
    expect(moved.opportunity_at).toBe('2026-02-01T09:00:00.000Z');
    expect(await stageEvents(lead.id)).toEqual([
      { from: null, to: 'sql', at: '2026-01-05T00:00:00.000Z', reason: 'created', actor_id: ctx.admin.id },
      {
        from: 'sql',
        to: 'opportunity',
        at: '2026-02-01T09:00:00.000Z',
        reason: `opportunity ${deal.id} created`,
        actor_id: ctx.admin.id,
      },
    ]);
  });

  it('stamps the stages a lead skips on its way to opportunity', async () => {
    const lead = await createLead({ email: 'early@example.com', created_at: '2026-01-01T00:00:00Z' });
    await call('POST', '/opportunities', {
      name: 'Early deal',
      primary_lead_id: lead.id,
      created_at: '2026-02-10T00:00:00Z',
    });
    const moved = (await call('GET', `/leads/${lead.id}`)).json();
    expect(moved.stage).toBe('opportunity');
    for (const column of ['mql_at', 'sal_at', 'sql_at', 'opportunity_at'])
      expect(moved[column]).toBe('2026-02-10T00:00:00.000Z');
  });

  it('winning a deal closes it and makes its lead a customer at the close moment', async () => {
    const lead = await createLead({
      email: 'winner@example.com',
      stage: 'sal',
      created_at: '2026-01-01T00:00:00Z',
    });
    const deal = (
      await call('POST', '/opportunities', {
        name: 'Winner deal',
        primary_lead_id: lead.id,
        created_at: '2026-03-01T00:00:00Z',
      })
    ).json();
    const before = Date.now();
    const won = await call('PATCH', `/opportunities/${deal.id}`, { status: 'won', reason: 'best fit' });
    expect(won.statusCode).toBe(200);
    const body = won.json();
    expect(body.status).toBe('won');
    expect(body.stage).toBe('won');
    const closedAt = Date.parse(body.closed_at);
    expect(closedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(closedAt).toBeLessThanOrEqual(Date.now() + 1000);
    const customer = (await call('GET', `/leads/${lead.id}`)).json();
    expect(customer.stage).toBe('customer');
    expect(customer.customer_at).toBe(body.closed_at);
    const events = await stageEvents(lead.id);
    expect(events.map((event) => `${event.from}->${event.to}`)).toEqual([
      'null->sal',
      'sal->opportunity',
      'opportunity->customer',
    ]);
    expect(events[2]).toMatchObject({ at: body.closed_at, reason: `opportunity ${deal.id} won` });

    // A change that does not win it again moves nothing.
    await call('PATCH', `/opportunities/${deal.id}`, { amount: 900 });
    expect(await stageEvents(lead.id)).toHaveLength(3);
  });

  it('a deal created as won moves its lead to opportunity at created_at and customer at closed_at', async () => {
    const lead = await createLead({
      email: 'imported-win@example.com',
      stage: 'mql',
      created_at: '2025-09-01T00:00:00Z',
    });
    const response = await call('POST', '/opportunities', {
      name: 'Closed deal',
      primary_lead_id: lead.id,
      status: 'won',
      created_at: '2025-10-01T00:00:00Z',
      closed_at: '2025-12-15T12:00:00Z',
      stage: 'Closed Won',
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      status: 'won',
      stage: 'Closed Won',
      closed_at: '2025-12-15T12:00:00.000Z',
    });
    const events = await stageEvents(lead.id);
    expect(events.slice(1).map((event) => [event.to, event.at])).toEqual([
      ['opportunity', '2025-10-01T00:00:00.000Z'],
      ['customer', '2025-12-15T12:00:00.000Z'],
    ]);
  });

  it("never dates a stage change before the lead's latest one, even for a backdated deal", async () => {
    const lead = await createLead({
      email: 'late-lead@example.com',
      stage: 'sql',
      created_at: '2026-05-01T00:00:00Z',
    });
    await call('POST', '/opportunities', {
      name: 'Backdated',
      primary_lead_id: lead.id,
      status: 'won',
      created_at: '2026-03-01T00:00:00Z',
      closed_at: '2026-04-01T00:00:00Z',
    });
    const events = await stageEvents(lead.id);
    expect(events.map((event) => [event.to, event.at])).toEqual([
      ['sql', '2026-05-01T00:00:00.000Z'],
      ['opportunity', '2026-05-01T00:00:00.000Z'],
      ['customer', '2026-05-01T00:00:00.000Z'],
    ]);
  });

  it('leaves leads that are further along, recycled or disqualified where they are', async () => {
    const customer = await createLead({ email: 'already-customer@example.com', stage: 'customer' });
    const gone = await createLead({ email: 'disqualified@example.com', stage: 'disqualified' });
    for (const lead of [customer, gone]) {
      const response = await call('POST', '/opportunities', { name: 'Side deal', primary_lead_id: lead.id });
      expect(response.statusCode).toBe(201);
      expect(await stageEvents(lead.id)).toHaveLength(1);
    }
    expect((await call('GET', `/leads/${gone.id}`)).json().stage).toBe('disqualified');
  });

  it('linking a primary lead later moves that lead too', async () => {
    const deal = (
      await call('POST', '/opportunities', { name: 'Unlinked', created_at: '2026-01-20T00:00:00Z' })
    ).json();
    const lead = await createLead({
      email: 'linked-later@example.com',
      stage: 'sql',
      created_at: '2026-01-10T00:00:00Z',
    });
    const linked = await call('PATCH', `/opportunities/${deal.id}`, { primary_lead_id: lead.id });
    expect(linked.statusCode).toBe(200);
    const moved = (await call('GET', `/leads/${lead.id}`)).json();
    expect(moved.stage).toBe('opportunity');
    expect(moved.opportunity_at).toBe('2026-01-20T00:00:00.000Z');
  });

  it('enforces the closing rules with 400s naming the field, writing nothing', async () => {
    const lead = await createLead({ email: 'rules@example.com', stage: 'sql' });
    const before = await opportunityCount();
    const early = await call('POST', '/opportunities', {
      name: 'Time travel',
      primary_lead_id: lead.id,
      status: 'won',
      created_at: '2026-03-01T00:00:00Z',
      closed_at: '2026-02-01T00:00:00Z',
    });
    expect(early.statusCode).toBe(400);
    expect(early.json().error.issues[0].path).toBe('closed_at');
    expect(early.json().error.message).toContain('must not be before created_at');
    const lostNoReason = await call('POST', '/opportunities', { name: 'Lost', status: 'lost' });
    expect(lostNoReason.statusCode).toBe(400);
    expect(lostNoReason.json().error.issues).toEqual([
      { path: 'reason', message: 'a lost opportunity needs a reason (why it was lost)' },
    ]);
    const openClosed = await call('POST', '/opportunities', {
      name: 'Odd',
      closed_at: '2026-02-01T00:00:00Z',
    });
    expect(openClosed.json().error.issues[0].path).toBe('closed_at');
    const badCurrency = await call('POST', '/opportunities', { name: 'Odd', currency: 'euro' });
    expect(badCurrency.json().error.issues[0].path).toBe('currency');
    const badAccount = await call('POST', '/opportunities', { name: 'Odd', account_id: 999999 });
    expect(badAccount.statusCode).toBe(400);
    expect(badAccount.json().error.issues[0]).toEqual({
      path: 'account_id',
      message: 'no account with id 999999',
    });
    const badLead = await call('POST', '/opportunities', { name: 'Odd', primary_lead_id: 999999 });
    expect(badLead.json().error.issues[0].path).toBe('primary_lead_id');
    expect(await opportunityCount()).toBe(before);
    expect((await call('GET', `/leads/${lead.id}`)).json().stage).toBe('sql');

    const deal = (
      await call('POST', '/opportunities', { name: 'Lifecycle', created_at: '2026-01-01T00:00:00Z' })
    ).json();
    const lostPatch = await call('PATCH', `/opportunities/${deal.id}`, { status: 'lost' });
    expect(lostPatch.statusCode).toBe(400);
    expect(lostPatch.json().error.issues[0].path).toBe('reason');
    const lost = (
      await call('PATCH', `/opportunities/${deal.id}`, {
        status: 'lost',
        reason: 'price',
        competitor: 'Rival Inc',
        closed_at: '2026-02-02T00:00:00Z',
      })
    ).json();
    expect(lost).toMatchObject({
      status: 'lost',
      stage: 'lost',
      reason: 'price',
      closed_at: '2026-02-02T00:00:00.000Z',
    });
    const clearReason = await call('PATCH', `/opportunities/${deal.id}`, { reason: null });
    expect(clearReason.json().error.issues[0].path).toBe('reason');
    const reopened = (
      await call('PATCH', `/opportunities/${deal.id}`, { status: 'open', stage: 'Negotiation' })
    ).json();
    expect(reopened).toMatchObject({
      status: 'open',
      stage: 'Negotiation',
      closed_at: null,
      reason: null,
      competitor: 'Rival Inc',
    });
  });

  it('returns 404 for unknown deals and 409 for a taken external_id', async () => {
    expect((await call('GET', '/opportunities/999999')).json().error.code).toBe('OPPORTUNITY_NOT_FOUND');
    expect((await call('PATCH', '/opportunities/999999', { amount: 1 })).statusCode).toBe(404);
    expect((await call('DELETE', '/opportunities/999999')).statusCode).toBe(404);
    expect((await call('POST', '/opportunities', { name: 'A', external_id: 'opp-dup' })).statusCode).toBe(
      201,
    );
    const dup = await call('POST', '/opportunities', { name: 'B', external_id: 'opp-dup' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.issues[0].path).toBe('external_id');
  });

  it('keeps contact roles: add, list, refuse a second add, remove', async () => {
    const deal = (await call('POST', '/opportunities', { name: 'Committee deal' })).json();
    const champion = await createLead({ email: 'champion@example.com', first_name: 'Champ' });
    const buyer = await createLead({ email: 'economic@example.com' });
    const added = await call('POST', `/opportunities/${deal.id}/contacts`, {
      lead_id: champion.id,
      role: 'champion',
    });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toEqual({
      opportunity_id: deal.id,
      lead_id: champion.id,
      role: 'champion',
      email: 'champion@example.com',
      first_name: 'Champ',
      last_name: null,
      stage: 'lead',
    });
    await call('POST', `/opportunities/${deal.id}/contacts`, { lead_id: buyer.id });
    const again = await call('POST', `/opportunities/${deal.id}/contacts`, {
      lead_id: champion.id,
      role: 'x',
    });
    expect(again.statusCode).toBe(409);
    const unknown = await call('POST', `/opportunities/${deal.id}/contacts`, { lead_id: 999999 });
    expect(unknown.json().error.issues[0].path).toBe('lead_id');
    const list = (await call('GET', `/opportunities/${deal.id}/contacts`)).json();
    expect(list.items.map((contact: Json) => [contact.lead_id, contact.role])).toEqual([
      [champion.id, 'champion'],
      [buyer.id, 'contact'],
    ]);
    expect((await call('DELETE', `/opportunities/${deal.id}/contacts/${champion.id}`)).statusCode).toBe(204);
    expect((await call('DELETE', `/opportunities/${deal.id}/contacts/${champion.id}`)).statusCode).toBe(404);
    expect((await call('GET', `/opportunities/${deal.id}/contacts`)).json().items).toHaveLength(1);
  });

  it('filters and pages by amount, nulls last, without gaps or repeats', async () => {
    const amounts = [500, null, 1500, 1500, 200, null, 900, 1500];
    const ids: number[] = [];
    for (const [i, amount] of amounts.entries()) {
      const deal = (
        await call('POST', '/opportunities', {
          name: `Paging ${i}`,
          amount,
          source: 'paging-test',
          competitor: i % 2 ? 'Rival Inc' : null,
        })
      ).json();
      ids.push(deal.id);
    }
    const expected = ids
      .map((id, i) => ({ id, amount: amounts[i] as number | null }))
      .sort((a, b) => {
        if (a.amount === null || b.amount === null)
          return a.amount === null ? (b.amount === null ? b.id - a.id : 1) : -1;
        return b.amount - a.amount || b.id - a.id;
      })
      .map((row) => row.id);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/opportunities?source=paging-test&sort=-amount&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page: { items: { id: number }[]; next_cursor: string | null } = (await call('GET', url)).json();
      seen.push(...page.items.map((item) => item.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(expected);
    const rivals = (await call('GET', '/opportunities?source=paging-test&competitor=Rival%20Inc')).json();
    expect(rivals.items).toHaveLength(4);
  });

  it('filters by status, owner, account and closed range', async () => {
    const account = (await call('POST', '/accounts', { name: 'Filter Account' })).json();
    const open = (
      await call('POST', '/opportunities', { name: 'F open', account_id: account.id, owner_id: rep.id })
    ).json();
    const won = (
      await call('POST', '/opportunities', {
        name: 'F won',
        account_id: account.id,
        status: 'won',
        created_at: '2025-06-01T00:00:00Z',
        closed_at: '2025-07-10T00:00:00Z',
      })
    ).json();
    const lost = (
      await call('POST', '/opportunities', {
        name: 'F lost',
        account_id: account.id,
        status: 'lost',
        reason: 'timing',
        created_at: '2025-06-01T00:00:00Z',
        closed_at: '2025-08-10T00:00:00Z',
      })
    ).json();
    const byAccount = (await call('GET', `/opportunities?account_id=${account.id}&sort=created_at`)).json();
    expect(byAccount.items.map((item: Json) => item.id)).toEqual([won.id, lost.id, open.id]);
    const closed = (
      await call('GET', `/opportunities?account_id=${account.id}&status=won,lost&sort=closed_at`)
    ).json();
    expect(closed.items.map((item: Json) => item.id)).toEqual([won.id, lost.id]);
    const july = (
      await call('GET', `/opportunities?account_id=${account.id}&closed_from=2025-07-01&closed_to=2025-08-01`)
    ).json();
    expect(july.items.map((item: Json) => item.id)).toEqual([won.id]);
    const mine = (await call('GET', `/opportunities?account_id=${account.id}&owner_id=${rep.id}`)).json();
    expect(mine.items.map((item: Json) => item.id)).toEqual([open.id]);
    expect((await call('GET', '/opportunities?status=pending')).json().error.issues[0].path).toBe('status');
  });

  it('lets reps work their own deals, marketing any, and executives only read', async () => {
    const created = await call('POST', '/opportunities', { name: 'Rep deal' }, rep.headers);
    expect(created.statusCode).toBe(201);
    const deal = created.json();
    expect(deal.owner_id).toBe(rep.id);
    expect((await call('PATCH', `/opportunities/${deal.id}`, { amount: 10 }, rep.headers)).statusCode).toBe(
      200,
    );
    const other = await call('PATCH', `/opportunities/${deal.id}`, { amount: 20 }, otherRep.headers);
    expect(other.statusCode).toBe(403);
    expect(other.json().error.message).toContain(`Opportunity ${deal.id} is not yours`);
    const handOff = await call('PATCH', `/opportunities/${deal.id}`, { owner_id: otherRep.id }, rep.headers);
    expect(handOff.statusCode).toBe(403);
    const otherContact = await call(
      'POST',
      `/opportunities/${deal.id}/contacts`,
      { lead_id: (await createLead({ email: 'contact-perm@example.com' })).id },
      otherRep.headers,
    );
    expect(otherContact.statusCode).toBe(403);
    const exec = await call('POST', '/opportunities', { name: 'Exec deal' }, executive.headers);
    expect(exec.statusCode).toBe(403);
    expect(exec.json().error.message).toContain('Executives can read opportunities');
    expect((await call('GET', `/opportunities/${deal.id}`, undefined, executive.headers)).statusCode).toBe(
      200,
    );
    expect((await call('DELETE', `/opportunities/${deal.id}`, undefined, rep.headers)).statusCode).toBe(403);
    expect(
      (await call('PATCH', `/opportunities/${deal.id}`, { owner_id: otherRep.id }, marketer.headers))
        .statusCode,
    ).toBe(200);
    expect((await call('DELETE', `/opportunities/${deal.id}`, undefined, marketer.headers)).statusCode).toBe(
      204,
    );
    expect((await call('GET', `/opportunities/${deal.id}`)).statusCode).toBe(404);
  });
});
