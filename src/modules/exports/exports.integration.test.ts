import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { type Caller, systemCaller } from '../auth/auth.ts';
import { runImport } from '../imports/imports.service.ts';
import { RESOURCES, type ResourceName } from '../imports/imports.ts';
import { ensureWorkspace } from '../workspaces/workspaces.service.ts';
import { exportColumns, exportPages, exportResource } from './exports.service.ts';

let ctx: TestContext;
let dir: string;
let source: Caller;

// One of every kind of record, with references of every kind.
const FIXTURE: Record<ResourceName, string[]> = {
  users: [
    'external_id,email,name,role,status,team,manager_email,capacity',
    'U1,manager1@example.com,Sales Manager 01,sales,active,East,,',
    'U2,rep1@example.com,Sales Rep 01,sales,away,East,manager1@example.com,40',
    ',marketer1@example.com,Marketer 01,marketing,active,,,',
  ],
  teams: ['name,manager_external_id', 'East,U1'],
  accounts: [
    'external_id,name,domain,industry,employees,annual_revenue,country,owner_email,parent_account_external_id,custom_fields',
    'A1,Example Holdings,Example.com,finance,5000,1250000000.5,US,rep1@example.com,,"{""tier"":""gold""}"',
    'A2,Example Labs,labs.example.com,software,120,,DE,,A1,',
  ],
  products: ['external_id,name,series,price', 'P1,Core Plan,Core,1200', ',Add-on Pack,Core,99.5'],
  campaigns: [
    'external_id,name,channel,type,status,cost,budget,start_date,end_date,owner_email,parent_campaign_external_id',
    'C1,Spring program,events,program,active,0,50000,2026-03-01,2026-05-31,marketer1@example.com,',
    'C2,Spring webinar,events,webinar,completed,2500.75,3000,2026-03-10,2026-03-10,marketer1@example.com,C1',
  ],
  leads: [
    'external_id,email,first_name,last_name,company,account_external_id,account_name,source,first_utm_source,first_campaign_external_id,stage,lead_status,temperature,owner_email,fit_score,engagement_score,created_at,lead_at,mql_at,sql_at,recycled_at,custom.segment',
    'L1,lead1@example.com,Lead,One,Example Labs,A2,,webinar,newsletter,C2,,working,warm,rep1@example.com,40,12,2026-01-02T08:00:00Z,2026-01-02T08:00:00Z,2026-01-10T09:00:00Z,2026-02-01T10:00:00Z,,smb',
    ',lead2@example.com,Lead,Two,Other Co,,Other Co,ads,,,lead,,,,,,2026-01-05T08:00:00Z,2026-01-05T08:00:00Z,2026-01-07T08:00:00Z,,2026-02-10T08:00:00Z,',
    'L3,lead3@example.com,Lead,Three,,,,,,,disqualified,,hot,,,,2026-01-06T00:00:00Z,,,,,',
  ],
  opportunities: [
    'external_id,name,account_external_id,lead_external_id,contact_emails,owner_email,qualifier_email,product_external_id,amount,currency,stage,status,created_at,close_date,closed_at,reason,competitor,source,segment',
    'O1,Labs expansion,A2,L1,lead2@example.com,rep1@example.com,manager1@example.com,P1,24000,EUR,Closed Won,won,2026-02-01T10:00:00Z,2026-03-30,2026-03-30T15:00:00Z,fit,Rival Inc,webinar,smb',
    ',Other Co pilot,,,lead2@example.com,rep1@example.com,,,,,Discovery,open,2026-02-12T00:00:00Z,2026-06-30,,,,,',
  ],
  touchpoints: [
    'external_id,lead_external_id,email,type,occurred_at,channel,campaign_external_id,utm_source,utm_medium,metadata',
    'T1,L1,,webinar,2026-03-10T16:00:00Z,events,C2,newsletter,email,"{""minutes"":45}"',
    ',,lead2@example.com,page_view,2026-01-05T08:00:00Z,web,,google,cpc,',
  ],
  activities: [
    'external_id,lead_external_id,email,opportunity_external_id,type,outcome,notes,occurred_at,actor_email',
    'X1,L1,,O1,meeting,held,"Demo, then pricing",2026-02-15T14:00:00Z,rep1@example.com',
    ',,lead2@example.com,,call,no answer,,2026-02-13T09:00:00Z,rep1@example.com',
  ],
};

