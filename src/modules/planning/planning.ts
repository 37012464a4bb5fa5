import { AppError } from '../../shared/errors.ts';
import { monthEnd, monthOf, monthRange, monthStart, weekStart } from './periods.ts';

/**
 * The reverse waterfall, from the revenue goal back to raw leads. Steps are listed from
 * deals back to leads; the rate on a step is the conversion from that stage to the next
 * one towards the deal, i.e. the rate the step's count is divided by:
 *
 *   deals         = ceil(revenue / average_deal_size)        rate: null
 *   opportunities = ceil(deals / win_rate)                   rate: win_rate
 *   sqls          = ceil(opportunities / sql_to_opportunity) rate: sql_to_opportunity
 *   sals          = ceil(sqls / sal_to_sql)                  rate: sal_to_sql
 *   mqls          = ceil(sals / mql_to_sal)                  rate: mql_to_sal
 *   leads         = ceil(mqls / lead_to_mql)                 rate: lead_to_mql
 */
export const PLAN_STAGES = ['deals', 'opportunities', 'sqls', 'sals', 'mqls', 'leads'] as const;
export type PlanStage = (typeof PLAN_STAGES)[number];

export const RATE_NAMES = [
  'win_rate',
  'sql_to_opportunity',
  'sal_to_sql',
  'mql_to_sal',
  'lead_to_mql',
] as const;
export type RateName = (typeof RATE_NAMES)[number];
export type PlanRates = Record<RateName, number>;

export const RATE_OF_STAGE: Record<PlanStage, RateName | null> = {
  deals: null,
  opportunities: 'win_rate',
  sqls: 'sql_to_opportunity',
  sals: 'sal_to_sql',
  mqls: 'mql_to_sal',
  leads: 'lead_to_mql',
};

/**
 * The lifecycle stage whose time-in-stage separates a plan stage from the next one towards
 * the deal: leads wait in `lead` before becoming MQLs, opportunities wait in `opportunity`
 * (created -> won) before becoming deals.
 */
export const STAGE_WAIT: Record<Exclude<PlanStage, 'deals'>, StageWaitName> = {
  opportunities: 'opportunity',
  sqls: 'sql',
  sals: 'sal',
  mqls: 'mql',
  leads: 'lead',
};
export type StageWaitName = 'lead' | 'mql' | 'sal' | 'sql' | 'opportunity';
export const STAGE_WAIT_NAMES: readonly StageWaitName[] = ['lead', 'mql', 'sal', 'sql', 'opportunity'];
/** Median days spent in each lifecycle stage before moving to the next (opportunity: created -> won). */
export type StageDays = Record<StageWaitName, number>;

export interface PlanStep {
  stage: PlanStage;
  count: number;
  rate: number | null;
  rate_name: RateName | null;
}

/**
 * Rounds up, ignoring floating-point noise: 21 / 0.7 is 30.000000000000004 in binary
 * floating point and must plan 30 SQLs, not 31.
 */
export function ceilCount(value: number): number {
  const nearest = Math.round(value);
  // A few units in the last place: the error of one division by a rate that binary cannot hold exactly.
  if (Math.abs(value - nearest) <= 16 * Number.EPSILON * Math.max(1, Math.abs(value))) return nearest;
  return Math.ceil(value);
}

function assertPositive(value: number, field: string, max?: number): void {
  if (!Number.isFinite(value) || value <= 0 || (max !== undefined && value > max)) {
    const range = max === undefined ? 'a positive number' : `a number in (0, ${max}]`;
    throw new AppError('VALIDATION_FAILED', `${field}: ${value} is not ${range}`, {
      issues: [{ path: field, message: `must be ${range}` }],
    });
  }
}

