import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { GoalsTable, PlansTable } from '../../db/tables/planning.ts';
import { AppError, isUniqueViolation } from '../../shared/errors.ts';
import { anyStampIn, latestStampFrom, reachedAt, withReportSettings } from '../funnel/funnel.repository.ts';
import type { PlanStage, StageWaitName } from './planning.ts';

export type GoalRow = Selectable<GoalsTable>;
export type NewGoalRow = Insertable<GoalsTable>;
export type GoalPatch = Updateable<GoalsTable>;
export type PlanRow = Selectable<PlansTable>;
export type NewPlanRow = Insertable<PlansTable>;

function duplicateGoalError(goal: {
  period?: string;
  segment?: string | null;
  product_id?: number | null;
}): AppError {
  const scope = [
    goal.segment ? `segment ${goal.segment}` : null,
    goal.product_id ? `product ${goal.product_id}` : null,
  ]
    .filter(Boolean)
    .join(', ');
  return new AppError(
    'ALREADY_EXISTS',
    `A goal for ${goal.period ?? 'this period'}${scope ? ` (${scope})` : ''} already exists; change it instead`,
    { issues: [{ path: 'period', message: 'a goal for this period, segment and product already exists' }] },
  );
}

export async function insertGoal(db: Kysely<DB>, goal: NewGoalRow): Promise<GoalRow> {
  try {
    return await db.insertInto('goals').values(goal).returningAll().executeTakeFirstOrThrow();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateGoalError(goal);
    throw error;
  }
}

export async function updateGoal(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
  patch: GoalPatch,
): Promise<GoalRow> {
  try {
    const row = await db
      .updateTable('goals')
      .set({ ...patch, updated_at: new Date() })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new AppError('GOAL_NOT_FOUND', `Goal ${id} does not exist`);
    return row;
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateGoalError(patch as NewGoalRow);
    throw error;
  }
}

export async function getGoal(db: Kysely<DB>, workspaceId: number, id: number): Promise<GoalRow | undefined> {
  return db
    .selectFrom('goals')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The workspace-wide goal of a period (no segment, no product). */
export async function findOverallGoal(
  db: Kysely<DB>,
  workspaceId: number,
  period: string,
): Promise<GoalRow | undefined> {
  return db
    .selectFrom('goals')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('period', '=', period)
    .where('segment', 'is', null)
    .where('product_id', 'is', null)
    .executeTakeFirst();
}

export async function deleteGoal(db: Kysely<DB>, workspaceId: number, id: number): Promise<boolean> {
  const result = await db
    .deleteFrom('goals')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export interface GoalFilters {
  period?: string | undefined;
  /** Goals whose period starts in this year. */
  year?: number | undefined;
  segment?: string | undefined;
}

/** Goals, latest period first, keyset-paged on (period_start, id) descending. */
export async function findGoals(
  db: Kysely<DB>,
  workspaceId: number,
  filters: GoalFilters,
  limit: number,
  after?: { value: string; id: number },
): Promise<GoalRow[]> {
  let query = db.selectFrom('goals').selectAll().where('workspace_id', '=', workspaceId);
  if (filters.period) query = query.where('period', '=', filters.period);
  if (filters.segment) query = query.where('segment', '=', filters.segment);
  if (filters.year !== undefined) {
    query = query
      .where('period_start', '>=', `${filters.year}-01-01`)
      .where('period_start', '<', `${filters.year + 1}-01-01`);
  }
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('period_start', '<', after.value),
        eb.and([eb('period_start', '=', after.value), eb('id', '<', after.id)]),
      ]),
    );
  }
  return query
    .orderBy('period_start', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
}

export async function insertPlan(db: Kysely<DB>, plan: NewPlanRow): Promise<PlanRow> {
  return db.insertInto('plans').values(plan).returningAll().executeTakeFirstOrThrow();
}

