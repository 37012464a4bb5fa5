import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { type Caller, systemCaller } from '../auth/auth.ts';
import { ensureWorkspace } from '../workspaces/workspaces.service.ts';
import { runImport } from './imports.service.ts';

// The real datasets, read here by a separate, deliberately simple parser so the expected
// figures do not come from the code under test.
const OLIST = '../shared/data/olist';
const MAVEN = '../shared/data/maven-crm';

function parseCsv(path: string): Record<string, string>[] {
  const text = readFileSync(path, 'utf8');
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\n') {
      row.push(cell.replace(/\r$/, ''));
      rows.push(row);
      row = [];
      cell = '';
    } else cell += char;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  const [header, ...data] = rows;
  return data
    .filter((cells) => cells.some((value) => value !== ''))
    .map((cells) => Object.fromEntries((header ?? []).map((name, index) => [name, cells[index] ?? ''])));
}

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx?.close());

async function workspace(slug: string): Promise<Caller> {
  return systemCaller((await ensureWorkspace(ctx.database.db, { name: slug, slug })).id);
}

async function one<T>(query: ReturnType<typeof sql<T>>): Promise<T> {
  const result = await query.execute(ctx.database.db);
  return result.rows[0] as T;
}

async function tableCounts(workspaceId: number) {
  return one<Record<string, number>>(sql`
    select
      (select count(*)::int from users where workspace_id = ${workspaceId}) as users,
      (select count(*)::int from teams where workspace_id = ${workspaceId}) as teams,
      (select count(*)::int from accounts where workspace_id = ${workspaceId}) as accounts,
      (select count(*)::int from products where workspace_id = ${workspaceId}) as products,
      (select count(*)::int from leads where workspace_id = ${workspaceId}) as leads,
      (select count(*)::int from lifecycle_events where workspace_id = ${workspaceId}) as events,
      (select count(*)::int from opportunities where workspace_id = ${workspaceId}) as opportunities`);
}

describe('olist', () => {
  const mqls = parseCsv(`${OLIST}/olist_marketing_qualified_leads_dataset.csv`);
  const deals = parseCsv(`${OLIST}/olist_closed_deals_dataset.csv`);
  const files = [
    { path: `${OLIST}/olist_closed_deals_dataset.csv` },
    { path: `${OLIST}/olist_marketing_qualified_leads_dataset.csv` },
  ];
  let caller: Caller;

  beforeAll(async () => {
    caller = await workspace('olist');
  });

  it('gives every MQL as a lead that reached MQL and every closed deal as a won opportunity', async () => {
    const expectedMqls = new Set(mqls.map((row) => row.mql_id)).size;
    const expectedDeals = deals.length;
    // The figures the foundation issue names, read from the files.
    expect(expectedMqls).toBe(8000);
    expect(expectedDeals).toBe(842);

    const summary = await runImport(ctx.database.db, caller, { format: 'olist', files });
    expect(summary.rejected).toBe(0);
    expect(summary.rowsRead).toBe(mqls.length + deals.length);

    const ws = caller.workspaceId;
    const leads = await one<{ mql: number; customers: number; total: number }>(sql`
      select count(*) filter (where mql_at is not null)::int as mql,
             count(*) filter (where stage = 'customer' and customer_at is not null)::int as customers,
             count(*)::int as total
      from leads where workspace_id = ${ws}`);
    expect(leads).toEqual({ mql: expectedMqls, customers: expectedDeals, total: expectedMqls });

    const opportunities = await one<{
      won: number;
      amounts: number;
      with_qualifier: number;
      on_lead: number;
    }>(sql`
      select count(*) filter (where status = 'won' and closed_at is not null)::int as won,
             count(amount)::int as amounts,
             count(qualifier_id)::int as with_qualifier,
             count(primary_lead_id)::int as on_lead
      from opportunities where workspace_id = ${ws}`);
    expect(opportunities).toEqual({
      won: expectedDeals,
      amounts: 0,
      with_qualifier: expectedDeals,
      on_lead: expectedDeals,
    });

    // Sources as the file has them, blank origins left empty.
    const bySource = new Map<string, number>();
    for (const row of mqls) bySource.set(row.origin ?? '', (bySource.get(row.origin ?? '') ?? 0) + 1);
    const stored = await sql<{ source: string | null; n: number }>`
      select source, count(*)::int as n from leads where workspace_id = ${ws} group by source`.execute(
      ctx.database.db,
    );
    expect(new Map(stored.rows.map((row) => [row.source ?? '', row.n]))).toEqual(bySource);

    // Each deal is owned by its SR and qualified by its SDR (users keyed by their ids).
    const reps = await sql<{ mql: string; owner: string; qualifier: string }>`
      select o.external_id as mql, u.external_id as owner, q.external_id as qualifier
      from opportunities o join users u on u.id = o.owner_id join users q on q.id = o.qualifier_id
      where o.workspace_id = ${ws}`.execute(ctx.database.db);
    const fromFile = new Map(deals.map((row) => [row.mql_id, `${row.sr_id}/${row.sdr_id}`]));
    expect(new Map(reps.rows.map((row) => [row.mql, `${row.owner}/${row.qualifier}`]))).toEqual(fromFile);
    const closers = new Set(deals.map((row) => row.sr_id));
    const people = new Set([...closers, ...deals.map((row) => row.sdr_id)]);
    const users = await sql<{ role: string; status: string; n: number }>`
      select role, status, count(*)::int as n from users where workspace_id = ${ws} group by role, status order by role`.execute(
      ctx.database.db,
    );
    expect(users.rows).toEqual([
      { role: 'sales', status: 'inactive', n: closers.size },
      { role: 'sdr', status: 'inactive', n: people.size - closers.size },
    ]);

    // History: one entry into MQL per lead, one move to customer per deal.
    const events = await sql<{ move: string; n: number }>`
      select coalesce(from_stage, 'new') || '>' || to_stage as move, count(*)::int as n
      from lifecycle_events where workspace_id = ${ws} and origin = 'import' group by 1 order by 1`.execute(
      ctx.database.db,
    );
    expect(events.rows).toEqual([
      { move: 'mql>customer', n: expectedDeals },
      { move: 'new>mql', n: expectedMqls },
    ]);
  });

  it('creates nothing new when imported again', async () => {
    const before = await tableCounts(caller.workspaceId);
    const summary = await runImport(ctx.database.db, caller, { format: 'olist', files });
    expect(summary.created).toBe(0);
    expect(summary.rejected).toBe(0);
    expect(await tableCounts(caller.workspaceId)).toEqual(before);
  });
});