/** Works the goal back into stage volumes; every count is rounded up from the previous rounded count. */
export function reverseWaterfall(revenue: number, averageDealSize: number, rates: PlanRates): PlanStep[] {
  assertPositive(revenue, 'revenue');
  assertPositive(averageDealSize, 'average_deal_size');
  for (const name of RATE_NAMES) assertPositive(rates[name], `rates.${name}`, 1);
  const steps: PlanStep[] = [];
  let previous = ceilCount(revenue / averageDealSize);
  steps.push({ stage: 'deals', count: previous, rate: null, rate_name: null });
  for (const stage of PLAN_STAGES.slice(1)) {
    const rateName = RATE_OF_STAGE[stage] as RateName;
    const rate = rates[rateName];
    previous = ceilCount(previous / rate);
    steps.push({ stage, count: previous, rate, rate_name: rateName });
  }
  const leads = steps[steps.length - 1] as PlanStep;
  if (leads.count > 1e12) {
    throw new AppError(
      'UNPROCESSABLE',
      `revenue: the plan needs ${leads.count} leads, more than can be planned; check the rates and the deal size`,
      { issues: [{ path: 'revenue', message: 'needs more than 10^12 leads at these rates' }] },
    );
  }
  return steps;
}

export type StageCounts = Record<PlanStage, number>;

export function countsOf(steps: readonly PlanStep[]): StageCounts {
  const counts = {} as StageCounts;
  for (const step of steps) counts[step.stage] = step.count;
  return counts;
}

/**
 * Splits each stage volume into its marketing-sourced and sales-sourced parts: marketing's
 * part is the share rounded up (the target is a floor), sales takes the rest, so the two
 * always add up to the step count.
 */
export function splitVolumes(
  counts: StageCounts,
  marketingShare: number,
): { marketing: StageCounts; sales: StageCounts } {
  if (!(marketingShare >= 0 && marketingShare <= 1)) {
    throw new AppError('VALIDATION_FAILED', `marketing_share: ${marketingShare} is not between 0 and 1`, {
      issues: [{ path: 'marketing_share', message: 'must be between 0 and 1' }],
    });
  }
  const marketing = {} as StageCounts;
  const sales = {} as StageCounts;
  for (const stage of PLAN_STAGES) {
    marketing[stage] = Math.min(counts[stage], ceilCount(counts[stage] * marketingShare));
    sales[stage] = counts[stage] - marketing[stage];
  }
  return { marketing, sales };
}

/**
 * Largest-remainder rounding: integers that add up to `total`, each the floor of its exact
 * share plus one for the largest fractional parts (ties go to the earlier item).
 */
export function apportion(total: number, exact: readonly number[]): number[] {
  if (exact.length === 0) return [];
  const sum = exact.reduce((a, b) => a + b, 0);
  const scaled =
    sum > 0 ? exact.map((value) => (value * total) / sum) : exact.map(() => total / exact.length);
  const floors = scaled.map((value) => Math.floor(value + 1e-9));
  let remainder = total - floors.reduce((a, b) => a + b, 0);
  const order = scaled
    .map((value, index) => ({ index, fraction: value - (floors[index] as number) }))
    .sort((a, b) => b.fraction - a.fraction || a.index - b.index);
  for (const { index } of order) {
    if (remainder <= 0) break;
    floors[index] = (floors[index] as number) + 1;
    remainder -= 1;
  }
  return floors;
}

export interface ProgramMixEntry {
  channel: string;
  /** Share of the marketing-sourced leads this channel brings, 0..1; shares add up to 1. */
  share: number;
  cost_per_lead: number;
}

export interface ChannelPlan {
  channel: string;
  share: number;
  leads: number;
  cost_per_lead: number;
  budget: number;
}

