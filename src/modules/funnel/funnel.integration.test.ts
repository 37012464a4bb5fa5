import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext, type TestUser } from '../../testing/harness.ts';

let ctx: TestContext;
let east: TestUser;
let other: TestUser;
const ids: Record<string, number> = {};

async function post(url: string, payload: Record<string, unknown>) {
  const response = await ctx.app.inject({ method: 'POST', url, headers: ctx.admin.headers, payload });
  if (response.statusCode >= 300) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
  return response.json();
}

async function lead(
  name: string,
  createdAt: string,
  fields: Record<string, unknown>,
  moves: [string, string][],
) {
  const created = await post('/api/v1/leads', {
    email: `${name}@funnel.test`,
    created_at: createdAt,
    ...fields,
  });
  ids[name] = created.id;
  for (const [to, at] of moves)
    await post(`/api/v1/leads/${created.id}/transitions`, { to, occurred_at: at });
}

async function activity(name: string, at: string) {
  await ctx.database.db
    .insertInto('activities')
    .values({ workspace_id: ctx.workspaceId, lead_id: ids[name], type: 'call', occurred_at: at })
    .execute();
}

async function get(url: string, headers = ctx.admin.headers) {
  return ctx.app.inject({ method: 'GET', url, headers });
}

/**
 * Eight leads created in Q1 2026 and one (g) created before it, with hand-checked stage
 * histories. h mimics an imported lead that carries only some stage stamps (no mql/sal).
 */
