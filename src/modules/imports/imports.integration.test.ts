import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../shared/errors.ts';
import {
  createTestContext,
  createTestDatabase,
  type TestContext,
  type TestDatabase,
} from '../../testing/harness.ts';
import { type Caller, systemCaller } from '../auth/auth.ts';
import { currentStageFromHistory } from '../lifecycle/lifecycle.ts';
import { getJob, runScoringJobs, saveModel } from '../scoring/scoring.service.ts';
import { ensureWorkspace } from '../workspaces/workspaces.service.ts';
import { runImport } from './imports.service.ts';

let ctx: TestContext;
let dir: string;

beforeAll(async () => {
  ctx = await createTestContext();
  dir = mkdtempSync(join(tmpdir(), 'tandem-imports-'));
});
afterAll(async () => {
  await ctx?.close();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, lines: string[]): { path: string } {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return { path };
}

async function newWorkspace(slug: string): Promise<Caller> {
  const workspace = await ensureWorkspace(ctx.database.db, { name: slug, slug });
  return systemCaller(workspace.id);
}

const TABLES = [
  'users',
  'teams',
  'accounts',
  'products',
  'campaigns',
  'leads',
  'lifecycle_events',
  'touchpoints',
  'opportunities',
  'opportunity_contacts',
  'activities',
] as const;

/** Rows per table in one workspace. */
async function counts(workspaceId: number): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const table of TABLES) {
    const row = await sql<{
      n: number;
    }>`select count(*)::int as n from ${sql.table(table)} where workspace_id = ${workspaceId}`.execute(
      ctx.database.db,
    );
    result[table] = row.rows[0]?.n ?? 0;
  }
  return result;
}

async function rejections(importId: number) {
  return ctx.database.db
    .selectFrom('import_rejections')
    .select(['file', 'line', 'reason', 'raw'])
    .where('import_id', '=', importId)
    .orderBy('id')
    .execute();
}

