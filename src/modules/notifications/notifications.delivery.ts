import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import nodemailer, { type Transporter } from 'nodemailer';
import type { DB } from '../../db/schema.ts';
import * as repository from './notifications.repository.ts';
import {
  backoffMs,
  DELIVERY_HEADER,
  EVENT_HEADER,
  emailRecipients,
  IDEMPOTENCY_HEADER,
  type LeadSummary,
  type PersonSummary,
  peopleIn,
  type RenderContext,
  renderText,
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
} from './notifications.ts';

export interface DeliveryOptions {
  /** The worker's notion of the current time (tests drive it; the server passes new Date()). */
  now?: Date;
  /** Deliveries claimed per call. */
  limit?: number;
  /** How long a claim is held before another worker may retry the row. */
  leaseMs?: number;
  /** Attempts before a delivery is given up as failed. */
  maxAttempts?: number;
  /** First retry delay; each further retry doubles it (capped at maxBackoffMs). */
  retryBaseMs?: number;
  maxBackoffMs?: number;
  /** Time allowed for one HTTP or SMTP exchange. */
  timeoutMs?: number;
  /** SMTP settings when the workspace has none (default: TANDEM_SMTP_URL / TANDEM_SMTP_FROM). */
  smtpUrl?: string | undefined;
  smtpFrom?: string | undefined;
}

export interface DeliveryRun {
  claimed: number;
  delivered: number;
  retried: number;
  failed: number;
  skipped: number;
}

interface Attempt {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  /** No point in retrying (for example an email with no address). */
  skip?: boolean;
}

interface SmtpSettings {
  url: string;
  from: string;
}

const DEFAULT_FROM = 'Tandem <tandem@localhost>';

function smtpFor(
  settings: Record<string, unknown> | undefined,
  options: DeliveryOptions,
): SmtpSettings | null {
  const smtp = (settings?.smtp ?? null) as { url?: unknown; from?: unknown } | null;
  const url =
    typeof smtp?.url === 'string' && smtp.url ? smtp.url : (options.smtpUrl ?? process.env.TANDEM_SMTP_URL);
  if (!url) return null;
  const from =
    typeof smtp?.from === 'string' && smtp.from
      ? smtp.from
      : (options.smtpFrom ?? process.env.TANDEM_SMTP_FROM);
  return { url, from: from || DEFAULT_FROM };
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    return `${error.message}${detail}`.slice(0, 1000);
  }
  return String(error).slice(0, 1000);
}

async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Attempt> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Tandem-Notifications/1', ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    if (response.status >= 200 && response.status < 300) {
      await response.body?.cancel();
      return { ok: true, statusCode: response.status, error: null };
    }
    const text = (await response.text()).slice(0, 300);
    return {
      ok: false,
      statusCode: response.status,
      error: `HTTP ${response.status}${text ? `: ${text}` : ''}`,
    };
  } catch (error) {
    return { ok: false, statusCode: null, error: describeError(error) };
  }
}

/**
 * Delivers what is due: claims a batch, sends each delivery over its channel, and records
 * the outcome (delivered, retry later with exponential backoff, or failed after the last
 * attempt). Safe to run in several processes at once; a crash mid-delivery leaves the row
 * claimed until its lease expires, after which another worker sends it again (at least
 * once; receivers deduplicate on the Idempotency-Key header).
 */
