import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../shared/errors.ts';
import { creditByState, RULE_MODELS, type RuleModel, touchWeights } from '../attribution/attribution.ts';
import { refreshJourneyRollups, sumContributions } from '../attribution/journeys.service.ts';
import { positionsFromCounts } from '../attribution/journeys.ts';
import { periodJson, type ReportPeriod } from '../attribution/report-period.ts';
import type { Caller } from '../auth/auth.ts';
import type { WinLossGroupRow } from './winloss.repository.ts';
import * as repository from './winloss.repository.ts';
import { presenceRows, type WinLossDimension, winRate } from './winloss.ts';

export interface WinLossFigures {
  won: number;
  lost: number;
  /** won / (won + lost). */
  win_rate: number | null;
  won_revenue: number;
  lost_amount: number;
  avg_won_amount: number | null;
  avg_lost_amount: number | null;
  avg_won_cycle_days: number | null;
  avg_lost_cycle_days: number | null;
  median_won_cycle_days: number | null;
  median_lost_cycle_days: number | null;
}

export interface WinLossGroup extends WinLossFigures {
  /** Id (owner, team, manager, product, campaign) or value; null for deals without one. */
  key: string | null;
  label: string;
}

export interface PresenceItem {
  key: string;
  label: string;
  won_with: number;
  lost_with: number;
  won_share: number | null;
  lost_share: number | null;
  difference: number | null;
}

export interface MqlToWon {
  source: string | null;
  mqls: number;
  won: number;
  /** won / mqls. */
  conversion_rate: number | null;
  mean_days_to_close: number | null;
  median_days_to_close: number | null;
}

export interface WinLossReport {
  by: WinLossDimension;
  from: string | null;
  to: string | null;
  overall: WinLossFigures;
  groups: WinLossGroup[];
  reasons: { status: 'won' | 'lost'; reason: string | null; deals: number; amount: number; share: number }[];
  presence: { campaigns: PresenceItem[]; touch_types: PresenceItem[]; content: PresenceItem[] };
  /** by=source: leads that reached MQL in the period, by their source, followed to a won deal. */
  mql_to_won: { overall: MqlToWon; groups: MqlToWon[] } | null;
}

function round(value: number | null, decimals = 4): number | null {
  if (value === null) return null;
  const factor = 10 ** decimals;
  return Math.round(Number(value) * factor) / factor;
}

function figuresOf(row: WinLossGroupRow | undefined): WinLossFigures {
  if (!row) {
    return {
      won: 0,
      lost: 0,
      win_rate: null,
      won_revenue: 0,
      lost_amount: 0,
      avg_won_amount: null,
      avg_lost_amount: null,
      avg_won_cycle_days: null,
      avg_lost_cycle_days: null,
      median_won_cycle_days: null,
      median_lost_cycle_days: null,
    };
  }
  return {
    won: row.won,
    lost: row.lost,
    win_rate: round(winRate(row.won, row.lost), 6),
    won_revenue: round(Number(row.won_revenue), 2) as number,
    lost_amount: round(Number(row.lost_amount), 2) as number,
    avg_won_amount: round(row.avg_won_amount, 2),
    avg_lost_amount: round(row.avg_lost_amount, 2),
    avg_won_cycle_days: round(row.avg_won_cycle_days),
    avg_lost_cycle_days: round(row.avg_lost_cycle_days),
    median_won_cycle_days: round(row.median_won_cycle_days),
    median_lost_cycle_days: round(row.median_lost_cycle_days),
  };
}

const TYPE_LABELS: Record<string, string> = {
  form_fill: 'Form fill',
  email_open: 'Email open',
  email_click: 'Email click',
  webinar: 'Webinar',
  event: 'Event',
  ad_click: 'Ad click',
  page_view: 'Page view',
  content_download: 'Content download',
  chat: 'Chat',
};

