import { type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import { type BulkColumn, unnestSource } from '../../db/bulk.ts';
import type { DB } from '../../db/schema.ts';
import type { ActivitiesTable, ActivityType } from '../../db/tables/foundation.ts';
import { type KeysetSort, keysetAfter, keysetOrder } from '../../shared/keyset.ts';

export type ActivityRow = Selectable<ActivitiesTable>;

export interface UserRef {
  id: number;
  email: string;
}

export async function findUserRefsByIds(
  db: Kysely<DB>,
  workspaceId: number,
  ids: number[],
): Promise<UserRef[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('users')
    .select(['id', 'email'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', sql<number>`any(${ids}::int4[])`)
    .execute();
}

/** Emails are matched lower-cased, as the users_workspace_email index stores them. */
export async function findUserRefsByEmails(
  db: Kysely<DB>,
  workspaceId: number,
  emails: string[],
): Promise<UserRef[]> {
  if (emails.length === 0) return [];
  return db
    .selectFrom('users')
    .select(['id', 'email'])
    .where('workspace_id', '=', workspaceId)
    .where(sql`lower(email)`, '=', sql<string>`any(${emails.map((email) => email.toLowerCase())}::text[])`)
    .execute();
}

export interface NewActivity {
  external_id: string | null;
  lead_id: number | null;
  opportunity_id: number | null;
  type: ActivityType;
  outcome: string | null;
  notes: string | null;
  occurred_at: Date;
  actor_id: number | null;
}

export interface InsertedActivity {
  id: number;
  external_id: string | null;
  lead_id: number | null;
  opportunity_id: number | null;
  type: ActivityType;
  occurred_at: Date;
  actor_id: number | null;
}

const ACTIVITY_COLUMNS: readonly BulkColumn<NewActivity>[] = [
  { name: 'external_id', type: 'text', value: (row) => row.external_id },
  { name: 'lead_id', type: 'int4', value: (row) => row.lead_id },
  { name: 'opportunity_id', type: 'int4', value: (row) => row.opportunity_id },
  { name: 'type', type: 'text', value: (row) => row.type },
  { name: 'outcome', type: 'text', value: (row) => row.outcome },
  { name: 'notes', type: 'text', value: (row) => row.notes },
  { name: 'occurred_at', type: 'timestamptz', value: (row) => row.occurred_at },
  { name: 'actor_id', type: 'int4', value: (row) => row.actor_id },
];

/**
 * Inserts activities in one statement. A row whose external_id is already recorded is
 * skipped (idempotent ingest); the rest come back in input order.
 */
export async function insertActivitiesSkippingRecorded(
  db: Kysely<DB>,
  workspaceId: number,
  rows: readonly NewActivity[],
): Promise<InsertedActivity[]> {
  if (rows.length === 0) return [];
  const names = sql.join(ACTIVITY_COLUMNS.map((column) => sql.ref(column.name)));
  const aliases = sql.join(ACTIVITY_COLUMNS.map((_, index) => sql.raw(`c${index}`)));
  const selected = sql.join(ACTIVITY_COLUMNS.map((_, index) => sql.raw(`src.c${index}`)));
  const result = await sql<InsertedActivity>`
    insert into activities (workspace_id, ${names})
    select ${workspaceId}::int4, ${selected}
    from ${unnestSource(rows, ACTIVITY_COLUMNS)} with ordinality as src(${aliases}, n)
    order by src.n
    on conflict (workspace_id, external_id) where external_id is not null do nothing
    returning id, external_id, lead_id, opportunity_id, type, occurred_at, actor_id`.execute(db);
  return result.rows;
}

export async function findActivityIdsByExternalIds(
  db: Kysely<DB>,
  workspaceId: number,
  externalIds: string[],
): Promise<{ id: number; external_id: string }[]> {
  if (externalIds.length === 0) return [];
  const rows = await db
    .selectFrom('activities')
    .select(['id', 'external_id'])
    .where('workspace_id', '=', workspaceId)
    .where('external_id', '=', sql<string>`any(${externalIds}::text[])`)
    .execute();
  return rows as { id: number; external_id: string }[];
}

export async function getActivity(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
  options: { forUpdate?: boolean } = {},
): Promise<ActivityRow | undefined> {
  const query = db
    .selectFrom('activities')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function updateActivity(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
  patch: Updateable<ActivitiesTable>,
): Promise<ActivityRow | undefined> {
  return db
    .updateTable('activities')
    .set(patch)
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteActivity(db: Kysely<DB>, workspaceId: number, id: number): Promise<boolean> {
  const result = await db
    .deleteFrom('activities')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export interface ActivityFilters {
  leadId?: number | undefined;
  opportunityId?: number | undefined;
  actorId?: number | undefined;
  types?: ActivityType[] | undefined;
  outcome?: string | undefined;
  occurredFrom?: Date | undefined;
  occurredTo?: Date | undefined;
}

export async function findActivities(
  db: Kysely<DB>,
  workspaceId: number,
  filters: ActivityFilters,
  sort: KeysetSort,
  limit: number,
  cursor?: string,
): Promise<ActivityRow[]> {
  let query = db.selectFrom('activities').selectAll().where('workspace_id', '=', workspaceId);
  if (filters.leadId !== undefined) query = query.where('lead_id', '=', filters.leadId);
  if (filters.opportunityId !== undefined) query = query.where('opportunity_id', '=', filters.opportunityId);
  if (filters.actorId !== undefined) query = query.where('actor_id', '=', filters.actorId);
  if (filters.types?.length) query = query.where('type', 'in', filters.types);
  if (filters.outcome !== undefined) query = query.where('outcome', '=', filters.outcome);
  if (filters.occurredFrom) query = query.where('occurred_at', '>=', filters.occurredFrom);
  if (filters.occurredTo) query = query.where('occurred_at', '<', filters.occurredTo);
  if (cursor) query = query.where(keysetAfter(sort, cursor));
  for (const term of keysetOrder(sort)) query = query.orderBy(term);
  return query.limit(limit + 1).execute();
}
