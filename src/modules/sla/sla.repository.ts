import { type Insertable, type Kysely, type RawBuilder, type Selectable, sql, type Updateable } from 'kysely';
import { type BulkColumn, unnestSource } from '../../db/bulk.ts';
import type { DB } from '../../db/schema.ts';
import type {
  BusinessCalendarsTable,
  SlaClocksTable,
  SlaCommitmentsTable,
  SlaEventKind,
  SlaEventsTable,
  SlaPoliciesTable,
} from '../../db/tables/handoff-sla.ts';
import { AppError, isForeignKeyViolation, isUniqueViolation } from '../../shared/errors.ts';
import { reportTransaction } from '../speed-to-lead/speed-to-lead.repository.ts';
import { SALES_ACTIVITY_TYPES } from './sla.ts';

export type CalendarRow = Selectable<BusinessCalendarsTable>;
export type PolicyRow = Selectable<SlaPoliciesTable>;
export type ClockRow = Selectable<SlaClocksTable>;
export type SlaEventRow = Selectable<SlaEventsTable>;
export type CommitmentRow = Selectable<SlaCommitmentsTable>;

function duplicate(what: string, field: string): AppError {
  return new AppError('ALREADY_EXISTS', `A ${what} with this ${field} already exists`, {
    issues: [{ path: field, message: `already used by another ${what}` }],
  });
}

function translateCalendarError(error: unknown): never {
  if (isUniqueViolation(error)) {
    if (error.constraint?.includes('default')) {
      throw new AppError('CONFLICT', 'Another calendar is already the default; unset it first', {
        issues: [{ path: 'is_default', message: 'another calendar is the default' }],
      });
    }
    throw duplicate('calendar', 'name');
  }
  throw error;
}

// ----- calendars ----------------------------------------------------------------------------

export async function insertCalendar(
  db: Kysely<DB>,
  row: Insertable<BusinessCalendarsTable>,
): Promise<CalendarRow> {
  try {
    return await db.insertInto('business_calendars').values(row).returningAll().executeTakeFirstOrThrow();
  } catch (error) {
    translateCalendarError(error);
  }
}

export async function updateCalendar(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
  patch: Updateable<BusinessCalendarsTable>,
): Promise<CalendarRow | undefined> {
  try {
    return await db
      .updateTable('business_calendars')
      .set(patch)
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  } catch (error) {
    translateCalendarError(error);
  }
}

export async function getCalendar(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
): Promise<CalendarRow | undefined> {
  return db
    .selectFrom('business_calendars')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function getDefaultCalendar(
  db: Kysely<DB>,
  workspaceId: number,
): Promise<CalendarRow | undefined> {
  return db
    .selectFrom('business_calendars')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('is_default', '=', true)
    .executeTakeFirst();
}

export async function findCalendars(db: Kysely<DB>, workspaceId: number): Promise<CalendarRow[]> {
  return db
    .selectFrom('business_calendars')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('id')
    .execute();
}

export async function findCalendarsByIds(db: Kysely<DB>, ids: number[]): Promise<CalendarRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('business_calendars').selectAll().where('id', 'in', ids).execute();
}

export async function deleteCalendar(db: Kysely<DB>, workspaceId: number, id: number): Promise<boolean> {
  try {
    const result = await db
      .deleteFrom('business_calendars')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  } catch (error) {
    // ON DELETE RESTRICT reports restrict_violation (23001); a deferred check would report 23503.
    if (isForeignKeyViolation(error) || (error as { code?: unknown }).code === '23001') {
      throw new AppError('CONFLICT', `Calendar ${id} is used by an SLA policy; change the policy first`);
    }
    throw error;
  }
}

// ----- policies -----------------------------------------------------------------------------

export async function insertPolicy(db: Kysely<DB>, row: Insertable<SlaPoliciesTable>): Promise<PolicyRow> {
  try {
    return await db.insertInto('sla_policies').values(row).returningAll().executeTakeFirstOrThrow();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate('policy', 'name');
    throw error;
  }
}

export async function updatePolicy(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
  patch: Updateable<SlaPoliciesTable>,
): Promise<PolicyRow | undefined> {
  try {
    return await db
      .updateTable('sla_policies')
      .set(patch)
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate('policy', 'name');
    throw error;
  }
}

