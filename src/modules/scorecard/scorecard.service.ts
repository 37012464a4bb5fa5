import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../shared/errors.ts';
import type { Caller } from '../auth/auth.ts';
import { getCampaignTotals } from '../campaign-reports/campaign-reports.service.ts';
import { dayStart, parsePeriod, periodContaining, previousPeriod } from '../planning/periods.ts';
import * as planningRepository from '../planning/planning.repository.ts';
import { getPlanPacing } from '../planning/planning.service.ts';
import { PLAN_STAGES } from '../planning/planning.ts';
import { getWinLossSummary, type WinLossFigures } from '../winloss/winloss.service.ts';
import * as scorecardRepository from './scorecard.repository.ts';
import type { Scorecard, ScorecardQuery } from './scorecard.schemas.ts';
import { comparisonWindows, type Kpi, kpi, safeRatio } from './scorecard.ts';

interface WindowFigures {
  winLoss: WinLossFigures;
  campaigns: Awaited<ReturnType<typeof getCampaignTotals>>;
  speed: { median_hours: number | null; within_1h_share: number | null };
  /** Stage entries in the window and MQL -> SAL acceptance of its MQLs. */
  stages: planningRepository.StageEntryCounts;
  sla: scorecardRepository.SlaComplianceFigures;
}

/**
 * Every figure of one window. Win rate, won revenue and cycle come from the win/loss
 * report, marketing-sourced shares, cost and ROI from the campaign report, speed to lead
 * by the speed-to-lead report's definition and compliance from the SLA module's clocks and
 * breach events, so the scorecard shows the numbers those reports show. The campaign
 * figures, the stage entries and speed to lead (both windows in one pass each) are read by
 * the caller.
 */
async function figuresFor(
  db: Kysely<DB>,
  caller: Caller,
  window: { from: Date; to: Date },
  campaigns: Promise<WindowFigures['campaigns']>,
  stages: Promise<planningRepository.StageEntryCounts>,
  speed: Promise<scorecardRepository.SpeedFigures>,
): Promise<WindowFigures> {
  const [winLoss, sla, campaignFigures, stageFigures, speedFigures] = await Promise.all([
    getWinLossSummary(db, caller, window),
    scorecardRepository.slaComplianceFigures(db, caller.workspaceId, window.from, window.to),
    campaigns,
    stages,
    speed,
  ]);
  return {
    winLoss,
    campaigns: campaignFigures,
    // Rounded as the speed-to-lead report rounds them.
    speed: {
      median_hours: round4(speedFigures.median_hours),
      within_1h_share:
        speedFigures.handoffs > 0 ? round4(speedFigures.within_1h / speedFigures.handoffs) : null,
    },
    stages: stageFigures,
    sla,
  };
}

function round4(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10_000) / 10_000;
}

function buildKpis(
  current: WindowFigures,
  previous: WindowFigures,
  goal: { revenue: number; marketing_share: number } | null,
): Kpi[] {
  const both = <T>(pick: (figures: WindowFigures) => T): [T, T] => [pick(current), pick(previous)];
  const marketingGoal = goal ? Math.round(goal.revenue * goal.marketing_share * 100) / 100 : null;
  const salesGoal = goal && marketingGoal !== null ? goal.revenue - marketingGoal : null;
  const wonRevenue = (f: WindowFigures) => f.winLoss.won_revenue;
  const marketingWon = (f: WindowFigures) => f.campaigns.marketing_sourced.marketing_bookings;
  return [
    kpi(
      'won_revenue',
      'Won revenue',
      'currency',
      ...both(wonRevenue),
      'Amounts of the opportunities won (closed) in the window, as the win/loss report counts them; target: the period goal.',
      goal?.revenue ?? null,
    ),
    kpi(
      'goal_progress',
      'Goal progress',
      'ratio',
      goal ? wonRevenue(current) / goal.revenue : null,
      goal ? wonRevenue(previous) / goal.revenue : null,
      "Won revenue / the period's revenue goal (the previous window measured against the same goal).",
      goal ? 1 : null,
    ),
    kpi(
      'marketing_sourced_won_revenue',
      'Marketing-sourced won revenue',
      'currency',
      ...both(marketingWon),
      "Won revenue of marketing-sourced deals (the deal's source, else its primary lead's sourcing channel, is not a sales or partner source), as the campaign report counts them; target: goal x marketing share.",
      marketingGoal,
    ),
    kpi(
      'sales_sourced_won_revenue',
      'Sales-sourced won revenue',
      'currency',
      ...both((f) => wonRevenue(f) - marketingWon(f)),
      'Won revenue of the other deals; target: goal - the marketing-sourced part.',
      salesGoal,
    ),
    kpi(
      'mql_to_sal_acceptance',
      'MQL -> SAL acceptance',
      'ratio',
      ...both((f) => safeRatio(f.stages.accepted, f.stages.mqls)),
      'Of the leads that reached MQL in the window, the share that reached SAL (accepted by sales) since.',
    ),
    kpi(
      'speed_to_lead_median_hours',
      'Speed to lead (median hours)',
      'hours',
      ...both((f) => f.speed.median_hours),
      "Median hours from handoff (the later of reaching MQL and being assigned) to the first sales call, email or meeting, over the leads handed off in the window that got one (the speed-to-lead report's definition).",
    ),
    kpi(
      'speed_to_lead_within_1h',
      'Answered within 1 hour',
      'ratio',
      ...both((f) => f.speed.within_1h_share),
      "Share of the leads handed off in the window answered within one hour (the speed-to-lead report's definition).",
    ),
    kpi(
      'sla_compliance',
      'SLA compliance',
      'ratio',
      ...both((f) => safeRatio(f.sla.clocks - f.sla.breached, f.sla.clocks)),
      'Share of the SLA clocks started for handoffs in the window (exempt and superseded ones left out) with no breach (accept, first activity or attempts) recorded; null when no handoff was under an SLA policy.',
      1,
    ),
    kpi(
      'marketing_sourced_pipeline_share',
      'Marketing-sourced share of pipeline',
      'ratio',
      ...both((f) => f.campaigns.marketing_sourced.pipeline_share),
      'Amount of the opportunities created in the window that are marketing-sourced / amount of all of them (the campaign report).',
    ),
    kpi(
      'marketing_sourced_bookings_share',
      'Marketing-sourced share of bookings',
      'ratio',
      ...both((f) => f.campaigns.marketing_sourced.bookings_share),
      "Marketing-sourced won revenue / won revenue (the campaign report); target: the goal's marketing share.",
      goal?.marketing_share ?? null,
    ),
    kpi(
      'cost_per_won_deal',
      'Cost per won deal',
      'currency',
      ...both((f) => f.campaigns.cost_per_won_deal),
      "Campaign cost falling in the window (spread evenly over each campaign's days) / deals won in the window that campaigns sourced (the campaign report).",
    ),
    kpi(
      'marketing_roi',
      'Marketing ROI',
      'ratio',
      ...both((f) => f.campaigns.roi),
      '(Won revenue of campaign-sourced deals - campaign cost) / campaign cost, over the window (the campaign report).',
    ),
    kpi(
      'win_rate',
      'Win rate',
      'ratio',
      ...both((f) => f.winLoss.win_rate),
      'Won / (won + lost) of the opportunities closed in the window (the win/loss report).',
    ),
    kpi(
      'cycle_time_median_days',
      'Sales cycle (median days)',
      'days',
      ...both((f) => f.winLoss.median_won_cycle_days),
      'Median days from opportunity creation to a won close, over the deals won in the window (the win/loss report).',
    ),
  ];
}

