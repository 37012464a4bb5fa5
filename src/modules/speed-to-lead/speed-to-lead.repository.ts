import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { BusinessCalendar } from '../sla/sla.ts';

/**
 * The leads handed to sales with a handoff moment in [from, to): every lead that reached
 * MQL, except those still waiting unassigned at MQL (not handed over yet). The handoff is
 * the later of reaching MQL and being assigned (an imported lead without an assignment is
 * handed off when it became MQL). first_at is its first sales activity (call, email or
 * meeting) at or after the handoff and attempts the sales activities in the 7 days from it,
 * both kept on the lead by triggers (migration 0660), so the handoffs are one index-only
 * scan of leads_handoffs joined to two small sets. The owner is the current one, or for a lead sent back to
 * marketing the rep who had it (from the rejection, else from its last SLA event).
 *
 * Columns: lead_id, handoff_at, owner_id, source, first_at, attempts.
 */
/** The handoff moment of leads `l`: the later of reaching MQL and being assigned (the key of leads_handoffs). */
export const HANDOFF_AT = sql<Date>`greatest(l.mql_at, l.assigned_at)`;

/** Leads `l` handed to sales: reached MQL, and not still waiting unassigned at MQL. */
export const HANDED_OFF = sql<boolean>`(l.mql_at is not null and not (l.stage = 'mql' and l.owner_id is null))`;

export function handoffsCte(workspaceId: number, from: Date | null, to: Date): RawBuilder<unknown> {
  const lower = from ? sql`and ${HANDOFF_AT} >= ${from}` : sql``;
  return sql`
    select l.id as lead_id,
           ${HANDOFF_AT} as handoff_at,
           coalesce(l.owner_id, fb.owner_id, se.owner_id) as owner_id,
           l.source,
           l.first_response_at as first_at,
           coalesce(l.first_week_attempts, 0) as attempts
    from leads l
    left join (
      select distinct on (f.lead_id) f.lead_id, f.owner_id from lead_feedback f
      where f.workspace_id = ${workspaceId} and f.owner_id is not null
      order by f.lead_id, f.decided_at desc, f.id desc
    ) fb on l.owner_id is null and fb.lead_id = l.id
    left join (
      select distinct on (e.lead_id) e.lead_id, e.owner_id from sla_events e
      where e.workspace_id = ${workspaceId} and e.owner_id is not null
      order by e.lead_id, e.occurred_at desc, e.id desc
    ) se on l.owner_id is null and se.lead_id = l.id
    where l.workspace_id = ${workspaceId}
      and ${HANDED_OFF}
      ${lower}
      and ${HANDOFF_AT} < ${to}`;
}

/**
 * Business seconds in SQL, matching addBusinessTime/businessTimeBetween in sla.ts: one row
 * per local day of the calendar between `bounds` (a CTE with lo and hi) with the day's
 * working window as instants (PostgreSQL converts the local times with the zone's rules,
 * DST included) and the business seconds of all earlier days. Business time between two
 * instants is then F(b) - F(a) with F(t) = before_s(day of t) + the part of t's window before t.
 *
 * Columns: day, open_at, close_at, before_s.
 */
export function calendarCte(calendar: BusinessCalendar): RawBuilder<unknown> {
  const tz = calendar.timeZone;
  const working = sql`extract(isodow from d)::int = any(${[...calendar.workingDays]}::int[]) and not (d::date = any(${[...calendar.holidays]}::date[]))`;
  return sql`
    select day, open_at, close_at,
           coalesce(sum(extract(epoch from (close_at - open_at))) over (order by day rows between unbounded preceding and 1 preceding), 0)::float8 as before_s
    from (
      select d::date as day,
             case when ${working} then (d + make_interval(mins => ${calendar.startMinute}::int)) at time zone ${tz} end as open_at,
             case when ${working} then (d + make_interval(mins => ${calendar.endMinute}::int)) at time zone ${tz} end as close_at
      from generate_series(
        (((select lo from bounds) at time zone ${tz})::date - 1)::timestamp,
        (((select hi from bounds) at time zone ${tz})::date + 1)::timestamp,
        interval '1 day'
      ) as d
    ) windows`;
}

/** F(t) of calendarCte for a timestamp expression, given the cal row of t's local day. */
function businessSecondsAt(t: RawBuilder<unknown>, cal: string): RawBuilder<unknown> {
  const c = sql.raw(cal);
  return sql`(${c}.before_s + greatest(0, least(extract(epoch from (${t} - ${c}.open_at)), extract(epoch from (${c}.close_at - ${c}.open_at))))::float8)`;
}

/**
 * Runs a report query in a transaction tuned for it: JIT off (report plans over many rows
 * cost far above jit_above_cost, and compiling them takes longer than running them) and
 * enough work_mem for the percentile sorts of a few hundred thousand rows to stay in memory.
 */
export async function reportTransaction<T>(db: Kysely<DB>, run: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`set local jit = off`.execute(trx);
    await sql`set local work_mem = '64MB'`.execute(trx);
    // The calendar (a few hundred days) joins the handoffs (tens of thousands) by day; the
    // estimates lead PostgreSQL to sort every handoff twice for merge joins, where hashing
    // the calendar costs a fraction.
    await sql`set local enable_mergejoin = off`.execute(trx);
    return run(trx);
  });
}

export type SpeedToLeadGrouping = 'owner' | 'team' | 'source';

