import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext, type TestUser } from '../../testing/harness.ts';
import { rescoreDecayed, rescoreDueWorkspaces, runScoringJobs } from './scoring.service.ts';

let ctx: TestContext;
let marketer: TestUser;

beforeAll(async () => {
  ctx = await createTestContext();
  marketer = await ctx.user('marketing');
});
afterAll(async () => ctx?.close());

const DAY = 86_400_000;
const ago = (days: number, from = Date.now()) => new Date(from - days * DAY).toISOString();

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

async function createLead(body: Record<string, unknown>): Promise<{ id: number }> {
  const response = await call('POST', '/leads', body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

async function lead(id: number) {
  const response = await call('GET', `/leads/${id}`);
  expect(response.statusCode).toBe(200);
  return response.json();
}

async function waitForJob(id: number) {
  for (let i = 0; i < 200; i++) {
    const job = (await call('GET', `/scoring/jobs/${id}`)).json();
    if (job.status !== 'queued' && job.status !== 'running') return job;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`job ${id} did not finish`);
}

const MODEL = {
  fit_rules: [
    { id: 'vp', name: 'VP title', field: 'title', operator: 'contains', value: 'VP', points: 15 },
    { id: 'big', name: '500+ employees', field: 'employees', operator: 'gte', value: 500, points: 20 },
    {
      id: 'free_mail',
      name: 'Free mail',
      field: 'email',
      operator: 'ends_with',
      value: ['@gmail.com', '@yahoo.com'],
      points: -10,
    },
    {
      id: 'software',
      name: 'Software account',
      field: 'account.industry',
      operator: 'equals',
      value: 'software',
      points: 5,
    },
  ],
  engagement_rules: [
    { id: 'views', name: 'Page views', type: 'page_view', points: 5, cap: { points: 30, days: 30 } },
    { id: 'forms', name: 'Form fills', type: 'form_fill', points: 20, half_life_days: 10 },
  ],
  thresholds: { mql: 60, warm: 20, hot: 50 },
};

let vp: { id: number };
let engineer: { id: number };

describe('scoring model API', () => {
  it('starts with the default model at version 0', async () => {
    const response = await call('GET', '/scoring/model');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      version: 0,
      fit_rules: [],
      engagement_rules: [],
      thresholds: { mql: 100, warm: 40, hot: 80 },
      updated_at: null,
    });
  });

  it('refuses a rule on an unknown field naming it, and refuses non-admins', async () => {
    const bad = await call('PUT', '/scoring/model', {
      version: 0,
      ...MODEL,
      fit_rules: [{ name: 'x', field: 'titel', operator: 'contains', value: 'VP', points: 5 }],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.issues[0].path).toBe('fit_rules.0.field');
    const shape = await call('PUT', '/scoring/model', { version: 0, ...MODEL, thresholds: { mql: 'high' } });
    expect(shape.statusCode).toBe(400);
    expect(shape.json().error.issues[0].path).toBe('thresholds.mql');
    const forbidden = await call('PUT', '/scoring/model', { version: 0, ...MODEL }, marketer.headers);
    expect(forbidden.statusCode).toBe(403);
  });

  it('saves a version, rescores every lead in a background job, and scores fit by hand-computed rules', async () => {
    const account = (
      await call('POST', '/accounts', { name: 'Acme', industry: 'Software', domain: 'acme.io' })
    ).json();
    vp = await createLead({
      email: 'ana@gmail.com',
      title: 'VP Marketing',
      employees: 800,
      account_id: account.id,
    });
    engineer = await createLead({ email: 'bo@acme.io', title: 'Engineer', employees: 50 });
    // Before any model, nothing scores.
    expect((await lead(vp.id)).score).toBe(0);

    const saved = await call('PUT', '/scoring/model', { version: 0, ...MODEL });
    expect(saved.statusCode, saved.body).toBe(200);
    const { model, job } = saved.json();
    expect(model.version).toBe(1);
    expect(job.total).toBe(2);
    const done = await waitForJob(job.id);
    expect(done).toMatchObject({
      status: 'completed',
      processed: 2,
      total: 2,
      progress: 1,
      changed: 1,
      handed_off: 0,
    });

    // 15 (VP) + 20 (800 >= 500) - 10 (gmail) + 5 (account industry Software) = 30 -> warm (20..49).
    expect(await lead(vp.id)).toMatchObject({
      fit_score: 30,
      engagement_score: 0,
      score: 30,
      temperature: 'warm',
    });
    expect(await lead(engineer.id)).toMatchObject({ fit_score: 0, score: 0, temperature: 'cold' });
  });

  it('refuses a save based on an old version with 409', async () => {
    const stale = await call('PUT', '/scoring/model', { version: 0, ...MODEL });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.message).toContain('version 1');
  });

  it('re-scores a lead when its fields change', async () => {
    const changed = await call(
      'PATCH',
      `/leads/${engineer.id}`,
      { title: 'SVP Engineering' },
      marketer.headers,
    );
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ fit_score: 15, score: 15, temperature: 'cold' });
  });
});

