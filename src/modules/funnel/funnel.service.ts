import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../shared/errors.ts';
import { decodeCursor, type Page, toPage } from '../../shared/pagination.ts';
import type { Caller } from '../auth/auth.ts';
import type { LeadRow } from '../leads/leads.repository.ts';
import { dayStart, parsePeriod, periodContaining } from '../planning/periods.ts';
import { aggregateFunnel, type FunnelAggregateRow, findFunnelRecords } from './funnel.repository.ts';
import type { FunnelGroup, FunnelQuery, FunnelRecordsQuery, FunnelReport } from './funnel.schemas.ts';
import {
  drilldownUrl,
  type FunnelScope,
  previousStage,
  REPORT_STAGES,
  ratio,
  STALL_STAGES,
} from './funnel.ts';

function toMoment(value: string): Date {
  return value.length === 10 ? dayStart(value) : new Date(value);
}

/** The report window: `period`, or `from` + `to`, or the current quarter. */
export function resolveWindow(
  query: { period?: string | undefined; from?: string | undefined; to?: string | undefined },
  now: Date,
): { from: Date; to: Date } {
  if (query.period) {
    if (query.from || query.to) {
      throw new AppError('VALIDATION_FAILED', 'period: give either period or from/to, not both', {
        issues: [{ path: 'period', message: 'give either period or from/to, not both' }],
      });
    }
    const period = parsePeriod(query.period);
    return { from: dayStart(period.start), to: dayStart(period.end) };
  }
  if (query.from || query.to) {
    const missing = query.from ? 'to' : 'from';
    if (!query.from || !query.to) {
      throw new AppError(
        'VALIDATION_FAILED',
        `${missing}: required with ${missing === 'to' ? 'from' : 'to'}`,
        {
          issues: [{ path: missing, message: `required with ${missing === 'to' ? 'from' : 'to'}` }],
        },
      );
    }
    const from = toMoment(query.from);
    const to = toMoment(query.to);
    if (to <= from) {
      throw new AppError('VALIDATION_FAILED', 'to: must be after from', {
        issues: [{ path: 'to', message: 'must be after from' }],
      });
    }
    return { from, to };
  }
  const quarter = periodContaining(now, 'quarter');
  return { from: dayStart(quarter.start), to: dayStart(quarter.end) };
}

export function funnelScopeOf(query: FunnelQuery, now = new Date()): FunnelScope {
  const asOf = query.as_of ? new Date(query.as_of) : now;
  const window = resolveWindow(query, asOf);
  return {
    view: query.view,
    from: window.from,
    to: window.to,
    by: query.by,
    asOf,
    stalledDays: query.stalled_days,
    followUpDays: query.follow_up_days,
  };
}

function toGroup(scope: FunnelScope, row: FunnelAggregateRow): FunnelGroup {
  const key = row.is_total ? undefined : row.key;
  const target = (
    metric: Parameters<typeof drilldownUrl>[1]['metric'],
    stage?: (typeof REPORT_STAGES)[number],
  ) => drilldownUrl(scope, { key, metric, stage });
  return {
    key: row.is_total ? null : row.key,
    label: row.is_total ? 'All leads' : (row.label ?? row.key ?? '(none)'),
    stages: REPORT_STAGES.map((stage) => {
      const previous = previousStage(stage);
      return {
        stage,
        count: row.reached[stage],
        drilldown: target('reached', stage),
        conversion_from_previous: previous ? ratio(row.reached[stage], row.reached[previous]) : null,
        conversion_to_customer: ratio(row.reached.customer, row.reached[stage]),
        median_days: row.median_days[stage] ?? null,
        p75_days: row.p75_days[stage] ?? null,
      };
    }),
    leakage: {
      stalled: {
        count: STALL_STAGES.reduce((sum, stage) => sum + row.stalled[stage], 0),
        drilldown: target('stalled'),
        by_stage: STALL_STAGES.map((stage) => ({
          stage,
          count: row.stalled[stage],
          drilldown: target('stalled', stage),
        })),
      },
      rejected: { count: row.rejected, drilldown: target('rejected') },
      recycled: { count: row.recycled, drilldown: target('recycled') },
      disqualified: { count: row.disqualified, drilldown: target('disqualified') },
      never_followed_up: { count: row.never_followed_up, drilldown: target('never_followed_up') },
    },
  };
}

/** The funnel with conversion, velocity and leakage, for all leads and by a dimension. */
export async function getFunnel(
  db: Kysely<DB>,
  caller: Caller,
  query: FunnelQuery,
  now = new Date(),
): Promise<FunnelReport> {
  const scope = funnelScopeOf(query, now);
  const rows = await aggregateFunnel(db, caller.workspaceId, scope);
  const totalRow = rows.find((row) => row.is_total);
  const total = totalRow ? toGroup(scope, totalRow) : toGroup(scope, emptyRow());
  const groups = rows
    .filter((row) => !row.is_total)
    .map((row) => toGroup(scope, row))
    .sort(
      (a, b) =>
        (b.stages[0]?.count ?? 0) - (a.stages[0]?.count ?? 0) ||
        (a.key ?? '\uffff').localeCompare(b.key ?? '\uffff'),
    );
  return {
    view: scope.view,
    from: scope.from.toISOString(),
    to: scope.to.toISOString(),
    by: scope.by ?? null,
    as_of: scope.asOf.toISOString(),
    stalled_days: scope.stalledDays,
    follow_up_days: scope.followUpDays,
    total,
    groups,
  };
}

function emptyRow(): FunnelAggregateRow {
  const zero = Object.fromEntries(REPORT_STAGES.map((stage) => [stage, 0])) as FunnelAggregateRow['reached'];
  return {
    is_total: true,
    key: null,
    label: null,
    reached: zero,
    median_days: {},
    p75_days: {},
    stalled: Object.fromEntries(STALL_STAGES.map((stage) => [stage, 0])) as FunnelAggregateRow['stalled'],
    rejected: 0,
    recycled: 0,
    disqualified: 0,
    never_followed_up: 0,
  };
}

/** The leads behind one funnel figure, paged by id. */
export async function findFunnelLeads(
  db: Kysely<DB>,
  caller: Caller,
  query: FunnelRecordsQuery,
  now = new Date(),
): Promise<Page<LeadRow>> {
  const scope = funnelScopeOf(query, now);
  if (query.key !== undefined && !scope.by) {
    throw new AppError('VALIDATION_FAILED', 'key: needs `by` (the dimension the key belongs to)', {
      issues: [{ path: 'key', message: 'needs by' }],
    });
  }
  if (query.metric === 'reached' && !query.stage) {
    throw new AppError('VALIDATION_FAILED', 'stage: required for metric=reached', {
      issues: [{ path: 'stage', message: 'required for metric=reached' }],
    });
  }
  if (query.metric === 'stalled' && query.stage === 'customer') {
    throw new AppError('VALIDATION_FAILED', 'stage: customers do not stall; use lead .. opportunity', {
      issues: [{ path: 'stage', message: 'customers do not stall' }],
    });
  }
  const afterId = query.cursor ? decodeCursor(query.cursor).id : undefined;
  const rows = await findFunnelRecords(
    db,
    caller.workspaceId,
    scope,
    {
      key: query.key === undefined ? undefined : query.key === '' ? null : query.key,
      stage: query.stage,
      metric: query.metric,
    },
    query.limit,
    afterId,
  );
  return toPage(
    rows,
    query.limit,
    (row) => ({ value: null, id: row.id }),
    (row) => row,
  );
}
