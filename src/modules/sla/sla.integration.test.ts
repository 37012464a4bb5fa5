import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext, type TestUser } from '../../testing/harness.ts';
import { createApiToken } from '../auth/auth.service.ts';
import { systemCaller } from '../auth/auth.ts';
import { deliverDueNotifications } from '../notifications/notifications.delivery.ts';
import { type SmtpSink, startSmtpSink } from '../notifications/notifications.testing.ts';
import { createUser } from '../users/users.service.ts';
import { ensureWorkspace } from '../workspaces/workspaces.service.ts';
import { runSlaTick } from './sla.tick.ts';
import { addBusinessTime } from './sla.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let context: TestContext;
let manager: TestUser;
let rep1: TestUser;
let rep2: TestUser;
let smtp: SmtpSink;
let teamId: number;
let calendarId: number;
/** Handoffs happen at T0, a little after the policies were created (policies are not retroactive). */
let T0: Date;
const later = (ms: number) => new Date(T0.getTime() + ms);

async function api(
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  url: string,
  payload?: unknown,
  user?: TestUser,
) {
  return context.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: (user ?? context.admin).headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

let leadCounter = 0;
async function handoff(fields: Record<string, unknown>): Promise<number> {
  leadCounter += 1;
  const response = await api('POST', '/leads', {
    email: `sla${leadCounter}@buyer.example`,
    stage: 'mql',
    created_at: T0.toISOString(),
    ...fields,
  });
  expect(response.statusCode).toBe(201);
  return response.json().id;
}

async function eventsOf(leadId: number): Promise<string[]> {
  const rows = await context.database.db
    .selectFrom('sla_events')
    .select('kind')
    .where('lead_id', '=', leadId)
    .orderBy('id')
    .execute();
  return rows.map((row) => row.kind);
}

async function notificationsOf(leadId: number) {
  return context.database.db
    .selectFrom('notifications')
    .select(['event', 'recipient_user_id', 'payload'])
    .where('lead_id', '=', leadId)
    .orderBy('id')
    .execute();
}

beforeAll(async () => {
  context = await createTestContext();
  smtp = await startSmtpSink();
  manager = await context.user('sales', { name: 'Sales Manager 01' });
  const team = await api('POST', '/teams', { name: 'Inbound', manager_id: manager.id });
  expect(team.statusCode).toBe(201);
  teamId = team.json().id;
  rep1 = await context.user('sdr', { name: 'SDR 01', team_id: teamId, manager_id: manager.id });
  rep2 = await context.user('sdr', { name: 'SDR 02', team_id: teamId, manager_id: manager.id });
  const rules = await api('PUT', '/routing/rules', {
    rules: [{ name: 'Inbound round robin', team_id: teamId }],
  });
  expect(rules.statusCode).toBe(200);
  await api('PUT', '/notifications/smtp', { url: smtp.url, from: 'Tandem <tandem@test.example>' });
  const channel = await api('POST', '/notifications/channels', {
    name: 'Email',
    kind: 'email',
    events: ['sla.warning', 'sla.breached', 'lead.assigned', 'lead.recycled'],
  });
  expect(channel.statusCode).toBe(201);
});

afterAll(async () => {
  await smtp?.close();
  await context?.close();
});

describe('calendars, policies and commitments API', () => {
  it('validates calendars', async () => {
    const badZone = await api('POST', '/sla/calendars', {
      name: 'x',
      time_zone: 'Mars/Olympus',
      start: '09:00',
      end: '17:00',
    });
    expect(badZone.statusCode).toBe(400);
    expect(badZone.json().error.issues[0].path).toBe('time_zone');
    const backwards = await api('POST', '/sla/calendars', {
      name: 'x',
      time_zone: 'UTC',
      start: '17:00',
      end: '09:00',
    });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error.issues[0].path).toBe('end');
    const badHoliday = await api('POST', '/sla/calendars', {
      name: 'x',
      time_zone: 'UTC',
      start: '09:00',
      end: '17:00',
      holidays: ['2026-13-01'],
    });
    expect(badHoliday.statusCode).toBe(400);
    expect(badHoliday.json().error.issues[0].path).toBe('holidays.0');
    const forbidden = await api(
      'POST',
      '/sla/calendars',
      { name: 'x', time_zone: 'UTC', start: '09:00', end: '17:00' },
      rep1,
    );
    expect(forbidden.statusCode).toBe(403);
    const created = await api('POST', '/sla/calendars', {
      name: 'Berlin office',
      time_zone: 'Europe/Berlin',
      working_days: [1, 2, 3, 4, 5],
      start: '09:00',
      end: '17:30',
      holidays: ['2026-12-25', '2026-12-24'],
      is_default: true,
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      start: '09:00',
      end: '17:30',
      holidays: ['2026-12-24', '2026-12-25'],
    });
    calendarId = created.json().id;
    const secondDefault = await api('POST', '/sla/calendars', {
      name: 'Other',
      time_zone: 'UTC',
      start: '09:00',
      end: '17:00',
      is_default: true,
    });
    expect(secondDefault.statusCode).toBe(409);
  });

  it('validates policies', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'x' }, 'accept_within_minutes'],
      [{ name: 'x', accept_within_minutes: 60, attempts_required: 3 }, 'attempts_within_days'],
      [{ name: 'x', accept_within_minutes: 60, warn_before_minutes: 60 }, 'warn_before_minutes'],
      [{ name: 'x', accept_within_minutes: 60, clock: 'business' }, 'calendar_id'],
      [{ name: 'x', accept_within_minutes: 60, calendar_id: 99999 }, 'calendar_id'],
      [{ name: 'x', accept_within_minutes: 60, breach_action: 'explode' }, 'breach_action'],
      [
        { name: 'x', accept_within_minutes: 60, match: { min_employees: 500, max_employees: 50 } },
        'match.max_employees',
      ],
    ];
    for (const [payload, path] of cases) {
      const response = await api('POST', '/sla/policies', payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error.issues.map((issue: { path: string }) => issue.path)).toContain(path);
    }
    expect(
      (await api('POST', '/sla/policies', { name: 'x', accept_within_minutes: 60 }, rep1)).statusCode,
    ).toBe(403);
  });

  it('creates the policies used below, tried in position order', async () => {
    const policies = [
      // Demo requests: accept within 30 minutes or the lead goes back to marketing.
      {
        name: 'Demo requests',
        position: 1,
        match: { sources: ['demo_request'] },
        accept_within_minutes: 30,
        escalate: false,
        breach_action: 'recycle',
      },
      // Partner leads: measured in business hours.
      {
        name: 'Partner',
        position: 2,
        match: { sources: ['partner'] },
        accept_within_minutes: 120,
        clock: 'business',
        calendar_id: calendarId,
      },
      // Referrals: 3 attempts within a day, leakage after 2 days, no action.
      {
        name: 'Referral',
        position: 3,
        match: { sources: ['referral'] },
        attempts_required: 3,
        attempts_within_days: 1,
        leakage_days: 2,
        escalate: false,
        breach_action: 'none',
      },
      // Everyone else.
      {
        name: 'Default',
        position: 10,
        accept_within_minutes: 60,
        first_activity_within_minutes: 120,
        warn_before_minutes: 15,
        escalate: true,
        breach_action: 'reassign',
      },
    ];
    for (const policy of policies) {
      const response = await api('POST', '/sla/policies', policy);
      expect(response.statusCode, JSON.stringify(response.json())).toBe(201);
    }
    const listed = await api('GET', '/sla/policies', undefined, rep1);
    expect(listed.json().items.map((p: { name: string }) => p.name)).toEqual([
      'Demo requests',
      'Partner',
      'Referral',
      'Default',
    ]);
    expect((await api('DELETE', `/sla/calendars/${calendarId}`)).statusCode).toBe(409);
    T0 = new Date(Math.ceil((Date.now() + 2 * MINUTE) / MINUTE) * MINUTE);
  });

  it('validates and stores marketing commitments', async () => {
    const bad = await api('POST', '/sla/commitments', {
      period: 'spring',
      mql_volume: 10,
      min_acceptance_rate: 0.5,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.issues[0].path).toBe('period');
    const rate = await api('POST', '/sla/commitments', {
      period: '2026-07',
      mql_volume: 10,
      min_acceptance_rate: 1.5,
    });
    expect(rate.statusCode).toBe(400);
    expect(rate.json().error.issues[0].path).toBe('min_acceptance_rate');
    const created = await api('POST', '/sla/commitments', {
      period: '2026-Q3',
      mql_volume: 300,
      min_acceptance_rate: 0.6,
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      period: '2026-Q3',
      period_start: '2026-07-01',
      period_end: '2026-10-01',
    });
    expect(
      (await api('POST', '/sla/commitments', { period: '2026-Q3', mql_volume: 1, min_acceptance_rate: 0.1 }))
        .statusCode,
    ).toBe(409);
    expect(
      (
        await api(
          'POST',
          '/sla/commitments',
          { period: '2026-08', mql_volume: 1, min_acceptance_rate: 0.1 },
          rep1,
        )
      ).statusCode,
    ).toBe(403);
  });
});

