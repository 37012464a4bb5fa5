/** One KPI of the joint scorecard with its trend against the previous period. */
export interface Kpi {
  key: KpiKey;
  label: string;
  unit: KpiUnit;
  value: number | null;
  previous: number | null;
  /** value - previous (percentage points for ratios); null when either is missing. */
  change: number | null;
  /** (value - previous) / previous; null when previous is 0 or missing. */
  relative_change: number | null;
  /** The goal or plan figure this KPI is measured against, when there is one. */
  target: number | null;
  /** How the figure is computed (and by which module). */
  definition: string;
}

export type KpiUnit = 'currency' | 'ratio' | 'count' | 'hours' | 'days';

export const KPI_KEYS = [
  'won_revenue',
  'goal_progress',
  'marketing_sourced_won_revenue',
  'sales_sourced_won_revenue',
  'mql_to_sal_acceptance',
  'speed_to_lead_median_hours',
  'speed_to_lead_within_1h',
  'sla_compliance',
  'marketing_sourced_pipeline_share',
  'marketing_sourced_bookings_share',
  'cost_per_won_deal',
  'marketing_roi',
  'win_rate',
  'cycle_time_median_days',
] as const;
export type KpiKey = (typeof KPI_KEYS)[number];

export function trend(
  value: number | null,
  previous: number | null,
): { change: number | null; relative_change: number | null } {
  if (value === null || previous === null) return { change: null, relative_change: null };
  return {
    change: value - previous,
    relative_change: previous !== 0 ? (value - previous) / Math.abs(previous) : null,
  };
}

export function kpi(
  key: KpiKey,
  label: string,
  unit: KpiUnit,
  value: number | null,
  previous: number | null,
  definition: string,
  target: number | null = null,
): Kpi {
  return { key, label, unit, value, previous, ...trend(value, previous), target, definition };
}

/**
 * The windows a scorecard compares. A period still running is measured to date, and the
 * previous period over the same elapsed span (the first 40 days of Q2 against the first
 * 40 days of Q3), so the trend compares like with like; a finished period is compared whole.
 */
export function comparisonWindows(
  period: { start: Date; end: Date },
  previous: { start: Date; end: Date },
  asOf: Date,
): { current: { from: Date; to: Date }; previous: { from: Date; to: Date }; complete: boolean } {
  if (asOf >= period.end) {
    return {
      current: { from: period.start, to: period.end },
      previous: { from: previous.start, to: previous.end },
      complete: true,
    };
  }
  const elapsed = Math.max(0, asOf.getTime() - period.start.getTime());
  const previousEnd = new Date(Math.min(previous.start.getTime() + elapsed, previous.end.getTime()));
  return {
    current: { from: period.start, to: new Date(period.start.getTime() + elapsed) },
    previous: { from: previous.start, to: previousEnd },
    complete: false,
  };
}

export function safeRatio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}