async function presence(
  db: Kysely<DB>,
  workspaceId: number,
  period: ReportPeriod,
  wonTotal: number,
  lostTotal: number,
): Promise<WinLossReport['presence']> {
  const result: WinLossReport['presence'] = { campaigns: [], touch_types: [], content: [] };
  const dimensions = [
    ['campaign', 'campaigns'],
    ['type', 'touch_types'],
    ['content', 'content'],
  ] as const;
  const allSums = await Promise.all(
    dimensions.map(([dimension]) =>
      sumContributions(db, workspaceId, {
        kinds: ['presence'],
        dimension,
        variants: ['won', 'lost'],
        from: period.from,
        to: period.to,
      }),
    ),
  );
  for (const [index, [dimension, field]] of dimensions.entries()) {
    const sums = allSums[index] ?? [];
    const counts = new Map<string, { key: string; wonWith: number; lostWith: number }>();
    for (const sum of sums) {
      const entry = counts.get(sum.key) ?? { key: sum.key, wonWith: 0, lostWith: 0 };
      if (sum.variant === 'won') entry.wonWith += Math.round(sum.deals);
      else entry.lostWith += Math.round(sum.deals);
      counts.set(sum.key, entry);
    }
    const names =
      dimension === 'campaign'
        ? new Map(
            (await repository.findCampaignNames(db, workspaceId, [...counts.keys()].map(Number))).map(
              (row) => [String(row.id), row.name],
            ),
          )
        : null;
    result[field] = presenceRows([...counts.values()], wonTotal, lostTotal).map((row) => ({
      key: row.key,
      label:
        dimension === 'campaign'
          ? (names?.get(row.key) ?? `Campaign ${row.key} (deleted)`)
          : dimension === 'type'
            ? (TYPE_LABELS[row.key] ?? row.key)
            : row.key,
      won_with: row.wonWith,
      lost_with: row.lostWith,
      won_share: round(row.wonShare, 6),
      lost_share: round(row.lostShare, 6),
      difference: round(row.difference, 6),
    }));
  }
  return result;
}

function mqlToWonOf(row: repository.MqlToWonRow): MqlToWon {
  return {
    source: row.source,
    mqls: row.mqls,
    won: row.won,
    conversion_rate: row.mqls > 0 ? round(row.won / row.mqls, 6) : null,
    mean_days_to_close: round(row.mean_days_to_close),
    median_days_to_close: round(row.median_days_to_close),
  };
}

/**
 * Win/loss for deals closed in the period: win rate, amounts and cycle by a dimension,
 * the reasons, and which campaigns, touch types and content were in the journeys of won
 * deals against lost ones. By source, also the MQL-to-won conversion of the leads that
 * reached MQL in the period.
 */
export async function getWinLoss(
  db: Kysely<DB>,
  caller: Caller,
  query: ReportPeriod & { by: WinLossDimension },
): Promise<WinLossReport> {
  await refreshJourneyRollups(db, caller.workspaceId);
  // Independent reads: on PostgreSQL they run side by side on the pool.
  const [rows, reasonRows, cohort] = await Promise.all([
    repository.findWinLossGroups(db, caller.workspaceId, query.by, query),
    repository.findReasons(db, caller.workspaceId, query),
    query.by === 'source' ? repository.findMqlToWon(db, caller.workspaceId, query) : null,
  ]);
  const overall = figuresOf(rows.find((row) => row.is_total));
  const groups = rows
    .filter((row) => !row.is_total)
    .map((row) => ({
      key: row.key,
      label: row.label ?? (row.key === null ? '(none)' : row.key),
      ...figuresOf(row),
    }))
    .sort((a, b) => b.won + b.lost - (a.won + a.lost) || a.label.localeCompare(b.label));
  const reasons = reasonRows.map((row) => {
    const total = row.status === 'won' ? overall.won : overall.lost;
    return {
      status: row.status,
      reason: row.reason,
      deals: row.deals,
      amount: round(Number(row.amount), 2) as number,
      share: total > 0 ? (round(row.deals / total, 6) as number) : 0,
    };
  });
  let mqlToWon: WinLossReport['mql_to_won'] = null;
  if (cohort) {
    const total = cohort.find((row) => row.is_total);
    mqlToWon = {
      overall: total
        ? mqlToWonOf(total)
        : {
            source: null,
            mqls: 0,
            won: 0,
            conversion_rate: null,
            mean_days_to_close: null,
            median_days_to_close: null,
          },
      groups: cohort
        .filter((row) => !row.is_total)
        .map(mqlToWonOf)
        .sort((a, b) => b.mqls - a.mqls || String(a.source).localeCompare(String(b.source))),
    };
  }
  return {
    by: query.by,
    ...periodJson(query),
    overall,
    groups,
    reasons,
    presence: await presence(db, caller.workspaceId, query, overall.won, overall.lost),
    mql_to_won: mqlToWon,
  };
}

