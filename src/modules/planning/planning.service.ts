import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../shared/errors.ts';
import { decodeCursor, type Page, toPage } from '../../shared/pagination.ts';
import { type Caller, requireRole } from '../auth/auth.ts';
import { getCampaignReport } from '../campaign-reports/campaign-reports.service.ts';
import { isMarketingSourced } from '../campaign-reports/campaign-reports.ts';
import { DEFAULT_MARKETING_SHARE } from './goals.service.ts';
import {
  addMonths,
  dayStart,
  monthStart,
  type Period,
  parsePeriod,
  periodMonths,
  toDateString,
} from './periods.ts';
import type { GoalRow, PlanRow } from './planning.repository.ts';
import * as planningRepository from './planning.repository.ts';
import type { CreatePlanInput, PlanActuals, PlanResult } from './planning.schemas.ts';
import {
  type ChannelPlan,
  channelPlan,
  countsOf,
  cumulativeLags,
  PLAN_STAGES,
  type PlanRates,
  type PlanStage,
  type ProgramMixEntry,
  pace,
  phasePlan,
  plannedToDate,
  RATE_NAMES,
  type RateName,
  reverseWaterfall,
  STAGE_WAIT_NAMES,
  type StageDays,
  type StageWaitName,
  splitVolumes,
  weeklyPacing,
} from './planning.ts';

/** Who may save plans: the goal setters and marketing (demand generation plans its programs). */
const PLAN_SAVERS = ['admin', 'executive', 'marketing'] as const;

export const PHASING_RULE =
  "Deals are spread evenly over the period's months. Each earlier stage's volume is spread the same way and moved back " +
  'by its lag (the sum of the median days spent in the stages between it and the closed deal), shared between the ' +
  'calendar months the shifted interval overlaps in proportion to the overlap; each stage is then rounded with the ' +
  'largest-remainder rule (ties to the earlier month), so its months add up exactly to its step count.';

export const FORECAST_METHOD =
  'Plan-shaped run-rate: forecast = actual to date + (planned total - planned to date) x pacing, i.e. the planned ' +
  'total scaled by pacing (actual to date / planned to date); the plan is taken as even within each month. Before ' +
  'anything is due, the forecast is actual to date plus the whole remaining plan.';

const STAGE_RATE: Record<Exclude<StageWaitName, 'opportunity'>, RateName> = {
  lead: 'lead_to_mql',
  mql: 'mql_to_sal',
  sal: 'sal_to_sql',
  sql: 'sql_to_opportunity',
};
const NEXT_STAGE: Record<Exclude<StageWaitName, 'opportunity'>, string> = {
  lead: 'mql',
  mql: 'sal',
  sal: 'sql',
  sql: 'opportunity',
};

interface Assumption {
  field: string;
  value: number | null;
  reason: string;
}

function unprocessable(path: string, message: string): AppError {
  return new AppError('UNPROCESSABLE', `${path}: ${message}`, { issues: [{ path, message }] });
}

function formatShare(value: number): string {
  return `${Math.round(value * 10_000) / 100}%`;
}

/**
 * Default history: the 12 whole months before the period starts, or before the current
 * month when the period starts in it or later. Whole months: a cohort of a month cut short
 * today has not had its time to convert, and month-aligned windows read the campaign
 * report's monthly rollups instead of apportioning part of a month lead by lead.
 */
function historyWindow(input: CreatePlanInput, period: Period, now: Date): { from: string; to: string } {
  const monthStart = `${toDateString(now).slice(0, 7)}-01`;
  const to = input.history_to ?? (period.start.localeCompare(monthStart) < 0 ? period.start : monthStart);
  const from = input.history_from ?? addMonths(to, -12);
  if (from >= to) {
    throw new AppError('VALIDATION_FAILED', `history_from: ${from} is not before history_to ${to}`, {
      issues: [{ path: 'history_from', message: `must be before history_to (${to})` }],
    });
  }
  return { from, to };
}

/**
 * Works a revenue goal back into stage volumes, channels, budget and a month-by-month
 * plan, from the workspace's history and whatever the caller gives instead. Saves it when
 * asked (one insert).
 */
