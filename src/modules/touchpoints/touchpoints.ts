import type { TouchpointType } from '../../db/tables/foundation.ts';

export const TOUCHPOINT_TYPES = [
  'form_fill',
  'email_open',
  'email_click',
  'webinar',
  'event',
  'ad_click',
  'page_view',
  'content_download',
  'chat',
] as const satisfies readonly TouchpointType[];

export const UTM_FIELDS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;
export type UtmField = (typeof UTM_FIELDS)[number];
export type Utm = Record<UtmField, string | null>;

/** A touchpoint counts for first/last-touch attribution when it carries any UTM parameter. */
export function hasUtm(touch: Partial<Utm>): boolean {
  return UTM_FIELDS.some((field) => touch[field] !== null && touch[field] !== undefined);
}

/** How far ahead of the server's clock a touchpoint may be stamped (clock skew of senders). */
export const MAX_FUTURE_MS = 24 * 3_600_000;

export function occurredAtIssue(occurredAt: Date, now: Date): string | null {
  return occurredAt.getTime() - now.getTime() > MAX_FUTURE_MS
    ? `is more than a day in the future (${occurredAt.toISOString()})`
    : null;
}

/** The attribution fields a lead carries, as the touchpoint rules maintain them. */
export interface LeadTouchFields {
  first: Utm | null;
  last: Utm | null;
  first_campaign_id: number | null;
}

export interface TouchForAttribution extends Utm {
  /** Insertion order: later-recorded touches have larger ids. */
  id: number;
  occurred_at: Date;
  campaign_id: number | null;
}

function byTime(a: TouchForAttribution, b: TouchForAttribution): number {
  return a.occurred_at.getTime() - b.occurred_at.getTime() || a.id - b.id;
}

function utmOf(touch: Utm): Utm {
  return {
    utm_source: touch.utm_source,
    utm_medium: touch.utm_medium,
    utm_campaign: touch.utm_campaign,
    utm_term: touch.utm_term,
    utm_content: touch.utm_content,
  };
}

/**
 * The lead's attribution fields after one batch of touchpoints, given everything recorded
 * before it (the rules recordTouchpoints applies in SQL, stated plainly):
 * - last touch: the UTM parameters of the UTM-carrying touchpoint latest by occurred_at
 *   (ties: the one recorded last), over all the lead's touchpoints; touches without UTM
 *   parameters (a direct page view, an email open) leave it alone;
 * - first touch: set once, from the earliest UTM-carrying touch of the first batch that has one;
 * - first campaign: set once, from the earliest touch with a campaign.
 */
export function leadTouchFieldsAfter(
  before: LeadTouchFields,
  earlierTouches: readonly TouchForAttribution[],
  batch: readonly TouchForAttribution[],
): LeadTouchFields {
  const withUtm = batch.filter(hasUtm).sort(byTime);
  const latestNew = withUtm[withUtm.length - 1];
  let last = before.last;
  if (latestNew) {
    const laterEarlier = earlierTouches.some(
      (touch) => hasUtm(touch) && touch.occurred_at.getTime() > latestNew.occurred_at.getTime(),
    );
    if (!laterEarlier) last = utmOf(latestNew);
  }
  const earliestNew = withUtm[0];
  const first = before.first ?? (earliestNew ? utmOf(earliestNew) : null);
  const withCampaign = batch.filter((touch) => touch.campaign_id !== null).sort(byTime);
  return {
    first,
    last,
    first_campaign_id: before.first_campaign_id ?? withCampaign[0]?.campaign_id ?? null,
  };
}

/** What one batch of touchpoints may change on one lead, before looking at the lead itself. */
export interface LeadTouchUpdate {
  lead_id: number;
  /** The latest UTM-carrying touch of the batch (null: none carried UTM parameters). */
  last_at: Date | null;
  last: Utm | null;
  /** The earliest UTM-carrying touch of the batch. */
  first: Utm | null;
  /** The campaign of the earliest touch with one. */
  first_campaign_id: number | null;
}

/**
 * Reduces a batch of just-recorded touches to one candidate update per lead: its latest and
 * earliest UTM-carrying touch (ties in occurred_at: the larger id is the later) and its
 * earliest campaign. Leads with nothing to offer are left out. The database then applies
 * them against what the lead already has (see applyTouchpointsToLeads).
 */
export function touchUpdatesPerLead(
  touches: readonly (Utm & { id: number; lead_id: number; occurred_at: Date; campaign_id: number | null })[],
): LeadTouchUpdate[] {
  type Touch = (typeof touches)[number];
  const before = (a: Touch, b: Touch) =>
    a.occurred_at.getTime() < b.occurred_at.getTime() ||
    (a.occurred_at.getTime() === b.occurred_at.getTime() && a.id < b.id);
  const perLead = new Map<number, { latest?: Touch; earliest?: Touch; campaign?: Touch }>();
  for (const touch of touches) {
    let entry = perLead.get(touch.lead_id);
    if (!entry) {
      entry = {};
      perLead.set(touch.lead_id, entry);
    }
    if (hasUtm(touch)) {
      if (!entry.latest || before(entry.latest, touch)) entry.latest = touch;
      if (!entry.earliest || before(touch, entry.earliest)) entry.earliest = touch;
    }
    if (touch.campaign_id !== null && (!entry.campaign || before(touch, entry.campaign)))
      entry.campaign = touch;
  }
  const updates: LeadTouchUpdate[] = [];
  for (const [leadId, entry] of perLead) {
    if (!entry.latest && !entry.campaign) continue;
    updates.push({
      lead_id: leadId,
      last_at: entry.latest?.occurred_at ?? null,
      last: entry.latest ? utmOf(entry.latest) : null,
      first: entry.earliest ? utmOf(entry.earliest) : null,
      first_campaign_id: entry.campaign?.campaign_id ?? null,
    });
  }
  return updates;
}
