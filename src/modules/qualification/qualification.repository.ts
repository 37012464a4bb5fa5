import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { LifecycleStage, Temperature } from '../../db/tables/foundation.ts';
import type { LeadRow } from '../leads/leads.repository.ts';
import { eligibleForMqlSql, missingFieldsSql } from '../scoring/scoring.repository.ts';

export async function getFields(db: Kysely<DB>, workspaceId: number): Promise<string[]> {
  const row = await db
    .selectFrom('qualification_settings')
    .select('fields')
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return (row?.fields as string[] | undefined) ?? [];
}

export async function saveFields(
  db: Kysely<DB>,
  workspaceId: number,
  fields: string[],
  updatedBy: number | null,
  now: Date,
): Promise<void> {
  await db
    .insertInto('qualification_settings')
    .values({
      workspace_id: workspaceId,
      fields: JSON.stringify(fields),
      updated_by: updatedBy,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc
        .column('workspace_id')
        .doUpdateSet({ fields: JSON.stringify(fields), updated_by: updatedBy, updated_at: now }),
    )
    .execute();
}

/**
 * Puts leads on the "needs qualification" list, or refreshes what they miss, in one
 * statement. Returns the leads that were not on the list before (the moment to tell
 * marketing), with the moment they entered it.
 */
export async function upsertQueue(
  db: Kysely<DB>,
  workspaceId: number,
  items: readonly { id: number; missing: string[] }[],
  now: Date,
): Promise<{ lead_id: number; entered_at: Date }[]> {
  if (items.length === 0) return [];
  const result = await sql<{ lead_id: number; entered_at: Date; inserted: boolean }>`
    insert into qualification_queue (workspace_id, lead_id, entered_at, missing_fields)
    select ${workspaceId}, u.lead_id, ${now.toISOString()}::timestamptz, u.missing::jsonb
    from unnest(${items.map((item) => item.id)}::int4[], ${items.map((item) => JSON.stringify(item.missing))}::text[]) as u(lead_id, missing)
    on conflict (workspace_id, lead_id) do update set missing_fields = excluded.missing_fields
      where qualification_queue.missing_fields is distinct from excluded.missing_fields
    returning lead_id, entered_at, (xmax = 0) as inserted`.execute(db);
  return result.rows
    .filter((row) => row.inserted)
    .map(({ lead_id, entered_at }) => ({ lead_id, entered_at }));
}

export interface QueueNotice {
  id: number;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  score: number;
  stage: LifecycleStage;
}

export async function findNoticeLeads(
  db: Kysely<DB>,
  workspaceId: number,
  ids: readonly number[],
): Promise<QueueNotice[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('leads')
    .select(['id', 'email', 'first_name', 'last_name', 'company', 'score', 'stage'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', sql<number>`any(${[...ids]}::int4[])`)
    .orderBy('id')
    .execute();
}

export async function removeFromQueue(db: Kysely<DB>, workspaceId: number, leadId: number): Promise<void> {
  await db
    .deleteFrom('qualification_queue')
    .where('workspace_id', '=', workspaceId)
    .where('lead_id', '=', leadId)
    .execute();
}

export async function queuedLeadIds(db: Kysely<DB>, workspaceId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('qualification_queue')
    .select('lead_id')
    .where('workspace_id', '=', workspaceId)
    .orderBy('lead_id')
    .execute();
  return rows.map((row) => row.lead_id);
}

/** Full rows of leads the caller has locked, in id order. */
export async function findLeadsByIds(
  db: Kysely<DB>,
  workspaceId: number,
  ids: readonly number[],
): Promise<LeadRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('leads')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', sql<number>`any(${[...ids]}::int4[])`)
    .orderBy('id')
    .execute();
}

export interface QueueRow {
  id: number;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  title: string | null;
  stage: LifecycleStage;
  temperature: Temperature;
  score: number;
  owner_id: number | null;
  missing_fields: string[];
  since: Date | null;
}

/**
 * Leads at or above the MQL score that could be handed off but miss qualification fields,
 * hottest first. Computed from the leads themselves, so it is current whatever changed them.
 */
export async function findQueue(
  db: Kysely<DB>,
  workspaceId: number,
  mqlScore: number,
  fields: readonly string[],
  limit: number,
  after: { score: number; id: number } | null,
): Promise<QueueRow[]> {
  if (fields.length === 0) return [];
  const cursor = after
    ? sql<boolean>`(l.score < ${after.score}::int or (l.score = ${after.score}::int and l.id > ${after.id}::int))`
    : sql<boolean>`true`;
  const result = await sql<QueueRow>`
    select l.id, l.email, l.first_name, l.last_name, l.company, l.title, l.stage, l.temperature, l.score,
      l.owner_id, m.missing as missing_fields, q.entered_at as since
    from leads l
    cross join lateral (select ${missingFieldsSql(fields)} as missing) m
    left join qualification_queue q on q.workspace_id = l.workspace_id and q.lead_id = l.id
    where l.workspace_id = ${workspaceId} and l.score >= ${mqlScore}::int and ${eligibleForMqlSql()}
      and cardinality(m.missing) > 0 and ${cursor}
    order by l.score desc, l.id
    limit ${limit + 1}`.execute(db);
  return result.rows;
}