export async function computePlan(
  db: Kysely<DB>,
  caller: Caller,
  input: CreatePlanInput,
  now = new Date(),
): Promise<PlanResult> {
  if (input.save) requireRole(caller, PLAN_SAVERS, 'save plans');
  let goal: GoalRow | undefined;
  if (input.goal_id !== undefined) {
    goal = await planningRepository.getGoal(db, caller.workspaceId, input.goal_id);
    if (!goal) throw new AppError('GOAL_NOT_FOUND', `Goal ${input.goal_id} does not exist`);
  }
  const period = parsePeriod((input.period ?? goal?.period) as string);
  const revenue = (input.revenue ?? goal?.revenue) as number;
  const marketingShare = input.marketing_share ?? goal?.marketing_share ?? DEFAULT_MARKETING_SHARE;
  const window = historyWindow(input, period, now);
  const from = dayStart(window.from);
  const to = dayStart(window.to);
  const [stageHistory, deals, channelReport] = await Promise.all([
    planningRepository.leadStageHistory(db, caller.workspaceId, from, to),
    planningRepository.dealHistory(db, caller.workspaceId, from, to),
    getCampaignReport(db, caller, { by: 'channel', from, to }, now),
  ]);
  // Channels as the campaign report sees them: cost falling in the window, leads it sourced
  // (created in the window, sourced by first touch or first campaign); sales sources left out.
  const channels = channelReport.rows
    .filter((row) => row.channel !== null && isMarketingSourced(null, row.channel))
    .map((row) => ({
      channel: row.channel as string,
      campaigns: row.campaigns,
      cost: row.cost,
      leads: row.leads,
    }));
  const assumptions: Assumption[] = [];
  const between = `between ${window.from} and ${window.to}`;

  // Rates: given, else the window's cohort conversion, else (no lead reached the stage) 1.0.
  const rates = {} as PlanRates;
  const rateDetails: PlanResult['rates'] = [];
  const given = input.rates ?? {};
  for (const history of stageHistory) {
    if (history.stage === 'opportunity') continue;
    const name = STAGE_RATE[history.stage];
    const next = NEXT_STAGE[history.stage];
    const value = given[name];
    if (value !== undefined) {
      rates[name] = value;
      rateDetails.push({ name, value, source: 'given', numerator: null, denominator: null });
    } else if (history.reached === 0) {
      rates[name] = 1;
      rateDetails.push({ name, value: 1, source: 'assumed', numerator: 0, denominator: 0 });
      assumptions.push({
        field: `rates.${name}`,
        value: 1,
        reason: `No lead reached ${history.stage} ${between}; assumed 1.0 (every ${history.stage} passes through to ${next}). Give rates.${name} to plan it.`,
      });
    } else if (history.advanced === 0) {
      throw unprocessable(
        `rates.${name}`,
        `none of the ${history.reached} leads that reached ${history.stage} ${between} has reached ${next}; give rates.${name}`,
      );
    } else {
      rates[name] = history.advanced / history.reached;
      rateDetails.push({
        name,
        value: rates[name],
        source: 'history',
        numerator: history.advanced,
        denominator: history.reached,
      });
      if (history.recorded === 0) {
        assumptions.push({
          field: `rates.${name}`,
          value: rates[name],
          reason: `No lead ${between} carries its own ${history.stage} stamp (the stage is not recorded); leads that reached a later stage count as having passed through ${history.stage}, so this rate is a pass-through and the rate before it covers both steps.`,
        });
      }
    }
  }
  if (given.win_rate !== undefined) {
    rates.win_rate = given.win_rate;
    rateDetails.unshift({
      name: 'win_rate',
      value: given.win_rate,
      source: 'given',
      numerator: null,
      denominator: null,
    });
  } else {
    if (deals.won + deals.lost === 0) {
      throw unprocessable(
        'rates.win_rate',
        `no opportunity closed (won or lost) ${between}; give rates.win_rate or another history window`,
      );
    }
    if (deals.won === 0) {
      throw unprocessable(
        'rates.win_rate',
        `none of the ${deals.lost} opportunities closed ${between} was won; give rates.win_rate`,
      );
    }
    rates.win_rate = deals.won / (deals.won + deals.lost);
    rateDetails.unshift({
      name: 'win_rate',
      value: rates.win_rate,
      source: 'history',
      numerator: deals.won,
      denominator: deals.won + deals.lost,
    });
  }
  rateDetails.sort((a, b) => RATE_NAMES.indexOf(a.name) - RATE_NAMES.indexOf(b.name));

  let averageDealSize = input.average_deal_size;
  if (averageDealSize === undefined) {
    if (deals.won_with_amount === 0 || !deals.average_won_amount) {
      throw unprocessable(
        'average_deal_size',
        `no won deal with an amount closed ${between}; give average_deal_size or another history window`,
      );
    }
    averageDealSize = deals.average_won_amount;
  }

  // Days in each stage: given, else the window's median, else 0 (flagged).
  const stageDays = {} as StageDays;
  for (const stage of STAGE_WAIT_NAMES) {
    const value = input.stage_days?.[stage];
    if (value !== undefined) {
      stageDays[stage] = value;
      continue;
    }
    const median =
      stage === 'opportunity'
        ? deals.median_cycle_days
        : (stageHistory.find((history) => history.stage === stage)?.median_days ?? null);
    if (median === null) {
      stageDays[stage] = 0;
      assumptions.push({
        field: `stage_days.${stage}`,
        value: 0,
        reason:
          stage === 'opportunity'
            ? `No opportunity was won ${between}; assumed 0 days from opportunity to won deal.`
            : `No lead moved from ${stage} to ${NEXT_STAGE[stage]} ${between}; assumed 0 days in ${stage}.`,
      });
    } else {
      stageDays[stage] = median;
    }
  }

  const steps = reverseWaterfall(revenue, averageDealSize, rates);
  const counts = countsOf(steps);
  const split = splitVolumes(counts, marketingShare);

  // Program mix: given (cost per lead defaulting to the channel's history), else the window's mix.
  const historicalCpl = new Map(
    channels
      .filter((channel) => channel.leads > 0)
      .map((channel) => [channel.channel, channel.cost / channel.leads]),
  );
  let mix: (ProgramMixEntry & { source: 'history' | 'given' })[];
  if (input.program_mix) {
    mix = input.program_mix.map((entry, index) => {
      const cost = entry.cost_per_lead ?? historicalCpl.get(entry.channel);
      if (cost === undefined) {
        throw new AppError(
          'VALIDATION_FAILED',
          `program_mix.${index}.cost_per_lead: channel ${entry.channel} sourced no lead ${between}; give its cost_per_lead`,
          {
            issues: [
              { path: `program_mix.${index}.cost_per_lead`, message: 'no history for this channel; give it' },
            ],
          },
        );
      }
      return { channel: entry.channel, share: entry.share, cost_per_lead: cost, source: 'given' as const };
    });
  } else {
    const sourced = channels.filter((channel) => channel.leads > 0);
    const totalLeads = sourced.reduce((sum, channel) => sum + channel.leads, 0);
    mix = sourced.map((channel) => ({
      channel: channel.channel,
      share: channel.leads / totalLeads,
      cost_per_lead: channel.cost / channel.leads,
      source: 'history' as const,
    }));
    for (const channel of channels.filter((c) => c.leads === 0)) {
      assumptions.push({
        field: `program_mix.${channel.channel}`,
        value: channel.cost,
        reason: `Channel ${channel.channel} spent ${channel.cost} on ${channel.campaigns} campaign(s) ${between} without sourcing a lead; left out of the mix.`,
      });
    }
    if (mix.length === 0) {
      assumptions.push({
        field: 'program_mix',
        value: null,
        reason: `No marketing channel sourced a lead ${between}; no channel mix or marketing budget. Give program_mix to plan them.`,
      });
    }
  }
  const programs = channelPlan(split.marketing.leads, mix);
  const channelRows: PlanResult['channels'] = programs.channels.map((channel: ChannelPlan, index) => ({
    ...channel,
    source: (mix[index] as { source: 'history' | 'given' }).source,
  }));

  const lags = cumulativeLags(stageDays);
  const months = phasePlan(periodMonths(period), counts, lags);

  const result: PlanResult = {
    id: null,
    name: input.name ?? null,
    goal_id: goal?.id ?? null,
    period: period.key,
    period_start: period.start,
    period_end: period.end,
    revenue,
    average_deal_size: averageDealSize,
    win_rate: rates.win_rate,
    steps,
    rates: rateDetails,
    marketing_share: marketingShare,
    split: {
      marketing: { revenue: Math.round(revenue * marketingShare * 100) / 100, volumes: split.marketing },
      sales: { revenue: Math.round((revenue - revenue * marketingShare) * 100) / 100, volumes: split.sales },
    },
    channels: channelRows,
    marketing_budget: programs.marketing_budget,
    phasing: { rule: PHASING_RULE, stage_days: stageDays, lag_days: lags, months },
    assumptions,
    sources: {
      history_from: window.from,
      history_to: window.to,
      leads_reached: stageHistory.find((history) => history.stage === 'lead')?.reached ?? 0,
      opportunities_closed: deals.won + deals.lost,
      won_deals: deals.won,
      campaigns: channels.reduce((sum, channel) => sum + channel.campaigns, 0),
    },
    created_at: null,
  };
  if (!input.save) return result;

  const { save: _save, ...inputs } = input;
  const name = input.name ?? `${period.key} plan (${formatShare(marketingShare)} marketing-sourced)`;
  const row = await planningRepository.insertPlan(db, {
    workspace_id: caller.workspaceId,
    name,
    goal_id: goal?.id ?? null,
    period: period.key,
    period_start: period.start,
    period_end: period.end,
    revenue,
    marketing_share: marketingShare,
    inputs: JSON.stringify(inputs),
    result: JSON.stringify(result),
    created_by: caller.userId,
  });
  return planFromRow(row);
}

