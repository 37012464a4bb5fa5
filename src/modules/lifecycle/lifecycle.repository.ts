import type { Insertable, Kysely, Selectable } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { LifecycleEventsTable } from '../../db/tables/foundation.ts';

export type LifecycleEventRow = Selectable<LifecycleEventsTable>;

export async function insertLifecycleEvent(
  db: Kysely<DB>,
  event: Insertable<LifecycleEventsTable>,
): Promise<LifecycleEventRow> {
  return db.insertInto('lifecycle_events').values(event).returningAll().executeTakeFirstOrThrow();
}

export async function findLifecycleEvents(
  db: Kysely<DB>,
  workspaceId: number,
  leadId: number,
): Promise<LifecycleEventRow[]> {
  return db
    .selectFrom('lifecycle_events')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('lead_id', '=', leadId)
    .orderBy('occurred_at')
    .orderBy('id')
    .execute();
}