export async function deliverDueNotifications(
  db: Kysely<DB>,
  options: DeliveryOptions = {},
): Promise<DeliveryRun> {
  const now = options.now ?? new Date();
  const leaseMs = options.leaseMs ?? 60_000;
  const maxAttempts = options.maxAttempts ?? 10;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const leaseToken = randomUUID();
  const claimed = await repository.claimDueDeliveries(db, {
    now,
    limit: options.limit ?? 25,
    leaseMs,
    leaseToken,
  });
  const run: DeliveryRun = { claimed: claimed.length, delivered: 0, retried: 0, failed: 0, skipped: 0 };
  if (claimed.length === 0) return run;

  const notifications = new Map(
    (await repository.getNotificationsByIds(db, [...new Set(claimed.map((d) => d.notification_id))])).map(
      (n) => [n.id, n],
    ),
  );
  const channels = new Map(
    (await repository.getChannelsByIds(db, [...new Set(claimed.map((d) => d.channel_id))])).map((c) => [
      c.id,
      c,
    ]),
  );
  const personIds = new Set<number>();
  const leadIds = new Set<number>();
  const workspaceIds = new Set<number>();
  for (const notification of notifications.values()) {
    if (notification.recipient_user_id !== null) personIds.add(notification.recipient_user_id);
    for (const id of peopleIn(notification.payload)) personIds.add(id);
    if (notification.lead_id !== null) leadIds.add(notification.lead_id);
    workspaceIds.add(notification.workspace_id);
  }
  const people = await repository.getPeopleByIds(db, [...personIds]);
  const leads = new Map((await repository.getLeadSummaries(db, [...leadIds])).map((lead) => [lead.id, lead]));
  const settings = new Map(
    (await repository.getWorkspaceSettings(db, [...workspaceIds])).map((row) => [row.id, row.settings]),
  );
  const transports = new Map<string, Transporter>();

  const deliverOne = async (delivery: repository.DeliveryRow): Promise<void> => {
    const notification = notifications.get(delivery.notification_id);
    const channel = channels.get(delivery.channel_id);
    let attempt: Attempt;
    if (!notification || !channel?.active) {
      attempt = { ok: false, statusCode: null, error: 'The channel is inactive', skip: true };
    } else if (delivery.attempts > maxAttempts) {
      attempt = { ok: false, statusCode: null, error: 'The last attempt did not finish (lease expired)' };
    } else {
      // Users of another workspace never appear in a notification, whatever its payload says.
      const peopleOfWorkspace = new Map<number, PersonSummary>(
        people
          .filter((p) => p.workspace_id === notification.workspace_id)
          .map((p) => [p.id, { id: p.id, name: p.name, email: p.email }]),
      );
      const lead = notification.lead_id === null ? undefined : leads.get(notification.lead_id);
      const context: RenderContext = {
        event: notification.event,
        leadId: notification.lead_id,
        payload: notification.payload,
        lead: lead && lead.workspace_id === notification.workspace_id ? (lead as LeadSummary) : null,
        recipient:
          notification.recipient_user_id === null
            ? null
            : (peopleOfWorkspace.get(notification.recipient_user_id) ?? null),
        people: peopleOfWorkspace,
      };
      const text = renderText(context);
      const idempotencyKey = `${notification.workspace_id}:${notification.idempotency_key}`;
      if (channel.kind === 'webhook') {
        const body = JSON.stringify({
          id: notification.id,
          event: notification.event,
          workspace_id: notification.workspace_id,
          lead_id: notification.lead_id,
          recipient_user_id: notification.recipient_user_id,
          recipient_email: context.recipient?.email ?? null,
          occurred_at: notification.created_at.toISOString(),
          idempotency_key: idempotencyKey,
          text,
          lead: context.lead,
          payload: notification.payload,
        });
        const timestamp = Math.floor(now.getTime() / 1000);
        const headers: Record<string, string> = {
          [EVENT_HEADER]: notification.event,
          [DELIVERY_HEADER]: String(delivery.id),
          [IDEMPOTENCY_HEADER]: idempotencyKey,
          [TIMESTAMP_HEADER]: String(timestamp),
        };
        if (channel.secret) headers[SIGNATURE_HEADER] = signWebhook(channel.secret, timestamp, body);
        attempt = await postJson(channel.url ?? '', body, headers, timeoutMs);
      } else if (channel.kind === 'slack') {
        attempt = await postJson(
          channel.url ?? '',
          JSON.stringify({ text }),
          { [IDEMPOTENCY_HEADER]: idempotencyKey },
          timeoutMs,
        );
      } else {
        const configured = Array.isArray(channel.config.to)
          ? channel.config.to.filter((value): value is string => typeof value === 'string')
          : [];
        const { to, cc } = emailRecipients(context, configured);
        const smtp = smtpFor(settings.get(notification.workspace_id), options);
        if (to.length === 0 && cc.length === 0) {
          attempt = { ok: false, statusCode: null, error: 'No recipient address', skip: true };
        } else if (!smtp) {
          attempt = {
            ok: false,
            statusCode: null,
            error: 'SMTP is not configured (set TANDEM_SMTP_URL or the workspace SMTP settings)',
          };
        } else {
          let transport = transports.get(smtp.url);
          if (!transport) {
            transport = nodemailer.createTransport({
              url: smtp.url,
              connectionTimeout: timeoutMs,
              greetingTimeout: timeoutMs,
              socketTimeout: timeoutMs,
            });
            transports.set(smtp.url, transport);
          }
          try {
            await transport.sendMail({
              from: smtp.from,
              to: to.length > 0 ? to : cc,
              cc: to.length > 0 && cc.length > 0 ? cc : undefined,
              subject: `[Tandem] ${text}`.slice(0, 200),
              text: `${text}\n\nEvent: ${notification.event}\nIdempotency key: ${idempotencyKey}\n`,
              messageId: `<notification-${notification.id}.channel-${channel.id}@tandem>`,
              headers: { [IDEMPOTENCY_HEADER]: idempotencyKey, [EVENT_HEADER]: notification.event },
            });
            attempt = { ok: true, statusCode: null, error: null };
          } catch (error) {
            attempt = { ok: false, statusCode: null, error: describeError(error) };
          }
        }
      }
    }

    const finishedAt = options.now ?? new Date();
    let outcome: repository.DeliveryOutcome;
    if (attempt.ok) {
      outcome = { status: 'delivered', lastError: null, lastStatusCode: attempt.statusCode, now: finishedAt };
      run.delivered += 1;
    } else if (attempt.skip) {
      outcome = {
        status: 'skipped',
        lastError: attempt.error,
        lastStatusCode: attempt.statusCode,
        now: finishedAt,
      };
      run.skipped += 1;
    } else if (delivery.attempts >= maxAttempts) {
      outcome = {
        status: 'failed',
        lastError: attempt.error,
        lastStatusCode: attempt.statusCode,
        now: finishedAt,
      };
      run.failed += 1;
    } else {
      outcome = {
        status: 'pending',
        dueAt: new Date(
          finishedAt.getTime() + backoffMs(delivery.attempts, options.retryBaseMs, options.maxBackoffMs),
        ),
        lastError: attempt.error,
        lastStatusCode: attempt.statusCode,
        now: finishedAt,
      };
      run.retried += 1;
    }
    await repository.finishDelivery(db, { id: delivery.id, leaseToken }, outcome);
  };

  try {
    await Promise.all(claimed.map(deliverOne));
  } finally {
    for (const transport of transports.values()) transport.close();
  }
  return run;
}