export async function getPlan(db: Kysely<DB>, workspaceId: number, id: number): Promise<PlanRow | undefined> {
  return db
    .selectFrom('plans')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The most recently saved plan of a period. */
export async function findLatestPlan(
  db: Kysely<DB>,
  workspaceId: number,
  period: string,
): Promise<PlanRow | undefined> {
  return db
    .selectFrom('plans')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('period', '=', period)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function deletePlan(db: Kysely<DB>, workspaceId: number, id: number): Promise<boolean> {
  const result = await db
    .deleteFrom('plans')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Saved plans, newest first (keyset on id descending). */
export async function findPlans(
  db: Kysely<DB>,
  workspaceId: number,
  filters: { period?: string | undefined },
  limit: number,
  afterId?: number,
): Promise<PlanRow[]> {
  let query = db.selectFrom('plans').selectAll().where('workspace_id', '=', workspaceId);
  if (filters.period) query = query.where('period', '=', filters.period);
  if (afterId !== undefined) query = query.where('id', '<', afterId);
  return query
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
}

const LEAD_STAMPS = ['lead_at', 'mql_at', 'sal_at', 'sql_at', 'opportunity_at', 'customer_at'] as const;

export interface StageHistory {
  stage: StageWaitName;
  /** Leads that reached the stage inside the window. */
  reached: number;
  /** Of those, leads that reached the next stage (at any time up to now). */
  advanced: number;
  /** Of `reached`, leads carrying their own stamp for the stage (0: the stage is not recorded). */
  recorded: number;
  /** Median days from reaching the stage to reaching the next, over `advanced`. */
  median_days: number | null;
}

const NEXT: Record<Exclude<StageWaitName, 'opportunity'>, 'mql' | 'sal' | 'sql' | 'opportunity'> = {
  lead: 'mql',
  mql: 'sal',
  sal: 'sql',
  sql: 'opportunity',
};

/**
 * Cohort conversion between consecutive lead stages over a history window: of the leads
 * that reached stage X inside [from, to), how many reached X+1 at any time since, and the
 * median days it took. "Reached" follows the funnel rule (a later stage counts as having
 * passed the earlier ones). The leads come from the covering index on their latest stamp
 * (latestStampFrom); `offset 0` keeps `h` a subquery, so each reached-at moment is computed
 * once per lead: inlined, its least() would be evaluated again in every aggregate and filter
 * that names it (a third of the query's time over a year of leads).
 */
export async function leadStageHistory(
  db: Kysely<DB>,
  workspaceId: number,
  from: Date,
  to: Date,
): Promise<StageHistory[]> {
  const stages = Object.keys(NEXT) as (keyof typeof NEXT)[];
  const selections = stages.flatMap((stage) => {
    const reached = sql.ref(`r_${stage}`);
    const next = sql.ref(`r_${NEXT[stage]}`);
    const inWindow = sql`${reached} >= ${from}::timestamptz and ${reached} < ${to}::timestamptz`;
    return [
      sql`count(*) filter (where ${inWindow})::int as ${sql.ref(`${stage}_reached`)}`,
      sql`count(*) filter (where ${inWindow} and ${next} is not null)::int as ${sql.ref(`${stage}_advanced`)}`,
      sql`count(*) filter (where ${inWindow} and ${sql.ref(`own_${stage}`)})::int as ${sql.ref(`${stage}_recorded`)}`,
      sql`percentile_cont(0.5) within group (order by (extract(epoch from (${next} - ${reached})) / 86400.0)::float8) filter (where ${inWindow} and ${next} is not null) as ${sql.ref(`${stage}_days`)}`,
    ];
  });
  const reachedColumns = (['lead', 'mql', 'sal', 'sql', 'opportunity'] as const).map(
    (stage) => sql`${reachedAt(stage, 'l')} as ${sql.ref(`r_${stage}`)}`,
  );
  const own = stages.map(
    (stage) => sql`(${sql.ref(`l.${stage}_at`)} is not null) as ${sql.ref(`own_${stage}`)}`,
  );
  const result = await withReportSettings(db, (trx) =>
    sql<Record<string, number | null>>`
    with h as (
      select ${sql.join(reachedColumns)}, ${sql.join(own)}
      from leads l
      where l.workspace_id = ${workspaceId} and ${latestStampFrom(from)} and ${anyStampIn(LEAD_STAMPS, from, to)}
      offset 0
    )
    select ${sql.join(selections)} from h`.execute(trx),
  );
  const row = result.rows[0] ?? {};
  return stages.map((stage) => ({
    stage,
    reached: Number(row[`${stage}_reached`] ?? 0),
    advanced: Number(row[`${stage}_advanced`] ?? 0),
    recorded: Number(row[`${stage}_recorded`] ?? 0),
    median_days: (row[`${stage}_days`] as number | null) ?? null,
  }));
}

export interface DealHistory {
  won: number;
  lost: number;
  /** Mean amount of the won deals that carry an amount. */
  average_won_amount: number | null;
  won_with_amount: number;
  /** Median days from opportunity creation to a won close. */
  median_cycle_days: number | null;
}

/** Opportunities closed (won or lost) inside [from, to). */
export async function dealHistory(
  db: Kysely<DB>,
  workspaceId: number,
  from: Date,
  to: Date,
): Promise<DealHistory> {
  const result = await withReportSettings(db, (trx) =>
    sql<DealHistory>`
    select
      count(*) filter (where o.status = 'won')::int as won,
      count(*) filter (where o.status = 'lost')::int as lost,
      (avg(o.amount) filter (where o.status = 'won'))::float8 as average_won_amount,
      count(o.amount) filter (where o.status = 'won')::int as won_with_amount,
      percentile_cont(0.5) within group (order by (extract(epoch from (o.closed_at - o.created_at)) / 86400.0)::float8)
        filter (where o.status = 'won') as median_cycle_days
    from opportunities o
    where o.workspace_id = ${workspaceId} and o.closed_at >= ${from}::timestamptz and o.closed_at < ${to}::timestamptz
      and o.status in ('won', 'lost')`.execute(trx),
  );
  const row = result.rows[0];
  return {
    won: Number(row?.won ?? 0),
    lost: Number(row?.lost ?? 0),
    average_won_amount: row?.average_won_amount ?? null,
    won_with_amount: Number(row?.won_with_amount ?? 0),
    median_cycle_days: row?.median_cycle_days ?? null,
  };
}

/**
 * Stage entries per ISO week (Monday, UTC) inside [from, to): leads, MQLs, SALs and SQLs by
 * the funnel's reached-at rule, opportunities by creation, deals by a won close.
 */
export async function weeklyStageEntries(
  db: Kysely<DB>,
  workspaceId: number,
  from: Date,
  to: Date,
): Promise<{ stage: PlanStage; week: string; entries: number }[]> {
  if (to <= from) return [];
  const result = await withReportSettings(db, (trx) =>
    sql<{ stage: PlanStage; week: string; entries: number }>`
    with l as (
      select ${reachedAt('lead', 'l')} as r_lead, ${reachedAt('mql', 'l')} as r_mql,
        ${reachedAt('sal', 'l')} as r_sal, ${reachedAt('sql', 'l')} as r_sql
      from leads l where l.workspace_id = ${workspaceId} and ${anyStampIn(LEAD_STAMPS, from, to)}
    ),
    e as (
      select 'leads' as stage, r_lead as at from l
      union all select 'mqls', r_mql from l
      union all select 'sals', r_sal from l
      union all select 'sqls', r_sql from l
      union all select 'opportunities', o.created_at from opportunities o
        where o.workspace_id = ${workspaceId} and o.created_at >= ${from}::timestamptz and o.created_at < ${to}::timestamptz
      union all select 'deals', o.closed_at from opportunities o
        where o.workspace_id = ${workspaceId} and o.status = 'won'
          and o.closed_at >= ${from}::timestamptz and o.closed_at < ${to}::timestamptz
    )
    select stage, to_char(date_trunc('week', at at time zone 'UTC'), 'YYYY-MM-DD') as week, count(*)::int as entries
    from e
    where at >= ${from}::timestamptz and at < ${to}::timestamptz
    group by 1, 2
    order by 1, 2`.execute(trx),
  );
  return result.rows.map((row) => ({ ...row, entries: Number(row.entries) }));
}

export interface StageEntryCounts extends Record<PlanStage, number> {
  /** Of the MQL entries, leads that have reached SAL (been accepted) since. */
  accepted: number;
}

/**
 * Stage entries inside each window, counted as weeklyStageEntries counts them: one pass over
 * the leads with a stamp in any of the windows (a scorecard compares two).
 */
export async function stageEntryCounts(
  db: Kysely<DB>,
  workspaceId: number,
  windows: readonly { from: Date; to: Date }[],
): Promise<StageEntryCounts[]> {
  const zero = (): StageEntryCounts => ({
    deals: 0,
    opportunities: 0,
    sqls: 0,
    sals: 0,
    mqls: 0,
    leads: 0,
    accepted: 0,
  });
  const live = windows.filter((window) => window.to > window.from);
  if (live.length === 0) return windows.map(zero);
  const within = (column: string, window: { from: Date; to: Date }) =>
    sql`${sql.ref(column)} >= ${window.from}::timestamptz and ${sql.ref(column)} < ${window.to}::timestamptz`;
  const columns = live.flatMap((window, index) => [
    sql`count(*) filter (where ${within('r_lead', window)})::int as ${sql.ref(`leads_${index}`)}`,
    sql`count(*) filter (where ${within('r_mql', window)})::int as ${sql.ref(`mqls_${index}`)}`,
    sql`count(*) filter (where ${within('r_mql', window)} and r_sal is not null)::int as ${sql.ref(`accepted_${index}`)}`,
    sql`count(*) filter (where ${within('r_sal', window)})::int as ${sql.ref(`sals_${index}`)}`,
    sql`count(*) filter (where ${within('r_sql', window)})::int as ${sql.ref(`sqls_${index}`)}`,
    sql`(select count(*) from opportunities o
          where o.workspace_id = ${workspaceId} and ${within('o.created_at', window)})::int as ${sql.ref(`opportunities_${index}`)}`,
    sql`(select count(*) from opportunities o
          where o.workspace_id = ${workspaceId} and o.status = 'won' and ${within('o.closed_at', window)})::int
          as ${sql.ref(`deals_${index}`)}`,
  ]);
  const anyWindow = sql`(${sql.join(
    live.map((window) => anyStampIn(LEAD_STAMPS, window.from, window.to)),
    sql` or `,
  )})`;
  const result = await withReportSettings(db, (trx) =>
    sql<Record<string, number>>`
    with l as (
      select ${reachedAt('lead', 'l')} as r_lead, ${reachedAt('mql', 'l')} as r_mql,
        ${reachedAt('sal', 'l')} as r_sal, ${reachedAt('sql', 'l')} as r_sql
      from leads l where l.workspace_id = ${workspaceId} and ${anyWindow}
    )
    select ${sql.join(columns)} from l`.execute(trx),
  );
  const row = result.rows[0] ?? {};
  return windows.map((window) => {
    const index = live.indexOf(window);
    const counts = zero();
    if (index < 0) return counts;
    for (const key of Object.keys(counts) as (keyof StageEntryCounts)[]) {
      counts[key] = Number(row[`${key}_${index}`] ?? 0);
    }
    return counts;
  });
}

/** Won revenue and deals closed inside [from, to), optionally for one segment or product. */
export async function wonRevenue(
  db: Kysely<DB>,
  workspaceId: number,
  from: Date,
  to: Date,
  scope: { segment?: string | null; productId?: number | null } = {},
): Promise<{ deals: number; revenue: number }> {
  let query = db
    .selectFrom('opportunities')
    .select([
      sql<number>`count(*)::int`.as('deals'),
      sql<number>`coalesce(sum(amount), 0)::float8`.as('revenue'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'won')
    .where('closed_at', '>=', from)
    .where('closed_at', '<', to);
  if (scope.segment) query = query.where('segment', '=', scope.segment);
  if (scope.productId) query = query.where('product_id', '=', scope.productId);
  const row = await query.executeTakeFirst();
  return { deals: Number(row?.deals ?? 0), revenue: Number(row?.revenue ?? 0) };
}

/** Whether ids exist in the workspace (for references given in a request). */
export async function existingIds(
  db: Kysely<DB>,
  workspaceId: number,
  table: 'users' | 'products',
  ids: number[],
): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom(table)
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', ids)
    .execute();
  return new Set(rows.map((row) => row.id));
}