describe('maven-crm', () => {
  const pipeline = parseCsv(`${MAVEN}/sales_pipeline.csv`);
  const accounts = parseCsv(`${MAVEN}/accounts.csv`);
  const products = parseCsv(`${MAVEN}/products.csv`);
  const teams = parseCsv(`${MAVEN}/sales_teams.csv`);
  const files = ['sales_pipeline', 'products', 'accounts', 'sales_teams'].map((name) => ({
    path: `${MAVEN}/${name}.csv`,
  }));
  let caller: Caller;

  beforeAll(async () => {
    caller = await workspace('maven');
  });

  it('gives the pipeline with its won and lost deals and the won value', async () => {
    const won = pipeline.filter((row) => row.deal_stage === 'Won');
    const lost = pipeline.filter((row) => row.deal_stage === 'Lost');
    const wonValue = won.reduce((sum, row) => sum + Number(row.close_value), 0);
    expect([pipeline.length, won.length, lost.length, wonValue]).toEqual([8800, 4238, 2473, 10_005_534]);

    const summary = await runImport(ctx.database.db, caller, { format: 'maven-crm', files });
    expect(summary.rejected).toBe(0);
    expect(summary.rowsRead).toBe(pipeline.length + accounts.length + products.length + teams.length);

    const ws = caller.workspaceId;
    const totals = await one<{
      total: number;
      won: number;
      lost: number;
      open: number;
      won_value: number;
    }>(sql`
      select count(*)::int as total,
             count(*) filter (where status = 'won')::int as won,
             count(*) filter (where status = 'lost')::int as lost,
             count(*) filter (where status = 'open')::int as open,
             coalesce(sum(amount) filter (where status = 'won'), 0)::float8 as won_value
      from opportunities where workspace_id = ${ws}`);
    expect(totals).toEqual({
      total: pipeline.length,
      won: won.length,
      lost: lost.length,
      open: pipeline.length - won.length - lost.length,
      won_value: wonValue,
    });

    // Every deal has its product, GTXPro included; open deals may have no account.
    const perProduct = new Map<string, number>();
    for (const row of pipeline) {
      const key = (row.product ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
      perProduct.set(key, (perProduct.get(key) ?? 0) + 1);
    }
    const storedProducts = await sql<{ name: string; n: number }>`
      select p.name, count(o.id)::int as n from products p left join opportunities o on o.product_id = p.id
      where p.workspace_id = ${ws} group by p.name`.execute(ctx.database.db);
    expect(storedProducts.rows).toHaveLength(products.length);
    expect(
      new Map(storedProducts.rows.map((row) => [row.name.toLowerCase().replace(/[^a-z0-9]/g, ''), row.n])),
    ).toEqual(perProduct);
    const withoutAccount = await one<{ n: number; open: number }>(sql`
      select count(*)::int as n, count(*) filter (where status = 'open')::int as open
      from opportunities where workspace_id = ${ws} and account_id is null`);
    const blank = pipeline.filter((row) => row.account === '');
    expect(withoutAccount).toEqual({ n: blank.length, open: blank.length });

    // Closed deals close on close_date and opened on engage_date.
    const sample = won[0] as Record<string, string>;
    const stored = await one<{ closed_at: Date; created_at: Date; amount: number; stage: string }>(sql`
      select closed_at, created_at, amount, stage from opportunities where workspace_id = ${ws} and external_id = ${sample.opportunity_id}`);
    expect(stored.closed_at.toISOString().slice(0, 10)).toBe(sample.close_date);
    expect(stored.created_at.toISOString().slice(0, 10)).toBe(sample.engage_date);
    expect(stored).toMatchObject({ amount: Number(sample.close_value), stage: 'Won' });
  });

  it('builds users, one team per manager, and accounts with their parents', async () => {
    const ws = caller.workspaceId;
    const managers = new Set(teams.map((row) => row.manager));
    const agents = new Set(teams.map((row) => row.sales_agent));
    const users = await one<{ n: number; active: number }>(sql`
      select count(*)::int as n, count(*) filter (where status = 'active')::int as active from users where workspace_id = ${ws}`);
    expect(users).toEqual({ n: managers.size + agents.size, active: managers.size + agents.size });
    const agentRows = await sql<{ agent: string; manager: string; team: string; team_manager: string }>`
      select u.name as agent, m.name as manager, t.name as team, tm.name as team_manager
      from users u join users m on m.id = u.manager_id join teams t on t.id = u.team_id join users tm on tm.id = t.manager_id
      where u.workspace_id = ${ws}`.execute(ctx.database.db);
    expect(agentRows.rows).toHaveLength(agents.size);
    for (const row of teams) {
      const stored = agentRows.rows.find((candidate) => candidate.agent === row.sales_agent);
      expect(stored).toEqual({
        agent: row.sales_agent,
        manager: row.manager,
        team: `${row.regional_office} - ${row.manager}`,
        team_manager: row.manager,
      });
    }
    const teamCount = await one<{ n: number }>(
      sql`select count(*)::int as n from teams where workspace_id = ${ws}`,
    );
    expect(teamCount.n).toBe(managers.size);

    const parents = await sql<{
      name: string;
      parent: string | null;
      industry: string;
      annual_revenue: number;
    }>`
      select a.name, p.name as parent, a.industry, a.annual_revenue::float8 as annual_revenue
      from accounts a left join accounts p on p.id = a.parent_account_id where a.workspace_id = ${ws}`.execute(
      ctx.database.db,
    );
    expect(parents.rows).toHaveLength(accounts.length);
    for (const row of accounts) {
      const stored = parents.rows.find((candidate) => candidate.name === row.account);
      expect(stored?.parent ?? '').toBe(row.subsidiary_of);
      // Sectors stay as written (the data's `technolgy` included); revenue is in millions.
      expect(stored?.industry).toBe(row.sector);
      expect(stored?.annual_revenue).toBeCloseTo(Number(row.revenue) * 1_000_000, 0);
    }
  });

  it('creates nothing new when imported again', async () => {
    const before = await tableCounts(caller.workspaceId);
    const summary = await runImport(ctx.database.db, caller, { format: 'maven-crm', files });
    expect(summary.created).toBe(0);
    // Each row updates its record; each manager's user and team are updated once more.
    const managers = new Set(teams.map((row) => row.manager)).size;
    expect(summary.updated).toBe(
      pipeline.length + accounts.length + products.length + teams.length + 2 * managers,
    );
    expect(await tableCounts(caller.workspaceId)).toEqual(before);
  });
});
