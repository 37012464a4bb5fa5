import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addBusinessTime,
  type BusinessCalendar,
  businessTimeBetween,
  type ClockFacts,
  choosePolicy,
  dueWork,
  instantOfLocal,
  type PolicyRules,
  pendingDeadline,
  type SlaEventKind,
  scheduleFor,
} from './sla.ts';

const HOUR = 3_600_000;
const MINUTE = 60_000;

const berlin: BusinessCalendar = {
  timeZone: 'Europe/Berlin',
  workingDays: [1, 2, 3, 4, 5],
  startMinute: 9 * 60,
  endMinute: 17 * 60,
  holidays: ['2024-12-25', '2024-12-26', '2025-01-01'],
};

const at = (iso: string) => new Date(iso);

describe('business clock, hand-computed cases', () => {
  it('skips the weekend and keeps local hours across the spring DST change', () => {
    // Friday 2024-03-29 16:00 CET (15:00Z); 1 h left that day, the clocks go forward on
    // Sunday 31 March, so Monday 10:00 is CEST (08:00Z).
    const start = at('2024-03-29T15:00:00Z');
    expect(addBusinessTime(start, 2 * HOUR, berlin).toISOString()).toBe('2024-04-01T08:00:00.000Z');
    expect(businessTimeBetween(start, at('2024-04-01T08:00:00Z'), berlin)).toBe(2 * HOUR);
  });

  it('skips the weekend across the autumn DST change', () => {
    // Friday 2024-10-25 16:30 CEST (14:30Z) + 1 h -> Monday 28th 09:30 CET (08:30Z).
    expect(addBusinessTime(at('2024-10-25T14:30:00Z'), HOUR, berlin).toISOString()).toBe(
      '2024-10-28T08:30:00.000Z',
    );
  });

  it('does not count holidays', () => {
    // Tuesday 2024-12-24 12:00 CET (11:00Z) to Friday 27th 12:00 (11:00Z): 5 h on the
    // 24th, the 25th and 26th are holidays, 3 h on the 27th.
    expect(businessTimeBetween(at('2024-12-24T11:00:00Z'), at('2024-12-27T11:00:00Z'), berlin)).toBe(
      8 * HOUR,
    );
  });

  it('moves a start outside working hours to the next opening', () => {
    // Saturday 2024-06-01 any time + 30 min -> Monday 3 June 09:30 CEST (07:30Z).
    expect(addBusinessTime(at('2024-06-01T12:00:00Z'), 30 * MINUTE, berlin).toISOString()).toBe(
      '2024-06-03T07:30:00.000Z',
    );
  });

  it('counts a 24-hour window as 23 hours on the day the clocks go forward', () => {
    const allDay: BusinessCalendar = {
      ...berlin,
      workingDays: [1, 2, 3, 4, 5, 6, 7],
      startMinute: 0,
      endMinute: 1440,
    };
    // Local Sunday 2024-03-31 00:00 CET = 23:00Z on the 30th; Monday 00:00 CEST = 22:00Z on the 31st.
    expect(businessTimeBetween(at('2024-03-30T23:00:00Z'), at('2024-03-31T22:00:00Z'), allDay)).toBe(
      23 * HOUR,
    );
  });

  it('is plain arithmetic without a calendar', () => {
    const start = at('2024-03-29T15:00:00Z');
    expect(addBusinessTime(start, 90 * MINUTE, null).toISOString()).toBe('2024-03-29T16:30:00.000Z');
    expect(businessTimeBetween(start, at('2024-03-30T15:00:00Z'), null)).toBe(24 * HOUR);
  });

  it('ends a window at a repeated local time at its second occurrence, as PostgreSQL reads it', () => {
    // Sydney, Sunday 2025-04-06: 03:00 AEDT becomes 02:00 AEST, so 02:00 happens twice. A
    // 00:00-02:00 window runs from 00:00 AEDT (13:00Z on the 5th) to 02:00 AEST (16:00Z).
    const sunday: BusinessCalendar = {
      timeZone: 'Australia/Sydney',
      workingDays: [7],
      startMinute: 0,
      endMinute: 120,
      holidays: [],
    };
    expect(businessTimeBetween(at('2025-04-05T12:00:00Z'), at('2025-04-05T18:00:00Z'), sunday)).toBe(
      3 * HOUR,
    );
  });

  it('resolves skipped and repeated local times as PostgreSQL does', () => {
    // 02:30 on 2024-03-10 in New York does not exist: the offset before the change (-5).
    expect(new Date(instantOfLocal(Date.UTC(2024, 2, 10, 2, 30), 'America/New_York')).toISOString()).toBe(
      '2024-03-10T07:30:00.000Z',
    );
    // 01:30 on 2024-11-03 happens twice: the offset after the change (-5).
    expect(new Date(instantOfLocal(Date.UTC(2024, 10, 3, 1, 30), 'America/New_York')).toISOString()).toBe(
      '2024-11-03T06:30:00.000Z',
    );
  });
});

