import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext, type TestUser } from '../../testing/harness.ts';
import { deliverDueNotifications } from './notifications.delivery.ts';
import { claimDueDeliveries, finishDelivery } from './notifications.repository.ts';
import { enqueueNotification } from './notifications.service.ts';
import { type SmtpSink, startSmtpSink, startWebhookSink, type WebhookSink } from './notifications.testing.ts';
import { backoffMs, signWebhook, verifyWebhook } from './notifications.ts';

let context: TestContext;
let rep: TestUser;
let manager: TestUser;
let webhook: WebhookSink;
let slack: WebhookSink;
let smtp: SmtpSink;
let leadId: number;
let webhookChannel: { id: number; secret: string };

const T0 = new Date('2026-03-02T09:00:00Z');
const plus = (ms: number) => new Date(T0.getTime() + ms);

beforeAll(async () => {
  context = await createTestContext();
  manager = await context.user('sales', { name: 'Sales Manager 01' });
  rep = await context.user('sdr', { name: 'SDR 01', manager_id: manager.id });
  webhook = await startWebhookSink();
  slack = await startWebhookSink();
  smtp = await startSmtpSink();
  const lead = await context.database.db
    .insertInto('leads')
    .values({ workspace_id: context.workspaceId, email: 'buyer@prospect.example', company: 'Prospect Ltd' })
    .returning('id')
    .executeTakeFirstOrThrow();
  leadId = lead.id;
});

afterAll(async () => {
  await webhook?.close();
  await slack?.close();
  await smtp?.close();
  await context?.close();
});

beforeEach(() => {
  webhook.received.length = 0;
  slack.received.length = 0;
  smtp.messages.length = 0;
  webhook.respondWith([]);
});

async function clearOutbox(): Promise<void> {
  await context.database.db
    .deleteFrom('notifications')
    .where('workspace_id', '=', context.workspaceId)
    .execute();
}

