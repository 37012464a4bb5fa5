import { z } from 'zod';
import type { App } from '../../server/types.ts';
import { getSlaReport } from './sla.report.ts';
import type { CommitmentRow, PolicyRow, SlaEventRow } from './sla.repository.ts';
import {
  calendarSchema,
  commitmentSchema,
  createCalendarBody,
  createCommitmentBody,
  createPolicyBody,
  listSlaEventsQuery,
  policySchema,
  slaEventPageSchema,
  slaReportQuery,
  slaReportSchema,
  updateCalendarBody,
  updateCommitmentBody,
  updatePolicyBody,
} from './sla.schemas.ts';
import * as service from './sla.service.ts';

function toApiCalendar(row: Parameters<typeof service.calendarView>[0]): z.infer<typeof calendarSchema> {
  const view = service.calendarView(row);
  return {
    id: view.id,
    name: view.name,
    time_zone: view.time_zone,
    working_days: view.working_days,
    start: view.start,
    end: view.end,
    holidays: view.holidays,
    is_default: view.is_default,
    created_at: view.created_at.toISOString(),
    updated_at: view.updated_at.toISOString(),
  };
}

function toApiPolicy(row: PolicyRow): z.infer<typeof policySchema> {
  return {
    id: row.id,
    name: row.name,
    position: row.position,
    active: row.active,
    match: {
      temperatures: row.match_temperatures,
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
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

function toApiCommitment(row: CommitmentRow): z.infer<typeof commitmentSchema> {
  return {
    id: row.id,
    period: row.period,
    period_start: row.period_start,
    period_end: row.period_end,
    mql_volume: row.mql_volume,
    min_acceptance_rate: row.min_acceptance_rate,
    notes: row.notes,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

function toApiSlaEvent(row: SlaEventRow): z.infer<typeof slaEventPageSchema>['items'][number] {
  return {
    id: row.id,
    lead_id: row.lead_id,
    handoff_at: row.handoff_at.toISOString(),
    kind: row.kind,
    owner_id: row.owner_id,
    deadline_at: row.deadline_at.toISOString(),
    occurred_at: row.occurred_at.toISOString(),
    details: row.details,
  };
}

const idParams = z.object({ id: z.coerce.number().int().positive() });
const tags = ['sla'];

export function registerSlaRoutes(api: App): void {
  // ----- calendars
  api.get(
    '/sla/calendars',
    {
      schema: {
        tags,
        summary: 'Business calendars',
        response: { 200: z.object({ items: z.array(calendarSchema) }) },
      },
    },
    async (request) => ({ items: (await service.findCalendars(api.db, request.actor)).map(toApiCalendar) }),
  );
  api.post(
    '/sla/calendars',
    {
      schema: {
        tags,
        summary: 'Add a business calendar: time zone, working days, hours and holidays (admins)',
        body: createCalendarBody,
        response: { 201: calendarSchema },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(toApiCalendar(await service.createCalendar(api.db, request.actor, request.body))),
  );
  api.get(
    '/sla/calendars/:id',
    {
      schema: { tags, summary: 'One business calendar', params: idParams, response: { 200: calendarSchema } },
    },
    async (request) => toApiCalendar(await service.getCalendar(api.db, request.actor, request.params.id)),
  );
  api.patch(
    '/sla/calendars/:id',
    {
      schema: {
        tags,
        summary: 'Change a business calendar (admins)',
        params: idParams,
        body: updateCalendarBody,
        response: { 200: calendarSchema },
      },
    },
    async (request) =>
      toApiCalendar(await service.updateCalendar(api.db, request.actor, request.params.id, request.body)),
  );
  api.delete(
    '/sla/calendars/:id',
    {
      schema: {
        tags,
        summary: 'Remove a calendar no policy uses (admins)',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await service.deleteCalendar(api.db, request.actor, request.params.id);
      return reply.status(204).send(null);
    },
  );

  // ----- policies
  api.get(
    '/sla/policies',
    {
      schema: {
        tags,
        summary: 'SLA policies in the order they are tried',
        response: { 200: z.object({ items: z.array(policySchema) }) },
      },
    },
    async (request) => ({ items: (await service.findPolicies(api.db, request.actor)).map(toApiPolicy) }),
  );
  api.post(
    '/sla/policies',
    {
      schema: {
        tags,
        summary:
          'Add an SLA policy for a segment or priority: time to accept, time to first activity, attempts, warnings, breach action (admins)',
        body: createPolicyBody,
        response: { 201: policySchema },
      },
    },
    async (request, reply) =>
      reply.status(201).send(toApiPolicy(await service.createPolicy(api.db, request.actor, request.body))),
  );
  api.get(
    '/sla/policies/:id',
    { schema: { tags, summary: 'One SLA policy', params: idParams, response: { 200: policySchema } } },
    async (request) => toApiPolicy(await service.getPolicy(api.db, request.actor, request.params.id)),
  );
  api.patch(
    '/sla/policies/:id',
    {
      schema: {
        tags,
        summary: 'Change an SLA policy; handoffs already measured keep their deadlines (admins)',
        params: idParams,
        body: updatePolicyBody,
        response: { 200: policySchema },
      },
    },
    async (request) =>
      toApiPolicy(await service.updatePolicy(api.db, request.actor, request.params.id, request.body)),
  );
  api.delete(
    '/sla/policies/:id',
    {
      schema: {
        tags,
        summary: 'Remove an SLA policy (admins)',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await service.deletePolicy(api.db, request.actor, request.params.id);
      return reply.status(204).send(null);
    },
  );

  // ----- marketing's commitments
  api.get(
    '/sla/commitments',
    {
      schema: {
        tags,
        summary: 'Marketing’s side of the SLA: MQL volume and minimum acceptance rate per period',
        response: { 200: z.object({ items: z.array(commitmentSchema) }) },
      },
    },
    async (request) => ({
      items: (await service.findCommitments(api.db, request.actor)).map(toApiCommitment),
    }),
  );
  api.post(
    '/sla/commitments',
    {
      schema: {
        tags,
        summary: 'Commit to a volume of MQLs and an acceptance rate for a period (admins, marketing)',
        body: createCommitmentBody,
        response: { 201: commitmentSchema },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(toApiCommitment(await service.createCommitment(api.db, request.actor, request.body))),
  );
  api.patch(
    '/sla/commitments/:id',
    {
      schema: {
        tags,
        summary: 'Change a commitment (admins, marketing)',
        params: idParams,
        body: updateCommitmentBody,
        response: { 200: commitmentSchema },
      },
    },
    async (request) =>
      toApiCommitment(await service.updateCommitment(api.db, request.actor, request.params.id, request.body)),
  );
  api.delete(
    '/sla/commitments/:id',
    {
      schema: {
        tags,
        summary: 'Remove a commitment (admins, marketing)',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await service.deleteCommitment(api.db, request.actor, request.params.id);
      return reply.status(204).send(null);
    },
  );

  // ----- what the breach detector did
  api.get(
    '/sla/events',
    {
      schema: {
        tags,
        summary: 'Warnings, breaches, escalations, reassignments, recycling and leakage, newest first',
        querystring: listSlaEventsQuery,
        response: { 200: slaEventPageSchema },
      },
    },
    async (request) => {
      const page = await service.findSlaEvents(api.db, request.actor, request.query);
      return { items: page.items.map(toApiSlaEvent), next_cursor: page.next_cursor };
    },
  );

  api.get(
    '/reports/sla',
    {
      schema: {
        tags: ['reports'],
        summary:
          'The two-way SLA per period: MQLs delivered vs committed and accepted share (marketing), response time, attempts, breaches and leakage per rep (sales)',
        querystring: slaReportQuery,
        response: { 200: slaReportSchema },
      },
    },
    async (request) => getSlaReport(api.db, request.actor, request.query),
  );
}
