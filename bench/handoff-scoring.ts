/**
 * Scoring and handoff benchmarks, as BenchSteps for bench/run.ts and runnable alone:
 *
 *   npx tsx bench/handoff-scoring.ts [--store postgres|embedded] [--leads 250000]
 *
 * - touchpoint ingest with scoring applied: batches of 10,000 touchpoints over 2,000 leads
 *   through the real ingest path (resolve, insert, lead UTM fields, set-based rescoring, MQL
 *   handoffs with routing in the same transaction), into the bench company (when the demo
 *   step ran) and into a new workspace beside it;
 * The other steps build their own workspace:
 * - the touchpoint that makes a lead MQL: one touchpoint per call, each call a lead crossing
 *   the threshold, until the assignment is committed and the notification queued;
 * - a draft model previewed over a large workspace, and the rescoring job after saving it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { bulkInsert } from '../src/db/bulk.ts';
import { type Database, openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrator.ts';
import { systemCaller } from '../src/modules/auth/auth.ts';
import { saveQualificationFields } from '../src/modules/qualification/qualification.service.ts';
import { saveRules } from '../src/modules/routing/routing.service.ts';
import * as scoringRepository from '../src/modules/scoring/scoring.repository.ts';
import { previewModel, runScoringJobs, saveModel } from '../src/modules/scoring/scoring.service.ts';
import { createTouchpoint, ingestTouchpoints } from '../src/modules/touchpoints/touchpoints.service.ts';
import { ensureWorkspace } from '../src/modules/workspaces/workspaces.service.ts';
import type { BenchContext, BenchResult, BenchStep, StoreName } from './harness.ts';
import { median, percentile } from './harness.ts';

type Kysely = Database['db'];

const MODEL = {
  fit_rules: [
    { name: 'VP title', field: 'title', operator: 'contains' as const, value: 'VP', points: 20 },
    { name: '500+ employees', field: 'employees', operator: 'gte' as const, value: 500, points: 15 },
    {
      name: 'Free mail',
      field: 'email_domain',
      operator: 'in' as const,
      value: ['gmail.com', 'yahoo.com'],
      points: -10,
    },
    { name: 'Budget known', field: 'custom_fields.budget', operator: 'is_not_empty' as const, points: 5 },
  ],
  engagement_rules: [
    { name: 'Page views', type: 'page_view' as const, points: 2, cap: { points: 20, days: 30 } },
    {
      name: 'Email clicks',
      type: 'email_click' as const,
      points: 5,
      cap: { points: 25, days: 30 },
      half_life_days: 30,
    },
    { name: 'Form fills', type: 'form_fill' as const, points: 15, half_life_days: 30 },
    { name: 'Webinars', type: 'webinar' as const, points: 10, half_life_days: 60 },
    { name: 'Downloads', type: 'content_download' as const, points: 8, cap: { points: 24, days: 30 } },
  ],
  thresholds: { mql: 70, warm: 30, hot: 60 },
};

const TYPES = [
  'page_view',
  'page_view',
  'page_view',
  'email_open',
  'email_click',
  'content_download',
  'webinar',
  'form_fill',
] as const;

/** A small deterministic generator, so runs compare. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export async function workspaceWithHandoff(db: Kysely, slug: string, reps: number): Promise<number> {
  const workspace = await ensureWorkspace(db, { name: `Bench ${slug}`, slug });
  const system = systemCaller(workspace.id);
  const team = await db
    .insertInto('teams')
    .values({ workspace_id: workspace.id, name: 'Inbound' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('users')
    .values(
      Array.from({ length: reps }, (_, i) => ({
        workspace_id: workspace.id,
        email: `rep${i + 1}@${slug}.example`,
        name: `SDR ${String(i + 1).padStart(2, '0')}`,
        role: 'sdr' as const,
        team_id: team.id,
      })),
    )
    .execute();
  await saveRules(db, system, [
    { name: 'Inbound', kind: 'match', conditions: [], team_id: team.id, weights: [], active: true },
  ]);
  await saveQualificationFields(db, system, ['budget']);
  await saveModel(db, system, { version: 0, ...MODEL });
  return workspace.id;
}

export async function insertLeads(
  db: Kysely,
  workspaceId: number,
  count: number,
  fields: (index: number) => { title: string; employees: number; email: string; budget: string | null },
): Promise<number[]> {
  const ids: number[] = [];
  for (let start = 0; start < count; start += 10_000) {
    const rows = Array.from({ length: Math.min(10_000, count - start) }, (_, i) => fields(start + i));
    const inserted = await bulkInsert<(typeof rows)[number]>(db, 'leads', rows, [
      { name: 'workspace_id', type: 'int4', value: () => workspaceId },
      { name: 'email', type: 'text', value: (row) => row.email },
      { name: 'title', type: 'text', value: (row) => row.title },
      { name: 'employees', type: 'int4', value: (row) => row.employees },
      { name: 'custom_fields', type: 'jsonb', value: (row) => (row.budget ? { budget: row.budget } : {}) },
      { name: 'lead_at', type: 'timestamptz', value: () => new Date() },
    ]);
    ids.push(...inserted.map((row) => row.id));
  }
  return ids;
}

/**
 * CPU seconds the PostgreSQL backend of this connection has used so far, read from /proc
 * (the server runs on this machine); null elsewhere or on the embedded store. On a shared
 * machine wall time includes waiting for a core; CPU time does not.
 */
