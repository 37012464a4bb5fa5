import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, type FieldIssue, validationError } from '../../shared/errors.ts';
import { decodeCursor, type Page, toPage } from '../../shared/pagination.ts';
import { type Caller, requireRole } from '../auth/auth.ts';
import { parsePeriod } from '../planning/periods.ts';
import * as repository from './sla.repository.ts';
import type {
  CreateCalendarInput,
  CreateCommitmentInput,
  CreatePolicyInput,
  ListSlaEventsQuery,
  UpdateCalendarInput,
  UpdateCommitmentInput,
  UpdatePolicyInput,
} from './sla.schemas.ts';
import {
  type BusinessCalendar,
  formatClockTime,
  isValidTimeZone,
  type PendingDeadline,
  type PolicyMatch,
  type PolicyRules,
  parseClockTime,
  pendingDeadline,
} from './sla.ts';

// ----- row <-> domain ---------------------------------------------------------------------

export function calendarFromRow(row: repository.CalendarRow): BusinessCalendar {
  return {
    timeZone: row.time_zone,
    workingDays: row.working_days,
    startMinute: row.start_minute,
    endMinute: row.end_minute,
    holidays: row.holidays,
  };
}

export function policyMatchOf(row: repository.PolicyRow): PolicyMatch {
  return {
    temperatures: row.match_temperatures,
    sources: row.match_sources,
    minEmployees: row.match_min_employees,
    maxEmployees: row.match_max_employees,
    minScore: row.match_min_score,
  };
}

export function policyRulesOf(row: repository.PolicyRow): PolicyRules {
  return {
    acceptWithinMinutes: row.accept_within_minutes,
    firstActivityWithinMinutes: row.first_activity_within_minutes,
    attemptsRequired: row.attempts_required,
    attemptsWithinDays: row.attempts_within_days,
    warnBeforeMinutes: row.warn_before_minutes,
    escalate: row.escalate,
    breachAction: row.breach_action,
    actionDelayMinutes: row.action_delay_minutes,
    leakageDays: row.leakage_days,
    clock: row.clock,
  };
}

export interface ApiCalendarView extends repository.CalendarRow {
  start: string;
  end: string;
}

export function calendarView(row: repository.CalendarRow): ApiCalendarView {
  return { ...row, start: formatClockTime(row.start_minute), end: formatClockTime(row.end_minute) };
}

// ----- calendars ----------------------------------------------------------------------------

function calendarIssues(calendar: {
  time_zone: string;
  start_minute: number;
  end_minute: number;
}): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!isValidTimeZone(calendar.time_zone)) {
    issues.push({
      path: 'time_zone',
      message: `unknown time zone "${calendar.time_zone}"; use an IANA name such as Europe/Berlin`,
    });
  }
  if (calendar.end_minute <= calendar.start_minute) {
    issues.push({ path: 'end', message: 'must be after start (working windows do not cross midnight)' });
  }
  return issues;
}

function minutesOf(value: string, path: string): number {
  const minutes = parseClockTime(value);
  if (minutes === null)
    throw validationError([{ path, message: 'must be a time HH:MM between 00:00 and 24:00' }]);
  return minutes;
}

export async function createCalendar(
  db: Kysely<DB>,
  caller: Caller,
  input: CreateCalendarInput,
): Promise<repository.CalendarRow> {
  requireRole(caller, ['admin'], 'manage business calendars');
  const start = minutesOf(input.start, 'start');
  const end = minutesOf(input.end, 'end');
  const issues = calendarIssues({ time_zone: input.time_zone, start_minute: start, end_minute: end });
  if (issues.length > 0) throw validationError(issues);
  const now = new Date();
  return repository.insertCalendar(db, {
    workspace_id: caller.workspaceId,
    name: input.name,
    time_zone: input.time_zone,
    working_days: JSON.stringify([...new Set(input.working_days)].sort()),
    start_minute: start,
    end_minute: end,
    holidays: JSON.stringify([...new Set(input.holidays)].sort()),
    is_default: input.is_default,
    created_at: now,
    updated_at: now,
  });
}

export async function findCalendars(db: Kysely<DB>, caller: Caller): Promise<repository.CalendarRow[]> {
  return repository.findCalendars(db, caller.workspaceId);
}

