/**
 * The benchmark, step by step, in the order it runs. Adding a measurement is one line:
 * an `apiRead(name, url, target)` entry for an API read or report, or a BenchStep object.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createApiToken } from '../src/modules/auth/auth.service.ts';
import { systemCaller } from '../src/modules/auth/auth.ts';
import { mulberry32 } from '../src/modules/demo/demo.random.ts';
import { DEMO_ADMIN_EMAIL, generateDemo } from '../src/modules/demo/demo.service.ts';
import { isDemoSizeName } from '../src/modules/demo/demo.ts';
import { runImport } from '../src/modules/imports/imports.service.ts';
import { buildApp } from '../src/server/app.ts';
import { encodeCursor } from '../src/shared/pagination.ts';
import { SLA_BENCH_STEPS, SLA_REPORT_READS } from './handoff.ts';
import { HANDOFF_STEPS } from './handoff-scoring.ts';
import {
  apiRead,
  type BenchContext,
  type BenchFixtures,
  type BenchResult,
  type BenchStep,
} from './harness.ts';
import { ATTRIBUTION_REPORT_STEPS } from './reports-attribution.ts';
import { PLANNING_REPORT_STEPS } from './reports-planning.ts';

const BENCH_WORKSPACE = 'bench';

async function pickFixtures(context: BenchContext, workspaceId: number): Promise<BenchFixtures> {
  const db = context.database.db;
  const first = async <T>(query: ReturnType<typeof sql<T>>, what: string): Promise<T> => {
    const row = (await query.execute(db)).rows[0];
    if (!row) throw new Error(`bench: the demo company has no ${what}`);
    return row;
  };
  const admin = await first(
    sql<{
      id: number;
    }>`select id from users where workspace_id = ${workspaceId} and email = ${DEMO_ADMIN_EMAIL}`,
    'admin',
  );
  const busy = await first(
    sql<{ id: number }>`
      select t.lead_id as id from touchpoints t join leads l on l.id = t.lead_id
      where t.workspace_id = ${workspaceId} and l.workspace_id = ${workspaceId} and l.stage = 'customer'
      group by t.lead_id order by count(*) desc, t.lead_id limit 1`,
    'customer with touchpoints',
  );
  const { total } = await first(
    sql<{ total: number }>`select count(*)::int as total from leads where workspace_id = ${workspaceId}`,
    'leads',
  );
  const deep = await first(
    sql<{ id: number; created_at: Date }>`
      select id, created_at from leads where workspace_id = ${workspaceId}
      order by created_at desc, id desc offset ${Math.floor(total * 0.8)} limit 1`,
    'deep lead',
  );
  const sdr = await first(
    sql<{ id: number }>`
      select l.owner_id as id from leads l join users u on u.id = l.owner_id
      where l.workspace_id = ${workspaceId} and u.role = 'sdr' and l.stage in ('mql', 'sal')
      group by l.owner_id order by count(*) desc, l.owner_id limit 1`,
    'SDR with open leads',
  );
  const opportunity = await first(
    sql<{ id: number }>`
      select o.id from opportunities o where o.workspace_id = ${workspaceId} and o.status = 'won'
      order by o.id limit 1`,
    'won opportunity',
  );
  const account = await first(
    sql<{ id: number }>`select account_id as id from opportunities where id = ${opportunity.id}`,
    'account',
  );
  const campaign = await first(
    sql<{ id: number }>`
      select c.id from campaigns c where c.workspace_id = ${workspaceId} and c.parent_id is not null
      order by c.cost desc, c.id limit 1`,
    'campaign',
  );
  return {
    workspaceId,
    adminId: admin.id,
    busyLeadId: busy.id,
    deepLeadCursor: encodeCursor({ value: deep.created_at.toISOString(), id: deep.id }),
    sdrId: sdr.id,
    opportunityId: opportunity.id,
    accountId: account.id,
    campaignId: campaign.id,
  };
}

/** Generates the demo company of the profile, then builds the app the read steps use. */
export const demoCompanyStep: BenchStep = {
  name: 'demo generation',
  async run(context) {
    if (!isDemoSizeName(context.profile)) throw new Error(`bench: unknown profile "${context.profile}"`);
    let lastLog = 0;
    const summary = await generateDemo(context.database.db, {
      size: context.profile,
      seed: context.seed,
      today: context.today,
      workspace: { slug: BENCH_WORKSPACE, name: 'Bench Company' },
      onProgress: (done, total) => {
        if (performance.now() - lastLog > 10_000 || done === total) {
          lastLog = performance.now();
          context.log(`demo: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} leads`);
        }
      },
    });
    if (!summary) throw new Error('bench: demo generation did not run');
    const rows = Object.values(summary.counts).reduce((sum, count) => sum + count, 0);
    const fixtures = await pickFixtures(context, summary.workspace.id);
    const { token } = await createApiToken(context.database.db, systemCaller(summary.workspace.id), {
      name: 'bench',
      userId: fixtures.adminId,
    });
    context.fixtures = fixtures;
    context.headers = { authorization: `Bearer ${token}` };
    context.app = await buildApp({ database: context.database, logger: false, backgroundWork: false });
    await context.app.ready();
    return [
      {
        operation: `demo generation, profile ${context.profile} (${summary.counts.leads.toLocaleString('en-US')} leads, ${summary.counts.touchpoints.toLocaleString('en-US')} touchpoints, ${summary.counts.opportunities.toLocaleString('en-US')} opportunities)`,
        store: context.store,
        rows,
        seconds: summary.seconds,
        rowsPerSecond: rows / summary.seconds,
        note: 'all tables, one transaction, then ANALYZE, settings, VACUUM (ANALYZE)',
      },
    ];
  },
};