describe('native import with broken rows', () => {
  const leads = () =>
    file('leads.csv', [
      'external_id,email,first_name,stage,mql_at,owner_email',
      'L1,lead1@example.com,One,,2026-01-05T10:00:00Z,rep@example.com',
      'L2,not-an-email,Two,,,',
      'L3,lead3@example.com,Three,prospect,,ghost@example.com',
      'L4,lead4@example.com,Four,,2026-02-30T10:00:00Z,',
      'L1,lead5@example.com,Five,,,',
      'L5,lead6@example.com,Six,sql,,',
    ]);
  const touchpoints = () =>
    file('touchpoints.csv', [
      'external_id,lead_external_id,email,type,occurred_at,channel',
      'T1,L1,,page_view,2026-01-06T10:00:00Z,web',
      'T2,L9,,page_view,2026-01-06T11:00:00Z,web',
      'T3,,lead6@example.com,form_fill,2026-01-07T10:00:00Z,web',
      'T4,L2,,email_open,2026-01-07T10:00:00Z,email',
    ]);
  let caller: Caller;

  beforeAll(async () => {
    caller = await newWorkspace('broken-rows');
  });

  it('imports the good rows, rejects each bad one with its line and reason, and writes nothing else', async () => {
    const before = await counts(caller.workspaceId);
    // Two rows a chunk: the duplicate of line 2 sits in another chunk and transaction.
    const summary = await runImport(
      ctx.database.db,
      caller,
      { format: 'tandem', files: [touchpoints(), leads()] },
      { chunkSize: 2 },
    );
    const after = await counts(caller.workspaceId);
    const delta = Object.fromEntries(
      TABLES.map((table) => [table, (after[table] ?? 0) - (before[table] ?? 0)]),
    );
    // By hand: leads L1 and L5; one event each; touchpoints T1 and T3; the owner of L1 is a new
    // (inactive) user. The owner of the rejected line 4 must not exist.
    expect(delta).toEqual({
      users: 1,
      teams: 0,
      accounts: 0,
      products: 0,
      campaigns: 0,
      leads: 2,
      lifecycle_events: 2,
      touchpoints: 2,
      opportunities: 0,
      opportunity_contacts: 0,
      activities: 0,
    });
    expect(summary).toMatchObject({ rowsRead: 10, created: 5, updated: 0, rejected: 6 });
    expect(summary.byResource).toEqual({
      users: { created: 1, updated: 0 },
      leads: { created: 2, updated: 0 },
      touchpoints: { created: 2, updated: 0 },
    });
    const rejected = await rejections(summary.importId);
    expect(rejected.map((row) => [row.file, row.line, row.reason])).toEqual([
      ['leads.csv', 3, 'email: "not-an-email" is not an email address'],
      [
        'leads.csv',
        4,
        'stage: "prospect" is not one of subscriber, lead, mql, sal, sql, opportunity, customer, recycled, disqualified',
      ],
      ['leads.csv', 5, 'mql_at: "2026-02-30T10:00:00Z" is not a date (month 2 has no day 30)'],
      ['leads.csv', 6, 'external_id "L1" already appears on line 2'],
      ['touchpoints.csv', 3, 'lead_external_id: no lead with external_id "L9"'],
      ['touchpoints.csv', 5, 'lead_external_id: no lead with external_id "L2"'],
    ]);
    expect(rejected[0]?.raw).toBe('L2,not-an-email,Two,,,');

    const db = ctx.database.db;
    const ghost = await db
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'ghost@example.com')
      .execute();
    expect(ghost).toHaveLength(0);
    const first = await db
      .selectFrom('leads')
      .leftJoin('users', 'users.id', 'leads.owner_id')
      .select([
        'leads.stage',
        'leads.lead_at',
        'leads.mql_at',
        'users.email as owner',
        'users.status',
        'users.role',
      ])
      .where('leads.workspace_id', '=', caller.workspaceId)
      .where('leads.external_id', '=', 'L1')
      .executeTakeFirstOrThrow();
    expect(first).toMatchObject({
      stage: 'mql',
      owner: 'rep@example.com',
      status: 'inactive',
      role: 'sales',
    });
    expect(first.lead_at?.toISOString()).toBe('2026-01-05T10:00:00.000Z');
    expect(first.mql_at?.toISOString()).toBe('2026-01-05T10:00:00.000Z');
    const events = await db
      .selectFrom('lifecycle_events')
      .innerJoin('leads', 'leads.id', 'lifecycle_events.lead_id')
      .select(['leads.external_id', 'from_stage', 'to_stage', 'origin', 'reason', 'occurred_at'])
      .where('lifecycle_events.workspace_id', '=', caller.workspaceId)
      .orderBy('lifecycle_events.id')
      .execute();
    expect(events[0]).toMatchObject({
      external_id: 'L1',
      from_stage: null,
      to_stage: 'mql',
      origin: 'import',
    });
    expect(events[0]?.reason).toBe('Imported from leads.csv line 2');
    expect(events[1]).toMatchObject({
      external_id: 'L5',
      from_stage: null,
      to_stage: 'sql',
      origin: 'import',
    });

    const run = await db
      .selectFrom('imports')
      .selectAll()
      .where('id', '=', summary.importId)
      .executeTakeFirstOrThrow();
    expect(run).toMatchObject({
      status: 'completed',
      rows_read: 10,
      rows_created: 5,
      rows_rejected: 6,
      rows_total: 10,
    });
    expect(run.finished_at).not.toBeNull();
  });

  it('creates no duplicates when run again: every good row is an update, no new history', async () => {
    const before = await counts(caller.workspaceId);
    const summary = await runImport(ctx.database.db, caller, {
      format: 'tandem',
      files: [leads(), touchpoints()],
    });
    expect(await counts(caller.workspaceId)).toEqual(before);
    expect(summary).toMatchObject({ created: 0, updated: 4, rejected: 6 });
  });

  it('treats touchpoints without external_id as the same fact by lead, type and moment', async () => {
    const facts = () =>
      file('touchpoints-facts.csv', [
        'email,type,occurred_at,utm_source',
        'lead1@example.com,webinar,2026-02-01T09:00:00Z,partner',
        'lead1@example.com,webinar,2026-02-02T09:00:00Z,partner',
        'lead1@example.com,webinar,2026-02-01T09:00:00Z,partner',
      ]);
    const first = await runImport(ctx.database.db, caller, {
      format: 'tandem',
      files: [facts()],
      resource: 'touchpoints',
    });
    expect(first).toMatchObject({ created: 2, rejected: 1 });
    expect((await rejections(first.importId))[0]?.reason).toBe(
      'the same lead, type and occurred_at already appears on line 2',
    );
    const before = await counts(caller.workspaceId);
    const again = await runImport(ctx.database.db, caller, {
      format: 'tandem',
      files: [facts()],
      resource: 'touchpoints',
    });
    expect(again).toMatchObject({ created: 0, updated: 2 });
    expect(await counts(caller.workspaceId)).toEqual(before);
  });
});