export async function getCalendar(
  db: Kysely<DB>,
  caller: Caller,
  id: number,
): Promise<repository.CalendarRow> {
  const calendar = await repository.getCalendar(db, caller.workspaceId, id);
  if (!calendar) throw new AppError('RESOURCE_NOT_FOUND', `Business calendar ${id} does not exist`);
  return calendar;
}

export async function updateCalendar(
  db: Kysely<DB>,
  caller: Caller,
  id: number,
  input: UpdateCalendarInput,
): Promise<repository.CalendarRow> {
  requireRole(caller, ['admin'], 'manage business calendars');
  return db.transaction().execute(async (trx) => {
    const current = await repository.getCalendar(trx, caller.workspaceId, id);
    if (!current) throw new AppError('RESOURCE_NOT_FOUND', `Business calendar ${id} does not exist`);
    const start = input.start === undefined ? current.start_minute : minutesOf(input.start, 'start');
    const end = input.end === undefined ? current.end_minute : minutesOf(input.end, 'end');
    const timeZone = input.time_zone ?? current.time_zone;
    const issues = calendarIssues({ time_zone: timeZone, start_minute: start, end_minute: end });
    if (issues.length > 0) throw validationError(issues);
    const updated = await repository.updateCalendar(trx, caller.workspaceId, id, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      time_zone: timeZone,
      start_minute: start,
      end_minute: end,
      ...(input.working_days
        ? { working_days: JSON.stringify([...new Set(input.working_days)].sort()) }
        : {}),
      ...(input.holidays ? { holidays: JSON.stringify([...new Set(input.holidays)].sort()) } : {}),
      ...(input.is_default !== undefined ? { is_default: input.is_default } : {}),
      updated_at: new Date(),
    });
    if (!updated) throw new AppError('RESOURCE_NOT_FOUND', `Business calendar ${id} does not exist`);
    return updated;
  });
}

export async function deleteCalendar(db: Kysely<DB>, caller: Caller, id: number): Promise<void> {
  requireRole(caller, ['admin'], 'manage business calendars');
  if (!(await repository.deleteCalendar(db, caller.workspaceId, id))) {
    throw new AppError('RESOURCE_NOT_FOUND', `Business calendar ${id} does not exist`);
  }
}

// ----- policies -----------------------------------------------------------------------------

type PolicyShape = Omit<CreatePolicyInput, 'name' | 'position' | 'active'>;

async function policyIssues(db: Kysely<DB>, workspaceId: number, policy: PolicyShape): Promise<FieldIssue[]> {
  const issues: FieldIssue[] = [];
  const targets = [policy.accept_within_minutes, policy.first_activity_within_minutes].filter(
    (value): value is number => value !== null,
  );
  if (targets.length === 0 && policy.attempts_required === null && policy.leakage_days === null) {
    issues.push({
      path: 'accept_within_minutes',
      message:
        'a policy needs a time to accept, a time to first activity, an attempts rule or a leakage period',
    });
  }
  if ((policy.attempts_required === null) !== (policy.attempts_within_days === null)) {
    issues.push({
      path: policy.attempts_required === null ? 'attempts_required' : 'attempts_within_days',
      message: 'attempts_required and attempts_within_days go together',
    });
  }
  if (policy.warn_before_minutes !== null) {
    const shortest = Math.min(
      ...targets,
      policy.attempts_within_days ? policy.attempts_within_days * 24 * 60 : Number.POSITIVE_INFINITY,
    );
    if (policy.warn_before_minutes >= shortest) {
      issues.push({
        path: 'warn_before_minutes',
        message: 'must be shorter than every deadline it warns before',
      });
    }
  }
  const match = policy.match;
  if (
    match.min_employees !== null &&
    match.max_employees !== null &&
    match.min_employees > match.max_employees
  ) {
    issues.push({ path: 'match.max_employees', message: 'must not be below match.min_employees' });
  }
  if (policy.clock === 'business' && policy.calendar_id === null) {
    issues.push({ path: 'calendar_id', message: 'business-hour policies need a calendar' });
  }
  if (policy.calendar_id !== null && !(await repository.getCalendar(db, workspaceId, policy.calendar_id))) {
    issues.push({ path: 'calendar_id', message: `business calendar ${policy.calendar_id} does not exist` });
  }
  return issues;
}