export function planFromRow(row: PlanRow): PlanResult {
  const result = row.result as unknown as PlanResult;
  return { ...result, id: row.id, name: row.name, created_at: row.created_at.toISOString() };
}

export async function getPlan(db: Kysely<DB>, caller: Caller, id: number): Promise<PlanResult> {
  const row = await planningRepository.getPlan(db, caller.workspaceId, id);
  if (!row) throw new AppError('PLAN_NOT_FOUND', `Plan ${id} does not exist`);
  return planFromRow(row);
}

export async function deletePlan(db: Kysely<DB>, caller: Caller, id: number): Promise<void> {
  requireRole(caller, PLAN_SAVERS, 'delete plans');
  const deleted = await planningRepository.deletePlan(db, caller.workspaceId, id);
  if (!deleted) throw new AppError('PLAN_NOT_FOUND', `Plan ${id} does not exist`);
}

export async function findPlans(
  db: Kysely<DB>,
  caller: Caller,
  query: { period?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<Page<PlanRow>> {
  const period = query.period ? parsePeriod(query.period).key : undefined;
  const afterId = query.cursor ? decodeCursor(query.cursor).id : undefined;
  const rows = await planningRepository.findPlans(db, caller.workspaceId, { period }, query.limit, afterId);
  return toPage(
    rows,
    query.limit,
    (row) => ({ value: null, id: row.id }),
    (row) => row,
  );
}

/** The latest saved plan of a period, if any (for the scorecard). */
export async function findLatestPlan(
  db: Kysely<DB>,
  caller: Caller,
  period: string,
): Promise<PlanResult | null> {
  const row = await planningRepository.findLatestPlan(db, caller.workspaceId, period);
  return row ? planFromRow(row) : null;
}

export interface StagePacing {
  stage: PlanStage;
  planned_total: number;
  planned_to_date: number;
  actual_to_date: number;
  pacing: number | null;
  forecast: number;
}

function stagePacing(
  stage: PlanStage,
  stageMonths: { month: string; count: number }[],
  actualToDate: number,
  windowStart: Date,
  measuredEnd: Date,
): StagePacing {
  const plannedTotal = stageMonths.reduce((sum, month) => sum + month.count, 0);
  const due = measuredEnd > windowStart ? plannedToDate(stageMonths, measuredEnd) : 0;
  const { pacing, forecast } = pace(actualToDate, due, plannedTotal);
  return {
    stage,
    planned_total: plannedTotal,
    planned_to_date: due,
    actual_to_date: actualToDate,
    pacing,
    forecast,
  };
}

/** The window a saved plan is measured over: its first planned month to the end of its period. */
function planWindow(plan: PlanResult, asOf: Date): { start: Date; end: Date; measuredEnd: Date } {
  const start = monthStart((plan.phasing.months[0] as { month: string }).month);
  const end = dayStart(plan.period_end);
  return { start, end, measuredEnd: asOf < end ? asOf : end };
}

/** Plan vs actual per stage as of a moment, without the weeks (for the scorecard). */
export async function getPlanPacing(
  db: Kysely<DB>,
  caller: Caller,
  id: number,
  asOf = new Date(),
): Promise<StagePacing[]> {
  const row = await planningRepository.getPlan(db, caller.workspaceId, id);
  if (!row) throw new AppError('PLAN_NOT_FOUND', `Plan ${id} does not exist`);
  const plan = planFromRow(row);
  const window = planWindow(plan, asOf);
  const [counts] = await planningRepository.stageEntryCounts(db, caller.workspaceId, [
    { from: window.start, to: window.measuredEnd },
  ]);
  return PLAN_STAGES.map((stage) =>
    stagePacing(
      stage,
      plan.phasing.months.map((month) => ({ month: month.month, count: month[stage] })),
      counts?.[stage] ?? 0,
      window.start,
      window.measuredEnd,
    ),
  );
}

/**
 * Plan vs actual, per stage and ISO week, from the first month the plan has volume in to
 * the end of the period: stage entries (the funnel's reached-at rule for leads .. SQLs,
 * opportunities by creation, deals by a won close), the plan due to date from its phasing,
 * pacing and the forecast at the current run-rate.
 */
export async function getPlanActuals(
  db: Kysely<DB>,
  caller: Caller,
  id: number,
  asOf = new Date(),
): Promise<PlanActuals> {
  const row = await planningRepository.getPlan(db, caller.workspaceId, id);
  if (!row) throw new AppError('PLAN_NOT_FOUND', `Plan ${id} does not exist`);
  const plan = planFromRow(row);
  const months = plan.phasing.months;
  const { start: windowStart, end: windowEnd, measuredEnd } = planWindow(plan, asOf);
  const periodStart = dayStart(plan.period_start);
  const goal = plan.goal_id
    ? await planningRepository.getGoal(db, caller.workspaceId, plan.goal_id)
    : undefined;
  const [entries, won] = await Promise.all([
    planningRepository.weeklyStageEntries(db, caller.workspaceId, windowStart, measuredEnd),
    measuredEnd > periodStart
      ? planningRepository.wonRevenue(db, caller.workspaceId, periodStart, measuredEnd, {
          segment: goal?.segment ?? null,
          productId: goal?.product_id ?? null,
        })
      : Promise.resolve({ deals: 0, revenue: 0 }),
  ]);
  const stages = PLAN_STAGES.map((stage: PlanStage) => {
    const stageMonths = months.map((month) => ({ month: month.month, count: month[stage] }));
    const actualByWeek = new Map(
      entries.filter((entry) => entry.stage === stage).map((entry) => [entry.week, entry.entries]),
    );
    const actualToDate = [...actualByWeek.values()].reduce((sum, value) => sum + value, 0);
    return {
      ...stagePacing(stage, stageMonths, actualToDate, windowStart, measuredEnd),
      weeks: weeklyPacing(stageMonths, actualByWeek, { start: windowStart, end: windowEnd }, asOf),
    };
  });
  return {
    plan_id: id,
    period: plan.period,
    window_start: windowStart.toISOString(),
    window_end: windowEnd.toISOString(),
    as_of: asOf.toISOString(),
    forecast_method: FORECAST_METHOD,
    revenue: {
      goal: plan.revenue,
      won_to_date: won.revenue,
      won_deals_to_date: won.deals,
      progress: plan.revenue > 0 ? won.revenue / plan.revenue : 0,
    },
    stages,
  };
}
