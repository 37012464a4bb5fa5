import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { NotificationEvent } from '../../db/tables/handoff-sla.ts';
import { AppError } from '../../shared/errors.ts';
import { decodeCursor, type Page, toPage } from '../../shared/pagination.ts';
import { type Caller, requireRole } from '../auth/auth.ts';
import * as repository from './notifications.repository.ts';
import type {
  CreateChannelInput,
  ListNotificationsQuery,
  UpdateChannelInput,
} from './notifications.schemas.ts';

export type { NotificationEvent } from '../../db/tables/handoff-sla.ts';

export interface NotificationRequest {
  workspaceId: number;
  event: NotificationEvent;
  leadId?: number | null;
  recipientUserId?: number | null;
  payload: Record<string, unknown>;
  /** Unique per workspace; a second enqueue with the same key is a no-op. */
  idempotencyKey: string;
  /** The moment of the event; delivery is due from then. Defaults to the current time. */
  at?: Date;
}

/**
 * Queues a notification in the caller's transaction (the transactional outbox): it becomes
 * visible to the delivery worker only if the event that caused it commits.
 */
export async function enqueueNotification(trx: Kysely<DB>, notification: NotificationRequest): Promise<void> {
  await repository.insertNotification(trx, {
    workspaceId: notification.workspaceId,
    event: notification.event,
    leadId: notification.leadId ?? null,
    recipientUserId: notification.recipientUserId ?? null,
    payload: notification.payload,
    idempotencyKey: notification.idempotencyKey,
    dueAt: notification.at ?? new Date(),
  });
}

// ----- channels (admins) ----------------------------------------------------------------

function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

export interface ChannelWithSecret {
  channel: repository.ChannelRow;
  /** The plain secret, only right after it was set. */
  secret?: string;
}

export async function createChannel(
  db: Kysely<DB>,
  caller: Caller,
  input: CreateChannelInput,
): Promise<ChannelWithSecret> {
  requireRole(caller, ['admin'], 'manage notification channels');
  const secret = input.kind === 'webhook' ? (input.secret ?? newSecret()) : null;
  const now = new Date();
  const channel = await repository.insertChannel(db, {
    workspace_id: caller.workspaceId,
    name: input.name,
    kind: input.kind,
    url: input.url ?? null,
    secret,
    events: JSON.stringify([...new Set(input.events)]),
    config: JSON.stringify(input.config ?? {}),
    active: input.active ?? true,
    created_at: now,
    updated_at: now,
  });
  return secret ? { channel, secret } : { channel };
}

export async function findChannels(db: Kysely<DB>, caller: Caller): Promise<repository.ChannelRow[]> {
  requireRole(caller, ['admin'], 'see notification channels');
  return repository.findChannels(db, caller.workspaceId);
}

export async function getChannel(db: Kysely<DB>, caller: Caller, id: number): Promise<repository.ChannelRow> {
  requireRole(caller, ['admin'], 'see notification channels');
  const channel = await repository.getChannel(db, caller.workspaceId, id);
  if (!channel) throw new AppError('RESOURCE_NOT_FOUND', `Notification channel ${id} does not exist`);
  return channel;
}

export async function updateChannel(
  db: Kysely<DB>,
  caller: Caller,
  id: number,
  input: UpdateChannelInput,
): Promise<ChannelWithSecret> {
  requireRole(caller, ['admin'], 'manage notification channels');
  return db.transaction().execute(async (trx) => {
    const current = await repository.getChannel(trx, caller.workspaceId, id);
    if (!current) throw new AppError('RESOURCE_NOT_FOUND', `Notification channel ${id} does not exist`);
    if (current.kind === 'email' && input.url !== undefined) {
      throw new AppError('VALIDATION_FAILED', 'url: an email channel has no url', {
        issues: [{ path: 'url', message: 'an email channel has no url' }],
      });
    }
    if (current.kind !== 'webhook' && input.rotate_secret) {
      throw new AppError('VALIDATION_FAILED', 'rotate_secret: only webhook channels are signed', {
        issues: [{ path: 'rotate_secret', message: 'only webhook channels are signed' }],
      });
    }
    const secret = input.rotate_secret ? newSecret() : undefined;
    const updated = await repository.updateChannel(trx, caller.workspaceId, id, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.url !== undefined ? { url: input.url } : {}),
      ...(input.events !== undefined ? { events: JSON.stringify([...new Set(input.events)]) } : {}),
      ...(input.config !== undefined ? { config: JSON.stringify(input.config) } : {}),
      ...(input.active !== undefined ? { active: input.active } : {}),
      ...(secret ? { secret } : {}),
      updated_at: new Date(),
    });
    if (!updated) throw new AppError('RESOURCE_NOT_FOUND', `Notification channel ${id} does not exist`);
    return secret ? { channel: updated, secret } : { channel: updated };
  });
}