export interface SpeedToLeadRow {
  is_total: number;
  group_id: number | null;
  group_key: string | null;
  leads: number;
  responded: number;
  median_hours: number | null;
  p90_hours: number | null;
  within_1h: number;
  within_24h: number;
  over_24h: number;
  never: number;
  breaches: number;
  business_median_hours: number | null;
  business_p90_hours: number | null;
  business_within_1h: number | null;
  business_within_24h: number | null;
  business_over_24h: number | null;
}

/**
 * Speed-to-lead in one statement: per group (and overall, through grouping sets) the lead
 * count, responses, median and 90th percentile response time, the response-time bands and
 * the SLA breaches of those leads; business-hour figures too when a calendar is given.
 */
export async function speedToLeadRows(
  db: Kysely<DB>,
  workspaceId: number,
  options: { from: Date | null; to: Date; by: SpeedToLeadGrouping | null; calendar: BusinessCalendar | null },
): Promise<SpeedToLeadRow[]> {
  const { calendar, by } = options;
  // Owners and teams are grouped by id; their names are looked up once per group afterwards
  // instead of being joined to every handoff and sorted along.
  const groupColumns =
    by === 'owner'
      ? sql`h.owner_id as group_id, null::text as group_key`
      : by === 'team'
        ? sql`u.team_id as group_id, null::text as group_key`
        : by === 'source'
          ? sql`null::int as group_id, h.source as group_key`
          : sql`null::int as group_id, null::text as group_key`;
  const groupJoins = by === 'team' ? sql`left join users u on u.id = h.owner_id` : sql``;
  const groupLabel =
    by === 'owner'
      ? sql`(select u.email from users u where u.id = r.group_id)`
      : by === 'team'
        ? sql`(select t.name from teams t where t.id = r.group_id)`
        : sql`r.group_key`;
  const businessCtes = calendar
    ? sql`, bounds as (select min(handoff_at) as lo, max(coalesce(first_at, handoff_at)) as hi from handoffs),
         cal as (${calendarCte(calendar)})`
    : sql``;
  const businessColumn = calendar
    ? sql`case when h.first_at is null then null else
          (${businessSecondsAt(sql`h.first_at`, 'cf')} - ${businessSecondsAt(sql`h.handoff_at`, 'ch')}) / 3600.0 end as business_hours`
    : sql`null::float8 as business_hours`;
  const businessJoins = calendar
    ? sql`left join cal ch on ch.day = (h.handoff_at at time zone ${calendar.timeZone})::date
          left join cal cf on cf.day = (h.first_at at time zone ${calendar.timeZone})::date`
    : sql``;
  const grouping = by ? sql`group by grouping sets ((group_id, group_key), ())` : sql``;
  const isTotal = by ? sql`grouping(group_id, group_key)` : sql`1`;
  const groupOutput = by ? sql`group_id, group_key` : sql`null::int as group_id, null::text as group_key`;

  const result = await reportTransaction(db, (trx) =>
    sql<
      Omit<SpeedToLeadRow, 'median_hours' | 'p90_hours' | 'business_median_hours' | 'business_p90_hours'> & {
        hours_pct: (number | null)[] | null;
        business_pct: (number | null)[] | null;
      }
    >`
    with handoffs as (${handoffsCte(workspaceId, options.from, options.to)})
    ${businessCtes},
    breaches as (
      select e.lead_id, count(*) as n
      from sla_events e
      where e.workspace_id = ${workspaceId}
        and e.kind in ('accept_breach', 'activity_breach', 'attempts_breach')
        and e.lead_id in (select lead_id from handoffs)
      group by e.lead_id
    ),
    measured as (
      select ${groupColumns},
             (extract(epoch from (h.first_at - h.handoff_at)) / 3600.0)::float8 as hours,
             ${businessColumn},
             coalesce(b.n, 0) as breaches
      from handoffs h
      ${groupJoins}
      ${businessJoins}
      left join breaches b on b.lead_id = h.lead_id
    )
    select r.is_total, r.group_id, ${groupLabel} as group_key, r.leads, r.responded, r.hours_pct,
           r.within_1h, r.within_24h, r.over_24h, r.never, r.breaches, r.business_pct,
           r.business_within_1h, r.business_within_24h, r.business_over_24h
    from (
    select ${isTotal} as is_total,
           ${groupOutput},
           count(*) as leads,
           count(hours) as responded,
           percentile_cont(array[0.5, 0.9]::float8[]) within group (order by hours) as hours_pct,
           count(*) filter (where hours <= 1) as within_1h,
           count(*) filter (where hours <= 24) as within_24h,
           count(*) filter (where hours > 24) as over_24h,
           count(*) filter (where hours is null) as never,
           coalesce(sum(breaches), 0) as breaches,
           percentile_cont(array[0.5, 0.9]::float8[]) within group (order by business_hours) as business_pct,
           count(*) filter (where business_hours <= 1) as business_within_1h,
           count(*) filter (where business_hours <= 24) as business_within_24h,
           count(*) filter (where business_hours > 24) as business_over_24h
    from measured
    ${grouping}
    ) r
    order by r.is_total desc, r.leads desc, 3`.execute(trx),
  );
  return result.rows.map(({ hours_pct, business_pct, ...row }) => ({
    ...row,
    // Both percentiles of a column from one sort.
    median_hours: hours_pct?.[0] ?? null,
    p90_hours: hours_pct?.[1] ?? null,
    business_median_hours: business_pct?.[0] ?? null,
    business_p90_hours: business_pct?.[1] ?? null,
    is_total: Number(row.is_total),
    leads: Number(row.leads),
    responded: Number(row.responded),
    within_1h: Number(row.within_1h),
    within_24h: Number(row.within_24h),
    over_24h: Number(row.over_24h),
    never: Number(row.never),
    breaches: Number(row.breaches),
  }));
}
