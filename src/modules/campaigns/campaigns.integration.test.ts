import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext, type TestUser } from '../../testing/harness.ts';

let ctx: TestContext;
let marketer: TestUser;
let rep: TestUser;
let executive: TestUser;

beforeAll(async () => {
  ctx = await createTestContext();
  marketer = await ctx.user('marketing');
  rep = await ctx.user('sales');
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

async function ids(query: string): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/campaigns?${query}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
    const response = await call('GET', url);
    expect(response.statusCode).toBe(200);
    const page: { items: { id: number }[]; next_cursor: string | null } = response.json();
    ids.push(...page.items.map((item) => item.id));
    cursor = page.next_cursor;
  } while (cursor);
  return ids;
}

describe('campaigns API', () => {
  it('creates a program with a child campaign, reads, changes and deletes them', async () => {
    const program = await call(
      'POST',
      '/campaigns',
      {
        name: 'FY26 demand program',
        channel: 'multi',
        type: 'program',
        status: 'planned',
        budget: 250000,
        start_date: '2026-01-01',
        end_date: '2026-12-31',
        owner_id: marketer.id,
        external_id: 'prog-fy26',
      },
      marketer.headers,
    );
    expect(program.statusCode).toBe(201);
    const parent = program.json();
    expect(parent).toMatchObject({
      name: 'FY26 demand program',
      channel: 'multi',
      status: 'planned',
      cost: 0,
      budget: 250000,
      start_date: '2026-01-01',
      end_date: '2026-12-31',
      owner_id: marketer.id,
      parent_id: null,
    });
    const child = (
      await call('POST', '/campaigns', {
        name: 'Q1 webinar series',
        channel: 'webinar',
        parent_id: parent.id,
        cost: 1234.56,
        start_date: '2026-01-15',
      })
    ).json();
    expect(child).toMatchObject({ parent_id: parent.id, cost: 1234.56, status: 'active', end_date: null });
    expect((await call('GET', `/campaigns/${child.id}`)).json()).toEqual(child);
    const changed = await call('PATCH', `/campaigns/${child.id}`, {
      cost: 2000,
      status: 'completed',
      end_date: '2026-03-31',
    });
    expect(changed.json()).toMatchObject({ cost: 2000, status: 'completed', end_date: '2026-03-31' });
    expect(await ids(`parent_id=${parent.id}`)).toEqual([child.id]);
    expect((await call('DELETE', `/campaigns/${parent.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/campaigns/${parent.id}`)).statusCode).toBe(404);
    expect((await call('GET', `/campaigns/${child.id}`)).json().parent_id).toBeNull();
  });

  it('refuses an end before the start with 400 naming end_date, also after a change of start', async () => {
    const backwards = await call('POST', '/campaigns', {
      name: 'Backwards',
      channel: 'email',
      start_date: '2026-05-01',
      end_date: '2026-04-30',
    });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error.issues[0]).toEqual({
      path: 'end_date',
      message: 'must be on or after start_date (2026-05-01), got 2026-04-30',
    });
    const campaign = (
      await call('POST', '/campaigns', {
        name: 'Window',
        channel: 'email',
        start_date: '2026-05-01',
        end_date: '2026-05-31',
      })
    ).json();
    const laterStart = await call('PATCH', `/campaigns/${campaign.id}`, { start_date: '2026-06-15' });
    expect(laterStart.statusCode).toBe(400);
    expect(laterStart.json().error.issues[0].path).toBe('end_date');
    expect((await call('GET', `/campaigns/${campaign.id}`)).json().start_date).toBe('2026-05-01');
    expect((await call('PATCH', `/campaigns/${campaign.id}`, { start_date: '2026-05-31' })).statusCode).toBe(
      200,
    );
  });

  it('names the field on bad input, 404s unknown ids and 409s a taken external_id', async () => {
    const noChannel = await call('POST', '/campaigns', { name: 'No channel' });
    expect(noChannel.json().error.issues[0].path).toBe('channel');
    const negative = await call('POST', '/campaigns', { name: 'Neg', channel: 'x', cost: -5 });
    expect(negative.json().error.issues[0].path).toBe('cost');
    const badStatus = await call('POST', '/campaigns', { name: 'S', channel: 'x', status: 'paused' });
    expect(badStatus.json().error.issues[0].path).toBe('status');
    const badDate = await call('POST', '/campaigns', { name: 'D', channel: 'x', start_date: '2026-02-30' });
    expect(badDate.json().error.issues[0].path).toBe('start_date');
    const badParent = await call('POST', '/campaigns', { name: 'P', channel: 'x', parent_id: 999999 });
    expect(badParent.json().error.issues[0]).toEqual({
      path: 'parent_id',
      message: 'no campaign with id 999999',
    });
    const badOwner = await call('POST', '/campaigns', { name: 'O', channel: 'x', owner_id: 999999 });
    expect(badOwner.json().error.issues[0].path).toBe('owner_id');
    expect((await call('GET', '/campaigns/999999')).json().error.code).toBe('CAMPAIGN_NOT_FOUND');
    expect((await call('PATCH', '/campaigns/999999', { cost: 1 })).statusCode).toBe(404);
    expect(
      (await call('POST', '/campaigns', { name: 'E', channel: 'x', external_id: 'cmp-dup' })).statusCode,
    ).toBe(201);
    const dup = await call('POST', '/campaigns', { name: 'F', channel: 'x', external_id: 'cmp-dup' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.issues[0].path).toBe('external_id');
  });

  it('refuses a parent program chain that would loop', async () => {
    const top = (await call('POST', '/campaigns', { name: 'Top', channel: 'multi' })).json();
    const middle = (
      await call('POST', '/campaigns', { name: 'Middle', channel: 'multi', parent_id: top.id })
    ).json();
    const leaf = (
      await call('POST', '/campaigns', { name: 'Leaf', channel: 'email', parent_id: middle.id })
    ).json();
    const self = await call('PATCH', `/campaigns/${top.id}`, { parent_id: top.id });
    expect(self.statusCode).toBe(400);
    expect(self.json().error.issues[0].path).toBe('parent_id');
    const loop = await call('PATCH', `/campaigns/${top.id}`, { parent_id: leaf.id });
    expect(loop.statusCode).toBe(400);
    expect(loop.json().error.message).toContain('would loop');
    expect((await call('PATCH', `/campaigns/${leaf.id}`, { parent_id: top.id })).statusCode).toBe(200);
  });

  it('filters by channel, status, owner, program and dates and pages without gaps or repeats', async () => {
    const made: Record<string, number> = {};
    const rows: [string, Json][] = [
      ['jan', { channel: 'ads', status: 'completed', start_date: '2025-01-05', end_date: '2025-01-31' }],
      ['feb', { channel: 'ads', status: 'completed', start_date: '2025-02-01', end_date: '2025-03-15' }],
      ['mar', { channel: 'email', status: 'active', start_date: '2025-03-10', owner_id: marketer.id }],
      ['open', { channel: 'events', status: 'planned' }],
      ['apr', { channel: 'email', status: 'cancelled', start_date: '2025-04-01', end_date: '2025-04-02' }],
    ];
    for (const [key, body] of rows) {
      made[key] = (
        await call('POST', '/campaigns', { name: `Filter ${key}`, type: 'filter-test', ...body })
      ).json().id;
    }
    const m = (key: string) => made[key] as number;
    expect(await ids('type=filter-test&channel=ads&sort=start_date')).toEqual([m('jan'), m('feb')]);
    expect(await ids('type=filter-test&channel=ads,email&status=active,cancelled&sort=start_date')).toEqual([
      m('mar'),
      m('apr'),
    ]);
    expect(await ids(`type=filter-test&owner_id=${marketer.id}`)).toEqual([m('mar')]);
    expect(await ids('type=filter-test&start_from=2025-02-01&start_to=2025-03-31&sort=start_date')).toEqual([
      m('feb'),
      m('mar'),
    ]);
    // Running at some time in March: feb (to 15 March), mar (open end), and the undated one.
    expect(await ids('type=filter-test&active_from=2025-03-01&active_to=2025-03-31&sort=id')).toEqual([
      m('feb'),
      m('mar'),
      m('open'),
    ]);
    // Start dates ascending, the undated campaign last.
    expect(await ids('type=filter-test&sort=start_date')).toEqual([
      m('jan'),
      m('feb'),
      m('mar'),
      m('apr'),
      m('open'),
    ]);
    expect(await ids('type=filter-test&sort=-start_date')).toEqual([
      m('apr'),
      m('mar'),
      m('feb'),
      m('jan'),
      m('open'),
    ]);
    expect(await ids('type=filter-test&q=filter%20o')).toEqual([m('open')]);
    expect((await call('GET', '/campaigns?status=paused')).json().error.issues[0].path).toBe('status');
    expect((await call('GET', '/campaigns?sort=owner')).json().error.issues[0].path).toBe('sort');
  });

  it('lets only admins and marketing change campaigns; everyone reads them', async () => {
    const campaign = (
      await call('POST', '/campaigns', { name: 'Perm', channel: 'ads' }, marketer.headers)
    ).json();
    for (const user of [rep, executive]) {
      const create = await call('POST', '/campaigns', { name: 'Nope', channel: 'ads' }, user.headers);
      expect(create.statusCode).toBe(403);
      expect(create.json().error.message).toBe(
        `Your role (${user.role}) cannot create campaigns; it needs admin or marketing`,
      );
      expect((await call('PATCH', `/campaigns/${campaign.id}`, { cost: 1 }, user.headers)).statusCode).toBe(
        403,
      );
      expect((await call('DELETE', `/campaigns/${campaign.id}`, undefined, user.headers)).statusCode).toBe(
        403,
      );
      expect((await call('GET', `/campaigns/${campaign.id}`, undefined, user.headers)).statusCode).toBe(200);
    }
  });
});
