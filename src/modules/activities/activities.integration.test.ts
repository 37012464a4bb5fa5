import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext, type TestUser } from '../../testing/harness.ts';

let ctx: TestContext;
let rep: TestUser;
let sdr: TestUser;
let marketer: TestUser;
let executive: TestUser;

beforeAll(async () => {
  ctx = await createTestContext();
  rep = await ctx.user('sales', { email: 'ae@test.example' });
  sdr = await ctx.user('sdr');
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

async function activityCount(): Promise<number> {
  const row = await sql<{ n: number }>`select count(*)::int as n from activities`.execute(ctx.database.db);
  return row.rows[0]?.n ?? -1;
}

describe('activities API', () => {
  it('logs a call on a lead with the caller as actor, reads, changes and deletes it', async () => {
    const lead = await createLead({ email: 'called@example.com', owner_id: rep.id });
    const created = await call(
      'POST',
      '/activities',
      {
        email: 'CALLED@example.com',
        type: 'call',
        outcome: 'connected',
        notes: 'Budget in Q3',
        occurred_at: '2026-03-02T10:15:00Z',
      },
      rep.headers,
    );
    expect(created.statusCode).toBe(201);
    const activity = created.json();
    expect(activity).toMatchObject({
      lead_id: lead.id,
      opportunity_id: null,
      type: 'call',
      outcome: 'connected',
      notes: 'Budget in Q3',
      occurred_at: '2026-03-02T10:15:00.000Z',
      actor_id: rep.id,
    });
    expect((await call('GET', `/activities/${activity.id}`)).json()).toEqual(activity);
    const changed = await call(
      'PATCH',
      `/activities/${activity.id}`,
      { outcome: 'meeting_booked' },
      rep.headers,
    );
    expect(changed.json().outcome).toBe('meeting_booked');
    const timeline = (await call('GET', `/leads/${lead.id}/timeline`)).json();
    expect(timeline.items.some((item: Json) => item.kind === 'activity' && item.id === activity.id)).toBe(
      true,
    );
    expect((await call('DELETE', `/activities/${activity.id}`, undefined, rep.headers)).statusCode).toBe(204);
    expect((await call('GET', `/activities/${activity.id}`)).statusCode).toBe(404);
  });

  it('names the field and the reason on bad input, 404s unknown ids and 409s a taken external_id', async () => {
    const lead = await createLead({ email: 'bad-activity@example.com' });
    const nowhere = await call('POST', '/activities', { type: 'note' });
    expect(nowhere.statusCode).toBe(400);
    expect(nowhere.json().error.issues[0].path).toBe('lead_id');
    const badType = await call('POST', '/activities', { lead_id: lead.id, type: 'fax' });
    expect(badType.json().error.issues[0].path).toBe('type');
    const unknownActor = await call('POST', '/activities', {
      lead_id: lead.id,
      type: 'note',
      actor_email: 'ghost@x.example',
    });
    expect(unknownActor.statusCode).toBe(400);
    expect(unknownActor.json().error.issues).toEqual([
      { path: 'actor_email', message: 'no user with email "ghost@x.example"' },
    ]);
    const unknownOpportunity = await call('POST', '/activities', {
      opportunity_external_id: 'none',
      type: 'note',
    });
    expect(unknownOpportunity.json().error.issues[0].path).toBe('opportunity_external_id');
    expect((await call('GET', '/activities/987654')).json().error.code).toBe('ACTIVITY_NOT_FOUND');
    expect((await call('PATCH', '/activities/987654', { notes: 'x' })).statusCode).toBe(404);
    expect(
      (await call('POST', '/activities', { external_id: 'act-dup', lead_id: lead.id, type: 'note' }))
        .statusCode,
    ).toBe(201);
    const before = await activityCount();
    const dup = await call('POST', '/activities', { external_id: 'act-dup', lead_id: lead.id, type: 'call' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.issues[0].path).toBe('external_id');
    expect(await activityCount()).toBe(before);
    const created = (await call('POST', '/activities', { lead_id: lead.id, type: 'email' })).json();
    const orphan = await call('PATCH', `/activities/${created.id}`, { lead_id: null });
    expect(orphan.statusCode).toBe(400);
    expect(orphan.json().error.issues[0].path).toBe('lead_id');
  });

  it('batch-logs idempotently, resolving leads, deals and actors by any key', async () => {
    const lead = await createLead({ email: 'batch-act@example.com', external_id: 'batch-act-lead' });
    const deal = (
      await call('POST', '/opportunities', { name: 'Batch deal', external_id: 'batch-deal' })
    ).json();
    const items = Array.from({ length: 120 }, (_, i) => ({
      external_id: `batchact-${i}`,
      ...(i % 3 === 0
        ? { lead_external_id: 'batch-act-lead' }
        : i % 3 === 1
          ? { opportunity_external_id: 'batch-deal' }
          : { email: 'batch-act@example.com', opportunity_id: deal.id }),
      type: (['call', 'email', 'meeting', 'note'] as const)[i % 4],
      occurred_at: new Date(Date.UTC(2026, 2, 1, 8, i)).toISOString(),
      ...(i % 2 ? { actor_email: 'AE@test.example' } : { actor_id: sdr.id }),
    }));
    const before = await activityCount();
    const first = (await call('POST', '/activities/batch', { items })).json();
    expect(first.created).toBe(120);
    expect(first.existing).toBe(0);
    expect(await activityCount()).toBe(before + 120);
    const again = (await call('POST', '/activities/batch', { items })).json();
    expect(again).toEqual({ created: 0, existing: 120, ids: first.ids });
    expect(await activityCount()).toBe(before + 120);

    const stored = await sql<{ lead: number | null; opp: number | null; actor: number | null; n: number }>`
      select lead_id as lead, opportunity_id as opp, actor_id as actor, count(*)::int as n
      from activities where external_id like 'batchact-%' group by 1, 2, 3 order by 1, 2, 3`.execute(
      ctx.database.db,
    );
    // i % 3 picks the record, i % 2 the actor: 20 of each of the six combinations.
    const expected = [
      { lead: lead.id, opp: null, actor: rep.id, n: 20 },
      { lead: lead.id, opp: null, actor: sdr.id, n: 20 },
      { lead: lead.id, opp: deal.id, actor: rep.id, n: 20 },
      { lead: lead.id, opp: deal.id, actor: sdr.id, n: 20 },
      { lead: null, opp: deal.id, actor: rep.id, n: 20 },
      { lead: null, opp: deal.id, actor: sdr.id, n: 20 },
    ].sort(
      (a, b) =>
        (a.lead ?? 1e9) - (b.lead ?? 1e9) ||
        (a.opp ?? 1e9) - (b.opp ?? 1e9) ||
        (a.actor ?? 0) - (b.actor ?? 0),
    );
    expect(stored.rows).toEqual(expected);
  });

  it('writes nothing when one batch item has an unknown reference', async () => {
    await createLead({ email: 'partial-act@example.com' });
    const before = await activityCount();
    const items = Array.from({ length: 30 }, (_, i) => ({
      external_id: `partial-act-${i}`,
      email: i === 12 ? 'nobody@example.com' : 'partial-act@example.com',
      type: 'call',
      ...(i === 20 ? { actor_email: 'nobody-user@example.com' } : {}),
    }));
    const response = await call('POST', '/activities/batch', { items });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.issues).toEqual([
      { path: 'items.12.email', message: 'no lead with email "nobody@example.com"' },
      { path: 'items.20.actor_email', message: 'no user with email "nobody-user@example.com"' },
    ]);
    expect(await activityCount()).toBe(before);
  });

  it('replays a batch with the same Idempotency-Key', async () => {
    const lead = await createLead({ email: 'key-act@example.com' });
    const headers = { ...ctx.admin.headers, 'idempotency-key': 'activity-key-1' };
    const payload = { items: [{ lead_id: lead.id, type: 'call' }] };
    const before = await activityCount();
    const first = await ctx.app.inject({ method: 'POST', url: '/api/v1/activities/batch', headers, payload });
    const second = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/activities/batch',
      headers,
      payload,
    });
    expect(second.json()).toEqual(first.json());
    expect(second.headers['idempotent-replay']).toBe('true');
    expect(await activityCount()).toBe(before + 1);
  });

  it('lets reps log only as themselves on leads or deals they own; executives only read', async () => {
    const mine = await createLead({ email: 'rep-lead@example.com', owner_id: rep.id });
    const sdrLead = await createLead({ email: 'sdr-lead@example.com', owner_id: sdr.id });
    const repDeal = (await call('POST', '/opportunities', { name: 'AE deal', owner_id: rep.id })).json();

    expect(
      (await call('POST', '/activities', { lead_id: mine.id, type: 'call' }, rep.headers)).statusCode,
    ).toBe(201);
    const notMine = await call('POST', '/activities', { lead_id: sdrLead.id, type: 'call' }, rep.headers);
    expect(notMine.statusCode).toBe(403);
    expect(notMine.json().error.message).toContain(`Lead ${sdrLead.id} is not yours`);
    // The AE's own deal with the SDR's contact: owning the deal is enough.
    const onDeal = await call(
      'POST',
      '/activities',
      { lead_id: sdrLead.id, opportunity_id: repDeal.id, type: 'meeting' },
      rep.headers,
    );
    expect(onDeal.statusCode).toBe(201);
    const asSomeoneElse = await call(
      'POST',
      '/activities',
      { lead_id: mine.id, type: 'call', actor_id: sdr.id },
      rep.headers,
    );
    expect(asSomeoneElse.statusCode).toBe(403);
    expect(asSomeoneElse.json().error.message).toContain('as themselves');
    const batch = await call(
      'POST',
      '/activities/batch',
      {
        items: [
          { lead_id: mine.id, type: 'call' },
          { lead_id: sdrLead.id, type: 'email' },
        ],
      },
      rep.headers,
    );
    expect(batch.statusCode).toBe(403);
    expect(batch.json().error.issues[0].path).toBe('items.1');

    const sdrActivity = (
      await call('POST', '/activities', { lead_id: sdrLead.id, type: 'note' }, sdr.headers)
    ).json();
    expect(sdrActivity.actor_id).toBe(sdr.id);
    const editOthers = await call('PATCH', `/activities/${sdrActivity.id}`, { notes: 'x' }, rep.headers);
    expect(editOthers.statusCode).toBe(403);
    expect(editOthers.json().error.message).toContain('logged by someone else');
    expect((await call('DELETE', `/activities/${sdrActivity.id}`, undefined, rep.headers)).statusCode).toBe(
      403,
    );

    const byMarketing = await call(
      'POST',
      '/activities',
      { lead_id: sdrLead.id, type: 'email', actor_id: sdr.id },
      marketer.headers,
    );
    expect(byMarketing.statusCode).toBe(201);
    expect(byMarketing.json().actor_id).toBe(sdr.id);
    const exec = await call('POST', '/activities', { lead_id: mine.id, type: 'note' }, executive.headers);
    expect(exec.statusCode).toBe(403);
    expect(
      (await call('GET', `/activities?lead_id=${mine.id}`, undefined, executive.headers)).statusCode,
    ).toBe(200);
  });

  it('filters and pages by time without gaps or repeats', async () => {
    const lead = await createLead({ email: 'paging-act@example.com' });
    const deal = (await call('POST', '/opportunities', { name: 'Paging act deal' })).json();
    const items = Array.from({ length: 9 }, (_, i) => ({
      lead_id: lead.id,
      ...(i % 3 === 0 ? { opportunity_id: deal.id } : {}),
      type: i % 2 ? 'call' : 'email',
      outcome: i % 4 === 0 ? 'no_answer' : 'connected',
      occurred_at: `2025-09-0${1 + (i % 3)}T12:00:00.000Z`,
      actor_id: i < 5 ? rep.id : sdr.id,
    }));
    const { ids } = (await call('POST', '/activities/batch', { items })).json() as { ids: number[] };
    const expected = ids
      .map((id, i) => ({ id, at: Date.parse(items[i]?.occurred_at as string) }))
      .sort((a, b) => a.at - b.at || a.id - b.id)
      .map((row) => row.id);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/activities?lead_id=${lead.id}&sort=occurred_at&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page: { items: { id: number }[]; next_cursor: string | null } = (await call('GET', url)).json();
      seen.push(...page.items.map((item) => item.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(expected);

    const count = async (query: string) =>
      (await call('GET', `/activities?limit=100&${query}`)).json().items.length;
    expect(await count(`lead_id=${lead.id}&type=call`)).toBe(4);
    expect(await count(`opportunity_id=${deal.id}`)).toBe(3);
    expect(await count(`lead_id=${lead.id}&actor_id=${sdr.id}`)).toBe(4);
    expect(await count(`lead_id=${lead.id}&outcome=no_answer`)).toBe(3);
    expect(await count(`lead_id=${lead.id}&occurred_from=2025-09-02&occurred_to=2025-09-03`)).toBe(3);
  });
});
