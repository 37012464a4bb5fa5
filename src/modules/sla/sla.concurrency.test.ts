import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext, type TestUser } from '../../testing/harness.ts';
import { startWebhookSink, type WebhookSink } from '../notifications/notifications.testing.ts';

const run = promisify(execFile);
const onPostgres = Boolean(process.env.TANDEM_TEST_DATABASE_URL);
const MINUTE = 60_000;

// PGlite is an in-process database: two app processes cannot share one, so this test
// needs PostgreSQL (set TANDEM_TEST_DATABASE_URL).
describe.skipIf(!onPostgres)(
  'two app processes on one PostgreSQL (skipped on PGlite, which is single-process: set TANDEM_TEST_DATABASE_URL)',
  () => {
    let context: TestContext;
    let webhook: WebhookSink;
    let manager: TestUser;
    const reps: TestUser[] = [];
    const overdue: number[] = [];
    const fresh: number[] = [];
    let T0: Date;

    beforeAll(async () => {
      context = await createTestContext();
      webhook = await startWebhookSink();
      const api = (method: 'POST' | 'PUT', url: string, payload: Record<string, unknown>) =>
        context.app.inject({ method, url: `/api/v1${url}`, headers: context.admin.headers, payload });
      manager = await context.user('sales', { name: 'Sales Manager 01' });
      const team = (await api('POST', '/teams', { name: 'Inbound', manager_id: manager.id })).json();
      for (let i = 0; i < 3; i++) {
        reps.push(
          await context.user('sdr', { name: `SDR 0${i + 1}`, team_id: team.id, manager_id: manager.id }),
        );
      }
      expect(
        (await api('PUT', '/routing/rules', { rules: [{ name: 'Round robin', team_id: team.id }] }))
          .statusCode,
      ).toBe(200);
      expect(
        (
          await api('POST', '/sla/policies', {
            name: 'Default',
            accept_within_minutes: 60,
            escalate: true,
            breach_action: 'reassign',
          })
        ).statusCode,
      ).toBe(201);
      expect(
        (
          await api('POST', '/notifications/channels', {
            name: 'Hook',
            kind: 'webhook',
            url: webhook.url,
            events: ['lead.assigned', 'sla.breached', 'sla.warning'],
          })
        ).statusCode,
      ).toBe(201);
      T0 = new Date(Math.ceil((Date.now() + 2 * MINUTE) / MINUTE) * MINUTE);
      const db = context.database.db;
      const overdueRows = await db
        .insertInto('leads')
        .values(
          Array.from({ length: 40 }, (_, i) => ({
            workspace_id: context.workspaceId,
            email: `overdue${i}@buyer.example`,
            stage: 'mql' as const,
            lead_at: T0,
            mql_at: T0,
            owner_id: reps[i % 3]?.id ?? null,
          })),
        )
        .returning('id')
        .execute();
      overdue.push(...overdueRows.map((row) => row.id));
      const freshRows = await db
        .insertInto('leads')
        .values(
          Array.from({ length: 40 }, (_, i) => ({
            workspace_id: context.workspaceId,
            email: `fresh${i}@buyer.example`,
            stage: 'lead' as const,
            lead_at: T0,
          })),
        )
        .returning('id')
        .execute();
      fresh.push(...freshRows.map((row) => row.id));
    });

    afterAll(async () => {
      await webhook?.close();
      await context?.close();
    });

    it('acts on each breach once and delivers each notification once', async () => {
      const url = context.database.url ?? '';
      const now = new Date(T0.getTime() + 61 * MINUTE).toISOString();
      const startAt = String(Date.now() + 4000);
      const child = join(import.meta.dirname, 'sla.concurrency.child.ts');
      const instance = (leads: number[]) =>
        run(
          process.execPath,
          ['--import', 'tsx', child, url, String(context.workspaceId), now, startAt, leads.join(',')],
          {
            timeout: 120_000,
            env: { ...process.env, TZ: 'UTC' },
          },
        );
      const [first, second] = await Promise.all([
        instance(fresh.filter((_, i) => i % 2 === 0)),
        instance(fresh.filter((_, i) => i % 2 === 1)),
      ]);
      const summaries = [JSON.parse(first.stdout), JSON.parse(second.stdout)];
      // Both instances did part of the work, and the reassignments they report add up to one per lead.
      expect(summaries.every((summary) => summary.delivered > 0)).toBe(true);
      const reported = summaries.map((summary) =>
        summary.ticks.reduce(
          (sum: number, tick: { events: { reassignment?: number } }) => sum + (tick.events.reassignment ?? 0),
          0,
        ),
      );
      expect(reported[0] + reported[1]).toBe(40);
      expect(summaries[0].routed + summaries[1].routed).toBe(40);

      const db = context.database.db;
      // Every overdue lead: one breach, one escalation, one reassignment to another rep.
      const kinds = await db
        .selectFrom('sla_events')
        .select(['lead_id', 'kind', sql<number>`count(*)`.as('n')])
        .where('lead_id', 'in', overdue)
        .groupBy(['lead_id', 'kind'])
        .execute();
      expect(kinds).toHaveLength(40 * 3);
      expect(kinds.every((row) => Number(row.n) === 1)).toBe(true);
      const reassignments = await db
        .selectFrom('lead_assignments')
        .select(['lead_id', 'user_id', 'previous_owner_id'])
        .where('lead_id', 'in', overdue)
        .execute();
      expect(reassignments).toHaveLength(40);
      expect(new Set(reassignments.map((row) => row.lead_id)).size).toBe(40);
      expect(reassignments.every((row) => row.user_id !== row.previous_owner_id)).toBe(true);
      // Every fresh lead routed exactly once.
      const routed = await db
        .selectFrom('lead_assignments')
        .select(['lead_id', 'user_id'])
        .where('lead_id', 'in', fresh)
        .execute();
      expect(routed).toHaveLength(40);
      expect(new Set(routed.map((row) => row.lead_id)).size).toBe(40);
      expect(routed.every((row) => reps.some((rep) => rep.id === row.user_id))).toBe(true);

      // The manager was escalated to once per overdue lead.
      const escalations = await db
        .selectFrom('notifications')
        .select(sql<number>`count(*)`.as('n'))
        .where('event', '=', 'sla.breached')
        .where('recipient_user_id', '=', manager.id)
        .executeTakeFirstOrThrow();
      expect(Number(escalations.n)).toBe(40);

      // The outbox: every delivery delivered, and received exactly once.
      const deliveries = await db
        .selectFrom('notification_deliveries')
        .select(['id', 'status', 'attempts'])
        .execute();
      // 40 breach + 40 escalation + 40 reassignment + 40 routing notifications.
      expect(deliveries).toHaveLength(160);
      expect(deliveries.every((row) => row.status === 'delivered' && row.attempts === 1)).toBe(true);
      const received = webhook.received.map((request) => String(request.headers['x-tandem-delivery']));
      expect(received).toHaveLength(160);
      expect(new Set(received).size).toBe(160);
    });
  },
);