describe('references and rollbacks', () => {
  it('rolls back a row refused after its chunk was written (unknown parent account)', async () => {
    const caller = await newWorkspace('parents');
    const summary = await runImport(ctx.database.db, caller, {
      format: 'tandem',
      files: [
        file('accounts.csv', [
          'external_id,name,parent_account_external_id,industry',
          'A2,Acme Sub,A1,software',
          'A1,Acme,,software',
          'A3,Orphan Co,A404,retail',
        ]),
      ],
    });
    expect(summary).toMatchObject({ created: 2, rejected: 1 });
    expect((await rejections(summary.importId)).map((row) => [row.line, row.reason])).toEqual([
      [4, 'parent_account_external_id: no account with external_id "A404"'],
    ]);
    const accounts = await ctx.database.db
      .selectFrom('accounts as a')
      .leftJoin('accounts as p', 'p.id', 'a.parent_account_id')
      .select(['a.name', 'p.name as parent'])
      .where('a.workspace_id', '=', caller.workspaceId)
      .orderBy('a.name')
      .execute();
    expect(accounts).toEqual([
      { name: 'Acme', parent: null },
      { name: 'Acme Sub', parent: 'Acme' },
    ]);
  });

  it('resolves leads, accounts, campaigns and users across files given in any order', async () => {
    const caller = await newWorkspace('references');
    const summary = await runImport(ctx.database.db, caller, {
      format: 'tandem',
      files: [
        file('activities.csv', [
          'external_id,opportunity_external_id,email,type,occurred_at,actor_email,outcome',
          'X1,O1,,call,2026-03-02T15:00:00Z,ae@example.com,connected',
          'X2,,lead7@example.com,email,2026-03-01T09:00:00Z,,sent',
          'X3,O404,,call,2026-03-02T15:00:00Z,,',
        ]),
        file('opportunities.csv', [
          'external_id,name,account_name,lead_external_id,owner_email,amount,stage,status,close_date',
          'O1,Acme renewal,Acme,P1,ae@example.com,12000,Closed Won,won,2026-03-15',
        ]),
        file('campaigns.csv', ['external_id,name,channel,cost', 'C1,Spring webinar,events,2500']),
        file('leads.csv', [
          'external_id,email,account_name,first_campaign_external_id,lead_at,mql_at,sql_at,opportunity_at',
          'P1,lead7@example.com,Acme,C1,2026-01-10,2026-01-20,2026-02-01,2026-02-15',
        ]),
      ],
    });
    expect(summary.rejected).toBe(1);
    expect((await rejections(summary.importId))[0]).toMatchObject({
      file: 'activities.csv',
      line: 4,
      reason: 'opportunity_external_id: no opportunity with external_id "O404"',
    });
    expect(summary.byResource).toEqual({
      accounts: { created: 1, updated: 0 },
      campaigns: { created: 1, updated: 0 },
      leads: { created: 1, updated: 0 },
      users: { created: 1, updated: 0 },
      opportunities: { created: 1, updated: 0 },
      activities: { created: 2, updated: 0 },
    });
    const db = ctx.database.db;
    const opportunity = await db
      .selectFrom('opportunities as o')
      .innerJoin('accounts as a', 'a.id', 'o.account_id')
      .innerJoin('leads as l', 'l.id', 'o.primary_lead_id')
      .innerJoin('users as u', 'u.id', 'o.owner_id')
      .select([
        'a.name as account',
        'l.email as lead',
        'u.email as owner',
        'o.amount',
        'o.status',
        'o.closed_at',
      ])
      .where('o.workspace_id', '=', caller.workspaceId)
      .executeTakeFirstOrThrow();
    expect(opportunity).toMatchObject({
      account: 'Acme',
      lead: 'lead7@example.com',
      owner: 'ae@example.com',
      amount: 12000,
      status: 'won',
    });
    expect(opportunity.closed_at?.toISOString()).toBe('2026-03-15T00:00:00.000Z');
    const lead = await db
      .selectFrom('leads')
      .selectAll()
      .where('workspace_id', '=', caller.workspaceId)
      .executeTakeFirstOrThrow();
    expect(lead.stage).toBe('opportunity');
    expect(lead.stage).toBe(
      currentStageFromHistory({
        lead: lead.lead_at,
        mql: lead.mql_at,
        sal: lead.sal_at,
        sql: lead.sql_at,
        opportunity: lead.opportunity_at,
      }),
    );
    // SAL was passed on the way to SQL: stamped with the SQL moment, as a transition does.
    expect(lead.sal_at?.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    const events = await db
      .selectFrom('lifecycle_events')
      .select(['from_stage', 'to_stage'])
      .where('lead_id', '=', lead.id)
      .orderBy('occurred_at')
      .execute();
    expect(events.map((event) => `${event.from_stage}>${event.to_stage}`)).toEqual([
      'null>lead',
      'lead>mql',
      'mql>sql',
      'sql>opportunity',
    ]);
  });

  it('isolates a row the database refuses and writes the rest of its chunk', async () => {
    const caller = await newWorkspace('refused');
    await runImport(ctx.database.db, caller, {
      format: 'tandem',
      files: [file('campaigns.csv', ['external_id,name,channel,start_date', 'K1,Summer,events,2026-06-01'])],
    });
    // Valid on its own, but with the stored start date the campaign would end before it starts.
    const summary = await runImport(
      ctx.database.db,
      caller,
      {
        format: 'tandem',
        files: [
          file('campaigns.csv', [
            'external_id,name,channel,end_date',
            'K2,Autumn,events,2026-10-31',
            'K1,Summer,events,2026-05-01',
            'K3,Winter,email,2026-12-31',
          ]),
        ],
      },
      { chunkSize: 10 },
    );
    expect(summary).toMatchObject({ created: 2, updated: 0, rejected: 1 });
    const [rejection] = await rejections(summary.importId);
    expect(rejection?.line).toBe(3);
    expect(rejection?.reason).toMatch(/^the database refused the row: .*check constraint/);
    const stored = await ctx.database.db
      .selectFrom('campaigns')
      .select(['external_id', 'end_date'])
      .where('workspace_id', '=', caller.workspaceId)
      .orderBy('external_id')
      .execute();
    expect(stored).toEqual([
      { external_id: 'K1', end_date: null },
      { external_id: 'K2', end_date: '2026-10-31' },
      { external_id: 'K3', end_date: '2026-12-31' },
    ]);
  });

  it('never erases a stored value with a blank cell or a missing column', async () => {
    const caller = await newWorkspace('partial');
    await runImport(ctx.database.db, caller, {
      format: 'tandem',
      files: [
        file('leads.csv', ['external_id,email,title', 'Q1,q1@example.com,CTO']),
        file('opportunities.csv', [
          'external_id,name,stage,status,amount,closed_at',
          'QO1,Deal,Signed,won,5000,2026-04-01T10:00:00Z',
        ]),
        file('touchpoints.csv', [
          'external_id,lead_external_id,type,occurred_at,utm_source,metadata',
          'QT1,Q1,page_view,2026-03-01T10:00:00Z,google,"{""page"":""/pricing""}"',
        ]),
      ],
    });
    const summary = await runImport(ctx.database.db, caller, {
      format: 'tandem',
      files: [
        file('leads.csv', ['external_id,email,title,phone', 'Q1,q1@example.com,,+1 555 0100']),
        file('opportunities.csv', ['external_id,name,amount', 'QO1,Deal,6000']),
        file('touchpoints.csv', [
          'external_id,lead_external_id,type,occurred_at,utm_source,metadata',
          'QT1,Q1,page_view,2026-03-01T10:00:00Z,,"{""form"":""demo""}"',
        ]),
      ],
    });
    expect(summary).toMatchObject({ created: 0, updated: 3, rejected: 0 });
    const db = ctx.database.db;
    const lead = await db
      .selectFrom('leads')
      .selectAll()
      .where('workspace_id', '=', caller.workspaceId)
      .executeTakeFirstOrThrow();
    expect(lead).toMatchObject({ title: 'CTO', phone: '+1 555 0100' });
    const deal = await db
      .selectFrom('opportunities')
      .selectAll()
      .where('workspace_id', '=', caller.workspaceId)
      .executeTakeFirstOrThrow();
    expect(deal).toMatchObject({ status: 'won', stage: 'Signed', amount: 6000 });
    expect(deal.closed_at?.toISOString()).toBe('2026-04-01T10:00:00.000Z');
    const touch = await db
      .selectFrom('touchpoints')
      .selectAll()
      .where('workspace_id', '=', caller.workspaceId)
      .executeTakeFirstOrThrow();
    expect(touch).toMatchObject({ utm_source: 'google', metadata: { page: '/pricing', form: 'demo' } });
  });

  it('looks for duplicates within a file, not across the files of one import', async () => {
    const caller = await newWorkspace('two-files');
    const summary = await runImport(ctx.database.db, caller, {
      format: 'tandem',
      files: [
        file('leads-a.csv', ['external_id,email', 'D1,dup1@example.com']),
        file('leads-b.csv', ['external_id,email,title', 'D1,dup1@example.com,CFO']),
      ],
    });
    expect(summary).toMatchObject({ created: 1, updated: 1, rejected: 0 });
  });

  it('moves an existing lead forward and never back', async () => {
    const caller = await newWorkspace('history');
    await runImport(ctx.database.db, caller, {
      format: 'tandem',
      files: [
        file('leads.csv', ['external_id,email,lead_at,mql_at', 'H1,h1@example.com,2026-01-01,2026-01-02']),
      ],
    });
    const later = await runImport(ctx.database.db, caller, {
      format: 'tandem',
      files: [file('leads.csv', ['external_id,stage,customer_at', 'H1,customer,2026-03-01T12:00:00Z'])],
    });
    expect(later).toMatchObject({ created: 0, updated: 1, rejected: 0 });
    const behind = await runImport(ctx.database.db, caller, {
      format: 'tandem',
      files: [file('leads.csv', ['external_id,stage,title', 'H1,mql,CTO'])],
    });
    expect(behind).toMatchObject({ updated: 1, rejected: 0 });
    const db = ctx.database.db;
    const lead = await db
      .selectFrom('leads')
      .selectAll()
      .where('workspace_id', '=', caller.workspaceId)
      .executeTakeFirstOrThrow();
    expect(lead).toMatchObject({ stage: 'customer', title: 'CTO', email: 'h1@example.com' });
    expect(lead.mql_at?.toISOString()).toBe('2026-01-02T00:00:00.000Z');
    const events = await db
      .selectFrom('lifecycle_events')
      .select(['from_stage', 'to_stage'])
      .where('lead_id', '=', lead.id)
      .orderBy('id')
      .execute();
    expect(events.map((event) => `${event.from_stage}>${event.to_stage}`)).toEqual([
      'null>lead',
      'lead>mql',
      'mql>customer',
    ]);
  });
});

describe('permissions and fatal errors', () => {
  it('lets only admins and marketing import, and only admins import users', async () => {
    const rep = await ctx.user('sales');
    const marketer = await ctx.user('marketing');
    const asActor = (user: { id: number; role: 'sales' | 'marketing' }): Caller => ({
      workspaceId: ctx.workspaceId,
      userId: user.id,
      role: user.role,
      via: 'token',
    });
    const leads = file('leads.csv', ['email', 'p1@example.com']);
    await expect(
      runImport(ctx.database.db, asActor({ id: rep.id, role: 'sales' }), {
        format: 'tandem',
        files: [leads],
      }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    const users = file('users.csv', ['email,name,role', 'admin2@example.com,Admin Two,admin']);
    await expect(
      runImport(ctx.database.db, asActor({ id: marketer.id, role: 'marketing' }), {
        format: 'tandem',
        files: [users],
      }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const ok = await runImport(ctx.database.db, asActor({ id: marketer.id, role: 'marketing' }), {
      format: 'tandem',
      files: [leads],
    });
    expect(ok.created).toBe(1);
  });

  it('fails the whole file on unknown columns, records the failure, and writes nothing', async () => {
    const caller = await newWorkspace('fatal');
    const before = await counts(caller.workspaceId);
    const error = await runImport(ctx.database.db, caller, {
      format: 'tandem',
      files: [file('leads.csv', ['email,emial', 'a@example.com,x'])],
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message).toContain('unknown column "emial" for leads');
    expect(await counts(caller.workspaceId)).toEqual(before);
    const failed = await ctx.database.db
      .selectFrom('imports')
      .select(['status', 'error'])
      .where('workspace_id', '=', caller.workspaceId)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('emial');
    await expect(
      runImport(ctx.database.db, caller, { format: 'excel', files: [{ path: '/nope.csv' }] }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(
      runImport(ctx.database.db, caller, { format: 'tandem', files: [{ path: join(dir, 'missing.csv') }] }),
    ).rejects.toThrow('missing.csv: cannot read the file (no such file)');
    await expect(
      runImport(ctx.database.db, caller, {
        format: 'tandem',
        files: [file('export.csv', ['email', 'a@example.com'])],
      }),
    ).rejects.toThrow('cannot tell which resource');
  });
});

describe('scores after an import', () => {
  // A database of its own: no server's job runner, so the test decides when jobs run.
  let store: TestDatabase;
  let db: Kysely<DB>;
  beforeAll(async () => {
    store = await createTestDatabase();
    db = store.db;
  });
  afterAll(async () => {
    await store?.close();
  });
  async function workspace(slug: string): Promise<Caller> {
    return systemCaller((await ensureWorkspace(db, { name: slug, slug })).id);
  }
  // Form fills are worth 25 points and a lead is an MQL at 50: without decay, two fills make an
  // MQL and one does not. Fit: a title containing "VP" adds 15.
  const model = {
    version: 0,
    fit_rules: [
      { id: 'vp', name: 'VP title', field: 'title', operator: 'contains' as const, value: 'VP', points: 15 },
    ],
    engagement_rules: [{ id: 'forms', name: 'Form fills', type: 'form_fill' as const, points: 25 }],
    thresholds: { mql: 50, warm: 20, hot: 45 },
  };

  async function leadScores(workspaceId: number) {
    return db
      .selectFrom('leads')
      .select(['external_id', 'fit_score', 'engagement_score', 'stage'])
      .where('workspace_id', '=', workspaceId)
      .orderBy('external_id')
      .execute();
  }

  it('queues a rescoring job that scores imported touchpoints and hands off the leads they make MQL', async () => {
    const caller = await workspace('import-rescore');
    await saveModel(db, caller, model);
    const first = await runImport(db, caller, {
      format: 'tandem',
      files: [
        file('leads.rescore.csv', [
          'external_id,email,title,stage',
          'R1,r1@example.com,VP Sales,lead',
          'R2,r2@example.com,Engineer,lead',
          'R3,r3@example.com,Engineer,lead',
        ]),
      ],
    });
    expect(first.scoringJobId).toBeGreaterThan(0);
    const second = await runImport(db, caller, {
      format: 'tandem',
      files: [
        file('touchpoints.rescore.csv', [
          'external_id,lead_external_id,type,occurred_at',
          'RT1,R1,form_fill,2026-01-06T10:00:00Z',
          'RT2,R2,form_fill,2026-01-06T10:00:00Z',
          'RT3,R2,form_fill,2026-01-07T10:00:00Z',
          'RT4,R3,page_view,2026-01-07T10:00:00Z',
        ]),
      ],
    });
    expect(second.scoringJobId).toBeGreaterThan(first.scoringJobId as number);
    // Each newer job covers every lead, so the model's job and the first import's are superseded.
    const jobs = await db
      .selectFrom('scoring_jobs')
      .select(['id', 'status'])
      .where('workspace_id', '=', caller.workspaceId)
      .orderBy('id')
      .execute();
    expect(jobs.map((job) => job.status)).toEqual(['superseded', 'superseded', 'queued']);
    expect(await runScoringJobs(db)).toBe(1);
    expect(await leadScores(caller.workspaceId)).toEqual([
      { external_id: 'R1', fit_score: 15, engagement_score: 25, stage: 'lead' },
      { external_id: 'R2', fit_score: 0, engagement_score: 50, stage: 'mql' },
      { external_id: 'R3', fit_score: 0, engagement_score: 0, stage: 'lead' },
    ]);
    const job = await getJob(db, caller, second.scoringJobId as number);
    expect([job.status, job.processed, job.handed_off]).toEqual(['completed', 3, 1]);
    const row = await db
      .selectFrom('imports')
      .select('summary')
      .where('id', '=', second.importId)
      .executeTakeFirstOrThrow();
    expect((row.summary as { scoring_job_id?: number }).scoring_job_id).toBe(second.scoringJobId);
  });

  it('queues nothing in a workspace that never saved a model, or when only activities were imported', async () => {
    const caller = await workspace('import-no-model');
    const summary = await runImport(db, caller, {
      format: 'tandem',
      files: [file('leads.no-model.csv', ['external_id,email', 'N1,n1@example.com'])],
    });
    expect(summary.scoringJobId).toBeUndefined();
    const scored = await workspace('import-activities-only');
    await saveModel(db, scored, model);
    await runImport(db, scored, {
      format: 'tandem',
      files: [file('leads.activities-only.csv', ['external_id,email', 'A1,a1@example.com'])],
    });
    await runScoringJobs(db);
    const activities = await runImport(db, scored, {
      format: 'tandem',
      files: [
        file('activities.csv', [
          'external_id,lead_external_id,type,occurred_at',
          'AC1,A1,call,2026-01-08T10:00:00Z',
        ]),
      ],
    });
    expect(activities.created).toBe(1);
    expect(activities.scoringJobId).toBeUndefined();
  });
});

describe('statistics after a bulk import', () => {
  // The planner must know a new workspace's rows once an import has written them: PostgreSQL
  // and PGlite keep the most common values of leads.workspace_id in pg_stats after ANALYZE.
  async function knownWorkspaces(): Promise<string> {
    const result = await sql<{ values: string | null }>`
      select most_common_vals::text as values from pg_stats
      where tablename = 'leads' and attname = 'workspace_id'`.execute(ctx.database.db);
    return result.rows[0]?.values ?? '';
  }

  it('analyzes the tables an import wrote once it wrote enough rows', async () => {
    const caller = await newWorkspace('import-analyzed');
    const lines = ['external_id,email'];
    for (let i = 0; i < 30; i++) lines.push(`S${i},stats${i}@example.com`);
    const summary = await runImport(
      ctx.database.db,
      caller,
      { format: 'tandem', files: [file('leads.stats.csv', lines)] },
      { analyzeAfterRows: 30 },
    );
    expect(summary.created).toBe(30);
    expect(await knownWorkspaces()).toContain(String(caller.workspaceId));
  });
});
