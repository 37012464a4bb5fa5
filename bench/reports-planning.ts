/**
 * Latency of the planning, funnel and scorecard reports, as BenchSteps for bench/run.ts
 * (`...PLANNING_REPORT_STEPS` after the demo company step) and runnable alone on a store
 * that already holds a demo company:
 *
 *   npx tsx bench/reports-planning.ts [--url postgres://...] [--data-dir DIR] [--workspace bench] [--runs 30] [--today YYYY-MM-DD]
 *
 * (--today: the demo's reference day; default the day after its newest lead.)
 *
 * Every report is read through the API (app.inject) on periods the demo history covers:
 * the last complete quarter before the demo's reference day (funnel, scorecard) and the
 * quarter after it (the planner, whose default history is the 12 months before it).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/database.ts';
import { createApiToken } from '../src/modules/auth/auth.service.ts';
import { systemCaller } from '../src/modules/auth/auth.ts';
import { utcMidnight } from '../src/modules/demo/demo.ts';
import { periodContaining, previousPeriod } from '../src/modules/planning/periods.ts';
import { resolveWorkspace } from '../src/modules/workspaces/workspaces.service.ts';
import { buildApp } from '../src/server/app.ts';
import {
  type BenchContext,
  type BenchResult,
  type BenchStep,
  formatResults,
  measureLatency,
  REPORT_TARGET,
} from './harness.ts';

/** The quarter before the one holding the reference day's eve: complete in the demo history. */
export function benchPeriods(today: Date): { complete: string; next: string } {
  const current = periodContaining(new Date(today.getTime() - 86_400_000), 'quarter');
  return { complete: previousPeriod(current).key, next: current.key };
}

async function timeRequest(
  context: BenchContext,
  name: string,
  request: { method: 'GET' | 'POST'; url: string; payload?: Record<string, unknown> },
): Promise<BenchResult> {
  const { app, headers } = context;
  if (!app || !headers) throw new Error(`${name}: the demo company step must run first`);
  const probe = await app.inject({ ...request, headers });
  if (probe.statusCode >= 300) {
    throw new Error(
      `${name}: ${request.method} ${request.url} answered ${probe.statusCode}: ${probe.body.slice(0, 300)}`,
    );
  }
  const { medianMs, p95Ms } = await measureLatency(context.runs, async () => {
    const response = await app.inject({ ...request, headers });
    if (response.statusCode >= 300) throw new Error(`${name}: answered ${response.statusCode}`);
  });
  const limit = REPORT_TARGET[context.store];
  return {
    operation: name,
    store: context.store,
    runs: context.runs,
    medianMs,
    p95Ms,
    target: `median < ${limit} ms`,
    met: medianMs < limit,
  };
}

function reportStep(
  name: string,
  request: (periods: { complete: string; next: string }) => {
    method: 'GET' | 'POST';
    url: string;
    payload?: Record<string, unknown>;
  },
): BenchStep {
  return {
    name,
    run: async (context) => [await timeRequest(context, name, request(benchPeriods(context.today)))],
  };
}

/** A plan saved for the quarter after the reference day, then its plan vs actual. */
const planVsActualStep: BenchStep = {
  name: 'GET /plans/:id/actuals',
  async run(context) {
    const { app, headers } = context;
    if (!app || !headers) throw new Error('plan vs actual: the demo company step must run first');
    const { next } = benchPeriods(context.today);
    const saved = await app.inject({
      method: 'POST',
      url: '/api/v1/plans',
      headers,
      payload: { revenue: 5_000_000, period: next, save: true, name: 'Bench plan' },
    });
    if (saved.statusCode !== 201)
      throw new Error(`plan vs actual: saving the plan answered ${saved.statusCode}: ${saved.body}`);
    const asOf = new Date(context.today.getTime() - 1000).toISOString();
    return [
      await timeRequest(context, 'GET /plans/:id/actuals (plan vs actual)', {
        method: 'GET',
        url: `/api/v1/plans/${saved.json().id}/actuals?as_of=${asOf}`,
      }),
    ];
  },
};