// ----- properties --------------------------------------------------------------------

const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Sydney',
  'Asia/Kolkata',
  'UTC',
  'America/St_Johns',
];

/** Calendars with whole-hour windows (so no window edge falls inside a skipped DST hour's middle). */
const calendarArbitrary: fc.Arbitrary<BusinessCalendar> = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    workingDays: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
    startHour: fc.integer({ min: 0, max: 22 }),
    length: fc.integer({ min: 1, max: 24 }),
    holidays: fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 6 }),
  })
  .map(({ timeZone, workingDays, startHour, length, holidays }) => ({
    timeZone,
    workingDays: workingDays.sort(),
    startMinute: startHour * 60,
    endMinute: Math.min(24, startHour + length) * 60,
    // Holidays near the DST-heavy spring of 2025, where the instants below are drawn.
    holidays: holidays.map((offset) =>
      new Date(Date.UTC(2025, 2, 1) + offset * 86_400_000).toISOString().slice(0, 10),
    ),
  }));

/**
 * For the slot oracle, windows whose edge is 02:00: in these zones that local time is
 * repeated when the clocks go back (Sydney, April 2025), and the oracle's "local time inside
 * the window" cannot say which of the two 02:00s ends the window. The clock follows
 * PostgreSQL there (see the hand-computed case), which the other properties cover.
 */
const oracleCalendarArbitrary = calendarArbitrary.filter(
  (calendar) => calendar.startMinute !== 120 && calendar.endMinute !== 120,
);

const RANGE_START = Date.UTC(2025, 2, 1);
const RANGE_END = Date.UTC(2025, 3, 30);
const instantArbitrary = fc.integer({ min: RANGE_START, max: RANGE_END }).map((ms) => new Date(ms));
/** Instants on quarter-hour boundaries, for the slot-counting oracle. */
const quarterArbitrary = fc
  .integer({ min: RANGE_START / (15 * MINUTE), max: RANGE_END / (15 * MINUTE) })
  .map((q) => new Date(q * 15 * MINUTE));

const weekdayNames = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/**
 * The obvious, slow answer: walk the span in 15-minute slots and ask Intl for each slot's
 * local weekday, date and time; count the slots inside the working window.
 */
function slowBusinessTime(from: Date, to: Date, calendar: BusinessCalendar): number {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone: calendar.timeZone,
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  let total = 0;
  for (let t = from.getTime(); t < to.getTime(); t += 15 * MINUTE) {
    const parts = Object.fromEntries(
      format.formatToParts(new Date(t)).map((part) => [part.type, part.value]),
    );
    const weekday = weekdayNames.indexOf(parts.weekday as string) + 1;
    const date = `${parts.year}-${parts.month}-${parts.day}`;
    const minute = Number(parts.hour) * 60 + Number(parts.minute);
    const open =
      calendar.workingDays.includes(weekday) &&
      !calendar.holidays.includes(date) &&
      minute >= calendar.startMinute &&
      minute < calendar.endMinute;
    if (open) total += 15 * MINUTE;
  }
  return total;
}

