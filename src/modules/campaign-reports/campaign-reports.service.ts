import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../shared/errors.ts';
import { type AttributionFigures, getCreditsForKeys } from '../attribution/attribution.service.ts';
import type { RuleModel } from '../attribution/attribution.ts';
import { refreshJourneyRollups, sumContributions } from '../attribution/journeys.service.ts';
import { ANY_INFLUENCE, NO_STATE, type RollupKind } from '../attribution/journeys.ts';
import { periodJson, type ReportPeriod } from '../attribution/report-period.ts';
import type { Caller } from '../auth/auth.ts';
import type { CampaignRow } from './campaign-reports.repository.ts';
import * as repository from './campaign-reports.repository.ts';
import { allocatedCost, NON_MARKETING_SOURCES, per, roi } from './campaign-reports.ts';

export type CampaignDimension = 'campaign' | 'channel';

const COUNT_KINDS = {
  leads: 'sourced_leads',
  mqls: 'sourced_mqls',
  sqls: 'sourced_sqls',
  opportunities: 'sourced_opportunities',
  won_deals: 'sourced_won',
  influenced_opportunities: 'influenced_opportunities',
  influenced_won_deals: 'influenced_won',
} as const satisfies Record<string, RollupKind>;
const AMOUNT_KINDS = {
  pipeline: 'sourced_opportunities',
  won_revenue: 'sourced_won',
  influenced_pipeline: 'influenced_opportunities',
  influenced_won_revenue: 'influenced_won',
} as const satisfies Record<string, RollupKind>;
const KINDS: RollupKind[] = [
  ...new Set<RollupKind>([...Object.values(COUNT_KINDS), ...Object.values(AMOUNT_KINDS)]),
];

export interface CampaignFigures {
  cost: number;
  /** Sourced (first touch): leads created, MQLs and SQLs reached, opportunities created and deals won in the period. */
  leads: number;
  mqls: number;
  sqls: number;
  opportunities: number;
  pipeline: number;
  won_deals: number;
  won_revenue: number;
  cost_per_lead: number | null;
  cost_per_mql: number | null;
  cost_per_opportunity: number | null;
  cost_per_won_deal: number | null;
  roi: number | null;
  /** Influenced: a touch before the opportunity was created. */
  influenced_opportunities: number;
  influenced_pipeline: number;
  influenced_won_deals: number;
  influenced_won_revenue: number;
}

export const CAMPAIGN_SORT_FIELDS = [
  'cost',
  'leads',
  'mqls',
  'sqls',
  'opportunities',
  'pipeline',
  'won_deals',
  'won_revenue',
  'cost_per_lead',
  'cost_per_mql',
  'cost_per_opportunity',
  'cost_per_won_deal',
  'roi',
  'influenced_opportunities',
  'influenced_pipeline',
  'influenced_won_deals',
  'influenced_won_revenue',
  'name',
] as const;
export type CampaignSortField = (typeof CAMPAIGN_SORT_FIELDS)[number];

export interface CampaignReportRow extends CampaignFigures {
  /** Campaign id or channel; '(none)' for what no campaign (or no channel) sourced. */
  key: string;
  label: string;
  campaign_id: number | null;
  channel: string | null;
  type: string | null;
  status: string | null;
  start_date: string | null;
  end_date: string | null;
  budget: number | null;
  /** Campaigns in the row (1 for a campaign, the channel's campaigns for a channel). */
  campaigns: number;
}

export interface MarketingSplit {
  opportunities: number;
  marketing_opportunities: number;
  pipeline: number;
  marketing_pipeline: number;
  /** marketing_pipeline / pipeline. */
  pipeline_share: number | null;
  won_deals: number;
  marketing_won_deals: number;
  bookings: number;
  marketing_bookings: number;
  /** marketing_bookings / bookings. */
  bookings_share: number | null;
}

export interface CampaignReport {
  by: CampaignDimension;
  from: string | null;
  to: string | null;
  sort: string;
  rows: CampaignReportRow[];
  /** Every campaign together (what no campaign sourced is left out). */
  totals: CampaignFigures & { campaigns: number };
  marketing_sourced: MarketingSplit;
}