export async function deleteChannel(db: Kysely<DB>, caller: Caller, id: number): Promise<void> {
  requireRole(caller, ['admin'], 'manage notification channels');
  if (!(await repository.deleteChannel(db, caller.workspaceId, id))) {
    throw new AppError('RESOURCE_NOT_FOUND', `Notification channel ${id} does not exist`);
  }
}

// ----- SMTP settings (admins) -----------------------------------------------------------

export interface SmtpSettingsView {
  source: 'workspace' | 'environment' | 'none';
  url: string | null;
  from: string | null;
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable url)';
  }
}

export async function getSmtpSettings(db: Kysely<DB>, caller: Caller): Promise<SmtpSettingsView> {
  requireRole(caller, ['admin'], 'see the SMTP settings');
  const [row] = await repository.getWorkspaceSettings(db, [caller.workspaceId]);
  const smtp = (row?.settings.smtp ?? null) as { url?: string; from?: string } | null;
  if (smtp?.url) return { source: 'workspace', url: redact(smtp.url), from: smtp.from ?? null };
  const envUrl = process.env.TANDEM_SMTP_URL;
  if (envUrl)
    return { source: 'environment', url: redact(envUrl), from: process.env.TANDEM_SMTP_FROM ?? null };
  return { source: 'none', url: null, from: null };
}

export async function setSmtpSettings(
  db: Kysely<DB>,
  caller: Caller,
  input: { url: string | null; from?: string | undefined },
): Promise<SmtpSettingsView> {
  requireRole(caller, ['admin'], 'change the SMTP settings');
  await repository.setWorkspaceSetting(
    db,
    caller.workspaceId,
    'smtp',
    input.url === null ? null : { url: input.url, ...(input.from ? { from: input.from } : {}) },
  );
  return getSmtpSettings(db, caller);
}

// ----- the delivery log -----------------------------------------------------------------

export interface NotificationWithDeliveries extends repository.NotificationRow {
  deliveries: repository.DeliveryLogRow[];
}

/** Admins see every notification; everyone else sees the ones addressed to them. */
export async function findNotifications(
  db: Kysely<DB>,
  caller: Caller,
  query: ListNotificationsQuery,
): Promise<Page<NotificationWithDeliveries>> {
  const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
  const rows = await repository.findNotifications(
    db,
    caller.workspaceId,
    {
      ...(query.event ? { event: query.event } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.lead_id !== undefined ? { leadId: query.lead_id } : {}),
      ...(query.from ? { from: new Date(query.from) } : {}),
      ...(query.to ? { to: new Date(query.to) } : {}),
      ...(caller.role === 'admin' || caller.role === 'system' || caller.userId === null
        ? {}
        : { recipientUserId: caller.userId }),
    },
    query.limit,
    cursor?.id,
  );
  const deliveries = await repository.findDeliveriesOf(
    db,
    caller.workspaceId,
    rows.slice(0, query.limit).map((row) => row.id),
  );
  const byNotification = new Map<number, repository.DeliveryLogRow[]>();
  for (const delivery of deliveries) {
    const list = byNotification.get(delivery.notification_id) ?? [];
    list.push(delivery);
    byNotification.set(delivery.notification_id, list);
  }
  return toPage(
    rows,
    query.limit,
    (row) => ({ value: null, id: row.id }),
    (row) => ({ ...row, deliveries: byNotification.get(row.id) ?? [] }),
  );
}
