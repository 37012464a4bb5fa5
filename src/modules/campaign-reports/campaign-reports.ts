/**
 * Campaign ROI rules as pure functions: how much of a campaign's cost falls in a period,
 * the ratios of a results row, and which opportunities count as marketing-sourced.
 */

const DAY_MS = 86_400_000;

export interface CampaignCostInput {
  cost: number;
  /** 'YYYY-MM-DD' or null. */
  start_date: string | null;
  end_date: string | null;
  created_at: Date;
}

function dayNumber(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}

/**
 * The days a campaign's cost is spread over, as [first, last] day numbers (days since the
 * epoch, UTC): from its start date (else its end date, else the day it was created) to its
 * end date (else, for a campaign still running, today; never before the start).
 */
export function costSpan(campaign: CampaignCostInput, today: Date): [number, number] {
  const created = Math.floor(campaign.created_at.getTime() / DAY_MS);
  const first =
    campaign.start_date !== null
      ? dayNumber(campaign.start_date)
      : campaign.end_date !== null
        ? dayNumber(campaign.end_date)
        : created;
  const last =
    campaign.end_date !== null
      ? dayNumber(campaign.end_date)
      : Math.max(first, Math.floor(today.getTime() / DAY_MS));
  return [first, Math.max(first, last)];
}

/**
 * The part of a campaign's cost that falls in [from, to): the cost is spread evenly over the
 * days of its span, and a day counts when it starts inside the period. Without a period,
 * the whole cost.
 */
export function allocatedCost(
  campaign: CampaignCostInput,
  period: { from: Date | null; to: Date | null },
  today: Date,
): number {
  if (period.from === null && period.to === null) return campaign.cost;
  const [first, last] = costSpan(campaign, today);
  const days = last - first + 1;
  const from = period.from === null ? first : Math.ceil(period.from.getTime() / DAY_MS);
  const to = period.to === null ? last + 1 : Math.ceil(period.to.getTime() / DAY_MS);
  const overlap = Math.max(0, Math.min(last + 1, to) - Math.max(first, from));
  return (campaign.cost * overlap) / days;
}

/** value / count, or null when there is nothing to divide by. */
export function per(value: number, count: number): number | null {
  return count > 0 ? value / count : null;
}

/** (won revenue - cost) / cost; null without cost. */
export function roi(wonRevenue: number, cost: number): number | null {
  return cost > 0 ? (wonRevenue - cost) / cost : null;
}

/**
 * Sources that do not count as marketing-sourced: sales prospecting, the installed base and
 * partners' own deals. Compared after lower-casing and turning runs of spaces, `_` and `-`
 * into one space. Any other known source or channel is marketing.
 */
export const NON_MARKETING_SOURCES: readonly string[] = [
  'outbound',
  'sales',
  'sales sourced',
  'sales generated',
  'prospecting',
  'sdr prospecting',
  'ae prospecting',
  'sdr',
  'bdr',
  'ae',
  'self sourced',
  'cold call',
  'cold calling',
  'cold email',
  'cold outreach',
  'expansion',
  'upsell',
  'cross sell',
  'renewal',
  'existing customer',
  'existing business',
  'account management',
];

export function normaliseSource(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');
}

/**
 * Whether an opportunity is marketing-sourced: its own `source` when it has one, else the
 * sourcing channel of its primary lead (first touch, first campaign or the lead's source).
 * Without either, it is not.
 */
export function isMarketingSourced(source: string | null, leadChannel: string | null): boolean {
  const value = source?.trim() ? source : leadChannel;
  if (value === null || value === undefined || !value.trim()) return false;
  return !NON_MARKETING_SOURCES.includes(normaliseSource(value));
}
