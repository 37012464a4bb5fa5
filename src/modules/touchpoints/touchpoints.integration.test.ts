import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext, type TestUser } from '../../testing/harness.ts';
import {
  type LeadTouchFields,
  leadTouchFieldsAfter,
  type TouchForAttribution,
  UTM_FIELDS,
  type Utm,
} from './touchpoints.ts';

let ctx: TestContext;
let marketer: TestUser;
let rep: TestUser;
let otherRep: TestUser;
let executive: TestUser;

beforeAll(async () => {
  ctx = await createTestContext();
  marketer = await ctx.user('marketing');
  rep = await ctx.user('sales');
  otherRep = await ctx.user('sdr');
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

async function touchpointCount(): Promise<number> {
  const row = await sql<{ n: number }>`select count(*)::int as n from touchpoints`.execute(ctx.database.db);
  return row.rows[0]?.n ?? -1;
}

describe('touchpoints API', () => {
  it('records one touchpoint, takes the channel from its campaign and updates the lead', async () => {
    const lead = await createLead({ email: 'single@example.com', external_id: 'lead-single' });
    const campaign = (
      await call('POST', '/campaigns', {
        name: 'Spring webinar',
        channel: 'webinar',
        external_id: 'cmp-spring',
      })
    ).json();
    const response = await call('POST', '/touchpoints', {
      external_id: 'tp-single-1',
      lead_external_id: 'lead-single',
      type: 'webinar',
      occurred_at: '2026-03-01T15:00:00Z',
      campaign_external_id: 'cmp-spring',
      utm_source: 'linkedin',
      utm_medium: 'paid_social',
      utm_campaign: 'spring',
      metadata: { seat: 12 },
    });
    expect(response.statusCode).toBe(201);
    const touch = response.json();
    expect(touch).toMatchObject({
      external_id: 'tp-single-1',
      lead_id: lead.id,
      type: 'webinar',
      occurred_at: '2026-03-01T15:00:00.000Z',
      channel: 'webinar',
      campaign_id: campaign.id,
      utm_source: 'linkedin',
      metadata: { seat: 12 },
    });
    const read = await call('GET', `/touchpoints/${touch.id}`);
    expect(read.json()).toEqual(touch);
    const updated = (await call('GET', `/leads/${lead.id}`)).json();
    expect(updated).toMatchObject({
      first_utm_source: 'linkedin',
      first_utm_medium: 'paid_social',
      first_utm_campaign: 'spring',
      last_utm_source: 'linkedin',
      last_utm_medium: 'paid_social',
      last_utm_campaign: 'spring',
      first_campaign_id: campaign.id,
    });
  });

  it('names the field and the reason on bad input', async () => {
    const lead = await createLead({ email: 'bad-input@example.com' });
    const noLead = await call('POST', '/touchpoints', { type: 'page_view' });
    expect(noLead.statusCode).toBe(400);
    expect(noLead.json().error.issues[0].path).toBe('lead_id');

    const badType = await call('POST', '/touchpoints', { lead_id: lead.id, type: 'fax' });
    expect(badType.statusCode).toBe(400);
    expect(badType.json().error.issues[0].path).toBe('type');

    const unknownLead = await call('POST', '/touchpoints', { lead_external_id: 'nobody', type: 'chat' });
    expect(unknownLead.statusCode).toBe(400);
    expect(unknownLead.json().error.issues).toEqual([
      { path: 'lead_external_id', message: 'no lead with external_id "nobody"' },
    ]);

    const other = await createLead({ email: 'other-ref@example.com' });
    const disagree = await call('POST', '/touchpoints', {
      lead_id: lead.id,
      email: 'other-ref@example.com',
      type: 'chat',
    });
    expect(disagree.statusCode).toBe(400);
    expect(disagree.json().error.issues[0]).toEqual({
      path: 'email',
      message: `points at lead ${other.id} but lead_id points at lead ${lead.id}`,
    });

    const future = await call('POST', '/touchpoints', {
      lead_id: lead.id,
      type: 'chat',
      occurred_at: new Date(Date.now() + 3 * 86_400_000).toISOString(),
    });
    expect(future.statusCode).toBe(400);
    expect(future.json().error.issues[0].path).toBe('occurred_at');

    const typo = await call('POST', '/touchpoints', { lead_id: lead.id, type: 'chat', utm_sorce: 'x' });
    expect(typo.statusCode).toBe(400);
  });

  it('returns 404 for unknown touchpoints and 409 for a taken external_id', async () => {
    expect((await call('GET', '/touchpoints/987654')).statusCode).toBe(404);
    expect((await call('DELETE', '/touchpoints/987654')).json().error.code).toBe('TOUCHPOINT_NOT_FOUND');
    const lead = await createLead({ email: 'dup-touch@example.com' });
    const first = await call('POST', '/touchpoints', {
      external_id: 'tp-dup',
      lead_id: lead.id,
      type: 'chat',
    });
    expect(first.statusCode).toBe(201);
    const before = await touchpointCount();
    const second = await call('POST', '/touchpoints', {
      external_id: 'tp-dup',
      lead_id: lead.id,
      type: 'event',
    });
    expect(second.statusCode).toBe(409);
    expect(second.json().error.issues[0].path).toBe('external_id');
    expect(await touchpointCount()).toBe(before);
  });

  it('batch-ingests idempotently by external_id: a resend creates nothing and reports the same ids', async () => {
    const leads: { id: number }[] = [];
    for (let i = 0; i < 3; i++)
      leads.push(await createLead({ email: `idem${i}@example.com`, external_id: `idem-${i}` }));
    const items = Array.from({ length: 300 }, (_, i) => ({
      external_id: `idem-tp-${i}`,
      ...(i % 3 === 0
        ? { lead_id: leads[0]?.id }
        : i % 3 === 1
          ? { lead_external_id: 'idem-1' }
          : { email: 'IDEM2@example.com' }),
      type: 'page_view',
      occurred_at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
    }));
    const before = await touchpointCount();
    const first = await call('POST', '/touchpoints/batch', { items });
    expect(first.statusCode).toBe(200);
    const firstBody = first.json();
    expect(firstBody.created).toBe(300);
    expect(firstBody.existing).toBe(0);
    expect(new Set(firstBody.ids).size).toBe(300);
    expect(await touchpointCount()).toBe(before + 300);

    const again = await call('POST', '/touchpoints/batch', { items });
    expect(again.json()).toEqual({ created: 0, existing: 300, ids: firstBody.ids });
    expect(await touchpointCount()).toBe(before + 300);

    // Half old, half new: only the new ones are written, ids still in request order.
    const mixed = [...items.slice(0, 5), { external_id: 'idem-tp-new', lead_id: leads[1]?.id, type: 'chat' }];
    const third = (await call('POST', '/touchpoints/batch', { items: mixed })).json();
    expect(third.created).toBe(1);
    expect(third.existing).toBe(5);
    expect(third.ids.slice(0, 5)).toEqual(firstBody.ids.slice(0, 5));
    expect(await touchpointCount()).toBe(before + 301);

    const perLead = await sql<{ lead_id: number; n: number }>`
      select lead_id, count(*)::int as n from touchpoints where external_id like 'idem-tp-%' group by lead_id order by lead_id`.execute(
      ctx.database.db,
    );
    expect(perLead.rows).toEqual([
      { lead_id: leads[0]?.id, n: 100 },
      { lead_id: leads[1]?.id, n: 101 },
      { lead_id: leads[2]?.id, n: 100 },
    ]);
  });

  it('writes nothing when one item of a batch points at an unknown lead', async () => {
    const lead = await createLead({ email: 'partial@example.com', external_id: 'partial' });
    const before = await touchpointCount();
    const items = Array.from({ length: 50 }, (_, i) => ({
      external_id: `partial-${i}`,
      lead_external_id: i === 37 ? 'ghost' : 'partial',
      type: 'ad_click',
      utm_source: 'google',
      occurred_at: '2026-02-01T00:00:00Z',
    }));
    const response = await call('POST', '/touchpoints/batch', { items });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.issues).toEqual([
      { path: 'items.37.lead_external_id', message: 'no lead with external_id "ghost"' },
    ]);
    expect(await touchpointCount()).toBe(before);
    const unchanged = (await call('GET', `/leads/${lead.id}`)).json();
    expect(unchanged.last_utm_source).toBeNull();
    expect(unchanged.first_utm_source).toBeNull();

    const badCampaign = await call('POST', '/touchpoints/batch', {
      items: [{ lead_id: lead.id, type: 'chat', campaign_external_id: 'no-such-campaign' }],
    });
    expect(badCampaign.json().error.issues[0].path).toBe('items.0.campaign_external_id');
    const twice = await call('POST', '/touchpoints/batch', {
      items: [
        { external_id: 'same', lead_id: lead.id, type: 'chat' },
        { external_id: 'same', lead_id: lead.id, type: 'chat' },
      ],
    });
    expect(twice.statusCode).toBe(400);
    expect(twice.json().error.issues[0].path).toBe('items.1.external_id');
    const tooMany = await call('POST', '/touchpoints/batch', {
      items: Array.from({ length: 10_001 }, () => ({ lead_id: lead.id, type: 'chat' })),
    });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().error.issues[0].path).toBe('items');
    expect(await touchpointCount()).toBe(before);
  });

  it('replays a batch with the same Idempotency-Key and refuses the key for another body', async () => {
    const lead = await createLead({ email: 'idem-key@example.com' });
    const headers = { ...ctx.admin.headers, 'idempotency-key': 'touch-key-1' };
    // No external ids: only the key keeps a retry from recording the touches twice.
    const payload = {
      items: [
        { lead_id: lead.id, type: 'email_open' },
        { lead_id: lead.id, type: 'email_click' },
      ],
    };
    const before = await touchpointCount();
    const first = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/touchpoints/batch',
      headers,
      payload,
    });
    const second = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/touchpoints/batch',
      headers,
      payload,
    });
    expect(first.json().created).toBe(2);
    expect(second.json()).toEqual(first.json());
    expect(second.headers['idempotent-replay']).toBe('true');
    expect(await touchpointCount()).toBe(before + 2);
    const other = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/touchpoints/batch',
      headers,
      payload: { items: [{ lead_id: lead.id, type: 'chat' }] },
    });
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it("keeps the lead's first/last-touch fields as the plain rules say, over batches arriving out of order", async () => {
    // A small deterministic generator; the expected fields come from leadTouchFieldsAfter,
    // a plain restatement of the rules, replayed over the same batches.
    let seed = 20260301;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
    const campaigns: number[] = [];
    for (let i = 0; i < 3; i++) {
      campaigns.push(
        (await call('POST', '/campaigns', { name: `Journey ${i}`, channel: `ch${i}` })).json().id,
      );
    }
    const leads: { id: number; state: LeadTouchFields; touches: TouchForAttribution[] }[] = [];
    for (let i = 0; i < 6; i++) {
      const lead = await createLead({ email: `journey${i}@example.com` });
      leads.push({ id: lead.id, state: { first: null, last: null, first_campaign_id: null }, touches: [] });
    }
    // Few distinct moments so that ties in occurred_at happen, across and within batches.
    const moments = Array.from({ length: 8 }, (_, i) => new Date(Date.UTC(2026, 1, 1 + i * 3, 9)));
    for (let batch = 0; batch < 6; batch++) {
      const items = Array.from({ length: 30 }, () => {
        const lead = pick(leads);
        const withUtm = random() < 0.6;
        const utm: Utm = {
          utm_source: withUtm ? pick(['google', 'bing', 'newsletter']) : null,
          utm_medium: withUtm && random() < 0.7 ? pick(['cpc', 'email']) : null,
          utm_campaign: withUtm && random() < 0.5 ? `c${Math.floor(random() * 5)}` : null,
          utm_term: null,
          utm_content: withUtm && random() < 0.2 ? 'hero' : null,
        };
        const campaignId = random() < 0.3 ? pick(campaigns) : null;
        return {
          lead,
          body: {
            lead_id: lead.id,
            type: pick(['page_view', 'ad_click', 'email_click'] as const),
            occurred_at: pick(moments).toISOString(),
            ...(campaignId === null ? {} : { campaign_id: campaignId }),
            ...Object.fromEntries(Object.entries(utm).filter(([, value]) => value !== null)),
          },
          utm,
          campaignId,
        };
      });
      const response = await call('POST', '/touchpoints/batch', { items: items.map((item) => item.body) });
      expect(response.statusCode).toBe(200);
      const ids: number[] = response.json().ids;
      for (const lead of leads) {
        const batchTouches = items.flatMap((item, index) =>
          item.lead.id === lead.id
            ? [
                {
                  ...item.utm,
                  id: ids[index] as number,
                  occurred_at: new Date(item.body.occurred_at),
                  campaign_id: item.campaignId,
                },
              ]
            : [],
        );
        lead.state = leadTouchFieldsAfter(lead.state, lead.touches, batchTouches);
        lead.touches.push(...batchTouches);
      }
    }
    const utmOf = (row: Json, prefix: 'first' | 'last'): Utm | null => {
      const utm = Object.fromEntries(
        UTM_FIELDS.map((field) => [field, row[`${prefix}_${field}`] ?? null]),
      ) as Utm;
      return Object.values(utm).every((value) => value === null) ? null : utm;
    };
    for (const lead of leads) {
      const row = (await call('GET', `/leads/${lead.id}`)).json();
      expect({
        first: utmOf(row, 'first'),
        last: utmOf(row, 'last'),
        first_campaign_id: row.first_campaign_id,
      }).toEqual(lead.state);
    }
    // The generator did exercise the rules: some lead has both fields set and they differ.
    expect(
      leads.some((lead) => lead.state.first && lead.state.last && lead.state.first !== lead.state.last),
    ).toBe(true);
  });

  it('runs concurrent batches over the same leads without deadlock or lost writes', async () => {
    const leads: { id: number }[] = [];
    for (let i = 0; i < 20; i++) leads.push(await createLead({ email: `concurrent${i}@example.com` }));
    const batch = (tag: string, order: { id: number }[]) =>
      call('POST', '/touchpoints/batch', {
        items: Array.from({ length: 200 }, (_, i) => ({
          external_id: `${tag}-${i}`,
          lead_id: order[i % order.length]?.id,
          type: 'page_view',
          utm_source: tag,
          occurred_at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
        })),
      });
    const before = await touchpointCount();
    const results = await Promise.all([
      batch('up', leads),
      batch('down', [...leads].reverse()),
      batch('up2', leads),
    ]);
    expect(results.map((result) => result.statusCode)).toEqual([200, 200, 200]);
    expect(results.map((result) => result.json().created)).toEqual([200, 200, 200]);
    expect(await touchpointCount()).toBe(before + 600);
  });

  it('pages through touchpoints sorted by time without gaps or repeats, ties included', async () => {
    const lead = await createLead({ email: 'paging-touch@example.com' });
    const moments = [
      '2025-05-01T00:00:00Z',
      '2025-05-02T00:00:00Z',
      '2025-05-02T00:00:00Z',
      '2025-05-03T00:00:00Z',
    ];
    const items = Array.from({ length: 11 }, (_, i) => ({
      lead_id: lead.id,
      type: 'page_view',
      occurred_at: moments[i % moments.length],
    }));
    const { ids } = (await call('POST', '/touchpoints/batch', { items })).json() as { ids: number[] };
    const expected = ids
      .map((id, i) => ({ id, at: Date.parse(items[i]?.occurred_at as string) }))
      .sort((a, b) => b.at - a.at || b.id - a.id)
      .map((row) => row.id);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/touchpoints?lead_id=${lead.id}&limit=4${cursor ? `&cursor=${cursor}` : ''}`;
      const page: { items: { id: number }[]; next_cursor: string | null } = (await call('GET', url)).json();
      seen.push(...page.items.map((item) => item.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(expected);

    const ascending: number[] = [];
    cursor = null;
    do {
      const url: string = `/touchpoints?lead_id=${lead.id}&sort=occurred_at&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page: { items: { id: number }[]; next_cursor: string | null } = (await call('GET', url)).json();
      ascending.push(...page.items.map((item) => item.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(ascending).toEqual([...expected].reverse());
  });

  it('filters by type, channel, campaign and time', async () => {
    const lead = await createLead({ email: 'filters-touch@example.com' });
    const campaign = (await call('POST', '/campaigns', { name: 'Filter fair', channel: 'events' })).json();
    await call('POST', '/touchpoints/batch', {
      items: [
        { lead_id: lead.id, type: 'event', campaign_id: campaign.id, occurred_at: '2025-06-01T10:00:00Z' },
        { lead_id: lead.id, type: 'chat', channel: 'web', occurred_at: '2025-06-02T10:00:00Z' },
        { lead_id: lead.id, type: 'form_fill', channel: 'web', occurred_at: '2025-06-03T10:00:00Z' },
      ],
    });
    const ofType = (await call('GET', `/touchpoints?lead_id=${lead.id}&type=chat,form_fill`)).json();
    expect(ofType.items.map((item: Json) => item.type)).toEqual(['form_fill', 'chat']);
    const byCampaign = (await call('GET', `/touchpoints?campaign_id=${campaign.id}`)).json();
    expect(byCampaign.items.map((item: Json) => item.channel)).toEqual(['events']);
    const byChannel = (
      await call('GET', `/touchpoints?lead_id=${lead.id}&channel=web&sort=occurred_at`)
    ).json();
    expect(byChannel.items.map((item: Json) => item.type)).toEqual(['chat', 'form_fill']);
    const inRange = (
      await call('GET', `/touchpoints?lead_id=${lead.id}&occurred_from=2025-06-02&occurred_to=2025-06-03`)
    ).json();
    expect(inRange.items.map((item: Json) => item.type)).toEqual(['chat']);
    const badType = await call('GET', '/touchpoints?type=fax');
    expect(badType.statusCode).toBe(400);
    expect(badType.json().error.issues[0].path).toBe('type');
    const badSort = await call('GET', '/touchpoints?sort=amount');
    expect(badSort.json().error.issues[0].path).toBe('sort');
  });

  it('lets marketing ingest, reps record only on their own leads, and executives only read', async () => {
    const mine = await createLead({ email: 'rep-own@example.com', owner_id: rep.id });
    const byMarketing = await call(
      'POST',
      '/touchpoints/batch',
      { items: [{ lead_id: mine.id, type: 'chat' }] },
      marketer.headers,
    );
    expect(byMarketing.statusCode).toBe(200);
    const own = await call('POST', '/touchpoints', { lead_id: mine.id, type: 'event' }, rep.headers);
    expect(own.statusCode).toBe(201);
    const notMine = await call('POST', '/touchpoints', { lead_id: mine.id, type: 'event' }, otherRep.headers);
    expect(notMine.statusCode).toBe(403);
    expect(notMine.json().error.message).toContain(`Lead ${mine.id} is not yours`);
    const repBatch = await call(
      'POST',
      '/touchpoints/batch',
      { items: [{ lead_id: mine.id, type: 'chat' }] },
      rep.headers,
    );
    expect(repBatch.statusCode).toBe(403);
    expect(repBatch.json().error.message).toContain('needs admin or marketing');
    const exec = await call('POST', '/touchpoints', { lead_id: mine.id, type: 'chat' }, executive.headers);
    expect(exec.statusCode).toBe(403);
    expect(exec.json().error.message).toContain('Executives can read');
    expect(
      (await call('GET', `/touchpoints?lead_id=${mine.id}`, undefined, executive.headers)).statusCode,
    ).toBe(200);
    const repDelete = await call('DELETE', `/touchpoints/${own.json().id}`, undefined, rep.headers);
    expect(repDelete.statusCode).toBe(403);
    const deleted = await call('DELETE', `/touchpoints/${own.json().id}`, undefined, marketer.headers);
    expect(deleted.statusCode).toBe(204);
    expect((await call('GET', `/touchpoints/${own.json().id}`)).statusCode).toBe(404);
  });
});
