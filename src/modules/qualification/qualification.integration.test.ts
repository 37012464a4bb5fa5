import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext, type TestUser } from '../../testing/harness.ts';
import { rescoreDecayed } from '../scoring/scoring.service.ts';

let ctx: TestContext;
let marketer: TestUser;
let rep: TestUser;

async function call(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH',
  url: string,
  payload?: unknown,
  headers = ctx.admin.headers,
) {
  return ctx.app.inject({
    method,
    url: `/api/v1${url}`,
    headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

async function createLead(body: Record<string, unknown>) {
  const response = await call('POST', '/leads', body, marketer.headers);
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

async function notifications(event: string, leadId: number) {
  return ctx.database.db
    .selectFrom('notifications')
    .select(['event', 'recipient_user_id', 'payload'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('event', '=', event as 'lead.assigned')
    .where('lead_id', '=', leadId)
    .execute();
}

beforeAll(async () => {
  ctx = await createTestContext();
  marketer = await ctx.user('marketing');
  const team = (await call('POST', '/teams', { name: 'Inside Sales' })).json();
  rep = await ctx.user('sales', { team_id: team.id });
  const rules = await call('PUT', '/routing/rules', { rules: [{ name: 'Everyone', team_id: team.id }] });
  expect(rules.statusCode, rules.body).toBe(200);
  // 500+ employees alone reaches the MQL score of 50; a form fill adds 10.
  const model = await call('PUT', '/scoring/model', {
    version: 0,
    fit_rules: [
      { id: 'big', name: 'Big company', field: 'employees', operator: 'gte', value: 500, points: 60 },
    ],
    engagement_rules: [{ id: 'forms', name: 'Form fill', type: 'form_fill', points: 10 }],
    thresholds: { mql: 50, warm: 20, hot: 50 },
  });
  expect(model.statusCode, model.body).toBe(200);
});
afterAll(async () => ctx?.close());

describe('qualification fields', () => {
  it('stores lead columns and custom keys, refusing account fields and repeats by path', async () => {
    const bad = await call('PUT', '/qualification/fields', {
      fields: ['budget', 'account.industry', 'custom_fields.budget'],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.issues.map((issue: { path: string }) => issue.path)).toEqual([
      'fields.1',
      'fields.2',
    ]);
    expect(
      (await call('PUT', '/qualification/fields', { fields: ['budget'] }, marketer.headers)).statusCode,
    ).toBe(403);

    const saved = await call('PUT', '/qualification/fields', { fields: ['budget', 'timeline', 'phone'] });
    expect(saved.statusCode).toBe(200);
    expect(saved.json().fields).toEqual([
      { field: 'custom_fields.budget', label: 'budget' },
      { field: 'custom_fields.timeline', label: 'timeline' },
      { field: 'phone', label: 'phone' },
    ]);
    expect((await call('GET', '/qualification/fields', undefined, rep.headers)).json()).toEqual(saved.json());
  });
});

describe('the gate', () => {
  let waiting: { id: number };

  it('keeps a lead at the MQL score without the fields from sales, lists it and tells marketing once', async () => {
    waiting = await createLead({ email: 'gate@example.com', employees: 800, custom_fields: { budget: '' } });
    expect(waiting).toMatchObject({ score: 60, stage: 'lead', owner_id: null });
    // A second score change while waiting does not notify again.
    const touch = await call('POST', '/touchpoints', { lead_id: waiting.id, type: 'form_fill' });
    expect(touch.statusCode, touch.body).toBe(201);
    const lead = (await call('GET', `/leads/${waiting.id}`)).json();
    expect(lead).toMatchObject({ score: 70, stage: 'lead', owner_id: null });

    const queue = (await call('GET', '/qualification/queue', undefined, marketer.headers)).json();
    expect(queue.mql_threshold).toBe(50);
    expect(queue.required_fields).toEqual(['budget', 'timeline', 'phone']);
    expect(queue.items).toHaveLength(1);
    expect(queue.items[0].lead).toMatchObject({ id: waiting.id, score: 70 });
    expect(queue.items[0].missing_fields).toEqual(['budget', 'timeline', 'phone']);
    expect(queue.items[0].since).not.toBeNull();

    const sent = await notifications('lead.needs_qualification', waiting.id);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.payload).toMatchObject({
      mql_threshold: 50,
      missing_fields: ['budget', 'timeline', 'phone'],
    });
    expect(await notifications('lead.assigned', waiting.id)).toHaveLength(0);
  });

  it('refuses a manual handoff with 422 QUALIFICATION_INCOMPLETE naming the missing fields', async () => {
    for (const to of ['mql', 'sal', 'sql']) {
      const response = await call('POST', `/leads/${waiting.id}/transitions`, { to }, marketer.headers);
      expect(response.statusCode).toBe(422);
      const error = response.json().error;
      expect(error.code).toBe('QUALIFICATION_INCOMPLETE');
      expect(error.message).toContain('budget, timeline, phone');
      expect(error.details.missing_fields).toEqual(['budget', 'timeline', 'phone']);
      expect(error.issues.map((issue: { path: string }) => issue.path)).toEqual([
        'custom_fields.budget',
        'custom_fields.timeline',
        'phone',
      ]);
    }
    const handoff = await call('POST', `/leads/${waiting.id}/handoff`, {}, marketer.headers);
    expect(handoff.statusCode).toBe(422);
    expect((await call('GET', `/leads/${waiting.id}`)).json().stage).toBe('lead');
  });

  it('does not gate moves that are not a handoff', async () => {
    const other = await createLead({ email: 'dq@example.com' });
    expect((await call('POST', `/leads/${other.id}/transitions`, { to: 'disqualified' })).statusCode).toBe(
      200,
    );
  });

  it('hands the lead off and routes it in the same transaction once the fields are filled in', async () => {
    const partial = await call(
      'PATCH',
      `/leads/${waiting.id}`,
      { custom_fields: { budget: '50k' } },
      marketer.headers,
    );
    expect(partial.json()).toMatchObject({ stage: 'lead', owner_id: null });
    const queue = (await call('GET', '/qualification/queue')).json();
    expect(queue.items[0].missing_fields).toEqual(['timeline', 'phone']);

    const done = await call(
      'PATCH',
      `/leads/${waiting.id}`,
      { phone: '+49 30 1234', custom_fields: { budget: '50k', timeline: 'Q3' } },
      marketer.headers,
    );
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ stage: 'mql', owner_id: rep.id });
    expect(done.json().assigned_at).not.toBeNull();
    expect((await call('GET', '/qualification/queue')).json().items).toEqual([]);
    const assigned = await notifications('lead.assigned', waiting.id);
    expect(assigned).toHaveLength(1);
    expect(assigned[0]?.recipient_user_id).toBe(rep.id);
    const history = (await call('GET', `/leads/${waiting.id}/assignments`)).json();
    expect(history.items).toHaveLength(1);
    expect(history.items[0]).toMatchObject({
      user_id: rep.id,
      rule_name: 'Everyone',
      previous_owner_id: null,
    });
    expect(history.items[0].reason).toContain('Became MQL with score 70');
  });

  it('lets a manual handoff through when the fields are known, and routes it', async () => {
    const ready = await createLead({
      email: 'ready@example.com',
      phone: '1',
      custom_fields: { budget: '1', timeline: 'now' },
    });
    expect(ready.stage).toBe('lead');
    const response = await call(
      'POST',
      `/leads/${ready.id}/transitions`,
      { to: 'mql', reason: 'called us' },
      marketer.headers,
    );
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().lead).toMatchObject({ stage: 'mql', owner_id: rep.id });
    // Accepting an MQL is not a handoff: no gate, and reps may do it on their own leads.
    const accepted = await call('POST', `/leads/${ready.id}/transitions`, { to: 'sal' }, rep.headers);
    expect(accepted.statusCode).toBe(200);
  });

  it('hands off through POST /leads/{id}/handoff with the assignment in the answer', async () => {
    const ready = await createLead({
      email: 'ready2@example.com',
      phone: '1',
      custom_fields: { budget: '1', timeline: 'now' },
    });
    const response = await call(
      'POST',
      `/leads/${ready.id}/handoff`,
      { reason: 'event follow-up' },
      marketer.headers,
    );
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      lead: { stage: 'mql', owner_id: rep.id },
      event: { from_stage: 'lead', to_stage: 'mql', reason: 'event follow-up', origin: 'api' },
      assignment: { user_id: rep.id, rule_name: 'Everyone' },
    });
    expect((await call('POST', `/leads/${ready.id}/handoff`, {}, marketer.headers)).statusCode).toBe(409);
    expect((await call('POST', `/leads/${ready.id}/handoff`, {}, rep.headers)).statusCode).toBe(403);
  });

  it('releases waiting leads when a required field is dropped', async () => {
    const a = await createLead({
      email: 'wait-a@example.com',
      employees: 900,
      phone: '1',
      custom_fields: { timeline: 'Q1' },
    });
    expect(a.stage).toBe('lead');
    const b = await createLead({ email: 'wait-b@example.com', employees: 900 });
    const c = await createLead({ email: 'wait-c@example.com', employees: 900, phone: '2' });
    // Pages: all three score 60; same score, so by id.
    const first = (await call('GET', '/qualification/queue?limit=2')).json();
    expect(first.items.map((item: { lead: { id: number } }) => item.lead.id)).toEqual([a.id, b.id]);
    const second = (await call('GET', `/qualification/queue?limit=2&cursor=${first.next_cursor}`)).json();
    expect(second.items.map((item: { lead: { id: number } }) => item.lead.id)).toEqual([c.id]);
    expect(second.next_cursor).toBeNull();

    // Only the budget is missing for a: dropping budget from the gate hands a off now.
    await call('PUT', '/qualification/fields', { fields: ['timeline', 'phone'] });
    expect((await call('GET', `/leads/${a.id}`)).json()).toMatchObject({ stage: 'mql', owner_id: rep.id });
    const queue = (await call('GET', '/qualification/queue')).json();
    expect(
      queue.items.map((item: { lead: { id: number }; missing_fields: string[] }) => [
        item.lead.id,
        item.missing_fields,
      ]),
    ).toEqual([
      [b.id, ['timeline', 'phone']],
      [c.id, ['timeline']],
    ]);

    // Fields filled in by a write that does not score (as an import does): the periodic
    // rescore visits waiting leads and hands c off.
    await ctx.database.db
      .updateTable('leads')
      .set({ custom_fields: JSON.stringify({ timeline: 'Q4' }) })
      .where('id', '=', c.id)
      .execute();
    await rescoreDecayed(ctx.database.db, ctx.workspaceId, new Date());
    expect((await call('GET', `/leads/${c.id}`)).json()).toMatchObject({ stage: 'mql', owner_id: rep.id });
    const left = (await call('GET', '/qualification/queue')).json().items;
    expect(left.map((item: { lead: { id: number } }) => item.lead.id)).toEqual([b.id]);
  });
});