export interface CampaignReportQuery extends ReportPeriod {
  by: CampaignDimension;
  sort?: string | undefined;
  channel?: string | undefined;
  status?: string | undefined;
}

type Counts = Omit<
  CampaignFigures,
  'cost' | 'cost_per_lead' | 'cost_per_mql' | 'cost_per_opportunity' | 'cost_per_won_deal' | 'roi'
>;

function emptyCounts(): Counts {
  return {
    leads: 0,
    mqls: 0,
    sqls: 0,
    opportunities: 0,
    pipeline: 0,
    won_deals: 0,
    won_revenue: 0,
    influenced_opportunities: 0,
    influenced_pipeline: 0,
    influenced_won_deals: 0,
    influenced_won_revenue: 0,
  };
}

function money(value: number): number {
  return Math.round(value * 100) / 100;
}

function withRatios(cost: number, counts: Counts): CampaignFigures {
  const rounded = {
    ...counts,
    pipeline: money(counts.pipeline),
    won_revenue: money(counts.won_revenue),
    influenced_pipeline: money(counts.influenced_pipeline),
    influenced_won_revenue: money(counts.influenced_won_revenue),
  };
  return {
    cost: money(cost),
    ...rounded,
    cost_per_lead: ratio(per(cost, counts.leads)),
    cost_per_mql: ratio(per(cost, counts.mqls)),
    cost_per_opportunity: ratio(per(cost, counts.opportunities)),
    cost_per_won_deal: ratio(per(cost, counts.won_deals)),
    roi: ratio(roi(counts.won_revenue, cost)),
  };
}

function ratio(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1e6) / 1e6;
}

/** Sourced and influenced volumes per key (campaign id or channel) from the journey rollups. */
async function countsByKey(
  db: Kysely<DB>,
  workspaceId: number,
  dimension: CampaignDimension,
  period: ReportPeriod,
  keys?: string[],
): Promise<Map<string, Counts>> {
  const sums = await sumContributions(db, workspaceId, {
    kinds: KINDS,
    dimension,
    keys,
    from: period.from,
    to: period.to,
  });
  const byKey = new Map<string, Counts>();
  for (const sum of sums) {
    let counts = byKey.get(sum.key);
    if (!counts) {
      counts = emptyCounts();
      byKey.set(sum.key, counts);
    }
    for (const [field, kind] of Object.entries(COUNT_KINDS)) {
      if (kind === sum.kind) counts[field as keyof typeof COUNT_KINDS] += Math.round(sum.deals);
    }
    for (const [field, kind] of Object.entries(AMOUNT_KINDS)) {
      if (kind === sum.kind) counts[field as keyof typeof AMOUNT_KINDS] += sum.amount;
    }
  }
  return byKey;
}

function hasResults(counts: Counts | undefined): boolean {
  return counts !== undefined && Object.values(counts).some((value) => value !== 0);
}

function sortRows(rows: CampaignReportRow[], sort: string): CampaignReportRow[] {
  const descending = sort.startsWith('-');
  const field = (descending ? sort.slice(1) : sort) as CampaignSortField;
  if (!(CAMPAIGN_SORT_FIELDS as readonly string[]).includes(field)) {
    throw new AppError(
      'VALIDATION_FAILED',
      `sort: "${sort}" is not one of ${CAMPAIGN_SORT_FIELDS.join(', ')} (prefix - for descending)`,
      {
        issues: [
          {
            path: 'sort',
            message: `must be one of ${CAMPAIGN_SORT_FIELDS.join(', ')}, optionally prefixed with -`,
          },
        ],
      },
    );
  }
  const value = (row: CampaignReportRow) => (field === 'name' ? row.label : row[field]);
  return rows.sort((a, b) => {
    const left = value(a);
    const right = value(b);
    // Rows without the figure (a ratio with nothing to divide by) go last either way.
    if (left === null || right === null)
      return left === right ? a.label.localeCompare(b.label) : left === null ? 1 : -1;
    const order = typeof left === 'string' ? left.localeCompare(right as string) : left - (right as number);
    return (descending ? -order : order) || a.label.localeCompare(b.label) || a.key.localeCompare(b.key);
  });
}

