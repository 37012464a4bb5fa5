import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers, type Workers } from '../../server/workers.ts';
import { createTestContext, type TestContext, type TestUser } from '../../testing/harness.ts';
import {
  type SmtpSink,
  startSmtpSink,
  startWebhookSink,
  type WebhookSink,
} from '../notifications/notifications.testing.ts';

// The whole handoff over the real stack: form post -> touchpoints -> scoring -> MQL ->
// round-robin routing past an away rep -> SLA warning -> breach -> escalation email to the
// manager at a real SMTP server -> reassignment; the background worker runs every step, and
// time is driven through its injectable clock instead of sleeping.

const MINUTE = 60_000;

let context: TestContext;
let smtp: SmtpSink;
let webhook: WebhookSink;
let manager: TestUser;
let away: TestUser;
let first: TestUser;
let second: TestUser;
let workers: Workers;
let clock = new Date();

async function call(method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown) {
  return context.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: context.admin.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

beforeAll(async () => {
  context = await createTestContext();
  smtp = await startSmtpSink();
  webhook = await startWebhookSink();
  manager = await context.user('sales', { name: 'Sales Manager 01', email: 'manager@tandem.example' });
  const team = await call('POST', '/teams', { name: 'Inbound', manager_id: manager.id });
  expect(team.statusCode).toBe(201);
  // The away rep comes first in the rotation, so routing has to pass them by.
  away = await context.user('sdr', { name: 'SDR 01', team_id: team.json().id, manager_id: manager.id });
  first = await context.user('sdr', { name: 'SDR 02', team_id: team.json().id, manager_id: manager.id });
  second = await context.user('sdr', { name: 'SDR 03', team_id: team.json().id, manager_id: manager.id });
  expect((await call('PATCH', `/users/${away.id}`, { status: 'away' })).statusCode).toBe(200);
  expect(
    (
      await call('PUT', '/routing/rules', {
        rules: [{ name: 'Inbound round robin', team_id: team.json().id }],
      })
    ).statusCode,
  ).toBe(200);
  const model = await call('PUT', '/scoring/model', {
    version: 0,
    fit_rules: [],
    engagement_rules: [
      { id: 'forms', name: 'Form fill', type: 'form_fill', points: 20 },
      { id: 'views', name: 'Pricing page views', type: 'page_view', points: 10 },
    ],
    thresholds: { mql: 50, warm: 20, hot: 50 },
  });
  expect(model.statusCode, model.body).toBe(200);
  expect((await call('POST', '/forms', { key: 'demo-request', name: 'Demo request' })).statusCode).toBe(201);
  const policy = await call('POST', '/sla/policies', {
    name: 'Inbound',
    accept_within_minutes: 60,
    warn_before_minutes: 15,
    escalate: true,
    breach_action: 'reassign',
  });
  expect(policy.statusCode).toBe(201);
  expect(
    (await call('PUT', '/notifications/smtp', { url: smtp.url, from: 'Tandem <tandem@test.example>' }))
      .statusCode,
  ).toBe(200);
  const events = [
    'lead.assigned',
    'sla.warning',
    'sla.breached',
    'lead.rejected',
    'lead.recycled',
    'lead.needs_qualification',
  ];
  expect(
    (await call('POST', '/notifications/channels', { name: 'Email', kind: 'email', events })).statusCode,
  ).toBe(201);
  expect(
    (
      await call('POST', '/notifications/channels', {
        name: 'Audit hook',
        kind: 'webhook',
        url: webhook.url,
        events,
      })
    ).statusCode,
  ).toBe(201);
  // The loop's own timer never fires during the test; each round is run with the clock set.
  workers = startWorkers(context.database.db, { now: () => clock, intervalMs: 3_600_000 });
});

afterAll(async () => {
  await workers?.stop();
  await smtp?.close();
  await webhook?.close();
  await context?.close();
});

describe('lead handoff end to end', () => {
  it('routes, warns, breaches, escalates by email, reassigns, and delivers each notification once', async () => {
    const db = context.database.db;
    const posted = await context.app.inject({
      method: 'POST',
      url: '/api/v1/forms/demo-request',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '10.1.0.1' },
      payload: { fields: { email: 'buyer@prospect.example', first_name: 'Buyer', company: 'Prospect Ltd' } },
    });
    expect(posted.statusCode, posted.body).toBe(200);
    const created = await db
      .selectFrom('leads')
      .selectAll()
      .where('email', '=', 'buyer@prospect.example')
      .executeTakeFirstOrThrow();
    expect(created).toMatchObject({ score: 20, stage: 'lead', owner_id: null });

    // Three pricing-page views lift the score to 50: MQL and routed in the ingest transaction.
    const now = Date.now();
    const ingest = await call('POST', '/touchpoints/batch', {
      items: [1, 2, 3].map((i) => ({
        lead_id: created.id,
        type: 'page_view',
        occurred_at: new Date(now - i * MINUTE).toISOString(),
      })),
    });
    expect(ingest.statusCode, ingest.body).toBe(200);
    const routed = await db
      .selectFrom('leads')
      .selectAll()
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(routed).toMatchObject({ score: 50, stage: 'mql', owner_id: first.id });
    const handoff = routed.assigned_at as Date;
    expect(handoff.getTime()).toBeGreaterThanOrEqual((routed.mql_at as Date).getTime());
    const assignment = await db
      .selectFrom('lead_assignments')
      .select('reason')
      .where('lead_id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(assignment.reason).toContain(`user ${away.id} (away)`);

    // Ten minutes on: the worker opens the SLA clock and delivers "lead assigned".
    clock = new Date(handoff.getTime() + 10 * MINUTE);
    await workers.runOnce();
    expect(smtp.messages.map((m) => m.recipients)).toEqual([[first.email]]);
    // The rep's queue shows the deadline still to meet: accept within the policy's 60 minutes.
    const queued = (await call('GET', `/leads?owner_id=${first.id}&stage=mql`)).json();
    expect(queued.items.map((lead: { id: number; sla: unknown }) => [lead.id, lead.sla])).toEqual([
      [
        created.id,
        {
          kind: 'accept',
          due_at: new Date(handoff.getTime() + 60 * MINUTE).toISOString(),
          handoff_at: handoff.toISOString(),
        },
      ],
    ]);

    // 46 minutes: nobody accepted; the owner is warned.
    clock = new Date(handoff.getTime() + 46 * MINUTE);
    await workers.runOnce();
    expect(smtp.messages).toHaveLength(2);
    expect(smtp.messages[1]?.recipients).toEqual([first.email]);
    expect(smtp.messages[1]?.raw).toContain('SLA warning');

    // 61 minutes: breach. The owner hears of it, the manager gets the escalation, and the
    // lead goes to the next available rep (past the away one, and not the owner).
    clock = new Date(handoff.getTime() + 61 * MINUTE);
    await workers.runOnce();
    const toManager = smtp.messages.filter((m) => m.recipients.includes(manager.email));
    expect(toManager).toHaveLength(1);
    expect(toManager[0]?.raw).toContain('Escalation');
    expect(toManager[0]?.raw).toContain('buyer@prospect.example');
    expect(toManager[0]?.raw).toContain('SDR 02');
    const reassigned = await db
      .selectFrom('leads')
      .selectAll()
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(reassigned).toMatchObject({ stage: 'mql', owner_id: second.id });
    expect(reassigned.assigned_at).toEqual(clock);
    expect(smtp.messages.filter((m) => m.recipients.includes(second.email))).toHaveLength(1);

    // Later rounds find nothing more to do for this handoff.
    clock = new Date(handoff.getTime() + 70 * MINUTE);
    await workers.runOnce();
    expect(smtp.messages).toHaveLength(5);

    const kinds = await db
      .selectFrom('sla_events')
      .select('kind')
      .where('lead_id', '=', created.id)
      .orderBy('id')
      .execute();
    expect(kinds.map((k) => k.kind)).toEqual([
      'accept_warning',
      'accept_breach',
      'escalation',
      'reassignment',
    ]);
    const notifications = await db
      .selectFrom('notifications')
      .select(['id', 'event', 'recipient_user_id'])
      .where('lead_id', '=', created.id)
      .orderBy('id')
      .execute();
    expect(notifications.map((n) => [n.event, n.recipient_user_id])).toEqual([
      ['lead.assigned', first.id],
      ['sla.warning', first.id],
      ['sla.breached', first.id],
      ['sla.breached', manager.id],
      ['lead.assigned', second.id],
    ]);
    // The outbox delivered each notification once on each channel: 5 emails, 5 webhooks.
    const deliveries = await db
      .selectFrom('notification_deliveries')
      .select(['id', 'status', 'attempts'])
      .execute();
    expect(deliveries).toHaveLength(10);
    expect(deliveries.every((d) => d.status === 'delivered' && d.attempts === 1)).toBe(true);
    const received = webhook.received.map((r) => String(r.headers['idempotency-key']));
    expect(received).toHaveLength(5);
    expect(new Set(received).size).toBe(5);
    expect(smtp.messages).toHaveLength(5);
  });
});