beforeAll(async () => {
  ctx = await createTestContext();
  const team = await ctx.database.db
    .insertInto('teams')
    .values({ workspace_id: ctx.workspaceId, name: 'East' })
    .returning('id')
    .executeTakeFirstOrThrow();
  east = await ctx.user('sales', { team_id: team.id });
  other = await ctx.user('sales');
  await lead('a', '2026-01-05T09:00:00Z', { source: 'webinar', owner_id: east.id }, [
    ['mql', '2026-01-10T09:00:00Z'],
    ['sal', '2026-01-12T09:00:00Z'],
    ['sql', '2026-01-20T09:00:00Z'],
    ['opportunity', '2026-02-01T09:00:00Z'],
    ['customer', '2026-03-01T09:00:00Z'],
  ]);
  await lead('b', '2026-01-06T09:00:00Z', { source: 'webinar', owner_id: east.id }, [
    ['mql', '2026-01-08T09:00:00Z'],
    ['recycled', '2026-01-09T09:00:00Z'],
  ]);
  await lead('c', '2026-01-07T09:00:00Z', { source: 'webinar' }, [['mql', '2026-01-15T09:00:00Z']]);
  await lead('d', '2026-02-01T09:00:00Z', { source: 'paid', owner_id: other.id }, [
    ['mql', '2026-02-02T09:00:00Z'],
    ['sal', '2026-02-03T09:00:00Z'],
  ]);
  await lead('e', '2026-02-10T09:00:00Z', { source: 'paid' }, [
    ['sql', '2026-02-20T09:00:00Z'],
    ['disqualified', '2026-03-01T09:00:00Z'],
  ]);
  await lead('f', '2026-03-01T09:00:00Z', {}, []);
  // Accepted, then sent back by sales from sal.
  await lead('i', '2026-03-10T09:00:00Z', { source: 'paid' }, [
    ['mql', '2026-03-11T09:00:00Z'],
    ['sal', '2026-03-12T09:00:00Z'],
    ['recycled', '2026-03-13T09:00:00Z'],
  ]);
  await lead('g', '2025-12-20T09:00:00Z', { source: 'webinar' }, [
    ['mql', '2026-01-03T09:00:00Z'],
    ['sal', '2026-01-04T09:00:00Z'],
  ]);
  const h = await ctx.database.db
    .insertInto('leads')
    .values({
      workspace_id: ctx.workspaceId,
      email: 'h@funnel.test',
      source: 'paid',
      stage: 'sql',
      created_at: '2026-02-15T09:00:00Z',
      lead_at: '2026-02-15T09:00:00Z',
      sql_at: '2026-02-25T09:00:00Z',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  ids.h = h.id;
  await activity('a', '2026-01-11T09:00:00Z');
  await activity('d', '2026-02-02T10:00:00Z');
  await activity('e', '2026-02-21T09:00:00Z');
  // An activity before the handoff does not count as following it up.
  await activity('c', '2026-01-14T09:00:00Z');
});
afterAll(async () => ctx?.close());

const AS_OF = '2026-06-01T00:00:00Z';
const base = `/api/v1/reports/funnel?period=2026-Q1&as_of=${encodeURIComponent(AS_OF)}`;

function counts(group: { stages: { stage: string; count: number }[] }) {
  return Object.fromEntries(group.stages.map((stage) => [stage.stage, stage.count]));
}

describe('funnel report', () => {
  it('counts the Q1 cohort, followed forward, with conversion between stages', async () => {
    const response = await get(`${base}&view=cohort`);
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report.from).toBe('2026-01-01T00:00:00.000Z');
    expect(report.to).toBe('2026-04-01T00:00:00.000Z');
    // a..f, h and i; g was created in December. h reached mql and sal through its sql stamp.
    expect(counts(report.total)).toEqual({ lead: 8, mql: 7, sal: 5, sql: 3, opportunity: 1, customer: 1 });
    const stage = (name: string) => report.total.stages.find((s: { stage: string }) => s.stage === name);
    expect(stage('mql').conversion_from_previous).toBeCloseTo(7 / 8, 12);
    expect(stage('sal').conversion_from_previous).toBeCloseTo(5 / 7, 12);
    expect(stage('lead').conversion_from_previous).toBeNull();
    expect(stage('mql').conversion_to_customer).toBeCloseTo(1 / 7, 12);
    // Days lead -> mql of a, b, c, d, e, h, i: 5, 2, 8, 1, 10, 10, 1 -> median 5, p75 9
    // (percentile_cont: 1 1 2 5 8 10 10, position 4.5 of 0..6 -> halfway between 8 and 10).
    expect(stage('lead').median_days).toBeCloseTo(5, 9);
    expect(stage('lead').p75_days).toBeCloseTo(9, 9);
    // mql -> sal of a, d, e, h, i: 2, 1, 0, 0, 1 -> 0 0 1 1 2: median 1, p75 1.
    expect(stage('mql').median_days).toBeCloseTo(1, 9);
    expect(stage('mql').p75_days).toBeCloseTo(1, 9);
    expect(stage('customer').median_days).toBeNull();
  });

  it('reports leakage: stalled by stage, rejected at handoff, recycled, disqualified, never followed up', async () => {
    const report = (await get(`${base}&view=cohort&stalled_days=30&follow_up_days=7`)).json();
    const leakage = report.total.leakage;
    // f in lead since 1 Mar, c in mql since 15 Jan, d in sal since 3 Feb, h in sql since 25 Feb.
    expect(leakage.stalled.count).toBe(4);
    expect(
      Object.fromEntries(
        leakage.stalled.by_stage.map((s: { stage: string; count: number }) => [s.stage, s.count]),
      ),
    ).toEqual({ lead: 1, mql: 1, sal: 1, sql: 1, opportunity: 0 });
    expect(leakage.rejected.count).toBe(2); // b: mql -> recycled, i: sal -> recycled
    expect(leakage.recycled.count).toBe(2);
    expect(leakage.disqualified.count).toBe(1); // e, from sql: not a handoff rejection
    // b and c reached mql and were never accepted nor called since (c's call came before its
    // handoff); h and i have no activity either, but they reached sal: accepted.
    expect(leakage.never_followed_up.count).toBe(2);
    // With a 120-day threshold nothing is stalled yet (f: 92 days, c: 137 -> only c).
    const strict = (await get(`${base}&view=cohort&stalled_days=120`)).json();
    expect(strict.total.leakage.stalled.count).toBe(1);
  });

  it('counts stage entries inside the window in the period view', async () => {
    const report = (await get(`${base}&view=period`)).json();
    // g entered mql and sal in January although it was created in December.
    expect(counts(report.total)).toEqual({ lead: 8, mql: 8, sal: 6, sql: 3, opportunity: 1, customer: 1 });
    expect(report.total.leakage.recycled.count).toBe(2);
    expect(report.total.leakage.rejected.count).toBe(2);
    const q2 = (await get(`/api/v1/reports/funnel?view=period&period=2026-Q2&as_of=${AS_OF}`)).json();
    expect(counts(q2.total)).toEqual({ lead: 0, mql: 0, sal: 0, sql: 0, opportunity: 0, customer: 0 });
  });

  it('breaks the funnel down by source, owner and team', async () => {
    const bySource = (await get(`${base}&view=cohort&by=source`)).json();
    const group = (report: { groups: { key: string | null }[] }, key: string | null) =>
      report.groups.find((g) => g.key === key) as {
        key: string | null;
        label: string;
        stages: { stage: string; count: number }[];
      };
    expect(counts(group(bySource, 'webinar'))).toEqual({
      lead: 3,
      mql: 3,
      sal: 1,
      sql: 1,
      opportunity: 1,
      customer: 1,
    });
    expect(counts(group(bySource, 'paid'))).toEqual({
      lead: 4,
      mql: 4,
      sal: 4,
      sql: 2,
      opportunity: 0,
      customer: 0,
    });
    expect(group(bySource, null).label).toBe('(none)');
    expect(counts(group(bySource, null)).lead).toBe(1);
    expect(counts(bySource.total)).toEqual({ lead: 8, mql: 7, sal: 5, sql: 3, opportunity: 1, customer: 1 });

    const byTeam = (await get(`${base}&view=cohort&by=team`)).json();
    const eastGroup = byTeam.groups.find((g: { label: string }) => g.label === 'East');
    expect(counts(eastGroup)).toMatchObject({ lead: 2, mql: 2, customer: 1 });
    const byOwner = (await get(`${base}&view=cohort&by=owner`)).json();
    expect(counts(group(byOwner, String(other.id)))).toMatchObject({ lead: 1, sal: 1 });
  });

  it('drills every figure down to exactly the leads behind it', async () => {
    for (const view of ['cohort', 'period']) {
      const report = (await get(`${base}&view=${view}&by=source`)).json();
      const figures: { count: number; drilldown: string }[] = [];
      for (const group of [report.total, ...report.groups]) {
        figures.push(...group.stages);
        const { stalled, ...rest } = group.leakage;
        figures.push(
          stalled,
          ...stalled.by_stage,
          ...(Object.values(rest) as { count: number; drilldown: string }[]),
        );
      }
      for (const figure of figures) {
        const seen: number[] = [];
        let url: string | null = `${figure.drilldown}&limit=2`;
        while (url) {
          const page = await get(url);
          expect(page.statusCode, figure.drilldown).toBe(200);
          const body = page.json();
          seen.push(...body.items.map((item: { id: number }) => item.id));
          url = body.next_cursor ? `${figure.drilldown}&limit=2&cursor=${body.next_cursor}` : null;
        }
        expect(new Set(seen).size, figure.drilldown).toBe(figure.count);
      }
    }
  });

  it('drills down to the right leads', async () => {
    const url =
      '/api/v1/reports/funnel/records?view=period&from=2026-01-01&to=2026-04-01&metric=reached&stage=mql&by=source&key=webinar';
    const body = (await get(url)).json();
    expect(body.items.map((item: { id: number }) => item.id).sort((x: number, y: number) => x - y)).toEqual(
      [ids.a, ids.b, ids.c, ids.g].sort((x, y) => (x as number) - (y as number)),
    );
    const none = (
      await get('/api/v1/reports/funnel/records?period=2026-Q1&metric=reached&stage=lead&by=source&key=')
    ).json();
    expect(none.items.map((item: { id: number }) => item.id)).toEqual([ids.f]);
  });

  it('names the bad field', async () => {
    const badView = await get('/api/v1/reports/funnel?view=weekly');
    expect(badView.statusCode).toBe(400);
    expect(badView.json().error.issues[0].path).toBe('querystring.view');
    const badPeriod = await get('/api/v1/reports/funnel?period=2026-Q7');
    expect(badPeriod.statusCode).toBe(400);
    expect(badPeriod.json().error.issues[0].path).toBe('period');
    const halfWindow = await get('/api/v1/reports/funnel?from=2026-01-01');
    expect(halfWindow.statusCode).toBe(400);
    expect(halfWindow.json().error.issues[0].path).toBe('to');
    const noStage = await get('/api/v1/reports/funnel/records?period=2026-Q1&metric=reached');
    expect(noStage.statusCode).toBe(400);
    expect(noStage.json().error.issues[0].path).toBe('stage');
  });

  it('is readable by every role and needs credentials', async () => {
    expect((await get(`${base}`, east.headers)).statusCode).toBe(200);
    expect((await ctx.app.inject({ method: 'GET', url: base })).statusCode).toBe(401);
  });
});