/** The joint KPI scorecard of a period, each KPI with its trend against the previous period. */
export async function getScorecard(
  db: Kysely<DB>,
  caller: Caller,
  query: ScorecardQuery,
  now = new Date(),
): Promise<Scorecard> {
  const asOf = query.as_of ? new Date(query.as_of) : now;
  const period = query.period ? parsePeriod(query.period) : periodContaining(asOf, 'quarter');
  const before = previousPeriod(period);
  const windows = comparisonWindows(
    { start: dayStart(period.start), end: dayStart(period.end) },
    { start: dayStart(before.start), end: dayStart(before.end) },
    asOf,
  );
  let planId: number | null = null;
  if (query.plan_id !== undefined) {
    const plan = await planningRepository.getPlan(db, caller.workspaceId, query.plan_id);
    if (!plan) throw new AppError('PLAN_NOT_FOUND', `Plan ${query.plan_id} does not exist`);
    planId = plan.id;
  } else {
    planId = (await planningRepository.findLatestPlan(db, caller.workspaceId, period.key))?.id ?? null;
  }
  // The first campaign read refreshes the journey rollups; everything else then runs side by side.
  const currentCampaigns = await getCampaignTotals(db, caller, windows.current, asOf);
  const both = [windows.current, windows.previous];
  const stages = planningRepository.stageEntryCounts(db, caller.workspaceId, both);
  const speed = scorecardRepository.speedFigures(db, caller.workspaceId, both);
  const [current, previous, goalRow, planPacing] = await Promise.all([
    figuresFor(
      db,
      caller,
      windows.current,
      Promise.resolve(currentCampaigns),
      stages.then(([counts]) => counts as planningRepository.StageEntryCounts),
      speed.then(([figures]) => figures as scorecardRepository.SpeedFigures),
    ),
    figuresFor(
      db,
      caller,
      windows.previous,
      getCampaignTotals(db, caller, windows.previous, asOf),
      stages.then(([, counts]) => counts as planningRepository.StageEntryCounts),
      speed.then(([, figures]) => figures as scorecardRepository.SpeedFigures),
    ),
    planningRepository.findOverallGoal(db, caller.workspaceId, period.key),
    planId === null ? Promise.resolve(null) : getPlanPacing(db, caller, planId, asOf),
  ]);
  const goal = goalRow ? { revenue: goalRow.revenue, marketing_share: goalRow.marketing_share } : null;
  const kpis = buildKpis(current, previous, goal);
  return {
    period: period.key,
    period_start: period.start,
    period_end: period.end,
    previous_period: before.key,
    as_of: asOf.toISOString(),
    complete: windows.complete,
    window: { from: windows.current.from.toISOString(), to: windows.current.to.toISOString() },
    previous_window: { from: windows.previous.from.toISOString(), to: windows.previous.to.toISOString() },
    goal: goalRow
      ? {
          id: goalRow.id,
          revenue: goalRow.revenue,
          marketing_share: goalRow.marketing_share,
          marketing_sourced_revenue: Math.round(goalRow.revenue * goalRow.marketing_share * 100) / 100,
          sales_sourced_revenue:
            Math.round(
              (goalRow.revenue - Math.round(goalRow.revenue * goalRow.marketing_share * 100) / 100) * 100,
            ) / 100,
        }
      : null,
    plan_id: planId,
    kpis,
    funnel: PLAN_STAGES.map((stage) => {
      const pacing = planPacing?.find((entry) => entry.stage === stage);
      return {
        stage,
        actual: current.stages[stage],
        previous: previous.stages[stage],
        change: current.stages[stage] - previous.stages[stage],
        plan: pacing
          ? {
              planned_total: pacing.planned_total,
              planned_to_date: pacing.planned_to_date,
              actual_to_date: pacing.actual_to_date,
              pacing: pacing.pacing,
              forecast: pacing.forecast,
            }
          : null,
      };
    }),
  };
}