beforeAll(async () => {
  ctx = await createTestContext();
  dir = mkdtempSync(join(tmpdir(), 'tandem-exports-'));
  source = systemCaller((await ensureWorkspace(ctx.database.db, { name: 'Source', slug: 'source' })).id);
  const files = RESOURCES.map((resource) => {
    const path = join(dir, `${resource}.csv`);
    writeFileSync(path, `${FIXTURE[resource].join('\n')}\n`);
    return { path };
  });
  const summary = await runImport(ctx.database.db, source, { format: 'tandem', files: files.reverse() });
  if (summary.rejected > 0) throw new Error(`fixture rejected ${summary.rejected} rows`);
});
afterAll(async () => {
  await ctx?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function exportText(
  caller: Caller,
  resource: ResourceName,
  format: 'csv' | 'json' = 'csv',
): Promise<string> {
  let text = '';
  for await (const piece of exportResource(ctx.database.db, caller, resource, format)) text += piece;
  return text;
}

async function exportAll(caller: Caller, into: string): Promise<Record<ResourceName, string>> {
  const texts = {} as Record<ResourceName, string>;
  for (const resource of RESOURCES) {
    texts[resource] = await exportText(caller, resource);
    writeFileSync(join(into, `${resource}.csv`), texts[resource]);
  }
  return texts;
}

async function counts(workspaceId: number) {
  const result: Record<string, number> = {};
  for (const table of [...RESOURCES, 'lifecycle_events', 'opportunity_contacts'] as const) {
    const row = await sql<{
      n: number;
    }>`select count(*)::int as n from ${sql.table(table)} where workspace_id = ${workspaceId}`.execute(
      ctx.database.db,
    );
    result[table] = row.rows[0]?.n ?? 0;
  }
  return result;
}

describe('export', () => {
  it('writes the native import columns, references as keys and never a password hash', async () => {
    const leads = await exportText(source, 'leads');
    const [header, first] = leads.split('\n');
    expect(header).toBe(exportColumns('leads').join(','));
    expect(first).toContain('L1,lead1@example.com,Lead,One,,,Example Labs,A2,,');
    const users = await exportText(source, 'users');
    expect(users).not.toMatch(/password|scrypt/);
    // The fixture's three users (the harness's admin is in another workspace).
    expect(users.trim().split('\n')).toHaveLength(4);
  });

  it('re-imports cleanly: an export imported into another workspace exports the same', async () => {
    const firstDir = mkdtempSync(join(dir, 'first-'));
    const first = await exportAll(source, firstDir);
    const target = systemCaller(
      (await ensureWorkspace(ctx.database.db, { name: 'Target', slug: 'target' })).id,
    );
    const summary = await runImport(ctx.database.db, target, {
      format: 'tandem',
      files: RESOURCES.map((resource) => ({ path: join(firstDir, `${resource}.csv`) })),
    });
    expect(summary.rejected).toBe(0);
    const second = await exportAll(target, mkdtempSync(join(dir, 'second-')));
    for (const resource of RESOURCES) expect(second[resource], resource).toBe(first[resource]);
    const [sourceCounts, targetCounts] = [await counts(source.workspaceId), await counts(target.workspaceId)];
    expect(targetCounts).toEqual(sourceCounts);
  });

  it('re-imports into the same workspace as updates only', async () => {
    const again = mkdtempSync(join(dir, 'again-'));
    const texts = await exportAll(source, again);
    // Every exported row (the fixture's and the records it created by reference) is matched.
    const exportedRows = Object.values(texts).reduce(
      (sum, text) => sum + text.trim().split('\n').length - 1,
      0,
    );
    const before = await counts(source.workspaceId);
    const summary = await runImport(ctx.database.db, source, {
      format: 'tandem',
      files: RESOURCES.map((resource) => ({ path: join(again, `${resource}.csv`) })),
    });
    expect(summary).toMatchObject({ created: 0, rejected: 0 });
    expect(summary.updated).toBe(exportedRows);
    expect(exportedRows).toBe(Object.values(FIXTURE).reduce((sum, lines) => sum + lines.length - 1, 0) + 1);
    expect(await counts(source.workspaceId)).toEqual(before);
  });

  it('rebuilds stage history made through the API with the same moves', async () => {
    const api = systemCaller(ctx.workspaceId);
    const post = (url: string, payload: Record<string, unknown>) =>
      ctx.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: ctx.admin.headers, payload });
    await post('/leads', {
      email: 'api1@example.com',
      stage: 'disqualified',
      created_at: '2026-01-01T00:00:00Z',
    });
    const second = (
      await post('/leads', { email: 'api2@example.com', created_at: '2026-01-02T00:00:00Z' })
    ).json();
    for (const [to, at] of [
      ['mql', '2026-01-05T00:00:00Z'],
      ['recycled', '2026-01-10T00:00:00Z'],
      ['lead', '2026-01-20T00:00:00Z'],
    ]) {
      expect((await post(`/leads/${second.id}/transitions`, { to, occurred_at: at })).statusCode).toBe(200);
    }
    const third = (
      await post('/leads', { email: 'api3@example.com', created_at: '2026-01-03T00:00:00Z' })
    ).json();
    await post(`/leads/${third.id}/transitions`, { to: 'sql', occurred_at: '2026-01-08T00:00:00Z' });
    await post('/leads', { email: 'api4@example.com', stage: 'mql', created_at: '2026-01-04T00:00:00Z' });

    const path = join(dir, 'api-leads.csv');
    writeFileSync(path, await exportText(api, 'leads'));
    const copy = systemCaller((await ensureWorkspace(ctx.database.db, { name: 'Copy', slug: 'copy' })).id);
    expect(
      (await runImport(ctx.database.db, copy, { format: 'tandem', files: [{ path }], resource: 'leads' }))
        .rejected,
    ).toBe(0);
    const moves = async (workspaceId: number) => {
      const rows = await sql<{ email: string; moves: string }>`
        select l.email, string_agg(coalesce(e.from_stage, 'new') || '>' || e.to_stage, ' ' order by e.id) as moves
        from lifecycle_events e join leads l on l.id = e.lead_id
        where e.workspace_id = ${workspaceId} group by l.email order by l.email`.execute(ctx.database.db);
      return rows.rows;
    };
    const made = await moves(ctx.workspaceId);
    expect(made).toEqual([
      { email: 'api1@example.com', moves: 'new>disqualified' },
      { email: 'api2@example.com', moves: 'new>lead lead>mql mql>recycled recycled>lead' },
      { email: 'api3@example.com', moves: 'new>lead lead>sql' },
      { email: 'api4@example.com', moves: 'new>mql' },
    ]);
    expect(await moves(copy.workspaceId)).toEqual(made);
  });

  it('writes JSON with the same columns and values', async () => {
    const json = JSON.parse(await exportText(source, 'opportunities', 'json')) as Record<string, unknown>[];
    expect(json).toHaveLength(2);
    expect(Object.keys(json[0] ?? {})).toEqual(exportColumns('opportunities'));
    expect(json[0]).toMatchObject({
      external_id: 'O1',
      account_external_id: 'A2',
      lead_external_id: 'L1',
      contact_emails: 'lead2@example.com',
      qualifier_email: 'manager1@example.com',
      product_external_id: 'P1',
      amount: 24000,
      currency: 'EUR',
      status: 'won',
      closed_at: '2026-03-30T15:00:00.000Z',
      close_date: '2026-03-30',
    });
  });

  it('pages by id without gaps or repeats', async () => {
    const ids: number[] = [];
    for await (const page of exportPages(ctx.database.db, source, 'leads', 2)) {
      expect(page.length).toBeLessThanOrEqual(2);
      ids.push(...page.map((row) => Number(row._id)));
    }
    const stored = await ctx.database.db
      .selectFrom('leads')
      .select('id')
      .where('workspace_id', '=', source.workspaceId)
      .orderBy('id')
      .execute();
    expect(ids).toEqual(stored.map((row) => row.id));
  });
});
