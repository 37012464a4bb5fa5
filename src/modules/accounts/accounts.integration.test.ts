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
  otherRep = await ctx.user('sdr');
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

async function ids(query: string, limit = 2): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/accounts?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
    const response = await call('GET', url);
    expect(response.statusCode).toBe(200);
    const page: { items: { id: number }[]; next_cursor: string | null } = response.json();
    ids.push(...page.items.map((item) => item.id));
    cursor = page.next_cursor;
  } while (cursor);
  return ids;
}

describe('accounts API', () => {
  it('creates an account with its domain reduced to the bare host, reads, changes and deletes it', async () => {
    const created = await call('POST', '/accounts', {
      name: 'Globex',
      domain: 'https://www.Globex.com/about?x=1',
      industry: 'Manufacturing',
      employees: 1200,
      annual_revenue: 98000000.5,
      country: 'DE',
      region: 'EMEA',
      external_id: 'acct-globex',
      custom_fields: { tier: 'A' },
    });
    expect(created.statusCode).toBe(201);
    const account = created.json();
    expect(account).toMatchObject({
      name: 'Globex',
      domain: 'globex.com',
      employees: 1200,
      annual_revenue: 98000000.5,
      owner_id: null,
      custom_fields: { tier: 'A' },
    });
    expect((await call('GET', `/accounts/${account.id}`)).json()).toEqual(account);
    expect(await ids('domain=WWW.GLOBEX.COM')).toEqual([account.id]);
    const changed = (
      await call('PATCH', `/accounts/${account.id}`, { employees: 1500, domain: null })
    ).json();
    expect(changed).toMatchObject({ employees: 1500, domain: null, name: 'Globex' });
    expect(Date.parse(changed.updated_at)).toBeGreaterThanOrEqual(Date.parse(account.updated_at));

    const lead = (await call('POST', '/leads', { email: 'buyer@globex.com', account_id: account.id })).json();
    expect((await call('DELETE', `/accounts/${account.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/accounts/${account.id}`)).statusCode).toBe(404);
    expect((await call('GET', `/leads/${lead.id}`)).json().account_id).toBeNull();
  });

  it('names the field on bad input, 404s unknown ids and 409s a taken external_id', async () => {
    const noName = await call('POST', '/accounts', { domain: 'x.com' });
    expect(noName.json().error.issues[0].path).toBe('name');
    const badDomain = await call('POST', '/accounts', { name: 'Bad', domain: 'not a domain' });
    expect(badDomain.statusCode).toBe(400);
    expect(badDomain.json().error.issues[0]).toEqual({
      path: 'domain',
      message: 'is not a domain name such as example.com',
    });
    const negative = await call('POST', '/accounts', { name: 'Neg', employees: -1 });
    expect(negative.json().error.issues[0].path).toBe('employees');
    const badOwner = await call('POST', '/accounts', { name: 'Owner', owner_id: 999999 });
    expect(badOwner.json().error.issues[0]).toEqual({ path: 'owner_id', message: 'no user with id 999999' });
    expect((await call('GET', '/accounts?domain=%20')).statusCode).toBe(400);
    expect((await call('GET', '/accounts/999999')).json().error.code).toBe('ACCOUNT_NOT_FOUND');
    expect((await call('PATCH', '/accounts/999999', { name: 'x' })).statusCode).toBe(404);
    expect((await call('DELETE', '/accounts/999999')).statusCode).toBe(404);
    expect((await call('POST', '/accounts', { name: 'One', external_id: 'acct-dup' })).statusCode).toBe(201);
    const dup = await call('POST', '/accounts', { name: 'Two', external_id: 'acct-dup' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.issues[0].path).toBe('external_id');
  });

  it('refuses a parent company chain that would loop', async () => {
    const group = (await call('POST', '/accounts', { name: 'Holding' })).json();
    const subsidiary = (
      await call('POST', '/accounts', { name: 'Subsidiary', parent_account_id: group.id })
    ).json();
    const loop = await call('PATCH', `/accounts/${group.id}`, { parent_account_id: subsidiary.id });
    expect(loop.statusCode).toBe(400);
    expect(loop.json().error.issues[0].path).toBe('parent_account_id');
    const self = await call('PATCH', `/accounts/${group.id}`, { parent_account_id: group.id });
    expect(self.json().error.issues[0].message).toBe('an account cannot be its own parent');
    expect(await ids(`parent_account_id=${group.id}`)).toEqual([subsidiary.id]);
  });

  it('filters by industry, country, owner and search, and pages by revenue with nulls last', async () => {
    const rows: [string, Json][] = [
      ['a', { industry: 'Retail', country: 'US', annual_revenue: 5_000_000 }],
      ['b', { industry: 'Retail', country: 'FR', annual_revenue: null }],
      ['c', { industry: 'Software', country: 'US', annual_revenue: 5_000_000, owner_id: rep.id }],
      ['d', { industry: 'Software', country: 'US', annual_revenue: 7_500_000, domain: 'delta-filter.io' }],
      ['e', { industry: 'Retail', country: 'US', annual_revenue: 100 }],
    ];
    const made: Record<string, number> = {};
    for (const [key, body] of rows) {
      made[key] = (
        await call('POST', '/accounts', { name: `Filterco ${key}`, region: 'filter-test', ...body })
      ).json().id;
    }
    const m = (key: string) => made[key] as number;
    // Revenue descending, ties by id descending, the unknown revenue last.
    expect(await ids('region=filter-test&sort=-annual_revenue')).toEqual([
      m('d'),
      m('c'),
      m('a'),
      m('e'),
      m('b'),
    ]);
    expect(await ids('region=filter-test&sort=annual_revenue')).toEqual([
      m('e'),
      m('a'),
      m('c'),
      m('d'),
      m('b'),
    ]);
    expect(await ids('region=filter-test&sort=name', 3)).toEqual(['a', 'b', 'c', 'd', 'e'].map(m));
    expect(await ids('region=filter-test&industry=Retail&country=US&sort=id')).toEqual([m('a'), m('e')]);
    expect(await ids(`region=filter-test&owner_id=${rep.id}`)).toEqual([m('c')]);
    expect(await ids('region=filter-test&unassigned=true&sort=id')).toEqual([m('a'), m('b'), m('d'), m('e')]);
    expect(await ids('q=DELTA-FILTER')).toEqual([m('d')]);
    expect(await ids('region=filter-test&domain=delta-filter.io')).toEqual([m('d')]);
  });

  it('lets reps own and change their accounts, marketing any, and executives only read', async () => {
    const created = await call('POST', '/accounts', { name: 'Rep account' }, rep.headers);
    expect(created.statusCode).toBe(201);
    const account = created.json();
    expect(account.owner_id).toBe(rep.id);
    expect(
      (await call('PATCH', `/accounts/${account.id}`, { industry: 'Energy' }, rep.headers)).statusCode,
    ).toBe(200);
    const other = await call('PATCH', `/accounts/${account.id}`, { industry: 'x' }, otherRep.headers);
    expect(other.statusCode).toBe(403);
    expect(other.json().error.message).toBe(
      `Account ${account.id} is not yours; reps change only the accounts they own`,
    );
    const giveAway = await call('PATCH', `/accounts/${account.id}`, { owner_id: otherRep.id }, rep.headers);
    expect(giveAway.statusCode).toBe(403);
    const forSomeoneElse = await call(
      'POST',
      '/accounts',
      { name: 'Not for me', owner_id: otherRep.id },
      rep.headers,
    );
    expect(forSomeoneElse.statusCode).toBe(403);
    expect((await call('DELETE', `/accounts/${account.id}`, undefined, rep.headers)).statusCode).toBe(403);
    const exec = await call('POST', '/accounts', { name: 'Exec account' }, executive.headers);
    expect(exec.statusCode).toBe(403);
    expect(exec.json().error.message).toBe('Executives can read accounts but not create them');
    expect((await call('GET', `/accounts/${account.id}`, undefined, executive.headers)).statusCode).toBe(200);
    expect(
      (await call('PATCH', `/accounts/${account.id}`, { owner_id: otherRep.id }, marketer.headers)).json()
        .owner_id,
    ).toBe(otherRep.id);
    expect((await call('DELETE', `/accounts/${account.id}`, undefined, marketer.headers)).statusCode).toBe(
      204,
    );
  });
  it('documents every CRM resource in the OpenAPI document under its own tag', async () => {
    const spec = (await ctx.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const expected: Record<string, string[]> = {
      '/api/v1/accounts': ['get', 'post'],
      '/api/v1/accounts/{id}': ['get', 'patch', 'delete'],
      '/api/v1/products/{id}': ['get', 'patch', 'delete'],
      '/api/v1/campaigns/{id}': ['get', 'patch', 'delete'],
      '/api/v1/touchpoints/batch': ['post'],
      '/api/v1/activities/batch': ['post'],
      '/api/v1/opportunities/{id}/contacts': ['get', 'post'],
    };
    for (const [path, methods] of Object.entries(expected)) {
      const operations = spec.paths[path] as Record<string, { tags: string[] }>;
      expect(Object.keys(operations).sort()).toEqual(expect.arrayContaining(methods));
      const tag = path.split('/')[3] as string;
      for (const method of methods) expect(operations[method]?.tags).toEqual([tag]);
    }
  });
});
