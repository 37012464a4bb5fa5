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

async function names(query: string): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/products?${query}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
    const page: { items: { name: string }[]; next_cursor: string | null } = (await call('GET', url)).json();
    names.push(...page.items.map((item) => item.name));
    cursor = page.next_cursor;
  } while (cursor);
  return names;
}

describe('products API', () => {
  it('creates, reads, changes and deletes a product; its deals keep their amounts', async () => {
    const created = await call('POST', '/products', {
      name: 'GTX Pro',
      series: 'GTX',
      price: 4821.5,
      external_id: 'p-1',
    });
    expect(created.statusCode).toBe(201);
    const product = created.json();
    expect(product).toMatchObject({ name: 'GTX Pro', series: 'GTX', price: 4821.5, external_id: 'p-1' });
    expect((await call('GET', `/products/${product.id}`)).json()).toEqual(product);
    expect((await call('PATCH', `/products/${product.id}`, { price: 4999 })).json().price).toBe(4999);
    expect((await call('PATCH', `/products/${product.id}`, {})).json().price).toBe(4999);
    const deal = (
      await call('POST', '/opportunities', { name: 'GTX deal', product_id: product.id, amount: 4999 })
    ).json();
    expect((await call('DELETE', `/products/${product.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/products/${product.id}`)).statusCode).toBe(404);
    expect((await call('GET', `/opportunities/${deal.id}`)).json()).toMatchObject({
      product_id: null,
      amount: 4999,
    });
  });

  it('names the field on bad input, 404s unknown ids and 409s a taken name or external_id', async () => {
    expect((await call('POST', '/products', { price: 1 })).json().error.issues[0].path).toBe('name');
    expect((await call('POST', '/products', { name: 'Neg', price: -1 })).json().error.issues[0].path).toBe(
      'price',
    );
    expect((await call('PATCH', '/products/999999', { price: 1 })).json().error.code).toBe(
      'PRODUCT_NOT_FOUND',
    );
    expect((await call('DELETE', '/products/999999')).statusCode).toBe(404);
    await call('POST', '/products', { name: 'MG Special', external_id: 'p-dup' });
    const sameName = await call('POST', '/products', { name: 'MG Special' });
    expect(sameName.statusCode).toBe(409);
    expect(sameName.json().error.issues[0].path).toBe('name');
    const sameExternal = await call('POST', '/products', { name: 'MG Other', external_id: 'p-dup' });
    expect(sameExternal.statusCode).toBe(409);
    expect(sameExternal.json().error.issues[0].path).toBe('external_id');
  });

  it('filters by series and search, and sorts by name or price without gaps or repeats', async () => {
    for (const [name, price] of [
      ['Zeta Basic', 55],
      ['Zeta Advanced', 550],
      ['Zeta Plus', null],
      ['Zeta Max', 550],
      ['Zeta Lite', 10],
    ] as const) {
      await call('POST', '/products', { name, series: 'Zeta', price });
    }
    expect(await names('series=Zeta')).toEqual([
      'Zeta Advanced',
      'Zeta Basic',
      'Zeta Lite',
      'Zeta Max',
      'Zeta Plus',
    ]);
    expect(await names('series=Zeta&sort=-name')).toEqual([
      'Zeta Plus',
      'Zeta Max',
      'Zeta Lite',
      'Zeta Basic',
      'Zeta Advanced',
    ]);
    // Equal prices fall back to id order; the unpriced product comes last.
    expect(await names('series=Zeta&sort=price')).toEqual([
      'Zeta Lite',
      'Zeta Basic',
      'Zeta Advanced',
      'Zeta Max',
      'Zeta Plus',
    ]);
    expect(await names('q=zeta%20l')).toEqual(['Zeta Lite']);
  });

  it('lets admins and marketing keep the catalogue; others read it', async () => {
    expect((await call('POST', '/products', { name: 'By marketing' }, marketer.headers)).statusCode).toBe(
      201,
    );
    for (const user of [rep, executive]) {
      const response = await call('POST', '/products', { name: `By ${user.role}` }, user.headers);
      expect(response.statusCode).toBe(403);
      expect(response.json().error.message).toBe(
        `Your role (${user.role}) cannot create products; it needs admin or marketing`,
      );
      expect((await call('GET', '/products', undefined, user.headers)).statusCode).toBe(200);
    }
  });
});
