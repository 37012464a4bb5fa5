import type { BreachAction, SlaClockKind, SlaEventKind } from '../../db/tables/handoff-sla.ts';

/**
 * The SLA clock: business time in a calendar's own time zone, as pure functions.
 *
 * A calendar has one working window per working day (local start and end time), a set of
 * working weekdays and a list of holidays. Local wall times become instants through the
 * zone's UTC offset read with Intl.DateTimeFormat, so a window keeps its local hours across
 * daylight-saving changes (09:00-17:00 is 8 hours on either side of the change) and a
 * 00:00-24:00 window is 23 or 25 hours long on the days the clocks move.
 *
 * Local times that do not exist (the hour skipped in spring) take the offset in force just
 * before the change; ambiguous ones (the hour repeated in autumn) take the offset in force
 * after it. PostgreSQL's `timestamp at time zone` does the same, so the SQL reports agree.
 */

export interface BusinessCalendar {
  /** IANA zone, e.g. 'Europe/Berlin'. */
  timeZone: string;
  /** ISO weekdays that are worked: 1 = Monday ... 7 = Sunday. */
  workingDays: readonly number[];
  /** Start of the working window, minutes after local midnight (0..1439). */
  startMinute: number;
  /** End of the working window, minutes after local midnight (start+1..1440). */
  endMinute: number;
  /** Local dates that are not worked, 'YYYY-MM-DD'. */
  holidays: readonly string[];
}

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
/** A calendar with no working day in this many days is treated as never open. */
const MAX_CLOSED_DAYS = 3 * 366;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when the zone name is one Intl knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The local wall time of an instant, as a UTC-based millisecond count ("local as if UTC"). */
function localWallMs(instantMs: number, timeZone: string): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(instantMs));
  const get = (type: Intl.DateTimeFormatPartTypes) =>
    Number(parts.find((part) => part.type === type)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  // Intl drops milliseconds; put them back so the offset is a whole number of seconds.
  return wall + (((instantMs % 1000) + 1000) % 1000);
}

/** The zone's UTC offset at an instant, in milliseconds (local = UTC + offset). */
export function zoneOffsetMs(instantMs: number, timeZone: string): number {
  return localWallMs(instantMs, timeZone) - instantMs;
}

/**
 * The instant of a local wall time ("local as if UTC" milliseconds) in a zone. Offsets
 * change at most a few times a year, so the offsets a day and a half either side bracket
 * every candidate.
 */
export function instantOfLocal(wallMs: number, timeZone: string): number {
  const early = zoneOffsetMs(wallMs - 1.5 * MS_PER_DAY, timeZone);
  const late = zoneOffsetMs(wallMs + 1.5 * MS_PER_DAY, timeZone);
  if (early === late) {
    const instant = wallMs - early;
    const actual = zoneOffsetMs(instant, timeZone);
    return actual === early ? instant : wallMs - actual;
  }
  const withEarly = wallMs - early;
  const withLate = wallMs - late;
  const earlyValid = zoneOffsetMs(withEarly, timeZone) === early;
  const lateValid = zoneOffsetMs(withLate, timeZone) === late;
  if (earlyValid && lateValid) return withLate; // repeated hour: the offset after the change
  if (earlyValid) return withEarly;
  if (lateValid) return withLate;
  return withEarly; // skipped hour: the offset before the change
}

/** A local calendar day as a day number (days since 1970-01-01). */
function dayNumberOfInstant(instantMs: number, timeZone: string): number {
  return Math.floor(localWallMs(instantMs, timeZone) / MS_PER_DAY);
}

function isoDate(dayNumber: number): string {
  return new Date(dayNumber * MS_PER_DAY).toISOString().slice(0, 10);
}

function isoWeekday(dayNumber: number): number {
  // 1970-01-01 was a Thursday (ISO 4).
  return ((((dayNumber + 3) % 7) + 7) % 7) + 1;
}

interface Window {
  open: number;
  close: number;
}

/** The working window of a local day as instants, or null when the day is not worked. */
function windowOf(
  dayNumber: number,
  calendar: BusinessCalendar,
  holidays: ReadonlySet<string>,
): Window | null {
  if (!calendar.workingDays.includes(isoWeekday(dayNumber))) return null;
  if (holidays.has(isoDate(dayNumber))) return null;
  const midnight = dayNumber * MS_PER_DAY;
  const open = instantOfLocal(midnight + calendar.startMinute * MS_PER_MINUTE, calendar.timeZone);
  const close = instantOfLocal(midnight + calendar.endMinute * MS_PER_MINUTE, calendar.timeZone);
  return close > open ? { open, close } : null;
}