describe('notification channels API', () => {
  it('creates a signed webhook, showing the secret only once', async () => {
    const created = await context.app.inject({
      method: 'POST',
      url: '/api/v1/notifications/channels',
      headers: context.admin.headers,
      payload: {
        name: 'CRM hook',
        kind: 'webhook',
        url: webhook.url,
        events: ['lead.assigned', 'sla.breached'],
      },
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body.secret).toMatch(/^whsec_/);
    expect(body.has_secret).toBe(true);
    webhookChannel = { id: body.id, secret: body.secret };

    const listed = await context.app.inject({
      method: 'GET',
      url: '/api/v1/notifications/channels',
      headers: context.admin.headers,
    });
    expect(listed.statusCode).toBe(200);
    expect(listed.json().items).toHaveLength(1);
    expect(listed.json().items[0].secret).toBeUndefined();
    expect(listed.json().items[0].events).toEqual(['lead.assigned', 'sla.breached']);
  });

  it('adds Slack and email channels', async () => {
    const slackChannel = await context.app.inject({
      method: 'POST',
      url: '/api/v1/notifications/channels',
      headers: context.admin.headers,
      payload: { name: 'Sales channel', kind: 'slack', url: slack.url, events: ['lead.assigned'] },
    });
    expect(slackChannel.statusCode).toBe(201);
    expect(slackChannel.json().has_secret).toBe(false);
    const email = await context.app.inject({
      method: 'POST',
      url: '/api/v1/notifications/channels',
      headers: context.admin.headers,
      payload: { name: 'Email', kind: 'email', events: ['lead.assigned', 'sla.breached'] },
    });
    expect(email.statusCode).toBe(201);
    const smtpSettings = await context.app.inject({
      method: 'PUT',
      url: '/api/v1/notifications/smtp',
      headers: context.admin.headers,
      payload: { url: smtp.url, from: 'Tandem <tandem@test.example>' },
    });
    expect(smtpSettings.statusCode).toBe(200);
    expect(smtpSettings.json()).toMatchObject({ source: 'workspace', from: 'Tandem <tandem@test.example>' });
  });

  it('refuses bad input with the field path, non-admins, duplicates and unknown ids', async () => {
    const noUrl = await context.app.inject({
      method: 'POST',
      url: '/api/v1/notifications/channels',
      headers: context.admin.headers,
      payload: { name: 'x', kind: 'slack', events: ['lead.assigned'] },
    });
    expect(noUrl.statusCode).toBe(400);
    expect(noUrl.json().error.issues).toContainEqual(expect.objectContaining({ path: 'url' }));
    const badEvent = await context.app.inject({
      method: 'POST',
      url: '/api/v1/notifications/channels',
      headers: context.admin.headers,
      payload: { name: 'x', kind: 'slack', url: slack.url, events: ['lead.exploded'] },
    });
    expect(badEvent.statusCode).toBe(400);
    expect(badEvent.json().error.issues[0].path).toBe('events.0');
    const forbidden = await context.app.inject({
      method: 'POST',
      url: '/api/v1/notifications/channels',
      headers: rep.headers,
      payload: { name: 'mine', kind: 'slack', url: slack.url, events: ['lead.assigned'] },
    });
    expect(forbidden.statusCode).toBe(403);
    const duplicate = await context.app.inject({
      method: 'POST',
      url: '/api/v1/notifications/channels',
      headers: context.admin.headers,
      payload: { name: 'CRM hook', kind: 'slack', url: slack.url, events: ['lead.assigned'] },
    });
    expect(duplicate.statusCode).toBe(409);
    const missing = await context.app.inject({
      method: 'PATCH',
      url: '/api/v1/notifications/channels/99999',
      headers: context.admin.headers,
      payload: { active: false },
    });
    expect(missing.statusCode).toBe(404);
  });
});

describe('the outbox', () => {
  it('writes nothing when the causing transaction rolls back, and one row per key', async () => {
    await clearOutbox();
    await expect(
      context.database.db.transaction().execute(async (trx) => {
        await enqueueNotification(trx, {
          workspaceId: context.workspaceId,
          event: 'lead.assigned',
          leadId,
          recipientUserId: rep.id,
          payload: { assigned_to: rep.id },
          idempotencyKey: 'rolled-back',
          at: T0,
        });
        throw new Error('the event failed');
      }),
    ).rejects.toThrow('the event failed');
    for (let i = 0; i < 2; i++) {
      await context.database.db.transaction().execute((trx) =>
        enqueueNotification(trx, {
          workspaceId: context.workspaceId,
          event: 'lead.assigned',
          leadId,
          recipientUserId: rep.id,
          payload: { assigned_to: rep.id },
          idempotencyKey: 'assigned-once',
          at: T0,
        }),
      );
    }
    const rows = await context.database.db
      .selectFrom('notifications')
      .select('idempotency_key')
      .where('workspace_id', '=', context.workspaceId)
      .execute();
    expect(rows.map((row) => row.idempotency_key)).toEqual(['assigned-once']);
    // lead.assigned goes to the webhook, Slack and email channels.
    const deliveries = await context.database.db
      .selectFrom('notification_deliveries')
      .select('channel_id')
      .execute();
    expect(deliveries).toHaveLength(3);
  });

  it('delivers a signed webhook, a Slack message and an email, each once', async () => {
    const run = await deliverDueNotifications(context.database.db, { now: T0 });
    expect(run).toMatchObject({ claimed: 3, delivered: 3, retried: 0, failed: 0 });

    expect(webhook.received).toHaveLength(1);
    const request = webhook.received[0];
    if (!request) throw new Error('no webhook request');
    const timestamp = String(request.headers['x-tandem-timestamp']);
    expect(timestamp).toBe(String(T0.getTime() / 1000));
    expect(request.headers['x-tandem-signature']).toBe(
      signWebhook(webhookChannel.secret, Number(timestamp), request.body),
    );
    expect(
      verifyWebhook(
        webhookChannel.secret,
        timestamp,
        String(request.headers['x-tandem-signature']),
        request.body,
        {
          nowSeconds: T0.getTime() / 1000 + 10,
        },
      ),
    ).toBe(true);
    expect(
      verifyWebhook(
        'whsec_wrong_secret_value',
        timestamp,
        String(request.headers['x-tandem-signature']),
        request.body,
        {
          nowSeconds: T0.getTime() / 1000,
        },
      ),
    ).toBe(false);
    expect(request.headers['idempotency-key']).toBe(`${context.workspaceId}:assigned-once`);
    const payload = JSON.parse(request.body);
    expect(payload).toMatchObject({ event: 'lead.assigned', lead_id: leadId, recipient_email: rep.email });
    expect(payload.text).toBe(
      `Lead #${leadId} (buyer@prospect.example, Prospect Ltd) was assigned to SDR 01.`,
    );

    expect(slack.received).toHaveLength(1);
    expect(JSON.parse(slack.received[0]?.body ?? '{}')).toEqual({
      text: `Lead #${leadId} (buyer@prospect.example, Prospect Ltd) was assigned to SDR 01.`,
    });

    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]?.recipients).toEqual([rep.email]);
    expect(smtp.messages[0]?.from).toBe('tandem@test.example');
    expect(smtp.messages[0]?.raw).toContain(`Idempotency-Key: ${context.workspaceId}:assigned-once`);

    const again = await deliverDueNotifications(context.database.db, { now: plus(3_600_000) });
    expect(again.claimed).toBe(0);
    expect(webhook.received).toHaveLength(1);
  });

  it('shows the delivery log', async () => {
    const response = await context.app.inject({
      method: 'GET',
      url: '/api/v1/notifications?event=lead.assigned',
      headers: context.admin.headers,
    });
    expect(response.statusCode).toBe(200);
    const [item] = response.json().items;
    expect(item.idempotency_key).toBe('assigned-once');
    expect(item.deliveries.map((d: { channel_kind: string }) => d.channel_kind).sort()).toEqual([
      'email',
      'slack',
      'webhook',
    ]);
    for (const delivery of item.deliveries) {
      expect(delivery).toMatchObject({ status: 'delivered', attempts: 1, last_error: null });
      expect(delivery.delivered_at).toBe(T0.toISOString());
    }
    const mine = await context.app.inject({
      method: 'GET',
      url: '/api/v1/notifications',
      headers: manager.headers,
    });
    expect(mine.json().items).toEqual([]);
    const repView = await context.app.inject({
      method: 'GET',
      url: '/api/v1/notifications',
      headers: rep.headers,
    });
    expect(repView.json().items).toHaveLength(1);
  });

  it('retries with exponential backoff and the same idempotency key, then succeeds', async () => {
    await clearOutbox();
    webhook.respondWith([500, 503]);
    await context.database.db.transaction().execute((trx) =>
      enqueueNotification(trx, {
        workspaceId: context.workspaceId,
        event: 'sla.breached',
        leadId,
        payload: { target: 'accept' },
        idempotencyKey: 'breach-retry',
        at: T0,
      }),
    );
    // sla.breached: the webhook and the email channel (no recipient: skipped).
    const first = await deliverDueNotifications(context.database.db, { now: T0 });
    expect(first).toMatchObject({ claimed: 2, retried: 1, skipped: 1 });
    const log = async () =>
      context.database.db
        .selectFrom('notification_deliveries as d')
        .innerJoin('notification_channels as c', 'c.id', 'd.channel_id')
        .select(['d.status', 'd.attempts', 'd.due_at', 'd.last_error', 'd.last_status_code'])
        .where('c.kind', '=', 'webhook')
        .executeTakeFirstOrThrow();
    expect(await log()).toMatchObject({
      status: 'pending',
      attempts: 1,
      due_at: plus(30_000),
      last_error: 'HTTP 500: receiver error',
      last_status_code: 500,
    });
    expect((await deliverDueNotifications(context.database.db, { now: plus(29_000) })).claimed).toBe(0);
    expect(await deliverDueNotifications(context.database.db, { now: plus(30_000) })).toMatchObject({
      retried: 1,
    });
    // Second failure: 60 s after the second attempt.
    expect(await log()).toMatchObject({
      status: 'pending',
      attempts: 2,
      due_at: plus(90_000),
      last_status_code: 503,
    });
    expect(await deliverDueNotifications(context.database.db, { now: plus(90_000) })).toMatchObject({
      delivered: 1,
    });
    expect(await log()).toMatchObject({ status: 'delivered', attempts: 3, last_error: null });
    expect(webhook.received.map((r) => r.headers['idempotency-key'])).toEqual([
      `${context.workspaceId}:breach-retry`,
      `${context.workspaceId}:breach-retry`,
      `${context.workspaceId}:breach-retry`,
    ]);
    expect(backoffMs(1)).toBe(30_000);
    expect(backoffMs(3)).toBe(120_000);
    expect(backoffMs(20)).toBe(3_600_000);
  });

  it('gives up after the last attempt', async () => {
    await clearOutbox();
    webhook.respondWith([500, 500]);
    await context.database.db.transaction().execute((trx) =>
      enqueueNotification(trx, {
        workspaceId: context.workspaceId,
        event: 'sla.breached',
        payload: {},
        idempotencyKey: 'breach-fail',
        at: T0,
      }),
    );
    await deliverDueNotifications(context.database.db, { now: T0, maxAttempts: 2 });
    const last = await deliverDueNotifications(context.database.db, { now: plus(30_000), maxAttempts: 2 });
    expect(last.failed).toBe(1);
    const failed = await context.app.inject({
      method: 'GET',
      url: '/api/v1/notifications?status=failed',
      headers: context.admin.headers,
    });
    const webhookDelivery = failed
      .json()
      .items[0].deliveries.find((d: { channel_kind: string }) => d.channel_kind === 'webhook');
    expect(webhookDelivery).toMatchObject({
      status: 'failed',
      attempts: 2,
      last_error: 'HTTP 500: receiver error',
    });
  });

  it('retries a delivery whose worker died once its lease expires, and ignores the late finisher', async () => {
    await clearOutbox();
    await context.database.db.transaction().execute((trx) =>
      enqueueNotification(trx, {
        workspaceId: context.workspaceId,
        event: 'lead.assigned',
        leadId,
        recipientUserId: rep.id,
        payload: { assigned_to: rep.id },
        idempotencyKey: 'lease',
        at: T0,
      }),
    );
    // A worker claims everything and "dies" without finishing.
    const dead = await claimDueDeliveries(context.database.db, {
      now: T0,
      limit: 10,
      leaseMs: 60_000,
      leaseToken: 'dead-worker',
    });
    expect(dead).toHaveLength(3);
    expect((await deliverDueNotifications(context.database.db, { now: plus(59_000) })).claimed).toBe(0);
    const retried = await deliverDueNotifications(context.database.db, { now: plus(60_000) });
    expect(retried).toMatchObject({ claimed: 3, delivered: 3 });
    const stale = await finishDelivery(
      context.database.db,
      { id: dead[0]?.id ?? 0, leaseToken: 'dead-worker' },
      { status: 'pending', lastError: 'late', lastStatusCode: null, now: plus(61_000) },
    );
    expect(stale).toBe(false);
    const rows = await context.database.db
      .selectFrom('notification_deliveries')
      .select(['status', 'attempts'])
      .execute();
    expect(rows).toEqual([
      { status: 'delivered', attempts: 2 },
      { status: 'delivered', attempts: 2 },
      { status: 'delivered', attempts: 2 },
    ]);
  });

  it('never delivers a row twice when several workers run at once', async () => {
    await clearOutbox();
    await context.database.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 30; i++) {
        await enqueueNotification(trx, {
          workspaceId: context.workspaceId,
          event: 'sla.breached',
          payload: {},
          idempotencyKey: `parallel-${i}`,
          at: T0,
        });
      }
    });
    const runs = await Promise.all(
      [0, 1, 2, 3].map(() => deliverDueNotifications(context.database.db, { now: T0, limit: 10 })),
    );
    let total = runs.reduce((sum, run) => sum + run.claimed, 0);
    while (total < 60) {
      const run = await deliverDueNotifications(context.database.db, { now: T0, limit: 10 });
      if (run.claimed === 0) break;
      total += run.claimed;
    }
    expect(total).toBe(60);
    const keys = webhook.received.map((r) => String(r.headers['idempotency-key']));
    expect(keys).toHaveLength(30);
    expect(new Set(keys).size).toBe(30);
  });
});