function policyColumns(policy: PolicyShape) {
  return {
    match_temperatures: JSON.stringify(policy.match.temperatures),
    match_sources: JSON.stringify(policy.match.sources),
    match_min_employees: policy.match.min_employees,
    match_max_employees: policy.match.max_employees,
    match_min_score: policy.match.min_score,
    accept_within_minutes: policy.accept_within_minutes,
    first_activity_within_minutes: policy.first_activity_within_minutes,
    attempts_required: policy.attempts_required,
    attempts_within_days: policy.attempts_within_days,
    warn_before_minutes: policy.warn_before_minutes,
    escalate: policy.escalate,
    breach_action: policy.breach_action,
    action_delay_minutes: policy.action_delay_minutes,
    leakage_days: policy.leakage_days,
    clock: policy.clock,
    calendar_id: policy.calendar_id,
  };
}

export async function createPolicy(
  db: Kysely<DB>,
  caller: Caller,
  input: CreatePolicyInput,
): Promise<repository.PolicyRow> {
  requireRole(caller, ['admin'], 'manage SLA policies');
  return db.transaction().execute(async (trx) => {
    const issues = await policyIssues(trx, caller.workspaceId, input);
    if (issues.length > 0) throw validationError(issues);
    const now = new Date();
    return repository.insertPolicy(trx, {
      workspace_id: caller.workspaceId,
      name: input.name,
      position: input.position,
      active: input.active,
      ...policyColumns(input),
      created_at: now,
      updated_at: now,
    });
  });
}

function shapeOf(row: repository.PolicyRow): PolicyShape {
  return {
    match: {
      temperatures: row.match_temperatures as ('cold' | 'warm' | 'hot')[],
      sources: row.match_sources,
      min_employees: row.match_min_employees,
      max_employees: row.match_max_employees,
      min_score: row.match_min_score,
    },
    accept_within_minutes: row.accept_within_minutes,
    first_activity_within_minutes: row.first_activity_within_minutes,
    attempts_required: row.attempts_required,
    attempts_within_days: row.attempts_within_days,
    warn_before_minutes: row.warn_before_minutes,
    escalate: row.escalate,
    breach_action: row.breach_action,
    action_delay_minutes: row.action_delay_minutes,
    leakage_days: row.leakage_days,
    clock: row.clock,
    calendar_id: row.calendar_id,
  };
}

/**
 * Changes a policy. Handoffs already being measured keep the deadlines they were given
 * (a clock is computed once per handoff); the change applies to handoffs from now on.
 */
export async function updatePolicy(
  db: Kysely<DB>,
  caller: Caller,
  id: number,
  input: UpdatePolicyInput,
): Promise<repository.PolicyRow> {
  requireRole(caller, ['admin'], 'manage SLA policies');
  return db.transaction().execute(async (trx) => {
    const current = await repository.getPolicy(trx, caller.workspaceId, id);
    if (!current) throw new AppError('RESOURCE_NOT_FOUND', `SLA policy ${id} does not exist`);
    const { name, position, active, ...rest } = input;
    const merged: PolicyShape = {
      ...shapeOf(current),
      ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
    };
    const issues = await policyIssues(trx, caller.workspaceId, merged);
    if (issues.length > 0) throw validationError(issues);
    const updated = await repository.updatePolicy(trx, caller.workspaceId, id, {
      ...(name !== undefined ? { name } : {}),
      ...(position !== undefined ? { position } : {}),
      ...(active !== undefined ? { active } : {}),
      ...policyColumns(merged),
      updated_at: new Date(),
    });
    if (!updated) throw new AppError('RESOURCE_NOT_FOUND', `SLA policy ${id} does not exist`);
    return updated;
  });
}

export async function findPolicies(db: Kysely<DB>, caller: Caller): Promise<repository.PolicyRow[]> {
  return repository.findPolicies(db, caller.workspaceId);
}

export async function getPolicy(db: Kysely<DB>, caller: Caller, id: number): Promise<repository.PolicyRow> {
  const policy = await repository.getPolicy(db, caller.workspaceId, id);
  if (!policy) throw new AppError('RESOURCE_NOT_FOUND', `SLA policy ${id} does not exist`);
  return policy;
}

