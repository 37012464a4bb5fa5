import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type {
  DeliveryStatus,
  NotificationChannelKind,
  NotificationChannelsTable,
  NotificationDeliveriesTable,
  NotificationEvent,
  NotificationsTable,
} from '../../db/tables/handoff-sla.ts';
import { AppError, isUniqueViolation } from '../../shared/errors.ts';
import type { LeadSummary } from './notifications.ts';

export interface NewNotification {
  workspaceId: number;
  event: NotificationEvent;
  leadId: number | null;
  recipientUserId: number | null;
  payload: Record<string, unknown>;
  idempotencyKey: string;
  /** When the first delivery attempt is due (normally the moment of the event). */
  dueAt: Date;
}

/**
 * Writes the notification and, in the same statement, one pending delivery per active
 * channel subscribed to its event. A repeated idempotency key inserts nothing at all, so
 * a retried use-case never queues a second delivery.
 */
export async function insertNotification(db: Kysely<DB>, notification: NewNotification): Promise<void> {
  await db
    .with('inserted', (qb) =>
      qb
        .insertInto('notifications')
        .values({
          workspace_id: notification.workspaceId,
          event: notification.event,
          lead_id: notification.leadId,
          recipient_user_id: notification.recipientUserId,
          payload: JSON.stringify(notification.payload),
          idempotency_key: notification.idempotencyKey,
          created_at: notification.dueAt,
        })
        .onConflict((oc) => oc.columns(['workspace_id', 'idempotency_key']).doNothing())
        .returning(['id', 'workspace_id', 'event']),
    )
    .insertInto('notification_deliveries')
    .columns(['workspace_id', 'notification_id', 'channel_id', 'due_at'])
    .expression((eb) =>
      eb
        .selectFrom('inserted')
        .innerJoin('notification_channels as c', 'c.workspace_id', 'inserted.workspace_id')
        .where('c.active', '=', true)
        .where(sql<boolean>`c.events @> jsonb_build_array(inserted.event)`)
        .select([
          'inserted.workspace_id',
          'inserted.id',
          'c.id',
          sql<Date>`${notification.dueAt}::timestamptz`.as('due_at'),
        ]),
    )
    .execute();
}

// ----- channels ---------------------------------------------------------------------------

export type ChannelRow = Selectable<NotificationChannelsTable>;

function duplicateChannelError(): AppError {
  return new AppError('ALREADY_EXISTS', 'A notification channel with this name already exists', {
    issues: [{ path: 'name', message: 'already used by another channel' }],
  });
}

export async function insertChannel(
  db: Kysely<DB>,
  channel: Insertable<NotificationChannelsTable>,
): Promise<ChannelRow> {
  try {
    return await db
      .insertInto('notification_channels')
      .values(channel)
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateChannelError();
    throw error;
  }
}

export async function updateChannel(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
  patch: Updateable<NotificationChannelsTable>,
): Promise<ChannelRow | undefined> {
  try {
    return await db
      .updateTable('notification_channels')
      .set(patch)
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateChannelError();
    throw error;
  }
}

export async function getChannel(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
): Promise<ChannelRow | undefined> {
  return db
    .selectFrom('notification_channels')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function findChannels(db: Kysely<DB>, workspaceId: number): Promise<ChannelRow[]> {
  return db
    .selectFrom('notification_channels')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('id')
    .execute();
}

export async function deleteChannel(db: Kysely<DB>, workspaceId: number, id: number): Promise<boolean> {
  const result = await db
    .deleteFrom('notification_channels')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

// ----- delivery -----------------------------------------------------------------------------

export type DeliveryRow = Selectable<NotificationDeliveriesTable>;
export type NotificationRow = Selectable<NotificationsTable>;

/**
 * Claims due deliveries for one worker: pending rows whose next attempt is due and rows
 * whose lease expired (a worker died mid-delivery). `for update skip locked` lets several
 * instances claim side by side without waiting on or taking each other's rows; the lease
 * token makes a late finisher unable to overwrite a row another worker has since claimed.
 */
export async function claimDueDeliveries(
  db: Kysely<DB>,
  claim: { now: Date; limit: number; leaseMs: number; leaseToken: string },
): Promise<DeliveryRow[]> {
  return db
    .updateTable('notification_deliveries')
    .set((eb) => ({
      status: 'delivering',
      attempts: eb('attempts', '+', 1),
      due_at: new Date(claim.now.getTime() + claim.leaseMs),
      lease_token: claim.leaseToken,
      updated_at: claim.now,
    }))
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('notification_deliveries')
        .select('id')
        .where('status', 'in', ['pending', 'delivering'])
        .where('due_at', '<=', claim.now)
        .orderBy('due_at')
        .orderBy('id')
        .limit(claim.limit)
        .forUpdate()
        .skipLocked(),
    )
    .returningAll()
    .execute();
}

export interface DeliveryOutcome {
  status: 'delivered' | 'pending' | 'failed' | 'skipped';
  dueAt?: Date;
  lastError: string | null;
  lastStatusCode: number | null;
  now: Date;
}

/** Records how an attempt ended, only while the worker still holds the lease. */
export async function finishDelivery(
  db: Kysely<DB>,
  delivery: { id: number; leaseToken: string },
  outcome: DeliveryOutcome,
): Promise<boolean> {
  const result = await db
    .updateTable('notification_deliveries')
    .set({
      status: outcome.status,
      due_at: outcome.dueAt ?? outcome.now,
      lease_token: null,
      last_error: outcome.lastError,
      last_status_code: outcome.lastStatusCode,
      delivered_at: outcome.status === 'delivered' ? outcome.now : null,
      updated_at: outcome.now,
    })
    .where('id', '=', delivery.id)
    .where('lease_token', '=', delivery.leaseToken)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function getNotificationsByIds(db: Kysely<DB>, ids: number[]): Promise<NotificationRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('notifications').selectAll().where('id', 'in', ids).execute();
}

export async function getChannelsByIds(db: Kysely<DB>, ids: number[]): Promise<ChannelRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('notification_channels').selectAll().where('id', 'in', ids).execute();
}

