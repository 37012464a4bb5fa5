import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext, type TestUser } from '../../testing/harness.ts';
import { routeLead } from './routing.service.ts';

let ctx: TestContext;
let emea: { id: number };
let general: { id: number };
let e1: TestUser;
let e2: TestUser;
let e3: TestUser;
let g1: TestUser;
let g2: TestUser;
let g3: TestUser;
let enterpriseRep: TestUser;
let accountOwner: TestUser;

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

/** Creates a lead; the model below makes every lead with an email MQL at once, so it is routed on creation. */
async function mqlLead(
  body: Record<string, unknown>,
): Promise<{ id: number; owner_id: number | null; stage: string }> {
  const response = await call('POST', '/leads', body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

let rulesBody: Record<string, unknown>[];

beforeAll(async () => {
  ctx = await createTestContext();
  emea = (await call('POST', '/teams', { name: 'EMEA' })).json();
  general = (await call('POST', '/teams', { name: 'General' })).json();
  e1 = await ctx.user('sales', { team_id: emea.id });
  e2 = await ctx.user('sdr', { team_id: emea.id });
  e3 = await ctx.user('sales', { team_id: emea.id });
  await ctx.user('marketing', { team_id: emea.id }); // not a rep: never gets leads
  g1 = await ctx.user('sales', { team_id: general.id });
  g2 = await ctx.user('sales', { team_id: general.id });
  g3 = await ctx.user('sales', { team_id: general.id });
  enterpriseRep = await ctx.user('sales');
  accountOwner = await ctx.user('sales');
  expect((await call('PATCH', `/users/${e2.id}`, { status: 'away' })).statusCode).toBe(200);
  expect((await call('PATCH', `/users/${e3.id}`, { capacity: 1 })).statusCode).toBe(200);
  expect((await call('PATCH', `/users/${g3.id}`, { status: 'inactive' })).statusCode).toBe(200);
  await call('POST', '/accounts', { name: 'Globex', domain: 'globex.com', owner_id: accountOwner.id });
  const model = await call('PUT', '/scoring/model', {
    version: 0,
    fit_rules: [{ name: 'Has email', field: 'email', operator: 'is_not_empty', points: 100 }],
    engagement_rules: [],
    thresholds: { mql: 50, warm: 20, hot: 80 },
  });
  expect(model.statusCode).toBe(200);
  rulesBody = [
    { name: 'Account owner', kind: 'account_owner' },
    {
      name: 'DACH',
      conditions: [{ field: 'country', operator: 'in', value: ['DE', 'AT', 'CH'] }],
      team_id: emea.id,
    },
    {
      name: 'Enterprise',
      conditions: [{ field: 'employees', operator: 'gte', value: 1000 }],
      user_id: enterpriseRep.id,
    },
    {
      name: 'Everyone else',
      team_id: general.id,
      weights: [
        { user_id: g1.id, weight: 2 },
        { user_id: g2.id, weight: 1 },
      ],
    },
  ];
});
afterAll(async () => ctx?.close());

describe('routing rules API', () => {
  it('refuses bad rules naming the field, and non-admins', async () => {
    const both = await call('PUT', '/routing/rules', {
      rules: [{ name: 'x', team_id: emea.id, user_id: e1.id }],
    });
    expect(both.statusCode).toBe(400);
    expect(both.json().error.issues[0].path).toBe('rules.0.team_id');
    const unknown = await call('PUT', '/routing/rules', {
      rules: [
        { name: 'ok', team_id: emea.id },
        { name: 'bad', team_id: 999_999, conditions: [{ field: 'nope', operator: 'is_empty' }] },
      ],
    });
    expect(unknown.json().error.issues.map((issue: { path: string }) => issue.path)).toEqual([
      'rules.1.conditions.0.field',
      'rules.1.team_id',
    ]);
    expect((await call('PUT', '/routing/rules', { rules: [] }, e1.headers)).statusCode).toBe(403);
  });

  it('saves rules in order and keeps ids when they are sent back', async () => {
    const saved = await call('PUT', '/routing/rules', { rules: rulesBody });
    expect(saved.statusCode, saved.body).toBe(200);
    const rules = saved.json().rules;
    expect(rules.map((rule: { name: string; position: number }) => [rule.position, rule.name])).toEqual([
      [0, 'Account owner'],
      [1, 'DACH'],
      [2, 'Enterprise'],
      [3, 'Everyone else'],
    ]);
    const again = await call('PUT', '/routing/rules', {
      rules: rules.map(({ position: _position, ...rule }: Record<string, unknown>) => rule),
    });
    expect(again.json().rules.map((rule: { id: number }) => rule.id)).toEqual(
      rules.map((rule: { id: number }) => rule.id),
    );
    expect((await call('GET', '/routing/rules', undefined, e1.headers)).json()).toEqual(again.json());
  });
});

describe('routing as leads become MQL', () => {
  it('gives a lead of a known account to its owner, by email domain or company name, ahead of territory', async () => {
    const byDomain = await mqlLead({ email: 'cfo@globex.com', country: 'DE' });
    expect(byDomain).toMatchObject({ stage: 'mql', owner_id: accountOwner.id });
    const byCompany = await mqlLead({ email: 'someone@gmail.com', company: 'GLOBEX', country: 'DE' });
    expect(byCompany.owner_id).toBe(accountOwner.id);
    const history = (await call('GET', `/leads/${byCompany.id}/assignments`)).json().items;
    expect(history[0]).toMatchObject({ rule_name: 'Account owner', user_id: accountOwner.id });
    expect(history[0].reason).toContain('matched by company name');
  });

  it('round-robins DACH leads past the away rep and the rep at capacity', async () => {
    const owners: number[] = [];
    for (let i = 0; i < 4; i++)
      owners.push((await mqlLead({ email: `de${i}@example.de`, country: 'de' })).owner_id as number);
    // Slots e1, e2, e3: e1; e2 away -> e3 (now 1 of 1); e1; e2 away, e3 full -> e1.
    expect(owners).toEqual([e1.id, e3.id, e1.id, e1.id]);
    const leads = (await call('GET', `/leads?owner_id=${e3.id}`)).json().items;
    const history = (await call('GET', `/leads/${leads[0].id}/assignments`)).json().items;
    expect(history[0].reason).toContain(`skipped user ${e2.id} (away)`);
  });

  it('sends enterprise leads to their rep, and past an away rep to the next rule', async () => {
    expect((await mqlLead({ email: 'big@corp.example', employees: 5000 })).owner_id).toBe(enterpriseRep.id);
    await call('PATCH', `/users/${enterpriseRep.id}`, { status: 'away' });
    const next = await mqlLead({ email: 'big2@corp.example', employees: 5000 });
    expect(next.owner_id).toBe(g1.id);
    const history = (await call('GET', `/leads/${next.id}/assignments`)).json().items;
    expect(history[0].rule_name).toBe('Everyone else');
    expect(history[0].reason).toContain(`passed rule "Enterprise": user ${enterpriseRep.id} is away`);
    await call('PATCH', `/users/${enterpriseRep.id}`, { status: 'active' });
  });

  it('weights the general team 2:1 and skips the inactive rep', async () => {
    // The previous test took the first slot (g1). Five more: g2, (g3 inactive) g1, g1, g2, g1.
    const owners: number[] = [];
    for (let i = 0; i < 5; i++)
      owners.push((await mqlLead({ email: `us${i}@example.com`, country: 'US' })).owner_id as number);
    expect(owners).toEqual([g2.id, g1.id, g1.id, g2.id, g1.id]);
  });

  it('queues one "lead assigned" notification per assignment, to the new owner', async () => {
    const rows = await ctx.database.db
      .selectFrom('notifications')
      .innerJoin('lead_assignments', (join) =>
        join
          .onRef('lead_assignments.lead_id', '=', 'notifications.lead_id')
          .on('notifications.event', '=', 'lead.assigned'),
      )
      .select(['notifications.recipient_user_id', 'lead_assignments.user_id'])
      .where('notifications.workspace_id', '=', ctx.workspaceId)
      .execute();
    const assignments = await ctx.database.db
      .selectFrom('lead_assignments')
      .select('id')
      .where('workspace_id', '=', ctx.workspaceId)
      .execute();
    expect(rows).toHaveLength(assignments.length);
    expect(rows.every((row) => row.recipient_user_id === row.user_id)).toBe(true);
  });

  it('reassigns away from the current owner when asked (SLA breach)', async () => {
    const lead = await mqlLead({ email: 'breach@example.at', country: 'AT' });
    const owner = lead.owner_id as number;
    const result = await ctx.database.db.transaction().execute((trx) =>
      routeLead(trx, ctx.workspaceId, lead.id, {
        now: new Date(),
        excludeUserIds: [owner],
        reason: 'SLA breached',
      }),
    );
    expect(result).not.toBeNull();
    expect(result?.lead.owner_id).not.toBe(owner);
    // DACH round robin gives AT leads to e1 (e2 is away, e3 full); with e1 excluded the team has
    // nobody left, so the lead falls through to the next matching rule.
    expect(owner).toBe(e1.id);
    expect(result?.assignment).toMatchObject({ previous_owner_id: owner, rule_name: 'Everyone else' });
    expect(result?.assignment.reason).toMatch(/^SLA breached; rule "Everyone else": round robin/);
    expect(result?.assignment.reason).toContain(`passed rule "DACH": nobody in team ${emea.id} is available`);
    const history = (await call('GET', `/leads/${lead.id}/assignments`)).json().items;
    expect(history.map((item: { user_id: number }) => item.user_id)).toEqual([owner, result?.lead.owner_id]);
  });

  it('returns null and leaves the lead alone when nobody can take it', async () => {
    const lead = await mqlLead({ email: 'nobody@example.ch', country: 'CH', company: 'Nobody AG' });
    const everyone = [e1.id, e2.id, e3.id, g1.id, g2.id, g3.id, enterpriseRep.id, accountOwner.id];
    const result = await ctx.database.db.transaction().execute((trx) =>
      routeLead(trx, ctx.workspaceId, lead.id, {
        now: new Date(),
        excludeUserIds: everyone,
        reason: 'test',
      }),
    );
    expect(result).toBeNull();
    expect((await call('GET', `/leads/${lead.id}`)).json().owner_id).toBe(lead.owner_id);
  });

  it('routes leads that cross in one batch in round-robin order, counting capacity as it goes', async () => {
    const team = (await call('POST', '/teams', { name: 'France' })).json();
    const b1 = await ctx.user('sales', { team_id: team.id });
    const b2 = await ctx.user('sales', { team_id: team.id });
    const b3 = await ctx.user('sales', { team_id: team.id });
    await call('PATCH', `/users/${b1.id}`, { capacity: 2 });
    await call('PATCH', `/users/${b3.id}`, { status: 'away' });
    const current = (await call('GET', '/routing/rules')).json().rules;
    const rules = current.map(({ position: _position, ...rule }: Record<string, unknown>) => rule);
    rules.splice(1, 0, {
      name: 'France',
      conditions: [{ field: 'country', operator: 'equals', value: 'FR' }],
      team_id: team.id,
    });
    expect((await call('PUT', '/routing/rules', { rules })).statusCode).toBe(200);
    // Five leads become MQL in the one transaction of a batch ingest.
    const batch = await call('POST', '/leads/batch', {
      items: [1, 2, 3, 4, 5].map((n) => ({ email: `fr${n}@example.fr`, country: 'FR' })),
    });
    expect(batch.statusCode, batch.body).toBe(200);
    const ids: number[] = batch.json().ids;
    const owners = [];
    for (const id of ids) owners.push((await call('GET', `/leads/${id}`)).json().owner_id);
    // b1, b2, (b3 away) b1 -> now 2 of 2, b2, (b3 away, b1 full) b2.
    expect(owners).toEqual([b1.id, b2.id, b1.id, b2.id, b2.id]);
    const cursor = await ctx.database.db
      .selectFrom('routing_cursors')
      .select('position')
      .where('team_id', '=', team.id)
      .executeTakeFirstOrThrow();
    expect(Number(cursor.position)).toBe(8);
  });
});
