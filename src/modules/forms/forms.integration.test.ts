import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext, type TestUser } from '../../testing/harness.ts';

let ctx: TestContext;
let rep: TestUser;
let campaign: { id: number };
let previousLimit: string | undefined;

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

function browserPost(key: string, body: string, ip: string, extra: Record<string, string> = {}) {
  return ctx.app.inject({
    method: 'POST',
    url: `/api/v1/forms/${key}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip, ...extra },
    payload: body,
  });
}

async function leadByEmail(email: string) {
  return ctx.database.db
    .selectFrom('leads')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('email', '=', email)
    .executeTakeFirst();
}

async function touchpointsOf(leadId: number) {
  return ctx.database.db
    .selectFrom('touchpoints')
    .selectAll()
    .where('lead_id', '=', leadId)
    .orderBy('id')
    .execute();
}

beforeAll(async () => {
  previousLimit = process.env.TANDEM_FORM_RATE_LIMIT;
  process.env.TANDEM_FORM_RATE_LIMIT = '5';
  ctx = await createTestContext();
  const team = (await call('POST', '/teams', { name: 'Inbound' })).json();
  rep = await ctx.user('sales', { team_id: team.id });
  await call('PUT', '/routing/rules', { rules: [{ name: 'Inbound', team_id: team.id }] });
  campaign = (await call('POST', '/campaigns', { name: 'Spring webinar', channel: 'webinar' })).json();
  const model = await call('PUT', '/scoring/model', {
    version: 0,
    fit_rules: [{ name: 'Big', field: 'employees', operator: 'gte', value: 500, points: 30 }],
    engagement_rules: [{ name: 'Form fill', type: 'form_fill', points: 30 }],
    thresholds: { mql: 50, warm: 20, hot: 50 },
  });
  expect(model.statusCode).toBe(200);
});
afterAll(async () => {
  if (previousLimit === undefined) delete process.env.TANDEM_FORM_RATE_LIMIT;
  else process.env.TANDEM_FORM_RATE_LIMIT = previousLimit;
  await ctx?.close();
});

describe('form definitions', () => {
  it('creates a form with its public URL and snippet, refusing bad mappings, taken keys and reps', async () => {
    const bad = await call('POST', '/forms', { name: 'x', field_mapping: { job: 'score' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.issues[0].path).toBe('field_mapping.job');
    const created = await call('POST', '/forms', {
      key: 'contact-us',
      name: 'Contact us',
      campaign_id: campaign.id,
      field_mapping: { job_title: 'title', budget: 'custom_fields.budget' },
      redirect_url: 'https://example.com/thanks',
    });
    expect(created.statusCode, created.body).toBe(201);
    const body = created.json();
    expect(body.post_url).toMatch(/\/api\/v1\/forms\/contact-us$/);
    expect(body.html_snippet).toContain(`action="${body.post_url}"`);
    expect(body.html_snippet).toContain('name="website"');
    expect((await call('POST', '/forms', { key: 'contact-us', name: 'again' })).statusCode).toBe(409);
    expect((await call('POST', '/forms', { name: 'rep form' }, rep.headers)).statusCode).toBe(403);
    expect((await call('GET', '/forms')).json().items.map((form: { key: string }) => form.key)).toEqual([
      'contact-us',
    ]);
    const generated = (await call('POST', '/forms', { name: 'Newsletter' })).json();
    expect(generated.key).toMatch(/^f[0-9a-f]{12}$/);
    const patched = await call('PATCH', `/forms/${generated.id}`, { active: false });
    expect(patched.json().active).toBe(false);
  });
});

describe('form posts', () => {
  it('creates the lead, records the form fill through scoring, routes it, and redirects the browser', async () => {
    const response = await browserPost(
      'contact-us',
      'email=Ana%40Example.com&first_name=Ana&job_title=VP+Sales&employees=800&budget=10k&utm_source=google&utm_campaign=spring&interests=a&interests=b&website=',
      '10.0.0.1',
      { referer: 'https://example.com/pricing' },
    );
    expect(response.statusCode, response.body).toBe(303);
    expect(response.headers.location).toBe('https://example.com/thanks');
    const lead = await leadByEmail('ana@example.com');
    // 30 for 800 employees + 30 for the form fill = 60 >= 50: MQL and routed at once.
    expect(lead).toMatchObject({
      first_name: 'Ana',
      title: 'VP Sales',
      employees: 800,
      source: 'web form',
      source_detail: 'Contact us',
      score: 60,
      stage: 'mql',
      owner_id: rep.id,
      last_utm_source: 'google',
      last_utm_campaign: 'spring',
    });
    expect(lead?.custom_fields).toEqual({ budget: '10k' });
    const touches = await touchpointsOf(lead?.id as number);
    expect(touches).toHaveLength(1);
    expect(touches[0]).toMatchObject({
      type: 'form_fill',
      campaign_id: campaign.id,
      channel: 'webinar',
      utm_source: 'google',
    });
    expect(touches[0]?.metadata).toMatchObject({
      form_key: 'contact-us',
      referrer: 'https://example.com/pricing',
      fields: { interests: 'a, b' },
    });
    const events = await ctx.database.db
      .selectFrom('lifecycle_events')
      .select(['to_stage', 'origin'])
      .where('lead_id', '=', lead?.id as number)
      .orderBy('id')
      .execute();
    expect(events).toEqual([
      { to_stage: 'lead', origin: 'form' },
      { to_stage: 'mql', origin: 'system' },
    ]);
  });

  it('updates the same lead on a JSON post and answers JSON', async () => {
    const response = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/forms/contact-us',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '10.0.0.2' },
      payload: { fields: { email: 'ANA@example.com', first_name: 'Ana Maria', budget: '' } },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ received: true, redirect_url: 'https://example.com/thanks' });
    const lead = await leadByEmail('ana@example.com');
    expect(lead).toMatchObject({ first_name: 'Ana Maria', title: 'VP Sales', score: 90 });
    expect(lead?.custom_fields).toEqual({ budget: '10k' });
    expect(await touchpointsOf(lead?.id as number)).toHaveLength(2);
  });

  it('accepts a post with the honeypot filled and stores nothing', async () => {
    const before = await ctx.database.db
      .selectFrom('touchpoints')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const response = await browserPost(
      'contact-us',
      'email=bot%40spam.example&website=http%3A%2F%2Fspam.example',
      '10.0.0.3',
    );
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('https://example.com/thanks');
    expect(await leadByEmail('bot@spam.example')).toBeUndefined();
    const after = await ctx.database.db
      .selectFrom('touchpoints')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('names a missing email, and answers 404 for unknown or inactive forms', async () => {
    const missing = await browserPost('contact-us', 'first_name=Bo', '10.0.0.4');
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.issues).toEqual([{ path: 'email', message: 'is required' }]);
    const unknown = await browserPost('nope', 'email=a%40b.co', '10.0.0.4');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('FORM_NOT_FOUND');
    const forms = (await call('GET', '/forms')).json().items;
    const inactive = forms.find((form: { active: boolean }) => !form.active);
    expect((await browserPost(inactive.key, 'email=a%40b.co', '10.0.0.4')).statusCode).toBe(404);
  });

  it('rate-limits posts per client address on this route only', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await browserPost('contact-us', 'email=x%40y.io&website=spam', '10.9.9.9')).statusCode);
    expect(statuses).toEqual([303, 303, 303, 303, 303, 429]);
    const limited = await browserPost('contact-us', 'email=x%40y.io&website=spam', '10.9.9.9');
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect((await browserPost('contact-us', 'email=x%40y.io&website=spam', '10.9.9.10')).statusCode).toBe(
      303,
    );
    // Other routes are not limited.
    for (let i = 0; i < 7; i++) expect((await call('GET', '/forms')).statusCode).toBe(200);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const response = await ctx.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(response.statusCode).toBe(200);
    const paths = Object.keys(response.json().paths);
    for (const path of [
      '/api/v1/forms/{formKey}',
      '/api/v1/forms',
      '/api/v1/scoring/model',
      '/api/v1/scoring/preview',
      '/api/v1/scoring/jobs/{id}',
      '/api/v1/leads/{id}/score',
      '/api/v1/qualification/queue',
      '/api/v1/routing/rules',
      '/api/v1/leads/{id}/assignments',
    ]) {
      expect(paths).toContain(path);
    }
  });
});