export function validateCalendar(calendar: BusinessCalendar): string[] {
  const problems: string[] = [];
  if (!isValidTimeZone(calendar.timeZone))
    problems.push(`timeZone: unknown time zone "${calendar.timeZone}"`);
  if (calendar.workingDays.length === 0) problems.push('workingDays: at least one working day is needed');
  if (calendar.workingDays.some((day) => !Number.isInteger(day) || day < 1 || day > 7))
    problems.push('workingDays: days are ISO weekdays 1 (Monday) to 7 (Sunday)');
  if (!Number.isInteger(calendar.startMinute) || calendar.startMinute < 0 || calendar.startMinute > 1439)
    problems.push('startMinute: must be 0..1439');
  if (
    !Number.isInteger(calendar.endMinute) ||
    calendar.endMinute <= calendar.startMinute ||
    calendar.endMinute > 1440
  )
    problems.push('endMinute: must be after the start and at most 24:00');
  return problems;
}

/**
 * The instant at which `durationMs` of business time has passed since `start`. With no
 * calendar this is plain wall-clock arithmetic. A zero duration returns `start` itself.
 */
export function addBusinessTime(start: Date, durationMs: number, calendar: BusinessCalendar | null): Date {
  if (durationMs < 0) throw new RangeError('addBusinessTime needs a duration of zero or more');
  if (!calendar) return new Date(start.getTime() + durationMs);
  if (durationMs === 0) return new Date(start.getTime());
  const holidays = new Set(calendar.holidays);
  let remaining = durationMs;
  let cursor = start.getTime();
  let day = dayNumberOfInstant(cursor, calendar.timeZone);
  let closedDays = 0;
  for (;;) {
    const window = windowOf(day, calendar, holidays);
    if (window && cursor < window.close) {
      closedDays = 0;
      const from = Math.max(cursor, window.open);
      const available = window.close - from;
      if (remaining <= available) return new Date(from + remaining);
      remaining -= available;
      cursor = window.close;
    } else if (++closedDays > MAX_CLOSED_DAYS) {
      throw new RangeError('The calendar has no working time; check its working days and holidays');
    }
    day += 1;
  }
}

/**
 * Business time between two instants in milliseconds: the length of the part of [a, b)
 * inside working windows. Negative when b is before a.
 */
export function businessTimeBetween(a: Date, b: Date, calendar: BusinessCalendar | null): number {
  const from = a.getTime();
  const to = b.getTime();
  if (to < from) return -businessTimeBetween(b, a, calendar);
  if (!calendar) return to - from;
  const holidays = new Set(calendar.holidays);
  // Windows never cross local midnight, so each lies within its own local day.
  const firstDay = dayNumberOfInstant(from, calendar.timeZone);
  const lastDay = dayNumberOfInstant(to, calendar.timeZone);
  let total = 0;
  for (let day = firstDay; day <= lastDay; day++) {
    const window = windowOf(day, calendar, holidays);
    if (!window) continue;
    const overlap = Math.min(to, window.close) - Math.max(from, window.open);
    if (overlap > 0) total += overlap;
  }
  return total;
}

/** 'HH:MM' (00:00 .. 24:00) to minutes after midnight. */
export function parseClockTime(value: string): number | null {
  const match = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(value);
  if (!match) return null;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  return minutes <= 1440 ? minutes : null;
}