describe('breach detection', () => {
  it('warns the owner, then breaches, escalates to the manager and reassigns, each once', async () => {
    const lead = await handoff({ owner_id: rep1.id });
    expect((await runSlaTick(context.database.db, later(10 * MINUTE))).opened).toBeGreaterThanOrEqual(1);
    expect(await eventsOf(lead)).toEqual([]);

    await runSlaTick(context.database.db, later(46 * MINUTE));
    expect(await eventsOf(lead)).toEqual(['accept_warning']);
    await runSlaTick(context.database.db, later(47 * MINUTE));
    expect(await eventsOf(lead)).toEqual(['accept_warning']);

    await runSlaTick(context.database.db, later(61 * MINUTE));
    expect(await eventsOf(lead)).toEqual(['accept_warning', 'accept_breach', 'escalation', 'reassignment']);
    const reassigned = await context.database.db
      .selectFrom('leads')
      .select(['owner_id', 'assigned_at', 'stage'])
      .where('id', '=', lead)
      .executeTakeFirstOrThrow();
    expect(reassigned).toEqual({ owner_id: rep2.id, assigned_at: later(61 * MINUTE), stage: 'mql' });
    const notifications = await notificationsOf(lead);
    expect(notifications.map((n) => [n.event, n.recipient_user_id])).toEqual([
      ['sla.warning', rep1.id],
      ['sla.breached', rep1.id],
      ['sla.breached', manager.id],
      ['lead.assigned', rep2.id],
    ]);
    expect(notifications[2]?.payload).toMatchObject({
      escalation: true,
      manager_user_id: manager.id,
      owner_user_id: rep1.id,
    });

    // The new owner gets a fresh clock from the reassignment on.
    await runSlaTick(context.database.db, later(62 * MINUTE));
    const clocks = await context.database.db
      .selectFrom('sla_clocks')
      .select(['owner_id', 'status', 'handoff_at', 'accept_due_at'])
      .where('lead_id', '=', lead)
      .orderBy('id')
      .execute();
    expect(clocks).toEqual([
      { owner_id: rep1.id, status: 'closed', handoff_at: T0, accept_due_at: later(60 * MINUTE) },
      {
        owner_id: rep2.id,
        status: 'open',
        handoff_at: later(61 * MINUTE),
        accept_due_at: later(121 * MINUTE),
      },
    ]);

    const events = await api('GET', `/sla/events?lead_id=${lead}`, undefined, manager);
    expect(events.json().items.map((e: { kind: string }) => e.kind)).toEqual([
      'reassignment',
      'escalation',
      'accept_breach',
      'accept_warning',
    ]);
    expect(events.json().items[0].details).toEqual({ new_owner_id: rep2.id });

    // The escalation email reaches the manager.
    await deliverDueNotifications(context.database.db, { now: later(62 * MINUTE) });
    const toManager = smtp.messages.filter((message) => message.recipients.includes(manager.email));
    expect(toManager).toHaveLength(1);
    expect(toManager[0]?.raw).toContain('Escalation');
  });

  it('leaves a lead alone once it is accepted and worked in time', async () => {
    const lead = await handoff({ owner_id: rep1.id });
    await runSlaTick(context.database.db, later(5 * MINUTE));
    expect((await api('POST', `/leads/${lead}/accept`, {}, rep1)).statusCode).toBe(200);
    await context.database.db
      .insertInto('activities')
      .values({
        workspace_id: context.workspaceId,
        lead_id: lead,
        type: 'call',
        occurred_at: later(30 * MINUTE),
        actor_id: rep1.id,
      })
      .execute();
    await runSlaTick(context.database.db, later(3 * HOUR));
    expect(await eventsOf(lead)).toEqual([]);
    const clock = await context.database.db
      .selectFrom('sla_clocks')
      .select('status')
      .where('lead_id', '=', lead)
      .executeTakeFirstOrThrow();
    expect(clock.status).toBe('closed');
  });

  it('recycles a demo request nobody accepted, without escalation', async () => {
    const lead = await handoff({ owner_id: rep1.id, source: 'demo_request' });
    await runSlaTick(context.database.db, later(5 * MINUTE));
    await runSlaTick(context.database.db, later(31 * MINUTE));
    expect(await eventsOf(lead)).toEqual(['accept_breach', 'recycle']);
    const recycled = await context.database.db
      .selectFrom('leads')
      .select(['stage', 'owner_id'])
      .where('id', '=', lead)
      .executeTakeFirstOrThrow();
    expect(recycled).toEqual({ stage: 'recycled', owner_id: null });
    expect((await notificationsOf(lead)).map((n) => n.event)).toEqual(['sla.breached', 'lead.recycled']);
    const transition = await context.database.db
      .selectFrom('lifecycle_events')
      .select(['to_stage', 'origin'])
      .where('lead_id', '=', lead)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(transition).toEqual({ to_stage: 'recycled', origin: 'system' });
  });

  it('measures a business-hours policy on its calendar', async () => {
    const lead = await handoff({ owner_id: rep1.id, source: 'partner' });
    await runSlaTick(context.database.db, later(MINUTE));
    const clock = await context.database.db
      .selectFrom('sla_clocks')
      .select(['accept_due_at', 'status'])
      .where('lead_id', '=', lead)
      .executeTakeFirstOrThrow();
    const expected = addBusinessTime(T0, 2 * HOUR, {
      timeZone: 'Europe/Berlin',
      workingDays: [1, 2, 3, 4, 5],
      startMinute: 540,
      endMinute: 1050,
      holidays: ['2026-12-24', '2026-12-25'],
    });
    expect(clock).toEqual({ accept_due_at: expected, status: 'open' });
    await runSlaTick(context.database.db, new Date(expected.getTime() - MINUTE));
    expect(await eventsOf(lead)).toEqual([]);
    await runSlaTick(context.database.db, expected);
    expect(await eventsOf(lead)).toEqual(['accept_breach', 'escalation', 'reassignment']);
  });

  it('counts attempts within the window and leads nobody worked as leakage', async () => {
    const worked = await handoff({ owner_id: rep1.id, source: 'referral' });
    const ignored = await handoff({ owner_id: rep2.id, source: 'referral' });
    await runSlaTick(context.database.db, later(MINUTE));
    await context.database.db
      .insertInto('activities')
      .values([
        {
          workspace_id: context.workspaceId,
          lead_id: worked,
          type: 'call',
          occurred_at: later(HOUR),
          actor_id: rep1.id,
        },
        {
          workspace_id: context.workspaceId,
          lead_id: worked,
          type: 'note',
          occurred_at: later(2 * HOUR),
          actor_id: rep1.id,
        },
        {
          workspace_id: context.workspaceId,
          lead_id: worked,
          type: 'email',
          occurred_at: later(3 * HOUR),
          actor_id: rep1.id,
        },
        // Outside the one-day window: does not rescue the attempts target.
        {
          workspace_id: context.workspaceId,
          lead_id: worked,
          type: 'call',
          occurred_at: later(25 * HOUR),
          actor_id: rep1.id,
        },
      ])
      .execute();
    await runSlaTick(context.database.db, later(24 * HOUR));
    expect(await eventsOf(worked)).toEqual(['attempts_breach']);
    expect(await eventsOf(ignored)).toEqual(['attempts_breach']);
    await runSlaTick(context.database.db, later(48 * HOUR));
    expect(await eventsOf(worked)).toEqual(['attempts_breach']);
    expect(await eventsOf(ignored)).toEqual(['attempts_breach', 'leakage']);
  });

  it('does not reach back to handoffs from before the policies existed', async () => {
    const old = await handoff({ owner_id: rep1.id, created_at: '2025-01-06T09:00:00Z' });
    await runSlaTick(context.database.db, later(10 * HOUR));
    expect(await eventsOf(old)).toEqual([]);
    const clocks = await context.database.db
      .selectFrom('sla_clocks')
      .select('id')
      .where('lead_id', '=', old)
      .execute();
    expect(clocks).toEqual([]);
  });

  it('acts once per lead when several ticks run at the same time', async () => {
    const leads: number[] = [];
    for (let i = 0; i < 12; i++) leads.push(await handoff({ owner_id: i % 2 === 0 ? rep1.id : rep2.id }));
    await Promise.all([0, 1, 2, 3].map(() => runSlaTick(context.database.db, later(61 * MINUTE))));
    for (const lead of leads) {
      expect(await eventsOf(lead)).toEqual(['accept_breach', 'escalation', 'reassignment']);
    }
    const assignments = await context.database.db
      .selectFrom('lead_assignments')
      .select(['lead_id', sql<number>`count(*)`.as('n')])
      .where('lead_id', 'in', leads)
      .where('reason', 'like', 'SLA breached%')
      .groupBy('lead_id')
      .execute();
    expect(assignments).toHaveLength(12);
    expect(assignments.every((row) => Number(row.n) === 1)).toBe(true);
    const escalations = await context.database.db
      .selectFrom('notifications')
      .select(sql<number>`count(*)`.as('n'))
      .where('lead_id', 'in', leads)
      .where('event', '=', 'sla.breached')
      .where('recipient_user_id', '=', manager.id)
      .executeTakeFirstOrThrow();
    expect(Number(escalations.n)).toBe(12);
  });
});