export async function getPeopleByIds(
  db: Kysely<DB>,
  ids: number[],
): Promise<{ id: number; workspace_id: number; name: string; email: string }[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('users')
    .select(['id', 'workspace_id', 'name', 'email'])
    .where('id', 'in', ids)
    .execute();
}

export async function getLeadSummaries(
  db: Kysely<DB>,
  ids: number[],
): Promise<(LeadSummary & { workspace_id: number })[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('leads')
    .select(['id', 'workspace_id', 'email', 'first_name', 'last_name', 'company', 'stage', 'score'])
    .where('id', 'in', ids)
    .execute();
}

export async function getWorkspaceSettings(
  db: Kysely<DB>,
  ids: number[],
): Promise<{ id: number; settings: Record<string, unknown> }[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('workspaces').select(['id', 'settings']).where('id', 'in', ids).execute();
}

/** Sets one key of the workspace settings without touching the others. */
export async function setWorkspaceSetting(
  db: Kysely<DB>,
  workspaceId: number,
  key: string,
  value: Record<string, unknown> | null,
): Promise<void> {
  await db
    .updateTable('workspaces')
    .set({
      settings:
        value === null
          ? sql`settings - ${key}::text`
          : sql`jsonb_set(settings, array[${key}::text], ${JSON.stringify(value)}::jsonb, true)`,
    })
    .where('id', '=', workspaceId)
    .execute();
}

// ----- the delivery log ---------------------------------------------------------------------

export interface NotificationFilters {
  event?: NotificationEvent;
  status?: DeliveryStatus;
  leadId?: number;
  recipientUserId?: number;
  from?: Date;
  to?: Date;
}

export async function findNotifications(
  db: Kysely<DB>,
  workspaceId: number,
  filters: NotificationFilters,
  limit: number,
  beforeId?: number,
): Promise<NotificationRow[]> {
  let query = db.selectFrom('notifications as n').selectAll('n').where('n.workspace_id', '=', workspaceId);
  if (filters.event) query = query.where('n.event', '=', filters.event);
  if (filters.leadId !== undefined) query = query.where('n.lead_id', '=', filters.leadId);
  if (filters.recipientUserId !== undefined)
    query = query.where('n.recipient_user_id', '=', filters.recipientUserId);
  if (filters.from) query = query.where('n.created_at', '>=', filters.from);
  if (filters.to) query = query.where('n.created_at', '<', filters.to);
  if (filters.status) {
    const status = filters.status;
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('notification_deliveries as d')
          .select('d.id')
          .whereRef('d.notification_id', '=', 'n.id')
          .where('d.status', '=', status),
      ),
    );
  }
  if (beforeId !== undefined) query = query.where('n.id', '<', beforeId);
  return query
    .orderBy('n.id', 'desc')
    .limit(limit + 1)
    .execute();
}

export interface DeliveryLogRow extends DeliveryRow {
  channel_name: string;
  channel_kind: NotificationChannelKind;
}

export async function findDeliveriesOf(
  db: Kysely<DB>,
  workspaceId: number,
  notificationIds: number[],
): Promise<DeliveryLogRow[]> {
  if (notificationIds.length === 0) return [];
  return db
    .selectFrom('notification_deliveries as d')
    .innerJoin('notification_channels as c', 'c.id', 'd.channel_id')
    .selectAll('d')
    .select(['c.name as channel_name', 'c.kind as channel_kind'])
    .where('d.workspace_id', '=', workspaceId)
    .where('d.notification_id', 'in', notificationIds)
    .orderBy('d.id')
    .execute();
}
