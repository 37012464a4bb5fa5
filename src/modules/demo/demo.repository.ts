import { type Kysely, sql } from 'kysely';
import { type BulkColumn, bulkInsert, unnestSource } from '../../db/bulk.ts';
import type { DB } from '../../db/schema.ts';
import type { LifecycleStage } from '../../db/tables/foundation.ts';
import { STAGE_REACHED_COLUMN } from '../lifecycle/lifecycle.ts';
import type {
  CompanyPlan,
  GeneratedActivity,
  GeneratedAssignment,
  GeneratedFeedback,
  GeneratedInsight,
  GeneratedLead,
  GeneratedOpportunity,
  GeneratedTouch,
  GeneratedUnit,
  PlannedCampaign,
  PlannedUser,
} from './demo.ts';

/** Rows per INSERT statement: large enough to amortise the round trip, small enough for PGlite's memory. */
const STATEMENT_ROWS = 25_000;

async function insertAll<Row>(
  db: Kysely<DB>,
  table: string,
  rows: readonly Row[],
  columns: readonly BulkColumn<Row>[],
): Promise<void> {
  for (let start = 0; start < rows.length; start += STATEMENT_ROWS) {
    await bulkInsert(db, table, rows.slice(start, start + STATEMENT_ROWS), columns, []);
  }
}

async function insertReturningIds<Row>(
  db: Kysely<DB>,
  table: string,
  rows: readonly Row[],
  columns: readonly BulkColumn<Row>[],
): Promise<number[]> {
  const ids: number[] = [];
  for (let start = 0; start < rows.length; start += STATEMENT_ROWS) {
    const inserted = await bulkInsert(db, table, rows.slice(start, start + STATEMENT_ROWS), columns);
    for (const row of inserted) ids.push(row.id);
  }
  return ids;
}

const at = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms));

