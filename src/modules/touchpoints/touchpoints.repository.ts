import { type Kysely, type Selectable, sql } from 'kysely';
import { type BulkColumn, unnestSource } from '../../db/bulk.ts';
import type { DB } from '../../db/schema.ts';
import type { TouchpointsTable, TouchpointType } from '../../db/tables/foundation.ts';
import { type KeysetSort, keysetAfter, keysetOrder } from '../../shared/keyset.ts';
import { type LeadTouchUpdate, UTM_FIELDS } from './touchpoints.ts';

export type TouchpointRow = Selectable<TouchpointsTable>;

/** A lead as batch items point at it: enough to resolve the reference and check ownership. */
export interface LeadRef {
  id: number;
  owner_id: number | null;
  external_id: string | null;
  email: string | null;
}

// One query per key kind, whatever the batch size. Each walks the list of keys and probes
// the table once per key (a lateral subquery with limit 1 is always run per outer row), so
// the plan stays an index lookup per key on both stores, statistics or not: without them
// (PGlite is never auto-analyzed) PostgreSQL takes `workspace_id = $1` to select 0.5% of a
// table and would otherwise hash-join against a scan of the whole workspace. Lookups by id
// compare `workspace_id + 0`, which no index serves, so the primary key is the only path:
// with statistics that do not know the workspace yet (a new workspace beside a large one),
// PostgreSQL takes `workspace_id = $1` for one row and would walk the workspace's index.

export async function findLeadRefsByIds(
  db: Kysely<DB>,
  workspaceId: number,
  ids: number[],
): Promise<LeadRef[]> {
  if (ids.length === 0) return [];
  const result = await sql<LeadRef>`
    select l.* from unnest(${ids}::int4[]) as k(id)
    cross join lateral (
      select id, owner_id, external_id, email from leads
      where id = k.id and workspace_id + 0 = ${workspaceId} limit 1
    ) l`.execute(db);
  return result.rows;
}

export async function findLeadRefsByExternalIds(
  db: Kysely<DB>,
  workspaceId: number,
  externalIds: string[],
): Promise<LeadRef[]> {
  if (externalIds.length === 0) return [];
  const result = await sql<LeadRef>`
    select l.* from unnest(${externalIds}::text[]) as k(external_id)
    cross join lateral (
      select id, owner_id, external_id, email from leads
      where workspace_id = ${workspaceId} and external_id = k.external_id limit 1
    ) l`.execute(db);
  return result.rows;
}

/** Emails are matched lower-cased, as the leads_workspace_email index stores them. */
export async function findLeadRefsByEmails(
  db: Kysely<DB>,
  workspaceId: number,
  emails: string[],
): Promise<LeadRef[]> {
  if (emails.length === 0) return [];
  const result = await sql<LeadRef>`
    select l.* from unnest(${emails.map((email) => email.toLowerCase())}::text[]) as k(email)
    cross join lateral (
      select id, owner_id, external_id, email from leads
      where workspace_id = ${workspaceId} and lower(email) = k.email and email is not null limit 1
    ) l`.execute(db);
  return result.rows;
}

export interface CampaignRef {
  id: number;
  external_id: string | null;
  channel: string;
}

export async function findCampaignRefsByIds(
  db: Kysely<DB>,
  workspaceId: number,
  ids: number[],
): Promise<CampaignRef[]> {
  if (ids.length === 0) return [];
  const result = await sql<CampaignRef>`
    select c.* from unnest(${ids}::int4[]) as k(id)
    cross join lateral (
      select id, external_id, channel from campaigns
      where id = k.id and workspace_id + 0 = ${workspaceId} limit 1
    ) c`.execute(db);
  return result.rows;
}

export async function findCampaignRefsByExternalIds(
  db: Kysely<DB>,
  workspaceId: number,
  externalIds: string[],
): Promise<CampaignRef[]> {
  if (externalIds.length === 0) return [];
  const result = await sql<CampaignRef>`
    select c.* from unnest(${externalIds}::text[]) as k(external_id)
    cross join lateral (
      select id, external_id, channel from campaigns
      where workspace_id = ${workspaceId} and external_id = k.external_id limit 1
    ) c`.execute(db);
  return result.rows;
}

/**
 * Locks the leads a write is about to change, in id order (`leadIds` sorted ascending), so
 * two concurrent batches that touch the same leads queue behind each other instead of
 * deadlocking. Returns the ids found in the workspace.
 */