function overlaps(campaign: CampaignRow, period: ReportPeriod, today: Date): boolean {
  if (period.from === null && period.to === null) return true;
  return allocatedCost({ ...campaign, cost: 1 }, period, today) > 0;
}

function campaignRow(campaign: CampaignRow, cost: number, counts: Counts): CampaignReportRow {
  return {
    key: String(campaign.id),
    label: campaign.name,
    campaign_id: campaign.id,
    channel: campaign.channel,
    type: campaign.type,
    status: campaign.status,
    start_date: campaign.start_date,
    end_date: campaign.end_date,
    budget: campaign.budget,
    campaigns: 1,
    ...withRatios(cost, counts),
  };
}

function blankRow(
  key: string,
  label: string,
  channel: string | null,
): Omit<CampaignReportRow, keyof CampaignFigures> {
  return {
    key,
    label,
    campaign_id: null,
    channel,
    type: null,
    status: null,
    start_date: null,
    end_date: null,
    budget: null,
    campaigns: 0,
  };
}

function ratioOrNull(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 1e6) / 1e6 : null;
}

/**
 * Marketing-sourced share of the pipeline created and of the bookings won in the period.
 * The caller's rollups must be fresh (the report functions refresh them).
 */
async function marketingSplit(
  db: Kysely<DB>,
  workspaceId: number,
  period: ReportPeriod,
): Promise<MarketingSplit> {
  const row = await repository.findMarketingSplit(db, workspaceId, period, NON_MARKETING_SOURCES);
  return {
    opportunities: row.opportunities,
    marketing_opportunities: row.marketing_opportunities,
    pipeline: money(Number(row.pipeline)),
    marketing_pipeline: money(Number(row.marketing_pipeline)),
    pipeline_share: ratioOrNull(Number(row.marketing_pipeline), Number(row.pipeline)),
    won_deals: row.won_deals,
    marketing_won_deals: row.marketing_won_deals,
    bookings: money(Number(row.bookings)),
    marketing_bookings: money(Number(row.marketing_bookings)),
    bookings_share: ratioOrNull(Number(row.marketing_bookings), Number(row.bookings)),
  };
}

/** Marketing-sourced share of pipeline and bookings in a period (for the scorecard). */
export async function getMarketingSourcedSplit(
  db: Kysely<DB>,
  caller: Caller,
  period: ReportPeriod,
): Promise<MarketingSplit> {
  await refreshJourneyRollups(db, caller.workspaceId);
  return marketingSplit(db, caller.workspaceId, period);
}

async function totalsOf(
  db: Kysely<DB>,
  workspaceId: number,
  campaigns: CampaignRow[],
  period: ReportPeriod,
  today: Date,
  counted?: Map<string, Counts>,
): Promise<CampaignFigures & { campaigns: number }> {
  const byCampaign = counted ?? (await countsByKey(db, workspaceId, 'campaign', period));
  const counts = emptyCounts();
  for (const [key, values] of byCampaign) {
    if (key === NO_STATE || key === ANY_INFLUENCE) continue;
    for (const field of Object.keys(counts) as (keyof Counts)[]) {
      if (!field.startsWith('influenced_')) counts[field] += values[field];
    }
  }
  const influenced = byCampaign.get(ANY_INFLUENCE);
  if (influenced) {
    counts.influenced_opportunities = influenced.influenced_opportunities;
    counts.influenced_pipeline = influenced.influenced_pipeline;
    counts.influenced_won_deals = influenced.influenced_won_deals;
    counts.influenced_won_revenue = influenced.influenced_won_revenue;
  }
  const cost = campaigns.reduce((sum, campaign) => sum + allocatedCost(campaign, period, today), 0);
  return {
    ...withRatios(cost, counts),
    campaigns: campaigns.filter(
      (campaign) => overlaps(campaign, period, today) || hasResults(byCampaign.get(String(campaign.id))),
    ).length,
  };
}

