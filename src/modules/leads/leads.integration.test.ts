import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext, type TestUser } from '../../testing/harness.ts';

let ctx: TestContext;
let rep: TestUser;
let otherRep: TestUser;
let executive: TestUser;

beforeAll(async () => {
  ctx = await createTestContext();
  rep = await ctx.user('sales');
  otherRep = await ctx.user('sales');
  executive = await ctx.user('executive');
});
afterAll(async () => ctx?.close());

async function createLead(body: Record<string, unknown>, headers = ctx.admin.headers) {
  return ctx.app.inject({ method: 'POST', url: '/api/v1/leads', headers, payload: body });
}

describe('leads API', () => {
  it('refuses calls without credentials', async () => {
    const response = await ctx.app.inject({ method: 'GET', url: '/api/v1/leads' });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('UNAUTHENTICATED');
  });

  it('creates a lead and records its first lifecycle event', async () => {
    const response = await createLead({ email: 'Ada@Example.com', first_name: 'Ada', source: 'webinar' });
    expect(response.statusCode).toBe(201);
    const lead = response.json();
    expect(lead.email).toBe('ada@example.com');
    expect(lead.stage).toBe('lead');
    expect(lead.lead_at).toBe(lead.created_at);
    const timeline = (
      await ctx.app.inject({
        method: 'GET',
        url: `/api/v1/leads/${lead.id}/timeline`,
        headers: ctx.admin.headers,
      })
    ).json();
    expect(timeline.items).toHaveLength(1);
    expect(timeline.items[0]).toMatchObject({ kind: 'stage_change', type: 'lead' });
  });

  it('names the field and the reason on bad input', async () => {
    const response = await createLead({ email: 'not-an-email' });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.issues[0].path).toBe('email');
  });

  it('refuses a second lead with the same email (any case) with 409', async () => {
    await createLead({ email: 'dup@example.com' });
    const response = await createLead({ email: 'DUP@example.com' });
    expect(response.statusCode).toBe(409);
    expect(response.json().error.issues[0].path).toBe('email');
  });

  it('returns 404 for an unknown lead', async () => {
    const response = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/leads/999999',
      headers: ctx.admin.headers,
    });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('LEAD_NOT_FOUND');
  });

  it('moves through the state machine and refuses a backwards move naming both stages', async () => {
    const lead = (await createLead({ email: 'flow@example.com' })).json();
    const toSql = await ctx.app.inject({
      method: 'POST',
      url: `/api/v1/leads/${lead.id}/transitions`,
      headers: ctx.admin.headers,
      payload: { to: 'sql', reason: 'qualified on a call', occurred_at: '2026-03-02T10:00:00Z' },
    });
    expect(toSql.statusCode).toBe(200);
    const moved = toSql.json();
    expect(moved.lead.stage).toBe('sql');
    // Skipped stages are stamped with the same moment.
    expect(moved.lead.mql_at).toBe('2026-03-02T10:00:00.000Z');
    expect(moved.lead.sal_at).toBe('2026-03-02T10:00:00.000Z');
    expect(moved.event).toMatchObject({ from_stage: 'lead', to_stage: 'sql', reason: 'qualified on a call' });

    const back = await ctx.app.inject({
      method: 'POST',
      url: `/api/v1/leads/${lead.id}/transitions`,
      headers: ctx.admin.headers,
      payload: { to: 'mql' },
    });
    expect(back.statusCode).toBe(409);
    expect(back.json().error.code).toBe('INVALID_TRANSITION');
    expect(back.json().error.message).toContain('from sql to mql');
  });

  it('lets a rep change only leads they own, and executives none', async () => {
    const mine = (await createLead({ email: 'mine@example.com', owner_id: rep.id })).json();
    const own = await ctx.app.inject({
      method: 'PATCH',
      url: `/api/v1/leads/${mine.id}`,
      headers: rep.headers,
      payload: { title: 'CTO' },
    });
    expect(own.statusCode).toBe(200);
    expect(own.json().title).toBe('CTO');
    const other = await ctx.app.inject({
      method: 'PATCH',
      url: `/api/v1/leads/${mine.id}`,
      headers: otherRep.headers,
      payload: { title: 'x' },
    });
    expect(other.statusCode).toBe(403);
    const exec = await ctx.app.inject({
      method: 'PATCH',
      url: `/api/v1/leads/${mine.id}`,
      headers: executive.headers,
      payload: { title: 'x' },
    });
    expect(exec.statusCode).toBe(403);
  });

  it('pages through a sorted list with cursors without gaps or repeats', async () => {
    for (let i = 0; i < 7; i++)
      await createLead({
        email: `page${i}@example.com`,
        source: 'paging',
        created_at: `2026-01-0${i + 1}T00:00:00Z`,
      });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/leads?source=paging&sort=created_at&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page: { items: { email: string }[]; next_cursor: string | null } = (
        await ctx.app.inject({ method: 'GET', url, headers: ctx.admin.headers })
      ).json();
      seen.push(...page.items.map((lead: { email: string }) => lead.email));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `page${i}@example.com`));
  });

  it('batch-ingests idempotently and rolls back a batch with one bad item', async () => {
    const items = Array.from({ length: 50 }, (_, i) => ({
      external_id: `b-${i}`,
      email: `b${i}@example.com`,
      source: 'batch',
    }));
    const first = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/leads/batch',
      headers: ctx.admin.headers,
      payload: { items },
    });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ created: 50, updated: 0 });
    const again = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/leads/batch',
      headers: ctx.admin.headers,
      payload: { items },
    });
    expect(again.json()).toMatchObject({ created: 0, updated: 50 });

    const bad = [
      { external_id: 'c-1', email: 'c1@example.com' },
      { external_id: 'c-2', email: 'b0@example.com' },
    ];
    const failed = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/leads/batch',
      headers: ctx.admin.headers,
      payload: { items: bad },
    });
    expect(failed.statusCode).toBe(409);
    expect(failed.json().error.message).toContain('items.1');
    const list = (
      await ctx.app.inject({
        method: 'GET',
        url: '/api/v1/leads?q=c1@example.com',
        headers: ctx.admin.headers,
      })
    ).json();
    expect(list.items).toHaveLength(0);
  });

  it('replays a batch with the same Idempotency-Key and refuses the key for another body', async () => {
    const headers = { ...ctx.admin.headers, 'idempotency-key': 'key-1' };
    const payload = { items: [{ email: 'idem@example.com' }] };
    const first = await ctx.app.inject({ method: 'POST', url: '/api/v1/leads/batch', headers, payload });
    const second = await ctx.app.inject({ method: 'POST', url: '/api/v1/leads/batch', headers, payload });
    expect(second.json()).toEqual(first.json());
    expect(second.headers['idempotent-replay']).toBe('true');
    const other = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/leads/batch',
      headers,
      payload: { items: [{ email: 'x@example.com' }] },
    });
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('serves the OpenAPI document and the docs page without auth', async () => {
    const spec = await ctx.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(spec.statusCode).toBe(200);
    expect(spec.json().paths['/api/v1/leads/{id}/transitions']).toBeDefined();
    const docs = await ctx.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
  });
});