export async function deletePolicy(db: Kysely<DB>, caller: Caller, id: number): Promise<void> {
  requireRole(caller, ['admin'], 'manage SLA policies');
  if (!(await repository.deletePolicy(db, caller.workspaceId, id))) {
    throw new AppError('RESOURCE_NOT_FOUND', `SLA policy ${id} does not exist`);
  }
}

// ----- commitments ----------------------------------------------------------------------------

export async function createCommitment(
  db: Kysely<DB>,
  caller: Caller,
  input: CreateCommitmentInput,
): Promise<repository.CommitmentRow> {
  requireRole(caller, ['admin', 'marketing'], 'set marketing’s SLA commitments');
  const period = parsePeriod(input.period, 'period');
  const now = new Date();
  return repository.insertCommitment(db, {
    workspace_id: caller.workspaceId,
    period: period.key,
    period_start: period.start,
    period_end: period.end,
    mql_volume: input.mql_volume,
    min_acceptance_rate: input.min_acceptance_rate,
    notes: input.notes ?? null,
    created_at: now,
    updated_at: now,
  });
}

export async function updateCommitment(
  db: Kysely<DB>,
  caller: Caller,
  id: number,
  input: UpdateCommitmentInput,
): Promise<repository.CommitmentRow> {
  requireRole(caller, ['admin', 'marketing'], 'set marketing’s SLA commitments');
  const updated = await repository.updateCommitment(db, caller.workspaceId, id, {
    ...(input.mql_volume !== undefined ? { mql_volume: input.mql_volume } : {}),
    ...(input.min_acceptance_rate !== undefined ? { min_acceptance_rate: input.min_acceptance_rate } : {}),
    ...(input.notes !== undefined ? { notes: input.notes } : {}),
    updated_at: new Date(),
  });
  if (!updated) throw new AppError('RESOURCE_NOT_FOUND', `SLA commitment ${id} does not exist`);
  return updated;
}

export async function findCommitments(db: Kysely<DB>, caller: Caller): Promise<repository.CommitmentRow[]> {
  return repository.findCommitments(db, caller.workspaceId);
}

export async function deleteCommitment(db: Kysely<DB>, caller: Caller, id: number): Promise<void> {
  requireRole(caller, ['admin', 'marketing'], 'set marketing’s SLA commitments');
  if (!(await repository.deleteCommitment(db, caller.workspaceId, id))) {
    throw new AppError('RESOURCE_NOT_FOUND', `SLA commitment ${id} does not exist`);
  }
}

// ----- events ---------------------------------------------------------------------------------

export async function findSlaEvents(
  db: Kysely<DB>,
  caller: Caller,
  query: ListSlaEventsQuery,
): Promise<Page<repository.SlaEventRow>> {
  const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
  const rows = await repository.findSlaEvents(
    db,
    caller.workspaceId,
    {
      ...(query.lead_id !== undefined ? { leadId: query.lead_id } : {}),
      ...(query.kind ? { kind: query.kind } : {}),
      ...(query.from ? { from: new Date(query.from) } : {}),
      ...(query.to ? { to: new Date(query.to) } : {}),
    },
    query.limit,
    cursor?.id,
  );
  return toPage(
    rows,
    query.limit,
    (row) => ({ value: null, id: row.id }),
    (row) => row,
  );
}

/** For each lead, the SLA deadline its owner must still meet, if any (keyed by lead id). */
export async function findPendingDeadlines(
  db: Kysely<DB>,
  caller: Caller,
  leads: readonly { id: number; stage: string }[],
): Promise<Map<number, PendingDeadline>> {
  const clocks = await repository.findOpenClocksForLeads(
    db,
    caller.workspaceId,
    leads.map((lead) => lead.id),
  );
  const stages = new Map(leads.map((lead) => [lead.id, lead.stage]));
  const deadlines = new Map<number, PendingDeadline>();
  for (const clock of clocks) {
    const deadline = pendingDeadline({ stage: stages.get(clock.lead_id) ?? '' }, clock);
    if (deadline) deadlines.set(clock.lead_id, deadline);
  }
  return deadlines;
}