function roundMoney(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * Marketing-sourced leads by channel (largest-remainder rounding, so the channels add up
 * to the marketing-sourced leads) and the budget each needs at its cost per lead.
 */
export function channelPlan(
  marketingLeads: number,
  mix: readonly ProgramMixEntry[],
): { channels: ChannelPlan[]; marketing_budget: number } {
  if (mix.length === 0) return { channels: [], marketing_budget: 0 };
  const total = mix.reduce((sum, entry) => sum + entry.share, 0);
  if (Math.abs(total - 1) > 0.001) {
    throw new AppError('VALIDATION_FAILED', `program_mix: the shares add up to ${total}, not 1`, {
      issues: [{ path: 'program_mix', message: `shares must add up to 1 (they add up to ${total})` }],
    });
  }
  mix.forEach((entry, index) => {
    if (!(entry.share >= 0)) {
      throw new AppError('VALIDATION_FAILED', `program_mix.${index}.share: must be 0 or more`, {
        issues: [{ path: `program_mix.${index}.share`, message: 'must be 0 or more' }],
      });
    }
    if (!(entry.cost_per_lead >= 0) || !Number.isFinite(entry.cost_per_lead)) {
      throw new AppError('VALIDATION_FAILED', `program_mix.${index}.cost_per_lead: must be 0 or more`, {
        issues: [{ path: `program_mix.${index}.cost_per_lead`, message: 'must be 0 or more' }],
      });
    }
  });
  const leads = apportion(
    marketingLeads,
    mix.map((entry) => entry.share),
  );
  const channels = mix.map((entry, index) => {
    const count = leads[index] as number;
    return {
      channel: entry.channel,
      share: entry.share,
      leads: count,
      cost_per_lead: entry.cost_per_lead,
      budget: roundMoney(count * entry.cost_per_lead),
    };
  });
  return {
    channels,
    marketing_budget: roundMoney(channels.reduce((sum, channel) => sum + channel.budget, 0)),
  };
}

/**
 * Days before the deal closes at which each stage volume must happen: 0 for deals, the
 * median opportunity cycle for opportunities, plus the median days in sql for SQLs, and
 * so on back to leads.
 */
export function cumulativeLags(days: StageDays): Record<PlanStage, number> {
  const lags = { deals: 0 } as Record<PlanStage, number>;
  let total = 0;
  for (const stage of PLAN_STAGES.slice(1) as Exclude<PlanStage, 'deals'>[]) {
    total += Math.max(0, days[STAGE_WAIT[stage]]);
    lags[stage] = total;
  }
  return lags;
}

export interface PhasedMonth {
  month: string;
  deals: number;
  opportunities: number;
  sqls: number;
  sals: number;
  mqls: number;
  leads: number;
}

const MS_PER_DAY = 86_400_000;

/** Exact (fractional) volume of one stage per calendar month, before rounding. */
export function exactStageMonths(
  periodMonths: readonly string[],
  count: number,
  lagDays: number,
): Map<string, number> {
  const perMonth = count / periodMonths.length;
  const shift = lagDays * MS_PER_DAY;
  const exact = new Map<string, number>();
  for (const month of periodMonths) {
    const start = monthStart(month).getTime();
    const end = monthEnd(month).getTime();
    const from = start - shift;
    const to = end - shift;
    for (const calendar of monthRange(monthOf(new Date(from)), monthOf(new Date(to - 1)))) {
      const overlap =
        Math.min(to, monthEnd(calendar).getTime()) - Math.max(from, monthStart(calendar).getTime());
      if (overlap <= 0) continue;
      exact.set(calendar, (exact.get(calendar) ?? 0) + (perMonth * overlap) / (end - start));
    }
  }
  return exact;
}

/**
 * The month-by-month plan. Each stage's volume is spread evenly over the period's months
 * (the deals close evenly through the period), then moved back in time by the stage's
 * cumulative lag: the volume belonging to deals closing in [month start, month end)
 * happens in [start - lag, end - lag) and is shared between the calendar months that
 * interval overlaps, in proportion to the overlap. Each stage's fractional month volumes
 * are then rounded with the largest-remainder rule (ties to the earlier month), so every
 * stage's months add up exactly to its step count.
 */
export function phasePlan(
  periodMonths: readonly string[],
  counts: StageCounts,
  lags: Record<PlanStage, number>,
): PhasedMonth[] {
  if (periodMonths.length === 0) return [];
  const exactByStage = new Map<PlanStage, Map<string, number>>();
  let first = periodMonths[0] as string;
  for (const stage of PLAN_STAGES) {
    const exact = exactStageMonths(periodMonths, counts[stage], lags[stage]);
    exactByStage.set(stage, exact);
    for (const month of exact.keys()) if (month < first) first = month;
  }
  const months = monthRange(first, periodMonths[periodMonths.length - 1] as string);
  const rows: PhasedMonth[] = months.map((month) => ({
    month,
    deals: 0,
    opportunities: 0,
    sqls: 0,
    sals: 0,
    mqls: 0,
    leads: 0,
  }));
  for (const stage of PLAN_STAGES) {
    const exact = exactByStage.get(stage) as Map<string, number>;
    const rounded = apportion(
      counts[stage],
      months.map((month) => exact.get(month) ?? 0),
    );
    rounded.forEach((value, index) => {
      (rows[index] as PhasedMonth)[stage] = value;
    });
  }
  return rows;
}

/**
 * Planned volume of a stage due by a moment: whole months before it, plus the elapsed
 * fraction of the month it falls in (volume is taken as even within a month).
 */
export function plannedToDate(months: readonly { month: string; count: number }[], at: Date): number {
  const time = at.getTime();
  let total = 0;
  for (const { month, count } of months) {
    const start = monthStart(month).getTime();
    const end = monthEnd(month).getTime();
    if (time >= end) total += count;
    else if (time > start) total += (count * (time - start)) / (end - start);
  }
  return total;
}

/**
 * Pacing and the forecast at the current run-rate, shaped by the plan: pacing is actual
 * to date / planned to date, and the forecast scales the plan's total by it (actual so
 * far plus the rest of the plan at the pace achieved so far). Before anything was due,
 * pacing is undefined and the forecast is what happened plus the plan's remainder.
 */
export function pace(
  actualToDate: number,
  plannedDue: number,
  plannedTotal: number,
): { pacing: number | null; forecast: number } {
  if (plannedDue <= 1e-9) return { pacing: null, forecast: actualToDate + plannedTotal };
  const pacing = actualToDate / plannedDue;
  return { pacing, forecast: actualToDate + (plannedTotal - plannedDue) * pacing };
}

export interface WeekPacing {
  week_start: string;
  /** Stage entries in the week (null for weeks after as_of). */
  actual: number | null;
  actual_to_date: number | null;
  planned: number;
  planned_to_date: number;
  pacing: number | null;
  forecast: number | null;
}

/**
 * Week-by-week pacing of one stage. Weeks are ISO weeks (Monday 00:00 UTC, as PostgreSQL's
 * date_trunc('week')); the first and last weeks are clipped to the plan window. A week
 * that has not ended by `asOf` is measured up to `asOf` (its planned_to_date too, so
 * pacing is always actual_to_date / planned_to_date).
 */
export function weeklyPacing(
  months: readonly { month: string; count: number }[],
  actualByWeek: ReadonlyMap<string, number>,
  window: { start: Date; end: Date },
  asOf: Date,
): WeekPacing[] {
  const plannedTotal = months.reduce((sum, month) => sum + month.count, 0);
  const rows: WeekPacing[] = [];
  let actualToDate = 0;
  for (
    let week = weekStart(window.start);
    week < window.end;
    week = new Date(week.getTime() + 7 * MS_PER_DAY)
  ) {
    const key = week.toISOString().slice(0, 10);
    const from = new Date(Math.max(week.getTime(), window.start.getTime()));
    const to = new Date(Math.min(week.getTime() + 7 * MS_PER_DAY, window.end.getTime()));
    const planned = plannedToDate(months, to) - plannedToDate(months, from);
    if (from >= asOf) {
      rows.push({
        week_start: key,
        actual: null,
        actual_to_date: null,
        planned,
        planned_to_date: plannedToDate(months, to),
        pacing: null,
        forecast: null,
      });
      continue;
    }
    const actual = actualByWeek.get(key) ?? 0;
    actualToDate += actual;
    const measuredTo = to < asOf ? to : asOf;
    const due = plannedToDate(months, measuredTo);
    const { pacing, forecast } = pace(actualToDate, due, plannedTotal);
    rows.push({
      week_start: key,
      actual,
      actual_to_date: actualToDate,
      planned,
      planned_to_date: due,
      pacing,
      forecast,
    });
  }
  return rows;
}