const TOUCH_TYPES = [
  'page_view',
  'email_open',
  'email_click',
  'ad_click',
  'content_download',
  'webinar',
  'form_fill',
];
const TOUCH_CHANNELS: Record<string, [string, string | null, string | null]> = {
  page_view: ['organic_search', null, null],
  email_open: ['email', 'newsletter', 'email'],
  email_click: ['email', 'newsletter', 'email'],
  ad_click: ['paid_search', 'google', 'cpc'],
  content_download: ['content_syndication', 'syndication-network', 'content_syndication'],
  webinar: ['webinar', 'website', 'webinar'],
  form_fill: ['direct', null, null],
};

/** Writes a native touchpoints CSV (tandem format) for existing leads, by email. */
async function writeTouchpointsCsv(path: string, rows: number, emails: readonly string[], todayMs: number) {
  const out = createWriteStream(path);
  out.write('external_id,email,type,occurred_at,channel,utm_source,utm_medium,utm_campaign\n');
  const rng = mulberry32(20_240_601);
  let buffer = '';
  for (let index = 0; index < rows; index++) {
    const type = TOUCH_TYPES[Math.floor(rng() * TOUCH_TYPES.length)] as string;
    const [channel, source, medium] = TOUCH_CHANNELS[type] as [string, string | null, string | null];
    const at = new Date(todayMs - Math.floor(rng() * 365 * 86_400_000) - 1000).toISOString();
    const email = emails[index % emails.length];
    buffer += `bench-tp-${index},${email},${type},${at},${channel},${source ?? ''},${medium ?? ''},${medium ? `bench-${index % 40}` : ''}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.write(buffer);
  out.end();
  await once(out, 'finish');
}

const IMPORT_TARGET: Record<BenchContext['store'], number> = { postgres: 20_000, embedded: 10_000 };

/** `runImport` of a native touchpoints CSV into the demo company (its leads referenced by email). */
export const importTouchpointsStep: BenchStep = {
  name: 'import touchpoints from CSV',
  async run(context) {
    const { fixtures } = context;
    if (!fixtures) throw new Error('bench: the demo company step must run first');
    const db = context.database.db;
    const leads = await sql<{ email: string }>`
      select email from leads where workspace_id = ${fixtures.workspaceId} order by id limit 50000`.execute(
      db,
    );
    const path = join(context.tmpDir, 'touchpoints.csv');
    const rows = context.importRows;
    await writeTouchpointsCsv(
      path,
      rows,
      leads.rows.map((row) => row.email),
      context.today.getTime(),
    );
    let lastLog = 0;
    const started = performance.now();
    const summary = await runImport(
      db,
      systemCaller(fixtures.workspaceId),
      { format: 'tandem', files: [{ path }] },
      {
        onProgress: (progress) => {
          if (performance.now() - lastLog > 10_000) {
            lastLog = performance.now();
            context.log(`import: ${JSON.stringify(progress)}`);
          }
        },
      },
    );
    const seconds = (performance.now() - started) / 1000;
    if (summary.created !== rows || summary.rejected !== 0) {
      throw new Error(
        `bench: import created ${summary.created} and rejected ${summary.rejected} of ${rows} rows`,
      );
    }
    const rowsPerSecond = rows / seconds;
    const target = IMPORT_TARGET[context.store];
    const result: BenchResult = {
      operation: `import ${rows.toLocaleString('en-US')} touchpoints from CSV (runImport, tandem format)`,
      store: context.store,
      rows,
      seconds,
      rowsPerSecond,
      target: `≥ ${target.toLocaleString('en-US')} rows/s`,
      met: rowsPerSecond >= target,
    };
    return [result];
  },
};

export const BENCH_STEPS: BenchStep[] = [
  demoCompanyStep,
  apiRead('GET /leads (first page, 50)', () => '/api/v1/leads?limit=50'),
  apiRead(
    'GET /leads (cursor page 80% deep)',
    ({ fixtures }) => `/api/v1/leads?limit=50&cursor=${fixtures.deepLeadCursor}`,
  ),
  apiRead(
    'GET /leads (rep queue: mql,sal by score)',
    ({ fixtures }) => `/api/v1/leads?stage=mql,sal&owner_id=${fixtures.sdrId}&sort=-score&limit=50`,
  ),
  apiRead('GET /leads?q= (search)', () => '/api/v1/leads?q=contact.00012&limit=50'),
  apiRead('GET /leads/:id', ({ fixtures }) => `/api/v1/leads/${fixtures.busyLeadId}`),
  apiRead('GET /leads/:id/timeline', ({ fixtures }) => `/api/v1/leads/${fixtures.busyLeadId}/timeline`),
  apiRead('GET /opportunities (first page)', () => '/api/v1/opportunities?limit=50'),
  apiRead('GET /opportunities?status=won', () => '/api/v1/opportunities?status=won&limit=50'),
  apiRead('GET /opportunities/:id', ({ fixtures }) => `/api/v1/opportunities/${fixtures.opportunityId}`),
  apiRead('GET /accounts (first page)', () => '/api/v1/accounts?limit=50'),
  apiRead('GET /campaigns (first page)', () => '/api/v1/campaigns?limit=50'),
  apiRead(
    'GET /touchpoints?lead_id=',
    ({ fixtures }) => `/api/v1/touchpoints?lead_id=${fixtures.busyLeadId}&limit=50`,
  ),
  apiRead('GET /activities (first page)', () => '/api/v1/activities?limit=50'),
  apiRead('GET /users', () => '/api/v1/users?limit=100'),
  ...ATTRIBUTION_REPORT_STEPS,
  ...PLANNING_REPORT_STEPS,
  ...SLA_REPORT_READS,
  ...HANDOFF_STEPS,
  ...SLA_BENCH_STEPS,
  importTouchpointsStep,
];