describe('the SLA report', () => {
  it('shows both sides per period and per rep, in its own workspace', async () => {
    const db = context.database.db;
    const workspace = await ensureWorkspace(db, { name: 'Report Co', slug: 'report-co' });
    const system = systemCaller(workspace.id);
    const admin = await createUser(db, system, {
      email: 'admin@report.example',
      name: 'Admin 01',
      role: 'admin',
    });
    const { token } = await createApiToken(db, system, { name: 'test', userId: admin.id });
    const headers = { authorization: `Bearer ${token}` };
    const r1 = await createUser(db, system, { email: 'r1@report.example', name: 'SDR 11', role: 'sdr' });
    const r2 = await createUser(db, system, { email: 'r2@report.example', name: 'SDR 12', role: 'sdr' });
    const call = (
      path: string,
      payload?: Record<string, unknown>,
      method: 'GET' | 'POST' = payload ? 'POST' : 'GET',
    ) => context.app.inject({ method, url: `/api/v1${path}`, headers, ...(payload ? { payload } : {}) });
    const policy = await call('/sla/policies', {
      name: 'Default',
      accept_within_minutes: 60,
      leakage_days: 3,
      escalate: false,
      breach_action: 'none',
    });
    expect(policy.statusCode).toBe(201);
    // The policy was agreed in December; January's handoffs fall under it.
    await db
      .updateTable('sla_policies')
      .set({ created_at: new Date('2025-12-01T00:00:00Z') })
      .where('workspace_id', '=', workspace.id)
      .execute();
    expect(
      (await call('/sla/commitments', { period: '2026-01', mql_volume: 5, min_acceptance_rate: 0.5 }))
        .statusCode,
    ).toBe(201);

    const lead = async (fields: Record<string, unknown>) =>
      (
        await db
          .insertInto('leads')
          .values({ workspace_id: workspace.id, ...fields })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    const t = (iso: string) => new Date(iso);
    const l1 = await lead({
      email: 'l1@x.example',
      stage: 'sal',
      owner_id: r1.id,
      mql_at: t('2026-01-05T09:00:00Z'),
      sal_at: t('2026-01-05T09:30:00Z'),
    });
    const l2 = await lead({
      email: 'l2@x.example',
      stage: 'mql',
      owner_id: r1.id,
      mql_at: t('2026-01-06T09:00:00Z'),
    });
    const l3 = await lead({
      email: 'l3@x.example',
      stage: 'sal',
      owner_id: r2.id,
      mql_at: t('2026-01-07T09:00:00Z'),
      sal_at: t('2026-01-07T09:40:00Z'),
    });
    const l4 = await lead({
      email: 'l4@x.example',
      stage: 'recycled',
      owner_id: null,
      mql_at: t('2026-01-08T09:00:00Z'),
      recycled_at: t('2026-01-08T09:30:00Z'),
    });
    await lead({ email: 'l5@x.example', stage: 'mql', owner_id: null, mql_at: t('2026-01-09T09:00:00Z') });
    await lead({ email: 'l6@x.example', stage: 'mql', owner_id: r1.id, mql_at: t('2026-02-02T09:00:00Z') });
    await db
      .insertInto('lead_feedback')
      .values({
        workspace_id: workspace.id,
        lead_id: l4,
        decision: 'rejected',
        reason_code: 'no_budget',
        outcome: 'recycled',
        owner_id: r2.id,
        decided_by: r2.id,
        decided_at: t('2026-01-08T09:30:00Z'),
      })
      .execute();
    const activity = (leadId: number, at: string, actor: number) => ({
      workspace_id: workspace.id,
      lead_id: leadId,
      type: 'call' as const,
      occurred_at: t(at),
      actor_id: actor,
    });
    await db
      .insertInto('activities')
      .values([
        activity(l1, '2026-01-05T09:20:00Z', r1.id),
        activity(l3, '2026-01-07T10:00:00Z', r2.id),
        activity(l3, '2026-01-07T12:00:00Z', r2.id),
        activity(l3, '2026-01-08T09:00:00Z', r2.id),
      ])
      .execute();
    for (const at of [
      '2026-01-05T09:05:00Z',
      '2026-01-06T10:05:00Z',
      '2026-01-07T09:05:00Z',
      '2026-01-09T09:05:00Z',
    ]) {
      await runSlaTick(db, t(at));
    }
    expect(await eventsOf(l2)).toEqual(['accept_breach', 'leakage']);

    const response = await call('/reports/sla?from=2026-01-01&to=2026-03-01&period=month');
    expect(response.statusCode).toBe(200);
    const [january, february] = response.json().periods;
    expect(january.period_start).toBe('2026-01-01');
    // Marketing: 5 MQLs of 5 committed; 2 accepted (40 %) against a 50 % minimum.
    expect(january.marketing).toEqual({
      mqls_delivered: 5,
      mqls_committed: 5,
      delivered_vs_committed: 1,
      accepted: 2,
      rejected: 1,
      accepted_share: 0.4,
      min_acceptance_rate: 0.5,
      commitment_met: false,
    });
    // Sales: 4 handed off (the unassigned MQL is still marketing's); responses 20 min and
    // 1 h; attempts in 7 days 1, 0, 3, 0.
    expect(january.sales).toEqual({
      handed_off: 4,
      responded: 2,
      median_response_hours: Math.round(((20 / 60 + 1) / 2) * 10_000) / 10_000,
      avg_attempts: 1,
      breaches: 1,
      leakage: 1,
    });
    expect(january.reps).toEqual([
      {
        owner_id: r1.id,
        owner_name: 'SDR 11',
        handed_off: 2,
        responded: 1,
        median_response_hours: 0.3333,
        avg_attempts: 0.5,
        breaches: 1,
        leakage: 1,
      },
      {
        owner_id: r2.id,
        owner_name: 'SDR 12',
        handed_off: 2,
        responded: 1,
        median_response_hours: 1,
        avg_attempts: 1.5,
        breaches: 0,
        leakage: 0,
      },
    ]);
    expect(february.marketing).toMatchObject({
      mqls_delivered: 1,
      mqls_committed: null,
      commitment_met: null,
    });
    expect(february.sales).toMatchObject({ handed_off: 1, responded: 0, median_response_hours: null });

    // The other workspace's figures are its own.
    const main = await api('GET', '/reports/sla?from=2026-01-01&to=2026-03-01&period=month');
    expect(main.json().periods[0].marketing.mqls_delivered).toBe(0);
  });
});