describe('engagement in the ingest transaction', () => {
  it('adds capped and decayed engagement as touchpoints arrive and hands off at the MQL score', async () => {
    const now = Date.now();
    const items = [
      // 8 page views over the last 30 days: 40 points, capped at 30.
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((day) => ({
        lead_id: vp.id,
        type: 'page_view',
        occurred_at: ago(day, now),
      })),
      // A form fill 10 days ago: 20 points halved once = 10.
      { lead_id: vp.id, type: 'form_fill', occurred_at: ago(10, now) },
    ];
    const ingest = await call('POST', '/touchpoints/batch', { items });
    expect(ingest.statusCode, ingest.body).toBe(200);
    // Fit 30 + engagement 40 = 70 >= 60: MQL by the system, in the same transaction.
    const after = await lead(vp.id);
    expect(after).toMatchObject({ engagement_score: 40, score: 70, temperature: 'hot', stage: 'mql' });
    const timeline = (await call('GET', `/leads/${vp.id}/timeline`)).json();
    const event = timeline.items.find(
      (item: { kind: string; type: string }) => item.kind === 'stage_change' && item.type === 'mql',
    );
    expect(event.details).toMatchObject({
      origin: 'system',
      reason: 'Score 70 reached the MQL threshold 60',
      from_stage: 'lead',
    });
  });

  it('explains every contributing rule with its points and touchpoints', async () => {
    const response = await call('GET', `/leads/${vp.id}/score`);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      lead_id: vp.id,
      model_version: 1,
      fit_score: 30,
      engagement_score: 40,
      score: 70,
      temperature: 'hot',
      reaches_mql: true,
      thresholds: { mql: 60, warm: 20, hot: 50 },
      stored: { fit_score: 30, engagement_score: 40, score: 70, temperature: 'hot' },
      qualification: { required_fields: [], missing_fields: [], satisfied: true },
    });
    expect(
      body.fit_rules.map((rule: { rule_id: string; points: number; actual: unknown }) => [
        rule.rule_id,
        rule.points,
        rule.actual,
      ]),
    ).toEqual([
      ['vp', 15, 'VP Marketing'],
      ['big', 20, 800],
      ['free_mail', -10, 'ana@gmail.com'],
      ['software', 5, 'Software'],
    ]);
    const views = body.engagement_rules.find((rule: { rule_id: string }) => rule.rule_id === 'views');
    expect(views).toMatchObject({ points: 30, uncapped_points: 40, capped_periods: [0] });
    expect(views.touchpoints).toHaveLength(8);
    const forms = body.engagement_rules.find((rule: { rule_id: string }) => rule.rule_id === 'forms');
    expect(forms.points).toBe(10);
    expect(forms.touchpoints[0].decay_factor).toBeCloseTo(0.5, 5);
    const listed = [...body.fit_rules, ...body.engagement_rules].reduce(
      (sum: number, rule: { points: number }) => sum + rule.points,
      0,
    );
    expect(listed).toBe(body.score);
  });

  it('returns 404 for the score of an unknown lead and for an unknown job', async () => {
    expect((await call('GET', '/leads/999999/score')).statusCode).toBe(404);
    expect((await call('GET', '/scoring/jobs/999999')).statusCode).toBe(404);
  });

  it('decays engagement when the periodic rescore runs later', async () => {
    const base = Date.now();
    // Ten days on: the form fill is 20 days old (20 * 0.25 = 5); page views still in the last 30 days (30).
    const later = await rescoreDecayed(ctx.database.db, ctx.workspaceId, new Date(base + 10 * DAY));
    expect(later.leads).toBe(1);
    expect(await lead(vp.id)).toMatchObject({ engagement_score: 35, score: 65, stage: 'mql' });
    // Forty days on: the 8 views fall in the period 30..60 days back (40 -> cap 30); the form
    // fill is 50 days old: 20 * 0.5^5 = 0.625 -> 1.
    await rescoreDecayed(ctx.database.db, ctx.workspaceId, new Date(base + 40 * DAY));
    expect(await lead(vp.id)).toMatchObject({ engagement_score: 31, score: 61 });
  });
});

