/**
 * Benchmarks of the handoff's second half (SLA, notifications, speed-to-lead), as
 * BenchSteps for bench/run.ts and runnable alone:
 *
 *   npx tsx bench/handoff.ts [--store postgres|embedded] [--leads 250000] [--runs 200]
 *
 * - benchHandoffLatency: the touchpoint that makes a lead MQL, one call each, until the
 *   assignment is committed and the notification queued, with two channels subscribed so
 *   the outbox fan-out (one delivery row per channel) is inside the measured transaction;
 *   target p99 < 100 ms.
 * - breach detection: runSlaTick on a backlog of overdue handoffs (clock opened, breach,
 *   escalation and reassignment recorded, each with its notification), in actions per second.
 * - outbox delivery: deliverDueNotifications to a local HTTP receiver, in deliveries per second.
 * - speed-to-lead over a workspace of `--leads` handed-off leads (default 250,000), overall
 *   and by owner, with and without business hours.
 * SLA_REPORT_READS are API reads of the reports on the bench's demo company.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { bulkInsert } from '../src/db/bulk.ts';
import { type Database, openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrator.ts';
import { systemCaller } from '../src/modules/auth/auth.ts';
import { deliverDueNotifications } from '../src/modules/notifications/notifications.delivery.ts';
import { createChannel, enqueueNotification } from '../src/modules/notifications/notifications.service.ts';
import { saveRules } from '../src/modules/routing/routing.service.ts';
import { saveModel } from '../src/modules/scoring/scoring.service.ts';
import { createCalendar, createPolicy } from '../src/modules/sla/sla.service.ts';
import { runSlaTick } from '../src/modules/sla/sla.tick.ts';
import { getSpeedToLead } from '../src/modules/speed-to-lead/speed-to-lead.service.ts';
import { createTouchpoint, ingestTouchpoints } from '../src/modules/touchpoints/touchpoints.service.ts';
import { ensureWorkspace } from '../src/modules/workspaces/workspaces.service.ts';
import {
  apiRead,
  type BenchContext,
  type BenchResult,
  type BenchStep,
  median,
  percentile,
  REPORT_TARGET as REPORT_TARGET_MS,
  type StoreName,
} from './harness.ts';

type Db = Database['db'];
const MINUTE = 60_000;
const DAY = 86_400_000;

/** A workspace with a team of reps, round-robin routing, a scoring model and a manager. */
async function handoffWorkspace(
  db: Db,
  slug: string,
  reps: number,
): Promise<{ workspaceId: number; repIds: number[] }> {
  const workspace = await ensureWorkspace(db, { name: `Bench ${slug}`, slug });
  const system = systemCaller(workspace.id);
  const manager = await db
    .insertInto('users')
    .values({
      workspace_id: workspace.id,
      email: `manager@${slug}.example`,
      name: 'Sales Manager 01',
      role: 'sales',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const team = await db
    .insertInto('teams')
    .values({ workspace_id: workspace.id, name: 'Inbound', manager_id: manager.id })
    .returning('id')
    .executeTakeFirstOrThrow();
  const users = await db
    .insertInto('users')
    .values(
      Array.from({ length: reps }, (_, i) => ({
        workspace_id: workspace.id,
        email: `rep${i + 1}@${slug}.example`,
        name: `SDR ${String(i + 1).padStart(2, '0')}`,
        role: 'sdr' as const,
        team_id: team.id,
        manager_id: manager.id,
      })),
    )
    .returning('id')
    .execute();
  await saveRules(db, system, [
    { name: 'Inbound', kind: 'match', conditions: [], team_id: team.id, weights: [], active: true },
  ]);
  await saveModel(db, system, {
    version: 0,
    fit_rules: [{ name: 'VP title', field: 'title', operator: 'contains', value: 'VP', points: 40 }],
    engagement_rules: [
      { name: 'Webinars', type: 'webinar', points: 10 },
      { name: 'Form fills', type: 'form_fill', points: 20 },
    ],
    thresholds: { mql: 70, warm: 30, hot: 60 },
  });
  return { workspaceId: workspace.id, repIds: users.map((user) => user.id) };
}

/**
 * The touchpoint that makes a lead MQL, to the assignment committed and the notification
 * queued (fanned out to a webhook and an email channel), one call per lead.
 */
export function benchHandoffLatency(minRuns = 200): BenchStep {
  return {
    name: 'touchpoint making a lead MQL, to assignment and notifications queued (2 channels)',
    async run(context) {
      const db = context.database.db;
      const { workspaceId } = await handoffWorkspace(db, `bench-latency-${Date.now()}`, 8);
      const system = systemCaller(workspaceId);
      for (const [name, kind] of [
        ['Audit hook', 'webhook'],
        ['Email', 'email'],
      ] as const) {
        await createChannel(db, system, {
          name,
          kind,
          ...(kind === 'webhook' ? { url: 'http://127.0.0.1:9/hook' } : {}),
          events: ['lead.assigned', 'sla.warning', 'sla.breached'],
        });
      }
      const runs = Math.max(context.runs ?? 0, minRuns);
      const inserted = await bulkInsert<number>(
        db,
        'leads',
        Array.from({ length: runs + 1 }, (_, i) => i),
        [
          { name: 'workspace_id', type: 'int4', value: () => workspaceId },
          { name: 'email', type: 'text', value: (i) => `cross${i}@co${i}.example` },
          { name: 'title', type: 'text', value: () => 'VP Sales' },
          { name: 'fit_score', type: 'int4', value: () => 40 },
          { name: 'stage', type: 'text', value: () => 'lead' },
        ],
      );
      const leads = inserted.map((row) => row.id);
      // Fit 40 + one webinar (10) = 50; the form fill (20) crosses 70.
      await ingestTouchpoints(
        db,
        system,
        leads.map((id) => ({
          lead_id: id,
          type: 'webinar' as const,
          occurred_at: new Date(Date.now() - 3_600_000).toISOString(),
        })),
      );
      const durations: number[] = [];
      for (const [index, leadId] of leads.entries()) {
        const started = performance.now();
        await createTouchpoint(db, system, { lead_id: leadId, type: 'form_fill' });
        if (index > 0) durations.push(performance.now() - started);
      }
      durations.sort((a, b) => a - b);
      const deliveries = await db
        .selectFrom('notification_deliveries')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirstOrThrow();
      if (Number(deliveries.n) !== leads.length * 2) {
        throw new Error(`bench: expected ${leads.length * 2} queued deliveries, found ${deliveries.n}`);
      }
      const p99 = percentile(durations, 0.99);
      return [
        {
          operation: 'touchpoint -> MQL -> assignment + notification queued to 2 channels (one call)',
          store: context.store,
          runs: durations.length,
          medianMs: median(durations),
          p95Ms: percentile(durations, 0.95),
          target: 'p99 < 100 ms',
          met: p99 < 100,
          note: `p99 ${p99.toFixed(1)} ms`,
        },
      ];
    },
  };
}

/** Breach detection on a backlog: every handoff overdue, each breach escalated and reassigned. */
export function slaBreachDetectionStep(backlog = 2000): BenchStep {
  return {
    name: 'SLA breach detection on a backlog of overdue handoffs',
    async run(context) {
      const db = context.database.db;
      const { workspaceId, repIds } = await handoffWorkspace(db, `bench-sla-${Date.now()}`, 10);
      const system = systemCaller(workspaceId);
      await createChannel(db, system, {
        name: 'Audit hook',
        kind: 'webhook',
        url: 'http://127.0.0.1:9/hook',
        events: ['lead.assigned', 'sla.warning', 'sla.breached'],
      });
      await createPolicy(db, system, {
        name: 'Inbound',
        position: 0,
        active: true,
        match: { temperatures: [], sources: [], min_employees: null, max_employees: null, min_score: null },
        accept_within_minutes: 60,
        first_activity_within_minutes: null,
        attempts_required: null,
        attempts_within_days: null,
        warn_before_minutes: null,
        escalate: true,
        breach_action: 'reassign',
        action_delay_minutes: 0,
        leakage_days: null,
        clock: 'wall',
        calendar_id: null,
      });
      const handoff = new Date(Date.now() + MINUTE);
      const tickAt = new Date(handoff.getTime() + 61 * MINUTE);
      // The tick serves every workspace: settle what the demo company's own SLA clocks have
      // due at that moment first, so the timed tick works on this backlog alone.
      for (let round = 0; round < 50; round++) {
        const settled = await runSlaTick(db, tickAt, { maxChecks: 100_000 });
        if (settled.opened === 0 && Object.keys(settled.events).length === 0) break;
      }
      await bulkInsert<number>(
        db,
        'leads',
        Array.from({ length: backlog }, (_, i) => i),
        [
          { name: 'workspace_id', type: 'int4', value: () => workspaceId },
          { name: 'email', type: 'text', value: (i) => `overdue${i}@co.example` },
          { name: 'stage', type: 'text', value: () => 'mql' },
          { name: 'mql_at', type: 'timestamptz', value: () => handoff },
          { name: 'lead_at', type: 'timestamptz', value: () => handoff },
          { name: 'owner_id', type: 'int4', value: (i) => repIds[i % repIds.length] },
        ],
      );
      const started = performance.now();
      const tick = await runSlaTick(db, tickAt, {
        maxChecks: backlog * 2,
      });
      const seconds = (performance.now() - started) / 1000;
      const reassigned = tick.events.reassignment ?? 0;
      if (reassigned !== backlog)
        throw new Error(`bench: ${reassigned} of ${backlog} overdue leads were reassigned`);
      return [
        {
          operation: `runSlaTick: ${backlog.toLocaleString('en-US')} overdue handoffs (breach + escalation + reassignment each)`,
          store: context.store,
          rows: backlog,
          seconds,
          rowsPerSecond: backlog / seconds,
          note: `${tick.opened} clocks opened, ${tick.checked} checked, one transaction per handoff`,
        },
      ];
    },
  };
}

/** Outbox delivery to a local HTTP receiver (the network cost is the loopback's). */
export function outboxDeliveryStep(notifications = 2000): BenchStep {
  return {
    name: 'outbox delivery to a webhook',
    async run(context) {
      const db = context.database.db;
      const server = createServer((request, response) => {
        request.resume();
        request.on('end', () => response.writeHead(200).end('ok'));
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      try {
        const { port } = server.address() as AddressInfo;
        const workspace = await ensureWorkspace(db, {
          name: 'Bench outbox',
          slug: `bench-outbox-${Date.now()}`,
        });
        const system = systemCaller(workspace.id);
        await createChannel(db, system, {
          name: 'Hook',
          kind: 'webhook',
          url: `http://127.0.0.1:${port}/hook`,
          events: ['sla.warning'],
        });
        const at = new Date();
        // Delivery serves every workspace: settle what earlier steps and the demo company
        // have due first, so the timed rounds deliver this step's notifications alone.
        for (let round = 0; round < 1000; round++) {
          const settled = await deliverDueNotifications(db, {
            now: new Date(at.getTime() + 1000),
            limit: 200,
          });
          if (settled.claimed === 0) break;
        }
        await db.transaction().execute(async (trx) => {
          for (let i = 0; i < notifications; i++) {
            await enqueueNotification(trx, {
              workspaceId: workspace.id,
              event: 'sla.warning',
              payload: { i },
              idempotencyKey: `bench-${i}`,
              at,
            });
          }
        });
        const started = performance.now();
        let delivered = 0;
        for (;;) {
          const run = await deliverDueNotifications(db, { now: new Date(at.getTime() + 1000), limit: 50 });
          delivered += run.delivered;
          if (run.claimed === 0) break;
        }
        const seconds = (performance.now() - started) / 1000;
        if (delivered !== notifications) throw new Error(`bench: delivered ${delivered} of ${notifications}`);
        return [
          {
            operation: `deliverDueNotifications: ${notifications.toLocaleString('en-US')} signed webhooks (batches of 50, one worker)`,
            store: context.store,
            rows: notifications,
            seconds,
            rowsPerSecond: notifications / seconds,
          },
        ];
      } finally {
        server.close();
      }
    },
  };
}

/** Speed-to-lead over many handed-off leads with activities, as the report endpoint runs it. */
export function speedToLeadScaleStep(leadCount = 250_000): BenchStep {
  return {
    name: `speed-to-lead over ${leadCount.toLocaleString('en-US')} handed-off leads`,
    async run(context) {
      const db = context.database.db;
      const { workspaceId, repIds } = await handoffWorkspace(db, `bench-speed-${Date.now()}`, 40);
      const system = systemCaller(workspaceId);
      const start = Date.UTC(2025, 0, 1);
      let seed = 20_260_101;
      const random = () => {
        seed = (seed * 1_664_525 + 1_013_904_223) >>> 0;
        return seed / 2 ** 32;
      };
      const sources = ['web', 'webinar', 'event', 'partner', 'ads'];
      for (let offset = 0; offset < leadCount; offset += 10_000) {
        const rows = Array.from({ length: Math.min(10_000, leadCount - offset) }, (_, i) => {
          const mql = start + Math.floor(random() * 365 * DAY);
          return {
            index: offset + i,
            mql: new Date(mql),
            owner: repIds[(offset + i) % repIds.length] as number,
            source: sources[(offset + i) % sources.length] as string,
            // 75 % answered, from minutes to days later.
            response: random() < 0.75 ? new Date(mql + Math.floor(random() ** 3 * 5 * DAY)) : null,
          };
        });
        const leads = await bulkInsert<(typeof rows)[number]>(db, 'leads', rows, [
          { name: 'workspace_id', type: 'int4', value: () => workspaceId },
          { name: 'email', type: 'text', value: (row) => `speed${row.index}@co.example` },
          { name: 'stage', type: 'text', value: (row) => (row.response ? 'sal' : 'mql') },
          { name: 'source', type: 'text', value: (row) => row.source },
          { name: 'owner_id', type: 'int4', value: (row) => row.owner },
          { name: 'lead_at', type: 'timestamptz', value: (row) => row.mql },
          { name: 'mql_at', type: 'timestamptz', value: (row) => row.mql },
          { name: 'created_at', type: 'timestamptz', value: (row) => row.mql },
        ]);
        const activities = rows.flatMap((row, i) =>
          row.response
            ? [
                { lead: leads[i]?.id as number, at: row.response, actor: row.owner },
                {
                  lead: leads[i]?.id as number,
                  at: new Date(row.response.getTime() + DAY),
                  actor: row.owner,
                },
              ]
            : [],
        );
        await bulkInsert<(typeof activities)[number]>(db, 'activities', activities, [
          { name: 'workspace_id', type: 'int4', value: () => workspaceId },
          { name: 'lead_id', type: 'int4', value: (row) => row.lead },
          { name: 'type', type: 'text', value: () => 'call' },
          { name: 'occurred_at', type: 'timestamptz', value: (row) => row.at },
          { name: 'actor_id', type: 'int4', value: (row) => row.actor },
        ]);
        if (offset % 50_000 === 0) context.log(`speed-to-lead: ${offset + rows.length} leads`);
      }
      // What autovacuum does after a load this size: statistics, and the visibility map that
      // lets the first-activity lookups stay index-only.
      await sql`vacuum analyze leads`.execute(db);
      await sql`vacuum analyze activities`.execute(db);
      const results: BenchResult[] = [];
      const time = async (label: string, run: () => Promise<unknown>) => {
        await run();
        const durations: number[] = [];
        for (let i = 0; i < 5; i++) {
          const started = performance.now();
          await run();
          durations.push(performance.now() - started);
        }
        durations.sort((a, b) => a - b);
        const limit = REPORT_TARGET_MS[context.store];
        results.push({
          operation: label,
          store: context.store,
          runs: durations.length,
          medianMs: median(durations),
          p95Ms: percentile(durations, 0.95),
          target: `median < ${limit} ms`,
          met: median(durations) < limit,
        });
      };
      const options = { from: '2025-01-01', to: '2026-01-01' };
      await time(`speed-to-lead, ${leadCount.toLocaleString('en-US')} leads, overall`, () =>
        getSpeedToLead(db, system, options),
      );
      await time(`speed-to-lead, ${leadCount.toLocaleString('en-US')} leads, by owner`, () =>
        getSpeedToLead(db, system, { ...options, by: 'owner' }),
      );
      await createCalendar(db, system, {
        name: 'Office',
        time_zone: 'Europe/Berlin',
        working_days: [1, 2, 3, 4, 5],
        start: '09:00',
        end: '17:00',
        holidays: ['2025-12-25', '2025-12-26'],
        is_default: true,
      });
      await time(
        `speed-to-lead, ${leadCount.toLocaleString('en-US')} leads, by owner, with business hours`,
        () => getSpeedToLead(db, system, { ...options, by: 'owner' }),
      );
      return results;
    },
  };
}

/** API reads of the SLA, speed-to-lead and lead-quality reports on the bench's demo company. */
export const SLA_REPORT_READS: BenchStep[] = [
  apiRead(
    'GET /reports/speed-to-lead?by=owner',
    () => '/api/v1/reports/speed-to-lead?by=owner',
    REPORT_TARGET_MS,
  ),
  apiRead(
    'GET /reports/speed-to-lead?by=source',
    () => '/api/v1/reports/speed-to-lead?by=source',
    REPORT_TARGET_MS,
  ),
  apiRead(
    'GET /reports/sla (12 months)',
    ({ today }) =>
      `/api/v1/reports/sla?from=${new Date(today.getTime() - 365 * DAY).toISOString().slice(0, 10)}&to=${today.toISOString().slice(0, 10)}&period=month`,
    REPORT_TARGET_MS,
  ),
  apiRead('GET /reports/lead-quality', () => '/api/v1/reports/lead-quality', REPORT_TARGET_MS),
];

export const SLA_BENCH_STEPS: BenchStep[] = [
  benchHandoffLatency(),
  slaBreachDetectionStep(),
  outboxDeliveryStep(),
];

// Standalone run

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      store: { type: 'string', default: 'postgres' },
      leads: { type: 'string', default: '250000' },
      runs: { type: 'string', default: '200' },
    },
  });
  const store = values.store as StoreName;
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `tandem_bench_sla_${process.pid}`;
  let database: Database;
  if (store === 'postgres') {
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${name}`;
    database = await openDatabase({ url: url.toString() });
  } else {
    database = await openDatabase({ dataDir: 'memory://' });
  }
  const log = (message: string) => process.stderr.write(`[sla bench] ${message}\n`);
  try {
    await migrateToLatest(database.db);
    const context = { store, database, runs: Number(values.runs), log } as unknown as BenchContext;
    for (const step of [...SLA_BENCH_STEPS, speedToLeadScaleStep(Number(values.leads))]) {
      log(`step: ${step.name}`);
      for (const result of await step.run(context)) console.log(JSON.stringify(result));
    }
  } finally {
    await database.close();
    if (store === 'postgres') {
      const dropper = new pg.Client({ connectionString: base });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    }
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