async function backendCpuSeconds(db: Kysely, store: StoreName): Promise<number | null> {
  if (store !== 'postgres') return null;
  const result = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db);
  try {
    const stat = readFileSync(`/proc/${result.rows[0]?.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, in clock ticks of 1/100 s.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

async function count(db: Kysely, query: string): Promise<number> {
  const result = await sql<{ n: number }>`${sql.raw(query)}`.execute(db);
  return Number(result.rows[0]?.n ?? 0);
}

const INGEST_BATCHES = 5;
const INGEST_PER_BATCH = 10_000;

/** Batches of touchpoints over `leads` through the real ingest path; the rate of each batch. */
async function ingestBatches(
  context: BenchContext,
  workspaceId: number,
  leads: readonly number[],
  label: string,
): Promise<{ rates: number[]; seconds: number }> {
  const rand = random(42);
  const system = systemCaller(workspaceId);
  const rates: number[] = [];
  let seconds = 0;
  const now = Date.now();
  for (let batch = 0; batch < INGEST_BATCHES; batch++) {
    const items = Array.from({ length: INGEST_PER_BATCH }, (_, i) => ({
      lead_id: leads[(i * 7 + batch) % leads.length] as number,
      type: TYPES[Math.floor(rand() * TYPES.length)] as (typeof TYPES)[number],
      occurred_at: new Date(now - rand() * 60 * 86_400_000).toISOString(),
      utm_source: i % 3 === 0 ? 'google' : undefined,
    }));
    const started = performance.now();
    const result = await ingestTouchpoints(context.database.db, system, items);
    const elapsed = (performance.now() - started) / 1000;
    if (result.created !== INGEST_PER_BATCH)
      throw new Error(`batch ${batch}: recorded ${result.created} of ${INGEST_PER_BATCH}`);
    rates.push(INGEST_PER_BATCH / elapsed);
    seconds += elapsed;
    context.log(`${label} batch ${batch + 1}: ${Math.round(INGEST_PER_BATCH / elapsed)} touchpoints/s`);
  }
  return { rates, seconds };
}

/**
 * Ingest with scoring applied, measured where a team ingests: into 2,000 leads of the bench
 * company that are still before MQL (its own scoring model, qualification fields, routing
 * and SLA policies apply; statistics current, as after the demo's ANALYZE). Then the same
 * load into a workspace created beside it, which the planner's statistics do not know yet
 * (reported, without a target: PostgreSQL estimates its rows at one until the next ANALYZE).
 */
export const ingestWithScoringStep: BenchStep = {
  name: 'touchpoint ingest with scoring',
  async run(context) {
    const db = context.database.db;
    const rows = INGEST_BATCHES * INGEST_PER_BATCH;
    const results: BenchResult[] = [];
    if (context.fixtures) {
      const workspaceId = context.fixtures.workspaceId;
      const leads = (
        await sql<{ id: number }>`
          select id from leads where workspace_id = ${workspaceId} and stage in ('subscriber', 'lead')
          order by id desc limit 2000`.execute(db)
      ).rows.map((row) => row.id);
      const mqlBefore = await count(
        db,
        `select count(*)::int as n from leads where workspace_id = ${workspaceId} and stage = 'mql'`,
      );
      const { rates, seconds } = await ingestBatches(context, workspaceId, leads, 'bench company');
      const mqlAfter = await count(
        db,
        `select count(*)::int as n from leads where workspace_id = ${workspaceId} and stage = 'mql'`,
      );
      results.push({
        operation: `ingest ${INGEST_BATCHES} x 10,000 touchpoints over 2,000 leads of the bench company, scoring in the transaction`,
        store: context.store,
        rows,
        seconds,
        rowsPerSecond: rows / seconds,
        ...(context.store === 'postgres' ? { target: '≥ 5,000 touchpoints/s' } : {}),
        met: context.store === 'postgres' ? rows / seconds >= 5000 : undefined,
        note: `slowest batch ${Math.round(Math.min(...rates))}/s; ${mqlAfter - mqlBefore} leads became MQL and were routed`,
      });
    }
    const fresh = await workspaceWithHandoff(db, `bench-ingest-${Date.now()}`, 8);
    const rand = random(42);
    const freshLeads = await insertLeads(db, fresh, 2000, (i) => ({
      title: rand() < 0.3 ? 'VP Marketing' : 'Manager',
      employees: Math.floor(rand() * 2000),
      email: `lead${i}@${rand() < 0.3 ? 'gmail.com' : `co${i % 300}.example`}`,
      budget: rand() < 0.6 ? '10k' : null,
    }));
    const { rates, seconds } = await ingestBatches(context, fresh, freshLeads, 'new workspace');
    const mql = await count(
      db,
      `select count(*)::int as n from leads where workspace_id = ${fresh} and stage = 'mql'`,
    );
    const waiting = await count(
      db,
      `select count(*)::int as n from qualification_queue where workspace_id = ${fresh}`,
    );
    results.push({
      operation: `same load into a new workspace beside it (2,000 new leads, not yet in the statistics)`,
      store: context.store,
      rows,
      seconds,
      rowsPerSecond: rows / seconds,
      note: `slowest batch ${Math.round(Math.min(...rates))}/s; ${mql} became MQL and were routed, ${waiting} wait for qualification`,
    });
    return results;
  },
};

export const crossingLatencyStep: BenchStep = {
  name: 'touchpoint making a lead MQL, to assignment and notification',
  async run(context) {
    const db = context.database.db;
    const workspaceId = await workspaceWithHandoff(db, `bench-cross-${Date.now()}`, 8);
    // Fit 20 + 15 + 5 = 40; 2 webinars (20) bring them to 60; the form fill (15) crosses 70.
    const runs = Math.max(context.runs, 200);
    const leads = await insertLeads(db, workspaceId, runs + 1, (i) => ({
      title: 'VP Sales',
      employees: 900,
      email: `cross${i}@co${i}.example`,
      budget: '50k',
    }));
    const system = systemCaller(workspaceId);
    const now = Date.now();
    await ingestTouchpoints(
      db,
      system,
      leads.flatMap((id) => [
        { lead_id: id, type: 'webinar' as const, occurred_at: new Date(now - 3_600_000).toISOString() },
        { lead_id: id, type: 'webinar' as const, occurred_at: new Date(now - 7_200_000).toISOString() },
      ]),
    );
    const durations: number[] = [];
    for (const [index, leadId] of leads.entries()) {
      const started = performance.now();
      await createTouchpoint(db, system, { lead_id: leadId, type: 'form_fill' });
      if (index > 0) durations.push(performance.now() - started);
    }
    durations.sort((a, b) => a - b);
    const assigned = await count(
      db,
      `select count(*)::int as n from leads where workspace_id = ${workspaceId} and stage = 'mql' and owner_id is not null`,
    );
    const notified = await count(
      db,
      `select count(*)::int as n from notifications where workspace_id = ${workspaceId} and event = 'lead.assigned'`,
    );
    if (assigned !== leads.length || notified !== leads.length) {
      throw new Error(
        `expected ${leads.length} routed leads and notifications, got ${assigned} and ${notified}`,
      );
    }
    const p99 = percentile(durations, 0.99);
    return [
      {
        operation: 'touchpoint -> MQL -> assignment committed + notification queued (one call)',
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

export function previewStep(leadCount: number): BenchStep {
  return {
    name: 'scoring preview and rescoring job',
    async run(context) {
      const db = context.database.db;
      const slug = `bench-preview-${Date.now()}`;
      const workspace = await ensureWorkspace(db, { name: 'Bench preview', slug });
      const system = systemCaller(workspace.id);
      await saveModel(db, system, { version: 0, ...MODEL });
      await runScoringJobs(db);
      const started = performance.now();
      // Leads and two touchpoints each, generated in the database.
      await sql`insert into leads (workspace_id, email, title, employees, custom_fields, lead_at)
        select ${workspace.id}, 'p' || g || '@' || case when g % 3 = 0 then 'gmail.com' else 'co' || (g % 5000) || '.example' end,
          case when g % 4 = 0 then 'VP Sales' else 'Engineer' end, (g * 37) % 3000,
          case when g % 2 = 0 then '{"budget":"10k"}'::jsonb else '{}'::jsonb end, now()
        from generate_series(1, ${leadCount}) g`.execute(db);
      await sql`insert into touchpoints (workspace_id, lead_id, type, occurred_at)
        select l.workspace_id, l.id, (array['page_view','email_click','form_fill','webinar','content_download'])[1 + (l.id + k) % 5],
          now() - ((l.id * 13 + k * 7) % 90) * interval '1 day'
        from leads l cross join generate_series(1, 2) k where l.workspace_id = ${workspace.id}`.execute(db);
      await sql`analyze leads`.execute(db);
      await sql`analyze touchpoints`.execute(db);
      context.log(
        `preview data: ${leadCount} leads, ${2 * leadCount} touchpoints in ${Math.round((performance.now() - started) / 1000)} s`,
      );
      // Saving the model again rescores every lead (and hands off the MQLs) as a job.
      const saved = await saveModel(db, system, { version: 1, ...MODEL });
      const jobStarted = performance.now();
      await runScoringJobs(db, { chunkSize: 2000 });
      const jobSeconds = (performance.now() - jobStarted) / 1000;
      const job = await db
        .selectFrom('scoring_jobs')
        .selectAll()
        .where('id', '=', saved.job.id)
        .executeTakeFirstOrThrow();
      const timePreviews = async (draft: Parameters<typeof previewModel>[2]) => {
        const durations: number[] = [];
        let preview: Awaited<ReturnType<typeof previewModel>> | undefined;
        for (let run = 0; run < 3; run++) {
          const begin = performance.now();
          preview = await previewModel(db, system, draft);
          durations.push(performance.now() - begin);
        }
        durations.sort((a, b) => a - b);
        return { durations, preview: preview as Awaited<ReturnType<typeof previewModel>> };
      };
      // A lower MQL score, same rules: stored engagement is used.
      const thresholds = { mql: 40, warm: 20, hot: 40 };
      const stored = await timePreviews({ ...MODEL, thresholds, sample_size: 20 });
      // Form fills worth more: engagement is recomputed from every touchpoint.
      const engagementRules = MODEL.engagement_rules.map((rule) =>
        rule.type === 'form_fill' ? { ...rule, points: 25 } : rule,
      );
      const recomputed = await timePreviews({ ...MODEL, engagement_rules: engagementRules, sample_size: 20 });
      // The recomputing statement once more on one backend without parallel workers, for its CPU time.
      const cpu = await db.transaction().execute(async (trx) => {
        await sql`set local max_parallel_workers_per_gather = 0`.execute(trx);
        await sql`set local work_mem = '64MB'`.execute(trx);
        const before = await backendCpuSeconds(trx, context.store);
        const begin = performance.now();
        await scoringRepository.previewModel(
          trx,
          workspace.id,
          {
            ...MODEL,
            fit_rules: MODEL.fit_rules.map((rule, i) => ({ ...rule, id: `f${i}` })),
            engagement_rules: engagementRules.map((rule, i) => ({ ...rule, id: `e${i}` })),
          },
          ['custom_fields.budget'],
          new Date(),
          20,
          'recompute',
        );
        const wall = performance.now() - begin;
        const after = await backendCpuSeconds(trx, context.store);
        return { wall, cpu: before === null || after === null ? null : after - before };
      });
      const scale = `${leadCount.toLocaleString('en')} leads / ${(2 * leadCount).toLocaleString('en')} touchpoints`;
      return [
        {
          operation: `rescoring job after saving the model (${leadCount.toLocaleString('en')} leads)`,
          store: context.store,
          rows: job.processed,
          seconds: jobSeconds,
          rowsPerSecond: job.processed / jobSeconds,
          note: `status ${job.status}; ${job.changed} changed, ${job.handed_off} handed off, ${job.needs_qualification} wait for qualification`,
        },
        {
          operation: `preview: new thresholds, same rules (${scale})`,
          store: context.store,
          runs: 3,
          medianMs: median(stored.durations),
          p95Ms: stored.durations[2] as number,
          note: `engagement ${stored.preview.engagement}; ${stored.preview.would_become_mql} leads would become MQL`,
        },
        {
          operation: `preview: changed engagement rule (${scale})`,
          store: context.store,
          runs: 3,
          medianMs: median(recomputed.durations),
          p95Ms: recomputed.durations[2] as number,
          note: `engagement ${recomputed.preview.engagement}; one serial run: ${Math.round(cpu.wall)} ms wall${cpu.cpu === null ? '' : `, ${cpu.cpu.toFixed(2)} s database CPU`}`,
        },
      ];
    },
  };
}

export const HANDOFF_STEPS: BenchStep[] = [ingestWithScoringStep, crossingLatencyStep];

// ---------------------------------------------------------------------------------------
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
  const name = `tandem_bench_handoff_${process.pid}`;
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
  const log = (message: string) => process.stderr.write(`[handoff bench] ${message}\n`);
  try {
    await migrateToLatest(database.db);
    const context = { store, database, runs: Number(values.runs), log } as unknown as BenchContext;
    const results: BenchResult[] = [];
    for (const step of [...HANDOFF_STEPS, previewStep(Number(values.leads))]) {
      log(`step: ${step.name}`);
      results.push(...(await step.run(context)));
    }
    for (const result of results) console.log(JSON.stringify(result));
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