describe('periodic decay rescore', () => {
  it('runs once per period per workspace, whichever caller claims it', async () => {
    const db = ctx.database.db;
    await db.deleteFrom('scoring_decay_runs').execute();
    const start = Date.now() + 50 * DAY;
    // First sight schedules the workspace one period ahead.
    expect((await rescoreDueWorkspaces(db, new Date(start), DAY)).workspaces).toBe(0);
    expect((await rescoreDueWorkspaces(db, new Date(start + DAY - 1), DAY)).workspaces).toBe(0);
    const due = new Date(start + DAY);
    const [a, b] = await Promise.all([
      rescoreDueWorkspaces(db, due, DAY),
      rescoreDueWorkspaces(db, due, DAY),
    ]);
    expect(a.workspaces + b.workspaces).toBe(1);
    expect(a.leads + b.leads).toBe(1);
    // 51 days on: the 8 views are 52-59 days old, one period (40 -> cap 30); the form fill,
    // 61 days old, is worth 20 * 0.5^6.1 = 0.29 -> 0.
    expect(await lead(vp.id)).toMatchObject({ engagement_score: 30, score: 60 });
  });
});

describe('preview', () => {
  it('counts the leads a draft would make MQL against a hand count, without writing anything', async () => {
    // Leads for the draft "employees >= 100: +50, MQL at 50":
    const qualifies = await Promise.all([
      createLead({ email: 'p1@p.example', employees: 100 }),
      createLead({ email: 'p2@p.example', employees: 5000, custom_fields: { budget: '10k' } }),
      createLead({ email: 'p3@p.example', employees: 250, stage: 'subscriber' }),
    ]);
    await createLead({ email: 'p4@p.example', employees: 99 }); // below
    await createLead({ email: 'p5@p.example', employees: 900, stage: 'sal' }); // already past MQL
    const dq = await createLead({ email: 'p6@p.example', employees: 900 });
    await call('POST', `/leads/${dq.id}/transitions`, { to: 'disqualified' });
    const recycled = await createLead({ email: 'p7@p.example', employees: 900 });
    await call('POST', `/leads/${recycled.id}/transitions`, { to: 'recycled' });
    // vp (800 employees) is MQL already; engineer (no employees) does not qualify.

    await call('PUT', '/qualification/fields', { fields: ['budget'] });
    const before = (await call('GET', `/leads/${qualifies[0]?.id}`)).json();
    const response = await call(
      'POST',
      '/scoring/preview',
      {
        fit_rules: [{ name: 'Mid-size and up', field: 'employees', operator: 'gte', value: 100, points: 50 }],
        engagement_rules: [],
        thresholds: { mql: 50, warm: 10, hot: 40 },
      },
      marketer.headers,
    );
    expect(response.statusCode, response.body).toBe(200);
    const preview = response.json();
    // The draft drops the engagement rules, so engagement is scored again from the touchpoints.
    expect(preview.engagement).toBe('recomputed');
    // p1, p2, p3 become MQL (3); p2 alone has the budget field, so 2 would wait for qualification.
    expect(preview.would_become_mql).toBe(3);
    expect(preview.would_be_handed_off).toBe(1);
    expect(preview.would_need_qualification).toBe(2);
    expect(preview.mql_sample.map((row: { id: number }) => row.id).sort()).toEqual(
      qualifies.map((row) => row.id).sort(),
    );
    // Every lead of the workspace was scored: 2 + 7.
    expect(preview.leads).toBe(9);
    // Temperatures under the draft: employees >= 100 -> 50 (hot): p1 p2 p3 p5 p6 p7 vp = 7 hot; p4, engineer -> 0 (cold).
    expect(preview.temperature_counts).toEqual({ cold: 2, warm: 0, hot: 7 });
    // Today vp is hot (61), engineer cold (15), p1 p3 p4 cold (0), p2 p5 p6 p7 warm (20 for 500+ employees):
    // p1 p2 p3 p5 p6 p7 change, vp engineer p4 keep theirs.
    expect(preview.temperature_changes).toBe(6);
    // The same draft keeping the current engagement rules (ids left out) uses the stored
    // engagement: vp keeps its 30 engagement points on top of 50 fit; still not eligible (MQL).
    const stored = (
      await call(
        'POST',
        '/scoring/preview',
        {
          fit_rules: [
            { name: 'Mid-size and up', field: 'employees', operator: 'gte', value: 100, points: 50 },
          ],
          engagement_rules: MODEL.engagement_rules.map(({ id: _id, ...rule }) => rule).reverse(),
          thresholds: { mql: 50, warm: 10, hot: 40 },
        },
        marketer.headers,
      )
    ).json();
    expect(stored.engagement).toBe('stored');
    expect(stored.would_become_mql).toBe(3);
    expect(stored.temperature_counts).toEqual({ cold: 2, warm: 0, hot: 7 });
    await call('PUT', '/qualification/fields', { fields: [] });

    // Nothing was written.
    expect((await call('GET', '/scoring/model')).json().version).toBe(1);
    expect((await call('GET', `/leads/${qualifies[0]?.id}`)).json()).toEqual(before);
  });
});

