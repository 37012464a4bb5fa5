import { z } from 'zod';
import { cursorSchema, limitSchema, pageSchema } from '../../shared/pagination.ts';

const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be a time HH:MM between 00:00 and 24:00');
const isoDate = z.iso.date();

// ----- calendars ---------------------------------------------------------------------------

const calendarFields = {
  name: z.string().trim().min(1).max(200),
  time_zone: z.string().min(1).max(100).describe('IANA time zone, e.g. Europe/Berlin'),
  working_days: z
    .array(z.number().int().min(1).max(7))
    .min(1)
    .max(7)
    .describe('ISO weekdays worked: 1 = Monday ... 7 = Sunday'),
  start: clockTime.describe('Local start of the working day, HH:MM'),
  end: clockTime.describe('Local end of the working day, HH:MM (24:00 for midnight)'),
  holidays: z.array(isoDate).max(1000).describe('Local dates not worked, YYYY-MM-DD'),
  is_default: z.boolean().describe('The calendar reports use for business-hour figures'),
};

export const createCalendarBody = z
  .object({
    ...calendarFields,
    working_days: calendarFields.working_days.default([1, 2, 3, 4, 5]),
    holidays: calendarFields.holidays.default([]),
    is_default: calendarFields.is_default.default(false),
  })
  .strict();
export type CreateCalendarInput = z.infer<typeof createCalendarBody>;

export const updateCalendarBody = z
  .object({
    name: calendarFields.name.optional(),
    time_zone: calendarFields.time_zone.optional(),
    working_days: calendarFields.working_days.optional(),
    start: calendarFields.start.optional(),
    end: calendarFields.end.optional(),
    holidays: calendarFields.holidays.optional(),
    is_default: calendarFields.is_default.optional(),
  })
  .strict();
export type UpdateCalendarInput = z.infer<typeof updateCalendarBody>;

export const calendarSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  time_zone: z.string(),
  working_days: z.array(z.number().int()),
  start: z.string(),
  end: z.string(),
  holidays: z.array(z.string()),
  is_default: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});

// ----- policies ----------------------------------------------------------------------------

const minutes = z.number().int().positive().max(525_600);

export const policyMatchSchema = z
  .object({
    temperatures: z
      .array(z.enum(['cold', 'warm', 'hot']))
      .default([])
      .describe('Priority: the lead temperatures this policy covers (empty: all)'),
    sources: z.array(z.string().min(1).max(200)).default([]).describe('Lead sources covered (empty: all)'),
    min_employees: z
      .number()
      .int()
      .min(0)
      .nullable()
      .default(null)
      .describe('Segment: smallest company size'),
    max_employees: z.number().int().min(0).nullable().default(null).describe('Segment: largest company size'),
    min_score: z.number().int().nullable().default(null),
  })
  .strict();

const policyFields = {
  name: z.string().trim().min(1).max(200),
  position: z.number().int().min(0).max(100_000).describe('Policies are tried in ascending position'),
  active: z.boolean(),
  match: policyMatchSchema,
  accept_within_minutes: minutes.nullable().describe('Time to accept (lead -> SAL)'),
  first_activity_within_minutes: minutes.nullable().describe('Time to the first sales activity'),
  attempts_required: z
    .number()
    .int()
    .positive()
    .max(100)
    .nullable()
    .describe('Sales activities required ...'),
  attempts_within_days: z.number().int().positive().max(365).nullable().describe('... within this many days'),
  warn_before_minutes: minutes.nullable().describe('Warn the owner this long before each deadline'),
  escalate: z.boolean().describe('Escalate to the owner’s manager at the first breach'),
  breach_action: z.enum(['reassign', 'recycle', 'none']).describe('What happens to the lead after a breach'),
  action_delay_minutes: z
    .number()
    .int()
    .min(0)
    .max(525_600)
    .describe('Wall-clock minutes between the breach and the reassignment or recycling'),
  leakage_days: z
    .number()
    .int()
    .positive()
    .max(365)
    .nullable()
    .describe('A lead with no sales activity this many days after handoff counts as leakage'),
  clock: z.enum(['wall', 'business']).describe('Measure in wall-clock time or business hours'),
  calendar_id: z
    .number()
    .int()
    .positive()
    .nullable()
    .describe('The business calendar (needed with clock=business)'),
};

export const createPolicyBody = z
  .object({
    name: policyFields.name,
    position: policyFields.position.default(0),
    active: policyFields.active.default(true),
    match: policyMatchSchema.default({
      temperatures: [],
      sources: [],
      min_employees: null,
      max_employees: null,
      min_score: null,
    }),
    accept_within_minutes: policyFields.accept_within_minutes.default(null),
    first_activity_within_minutes: policyFields.first_activity_within_minutes.default(null),
    attempts_required: policyFields.attempts_required.default(null),
    attempts_within_days: policyFields.attempts_within_days.default(null),
    warn_before_minutes: policyFields.warn_before_minutes.default(null),
    escalate: policyFields.escalate.default(true),
    breach_action: policyFields.breach_action.default('reassign'),
    action_delay_minutes: policyFields.action_delay_minutes.default(0),
    leakage_days: policyFields.leakage_days.default(null),
    clock: policyFields.clock.default('wall'),
    calendar_id: policyFields.calendar_id.default(null),
  })
  .strict();
export type CreatePolicyInput = z.infer<typeof createPolicyBody>;

