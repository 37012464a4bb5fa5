import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NotificationEvent } from '../../db/tables/handoff-sla.ts';

export const NOTIFICATION_EVENTS: readonly NotificationEvent[] = [
  'lead.assigned',
  'sla.warning',
  'sla.breached',
  'lead.rejected',
  'lead.recycled',
  'lead.needs_qualification',
];

export const SIGNATURE_HEADER = 'x-tandem-signature';
export const TIMESTAMP_HEADER = 'x-tandem-timestamp';
export const EVENT_HEADER = 'x-tandem-event';
export const DELIVERY_HEADER = 'x-tandem-delivery';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/**
 * The webhook signature: HMAC-SHA256 with the channel's secret over "<timestamp>.<body>",
 * hex encoded and prefixed with the scheme version. Signing the timestamp with the body
 * lets a receiver refuse replays of old deliveries.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does (and what docs/NOTIFICATIONS.md shows): recompute and compare in constant time. */
export function verifyWebhook(
  secret: string,
  timestampHeader: string,
  signatureHeader: string,
  body: string,
  options: { nowSeconds: number; toleranceSeconds?: number },
): boolean {
  const timestamp = Number(timestampHeader);
  if (!Number.isInteger(timestamp)) return false;
  if (Math.abs(options.nowSeconds - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signatureHeader);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Delay before retry number `attempts` (1 = after the first failure): exponential from
 * `baseMs`, doubling each time, capped at `maxMs`.
 */
export function backoffMs(attempts: number, baseMs = 30_000, maxMs = 3_600_000): number {
  const exponent = Math.max(0, attempts - 1);
  return Math.min(maxMs, baseMs * 2 ** Math.min(exponent, 30));
}

export interface LeadSummary {
  id: number;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  stage: string;
  score: number;
}

export interface PersonSummary {
  id: number;
  name: string;
  email: string;
}

export interface RenderContext {
  event: NotificationEvent;
  leadId: number | null;
  payload: Record<string, unknown>;
  lead: LeadSummary | null;
  recipient: PersonSummary | null;
  /** Users named in the payload (owner_user_id, manager_user_id, rejected_by_user_id ...). */
  people: ReadonlyMap<number, PersonSummary>;
}

function leadLabel(context: RenderContext): string {
  const lead = context.lead;
  const id = lead?.id ?? context.leadId;
  if (!lead) return id === null ? 'A lead' : `Lead #${id}`;
  const name = [lead.first_name, lead.last_name].filter(Boolean).join(' ');
  const who = [name || null, lead.email, lead.company].filter(Boolean).join(', ');
  return who ? `Lead #${lead.id} (${who})` : `Lead #${lead.id}`;
}

function person(context: RenderContext, key: string): string | null {
  const id = context.payload[key];
  if (typeof id !== 'number') return null;
  return context.people.get(id)?.name ?? `user #${id}`;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

const WARNING_WORDS: Record<string, string> = {
  accept: 'must be accepted',
  activity: 'needs a first sales activity',
  attempts: 'needs more contact attempts',
};
const BREACH_WORDS: Record<string, string> = {
  accept: 'was not accepted',
  activity: 'had no sales activity',
  attempts: 'did not get enough contact attempts',
};

/** One line of plain text for Slack, email subjects and the webhook `text` field. */
export function renderText(context: RenderContext): string {
  const lead = leadLabel(context);
  const payload = context.payload;
  switch (context.event) {
    case 'lead.assigned': {
      const to =
        person(context, 'assigned_to') ??
        person(context, 'owner_user_id') ??
        context.recipient?.name ??
        'a rep';
      const ruleObject = payload.rule as { name?: unknown } | null | undefined;
      const rule = text(payload.rule_name) ?? text(ruleObject?.name);
      return `${lead} was assigned to ${to}${rule ? ` by rule "${rule}"` : ''}.`;
    }
    case 'sla.warning': {
      const target = WARNING_WORDS[String(payload.target)] ?? 'must be worked';
      const deadline = text(payload.deadline_at);
      return `SLA warning: ${lead} ${target}${deadline ? ` by ${deadline}` : ' soon'}.`;
    }
    case 'sla.breached': {
      const target = BREACH_WORDS[String(payload.target)] ?? 'was not worked';
      const deadline = text(payload.deadline_at);
      const owner = person(context, 'owner_user_id');
      const base = `SLA breached: ${lead} ${target}${deadline ? ` by ${deadline}` : ''}${owner ? ` (owner: ${owner})` : ''}.`;
      return payload.escalation === true ? `Escalation. ${base}` : base;
    }
    case 'lead.rejected': {
      const by = person(context, 'rejected_by_user_id');
      const reason = text(payload.reason_label) ?? text(payload.reason_code) ?? 'no reason given';
      const note = text(payload.note);
      const outcome = text(payload.outcome);
      return `${lead} was rejected${by ? ` by ${by}` : ''}: ${reason}${note ? ` (${note})` : ''}${outcome ? `; it is now ${outcome}` : ''}.`;
    }
    case 'lead.recycled': {
      const reason = text(payload.reason);
      return `${lead} was recycled back to marketing${reason ? `: ${reason}` : ''}.`;
    }
    case 'lead.needs_qualification': {
      const missing = Array.isArray(payload.missing_fields) ? payload.missing_fields.join(', ') : null;
      return `${lead} reached the MQL score but needs qualification${missing ? ` (missing: ${missing})` : ''}.`;
    }
    default: {
      const unreachable: never = context.event;
      return String(unreachable);
    }
  }
}

/** Email addresses for a notification on an email channel, without duplicates. */
export function emailRecipients(
  context: RenderContext,
  configured: readonly string[],
): { to: string[]; cc: string[] } {
  const to = new Set<string>();
  if (context.recipient) to.add(context.recipient.email.toLowerCase());
  for (const address of configured) to.add(address.toLowerCase());
  const cc = new Set<string>();
  if (context.payload.escalation === true && typeof context.payload.manager_user_id === 'number') {
    const manager = context.people.get(context.payload.manager_user_id);
    if (manager && !to.has(manager.email.toLowerCase())) cc.add(manager.email.toLowerCase());
  }
  return { to: [...to], cc: [...cc] };
}

/** The user ids a payload names, so the worker can load them in one query. */
export function peopleIn(payload: Record<string, unknown>): number[] {
  const ids: number[] = [];
  for (const key of [
    'owner_user_id',
    'manager_user_id',
    'rejected_by_user_id',
    'previous_owner_user_id',
    'assigned_to',
    'previous_owner_id',
  ]) {
    const value = payload[key];
    if (typeof value === 'number' && Number.isInteger(value)) ids.push(value);
  }
  return ids;
}