export async function workspaceHasLeads(db: Kysely<DB>, workspaceId: number): Promise<boolean> {
  const row = await db
    .selectFrom('leads')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Whether a workspace already has rows in an area's table (settings are then left as they are). */
export async function workspaceHasRows(db: Kysely<DB>, table: string, workspaceId: number): Promise<boolean> {
  const result = await sql<{ found: boolean }>`
    select exists (select 1 from ${sql.table(table)} where workspace_id = ${workspaceId}) as found`.execute(
    db,
  );
  return result.rows[0]?.found === true;
}

/** Dates the workspace's SLA policies back, so recent history's handoffs fall under them. */
export async function backdateSlaPolicies(db: Kysely<DB>, workspaceId: number, since: Date): Promise<void> {
  await db
    .updateTable('sla_policies')
    .set({ created_at: since })
    .where('workspace_id', '=', workspaceId)
    .execute();
}

export async function anyWorkspaceExists(db: Kysely<DB>): Promise<boolean> {
  return (await db.selectFrom('workspaces').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/** Serialises demo generation across processes sharing one PostgreSQL (released at commit). */
export async function lockDemoGeneration(db: Kysely<DB>): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('tandem.demo.generate'))`.execute(db);
}

/** Every table of the schema with a workspace_id column, children before the tables they reference. */
export async function tenantTablesChildFirst(db: Kysely<DB>): Promise<string[]> {
  const tables = await sql<{ name: string }>`
    select c.relname as name
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    where a.attname = 'workspace_id' and not a.attisdropped and c.relkind in ('r', 'p')
      and n.nspname = current_schema() and c.relname <> 'workspaces'
    order by c.relname`.execute(db);
  const references = await sql<{ child: string; parent: string }>`
    select child.relname as child, parent.relname as parent
    from pg_constraint k
    join pg_class child on child.oid = k.conrelid
    join pg_class parent on parent.oid = k.confrelid
    join pg_namespace n on n.oid = child.relnamespace
    where k.contype = 'f' and n.nspname = current_schema() and child.oid <> parent.oid`.execute(db);
  const names = tables.rows.map((row) => row.name);
  const known = new Set(names);
  const parentsOf = new Map<string, Set<string>>(names.map((name) => [name, new Set()]));
  for (const { child, parent } of references.rows) {
    if (known.has(child) && known.has(parent)) parentsOf.get(child)?.add(parent);
  }
  // Depth-first: a table is emitted after every table that references it.
  const childrenOf = new Map<string, string[]>(names.map((name) => [name, []]));
  for (const [child, parents] of parentsOf) for (const parent of parents) childrenOf.get(parent)?.push(child);
  const ordered: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string) => {
    if (state.get(name)) return;
    state.set(name, 'visiting');
    for (const child of childrenOf.get(name) ?? []) visit(child);
    state.set(name, 'done');
    ordered.push(name);
  };
  for (const name of names) visit(name);
  return ordered;
}

/**
 * Deletes everything a workspace holds and creates it again under the same slug and name
 * (a new id), so every area's on-create defaults (such as the rejection reasons) are
 * there as for a new workspace. When it is the store's only workspace every tenant row is
 * its own and the tables are truncated (instant at any size); otherwise its rows are
 * deleted table by table, children first.
 */
export async function recreateWorkspace(
  db: Kysely<DB>,
  workspace: { id: number; slug: string; name: string },
): Promise<{ workspace: { id: number; slug: string; name: string }; how: 'truncated' | 'deleted' }> {
  const tables = await tenantTablesChildFirst(db);
  const other = await db
    .selectFrom('workspaces')
    .select('id')
    .where('id', '<>', workspace.id)
    .limit(1)
    .executeTakeFirst();
  if (!other) {
    await sql`truncate table ${sql.join([...tables, 'workspaces'].map((table) => sql.table(table)))} cascade`.execute(
      db,
    );
  } else {
    // Each deleted row makes PostgreSQL look up the rows referencing it; a foreign key
    // column no index starts with turns that into a scan of the whole table per row. Such
    // columns get an index for the time of the deletion.
    const helpers = await unindexedForeignKeys(db);
    for (const [position, { table, column }] of helpers.entries()) {
      await sql`create index ${sql.id(`demo_reset_${position}`)} on ${sql.table(table)} (${sql.ref(column)})`.execute(
        db,
      );
    }
    for (const table of tables) {
      await sql`delete from ${sql.table(table)} where workspace_id = ${workspace.id}`.execute(db);
    }
    await db.deleteFrom('workspaces').where('id', '=', workspace.id).execute();
    for (const position of helpers.keys())
      await sql`drop index ${sql.id(`demo_reset_${position}`)}`.execute(db);
  }
  const created = await db
    .insertInto('workspaces')
    .values({ slug: workspace.slug, name: workspace.name })
    .returning(['id', 'slug', 'name'])
    .executeTakeFirstOrThrow();
  return { workspace: created, how: other ? 'deleted' : 'truncated' };
}

/** Single-column foreign keys whose column is not the first column of any full index. */
async function unindexedForeignKeys(db: Kysely<DB>): Promise<{ table: string; column: string }[]> {
  const result = await sql<{ table: string; column: string }>`
    select distinct c.relname as table, a.attname as column
    from pg_constraint k
    join pg_class c on c.oid = k.conrelid
    join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
    where k.contype = 'f' and cardinality(k.conkey) = 1 and n.nspname = current_schema()
      and not exists (
        select 1 from pg_index i
        where i.indrelid = k.conrelid and i.indpred is null and i.indkey[0] = k.conkey[1])
    order by 1, 2`.execute(db);
  return result.rows;
}

// ---------------------------------------------------------------------------------------
// Company: teams, users, products, campaigns

export async function upsertTeams(
  db: Kysely<DB>,
  workspaceId: number,
  teams: readonly { name: string }[],
  createdAt: Date,
): Promise<number[]> {
  const source = unnestSource(teams, [{ name: 'name', type: 'text', value: (team) => team.name }]);
  const result = await sql<{ id: number; name: string }>`
    insert into teams (workspace_id, name, created_at)
    select ${workspaceId}, src.c0, ${createdAt} from ${source} with ordinality as src(c0, n)
    order by src.n
    on conflict (workspace_id, name) do update set name = excluded.name
    returning id, name`.execute(db);
  const byName = new Map(result.rows.map((row) => [row.name, row.id]));
  return teams.map((team) => byName.get(team.name) as number);
}

/**
 * Inserts the demo users, keeping any user of the workspace that already has one of their
 * emails (say an admin created before the demo). Returns ids in plan order.
 */
export async function upsertUsers(
  db: Kysely<DB>,
  workspaceId: number,
  users: readonly PlannedUser[],
  teamIds: ReadonlyMap<string, number>,
  passwordHash: string,
): Promise<number[]> {
  const existing = await db
    .selectFrom('users')
    .select(['id', 'email'])
    .where('workspace_id', '=', workspaceId)
    .where(
      sql<string>`lower(email)`,
      'in',
      users.map((user) => user.email.toLowerCase()),
    )
    .execute();
  const existingByEmail = new Map(existing.map((row) => [row.email.toLowerCase(), row.id]));
  const fresh = users.filter((user) => !existingByEmail.has(user.email));
  const ids = await insertReturningIds(db, 'users', fresh, [
    { name: 'workspace_id', type: 'int4', value: () => workspaceId },
    { name: 'email', type: 'text', value: (user) => user.email },
    { name: 'name', type: 'text', value: (user) => user.name },
    { name: 'role', type: 'text', value: (user) => user.role },
    { name: 'team_id', type: 'int4', value: (user) => (user.team ? teamIds.get(user.team) : null) },
    { name: 'status', type: 'text', value: (user) => user.status },
    { name: 'password_hash', type: 'text', value: () => passwordHash },
    { name: 'created_at', type: 'timestamptz', value: (user) => new Date(user.createdAt) },
    { name: 'updated_at', type: 'timestamptz', value: (user) => new Date(user.createdAt) },
  ]);
  const freshIds = new Map(fresh.map((user, position) => [user.email, ids[position] as number]));
  return users.map((user) => existingByEmail.get(user.email) ?? (freshIds.get(user.email) as number));
}

export async function setManagers(
  db: Kysely<DB>,
  workspaceId: number,
  pairs: readonly { id: number; managerId: number | null; capacity: number | null }[],
): Promise<void> {
  if (pairs.length === 0) return;
  const source = unnestSource(pairs, [
    { name: 'id', type: 'int4', value: (pair) => pair.id },
    { name: 'manager_id', type: 'int4', value: (pair) => pair.managerId },
    { name: 'capacity', type: 'int4', value: (pair) => pair.capacity },
  ]);
  await sql`
    update users set manager_id = src.c1, capacity = coalesce(src.c2, users.capacity)
    from ${source} as src(c0, c1, c2)
    where users.workspace_id = ${workspaceId} and users.id = src.c0`.execute(db);
}

export async function setTeamManagers(
  db: Kysely<DB>,
  workspaceId: number,
  pairs: readonly { teamId: number; managerId: number }[],
): Promise<void> {
  if (pairs.length === 0) return;
  const source = unnestSource(pairs, [
    { name: 'team_id', type: 'int4', value: (pair) => pair.teamId },
    { name: 'manager_id', type: 'int4', value: (pair) => pair.managerId },
  ]);
  await sql`
    update teams set manager_id = src.c1
    from ${source} as src(c0, c1)
    where teams.workspace_id = ${workspaceId} and teams.id = src.c0`.execute(db);
}

export async function upsertProducts(
  db: Kysely<DB>,
  workspaceId: number,
  products: CompanyPlan['products'],
  createdAt: Date,
): Promise<number[]> {
  const source = unnestSource(products, [
    { name: 'name', type: 'text', value: (product) => product.name },
    { name: 'series', type: 'text', value: (product) => product.series },
    { name: 'price', type: 'numeric', value: (product) => product.price },
  ]);
  const result = await sql<{ id: number; name: string }>`
    insert into products (workspace_id, name, series, price, created_at)
    select ${workspaceId}, src.c0, src.c1, src.c2, ${createdAt}
    from ${source} with ordinality as src(c0, c1, c2, n)
    order by src.n
    on conflict (workspace_id, name) do update set series = excluded.series, price = excluded.price
    returning id, name`.execute(db);
  const byName = new Map(result.rows.map((row) => [row.name, row.id]));
  return products.map((product) => byName.get(product.name) as number);
}

/** Programs first, then their campaigns (which point at them). Returns ids in plan order. */
export async function insertCampaigns(
  db: Kysely<DB>,
  workspaceId: number,
  campaigns: readonly PlannedCampaign[],
  userIds: ReadonlyMap<string, number>,
): Promise<number[]> {
  const ids = new Array<number>(campaigns.length);
  const columns = (parentIds: number[]): BulkColumn<{ campaign: PlannedCampaign; position: number }>[] => [
    { name: 'workspace_id', type: 'int4', value: () => workspaceId },
    { name: 'name', type: 'text', value: ({ campaign }) => campaign.name },
    { name: 'channel', type: 'text', value: ({ campaign }) => campaign.channel },
    { name: 'type', type: 'text', value: ({ campaign }) => campaign.type },
    { name: 'status', type: 'text', value: ({ campaign }) => campaign.status },
    { name: 'cost', type: 'numeric', value: ({ campaign }) => campaign.cost },
    { name: 'budget', type: 'numeric', value: ({ campaign }) => campaign.budget },
    { name: 'start_date', type: 'date', value: ({ campaign }) => campaign.startDate },
    { name: 'end_date', type: 'date', value: ({ campaign }) => campaign.endDate },
    { name: 'owner_id', type: 'int4', value: ({ campaign }) => userIds.get(campaign.owner) ?? null },
    {
      name: 'parent_id',
      type: 'int4',
      value: ({ campaign }) => (campaign.parent === null ? null : parentIds[campaign.parent]),
    },
    { name: 'created_at', type: 'timestamptz', value: ({ campaign }) => new Date(campaign.createdAt) },
    { name: 'updated_at', type: 'timestamptz', value: ({ campaign }) => new Date(campaign.createdAt) },
  ];
  const entries = campaigns.map((campaign, position) => ({ campaign, position }));
  for (const level of [
    entries.filter(({ campaign }) => campaign.parent === null),
    entries.filter(({ campaign }) => campaign.parent !== null),
  ]) {
    const inserted = await insertReturningIds(db, 'campaigns', level, columns(ids));
    level.forEach(({ position }, index) => {
      ids[position] = inserted[index] as number;
    });
  }
  return ids;
}

// ---------------------------------------------------------------------------------------
// Units: accounts, leads and everything hanging off them

export interface PlanIds {
  users: readonly number[];
  teams: ReadonlyMap<string, number>;
  campaigns: readonly number[];
  products: readonly number[];
}

export interface UnitCounts {
  accounts: number;
  leads: number;
  touchpoints: number;
  lifecycle_events: number;
  activities: number;
  opportunities: number;
  opportunity_contacts: number;
  lead_feedback: number;
  lead_assignments: number;
  insights: number;
}

const REACHED_STAGES = Object.keys(STAGE_REACHED_COLUMN) as LifecycleStage[];

interface LeadRef {
  lead: GeneratedLead;
  accountId: number | null;
}

/** Writes a batch of units with one set-based INSERT per table (split every 25,000 rows). */
export async function insertUnits(
  db: Kysely<DB>,
  workspaceId: number,
  ids: PlanIds,
  units: readonly GeneratedUnit[],
): Promise<UnitCounts> {
  const user = (position: number | null) => (position === null ? null : (ids.users[position] ?? null));
  const campaign = (position: number | null) =>
    position === null ? null : (ids.campaigns[position] ?? null);

  const withAccount = units.filter((unit) => unit.account !== null);
  const accountIds = await insertReturningIds(db, 'accounts', withAccount, [
    { name: 'workspace_id', type: 'int4', value: () => workspaceId },
    { name: 'name', type: 'text', value: (unit) => unit.account!.name },
    { name: 'domain', type: 'text', value: (unit) => unit.account!.domain },
    { name: 'industry', type: 'text', value: (unit) => unit.account!.industry },
    { name: 'employees', type: 'int4', value: (unit) => unit.account!.employees },
    { name: 'annual_revenue', type: 'numeric', value: (unit) => unit.account!.annualRevenue },
    { name: 'country', type: 'text', value: (unit) => unit.account!.country },
    { name: 'region', type: 'text', value: (unit) => unit.account!.region },
    { name: 'owner_id', type: 'int4', value: (unit) => user(unit.account!.owner) },
    { name: 'custom_fields', type: 'jsonb', value: (unit) => JSON.stringify(unit.account!.customFields) },
    { name: 'created_at', type: 'timestamptz', value: (unit) => new Date(unit.account!.createdAt) },
    { name: 'updated_at', type: 'timestamptz', value: (unit) => new Date(unit.account!.updatedAt) },
  ]);
  const accountOf = new Map(withAccount.map((unit, position) => [unit, accountIds[position] as number]));

  const leadRefs: LeadRef[] = [];
  for (const unit of units) {
    const accountId = accountOf.get(unit) ?? null;
    for (const lead of unit.leads) leadRefs.push({ lead, accountId });
  }
  const leadColumns: BulkColumn<LeadRef>[] = [
    { name: 'workspace_id', type: 'int4', value: () => workspaceId },
    { name: 'email', type: 'text', value: ({ lead }) => lead.email },
    { name: 'first_name', type: 'text', value: ({ lead }) => lead.firstName },
    { name: 'last_name', type: 'text', value: ({ lead }) => lead.lastName },
    { name: 'title', type: 'text', value: ({ lead }) => lead.title },
    { name: 'phone', type: 'text', value: ({ lead }) => lead.phone },
    { name: 'company', type: 'text', value: ({ lead }) => lead.company },
    { name: 'account_id', type: 'int4', value: ({ accountId }) => accountId },
    { name: 'country', type: 'text', value: ({ lead }) => lead.country },
    { name: 'region', type: 'text', value: ({ lead }) => lead.region },
    { name: 'industry', type: 'text', value: ({ lead }) => lead.industry },
    { name: 'employees', type: 'int4', value: ({ lead }) => lead.employees },
    { name: 'source', type: 'text', value: ({ lead }) => lead.source },
    { name: 'source_detail', type: 'text', value: ({ lead }) => lead.sourceDetail },
    { name: 'first_utm_source', type: 'text', value: ({ lead }) => lead.firstUtm?.source },
    { name: 'first_utm_medium', type: 'text', value: ({ lead }) => lead.firstUtm?.medium },
    { name: 'first_utm_campaign', type: 'text', value: ({ lead }) => lead.firstUtm?.campaign },
    { name: 'first_utm_term', type: 'text', value: ({ lead }) => lead.firstUtm?.term },
    { name: 'first_utm_content', type: 'text', value: ({ lead }) => lead.firstUtm?.content },
    { name: 'last_utm_source', type: 'text', value: ({ lead }) => lead.lastUtm?.source },
    { name: 'last_utm_medium', type: 'text', value: ({ lead }) => lead.lastUtm?.medium },
    { name: 'last_utm_campaign', type: 'text', value: ({ lead }) => lead.lastUtm?.campaign },
    { name: 'last_utm_term', type: 'text', value: ({ lead }) => lead.lastUtm?.term },
    { name: 'last_utm_content', type: 'text', value: ({ lead }) => lead.lastUtm?.content },
    { name: 'first_campaign_id', type: 'int4', value: ({ lead }) => campaign(lead.firstCampaign) },
    { name: 'stage', type: 'text', value: ({ lead }) => lead.stage },
    { name: 'lead_status', type: 'text', value: ({ lead }) => lead.leadStatus },
    { name: 'temperature', type: 'text', value: ({ lead }) => lead.temperature },
    { name: 'owner_id', type: 'int4', value: ({ lead }) => user(lead.owner) },
    { name: 'assigned_at', type: 'timestamptz', value: ({ lead }) => at(lead.assignedAt) },
    { name: 'fit_score', type: 'int4', value: ({ lead }) => lead.fitScore },
    { name: 'engagement_score', type: 'int4', value: ({ lead }) => lead.engagementScore },
    { name: 'custom_fields', type: 'jsonb', value: ({ lead }) => JSON.stringify(lead.customFields) },
    { name: 'created_at', type: 'timestamptz', value: ({ lead }) => new Date(lead.createdAt) },
    { name: 'updated_at', type: 'timestamptz', value: ({ lead }) => new Date(lead.updatedAt) },
    ...REACHED_STAGES.map(
      (stage): BulkColumn<LeadRef> => ({
        name: STAGE_REACHED_COLUMN[stage],
        type: 'timestamptz',
        value: ({ lead }) => at(lead.reached[stage]),
      }),
    ),
  ];
  const leadIds = await insertReturningIds(db, 'leads', leadRefs, leadColumns);
  const leadIdOf = new Map(leadRefs.map(({ lead }, position) => [lead, leadIds[position] as number]));

  const feedback: { leadId: number; row: GeneratedFeedback }[] = [];
  const assignments: { leadId: number; row: GeneratedAssignment }[] = [];
  const insights: {
    leadId: number;
    accountId: number | null;
    opportunityId: number | null;
    row: GeneratedInsight;
  }[] = [];
  const touches: { leadId: number; touch: GeneratedTouch }[] = [];
  const events: { leadId: number; event: GeneratedLead['events'][number] }[] = [];
  const activities: { leadId: number; opportunityId: number | null; activity: GeneratedActivity }[] = [];
  for (const { lead, accountId } of leadRefs) {
    const leadId = leadIdOf.get(lead) as number;
    for (const touch of lead.touchpoints) touches.push({ leadId, touch });
    for (const event of lead.events) events.push({ leadId, event });
    for (const activity of lead.activities) activities.push({ leadId, opportunityId: null, activity });
    for (const row of lead.feedback) feedback.push({ leadId, row });
    for (const row of lead.assignments) assignments.push({ leadId, row });
    for (const row of lead.insights) insights.push({ leadId, accountId, opportunityId: null, row });
  }
  await insertAll(db, 'touchpoints', touches, [
    { name: 'workspace_id', type: 'int4', value: () => workspaceId },
    { name: 'lead_id', type: 'int4', value: (row) => row.leadId },
    { name: 'type', type: 'text', value: (row) => row.touch.type },
    { name: 'occurred_at', type: 'timestamptz', value: (row) => new Date(row.touch.at) },
    { name: 'channel', type: 'text', value: (row) => row.touch.channel },
    { name: 'campaign_id', type: 'int4', value: (row) => campaign(row.touch.campaign) },
    { name: 'utm_source', type: 'text', value: (row) => row.touch.utm?.source },
    { name: 'utm_medium', type: 'text', value: (row) => row.touch.utm?.medium },
    { name: 'utm_campaign', type: 'text', value: (row) => row.touch.utm?.campaign },
    { name: 'utm_term', type: 'text', value: (row) => row.touch.utm?.term },
    { name: 'utm_content', type: 'text', value: (row) => row.touch.utm?.content },
    { name: 'metadata', type: 'jsonb', value: (row) => row.touch.metadata },
    { name: 'created_at', type: 'timestamptz', value: (row) => new Date(row.touch.at) },
  ]);
  await insertAll(db, 'lifecycle_events', events, [
    { name: 'workspace_id', type: 'int4', value: () => workspaceId },
    { name: 'lead_id', type: 'int4', value: (row) => row.leadId },
    { name: 'from_stage', type: 'text', value: (row) => row.event.from },
    { name: 'to_stage', type: 'text', value: (row) => row.event.to },
    { name: 'occurred_at', type: 'timestamptz', value: (row) => new Date(row.event.at) },
    { name: 'actor_id', type: 'int4', value: (row) => user(row.event.actor) },
    { name: 'origin', type: 'text', value: (row) => row.event.origin },
    { name: 'reason', type: 'text', value: (row) => row.event.reason },
    { name: 'created_at', type: 'timestamptz', value: (row) => new Date(row.event.at) },
  ]);

  const opportunityRefs: { unit: GeneratedUnit; opportunity: GeneratedOpportunity }[] = [];
  for (const unit of units)
    for (const opportunity of unit.opportunities) opportunityRefs.push({ unit, opportunity });
  const leadIdIn = (unit: GeneratedUnit, position: number) => leadIdOf.get(unit.leads[position]!) as number;
  const opportunityIds = await insertReturningIds(db, 'opportunities', opportunityRefs, [
    { name: 'workspace_id', type: 'int4', value: () => workspaceId },
    { name: 'name', type: 'text', value: ({ opportunity }) => opportunity.name },
    { name: 'account_id', type: 'int4', value: ({ unit }) => accountOf.get(unit) ?? null },
    {
      name: 'primary_lead_id',
      type: 'int4',
      value: ({ unit, opportunity }) => leadIdIn(unit, opportunity.primaryLead),
    },
    { name: 'owner_id', type: 'int4', value: ({ opportunity }) => user(opportunity.owner) },
    { name: 'qualifier_id', type: 'int4', value: ({ opportunity }) => user(opportunity.qualifier) },
    { name: 'product_id', type: 'int4', value: ({ opportunity }) => ids.products[opportunity.product] },
    { name: 'amount', type: 'numeric', value: ({ opportunity }) => opportunity.amount },
    { name: 'currency', type: 'text', value: () => 'USD' },
    { name: 'stage', type: 'text', value: ({ opportunity }) => opportunity.stage },
    { name: 'status', type: 'text', value: ({ opportunity }) => opportunity.status },
    { name: 'created_at', type: 'timestamptz', value: ({ opportunity }) => new Date(opportunity.createdAt) },
    { name: 'updated_at', type: 'timestamptz', value: ({ opportunity }) => new Date(opportunity.updatedAt) },
    { name: 'close_date', type: 'date', value: ({ opportunity }) => opportunity.closeDate },
    { name: 'closed_at', type: 'timestamptz', value: ({ opportunity }) => at(opportunity.closedAt) },
    { name: 'reason', type: 'text', value: ({ opportunity }) => opportunity.reason },
    { name: 'competitor', type: 'text', value: ({ opportunity }) => opportunity.competitor },
    { name: 'source', type: 'text', value: ({ opportunity }) => opportunity.source },
    { name: 'segment', type: 'text', value: ({ opportunity }) => opportunity.segment },
  ]);
  const contacts: { opportunityId: number; leadId: number; role: string }[] = [];
  opportunityRefs.forEach(({ unit, opportunity }, position) => {
    const opportunityId = opportunityIds[position] as number;
    for (const contact of opportunity.contacts) {
      contacts.push({ opportunityId, leadId: leadIdIn(unit, contact.lead), role: contact.role });
    }
    const leadId = leadIdIn(unit, opportunity.primaryLead);
    for (const activity of opportunity.activities) activities.push({ leadId, opportunityId, activity });
    for (const row of opportunity.insights) {
      insights.push({ leadId, accountId: accountOf.get(unit) ?? null, opportunityId, row });
    }
  });
  await insertAll(db, 'opportunity_contacts', contacts, [
    { name: 'workspace_id', type: 'int4', value: () => workspaceId },
    { name: 'opportunity_id', type: 'int4', value: (row) => row.opportunityId },
    { name: 'lead_id', type: 'int4', value: (row) => row.leadId },
    { name: 'role', type: 'text', value: (row) => row.role },
  ]);
  await insertAll(db, 'activities', activities, [
    { name: 'workspace_id', type: 'int4', value: () => workspaceId },
    { name: 'lead_id', type: 'int4', value: (row) => row.leadId },
    { name: 'opportunity_id', type: 'int4', value: (row) => row.opportunityId },
    { name: 'type', type: 'text', value: (row) => row.activity.type },
    { name: 'outcome', type: 'text', value: (row) => row.activity.outcome },
    { name: 'notes', type: 'text', value: (row) => row.activity.notes },
    { name: 'occurred_at', type: 'timestamptz', value: (row) => new Date(row.activity.at) },
    { name: 'actor_id', type: 'int4', value: (row) => user(row.activity.actor) },
    { name: 'created_at', type: 'timestamptz', value: (row) => new Date(row.activity.at) },
  ]);
  await insertAll(db, 'lead_feedback', feedback, [
    { name: 'workspace_id', type: 'int4', value: () => workspaceId },
    { name: 'lead_id', type: 'int4', value: (item) => item.leadId },
    { name: 'decision', type: 'text', value: (item) => item.row.decision },
    { name: 'reason_code', type: 'text', value: (item) => item.row.reasonCode },
    { name: 'note', type: 'text', value: (item) => item.row.note },
    { name: 'outcome', type: 'text', value: (item) => item.row.outcome },
    { name: 'handoff_at', type: 'timestamptz', value: (item) => new Date(item.row.handoffAt) },
    { name: 'owner_id', type: 'int4', value: (item) => user(item.row.owner) },
    { name: 'decided_by', type: 'int4', value: (item) => user(item.row.owner) },
    { name: 'decided_at', type: 'timestamptz', value: (item) => new Date(item.row.decidedAt) },
    { name: 'created_at', type: 'timestamptz', value: (item) => new Date(item.row.decidedAt) },
  ]);
  await insertAll(db, 'lead_assignments', assignments, [
    { name: 'workspace_id', type: 'int4', value: () => workspaceId },
    { name: 'lead_id', type: 'int4', value: (item) => item.leadId },
    { name: 'user_id', type: 'int4', value: (item) => user(item.row.user) },
    { name: 'previous_owner_id', type: 'int4', value: (item) => user(item.row.previousOwner) },
    { name: 'rule_name', type: 'text', value: (item) => item.row.ruleName },
    { name: 'team_id', type: 'int4', value: (item) => (item.row.team ? ids.teams.get(item.row.team) : null) },
    { name: 'reason', type: 'text', value: (item) => item.row.reason },
    { name: 'assigned_at', type: 'timestamptz', value: (item) => new Date(item.row.assignedAt) },
    { name: 'created_at', type: 'timestamptz', value: (item) => new Date(item.row.assignedAt) },
  ]);
  await insertAll(db, 'insights', insights, [
    { name: 'workspace_id', type: 'int4', value: () => workspaceId },
    { name: 'type', type: 'text', value: (item) => item.row.type },
    { name: 'lead_id', type: 'int4', value: (item) => item.leadId },
    { name: 'account_id', type: 'int4', value: (item) => item.accountId },
    { name: 'opportunity_id', type: 'int4', value: (item) => item.opportunityId },
    { name: 'competitor', type: 'text', value: (item) => item.row.competitor },
    { name: 'body', type: 'text', value: (item) => item.row.body },
    { name: 'source', type: 'text', value: (item) => item.row.source },
    { name: 'occurred_at', type: 'timestamptz', value: (item) => new Date(item.row.at) },
    { name: 'created_by', type: 'int4', value: (item) => user(item.row.author) },
    { name: 'created_at', type: 'timestamptz', value: (item) => new Date(item.row.at) },
  ]);
  return {
    lead_feedback: feedback.length,
    lead_assignments: assignments.length,
    insights: insights.length,
    accounts: accountIds.length,
    leads: leadIds.length,
    touchpoints: touches.length,
    lifecycle_events: events.length,
    activities: activities.length,
    opportunities: opportunityIds.length,
    opportunity_contacts: contacts.length,
  };
}

/**
 * Capacity in open handed-off leads (mql, sal): each SDR gets room above what they hold
 * now, and the one named in `atCapacity` exactly what they hold, so routing has someone to skip.
 */
export async function setSdrCapacity(
  db: Kysely<DB>,
  workspaceId: number,
  sdrIds: readonly number[],
  atCapacity: number | null,
): Promise<void> {
  if (sdrIds.length === 0) return;
  await sql`
    update users set capacity = case
        when users.id = ${atCapacity} then coalesce(held.open, 0)
        else greatest(20, ceil(coalesce(held.open, 0) * 1.25)::int)
      end
    from unnest(${[...sdrIds]}::int4[]) as sdr(id)
    left join (
      select owner_id, count(*)::int as open from leads
      where workspace_id = ${workspaceId} and stage in ('mql', 'sal') and owner_id is not null
      group by owner_id
    ) held on held.owner_id = sdr.id
    where users.workspace_id = ${workspaceId} and users.id = sdr.id`.execute(db);
}

/** Leads that reached MQL per month ('YYYY-MM'), for marketing's commitments. */
export async function mqlsByMonth(db: Kysely<DB>, workspaceId: number): Promise<Map<string, number>> {
  const result = await sql<{ month: string; mqls: number }>`
    select to_char(mql_at at time zone 'UTC', 'YYYY-MM') as month, count(*)::int as mqls
    from leads where workspace_id = ${workspaceId} and mql_at is not null
    group by 1`.execute(db);
  return new Map(result.rows.map((row) => [row.month, row.mqls]));
}

/** Won revenue per quarter ('YYYY-Qn') by close moment, for the revenue goals. */
export async function wonRevenueByQuarter(db: Kysely<DB>, workspaceId: number): Promise<Map<string, number>> {
  const result = await sql<{ quarter: string; revenue: number }>`
    select to_char(closed_at at time zone 'UTC', 'YYYY-"Q"Q') as quarter, sum(amount)::float8 as revenue
    from opportunities where workspace_id = ${workspaceId} and status = 'won'
    group by 1`.execute(db);
  return new Map(result.rows.map((row) => [row.quarter, row.revenue]));
}
