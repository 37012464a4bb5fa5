/**
 * The funnel as reports see it. A lead "has reached" a stage when it reached that stage or
 * any later funnel stage: its reached-at moment for stage X is the earliest of the
 * `<stage>_at` stamps of X and every later stage (`least(mql_at, sal_at, ..., customer_at)`
 * for mql). The lifecycle service stamps skipped stages itself, but imported histories may
 * carry only some stamps (a CRM without SALs); this rule keeps every funnel monotonic
 * (an SQL always counts as an SAL too) and lets a stage nobody records pass through.
 */
export const REPORT_STAGES = ['lead', 'mql', 'sal', 'sql', 'opportunity', 'customer'] as const;
export type ReportStage = (typeof REPORT_STAGES)[number];

/** Stages a lead can sit in (and stall in) on its way to customer. */
export const STALL_STAGES = ['lead', 'mql', 'sal', 'sql', 'opportunity'] as const;
export type StallStage = (typeof STALL_STAGES)[number];

export const FUNNEL_VIEWS = ['cohort', 'period'] as const;
export type FunnelView = (typeof FUNNEL_VIEWS)[number];

/**
 * Dimensions: source (leads.source), campaign and channel (of the lead's first campaign),
 * owner, team (the owner's team), segment (custom_fields.segment, else the size band from
 * employees: smb < 100, mid-market 100-999, enterprise 1000+).
 */
export const FUNNEL_DIMENSIONS = ['source', 'campaign', 'channel', 'owner', 'team', 'segment'] as const;
export type FunnelDimension = (typeof FUNNEL_DIMENSIONS)[number];

export const LEAKS = ['stalled', 'rejected', 'recycled', 'disqualified', 'never_followed_up'] as const;
export type Leak = (typeof LEAKS)[number];

export const FUNNEL_METRICS = ['reached', ...LEAKS] as const;
export type FunnelMetric = (typeof FUNNEL_METRICS)[number];

export function nextStage(stage: ReportStage): ReportStage | null {
  const index = REPORT_STAGES.indexOf(stage);
  return REPORT_STAGES[index + 1] ?? null;
}

export function previousStage(stage: ReportStage): ReportStage | null {
  const index = REPORT_STAGES.indexOf(stage);
  return index > 0 ? (REPORT_STAGES[index - 1] as ReportStage) : null;
}

/** numerator / denominator, or null when there is nothing to divide by. */
export function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

export interface FunnelScope {
  view: FunnelView;
  /** Inclusive start of the window. */
  from: Date;
  /** Exclusive end of the window. */
  to: Date;
  by?: FunnelDimension | undefined;
  asOf: Date;
  stalledDays: number;
  followUpDays: number;
}

export interface DrilldownTarget {
  /** Group key; null is the group of leads without a value; undefined means all leads. */
  key?: string | null | undefined;
  stage?: ReportStage | undefined;
  metric: FunnelMetric;
}

/**
 * The records behind a figure, as a query the drill-down endpoint understands. Lead ids
 * are never listed (a figure may stand for hundreds of thousands of leads); the endpoint
 * re-applies the same filter and pages through the leads.
 */
export function drilldownUrl(scope: FunnelScope, target: DrilldownTarget): string {
  const params = new URLSearchParams();
  params.set('view', scope.view);
  params.set('from', scope.from.toISOString());
  params.set('to', scope.to.toISOString());
  params.set('metric', target.metric);
  if (target.stage) params.set('stage', target.stage);
  if (scope.by && target.key !== undefined) {
    params.set('by', scope.by);
    params.set('key', target.key ?? '');
  }
  if (target.metric === 'stalled') params.set('stalled_days', String(scope.stalledDays));
  if (target.metric === 'stalled' || target.metric === 'never_followed_up')
    params.set('as_of', scope.asOf.toISOString());
  if (target.metric === 'never_followed_up') params.set('follow_up_days', String(scope.followUpDays));
  return `/api/v1/reports/funnel/records?${params.toString()}`;
}