export async function lockLeads(db: Kysely<DB>, workspaceId: number, leadIds: number[]): Promise<number[]> {
  if (leadIds.length === 0) return [];
  const result = await sql<{ id: number }>`
    select l.id from unnest(${leadIds}::int4[]) with ordinality as k(id, n)
    cross join lateral (
      select id from leads where id = k.id and workspace_id + 0 = ${workspaceId} limit 1 for no key update
    ) l
    order by k.n`.execute(db);
  return result.rows.map((row) => row.id);
}

export interface NewTouchpoint {
  external_id: string | null;
  lead_id: number;
  type: TouchpointType;
  occurred_at: Date;
  channel: string | null;
  campaign_id: number | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
  content_id: number | null;
  metadata: Record<string, unknown>;
}

export interface InsertedTouchpoint {
  id: number;
  external_id: string | null;
  lead_id: number;
  type: TouchpointType;
  occurred_at: Date;
  campaign_id: number | null;
  channel: string | null;
}

const TOUCHPOINT_COLUMNS: readonly BulkColumn<NewTouchpoint>[] = [
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

/**
 * Inserts touchpoints in one statement. A row whose external_id is already recorded is
 * skipped (idempotent ingest); the rest come back in input order.
 */
export async function insertTouchpointsSkippingRecorded(
  db: Kysely<DB>,
  workspaceId: number,
  rows: readonly NewTouchpoint[],
): Promise<InsertedTouchpoint[]> {
  if (rows.length === 0) return [];
  const names = sql.join(TOUCHPOINT_COLUMNS.map((column) => sql.ref(column.name)));
  const aliases = sql.join(TOUCHPOINT_COLUMNS.map((_, index) => sql.raw(`c${index}`)));
  const selected = sql.join(TOUCHPOINT_COLUMNS.map((_, index) => sql.raw(`src.c${index}`)));
  const result = await sql<InsertedTouchpoint>`
    insert into touchpoints (workspace_id, ${names})
    select ${workspaceId}::int4, ${selected}
    from ${unnestSource(rows, TOUCHPOINT_COLUMNS)} with ordinality as src(${aliases}, n)
    order by src.n
    on conflict (workspace_id, external_id) where external_id is not null do nothing
    returning id, external_id, lead_id, type, occurred_at, campaign_id, channel`.execute(db);
  return result.rows;
}

/** Ids of touchpoints already recorded under these external ids. */
export async function findTouchpointIdsByExternalIds(
  db: Kysely<DB>,
  workspaceId: number,
  externalIds: string[],
): Promise<{ id: number; external_id: string }[]> {
  if (externalIds.length === 0) return [];
  const result = await sql<{ id: number; external_id: string }>`
    select t.* from unnest(${externalIds}::text[]) as k(external_id)
    cross join lateral (
      select id, external_id from touchpoints
      where workspace_id = ${workspaceId} and external_id = k.external_id limit 1
    ) t`.execute(db);
  return result.rows;
}

const ANY_UTM = (alias: string) =>
  sql.raw(
    `coalesce(${alias}.utm_source, ${alias}.utm_medium, ${alias}.utm_campaign, ${alias}.utm_term, ${alias}.utm_content) is not null`,
  );

const FIRST_SET_SQL =
  'coalesce(l.first_utm_source, l.first_utm_medium, l.first_utm_campaign, l.first_utm_term, l.first_utm_content) is not null';

const LEAD_TOUCH_UPDATE_COLUMNS: readonly BulkColumn<LeadTouchUpdate>[] = [
  { name: 'lead_id', type: 'int4', value: (row) => row.lead_id },
  { name: 'last_at', type: 'timestamptz', value: (row) => row.last_at },
  ...UTM_FIELDS.map((field) => ({
    name: `last_${field}`,
    type: 'text' as const,
    value: (row: LeadTouchUpdate) => row.last?.[field],
  })),
  { name: 'has_first', type: 'bool', value: (row) => row.first !== null },
  ...UTM_FIELDS.map((field) => ({
    name: `first_${field}`,
    type: 'text' as const,
    value: (row: LeadTouchUpdate) => row.first?.[field],
  })),
  { name: 'first_campaign_id', type: 'int4', value: (row) => row.first_campaign_id },
];

/**
 * One set-based update of the leads a batch of touchpoints belongs to, from the per-lead
 * candidates of touchUpdatesPerLead (touchpoints.ts):
 * - last_utm_*: from the batch's latest UTM-carrying touch, unless the lead already has a
 *   UTM-carrying touch later than it (touches may arrive out of order);
 * - first_utm_*: from the batch's earliest UTM-carrying touch, when all five are still empty;
 * - first_campaign_id: when still empty.
 * Rows with nothing to change are not written.
 *
 * The plan does not depend on statistics (PGlite is never auto-analyzed): the check for a
 * later touch is one index probe per lead (EXISTS inside CASE is never turned into a join),
 * and the workspace reaches the join with leads through a materialized column rather than a
 * constant, so the leads side is not underestimated into a hash join over the whole workspace.
 */
export async function applyTouchpointsToLeads(
  db: Kysely<DB>,
  workspaceId: number,
  updates: readonly LeadTouchUpdate[],
): Promise<number> {
  if (updates.length === 0) return 0;
  const aliases = sql.raw(LEAD_TOUCH_UPDATE_COLUMNS.map((column) => column.name).join(', '));
  const lastSet = (field: string) =>
    sql.raw(`last_${field} = case when c.set_last then c.last_${field} else l.last_${field} end`);
  const firstSet = (field: string) =>
    sql.raw(
      `first_${field} = case when c.has_first and not (${FIRST_SET_SQL}) then c.first_${field} else l.first_${field} end`,
    );
  const result = await sql`
    with changes as materialized (
      select ${workspaceId}::int4 as workspace_id, src.*,
        case when src.last_at is not null then not exists (
          select 1 from touchpoints t
          where t.workspace_id = ${workspaceId} and t.lead_id = src.lead_id
            and t.occurred_at > src.last_at and ${ANY_UTM('t')}
        ) else false end as set_last
      from ${unnestSource(updates, LEAD_TOUCH_UPDATE_COLUMNS)} as src(${aliases})
    )
    update leads l set
      ${sql.join(UTM_FIELDS.map(lastSet))},
      ${sql.join(UTM_FIELDS.map(firstSet))},
      first_campaign_id = coalesce(l.first_campaign_id, c.first_campaign_id),
      updated_at = now()
    from changes c
    where l.id = c.lead_id and l.workspace_id = c.workspace_id
      and (c.set_last
        or (c.has_first and not (${sql.raw(FIRST_SET_SQL)}))
        or (l.first_campaign_id is null and c.first_campaign_id is not null))`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export async function getTouchpoint(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
): Promise<TouchpointRow | undefined> {
  return db
    .selectFrom('touchpoints')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function getTouchpointsByIds(
  db: Kysely<DB>,
  workspaceId: number,
  ids: number[],
): Promise<TouchpointRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('touchpoints')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', sql<number>`any(${ids}::int8[])`)
    .execute();
}

export async function deleteTouchpoint(db: Kysely<DB>, workspaceId: number, id: number): Promise<boolean> {
  const result = await db
    .deleteFrom('touchpoints')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export interface TouchpointFilters {
  leadId?: number | undefined;
  campaignId?: number | undefined;
  types?: TouchpointType[] | undefined;
  channel?: string | undefined;
  occurredFrom?: Date | undefined;
  occurredTo?: Date | undefined;
}

export async function findTouchpoints(
  db: Kysely<DB>,
  workspaceId: number,
  filters: TouchpointFilters,
  sort: KeysetSort,
  limit: number,
  cursor?: string,
): Promise<TouchpointRow[]> {
  let query = db.selectFrom('touchpoints').selectAll().where('workspace_id', '=', workspaceId);
  if (filters.leadId !== undefined) query = query.where('lead_id', '=', filters.leadId);
  if (filters.campaignId !== undefined) query = query.where('campaign_id', '=', filters.campaignId);
  if (filters.types?.length) query = query.where('type', 'in', filters.types);
  if (filters.channel !== undefined) query = query.where('channel', '=', filters.channel);
  if (filters.occurredFrom) query = query.where('occurred_at', '>=', filters.occurredFrom);
  if (filters.occurredTo) query = query.where('occurred_at', '<', filters.occurredTo);
  if (cursor) query = query.where(keysetAfter(sort, cursor));
  for (const term of keysetOrder(sort)) query = query.orderBy(term);
  return query.limit(limit + 1).execute();
}