export function formatClockTime(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------------------
// SLA policies: which policy applies to a lead, its deadlines, and what is due at a moment.

export type { BreachAction, SlaClockKind, SlaEventKind };

export const BREACH_KINDS: readonly SlaEventKind[] = ['accept_breach', 'activity_breach', 'attempts_breach'];
export const WARNING_KINDS: readonly SlaEventKind[] = [
  'accept_warning',
  'activity_warning',
  'attempts_warning',
];

/** Activity types that count as sales working a lead; a note is not contact with the lead. */
export const SALES_ACTIVITY_TYPES = ['call', 'email', 'meeting'] as const;

export interface PolicyMatch {
  /** The lead's temperature must be one of these (empty: any). */
  temperatures: readonly string[];
  minEmployees: number | null;
  maxEmployees: number | null;
  minScore: number | null;
  /** The lead's source must be one of these (empty: any). */
  sources: readonly string[];
}

export interface PolicyRules {
  acceptWithinMinutes: number | null;
  firstActivityWithinMinutes: number | null;
  attemptsRequired: number | null;
  attemptsWithinDays: number | null;
  warnBeforeMinutes: number | null;
  escalate: boolean;
  breachAction: BreachAction;
  /** Wall-clock minutes between the first breach and the reassignment or recycling. */
  actionDelayMinutes: number;
  leakageDays: number | null;
  clock: SlaClockKind;
}

export interface MatchableLead {
  temperature: string;
  employees: number | null;
  score: number;
  source: string | null;
}

export function policyMatches(match: PolicyMatch, lead: MatchableLead): boolean {
  if (match.temperatures.length > 0 && !match.temperatures.includes(lead.temperature)) return false;
  if (match.sources.length > 0 && (lead.source === null || !match.sources.includes(lead.source)))
    return false;
  if (match.minEmployees !== null && (lead.employees === null || lead.employees < match.minEmployees))
    return false;
  if (match.maxEmployees !== null && (lead.employees === null || lead.employees > match.maxEmployees))
    return false;
  if (match.minScore !== null && lead.score < match.minScore) return false;
  return true;
}

/** The first policy (in the given order) whose conditions the lead meets. */
export function choosePolicy<P extends { match: PolicyMatch }>(
  policies: readonly P[],
  lead: MatchableLead,
): P | null {
  return policies.find((policy) => policyMatches(policy.match, lead)) ?? null;
}

export interface SlaSchedule {
  acceptWarnAt: Date | null;
  acceptDueAt: Date | null;
  activityWarnAt: Date | null;
  activityDueAt: Date | null;
  attemptsRequired: number | null;
  attemptsWarnAt: Date | null;
  attemptsDueAt: Date | null;
  leakageAt: Date | null;
}

function workingDayMs(calendar: BusinessCalendar): number {
  return (calendar.endMinute - calendar.startMinute) * MS_PER_MINUTE;
}

/**
 * Deadlines of one handoff. Durations run on the policy's clock: with business hours a
 * day of the attempts window is one working window of business time (so "3 days" from a
 * Friday afternoon ends on Wednesday afternoon). Leakage is counted in calendar days.
 */
export function scheduleFor(
  handoffAt: Date,
  rules: PolicyRules,
  calendar: BusinessCalendar | null,
): SlaSchedule {
  const clockCalendar = rules.clock === 'business' ? calendar : null;
  const after = (ms: number) => addBusinessTime(handoffAt, Math.max(0, ms), clockCalendar);
  const warnBefore = (rules.warnBeforeMinutes ?? 0) * MS_PER_MINUTE;
  const target = (withinMs: number | null) => {
    if (withinMs === null) return { warnAt: null, dueAt: null };
    return {
      warnAt: rules.warnBeforeMinutes && warnBefore < withinMs ? after(withinMs - warnBefore) : null,
      dueAt: after(withinMs),
    };
  };
  const accept = target(
    rules.acceptWithinMinutes === null ? null : rules.acceptWithinMinutes * MS_PER_MINUTE,
  );
  const activity = target(
    rules.firstActivityWithinMinutes === null ? null : rules.firstActivityWithinMinutes * MS_PER_MINUTE,
  );
  const dayMs = clockCalendar ? workingDayMs(clockCalendar) : MS_PER_DAY;
  const attempts = target(
    rules.attemptsRequired && rules.attemptsWithinDays ? rules.attemptsWithinDays * dayMs : null,
  );
  return {
    acceptWarnAt: accept.warnAt,
    acceptDueAt: accept.dueAt,
    activityWarnAt: activity.warnAt,
    activityDueAt: activity.dueAt,
    attemptsRequired: attempts.dueAt ? rules.attemptsRequired : null,
    attemptsWarnAt: attempts.warnAt,
    attemptsDueAt: attempts.dueAt,
    leakageAt: rules.leakageDays ? new Date(handoffAt.getTime() + rules.leakageDays * MS_PER_DAY) : null,
  };
}

/** What is known about a handed-off lead at the moment of a check. */
export interface ClockFacts {
  now: Date;
  handoffAt: Date;
  /** When the lead was accepted after this handoff (reached SAL), or null while it waits. */
  acceptedAt: Date | null;
  /** The first sales activity at or after the handoff (and not after now), or null. */
  firstActivityAt: Date | null;
  /** Sales activities between the handoff and min(now, attempts deadline). */
  attempts: number;
  /** Events already recorded for this handoff. */
  recorded: ReadonlySet<SlaEventKind>;
}

export interface ClockPlan {
  escalate: boolean;
  breachAction: BreachAction;
  actionDelayMinutes: number;
}

export interface DueWork {
  /** Events to record now, in the order they happen. */
  kinds: { kind: SlaEventKind; deadline: Date }[];
  /** The next moment something may become due, or null when this handoff needs no more checks. */
  nextCheckAt: Date | null;
}

/**
 * The heart of breach detection, free of I/O: given a handoff's deadlines and what has
 * happened, which events are due now and when to look again. Each kind is returned at
 * most once per handoff (already recorded kinds are skipped), and a warning is skipped
 * when its deadline has already passed (the breach says it all).
 */
export function dueWork(schedule: SlaSchedule, plan: ClockPlan, facts: ClockFacts): DueWork {
  const now = facts.now.getTime();
  const kinds: { kind: SlaEventKind; deadline: Date }[] = [];
  const future: number[] = [];
  /** Deadlines of breached targets, and whether each is still not done now. */
  const breached: { due: number; stillOpen: boolean }[] = [];

  const target = (
    warnKind: SlaEventKind,
    breachKind: SlaEventKind,
    warnAt: Date | null,
    dueAt: Date | null,
    doneAt: Date | null,
    doneEarly: boolean,
  ) => {
    if (!dueAt) return;
    const due = dueAt.getTime();
    // An attempts window that closed short stays open; the others close once done, even late.
    const stillOpen = doneAt === null && !doneEarly;
    if (facts.recorded.has(breachKind)) {
      breached.push({ due, stillOpen });
      return;
    }
    const metInTime = doneEarly || (doneAt !== null && doneAt.getTime() <= due);
    if (metInTime) return;
    if (now >= due) {
      kinds.push({ kind: breachKind, deadline: dueAt });
      breached.push({ due, stillOpen });
      return;
    }
    future.push(due);
    if (warnAt && !facts.recorded.has(warnKind)) {
      if (now >= warnAt.getTime()) kinds.push({ kind: warnKind, deadline: dueAt });
      else future.push(warnAt.getTime());
    }
  };

  target(
    'accept_warning',
    'accept_breach',
    schedule.acceptWarnAt,
    schedule.acceptDueAt,
    facts.acceptedAt,
    false,
  );
  target(
    'activity_warning',
    'activity_breach',
    schedule.activityWarnAt,
    schedule.activityDueAt,
    facts.firstActivityAt,
    false,
  );
  target(
    'attempts_warning',
    'attempts_breach',
    schedule.attemptsWarnAt,
    schedule.attemptsDueAt,
    null,
    schedule.attemptsRequired !== null && facts.attempts >= schedule.attemptsRequired,
  );

  if (schedule.leakageAt && !facts.recorded.has('leakage')) {
    const leakageAt = schedule.leakageAt.getTime();
    const worked = facts.firstActivityAt !== null && facts.firstActivityAt.getTime() <= leakageAt;
    if (!worked) {
      if (now >= leakageAt) kinds.push({ kind: 'leakage', deadline: schedule.leakageAt });
      else future.push(leakageAt);
    }
  }

  if (breached.length > 0) {
    const firstBreach = Math.min(...breached.map((entry) => entry.due));
    if (plan.escalate && !facts.recorded.has('escalation')) {
      kinds.push({ kind: 'escalation', deadline: new Date(firstBreach) });
    }
    const actionKind: SlaEventKind | null =
      plan.breachAction === 'reassign' ? 'reassignment' : plan.breachAction === 'recycle' ? 'recycle' : null;
    // A rep who accepts or works the lead after the breach but before the action keeps it.
    const stillOpen = breached.some((entry) => entry.stillOpen);
    if (actionKind && stillOpen && !facts.recorded.has(actionKind)) {
      const actionAt = firstBreach + plan.actionDelayMinutes * MS_PER_MINUTE;
      if (now >= actionAt) kinds.push({ kind: actionKind, deadline: new Date(actionAt) });
      else future.push(actionAt);
    }
  }

  return { kinds, nextCheckAt: future.length > 0 ? new Date(Math.min(...future)) : null };
}

export type PendingDeadlineKind = 'accept' | 'first_activity';

export interface PendingDeadline {
  kind: PendingDeadlineKind;
  due_at: Date;
  handoff_at: Date;
}

/**
 * The next promise the owner still has to keep on a lead: accepting it (while it waits in
 * mql) or the first sales activity after the handoff. Null when both are kept or no SLA applies.
 */
export function pendingDeadline(
  lead: { stage: string },
  clock: { handoff_at: Date; accept_due_at: Date | null; activity_due_at: Date | null; responded: boolean },
): PendingDeadline | null {
  if (lead.stage === 'mql' && clock.accept_due_at) {
    return { kind: 'accept', due_at: clock.accept_due_at, handoff_at: clock.handoff_at };
  }
  if (!clock.responded && clock.activity_due_at && ['mql', 'sal', 'sql'].includes(lead.stage)) {
    return { kind: 'first_activity', due_at: clock.activity_due_at, handoff_at: clock.handoff_at };
  }
  return null;
}