describe('jobs', () => {
  it('resumes an interrupted job from its cursor', async () => {
    const db = ctx.database.db;
    const ids = (
      await db
        .selectFrom('leads')
        .select('id')
        .where('workspace_id', '=', ctx.workspaceId)
        .orderBy('id')
        .execute()
    ).map((row) => row.id);
    const cursor = ids[3] as number;
    // Mark every lead's fit as wrong, as if scored by an older model.
    await db
      .updateTable('leads')
      .set({ fit_score: 999 })
      .where('workspace_id', '=', ctx.workspaceId)
      .execute();
    // A job whose process died after committing the chunk that ended at the 4th lead.
    const job = await db
      .insertInto('scoring_jobs')
      .values({
        workspace_id: ctx.workspaceId,
        model_version: 1,
        status: 'running',
        total: ids.length,
        processed: 4,
        last_lead_id: cursor,
        heartbeat_at: new Date(Date.now() - 10 * 60_000),
        started_at: new Date(Date.now() - 11 * 60_000),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await runScoringJobs(db, { chunkSize: 2 });
    const done = await waitForJob(job.id);
    expect(done).toMatchObject({ status: 'completed', processed: ids.length, attempts: 1 });
    const fits = await db
      .selectFrom('leads')
      .select(['id', 'fit_score'])
      .where('workspace_id', '=', ctx.workspaceId)
      .orderBy('id')
      .execute();
    // Leads up to the cursor were done before the interruption and are not touched again.
    expect(fits.filter((row) => row.id <= cursor).every((row) => row.fit_score === 999)).toBe(true);
    expect(fits.filter((row) => row.id > cursor).every((row) => row.fit_score !== 999)).toBe(true);
    await db.updateTable('leads').set({ fit_score: 0 }).where('fit_score', '=', 999).execute();
  });

  it('marks a job failed, saying why, when its model version is gone', async () => {
    const db = ctx.database.db;
    const job = await db
      .insertInto('scoring_jobs')
      .values({ workspace_id: ctx.workspaceId, model_version: 42, total: 1 })
      .returning('id')
      .executeTakeFirstOrThrow();
    await runScoringJobs(db);
    const failed = await waitForJob(job.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toBe('Scoring model version 42 no longer exists');
  });

  it('supersedes an unfinished job when a newer model is saved', async () => {
    const db = ctx.database.db;
    const older = await db
      .insertInto('scoring_jobs')
      .values({
        workspace_id: ctx.workspaceId,
        model_version: 1,
        total: 1,
        status: 'running',
        heartbeat_at: new Date(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const saved = await call('POST', '/scoring/model', {
      version: 1,
      ...MODEL,
      thresholds: { mql: 60, warm: 25, hot: 50 },
    });
    expect(saved.statusCode).toBe(201);
    expect((await call('GET', `/scoring/jobs/${older.id}`)).json().status).toBe('superseded');
    const done = await waitForJob(saved.json().job.id);
    expect(done.status).toBe('completed');
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from leads where workspace_id = ${ctx.workspaceId} and temperature = 'warm' and score < 25`.execute(
      db,
    );
    expect(rows[0]?.n).toBe(0);
  });
});