/** Win rate, won revenue and cycle over all deals closed in a period (for the scorecard). */
export async function getWinLossSummary(
  db: Kysely<DB>,
  caller: Caller,
  period: ReportPeriod,
): Promise<WinLossFigures> {
  const rows = await repository.findWinLossGroups(db, caller.workspaceId, 'segment', period);
  return figuresOf(rows.find((row) => row.is_total));
}

// ---------------------------------------------------------------------------------------
// Deal review

export interface DealReview {
  opportunity: Omit<repository.ReviewDealRow, 'created_at' | 'closed_at' | 'lead_moment'> & {
    created_at: string;
    closed_at: string | null;
    /** closed_at (or now, while open) - created_at, in days. */
    cycle_days: number;
  };
  /** Why it was won or lost, as recorded. */
  outcome: { status: 'open' | 'won' | 'lost'; reason: string | null; competitor: string | null };
  leads: (Omit<repository.ReviewLeadRow, 'created_at'> & {
    created_at: string;
    stage_history: {
      from_stage: string | null;
      to_stage: string;
      occurred_at: string;
      reason: string | null;
    }[];
  })[];
  journey: (Omit<repository.ReviewTouchRow, 'occurred_at'> & { occurred_at: string })[];
  activities: (Omit<repository.ReviewActivityRow, 'occurred_at'> & { occurred_at: string })[];
  /** How each rule model splits this deal over channels: its won journey, or, before it is won, its creation journey. */
  attribution: {
    journey: 'won' | 'pipeline';
    touches: number;
    models: { model: RuleModel; channels: Record<string, number> }[];
  };
}

/** One deal, reviewed: its journey (the touches of its leads in order), activities, stage history and outcome. */
export async function getDealReview(
  db: Kysely<DB>,
  caller: Caller,
  id: number,
  now: Date = new Date(),
): Promise<DealReview> {
  const deal = await repository.findReviewDeal(db, caller.workspaceId, id);
  if (!deal) throw new AppError('OPPORTUNITY_NOT_FOUND', `Opportunity ${id} does not exist`);
  const leads = await repository.findReviewLeads(db, caller.workspaceId, id);
  const leadIds = leads.map((lead) => lead.id);
  const [history, touches, activities] = await Promise.all([
    repository.findStageHistory(db, caller.workspaceId, leadIds),
    repository.findReviewTouches(db, caller.workspaceId, deal, leadIds),
    repository.findReviewActivities(db, caller.workspaceId, id, leadIds),
  ]);
  const won = deal.status === 'won';
  const journey = touches.filter((touch) => (won ? touch.at_or_before_close : touch.at_or_before_creation));
  const states = journey.map((touch) => touch.channel);
  const times = journey.map((touch) => touch.occurred_at.getTime());
  const positions = positionsFromCounts(
    journey.length,
    journey.filter((touch) => touch.at_or_before_lead_creation).length,
    journey.filter((touch) => touch.at_or_before_creation).length,
  );
  const models = RULE_MODELS.map((model) => ({
    model,
    channels:
      journey.length === 0
        ? {}
        : Object.fromEntries(
            [...creditByState(states, touchWeights(model, { states, times, ...positions }))]
              .filter(([, share]) => share > 0)
              .map(([channel, share]) => [channel, round(share, 6) as number]),
          ),
  }));
  const { created_at, closed_at, lead_moment: _leadMoment, ...rest } = deal;
  return {
    opportunity: {
      ...rest,
      created_at: created_at.toISOString(),
      closed_at: closed_at?.toISOString() ?? null,
      cycle_days: round(((closed_at ?? now).getTime() - created_at.getTime()) / 86_400_000) as number,
    },
    outcome: { status: deal.status, reason: deal.reason, competitor: deal.competitor },
    leads: leads.map((lead) => ({
      ...lead,
      created_at: lead.created_at.toISOString(),
      stage_history: history
        .filter((event) => event.lead_id === lead.id)
        .map((event) => ({
          from_stage: event.from_stage,
          to_stage: event.to_stage,
          occurred_at: event.occurred_at.toISOString(),
          reason: event.reason,
        })),
    })),
    journey: touches.map((touch) => ({ ...touch, occurred_at: touch.occurred_at.toISOString() })),
    activities: activities.map((activity) => ({
      ...activity,
      occurred_at: activity.occurred_at.toISOString(),
    })),
    attribution: { journey: won ? 'won' : 'pipeline', touches: journey.length, models },
  };
}