export const PLANNING_REPORT_STEPS: BenchStep[] = [
  reportStep('GET /reports/funnel (cohort, last quarter)', ({ complete }) => ({
    method: 'GET',
    url: `/api/v1/reports/funnel?view=cohort&period=${complete}`,
  })),
  reportStep('GET /reports/funnel (cohort by source)', ({ complete }) => ({
    method: 'GET',
    url: `/api/v1/reports/funnel?view=cohort&period=${complete}&by=source`,
  })),
  reportStep('GET /reports/funnel (period by campaign)', ({ complete }) => ({
    method: 'GET',
    url: `/api/v1/reports/funnel?view=period&period=${complete}&by=campaign`,
  })),
  reportStep('GET /reports/funnel (period by team)', ({ complete }) => ({
    method: 'GET',
    url: `/api/v1/reports/funnel?view=period&period=${complete}&by=team`,
  })),
  reportStep('GET /reports/funnel/records (drill-down page)', ({ complete }) => ({
    method: 'GET',
    url: `/api/v1/reports/funnel/records?view=cohort&period=${complete}&metric=reached&stage=mql&limit=50`,
  })),
  reportStep('POST /plans (planner from 12 months of history)', ({ next }) => ({
    method: 'POST',
    url: '/api/v1/plans',
    payload: { revenue: 5_000_000, period: next },
  })),
  planVsActualStep,
  reportStep('GET /reports/scorecard (last quarter)', ({ complete }) => ({
    method: 'GET',
    url: `/api/v1/reports/scorecard?period=${complete}`,
  })),
];

/** Standalone: the steps above on an existing store's demo company. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      'data-dir': { type: 'string' },
      workspace: { type: 'string', default: 'bench' },
      runs: { type: 'string', default: '30' },
      today: { type: 'string' },
    },
  });
  const url = values.url ?? process.env.DATABASE_URL;
  // The store is used as it is (migrate it first with `tandem migrate`).
  const database = await openDatabase(url ? { url } : { dataDir: values['data-dir'] ?? '.tandem' });
  try {
    const workspace = await resolveWorkspace(database.db, values.workspace);
    const newest = await sql<{ at: Date | null }>`
      select max(created_at) as at from leads where workspace_id = ${workspace.id}`.execute(database.db);
    const today = values.today
      ? new Date(`${values.today}T00:00:00Z`)
      : utcMidnight(new Date((newest.rows[0]?.at ?? new Date()).getTime() + 86_400_000));
    const admin = await sql<{ id: number }>`
      select id from users where workspace_id = ${workspace.id} and role = 'admin' order by id limit 1`.execute(
      database.db,
    );
    const adminId = admin.rows[0]?.id;
    if (adminId === undefined) throw new Error(`workspace ${workspace.slug} has no admin`);
    const { token } = await createApiToken(database.db, systemCaller(workspace.id), {
      name: 'bench',
      userId: adminId,
    });
    const app = await buildApp({ database, logger: false, backgroundWork: false });
    await app.ready();
    const context: BenchContext = {
      store: database.kind === 'postgres' ? 'postgres' : 'embedded',
      database,
      profile: 'existing',
      seed: 0,
      today,
      runs: Number(values.runs),
      importRows: 0,
      tmpDir: '',
      app,
      headers: { authorization: `Bearer ${token}` },
      log: (message) => process.stderr.write(`${message}\n`),
    };
    const results: BenchResult[] = [];
    for (const step of PLANNING_REPORT_STEPS) {
      for (const result of await step.run(context)) {
        results.push(result);
        process.stderr.write(
          `${result.operation}: median ${result.medianMs?.toFixed(1)} ms, p95 ${result.p95Ms?.toFixed(1)} ms\n`,
        );
      }
    }
    process.stdout.write(`${formatResults(results)}\n`);
    await app.close();
  } finally {
    await database.close();
  }
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) await main();
