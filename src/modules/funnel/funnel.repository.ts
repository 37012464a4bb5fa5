import { type Kysely, type RawBuilder, type Selectable, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { LeadsTable } from '../../db/tables/foundation.ts';
import {
  type FunnelDimension,
  type FunnelMetric,
  type FunnelScope,
  nextStage,
  REPORT_STAGES,
  type ReportStage,
  STALL_STAGES,
  type StallStage,
} from './funnel.ts';

const STAMP: Record<ReportStage, string> = {
  lead: 'lead_at',
  mql: 'mql_at',
  sal: 'sal_at',
  sql: 'sql_at',
  opportunity: 'opportunity_at',
  customer: 'customer_at',
};

/**
 * Runs a report's reads in their own transaction with JIT compilation off and room to sort
 * in memory. PostgreSQL decides on JIT from cost estimates, which the per-lead lookups of
 * these reports inflate; compiling then takes seconds for queries that run in a few
 * hundred milliseconds. Grouped percentiles sort tens of thousands of rows, which spill
 * to disk at the default 4 MB work_mem.
 */
export async function withReportSettings<T>(
  db: Kysely<DB>,
  run: (trx: Kysely<DB>) => Promise<T>,
): Promise<T> {
  const settings = sql`select set_config('jit', 'off', true), set_config('work_mem', '32MB', true)`;
  if (db.isTransaction) {
    await settings.execute(db);
    return run(db);
  }
  return db.transaction().execute(async (trx) => {
    await settings.execute(trx);
    return run(trx);
  });
}

/** The moment a lead (table alias `alias`) first reached `stage` or any later funnel stage. */
export function reachedAt(stage: ReportStage, alias = 'l'): RawBuilder<Date | null> {
  const columns = REPORT_STAGES.slice(REPORT_STAGES.indexOf(stage)).map((later) =>
    sql.ref(`${alias}.${STAMP[later]}`),
  );
  return columns.length === 1 ? sql`${columns[0]}` : sql`least(${sql.join(columns)})`;
}

/**
 * `(l.a_at in [from, to) or l.b_at in [from, to) ...)`: leads with any of these stamps in
 * the window. PostgreSQL answers it with one bitmap OR over the stamps' partial indexes.
 */
export function anyStampIn(
  columns: readonly string[],
  from: Date,
  to: Date,
  alias = 'l',
): RawBuilder<boolean> {
  return sql`(${sql.join(
    columns.map(
      (column) =>
        sql`(${sql.ref(`${alias}.${column}`)} >= ${from}::timestamptz and ${sql.ref(`${alias}.${column}`)} < ${to}::timestamptz)`,
    ),
    sql` or `,
  )})`;
}

/** Every stamp of a lead, in the order of the key of the index `leads_workspace_latest_stamp`. */
const LEAD_STAMPS = [...REPORT_STAGES.map((stage) => STAMP[stage]), 'recycled_at', 'disqualified_at'];

/**
 * `greatest(every stamp of the lead) >= from`: implied by any stamp falling in a window that
 * starts at `from`, so adding it to `anyStampIn` changes no result. It is the key of the
 * covering index `leads_workspace_latest_stamp` (0700_report_indexes): the leads of a recent
 * window then come from one range of that index, read without visiting the table, instead of
 * a bitmap OR over the stamps' partial indexes that reads most of the table's pages.
 */
export function latestStampFrom(from: Date, alias = 'l'): RawBuilder<boolean> {
  const stamps = LEAD_STAMPS.map((column) => sql.ref(`${alias}.${column}`));
  return sql`greatest(${sql.join(stamps)}) >= ${from}::timestamptz`;
}

/** The SQL for the segment of a lead: custom_fields.segment, else the size band from employees. */
export function leadSegment(alias = 'l'): RawBuilder<string | null> {
  const employees = sql.ref(`${alias}.employees`);
  return sql`coalesce(nullif(${sql.ref(`${alias}.custom_fields`)}->>'segment', ''), case when ${employees} is null then null when ${employees} >= 1000 then 'enterprise' when ${employees} >= 100 then 'mid-market' else 'smb' end)`;
}

interface DimensionSql {
  /** The group of a lead (table alias `l`), in its own type (ids stay integers until the output). */
  key: RawBuilder<unknown>;
  /** Tables the key needs, joined to `leads l`. */
  joins: RawBuilder<unknown>;
  /**
   * The label of a group, from its key (column `g.group_key`): looked up once per group
   * after grouping rather than joined to every lead and carried through the sort.
   */
  label: (workspaceId: number) => RawBuilder<string | null>;
}

function dimensionSql(by: FunnelDimension | undefined): DimensionSql {
  const campaignJoin = sql`left join campaigns c on c.workspace_id = l.workspace_id and c.id = l.first_campaign_id`;
  const ownerJoin = sql`left join users u on u.workspace_id = l.workspace_id and u.id = l.owner_id`;
  const itself = () => sql<string | null>`g.group_key`;
  switch (by) {
    case undefined:
      return { key: sql`null::text`, joins: sql``, label: () => sql`null::text` };
    case 'source':
      return { key: sql`l.source`, joins: sql``, label: itself };
    case 'campaign':
      return {
        key: sql`l.first_campaign_id`,
        joins: sql``,
        label: (workspaceId) =>
          sql`(select c.name from campaigns c where c.workspace_id = ${workspaceId} and c.id = g.group_key)`,
      };
    case 'channel':
      return { key: sql`c.channel`, joins: campaignJoin, label: itself };
    case 'owner':
      return {
        key: sql`l.owner_id`,
        joins: sql``,
        label: (workspaceId) =>
          sql`(select u.name from users u where u.workspace_id = ${workspaceId} and u.id = g.group_key)`,
      };
    case 'team':
      return {
        key: sql`u.team_id`,
        joins: ownerJoin,
        label: (workspaceId) =>
          sql`(select t.name from teams t where t.workspace_id = ${workspaceId} and t.id = g.group_key)`,
      };
    case 'segment':
      return { key: leadSegment('l'), joins: sql``, label: itself };
    default: {
      const unreachable: never = by;
      return unreachable;
    }
  }
}

function inWindow(column: RawBuilder<unknown>, scope: FunnelScope): RawBuilder<boolean> {
  return sql`(${column} >= ${scope.from}::timestamptz and ${column} < ${scope.to}::timestamptz)`;
}

/**
 * The leads a view covers, as a condition on `leads l`. Cohort: leads created in the window.
 * Period: leads that first reached a stage, or were first recycled or disqualified, in the
 * window (read from the covering index on the latest stamp, see latestStampFrom).
 */
function scopedLeads(scope: FunnelScope): RawBuilder<unknown> {
  if (scope.view === 'cohort') return sql`and ${inWindow(sql`l.created_at`, scope)}`;
  return sql`and ${latestStampFrom(scope.from)} and ${anyStampIn(LEAD_STAMPS, scope.from, scope.to)}`;
}

function currentStageReached(): RawBuilder<Date | null> {
  const cases = STALL_STAGES.map((stage) => sql`when ${stage} then f.r_${sql.raw(stage)}`);
  return sql`case f.stage ${sql.join(cases, sql` `)} end`;
}

/**
 * The per-lead rows every funnel figure is counted from: group key, the reached-at moment
 * of each stage, when the lead entered its current stage, its first rejection at handoff
 * (mql or sal -> recycled | disqualified) and whether it was
 * handed off at least follow_up_days before as_of, never accepted (no SAL) and without any
 * sales activity since.
 * The lookup of a recycled lead's return sits behind a CASE guard (it runs for those few
 * leads only), rejections are joined as a set (a rejection leaves mql or sal, so it comes
 * after the view's earliest MQL, which bounds them by time: the covering index
 * `lifecycle_events_handoff_rejections` yields them without visiting the table; the left join
 * to the view's leads keeps those of its leads), and so are sales activities (`worked`:
 * handed-off leads with an activity since; the earliest handoff of the view bounds the
 * activities by time, so the planner can read them by their time index instead of probing
 * lead by lead). A drill-down asks only for the lookups its metric needs (`needs`); the
 * others come out empty.
 */
function funnelRows(
  workspaceId: number,
  scope: FunnelScope,
  afterId?: number,
  needs: { entered: boolean; rejected: boolean; worked: boolean } = {
    entered: true,
    rejected: true,
    worked: true,
  },
): RawBuilder<unknown> {
  const dimension = dimensionSql(scope.by);
  const reached = REPORT_STAGES.map((stage) => sql`${reachedAt(stage, 'l')} as ${sql.ref(`r_${stage}`)}`);
  const stallCutoff = new Date(scope.asOf.getTime() - scope.stalledDays * 86_400_000);
  const followUpCutoff = new Date(scope.asOf.getTime() - scope.followUpDays * 86_400_000);
  const scoped = scopedLeads(scope);
  return sql`
    f as (
      select l.id, l.stage, l.created_at, l.recycled_at, l.disqualified_at,
        ${dimension.key} as key,
        ${sql.join(reached)}
      from leads l
      ${dimension.joins}
      where l.workspace_id = ${workspaceId} ${scoped} ${afterId !== undefined ? sql`and l.id > ${afterId}` : sql``}
    ),
    first_mql as (select min(r_mql) as at from f),
    worked as (
      select f.id from f
      join activities a on a.workspace_id = ${workspaceId} and a.lead_id = f.id
        and a.occurred_at >= f.r_mql and a.occurred_at >= (select at from first_mql)
      where ${needs.worked ? sql`f.r_mql < ${followUpCutoff}::timestamptz and f.r_sal is null` : sql`false`}
      group by f.id
    ),
    rejected as (
      select e.lead_id, min(e.occurred_at) as rejected_at
      from lifecycle_events e
      where ${needs.rejected ? sql`true` : sql`false`} and e.workspace_id = ${workspaceId} and e.from_stage in ('mql', 'sal')
        and e.to_stage in ('recycled', 'disqualified') and e.occurred_at >= (select at from first_mql)
      group by e.lead_id
    ),
    b as (
      select f.*,
        ${
          needs.entered
            ? sql`case when f.stage in (${sql.join([...STALL_STAGES])}) then
          case when f.recycled_at is null then coalesce(${currentStageReached()}, f.created_at)
          else (select max(e.occurred_at) from lifecycle_events e
                where e.workspace_id = ${workspaceId} and e.lead_id = f.id and e.to_stage = f.stage) end
        end`
            : sql`null::timestamptz`
        } as entered_at,
        rejected.rejected_at,
        (f.r_mql < ${followUpCutoff}::timestamptz and f.r_sal is null and worked.id is null) as unworked,
        ${stallCutoff}::timestamptz as stall_cutoff
      from f
      left join worked on worked.id = f.id
      left join rejected on rejected.lead_id = f.id
    )`;
}

/** The condition (on a row of `b`) for a figure. */
function metricCondition(
  scope: FunnelScope,
  metric: FunnelMetric,
  stage: ReportStage | undefined,
): RawBuilder<boolean> {
  const window = (column: string) => inWindow(sql.ref(`b.${column}`), scope);
  const period = scope.view === 'period';
  switch (metric) {
    case 'reached': {
      const column = `r_${stage ?? 'lead'}`;
      return period ? window(column) : sql`${sql.ref(`b.${column}`)} is not null`;
    }
    case 'stalled': {
      const stages = stage ? [stage] : [...STALL_STAGES];
      return sql`(b.stage in (${sql.join(stages)}) and b.entered_at < b.stall_cutoff ${period ? sql`and ${window('entered_at')}` : sql``})`;
    }
    case 'rejected':
      return period ? window('rejected_at') : sql`b.rejected_at is not null`;
    case 'recycled':
    case 'disqualified': {
      const column = `${metric}_at`;
      return period ? window(column) : sql`${sql.ref(`b.${column}`)} is not null`;
    }
    case 'never_followed_up':
      return period ? sql`(b.unworked and ${window('r_mql')})` : sql`b.unworked`;
    default: {
      const unreachable: never = metric;
      return unreachable;
    }
  }
}

export interface FunnelAggregateRow {
  is_total: boolean;
  key: string | null;
  /** The group's name; null for the total row. */
  label: string | null;
  reached: Record<ReportStage, number>;
  /** Median and 75th percentile of days spent in each stage before the next one. */
  median_days: Partial<Record<ReportStage, number | null>>;
  p75_days: Partial<Record<ReportStage, number | null>>;
  stalled: Record<StallStage, number>;
  rejected: number;
  recycled: number;
  disqualified: number;
  never_followed_up: number;
}

/** Every figure of the funnel report for each group and for all leads, in one pass. */
export async function aggregateFunnel(
  db: Kysely<DB>,
  workspaceId: number,
  scope: FunnelScope,
): Promise<FunnelAggregateRow[]> {
  const selections: RawBuilder<unknown>[] = [];
  for (const stage of REPORT_STAGES) {
    selections.push(
      sql`count(*) filter (where ${metricCondition(scope, 'reached', stage)})::int as ${sql.ref(`reached_${stage}`)}`,
    );
    const next = nextStage(stage);
    if (next) {
      const days = sql`(extract(epoch from (b.${sql.raw(`r_${next}`)} - b.${sql.raw(`r_${stage}`)})) / 86400.0)::float8`;
      const filter = metricCondition(scope, 'reached', next);
      selections.push(
        // Both percentiles from one sort.
        sql`percentile_cont(array[0.5, 0.75]::float8[]) within group (order by ${days}) filter (where ${filter}) as ${sql.ref(`days_${stage}`)}`,
      );
    }
  }
  for (const stage of STALL_STAGES) {
    selections.push(
      sql`count(*) filter (where ${metricCondition(scope, 'stalled', stage)})::int as ${sql.ref(`stalled_${stage}`)}`,
    );
  }
  for (const metric of ['rejected', 'recycled', 'disqualified', 'never_followed_up'] as const) {
    selections.push(
      sql`count(*) filter (where ${metricCondition(scope, metric, undefined)})::int as ${sql.ref(metric)}`,
    );
  }
  // The total row has no label (the service names it).
  const grouping = scope.by
    ? sql`grouping(b.key) = 1 as is_total, b.key as group_key`
    : sql`true as is_total, null::text as group_key`;
  const groupBy = scope.by ? sql`group by grouping sets ((b.key), ())` : sql``;
  const label = dimensionSql(scope.by).label(workspaceId);
  const result = await withReportSettings(db, (trx) =>
    sql<Record<string, unknown>>`
      with ${funnelRows(workspaceId, scope)},
      g as (
        select ${grouping}, ${sql.join(selections)}
        from b
        ${groupBy}
      )
      select g.*, g.group_key::text as key, case when g.is_total then null else ${label} end as label
      from g
      order by g.is_total desc, g.group_key::text nulls last`.execute(trx),
  );
  return result.rows.map((row) => {
    const reached = {} as Record<ReportStage, number>;
    const median: Partial<Record<ReportStage, number | null>> = {};
    const p75: Partial<Record<ReportStage, number | null>> = {};
    for (const stage of REPORT_STAGES) {
      reached[stage] = Number(row[`reached_${stage}`]);
      if (nextStage(stage)) {
        const percentiles = row[`days_${stage}`] as (number | null)[] | null;
        median[stage] = percentiles?.[0] ?? null;
        p75[stage] = percentiles?.[1] ?? null;
      }
    }
    const stalled = {} as Record<StallStage, number>;
    for (const stage of STALL_STAGES) stalled[stage] = Number(row[`stalled_${stage}`]);
    return {
      is_total: Boolean(row.is_total),
      key: (row.key as string | null) ?? null,
      label: (row.label as string | null) ?? null,
      reached,
      median_days: median,
      p75_days: p75,
      stalled,
      rejected: Number(row.rejected),
      recycled: Number(row.recycled),
      disqualified: Number(row.disqualified),
      never_followed_up: Number(row.never_followed_up),
    };
  });
}

export interface FunnelRecordsFilter {
  /** undefined: all groups; null: leads without a value for the dimension. */
  key?: string | null | undefined;
  stage?: ReportStage | undefined;
  metric: FunnelMetric;
}

/** The leads behind one figure, by id, `limit + 1` of them after `afterId`. */
export async function findFunnelRecords(
  db: Kysely<DB>,
  workspaceId: number,
  scope: FunnelScope,
  filter: FunnelRecordsFilter,
  limit: number,
  afterId?: number,
): Promise<Selectable<LeadsTable>[]> {
  const keyCondition =
    scope.by && filter.key !== undefined
      ? filter.key === null
        ? sql`and b.key is null`
        : sql`and b.key::text = ${filter.key}`
      : sql``;
  const result = await withReportSettings(db, (trx) =>
    sql<Selectable<LeadsTable>>`
      with ${funnelRows(workspaceId, scope, afterId, {
        entered: filter.metric === 'stalled',
        rejected: filter.metric === 'rejected',
        worked: filter.metric === 'never_followed_up',
      })}
      select l.* from b
      join leads l on l.id = b.id
      where ${metricCondition(scope, filter.metric, filter.stage)} ${keyCondition}
      order by l.id
      limit ${limit + 1}`.execute(trx),
  );
  return result.rows;
}