describe('business clock properties', () => {
  it('counts exactly the working slots: never weekends, holidays or out-of-hours time', () => {
    fc.assert(
      fc.property(
        oracleCalendarArbitrary,
        quarterArbitrary,
        fc.integer({ min: 0, max: 4 * 96 }),
        (calendar, from, slots) => {
          const to = new Date(from.getTime() + slots * 15 * MINUTE);
          expect(businessTimeBetween(from, to, calendar)).toBe(slowBusinessTime(from, to, calendar));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('businessTimeBetween(start, addBusinessTime(start, d)) = d', () => {
    fc.assert(
      fc.property(
        calendarArbitrary,
        instantArbitrary,
        fc.integer({ min: 0, max: 200 * HOUR }),
        (calendar, start, d) => {
          const end = addBusinessTime(start, d, calendar);
          expect(end.getTime()).toBeGreaterThanOrEqual(start.getTime());
          expect(businessTimeBetween(start, end, calendar)).toBe(d);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('addBusinessTime(start, businessTimeBetween(start, end)) is the earliest instant with that business time', () => {
    fc.assert(
      fc.property(calendarArbitrary, instantArbitrary, instantArbitrary, (calendar, a, b) => {
        const [start, end] = a <= b ? [a, b] : [b, a];
        const elapsed = businessTimeBetween(start, end, calendar);
        const back = addBusinessTime(start, elapsed, calendar);
        expect(back.getTime()).toBeLessThanOrEqual(end.getTime());
        // Nothing business-wise happens between that instant and end.
        expect(businessTimeBetween(back, end, calendar)).toBe(0);
        expect(businessTimeBetween(start, back, calendar)).toBe(elapsed);
      }),
      { numRuns: 300 },
    );
  });

  it('is monotone in the duration and in the end instant', () => {
    fc.assert(
      fc.property(
        calendarArbitrary,
        instantArbitrary,
        fc.integer({ min: 0, max: 100 * HOUR }),
        fc.integer({ min: 0, max: 100 * HOUR }),
        (calendar, start, d1, d2) => {
          const [small, large] = d1 <= d2 ? [d1, d2] : [d2, d1];
          expect(addBusinessTime(start, small, calendar).getTime()).toBeLessThanOrEqual(
            addBusinessTime(start, large, calendar).getTime(),
          );
          const e1 = new Date(start.getTime() + small);
          const e2 = new Date(start.getTime() + large);
          expect(businessTimeBetween(start, e1, calendar)).toBeLessThanOrEqual(
            businessTimeBetween(start, e2, calendar),
          );
          // Business time never exceeds wall time.
          expect(businessTimeBetween(start, e2, calendar)).toBeLessThanOrEqual(large);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is additive over adjacent spans', () => {
    fc.assert(
      fc.property(
        calendarArbitrary,
        instantArbitrary,
        instantArbitrary,
        instantArbitrary,
        (calendar, a, b, c) => {
          const [x, y, z] = [a, b, c].sort((p, q) => p.getTime() - q.getTime()) as [Date, Date, Date];
          expect(businessTimeBetween(x, y, calendar) + businessTimeBetween(y, z, calendar)).toBe(
            businessTimeBetween(x, z, calendar),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

// ----- policies and due work ------------------------------------------------------------

const rules: PolicyRules = {
  acceptWithinMinutes: 60,
  firstActivityWithinMinutes: 120,
  attemptsRequired: 3,
  attemptsWithinDays: 2,
  warnBeforeMinutes: 15,
  escalate: true,
  breachAction: 'reassign',
  actionDelayMinutes: 30,
  leakageDays: 5,
  clock: 'wall',
};
const handoff = at('2025-05-05T10:00:00Z');
const schedule = scheduleFor(handoff, rules, null);
const plan = { escalate: true, breachAction: 'reassign' as const, actionDelayMinutes: 30 };

function facts(now: string, extra: Partial<ClockFacts> = {}): ClockFacts {
  return {
    now: at(now),
    handoffAt: handoff,
    acceptedAt: null,
    firstActivityAt: null,
    attempts: 0,
    recorded: new Set<SlaEventKind>(),
    ...extra,
  };
}

const kindsOf = (work: ReturnType<typeof dueWork>) => work.kinds.map((entry) => entry.kind);

describe('SLA schedule and due work', () => {
  it('computes wall-clock deadlines and warnings', () => {
    expect(schedule.acceptWarnAt?.toISOString()).toBe('2025-05-05T10:45:00.000Z');
    expect(schedule.acceptDueAt?.toISOString()).toBe('2025-05-05T11:00:00.000Z');
    expect(schedule.activityDueAt?.toISOString()).toBe('2025-05-05T12:00:00.000Z');
    expect(schedule.attemptsDueAt?.toISOString()).toBe('2025-05-07T10:00:00.000Z');
    expect(schedule.leakageAt?.toISOString()).toBe('2025-05-10T10:00:00.000Z');
  });

  it('computes business-hour deadlines: a day of attempts is one working window', () => {
    // Friday 2025-05-09 16:00 CEST (14:00Z), 9-17 Berlin: accept within 2 h -> Monday 10:00 CEST.
    const business = scheduleFor(
      at('2025-05-09T14:00:00Z'),
      { ...rules, acceptWithinMinutes: 120, clock: 'business', attemptsWithinDays: 3 },
      berlin,
    );
    expect(business.acceptDueAt?.toISOString()).toBe('2025-05-12T08:00:00.000Z');
    // 3 working days of 8 h from Friday 16:00: Wednesday 16:00 CEST.
    expect(business.attemptsDueAt?.toISOString()).toBe('2025-05-14T14:00:00.000Z');
  });

  it('warns before the deadline, then breaches, escalates and acts after the delay', () => {
    expect(kindsOf(dueWork(schedule, plan, facts('2025-05-05T10:30:00Z')))).toEqual([]);
    expect(dueWork(schedule, plan, facts('2025-05-05T10:30:00Z')).nextCheckAt?.toISOString()).toBe(
      '2025-05-05T10:45:00.000Z',
    );
    expect(kindsOf(dueWork(schedule, plan, facts('2025-05-05T10:50:00Z')))).toEqual(['accept_warning']);
    const recorded = new Set<SlaEventKind>(['accept_warning']);
    const atBreach = dueWork(schedule, plan, facts('2025-05-05T11:00:00Z', { recorded }));
    expect(kindsOf(atBreach)).toEqual(['accept_breach', 'escalation']);
    expect(atBreach.nextCheckAt?.toISOString()).toBe('2025-05-05T11:30:00.000Z');
    recorded.add('accept_breach').add('escalation');
    expect(kindsOf(dueWork(schedule, plan, facts('2025-05-05T11:30:00Z', { recorded })))).toEqual([
      'reassignment',
    ]);
  });

  it('does not warn when the tick comes after the deadline', () => {
    expect(kindsOf(dueWork(schedule, plan, facts('2025-05-05T11:05:00Z')))).toEqual([
      'accept_breach',
      'escalation',
    ]);
  });

  it('keeps the lead with a rep who accepts after the breach but before the action', () => {
    const recorded = new Set<SlaEventKind>(['accept_warning', 'accept_breach', 'escalation']);
    const work = dueWork(
      schedule,
      plan,
      facts('2025-05-05T11:40:00Z', { recorded, acceptedAt: at('2025-05-05T11:10:00Z') }),
    );
    expect(kindsOf(work)).not.toContain('reassignment');
  });

  it('counts a target met in time and leaves no check for it', () => {
    const work = dueWork(
      schedule,
      plan,
      facts('2025-05-05T10:20:00Z', {
        acceptedAt: at('2025-05-05T10:10:00Z'),
        firstActivityAt: at('2025-05-05T10:15:00Z'),
        attempts: 3,
      }),
    );
    expect(work.kinds).toEqual([]);
    expect(work.nextCheckAt).toBeNull();
  });

  it('records leakage when nobody worked the lead in N days', () => {
    const recorded = new Set<SlaEventKind>([
      'accept_breach',
      'activity_breach',
      'attempts_breach',
      'escalation',
      'reassignment',
    ]);
    expect(kindsOf(dueWork(schedule, plan, facts('2025-05-10T10:00:00Z', { recorded })))).toEqual([
      'leakage',
    ]);
  });

  it('returns each kind at most once however often it is asked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 8 * 24 * 60 }), { minLength: 1, maxLength: 20 }),
        (minutes) => {
          const recorded = new Set<SlaEventKind>();
          const seen: SlaEventKind[] = [];
          for (const minute of [...minutes].sort((a, b) => a - b)) {
            const now = new Date(handoff.getTime() + minute * MINUTE);
            for (const { kind } of dueWork(schedule, plan, facts(now.toISOString(), { recorded })).kinds) {
              seen.push(kind);
              recorded.add(kind);
            }
          }
          expect(new Set(seen).size).toBe(seen.length);
        },
      ),
    );
  });

  it('chooses the first matching policy', () => {
    const any = { temperatures: [], minEmployees: null, maxEmployees: null, minScore: null, sources: [] };
    const policies = [
      { name: 'hot enterprise', match: { ...any, temperatures: ['hot'], minEmployees: 1000 } },
      { name: 'hot', match: { ...any, temperatures: ['hot'] } },
      { name: 'default', match: any },
    ];
    const lead = { temperature: 'hot', employees: 50, score: 80, source: 'web' };
    expect(choosePolicy(policies, lead)?.name).toBe('hot');
    expect(choosePolicy(policies, { ...lead, employees: 5000 })?.name).toBe('hot enterprise');
    expect(choosePolicy(policies, { ...lead, temperature: 'cold' })?.name).toBe('default');
    expect(choosePolicy(policies.slice(0, 2), { ...lead, temperature: 'cold' })).toBeNull();
  });
});

describe('pendingDeadline', () => {
  const handoff = new Date('2026-03-02T09:00:00Z');
  const accept = new Date('2026-03-02T10:00:00Z');
  const activity = new Date('2026-03-02T13:00:00Z');
  const clock = { handoff_at: handoff, accept_due_at: accept, activity_due_at: activity, responded: false };

  it('asks to accept while the lead waits in mql', () => {
    expect(pendingDeadline({ stage: 'mql' }, clock)).toEqual({
      kind: 'accept',
      due_at: accept,
      handoff_at: handoff,
    });
  });
  it('asks for the first activity once accepted and nobody has acted', () => {
    expect(pendingDeadline({ stage: 'sal' }, clock)).toEqual({
      kind: 'first_activity',
      due_at: activity,
      handoff_at: handoff,
    });
  });
  it('has nothing pending once sales acted, or for closed stages', () => {
    expect(pendingDeadline({ stage: 'sal' }, { ...clock, responded: true })).toBeNull();
    expect(pendingDeadline({ stage: 'recycled' }, clock)).toBeNull();
  });
  it('falls through to the first activity when the policy sets no accept deadline', () => {
    expect(pendingDeadline({ stage: 'mql' }, { ...clock, accept_due_at: null })?.kind).toBe('first_activity');
  });
});