/**
 * Campaign results per campaign or per channel for a period: cost falling in the period,
 * sourced volumes (first touch) and influenced ones (a touch before the opportunity was
 * created), the cost ratios and ROI, every campaign included whatever its results.
 */
export async function getCampaignReport(
  db: Kysely<DB>,
  caller: Caller,
  query: CampaignReportQuery,
  today: Date = new Date(),
): Promise<CampaignReport> {
  await refreshJourneyRollups(db, caller.workspaceId);
  const sort = query.sort ?? '-won_revenue';
  const filtered = query.channel !== undefined || query.status !== undefined;
  // Independent reads: on PostgreSQL they run side by side on the pool.
  const [campaigns, allCampaigns, counts, campaignCounts, split] = await Promise.all([
    repository.findCampaigns(db, caller.workspaceId, { channel: query.channel, status: query.status }),
    filtered ? repository.findCampaigns(db, caller.workspaceId, {}) : null,
    countsByKey(db, caller.workspaceId, query.by, query),
    query.by === 'campaign' ? null : countsByKey(db, caller.workspaceId, 'campaign', query),
    marketingSplit(db, caller.workspaceId, query),
  ]);
  let rows: CampaignReportRow[];
  if (query.by === 'campaign') {
    rows = campaigns
      .filter((campaign) => overlaps(campaign, query, today) || hasResults(counts.get(String(campaign.id))))
      .map((campaign) =>
        campaignRow(
          campaign,
          allocatedCost(campaign, query, today),
          counts.get(String(campaign.id)) ?? emptyCounts(),
        ),
      );
    const unsourced = counts.get(NO_STATE);
    if (query.channel === undefined && query.status === undefined && hasResults(unsourced)) {
      rows.push({
        ...blankRow(NO_STATE, '(no campaign)', null),
        ...withRatios(0, unsourced ?? emptyCounts()),
      });
    }
  } else {
    const channels = new Map<string, { cost: number; campaigns: number }>();
    for (const campaign of campaigns) {
      const entry = channels.get(campaign.channel) ?? { cost: 0, campaigns: 0 };
      entry.cost += allocatedCost(campaign, query, today);
      if (overlaps(campaign, query, today)) entry.campaigns += 1;
      channels.set(campaign.channel, entry);
    }
    const keys = new Set(
      [...channels.keys()].filter((channel) => (channels.get(channel)?.campaigns ?? 0) > 0),
    );
    if (query.status === undefined) {
      for (const [key, values] of counts) {
        if (key === ANY_INFLUENCE || !hasResults(values)) continue;
        if (query.channel === undefined || key === query.channel) keys.add(key);
      }
    }
    rows = [...keys].map((key) => ({
      ...blankRow(key, key === NO_STATE ? '(no channel)' : key, key === NO_STATE ? null : key),
      campaigns: channels.get(key)?.campaigns ?? 0,
      ...withRatios(channels.get(key)?.cost ?? 0, counts.get(key) ?? emptyCounts()),
    }));
  }
  return {
    by: query.by,
    ...periodJson(query),
    sort,
    rows: sortRows(rows, sort),
    totals: await totalsOf(
      db,
      caller.workspaceId,
      allCampaigns ?? campaigns,
      query,
      today,
      campaignCounts ?? counts,
    ),
    marketing_sourced: split,
  };
}

/** Every campaign together in a period, and the marketing-sourced split (for the scorecard). */
export async function getCampaignTotals(
  db: Kysely<DB>,
  caller: Caller,
  period: ReportPeriod,
  today: Date = new Date(),
): Promise<CampaignFigures & { campaigns: number; marketing_sourced: MarketingSplit }> {
  await refreshJourneyRollups(db, caller.workspaceId);
  const campaigns = await repository.findCampaigns(db, caller.workspaceId, {});
  return {
    ...(await totalsOf(db, caller.workspaceId, campaigns, period, today)),
    marketing_sourced: await marketingSplit(db, caller.workspaceId, period),
  };
}