export async function getPolicy(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
): Promise<PolicyRow | undefined> {
  return db
    .selectFrom('sla_policies')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function findPolicies(db: Kysely<DB>, workspaceId: number): Promise<PolicyRow[]> {
  return db
    .selectFrom('sla_policies')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('position')
    .orderBy('id')
    .execute();
}

export async function findActivePolicies(db: Kysely<DB>, workspaceIds: number[]): Promise<PolicyRow[]> {
  if (workspaceIds.length === 0) return [];
  return db
    .selectFrom('sla_policies')
    .selectAll()
    .where('workspace_id', 'in', workspaceIds)
    .where('active', '=', true)
    .orderBy('workspace_id')
    .orderBy('position')
    .orderBy('id')
    .execute();
}

export async function deletePolicy(db: Kysely<DB>, workspaceId: number, id: number): Promise<boolean> {
  const result = await db
    .deleteFrom('sla_policies')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

// ----- commitments --------------------------------------------------------------------------

export async function insertCommitment(
  db: Kysely<DB>,
  row: Insertable<SlaCommitmentsTable>,
): Promise<CommitmentRow> {
  try {
    return await db.insertInto('sla_commitments').values(row).returningAll().executeTakeFirstOrThrow();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate('commitment', 'period');
    throw error;
  }
}

export async function updateCommitment(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
  patch: Updateable<SlaCommitmentsTable>,
): Promise<CommitmentRow | undefined> {
  return db
    .updateTable('sla_commitments')
    .set(patch)
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function findCommitments(db: Kysely<DB>, workspaceId: number): Promise<CommitmentRow[]> {
  return db
    .selectFrom('sla_commitments')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('period_start')
    .orderBy('id')
    .execute();
}

export async function getCommitment(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
): Promise<CommitmentRow | undefined> {
  return db
    .selectFrom('sla_commitments')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function deleteCommitment(db: Kysely<DB>, workspaceId: number, id: number): Promise<boolean> {
  const result = await db
    .deleteFrom('sla_commitments')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

// ----- breach detection -----------------------------------------------------------------------

export interface HandoffCandidate {
  lead_id: number;
  workspace_id: number;
  owner_id: number;
  handoff_at: Date;
  temperature: string;
  employees: number | null;
  score: number;
  source: string | null;
}

/**
 * Handoffs that have no clock yet (compared at millisecond precision, the precision of the
 * JavaScript dates the clocks are written from): leads with an owner in MQL or SAL whose handoff moment
 * (the later of reaching MQL and being assigned) is not in the future and not older than
 * the workspace's first active policy. Policies are not retroactive, which keeps imported
 * history from setting off years of breaches.
 */
export async function findHandoffsWithoutClock(
  db: Kysely<DB>,
  now: Date,
  limit: number,
): Promise<HandoffCandidate[]> {
  const result = await sql<HandoffCandidate>`
    with since as (
      select workspace_id, min(created_at) as since
      from sla_policies
      where active
      group by workspace_id
    )
    select l.id as lead_id, l.workspace_id, l.owner_id,
           date_trunc('milliseconds', greatest(l.mql_at, l.assigned_at)) as handoff_at,
           l.temperature, l.employees, l.score, l.source
    from leads l
    join since s on s.workspace_id = l.workspace_id
    where l.mql_at is not null
      and l.owner_id is not null
      and l.stage in ('mql', 'sal')
      and greatest(l.mql_at, l.assigned_at) >= s.since
      and greatest(l.mql_at, l.assigned_at) <= ${now}
      and not exists (
        select 1 from sla_clocks c
        where c.lead_id = l.id and c.handoff_at = date_trunc('milliseconds', greatest(l.mql_at, l.assigned_at))
      )
    order by greatest(l.mql_at, l.assigned_at), l.id
    limit ${limit}`.execute(db);
  return result.rows;
}

export type NewClock = Insertable<SlaClocksTable> & {
  workspace_id: number;
  lead_id: number;
  handoff_at: Date;
};

const clockColumns: BulkColumn<NewClock>[] = [
  { name: 'workspace_id', type: 'int4', value: (row) => row.workspace_id },
  { name: 'lead_id', type: 'int4', value: (row) => row.lead_id },
  { name: 'handoff_at', type: 'timestamptz', value: (row) => row.handoff_at },
  { name: 'owner_id', type: 'int4', value: (row) => row.owner_id },
  { name: 'policy_id', type: 'int4', value: (row) => row.policy_id },
  { name: 'status', type: 'text', value: (row) => row.status },
  { name: 'escalate', type: 'bool', value: (row) => row.escalate ?? false },
  { name: 'breach_action', type: 'text', value: (row) => row.breach_action ?? 'none' },
  { name: 'action_delay_minutes', type: 'int4', value: (row) => row.action_delay_minutes ?? 0 },
  { name: 'accept_warn_at', type: 'timestamptz', value: (row) => row.accept_warn_at },
  { name: 'accept_due_at', type: 'timestamptz', value: (row) => row.accept_due_at },
  { name: 'activity_warn_at', type: 'timestamptz', value: (row) => row.activity_warn_at },
  { name: 'activity_due_at', type: 'timestamptz', value: (row) => row.activity_due_at },
  { name: 'attempts_required', type: 'int4', value: (row) => row.attempts_required },
  { name: 'attempts_warn_at', type: 'timestamptz', value: (row) => row.attempts_warn_at },
  { name: 'attempts_due_at', type: 'timestamptz', value: (row) => row.attempts_due_at },
  { name: 'leakage_at', type: 'timestamptz', value: (row) => row.leakage_at },
  { name: 'next_check_at', type: 'timestamptz', value: (row) => row.next_check_at },
  { name: 'created_at', type: 'timestamptz', value: (row) => row.created_at },
  { name: 'updated_at', type: 'timestamptz', value: (row) => row.updated_at },
];

/** Opens clocks in one statement; a clock another instance opened first is left as it is. */
export async function insertClocks(db: Kysely<DB>, clocks: readonly NewClock[]): Promise<number> {
  if (clocks.length === 0) return 0;
  const names = sql.join(clockColumns.map((column) => sql.ref(column.name)));
  const result = await sql`
    insert into sla_clocks (${names})
    select * from ${unnestSource(clocks, clockColumns)}
    on conflict (lead_id, handoff_at) do nothing`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * Takes the next due clock for this transaction. Another instance skips it while it is
 * held (`skip locked`), so two instances never check the same handoff at the same time.
 */
export async function claimDueClock(db: Kysely<DB>, now: Date): Promise<ClockRow | undefined> {
  return db
    .selectFrom('sla_clocks')
    .selectAll()
    .where('status', '=', 'open')
    .where('next_check_at', '<=', now)
    .orderBy('next_check_at')
    .orderBy('id')
    .limit(1)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
}

export async function updateClock(
  db: Kysely<DB>,
  id: number,
  patch: Pick<Updateable<SlaClocksTable>, 'status' | 'next_check_at' | 'updated_at'>,
): Promise<void> {
  await db.updateTable('sla_clocks').set(patch).where('id', '=', id).execute();
}

export async function recordedKinds(
  db: Kysely<DB>,
  workspaceId: number,
  leadId: number,
  handoffAt: Date,
): Promise<SlaEventKind[]> {
  const rows = await db
    .selectFrom('sla_events')
    .select('kind')
    .where('workspace_id', '=', workspaceId)
    .where('lead_id', '=', leadId)
    .where('handoff_at', '=', handoffAt)
    .execute();
  return rows.map((row) => row.kind);
}

/**
 * Records an event unless it is already recorded for this handoff. Returns the new row, or
 * undefined when it existed: the caller acts (notifies, reassigns) only on a new row, in
 * the same transaction, so each action happens exactly once.
 */
export async function insertSlaEvent(
  db: Kysely<DB>,
  row: Insertable<SlaEventsTable>,
): Promise<SlaEventRow | undefined> {
  return db
    .insertInto('sla_events')
    .values(row)
    .onConflict((oc) => oc.columns(['workspace_id', 'lead_id', 'handoff_at', 'kind']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export interface ActivityFacts {
  first_activity_at: Date | null;
  attempts: number;
}

/** The first sales activity at or after the handoff, and the attempts inside the attempts window. */
export async function activityFacts(
  db: Kysely<DB>,
  workspaceId: number,
  leadId: number,
  handoffAt: Date,
  now: Date,
  attemptsUntil: Date | null,
): Promise<ActivityFacts> {
  const until = attemptsUntil && attemptsUntil < now ? attemptsUntil : now;
  const row = await db
    .selectFrom('activities')
    .select([
      sql<Date | null>`min(occurred_at)`.as('first_activity_at'),
      sql<number>`count(*) filter (where occurred_at < ${until})`.as('attempts'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('lead_id', '=', leadId)
    .where('type', 'in', [...SALES_ACTIVITY_TYPES])
    .where('occurred_at', '>=', handoffAt)
    .where('occurred_at', '<=', now)
    .executeTakeFirstOrThrow();
  return { first_activity_at: row.first_activity_at, attempts: Number(row.attempts) };
}

/** The person a breach escalates to: the owner's manager, else the manager of the owner's team. */
export async function findManagerOf(
  db: Kysely<DB>,
  workspaceId: number,
  userId: number,
): Promise<{ id: number; name: string; email: string } | undefined> {
  return db
    .selectFrom('users as u')
    .leftJoin('teams as t', 't.id', 'u.team_id')
    .innerJoin('users as m', (join) => join.on(sql<boolean>`m.id = coalesce(u.manager_id, t.manager_id)`))
    .select(['m.id', 'm.name', 'm.email'])
    .where('u.workspace_id', '=', workspaceId)
    .where('u.id', '=', userId)
    .where('m.workspace_id', '=', workspaceId)
    .where('m.id', '<>', userId)
    .executeTakeFirst();
}

export async function findSlaEvents(
  db: Kysely<DB>,
  workspaceId: number,
  filters: { leadId?: number; kind?: SlaEventKind; from?: Date; to?: Date },
  limit: number,
  beforeId?: number,
): Promise<SlaEventRow[]> {
  let query = db.selectFrom('sla_events').selectAll().where('workspace_id', '=', workspaceId);
  if (filters.leadId !== undefined) query = query.where('lead_id', '=', filters.leadId);
  if (filters.kind) query = query.where('kind', '=', filters.kind);
  if (filters.from) query = query.where('occurred_at', '>=', filters.from);
  if (filters.to) query = query.where('occurred_at', '<', filters.to);
  if (beforeId !== undefined) query = query.where('id', '<', beforeId);
  return query
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
}

// ----- the SLA report ---------------------------------------------------------------------------

export type ReportPeriod = 'week' | 'month' | 'quarter';

export interface MarketingPeriodRow {
  period_start: string;
  mqls: number;
  accepted: number;
  rejected: number;
}

/** MQLs delivered per period (by the moment they became MQL), and how sales received them. */
export async function marketingPeriodRows(
  db: Kysely<DB>,
  workspaceId: number,
  window: { from: Date; to: Date; period: ReportPeriod },
): Promise<MarketingPeriodRow[]> {
  const result = await sql<MarketingPeriodRow>`
    select to_char(date_trunc(${window.period}, l.mql_at at time zone 'UTC'), 'YYYY-MM-DD') as period_start,
           count(*) as mqls,
           count(*) filter (where l.sal_at is not null) as accepted,
           count(*) filter (where exists (
             select 1 from lead_feedback f
             where f.workspace_id = l.workspace_id and f.lead_id = l.id and f.decision = 'rejected'
           )) as rejected
    from leads l
    where l.workspace_id = ${workspaceId} and l.mql_at >= ${window.from} and l.mql_at < ${window.to}
    group by 1`.execute(db);
  return result.rows.map((row) => ({
    period_start: row.period_start,
    mqls: Number(row.mqls),
    accepted: Number(row.accepted),
    rejected: Number(row.rejected),
  }));
}

export interface SalesPeriodRow {
  period_start: string;
  owner_id: number | null;
  is_total: boolean;
  handed_off: number;
  responded: number;
  median_response_hours: number | null;
  avg_attempts: number | null;
}

/**
 * Sales' side per period and rep, and per period for everyone (grouping sets): leads
 * handed off, responses, the median response time and the sales activities in the 7 days
 * after handoff.
 */
export async function salesPeriodRows(
  db: Kysely<DB>,
  window: { from: Date; to: Date; period: ReportPeriod },
  handoffs: RawBuilder<unknown>,
): Promise<SalesPeriodRow[]> {
  const result = await reportTransaction(db, (trx) =>
    sql<Omit<SalesPeriodRow, 'is_total'> & { is_total: number }>`
    with handoffs as (${handoffs}),
    measured as (
      select to_char(date_trunc(${window.period}, h.handoff_at at time zone 'UTC'), 'YYYY-MM-DD') as period_start,
             h.owner_id,
             (extract(epoch from (h.first_at - h.handoff_at)) / 3600.0)::float8 as hours,
             h.attempts
      from handoffs h
    )
    select period_start, owner_id, grouping(owner_id) as is_total,
           count(*) as handed_off,
           count(hours) as responded,
           percentile_cont(0.5) within group (order by hours) as median_response_hours,
           avg(attempts)::float8 as avg_attempts
    from measured
    group by grouping sets ((period_start, owner_id), (period_start))`.execute(trx),
  );
  return result.rows.map((row) => ({
    period_start: row.period_start,
    owner_id: row.owner_id,
    is_total: Number(row.is_total) !== 0,
    handed_off: Number(row.handed_off),
    responded: Number(row.responded),
    median_response_hours: row.median_response_hours,
    avg_attempts: row.avg_attempts,
  }));
}

export interface EventPeriodRow {
  period_start: string;
  owner_id: number | null;
  is_total: boolean;
  breaches: number;
  leakage: number;
}

/** Breaches and leakage per period of the handoff they belong to, per rep and in total. */
export async function eventPeriodRows(
  db: Kysely<DB>,
  workspaceId: number,
  window: { from: Date; to: Date; period: ReportPeriod },
): Promise<EventPeriodRow[]> {
  const result = await sql<Omit<EventPeriodRow, 'is_total'> & { is_total: number }>`
    with e as (
      select to_char(date_trunc(${window.period}, handoff_at at time zone 'UTC'), 'YYYY-MM-DD') as period_start,
             owner_id, kind
      from sla_events
      where workspace_id = ${workspaceId} and handoff_at >= ${window.from} and handoff_at < ${window.to}
    )
    select period_start, owner_id, grouping(owner_id) as is_total,
           count(*) filter (where kind in ('accept_breach', 'activity_breach', 'attempts_breach')) as breaches,
           count(*) filter (where kind = 'leakage') as leakage
    from e
    group by grouping sets ((period_start, owner_id), (period_start))`.execute(db);
  return result.rows.map((row) => ({
    period_start: row.period_start,
    owner_id: row.owner_id,
    is_total: Number(row.is_total) !== 0,
    breaches: Number(row.breaches),
    leakage: Number(row.leakage),
  }));
}

export async function userNames(
  db: Kysely<DB>,
  workspaceId: number,
  ids: number[],
): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('users')
    .select(['id', 'name'])
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((row) => [row.id, row.name]));
}

// ----- deadlines shown with leads ------------------------------------------------------------

export interface OpenClockFacts {
  lead_id: number;
  handoff_at: Date;
  accept_due_at: Date | null;
  activity_due_at: Date | null;
  responded: boolean;
}

/** The newest open clock of each given lead, with whether sales has acted since its handoff. */
export async function findOpenClocksForLeads(
  db: Kysely<DB>,
  workspaceId: number,
  leadIds: readonly number[],
): Promise<OpenClockFacts[]> {
  if (leadIds.length === 0) return [];
  const result = await sql<OpenClockFacts>`
    select distinct on (c.lead_id)
      c.lead_id, c.handoff_at, c.accept_due_at, c.activity_due_at,
      exists (
        select 1 from activities a
        where a.workspace_id = c.workspace_id and a.lead_id = c.lead_id
          and a.occurred_at >= c.handoff_at and a.type = any(${[...SALES_ACTIVITY_TYPES]}::text[])
      ) as responded
    from sla_clocks c
    where c.workspace_id = ${workspaceId} and c.lead_id = any(${[...leadIds]}::int4[]) and c.status = 'open'
    order by c.lead_id, c.handoff_at desc`.execute(db);
  return result.rows;
}
