import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { type Caller, systemCaller } from '../auth/auth.ts';
import { ensureWorkspace } from '../workspaces/workspaces.service.ts';
import { runImport } from './imports.service.ts';

// Small exports with HubSpot's and Salesforce's own column labels (as their CSV exports
// and standard reports write them), including the kinds of mistakes real exports carry.

let ctx: TestContext;
let dir: string;

beforeAll(async () => {
  ctx = await createTestContext();
  dir = mkdtempSync(join(tmpdir(), 'tandem-crm-'));
});
afterAll(async () => {
  await ctx?.close();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, lines: string[]): { path: string } {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\r\n')}\r\n`);
  return { path };
}

async function workspace(slug: string): Promise<Caller> {
  return systemCaller((await ensureWorkspace(ctx.database.db, { name: slug, slug })).id);
}

async function rejections(importId: number) {
  const rows = await ctx.database.db
    .selectFrom('import_rejections')
    .select(['file', 'line', 'reason'])
    .where('import_id', '=', importId)
    .orderBy('id')
    .execute();
  return rows.map((row) => `${row.file}:${row.line} ${row.reason}`);
}

async function lead(workspaceId: number, externalId: string) {
  return ctx.database.db
    .selectFrom('leads')
    .leftJoin('users', 'users.id', 'leads.owner_id')
    .leftJoin('accounts', 'accounts.id', 'leads.account_id')
    .selectAll('leads')
    .select([
      'users.email as owner_email',
      'users.name as owner_name',
      'users.status as owner_status',
      'accounts.name as account',
    ])
    .where('leads.workspace_id', '=', workspaceId)
    .where('leads.external_id', '=', externalId)
    .executeTakeFirstOrThrow();
}

const iso = (value: Date | null) => value?.toISOString() ?? null;

describe('hubspot', () => {
  let caller: Caller;
  beforeAll(async () => {
    caller = await workspace('hubspot');
  });

  const contacts = () =>
    file('hubspot-contacts.csv', [
      '"Record ID","First Name","Last Name","Email","Phone Number","Job Title","Company Name","Lifecycle Stage","Lead Status","Create Date","Became a Subscriber Date","Became a Lead Date","Became a Marketing Qualified Lead Date","Became a Sales Qualified Lead Date","Became an Opportunity Date","Became a Customer Date","Original Source","Original Source Drill-Down 1","Contact owner","Country/Region","Industry","Number of Employees","Preferred Channel"',
      '101,Contact,One,contact1@example.com,+44 20 0000 0000,CTO,Example Engines,Customer,Connected,2025-01-05 10:00,,2025-01-05 10:00,2025-02-01 09:30,2025-02-10 12:00,2025-03-01 08:00,2025-04-15 16:45,Organic Search,google,Sales Rep One (rep1@example.com),United Kingdom,Computing,25-50,phone',
      '102,Contact,Two,contact2@example.com,,,Example Compilers,Marketing Qualified Lead,New,2025-02-01 11:00,,2025-02-01 11:00,2025-02-03 10:00,,,,Paid Search,cpc,Sales Rep Two,United States,Software,120,',
      '103,Contact,Three,contact3@example.com,,,,Prospect,,2025-02-01 11:00,,,,,,,,,,,,,',
      '104,Contact,Four,contact4@example.com,,,,Lead,,2025-02-30 11:00,,,,,,,,,,,,,',
      '105,Contact,Five,contact5@example.com,,,,subscriber,,2025-03-01 09:00,2025-03-01 09:00,,,,,,Direct Traffic,,,,,,',
    ]);
  const deals = () =>
    file('hubspot-deals.csv', [
      '"Record ID","Deal Name","Deal Stage","Amount","Close Date","Create Date","Deal owner","Pipeline","Associated Contact IDs","Closed Lost Reason","Closed Won Reason","Deal Type"',
      '9001,Engines renewal,Closed Won,"12,500.00",2025-04-15 16:45,2025-03-01 08:00,Sales Rep One,Sales Pipeline,101,,Best fit,existingbusiness',
      '9002,Compilers pilot,Closed Lost,3000,2025-05-01,2025-03-10,Sales Rep Two,Sales Pipeline,102,Budget,,newbusiness',
      '9003,Joint deal,Appointment Scheduled,,2025-07-01,2025-04-01,,Sales Pipeline,101;102,,,newbusiness',
      '9004,Unknown contact,Qualified To Buy,100,2025-07-01,2025-04-01,,Sales Pipeline,999,,,newbusiness',
    ]);

  it('maps contacts: lifecycle dates to stage history (no SAL in HubSpot), owners, companies, the rest as custom fields', async () => {
    const summary = await runImport(ctx.database.db, caller, {
      format: 'hubspot',
      files: [deals(), contacts()],
    });
    expect(await rejections(summary.importId)).toEqual([
      'hubspot-contacts.csv:4 Lifecycle Stage: "Prospect" is not a HubSpot lifecycle stage (subscriber, lead, marketingqualifiedlead, salesqualifiedlead, opportunity, customer, evangelist, other or their labels)',
      'hubspot-contacts.csv:5 Create Date: "2025-02-30 11:00" is not a date (month 2 has no day 30)',
      'hubspot-deals.csv:5 Associated Contact IDs: no lead with external_id "999"',
    ]);
    const one = await lead(caller.workspaceId, '101');
    expect(one).toMatchObject({
      email: 'contact1@example.com',
      stage: 'customer',
      lead_status: 'Connected',
      source: 'Organic Search',
      source_detail: 'google',
      company: 'Example Engines',
      account: 'Example Engines',
      country: 'United Kingdom',
      employees: null,
      owner_email: 'rep1@example.com',
      owner_name: 'Sales Rep One',
      owner_status: 'inactive',
    });
    expect(one.custom_fields).toEqual({
      hubspot_lifecycle_stage: 'Customer',
      number_of_employees: '25-50',
      'Preferred Channel': 'phone',
    });
    expect([
      iso(one.lead_at),
      iso(one.mql_at),
      iso(one.sal_at),
      iso(one.sql_at),
      iso(one.customer_at),
    ]).toEqual([
      '2025-01-05T10:00:00.000Z',
      '2025-02-01T09:30:00.000Z',
      // HubSpot has no SAL: it is passed on the way to SQL, as a transition to SQL records it.
      '2025-02-10T12:00:00.000Z',
      '2025-02-10T12:00:00.000Z',
      '2025-04-15T16:45:00.000Z',
    ]);
    const two = await lead(caller.workspaceId, '102');
    expect(two).toMatchObject({
      stage: 'mql',
      employees: 120,
      owner_name: 'Sales Rep Two',
      owner_email: 'sales-rep-two@import.invalid',
    });
    expect((await lead(caller.workspaceId, '105')).stage).toBe('subscriber');
  });

  it('maps deals: status from the stage, amounts with separators, contacts, owners by name', async () => {
    const rows = await ctx.database.db
      .selectFrom('opportunities as o')
      .leftJoin('users as u', 'u.id', 'o.owner_id')
      .leftJoin('leads as l', 'l.id', 'o.primary_lead_id')
      .select([
        'o.external_id',
        'o.status',
        'o.stage',
        'o.amount',
        'o.reason',
        'o.closed_at',
        'o.custom_fields',
        'u.email as owner',
        'l.external_id as lead',
      ])
      .where('o.workspace_id', '=', caller.workspaceId)
      .orderBy('o.external_id')
      .execute();
    expect(
      rows.map((row) => [
        row.external_id,
        row.status,
        row.amount,
        row.reason,
        row.owner,
        row.lead,
        iso(row.closed_at),
      ]),
    ).toEqual([
      ['9001', 'won', 12500, 'Best fit', 'rep1@example.com', '101', '2025-04-15T16:45:00.000Z'],
      ['9002', 'lost', 3000, 'Budget', 'sales-rep-two@import.invalid', '102', '2025-05-01T00:00:00.000Z'],
      ['9003', 'open', null, null, null, '101', null],
    ]);
    expect(rows[0]?.custom_fields).toEqual({ pipeline: 'Sales Pipeline', 'Deal Type': 'existingbusiness' });
    const contacts = await ctx.database.db
      .selectFrom('opportunity_contacts as c')
      .innerJoin('opportunities as o', 'o.id', 'c.opportunity_id')
      .innerJoin('leads as l', 'l.id', 'c.lead_id')
      .select(['o.external_id as deal', 'l.external_id as contact'])
      .where('c.workspace_id', '=', caller.workspaceId)
      .orderBy('o.external_id')
      .orderBy('l.external_id')
      .execute();
    expect(contacts).toEqual([
      { deal: '9001', contact: '101' },
      { deal: '9002', contact: '102' },
      { deal: '9003', contact: '101' },
      { deal: '9003', contact: '102' },
    ]);
  });
});

describe('salesforce', () => {
  let caller: Caller;
  beforeAll(async () => {
    caller = await workspace('salesforce');
  });

  it('maps a leads report and an opportunities report', async () => {
    const leads = file('salesforce-leads.csv', [
      '"Lead ID","First Name","Last Name","Title","Company / Account","Email","Phone","Lead Source","Lead Status","Lead Owner","Create Date","Country","Industry","No. of Employees","Converted","Rating"',
      '00Q1,Lead,One,Researcher,Example Labs,sf1@example.com,,Web,Open - Not Contacted,Owner One,3/2/2025 2:05 PM,UK,Research,500,0,Hot',
      '00Q2,Lead,Two,Analyst,Example Labs,sf2@example.com,,Partner Referral,Closed - Converted,Owner One,1/15/2025 9:00 AM,UK,Research,500,1,Warm',
      '00Q3,Lead,Three,Engineer,Example Post,sf3@example.com,,Trade Show,Closed - Not Converted,Owner Two,2/1/2025,UK,Telecom,9000,0,',
      '00Q4,Lead,Four,,Nowhere Ltd,not-an-email,,,,,2/1/2025,,,,0,',
    ]);
    const opportunities = file('salesforce-opportunities.csv', [
      '"Opportunity ID","Opportunity Owner","Account Name","Opportunity Name","Stage","Amount","Close Date","Created Date","Lead Source","Type","Probability (%)","Won","Closed"',
      '006A,Owner One,Example Labs,Upgrade,Closed Won,"USD 250,000.00",4/30/2025,3/1/2025,Web,New Customer,100,1,1',
      '006B,Owner Two,Example Post,Pilot,Closed Lost,"$80,000.00",5/15/2025,3/5/2025,Trade Show,New Customer,0,0,1',
      '006C,Owner One,Example Labs,Support,Negotiation/Review,"$40,000.00",8/31/2025,4/1/2025,Web,Existing Customer,90,0,0',
      '006D,Owner One,Example Labs,Bad amount,Prospecting,lots,8/31/2025,4/1/2025,Web,,10,0,0',
    ]);
    const summary = await runImport(ctx.database.db, caller, {
      format: 'salesforce',
      files: [opportunities, leads],
    });
    expect(await rejections(summary.importId)).toEqual([
      'salesforce-leads.csv:5 Email: "not-an-email" is not an email address',
      'salesforce-opportunities.csv:5 Amount: "lots" is not an amount',
    ]);
    const first = await lead(caller.workspaceId, '00Q1');
    expect(first).toMatchObject({
      stage: 'lead',
      temperature: 'hot',
      account: 'Example Labs',
      owner_name: 'Owner One',
      employees: 500,
    });
    expect(iso(first.created_at)).toBe('2025-03-02T14:05:00.000Z');
    expect((await lead(caller.workspaceId, '00Q2')).stage).toBe('sql');
    expect((await lead(caller.workspaceId, '00Q3')).stage).toBe('disqualified');

    const deals = await ctx.database.db
      .selectFrom('opportunities as o')
      .innerJoin('accounts as a', 'a.id', 'o.account_id')
      .innerJoin('users as u', 'u.id', 'o.owner_id')
      .select([
        'o.external_id',
        'o.status',
        'o.amount',
        'o.currency',
        'o.close_date',
        'a.name as account',
        'u.name as owner',
        'o.custom_fields',
      ])
      .where('o.workspace_id', '=', caller.workspaceId)
      .orderBy('o.external_id')
      .execute();
    expect(
      deals.map((row) => [
        row.external_id,
        row.status,
        row.amount,
        row.currency,
        row.close_date,
        row.account,
        row.owner,
      ]),
    ).toEqual([
      ['006A', 'won', 250000, 'USD', '2025-04-30', 'Example Labs', 'Owner One'],
      ['006B', 'lost', 80000, 'USD', '2025-05-15', 'Example Post', 'Owner Two'],
      ['006C', 'open', 40000, 'USD', '2025-08-31', 'Example Labs', 'Owner One'],
    ]);
    expect(deals[0]?.custom_fields).toEqual({ Type: 'New Customer', 'Probability (%)': '100' });
    // Owners named in both files are one user each; accounts named by several rows are one account.
    const counts = await ctx.database.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', caller.workspaceId)
      .executeTakeFirstOrThrow();
    expect(counts.n).toBe(2);
    const accounts = await ctx.database.db
      .selectFrom('accounts')
      .select('name')
      .where('workspace_id', '=', caller.workspaceId)
      .orderBy('name')
      .execute();
    expect(accounts.map((row) => row.name)).toEqual(['Example Labs', 'Example Post']);
  });
});