export interface CampaignResults {
  campaign: Omit<CampaignReportRow, keyof CampaignFigures | 'campaigns' | 'key' | 'label'> & {
    id: number;
    name: string;
    owner_id: number | null;
    parent_id: number | null;
  };
  from: string | null;
  to: string | null;
  figures: CampaignFigures;
  /** Month by month ('YYYY-MM'), the sourced and influenced volumes. */
  months: ({ month: string } & Omit<
    CampaignFigures,
    'cost' | 'cost_per_lead' | 'cost_per_mql' | 'cost_per_opportunity' | 'cost_per_won_deal' | 'roi'
  >)[];
  /** What each rule model credits the campaign with (Markov: see the attribution report). */
  attribution: Record<RuleModel, AttributionFigures>;
  drilldown: {
    counts: Record<string, number>;
    sourced_leads: number[];
    sourced_opportunities: number[];
    sourced_won: number[];
    influenced_opportunities: number[];
    influenced_won: number[];
    links: Record<string, string>;
  };
}

const DRILLDOWN_LIMIT = 1000;

/** One campaign's results page: its figures, month by month, under every model, and the records behind them. */
export async function getCampaignResults(
  db: Kysely<DB>,
  caller: Caller,
  id: number,
  period: ReportPeriod,
  today: Date = new Date(),
): Promise<CampaignResults> {
  const [campaign] = await repository.findCampaigns(db, caller.workspaceId, { id });
  if (!campaign) throw new AppError('CAMPAIGN_NOT_FOUND', `Campaign ${id} does not exist`);
  await refreshJourneyRollups(db, caller.workspaceId);
  const key = String(id);
  // Independent reads: on PostgreSQL they run side by side on the pool.
  const [sums, credits, drilldown] = await Promise.all([
    sumContributions(db, caller.workspaceId, {
      kinds: KINDS,
      dimension: 'campaign',
      keys: [key],
      from: period.from,
      to: period.to,
      byMonth: true,
    }),
    getCreditsForKeys(db, caller.workspaceId, 'campaign', [key], period),
    repository.findCampaignDrilldown(db, caller.workspaceId, id, period, DRILLDOWN_LIMIT),
  ]);
  const counts = emptyCounts();
  const months = new Map<string, Counts>();
  for (const sum of sums) {
    const month = (sum.month as string).slice(0, 7);
    const entry = months.get(month) ?? emptyCounts();
    for (const target of [entry, counts]) {
      for (const [field, kind] of Object.entries(COUNT_KINDS)) {
        if (kind === sum.kind) target[field as keyof typeof COUNT_KINDS] += Math.round(sum.deals);
      }
      for (const [field, kind] of Object.entries(AMOUNT_KINDS)) {
        if (kind === sum.kind) target[field as keyof typeof AMOUNT_KINDS] += sum.amount;
      }
    }
    months.set(month, entry);
  }
  const attribution = credits.get(key) as Record<RuleModel, AttributionFigures>;
  const idsLink = (ids: number[]) => ids.slice(0, 500).join(',');
  return {
    campaign: {
      id: campaign.id,
      name: campaign.name,
      campaign_id: campaign.id,
      channel: campaign.channel,
      type: campaign.type,
      status: campaign.status,
      start_date: campaign.start_date,
      end_date: campaign.end_date,
      budget: campaign.budget,
      owner_id: campaign.owner_id,
      parent_id: campaign.parent_id,
    },
    ...periodJson(period),
    figures: withRatios(allocatedCost(campaign, period, today), counts),
    months: [...months]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([month, values]) => ({
        month,
        ...values,
        pipeline: money(values.pipeline),
        won_revenue: money(values.won_revenue),
        influenced_pipeline: money(values.influenced_pipeline),
        influenced_won_revenue: money(values.influenced_won_revenue),
      })),
    attribution,
    drilldown: {
      ...drilldown,
      links: { sourced_leads: `/api/v1/leads?ids=${idsLink(drilldown.sourced_leads)}` },
    },
  };
}