export const updatePolicyBody = z
  .object({
    name: policyFields.name.optional(),
    position: policyFields.position.optional(),
    active: policyFields.active.optional(),
    match: policyMatchSchema.optional(),
    accept_within_minutes: policyFields.accept_within_minutes.optional(),
    first_activity_within_minutes: policyFields.first_activity_within_minutes.optional(),
    attempts_required: policyFields.attempts_required.optional(),
    attempts_within_days: policyFields.attempts_within_days.optional(),
    warn_before_minutes: policyFields.warn_before_minutes.optional(),
    escalate: policyFields.escalate.optional(),
    breach_action: policyFields.breach_action.optional(),
    action_delay_minutes: policyFields.action_delay_minutes.optional(),
    leakage_days: policyFields.leakage_days.optional(),
    clock: policyFields.clock.optional(),
    calendar_id: policyFields.calendar_id.optional(),
  })
  .strict();
export type UpdatePolicyInput = z.infer<typeof updatePolicyBody>;

export const policySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  position: z.number().int(),
  active: z.boolean(),
  match: z.object({
    temperatures: z.array(z.string()),
    sources: z.array(z.string()),
    min_employees: z.number().int().nullable(),
    max_employees: z.number().int().nullable(),
    min_score: z.number().int().nullable(),
  }),
  accept_within_minutes: z.number().int().nullable(),
  first_activity_within_minutes: z.number().int().nullable(),
  attempts_required: z.number().int().nullable(),
  attempts_within_days: z.number().int().nullable(),
  warn_before_minutes: z.number().int().nullable(),
  escalate: z.boolean(),
  breach_action: z.enum(['reassign', 'recycle', 'none']),
  action_delay_minutes: z.number().int(),
  leakage_days: z.number().int().nullable(),
  clock: z.enum(['wall', 'business']),
  calendar_id: z.number().int().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

// ----- commitments ---------------------------------------------------------------------------

export const createCommitmentBody = z
  .object({
    period: z.string().describe('A month (2026-07), a quarter (2026-Q3) or a year (2026)'),
    mql_volume: z.number().int().min(0).max(100_000_000).describe('MQLs marketing commits to deliver'),
    min_acceptance_rate: z.number().min(0).max(1).describe('Share of those MQLs sales should accept, 0..1'),
    notes: z.string().trim().max(2000).nullable().optional(),
  })
  .strict();
export type CreateCommitmentInput = z.infer<typeof createCommitmentBody>;

export const updateCommitmentBody = z
  .object({
    mql_volume: createCommitmentBody.shape.mql_volume.optional(),
    min_acceptance_rate: createCommitmentBody.shape.min_acceptance_rate.optional(),
    notes: createCommitmentBody.shape.notes,
  })
  .strict();
export type UpdateCommitmentInput = z.infer<typeof updateCommitmentBody>;

export const commitmentSchema = z.object({
  id: z.number().int(),
  period: z.string(),
  period_start: z.string(),
  period_end: z.string(),
  mql_volume: z.number().int(),
  min_acceptance_rate: z.number(),
  notes: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

// ----- events ------------------------------------------------------------------------------------

export const slaEventKindSchema = z.enum([
  'accept_warning',
  'accept_breach',
  'activity_warning',
  'activity_breach',
  'attempts_warning',
  'attempts_breach',
  'escalation',
  'reassignment',
  'recycle',
  'leakage',
]);

export const slaEventSchema = z.object({
  id: z.number().int(),
  lead_id: z.number().int(),
  handoff_at: z.string(),
  kind: slaEventKindSchema,
  owner_id: z.number().int().nullable(),
  deadline_at: z.string(),
  occurred_at: z.string(),
  details: z.record(z.string(), z.unknown()),
});

export const listSlaEventsQuery = z.object({
  lead_id: z.coerce.number().int().positive().optional(),
  kind: slaEventKindSchema.optional(),
  from: z.iso.datetime({ offset: true }).or(isoDate).optional(),
  to: z.iso.datetime({ offset: true }).or(isoDate).optional().describe('Exclusive upper bound'),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type ListSlaEventsQuery = z.infer<typeof listSlaEventsQuery>;
export const slaEventPageSchema = pageSchema(slaEventSchema);

// ----- the SLA report ----------------------------------------------------------------------------

export const slaReportQuery = z.object({
  from: isoDate.describe('First day (UTC), inclusive'),
  to: isoDate.describe('Last day (UTC), exclusive'),
  period: z.enum(['week', 'month', 'quarter']).default('month'),
});
export type SlaReportQuery = z.infer<typeof slaReportQuery>;

const salesFigures = {
  handed_off: z.number().int().describe('Leads handed to sales in the period (by handoff moment)'),
  responded: z.number().int().describe('Of those, leads with a sales activity at or after handoff'),
  median_response_hours: z.number().nullable(),
  avg_attempts: z.number().nullable().describe('Sales activities per lead in the 7 days after handoff'),
  breaches: z.number().int().describe('SLA breaches (accept, first activity, attempts) of those leads'),
  leakage: z.number().int().describe('Leads with no sales activity N days after handoff (per policy)'),
};

export const slaReportSchema = z.object({
  from: z.string(),
  to: z.string(),
  period: z.enum(['week', 'month', 'quarter']),
  periods: z.array(
    z.object({
      period_start: z.string(),
      marketing: z.object({
        mqls_delivered: z.number().int(),
        mqls_committed: z.number().int().nullable(),
        delivered_vs_committed: z.number().nullable().describe('mqls_delivered / mqls_committed'),
        accepted: z.number().int().describe('MQLs of the period accepted by sales (reached SAL)'),
        rejected: z.number().int().describe('MQLs of the period rejected by sales'),
        accepted_share: z.number().nullable().describe('accepted / mqls_delivered'),
        min_acceptance_rate: z.number().nullable(),
        commitment_met: z.boolean().nullable(),
      }),
      sales: z.object(salesFigures),
      reps: z.array(
        z.object({
          owner_id: z.number().int().nullable(),
          owner_name: z.string().nullable(),
          ...salesFigures,
        }),
      ),
    }),
  ),
});
