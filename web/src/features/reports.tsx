import type { Kpi, PlanStage } from '../api/types.ts';
import type { KpiTrend } from '../components/KpiTile.tsx';
import { DASH, formatHours, formatMoney, formatNumber, formatPercent } from '../lib/format.ts';

export type Unit = Kpi['unit'];

export function formatByUnit(
  value: number | null | undefined,
  unit: Unit,
  options: { compact?: boolean } = {},
): string {
  if (value === null || value === undefined) return DASH;
  switch (unit) {
    case 'currency':
      return formatMoney(value, options);
    case 'ratio':
      return formatPercent(value);
    case 'count':
      return formatNumber(value);
    case 'hours':
      return formatHours(value);
    case 'days':
      return `${formatNumber(Math.round(value * 10) / 10)} d`;
  }
}

/** Figures where a fall is good news. */
const LOWER_IS_BETTER = new Set<string>([
  'speed_to_lead_median_hours',
  'cost_per_won_deal',
  'cycle_time_median_days',
]);

export function kpiTrend(kpi: Kpi, previousLabel: string): KpiTrend | undefined {
  if (kpi.change === null) return undefined;
  const direction = kpi.change > 0 ? 'up' : kpi.change < 0 ? 'down' : 'flat';
  const good = LOWER_IS_BETTER.has(kpi.key) ? kpi.change <= 0 : kpi.change >= 0;
  const sign = kpi.change > 0 ? '+' : kpi.change < 0 ? '−' : '±';
  let text: string;
  if (kpi.unit === 'ratio') {
    text = `${sign}${Math.abs(kpi.change * 100).toFixed(1)} pts`;
  } else if (kpi.relative_change !== null) {
    text = `${sign}${formatPercent(Math.abs(kpi.relative_change))}`;
  } else {
    text = `${sign}${formatByUnit(Math.abs(kpi.change), kpi.unit)}`;
  }
  return { text: `${text} vs ${previousLabel}`, direction, good };
}

export const PLAN_STAGE_LABELS: Record<PlanStage, string> = {
  leads: 'Leads',
  mqls: 'MQLs',
  sals: 'SALs',
  sqls: 'SQLs',
  opportunities: 'Opportunities',
  deals: 'Won deals',
};

/** The lifecycle stage whose entries a plan stage counts. */
export const PLAN_STAGE_LIFECYCLE: Record<
  PlanStage,
  'lead' | 'mql' | 'sal' | 'sql' | 'opportunity' | 'customer'
> = {
  leads: 'lead',
  mqls: 'mql',
  sals: 'sal',
  sqls: 'sql',
  opportunities: 'opportunity',
  deals: 'customer',
};

/** From the top of the funnel down. */
export const PLAN_STAGES_TOP_DOWN: readonly PlanStage[] = [
  'leads',
  'mqls',
  'sals',
  'sqls',
  'opportunities',
  'deals',
];

/** The funnel report's records of stage entries in a window (period view). */
export function stageEntriesDrilldown(stage: PlanStage, from: string, to: string): string {
  const params = new URLSearchParams({
    view: 'period',
    from,
    to,
    metric: 'reached',
    stage: PLAN_STAGE_LIFECYCLE[stage],
  });
  return `/api/v1/reports/funnel/records?${params.toString()}`;
}
