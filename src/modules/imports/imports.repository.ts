import { type Kysely, type RawBuilder, type Selectable, sql } from 'kysely';
import { type BulkColumn, bulkInsert, unnestSource } from '../../db/bulk.ts';
import type { DB } from '../../db/schema.ts';
import type {
  ImportRejectionsTable,
  ImportsTable,
  LifecycleStage,
  Role,
} from '../../db/tables/foundation.ts';
import type {} from '../../db/tables/imports.ts';
import { type CursorPosition, decodeCursor } from '../../shared/pagination.ts';

/**
 * The only SQL of the import engine. Everything that runs per chunk is set-based: one
 * statement per resource and step, one parameter per column (unnest), whatever the number
 * of rows. Functions take the chunk's transaction.
 */

export type ImportRow = Selectable<ImportsTable>;
export type RejectionRow = Selectable<ImportRejectionsTable>;

// ---------------------------------------------------------------------------------------
// imports and import_rejections

export async function insertImport(
  db: Kysely<DB>,
  row: {
    workspace_id: number;
    format: string;
    resource: string | null;
    files: unknown[];
    created_by: number | null;
  },
): Promise<ImportRow> {
  return db
    .insertInto('imports')
    .values({ ...row, files: JSON.stringify(row.files), status: 'queued' })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function getImport(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
): Promise<ImportRow | undefined> {
  return db
    .selectFrom('imports')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function findImports(
  db: Kysely<DB>,
  workspaceId: number,
  limit: number,
  cursor?: string,
): Promise<ImportRow[]> {
  let query = db.selectFrom('imports').selectAll().where('workspace_id', '=', workspaceId);
  if (cursor) query = query.where('id', '<', decodeCursor(cursor).id);
  return query
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
}

export async function markImportRunning(
  db: Kysely<DB>,
  id: number,
  fields: { files: unknown[]; rows_total: number | null },
): Promise<void> {
  await db
    .updateTable('imports')
    .set({
      status: 'running',
      files: JSON.stringify(fields.files),
      rows_total: fields.rows_total,
      started_at: sql<Date>`now()`,
      heartbeat_at: sql<Date>`now()`,
      error: null,
    })
    .where('id', '=', id)
    .execute();
}

export interface ImportCounters {
  rows_read: number;
  rows_created: number;
  rows_updated: number;
  rows_rejected: number;
  summary: Record<string, unknown>;
}

export async function updateImportCounters(
  db: Kysely<DB>,
  id: number,
  counters: ImportCounters,
): Promise<void> {
  await db
    .updateTable('imports')
    .set({ ...counters, summary: JSON.stringify(counters.summary), heartbeat_at: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}

export async function touchImportHeartbeat(db: Kysely<DB>, id: number): Promise<void> {
  await db
    .updateTable('imports')
    .set({ heartbeat_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .execute();
}

export async function finishImport(
  db: Kysely<DB>,
  id: number,
  outcome: { status: 'completed' | 'failed'; error: string | null; scoringJobId?: number },
): Promise<void> {
  await db
    .updateTable('imports')
    .set({
      status: outcome.status,
      error: outcome.error,
      finished_at: sql<Date>`now()`,
      ...(outcome.scoringJobId === undefined
        ? {}
        : {
            summary: sql`coalesce(summary, '{}'::jsonb) || jsonb_build_object('scoring_job_id', ${outcome.scoringJobId}::int)`,
          }),
    })
    .where('id', '=', id)
    .execute();
}

/**
 * Marks imports whose process is gone as failed: queued or running, with no heartbeat for
 * `silentSeconds`. Returns how many were marked.
 */
export async function failSilentImports(
  db: Kysely<DB>,
  silentSeconds: number,
  error: string,
): Promise<number> {
  const result = await db
    .updateTable('imports')
    .set({ status: 'failed', error, finished_at: sql<Date>`now()` })
    .where('status', 'in', ['queued', 'running'])
    .where(
      sql<boolean>`coalesce(heartbeat_at, created_at) <= now() - make_interval(secs => ${silentSeconds})`,
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function insertRejections(
  db: Kysely<DB>,
  importId: number,
  rows: { file: string; line: number; reason: string; raw: string }[],
): Promise<void> {
  await bulkInsert(
    db,
    'import_rejections',
    rows,
    [
      { name: 'import_id', type: 'int4', value: () => importId },
      { name: 'file', type: 'text', value: (row) => row.file },
      { name: 'line', type: 'int4', value: (row) => row.line },
      { name: 'reason', type: 'text', value: (row) => row.reason },
      // PostgreSQL text cannot hold NUL bytes.
      { name: 'raw', type: 'text', value: (row) => row.raw.replaceAll('\u0000', '') },
    ],
    [],
  );
}

export async function findRejections(
  db: Kysely<DB>,
  importId: number,
  limit: number,
  afterId?: number,
): Promise<RejectionRow[]> {
  let query = db.selectFrom('import_rejections').selectAll().where('import_id', '=', importId);
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  return query.orderBy('id').limit(limit).execute();
}

export function rejectionCursor(row: RejectionRow): CursorPosition {
  return { value: null, id: row.id };
}

// ---------------------------------------------------------------------------------------
// shared helpers

type Db = Kysely<DB>;

export interface UpdateColumn<Row> extends BulkColumn<Row> {
  /**
   * How the new value meets the old one: `coalesce` keeps the old value when the file has
   * none (a blank cell never erases), `first` keeps the old value when there is one
   * (first-reached stage moments), `merge` merges JSON objects.
   */
  assign?: 'coalesce' | 'first' | 'merge' | 'set' | 'with-status';
}

/** `update table set ... from unnest(...)`: one statement for any number of rows. */
async function bulkUpdate<Row>(
  db: Db,
  table: string,
  workspaceId: number,
  rows: readonly Row[],
  id: (row: Row) => number,
  columns: readonly UpdateColumn<Row>[],
  options: { idType?: 'int4' | 'int8'; touch?: boolean } = {},
): Promise<void> {
  if (rows.length === 0) return;
  const all: BulkColumn<Row>[] = [{ name: 'id', type: options.idType ?? 'int4', value: id }, ...columns];
  const aliases = sql.join(all.map((_, index) => sql.raw(`c${index}`)));
  const assignments = columns.map((column, index) => {
    const source = sql.raw(`s.c${index + 1}`);
    const target = sql.ref(`t.${column.name}`);
    const name = sql.ref(column.name);
    switch (column.assign ?? 'coalesce') {
      case 'set':
        return sql`${name} = ${source}`;
      case 'first':
        return sql`${name} = coalesce(${target}, ${source})`;
      case 'merge':
        return sql`${name} = ${target} || coalesce(${source}, '{}'::jsonb)`;
      case 'with-status': {
        // closed_at follows the status when the row gives one (reopened: no closed_at).
        const status = sql.raw(`s.c${columns.findIndex((other) => other.name === 'status') + 1}`);
        return sql`${name} = case when ${status} is null then coalesce(${source}, ${target}) else ${source} end`;
      }
      default:
        return sql`${name} = coalesce(${source}, ${target})`;
    }
  });
  if (options.touch !== false) assignments.push(sql`updated_at = now()`);
  await sql`
    update ${sql.table(table)} as t set ${sql.join(assignments)}
    from ${unnestSource(rows, all)} as s(${aliases})
    where t.id = s.c0 and t.workspace_id = ${workspaceId}`.execute(db);
}

const lower = (values: Iterable<string>) => [...new Set([...values].map((value) => value.toLowerCase()))];

function iso(at: number | undefined): string | null {
  return at === undefined ? null : new Date(at).toISOString();
}

// ---------------------------------------------------------------------------------------
// users and teams

export interface UserKeyRow {
  id: number;
  external_id: string | null;
  email: string;
  name: string;
  role: Role;
}

export async function findUsersByKeys(
  db: Db,
  workspaceId: number,
  keys: { externalIds: string[]; emails: string[]; names: string[] },
): Promise<UserKeyRow[]> {
  if (keys.externalIds.length + keys.emails.length + keys.names.length === 0) return [];
  const result = await sql<UserKeyRow>`
    select id, external_id, lower(email) as email, name, role from users
    where workspace_id = ${workspaceId}
      and (external_id = any(${[...new Set(keys.externalIds)]}::text[])
        or lower(email) = any(${lower(keys.emails)}::text[])
        or lower(name) = any(${lower(keys.names)}::text[]))
    order by id`.execute(db);
  return result.rows;
}

export interface NewUserRow {
  external_id: string | null;
  email: string;
  name: string;
  role: Role;
  status: 'active' | 'away' | 'inactive';
  team_id: number | null;
  capacity: number | null;
  created_at: number | undefined;
}

export async function insertUsers(
  db: Db,
  workspaceId: number,
  rows: readonly NewUserRow[],
): Promise<number[]> {
  const inserted = await bulkInsert(db, 'users', rows, [
    { name: 'workspace_id', type: 'int4', value: () => workspaceId },
    { name: 'external_id', type: 'text', value: (row) => row.external_id },
    { name: 'email', type: 'text', value: (row) => row.email },
    { name: 'name', type: 'text', value: (row) => row.name },
    { name: 'role', type: 'text', value: (row) => row.role },
    { name: 'status', type: 'text', value: (row) => row.status },
    { name: 'team_id', type: 'int4', value: (row) => row.team_id },
    { name: 'capacity', type: 'int4', value: (row) => row.capacity },
    {
      name: 'created_at',
      type: 'timestamptz',
      value: (row) => iso(row.created_at) ?? new Date().toISOString(),
    },
  ]);
  return inserted.map((row) => row.id);
}

export interface UserUpdateRow {
  id: number;
  external_id: string | null;
  email: string;
  name: string;
  role: Role;
  status: string | null;
  team_id: number | null;
  capacity: number | null;
}

export async function updateUsers(
  db: Db,
  workspaceId: number,
  rows: readonly UserUpdateRow[],
): Promise<void> {
  await bulkUpdate(db, 'users', workspaceId, rows, (row) => row.id, [
    { name: 'external_id', type: 'text', value: (row) => row.external_id },
    { name: 'email', type: 'text', value: (row) => row.email },
    { name: 'name', type: 'text', value: (row) => row.name },
    { name: 'role', type: 'text', value: (row) => row.role },
    { name: 'status', type: 'text', value: (row) => row.status },
    { name: 'team_id', type: 'int4', value: (row) => row.team_id },
    { name: 'capacity', type: 'int4', value: (row) => row.capacity },
  ]);
}

export async function setUserManagers(
  db: Db,
  workspaceId: number,
  rows: readonly { id: number; manager_id: number }[],
): Promise<void> {
  await bulkUpdate(db, 'users', workspaceId, rows, (row) => row.id, [
    { name: 'manager_id', type: 'int4', value: (row) => row.manager_id, assign: 'set' },
  ]);
}

export async function findTeamsByNames(
  db: Db,
  workspaceId: number,
  names: string[],
): Promise<{ id: number; name: string }[]> {
  if (names.length === 0) return [];
  const result = await sql<{ id: number; name: string }>`
    select id, name from teams where workspace_id = ${workspaceId} and lower(name) = any(${lower(names)}::text[])
    order by id`.execute(db);
  return result.rows;
}

export async function insertTeams(db: Db, workspaceId: number, names: string[]): Promise<number[]> {
  const rows = await bulkInsert(db, 'teams', names, [
    { name: 'workspace_id', type: 'int4', value: () => workspaceId },
    { name: 'name', type: 'text', value: (name) => name },
  ]);
  return rows.map((row) => row.id);
}

export async function setTeamManagers(
  db: Db,
  workspaceId: number,
  rows: readonly { id: number; manager_id: number | null }[],
): Promise<void> {
  await bulkUpdate(
    db,
    'teams',
    workspaceId,
    rows,
    (row) => row.id,
    [{ name: 'manager_id', type: 'int4', value: (row) => row.manager_id }],
    { touch: false },
  );
}

// ---------------------------------------------------------------------------------------
// accounts, products, campaigns: matched by external_id or name

export interface NamedKeyRow {
  id: number;
  external_id: string | null;
  name: string;
}

export async function findNamedByKeys(
  db: Db,
  table: 'accounts' | 'campaigns',
  workspaceId: number,
  keys: { externalIds: string[]; names: string[] },
): Promise<NamedKeyRow[]> {
  if (keys.externalIds.length + keys.names.length === 0) return [];
  const result = await sql<NamedKeyRow>`
    select id, external_id, name from ${sql.table(table)}
    where workspace_id = ${workspaceId}
      and (external_id = any(${[...new Set(keys.externalIds)]}::text[]) or lower(name) = any(${lower(keys.names)}::text[]))
    order by id`.execute(db);
  return result.rows;
}

/**
 * All products of a workspace (a catalogue, not a big table): names are matched on a
 * normalised key in code, so "GTXPro" finds "GTX Pro" by the same rule everywhere.
 */
export async function findProducts(db: Db, workspaceId: number): Promise<NamedKeyRow[]> {
  return db
    .selectFrom('products')
    .select(['id', 'external_id', 'name'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('id')
    .execute();
}

export interface AccountWriteRow {
  id?: number;
  external_id: string | null;
  name: string;
  domain: string | null;
  industry: string | null;
  employees: number | null;
  annual_revenue: number | null;
  country: string | null;
  region: string | null;
  owner_id: number | null;
  created_at: number | undefined;
  custom_fields: Record<string, unknown> | null;
}

const accountColumns: UpdateColumn<AccountWriteRow>[] = [
  { name: 'external_id', type: 'text', value: (row) => row.external_id },
  { name: 'name', type: 'text', value: (row) => row.name },
  { name: 'domain', type: 'text', value: (row) => row.domain },
  { name: 'industry', type: 'text', value: (row) => row.industry },
  { name: 'employees', type: 'int4', value: (row) => row.employees },
  { name: 'annual_revenue', type: 'numeric', value: (row) => row.annual_revenue },
  { name: 'country', type: 'text', value: (row) => row.country },
  { name: 'region', type: 'text', value: (row) => row.region },
  { name: 'owner_id', type: 'int4', value: (row) => row.owner_id },
];

export async function insertAccounts(
  db: Db,
  workspaceId: number,
  rows: readonly AccountWriteRow[],
): Promise<number[]> {
  const inserted = await bulkInsert(db, 'accounts', rows, [
    { name: 'workspace_id', type: 'int4', value: () => workspaceId },
    ...accountColumns,
    { name: 'custom_fields', type: 'jsonb', value: (row) => row.custom_fields ?? {} },
    {
      name: 'created_at',
      type: 'timestamptz',
      value: (row) => iso(row.created_at) ?? new Date().toISOString(),
    },
  ]);
  return inserted.map((row) => row.id);
}

export async function updateAccounts(
  db: Db,
  workspaceId: number,
  rows: readonly AccountWriteRow[],
): Promise<void> {
  await bulkUpdate(db, 'accounts', workspaceId, rows, (row) => row.id as number, [
    ...accountColumns,
    { name: 'custom_fields', type: 'jsonb', value: (row) => row.custom_fields, assign: 'merge' },
  ]);
}

export async function setParents(
  db: Db,
  table: 'accounts' | 'campaigns',
  workspaceId: number,
  rows: readonly { id: number; parent_id: number }[],
): Promise<void> {
  await bulkUpdate(db, table, workspaceId, rows, (row) => row.id, [
    {
      name: table === 'accounts' ? 'parent_account_id' : 'parent_id',
      type: 'int4',
      value: (row) => row.parent_id,
      assign: 'set',
    },
  ]);
}

export interface ProductWriteRow {
  id?: number;
  external_id: string | null;
  name: string;
  series: string | null;
  price: number | null;
}

const productColumns: UpdateColumn<ProductWriteRow>[] = [
  { name: 'external_id', type: 'text', value: (row) => row.external_id },
  { name: 'name', type: 'text', value: (row) => row.name },
  { name: 'series', type: 'text', value: (row) => row.series },
  { name: 'price', type: 'numeric', value: (row) => row.price },
];

export async function insertProducts(
  db: Db,
  workspaceId: number,
  rows: readonly ProductWriteRow[],
): Promise<number[]> {
  const inserted = await bulkInsert(db, 'products', rows, [
    { name: 'workspace_id', type: 'int4', value: () => workspaceId },
    ...productColumns,
  ]);
  return inserted.map((row) => row.id);
}

export async function updateProducts(
  db: Db,
  workspaceId: number,
  rows: readonly ProductWriteRow[],
): Promise<void> {
  await bulkUpdate(db, 'products', workspaceId, rows, (row) => row.id as number, productColumns, {
    touch: false,
  });
}

export interface CampaignWriteRow {
  id?: number;
  external_id: string | null;
  name: string;
  channel: string;
  type: string | null;
  status: string | null;
  cost: number | null;
  budget: number | null;
  start_date: string | null;
  end_date: string | null;
  owner_id: number | null;
  created_at: number | undefined;
}

const campaignColumns: UpdateColumn<CampaignWriteRow>[] = [
  { name: 'external_id', type: 'text', value: (row) => row.external_id },
  { name: 'name', type: 'text', value: (row) => row.name },
  { name: 'channel', type: 'text', value: (row) => row.channel },
  { name: 'type', type: 'text', value: (row) => row.type },
  { name: 'budget', type: 'numeric', value: (row) => row.budget },
  { name: 'start_date', type: 'date', value: (row) => row.start_date },
  { name: 'end_date', type: 'date', value: (row) => row.end_date },
  { name: 'owner_id', type: 'int4', value: (row) => row.owner_id },
];

export async function insertCampaigns(
  db: Db,
  workspaceId: number,
  rows: readonly CampaignWriteRow[],
): Promise<number[]> {
  const inserted = await bulkInsert(db, 'campaigns', rows, [
    { name: 'workspace_id', type: 'int4', value: () => workspaceId },
    ...campaignColumns,
    { name: 'status', type: 'text', value: (row) => row.status ?? 'active' },
    { name: 'cost', type: 'numeric', value: (row) => row.cost ?? 0 },
    {
      name: 'created_at',
      type: 'timestamptz',
      value: (row) => iso(row.created_at) ?? new Date().toISOString(),
    },
  ]);
  return inserted.map((row) => row.id);
}

export async function updateCampaigns(
  db: Db,
  workspaceId: number,
  rows: readonly CampaignWriteRow[],
): Promise<void> {
  await bulkUpdate(db, 'campaigns', workspaceId, rows, (row) => row.id as number, [
    ...campaignColumns,
    { name: 'status', type: 'text', value: (row) => row.status },
    { name: 'cost', type: 'numeric', value: (row) => row.cost },
  ]);
}

// ---------------------------------------------------------------------------------------
// leads and their lifecycle history

export const STAGE_AT_COLUMNS = [
  'subscriber_at',
  'lead_at',
  'mql_at',
  'sal_at',
  'sql_at',
  'opportunity_at',
  'customer_at',
  'recycled_at',
  'disqualified_at',
] as const;
type StageAtColumn = (typeof STAGE_AT_COLUMNS)[number];

export interface LeadKeyRow {
  id: number;
  external_id: string | null;
  email: string | null;
}

/** Leads matching any of the keys (emails compared lower-cased). */
export async function findLeadsByKeys(
  db: Db,
  workspaceId: number,
  keys: { externalIds: string[]; emails: string[] },
): Promise<LeadKeyRow[]> {
  if (keys.externalIds.length + keys.emails.length === 0) return [];
  const result = await sql<LeadKeyRow>`
    select id, external_id, lower(email) as email from leads
    where workspace_id = ${workspaceId}
      and (external_id = any(${[...new Set(keys.externalIds)]}::text[]) or lower(email) = any(${lower(keys.emails)}::text[]))`.execute(
    db,
  );
  return result.rows;
}

export interface LeadStateRow extends LeadKeyRow {
  stage: LifecycleStage;
  stamps: Partial<Record<LifecycleStage, number>>;
}

/**
 * As findLeadsByKeys with the stage and reached-at moments, locking the rows (in id order,
 * so two imports touching the same leads cannot deadlock) until the chunk commits, like
 * transitionLead does for one lead.
 */
export async function lockLeadsByKeys(
  db: Db,
  workspaceId: number,
  keys: { externalIds: string[]; emails: string[] },
): Promise<LeadStateRow[]> {
  if (keys.externalIds.length + keys.emails.length === 0) return [];
  const result = await sql<LeadKeyRow & { stage: LifecycleStage } & Record<StageAtColumn, Date | null>>`
    select id, external_id, lower(email) as email, stage, ${sql.join(STAGE_AT_COLUMNS.map((column) => sql.ref(column)))}
    from leads
    where workspace_id = ${workspaceId}
      and (external_id = any(${[...new Set(keys.externalIds)]}::text[]) or lower(email) = any(${lower(keys.emails)}::text[]))
    order by id
    for update`.execute(db);
  return result.rows.map((row) => {
    const stamps: Partial<Record<LifecycleStage, number>> = {};
    for (const column of STAGE_AT_COLUMNS) {
      const value = row[column];
      if (value) stamps[column.slice(0, -3) as LifecycleStage] = value.getTime();
    }
    return { id: row.id, external_id: row.external_id, email: row.email, stage: row.stage, stamps };
  });
}

export interface LeadWriteRow {
  id?: number;
  external_id: string | null;
  email: string | null;
  text: Record<string, string | undefined>;
  account_id: number | null;
  employees: number | null;
  first_campaign_id: number | null;
  stage: LifecycleStage | null;
  temperature: string | null;
  owner_id: number | null;
  fit_score: number | null;
  engagement_score: number | null;
  custom_fields: Record<string, unknown> | null;
  created_at: number | undefined;
  stamps: Partial<Record<LifecycleStage, number>>;
}

function leadColumns(textColumns: readonly string[]): UpdateColumn<LeadWriteRow>[] {
  return [
    { name: 'external_id', type: 'text', value: (row) => row.external_id },
    { name: 'email', type: 'text', value: (row) => row.email },
    ...textColumns.map(
      (column): UpdateColumn<LeadWriteRow> => ({
        name: column,
        type: 'text',
        value: (row) => row.text[column],
      }),
    ),
    { name: 'account_id', type: 'int4', value: (row) => row.account_id },
    { name: 'employees', type: 'int4', value: (row) => row.employees },
    { name: 'first_campaign_id', type: 'int4', value: (row) => row.first_campaign_id },
    { name: 'stage', type: 'text', value: (row) => row.stage },
    { name: 'temperature', type: 'text', value: (row) => row.temperature },
    { name: 'owner_id', type: 'int4', value: (row) => row.owner_id },
    { name: 'fit_score', type: 'int4', value: (row) => row.fit_score },
    { name: 'engagement_score', type: 'int4', value: (row) => row.engagement_score },
    ...STAGE_AT_COLUMNS.map(
      (column): UpdateColumn<LeadWriteRow> => ({
        name: column,
        type: 'timestamptz',
        value: (row) => iso(row.stamps[column.slice(0, -3) as LifecycleStage]),
        assign: 'first',
      }),
    ),
  ];
}

export async function insertLeads(
  db: Db,
  workspaceId: number,
  rows: readonly LeadWriteRow[],
  textColumns: readonly string[],
): Promise<number[]> {
  const columns = leadColumns(textColumns).map((column): BulkColumn<LeadWriteRow> => {
    if (column.name === 'temperature') return { ...column, value: (row) => row.temperature ?? 'cold' };
    if (column.name === 'fit_score') return { ...column, value: (row) => row.fit_score ?? 0 };
    if (column.name === 'engagement_score') return { ...column, value: (row) => row.engagement_score ?? 0 };
    return column;
  });
  const inserted = await bulkInsert(db, 'leads', rows, [
    { name: 'workspace_id', type: 'int4', value: () => workspaceId },
    ...columns,
    { name: 'custom_fields', type: 'jsonb', value: (row) => row.custom_fields ?? {} },
    {
      name: 'created_at',
      type: 'timestamptz',
      value: (row) => iso(row.created_at) ?? new Date().toISOString(),
    },
  ]);
  return inserted.map((row) => row.id);
}

export async function updateLeads(
  db: Db,
  workspaceId: number,
  rows: readonly LeadWriteRow[],
  textColumns: readonly string[],
): Promise<void> {
  await bulkUpdate(db, 'leads', workspaceId, rows, (row) => row.id as number, [
    ...leadColumns(textColumns),
    { name: 'custom_fields', type: 'jsonb', value: (row) => row.custom_fields, assign: 'merge' },
  ]);
}

export interface EventWriteRow {
  lead_id: number;
  from_stage: LifecycleStage | null;
  to_stage: LifecycleStage;
  occurred_at: number;
  reason: string;
}

export async function insertLifecycleEvents(
  db: Db,
  workspaceId: number,
  actorId: number | null,
  rows: readonly EventWriteRow[],
): Promise<void> {
  await bulkInsert(
    db,
    'lifecycle_events',
    rows,
    [
      { name: 'workspace_id', type: 'int4', value: () => workspaceId },
      { name: 'lead_id', type: 'int4', value: (row) => row.lead_id },
      { name: 'from_stage', type: 'text', value: (row) => row.from_stage },
      { name: 'to_stage', type: 'text', value: (row) => row.to_stage },
      { name: 'occurred_at', type: 'timestamptz', value: (row) => iso(row.occurred_at) },
      { name: 'actor_id', type: 'int4', value: () => actorId },
      { name: 'origin', type: 'text', value: () => 'import' },
      { name: 'reason', type: 'text', value: (row) => row.reason },
    ],
    [],
  );
}

// ---------------------------------------------------------------------------------------
// opportunities

export async function findOpportunitiesByExternalIds(
  db: Db,
  workspaceId: number,
  externalIds: string[],
): Promise<{ id: number; external_id: string }[]> {
  if (externalIds.length === 0) return [];
  const result = await sql<{ id: number; external_id: string }>`
    select id, external_id from opportunities
    where workspace_id = ${workspaceId} and external_id = any(${[...new Set(externalIds)]}::text[])`.execute(
    db,
  );
  return result.rows;
}

/** Opportunities without an external_id matched by name and account (null-safe). */
export async function findOpportunitiesByNames(
  db: Db,
  workspaceId: number,
  keys: readonly { name: string; account_id: number | null }[],
): Promise<{ id: number; name: string; account_id: number | null }[]> {
  if (keys.length === 0) return [];
  const result = await sql<{ id: number; name: string; account_id: number | null }>`
    select o.id, lower(o.name) as name, o.account_id
    from opportunities o
    join ${unnestSource(keys, [
      { name: 'name', type: 'text', value: (key) => key.name.toLowerCase() },
      { name: 'account_id', type: 'int4', value: (key) => key.account_id },
    ])} as k(name, account_id)
      on lower(o.name) = k.name and o.account_id is not distinct from k.account_id
    where o.workspace_id = ${workspaceId} and o.external_id is null
    order by o.id`.execute(db);
  return result.rows;
}

export interface OpportunityWriteRow {
  id?: number;
  external_id: string | null;
  name: string;
  account_id: number | null;
  primary_lead_id: number | null;
  owner_id: number | null;
  qualifier_id: number | null;
  product_id: number | null;
  amount: number | null;
  currency: string | null;
  stage: string | null;
  status: string | null;
  created_at: number | undefined;
  close_date: string | null;
  closed_at: number | undefined;
  reason: string | null;
  competitor: string | null;
  source: string | null;
  segment: string | null;
  custom_fields: Record<string, unknown> | null;
}

const opportunityColumns: UpdateColumn<OpportunityWriteRow>[] = [
  { name: 'external_id', type: 'text', value: (row) => row.external_id },
  { name: 'name', type: 'text', value: (row) => row.name },
  { name: 'account_id', type: 'int4', value: (row) => row.account_id },
  { name: 'primary_lead_id', type: 'int4', value: (row) => row.primary_lead_id },
  { name: 'owner_id', type: 'int4', value: (row) => row.owner_id },
  { name: 'qualifier_id', type: 'int4', value: (row) => row.qualifier_id },
  { name: 'product_id', type: 'int4', value: (row) => row.product_id },
  { name: 'amount', type: 'numeric', value: (row) => row.amount },
  { name: 'stage', type: 'text', value: (row) => row.stage },
  { name: 'status', type: 'text', value: (row) => row.status },
  { name: 'close_date', type: 'date', value: (row) => row.close_date },
  { name: 'closed_at', type: 'timestamptz', value: (row) => iso(row.closed_at) },
  { name: 'reason', type: 'text', value: (row) => row.reason },
  { name: 'competitor', type: 'text', value: (row) => row.competitor },
  { name: 'source', type: 'text', value: (row) => row.source },
  { name: 'segment', type: 'text', value: (row) => row.segment },
];

export async function insertOpportunities(
  db: Db,
  workspaceId: number,
  rows: readonly OpportunityWriteRow[],
): Promise<number[]> {
  const inserted = await bulkInsert(db, 'opportunities', rows, [
    { name: 'workspace_id', type: 'int4', value: () => workspaceId },
    ...opportunityColumns.map((column): BulkColumn<OpportunityWriteRow> => {
      if (column.name === 'status') return { ...column, value: (row) => row.status ?? 'open' };
      if (column.name === 'stage') return { ...column, value: (row) => row.stage ?? row.status ?? 'open' };
      return column;
    }),
    { name: 'currency', type: 'text', value: (row) => row.currency ?? 'USD' },
    { name: 'custom_fields', type: 'jsonb', value: (row) => row.custom_fields ?? {} },
    {
      name: 'created_at',
      type: 'timestamptz',
      value: (row) => iso(row.created_at) ?? new Date().toISOString(),
    },
  ]);
  return inserted.map((row) => row.id);
}

export async function updateOpportunities(
  db: Db,
  workspaceId: number,
  rows: readonly OpportunityWriteRow[],
): Promise<void> {
  await bulkUpdate(db, 'opportunities', workspaceId, rows, (row) => row.id as number, [
    ...opportunityColumns.map((column) =>
      column.name === 'closed_at' ? { ...column, assign: 'with-status' as const } : column,
    ),
    { name: 'currency', type: 'text', value: (row) => row.currency },
    { name: 'custom_fields', type: 'jsonb', value: (row) => row.custom_fields, assign: 'merge' },
    { name: 'created_at', type: 'timestamptz', value: (row) => iso(row.created_at) },
  ]);
}

export async function insertOpportunityContacts(
  db: Db,
  workspaceId: number,
  rows: readonly { opportunity_id: number; lead_id: number }[],
): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    insert into opportunity_contacts (workspace_id, opportunity_id, lead_id)
    select ${workspaceId}, s.o, s.l from ${unnestSource(rows, [
      { name: 'opportunity_id', type: 'int4', value: (row) => row.opportunity_id },
      { name: 'lead_id', type: 'int4', value: (row) => row.lead_id },
    ])} as s(o, l)
    on conflict (opportunity_id, lead_id) do nothing`.execute(db);
}

// ---------------------------------------------------------------------------------------
// touchpoints and activities: upserted by external_id, or by what makes them the same fact

export interface TouchpointWriteRow {
  external_id: string | null;
  lead_id: number;
  type: string;
  occurred_at: string;
  channel: string | null;
  campaign_id: number | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
  content_id: number | null;
  metadata: Record<string, unknown> | null;
}

const touchpointColumns: BulkColumn<TouchpointWriteRow>[] = [
  { name: 'external_id', type: 'text', value: (row) => row.external_id },
  { name: 'lead_id', type: 'int4', value: (row) => row.lead_id },
  { name: 'type', type: 'text', value: (row) => row.type },
  { name: 'occurred_at', type: 'timestamptz', value: (row) => row.occurred_at },
  { name: 'channel', type: 'text', value: (row) => row.channel },
  { name: 'campaign_id', type: 'int4', value: (row) => row.campaign_id },
  { name: 'utm_source', type: 'text', value: (row) => row.utm_source },
  { name: 'utm_medium', type: 'text', value: (row) => row.utm_medium },
  { name: 'utm_campaign', type: 'text', value: (row) => row.utm_campaign },
  { name: 'utm_term', type: 'text', value: (row) => row.utm_term },
  { name: 'utm_content', type: 'text', value: (row) => row.utm_content },
  { name: 'content_id', type: 'int4', value: (row) => row.content_id },
  { name: 'metadata', type: 'jsonb', value: (row) => row.metadata },
];

export interface UpsertCounts {
  created: number;
  updated: number;
}

/**
 * The rows as a relation `s` with the given columns. Columns empty in every row (UTM terms
 * a file does not have) are a typed null instead of an array of nulls: fewer parameters to
 * send and parse on the hot path.
 */
function sourceOf<Row>(rows: readonly Row[], columns: readonly BulkColumn<Row>[]) {
  const present = columns.filter((column) =>
    rows.some((row) => {
      const value = column.value(row);
      return value !== null && value !== undefined;
    }),
  );
  const used = present.length > 0 ? present : columns.slice(0, 1);
  const selected = columns.map((column) =>
    used.includes(column)
      ? sql.ref(`s0.${column.name}`)
      : sql`null::${sql.raw(column.type)} as ${sql.ref(column.name)}`,
  );
  const aliases = sql.join(used.map((column) => sql.ref(column.name)));
  return sql`(select ${sql.join(selected)} from ${unnestSource(rows, used)} as s0(${aliases})) as s`;
}

function countUpserted(rows: { created: number; updated: number }[]): UpsertCounts {
  return { created: rows[0]?.created ?? 0, updated: rows[0]?.updated ?? 0 };
}

/**
 * Touchpoints that carry an external_id: one `insert ... on conflict do update` statement;
 * `xmax = 0` tells a fresh row from an updated one.
 */
export async function upsertTouchpointsByExternalId(
  db: Db,
  workspaceId: number,
  rows: readonly TouchpointWriteRow[],
): Promise<UpsertCounts> {
  if (rows.length === 0) return { created: 0, updated: 0 };
  const names = touchpointColumns.map((column) => column.name);
  // A blank cell never erases: coalesce with what is stored.
  const updates = names
    .filter((name) => name !== 'external_id')
    .map((name) =>
      name === 'metadata'
        ? sql`metadata = touchpoints.metadata || coalesce(excluded.metadata, '{}'::jsonb)`
        : sql`${sql.ref(name)} = coalesce(excluded.${sql.ref(name)}, touchpoints.${sql.ref(name)})`,
    );
  const result = await sql<{ created: number; updated: number }>`
    with upserted as (
      insert into touchpoints (workspace_id, ${sql.join(names.map((name) => sql.ref(name)))})
      select ${workspaceId}, ${sql.join(names.map((name) => (name === 'metadata' ? sql`coalesce(s.metadata, '{}'::jsonb)` : sql.ref(`s.${name}`))))}
      from ${sourceOf(rows, touchpointColumns)}
      on conflict (workspace_id, external_id) where external_id is not null
      do update set ${sql.join(updates)}
      returning (xmax = 0) as fresh
    )
    select count(*) filter (where fresh)::int as created, count(*) filter (where not fresh)::int as updated
    from upserted`.execute(db);
  return countUpserted(result.rows);
}

/**
 * Touchpoints without an external_id are the same fact when lead, type and moment match
 * (and the stored one has no external_id either): those are updated, the rest inserted.
 */
export async function upsertTouchpointsByNaturalKey(
  db: Db,
  workspaceId: number,
  rows: readonly TouchpointWriteRow[],
): Promise<UpsertCounts> {
  if (rows.length === 0) return { created: 0, updated: 0 };
  const names = touchpointColumns.map((column) => column.name).filter((name) => name !== 'external_id');
  const columns = touchpointColumns.filter((column) => column.name !== 'external_id');
  const result = await sql<{ created: number; updated: number }>`
    with src as (select * from ${sourceOf(rows, columns)}),
    matched as (
      update touchpoints t set
        channel = coalesce(src.channel, t.channel),
        campaign_id = coalesce(src.campaign_id, t.campaign_id),
        utm_source = coalesce(src.utm_source, t.utm_source),
        utm_medium = coalesce(src.utm_medium, t.utm_medium),
        utm_campaign = coalesce(src.utm_campaign, t.utm_campaign),
        utm_term = coalesce(src.utm_term, t.utm_term),
        utm_content = coalesce(src.utm_content, t.utm_content),
        content_id = coalesce(src.content_id, t.content_id),
        metadata = t.metadata || coalesce(src.metadata, '{}'::jsonb)
      from src
      where t.workspace_id = ${workspaceId} and t.external_id is null and t.lead_id = src.lead_id
        and t.type = src.type and t.occurred_at = src.occurred_at
      returning t.id
    ),
    inserted as (
      insert into touchpoints (workspace_id, ${sql.join(names.map((name) => sql.ref(name)))})
      select ${workspaceId}, ${sql.join(names.map((name) => (name === 'metadata' ? sql`coalesce(src.metadata, '{}'::jsonb)` : sql.ref(`src.${name}`))))}
      from src
      where not exists (
        select 1 from touchpoints t
        where t.workspace_id = ${workspaceId} and t.external_id is null and t.lead_id = src.lead_id
          and t.type = src.type and t.occurred_at = src.occurred_at)
      returning id
    )
    select (select count(*)::int from inserted) as created, (select count(*)::int from matched) as updated`.execute(
    db,
  );
  return countUpserted(result.rows);
}

export interface ActivityWriteRow {
  external_id: string | null;
  lead_id: number | null;
  opportunity_id: number | null;
  type: string;
  outcome: string | null;
  notes: string | null;
  occurred_at: string;
  actor_id: number | null;
}

const activityColumns: BulkColumn<ActivityWriteRow>[] = [
  { name: 'external_id', type: 'text', value: (row) => row.external_id },
  { name: 'lead_id', type: 'int4', value: (row) => row.lead_id },
  { name: 'opportunity_id', type: 'int4', value: (row) => row.opportunity_id },
  { name: 'type', type: 'text', value: (row) => row.type },
  { name: 'outcome', type: 'text', value: (row) => row.outcome },
  { name: 'notes', type: 'text', value: (row) => row.notes },
  { name: 'occurred_at', type: 'timestamptz', value: (row) => row.occurred_at },
  { name: 'actor_id', type: 'int4', value: (row) => row.actor_id },
];

export async function upsertActivitiesByExternalId(
  db: Db,
  workspaceId: number,
  rows: readonly ActivityWriteRow[],
): Promise<UpsertCounts> {
  if (rows.length === 0) return { created: 0, updated: 0 };
  const names = activityColumns.map((column) => column.name);
  const updates = names
    .filter((name) => name !== 'external_id')
    .map((name) => sql`${sql.ref(name)} = coalesce(excluded.${sql.ref(name)}, activities.${sql.ref(name)})`);
  const result = await sql<{ created: number; updated: number }>`
    with upserted as (
      insert into activities (workspace_id, ${sql.join(names.map((name) => sql.ref(name)))})
      select ${workspaceId}, ${sql.join(names.map((name) => sql.ref(`s.${name}`)))}
      from ${sourceOf(rows, activityColumns)}
      on conflict (workspace_id, external_id) where external_id is not null
      do update set ${sql.join(updates)}
      returning (xmax = 0) as fresh
    )
    select count(*) filter (where fresh)::int as created, count(*) filter (where not fresh)::int as updated
    from upserted`.execute(db);
  return countUpserted(result.rows);
}

export async function upsertActivitiesByNaturalKey(
  db: Db,
  workspaceId: number,
  rows: readonly ActivityWriteRow[],
): Promise<UpsertCounts> {
  if (rows.length === 0) return { created: 0, updated: 0 };
  const columns = activityColumns.filter((column) => column.name !== 'external_id');
  const names = columns.map((column) => column.name);
  const same = (t: RawBuilder<unknown>) => sql`
    ${t}.workspace_id = ${workspaceId} and ${t}.external_id is null
    and ${t}.lead_id is not distinct from src.lead_id and ${t}.opportunity_id is not distinct from src.opportunity_id
    and ${t}.type = src.type and ${t}.occurred_at = src.occurred_at`;
  const result = await sql<{ created: number; updated: number }>`
    with src as (select * from ${sourceOf(rows, columns)}),
    matched as (
      update activities t set
        outcome = coalesce(src.outcome, t.outcome),
        notes = coalesce(src.notes, t.notes),
        actor_id = coalesce(src.actor_id, t.actor_id)
      from src
      where ${same(sql.raw('t'))}
      returning t.id
    ),
    inserted as (
      insert into activities (workspace_id, ${sql.join(names.map((name) => sql.ref(name)))})
      select ${workspaceId}, ${sql.join(names.map((name) => sql.ref(`src.${name}`)))}
      from src
      where not exists (select 1 from activities a where ${same(sql.raw('a'))})
      returning id
    )
    select (select count(*)::int from inserted) as created, (select count(*)::int from matched) as updated`.execute(
    db,
  );
  return countUpserted(result.rows);
}
