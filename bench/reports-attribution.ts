/**
 * Benchmark steps of the attribution, campaign and win/loss reports. Add them to
 * BENCH_STEPS in steps.ts after the demo company step: `...ATTRIBUTION_REPORT_STEPS`.
 *
 * The reports read journey rollups (src/modules/attribution/journeys.ts) that the first
 * report after a change brings up to date. The first step times a full build (what the
 * first report after `tandem demo` pays), the second the catch-up after 1,000 new
 * touchpoints; the others time each report on built rollups, like a dashboard refresh.
 */
import { sql } from 'kysely';
import { refreshJourneyRollups } from '../src/modules/attribution/journeys.service.ts';
import { apiRead, type BenchStep, type LatencyTarget } from './harness.ts';

/** Issue 4: every report on profile m, median under 1 s embedded and 300 ms on PostgreSQL. */
const REPORT_TARGET: LatencyTarget = { embedded: 1000, postgres: 300 };

/** The last full quarter before the reference day, e.g. 2026-Q3. */
function lastQuarter(today: Date): string {
  const quarter = Math.floor(today.getUTCMonth() / 3);
  return quarter === 0 ? `${today.getUTCFullYear() - 1}-Q4` : `${today.getUTCFullYear()}-Q${quarter}`;
}

export const rollupBuildStep: BenchStep = {
  name: 'attribution rollups: full build',
  async run(context) {
    const { fixtures } = context;
    if (!fixtures) throw new Error('attribution rollups: the demo company step must run first');
    const db = context.database.db;
    await sql`delete from attribution_rollup_state where workspace_id = ${fixtures.workspaceId}`.execute(db);
    const started = performance.now();
    const outcome = await refreshJourneyRollups(db, fixtures.workspaceId);
    const seconds = (performance.now() - started) / 1000;
    return [
      {
        operation: `attribution rollups: full build (${outcome.leads.toLocaleString('en-US')} leads, ${outcome.opportunities.toLocaleString('en-US')} opportunities)`,
        store: context.store,
        rows: outcome.leads + outcome.opportunities,
        seconds,
        rowsPerSecond: (outcome.leads + outcome.opportunities) / seconds,
        note: `${outcome.rollupRows.toLocaleString('en-US')} rollup rows; paid once by the first report after a rebuild`,
      },
    ];
  },
};

export const rollupCatchUpStep: BenchStep = {
  name: 'attribution rollups: catch-up after 1,000 new touchpoints',
  async run(context) {
    const { fixtures } = context;
    if (!fixtures) throw new Error('attribution rollups: the demo company step must run first');
    const db = context.database.db;
    await refreshJourneyRollups(db, fixtures.workspaceId);
    const added = await sql<{ lead_id: number }>`
      insert into touchpoints (workspace_id, lead_id, type, occurred_at, channel)
      select workspace_id, id, 'page_view', created_at + interval '1 hour', 'direct'
      from leads where workspace_id = ${fixtures.workspaceId}
      order by id desc limit 1000
      returning lead_id`.execute(db);
    const started = performance.now();
    const outcome = await refreshJourneyRollups(db, fixtures.workspaceId);
    const seconds = (performance.now() - started) / 1000;
    await sql`delete from touchpoints where workspace_id = ${fixtures.workspaceId} and id in (
      select id from touchpoints where workspace_id = ${fixtures.workspaceId} order by id desc limit ${added.rows.length})`.execute(
      db,
    );
    await refreshJourneyRollups(db, fixtures.workspaceId);
    return [
      {
        operation: 'attribution rollups: catch-up after 1,000 new touchpoints (1,000 leads)',
        store: context.store,
        rows: outcome.leads + outcome.opportunities,
        seconds,
        note: 'paid by the first report after the write',
      },
    ];
  },
};

export const ATTRIBUTION_REPORT_STEPS: BenchStep[] = [
  rollupBuildStep,
  rollupCatchUpStep,
  apiRead(
    'GET /reports/attribution (linear, by channel)',
    () => '/api/v1/reports/attribution?model=linear&by=channel',
    REPORT_TARGET,
  ),
  apiRead(
    'GET /reports/attribution (markov, by channel)',
    () => '/api/v1/reports/attribution?model=markov&by=channel',
    REPORT_TARGET,
  ),
  apiRead(
    'GET /reports/attribution (markov, by campaign)',
    () => '/api/v1/reports/attribution?model=markov&by=campaign',
    REPORT_TARGET,
  ),
  apiRead(
    'GET /reports/attribution (w_shaped, by campaign, last quarter)',
    ({ today }) => `/api/v1/reports/attribution?model=w_shaped&by=campaign&period=${lastQuarter(today)}`,
    REPORT_TARGET,
  ),
  apiRead(
    'GET /reports/attribution/compare (by channel)',
    () => '/api/v1/reports/attribution/compare?by=channel',
    REPORT_TARGET,
  ),
  apiRead(
    'GET /reports/attribution/compare (by campaign)',
    () => '/api/v1/reports/attribution/compare?by=campaign',
    REPORT_TARGET,
  ),
  apiRead('GET /reports/campaigns (by campaign)', () => '/api/v1/reports/campaigns', REPORT_TARGET),
  apiRead(
    'GET /reports/campaigns (by channel, last quarter)',
    ({ today }) => `/api/v1/reports/campaigns?by=channel&period=${lastQuarter(today)}`,
    REPORT_TARGET,
  ),
  apiRead(
    'GET /reports/campaigns/:id',
    ({ fixtures }) => `/api/v1/reports/campaigns/${fixtures.campaignId}`,
    REPORT_TARGET,
  ),
  apiRead('GET /reports/win-loss (by owner)', () => '/api/v1/reports/win-loss?by=owner', REPORT_TARGET),
  apiRead(
    'GET /reports/win-loss (by source, with MQL to won)',
    () => '/api/v1/reports/win-loss?by=source',
    REPORT_TARGET,
  ),
  apiRead(
    'GET /opportunities/:id/review',
    ({ fixtures }) => `/api/v1/opportunities/${fixtures.opportunityId}/review`,
    REPORT_TARGET,
  ),
];
