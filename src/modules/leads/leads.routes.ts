import { z } from 'zod';
import { withIdempotency } from '../../server/idempotency.ts';
import type { App } from '../../server/types.ts';
import { isoOrNull } from '../../shared/time.ts';
import type { LifecycleEventRow } from '../lifecycle/lifecycle.repository.ts';
import { findPendingDeadlines } from '../sla/sla.service.ts';
import type { PendingDeadline } from '../sla/sla.ts';
import type { LeadRow } from './leads.repository.ts';
import {
  type ApiLead,
  batchLeadsBody,
  batchResultSchema,
  createLeadBody,
  leadPageSchema,
  leadSchema,
  type lifecycleEventSchema,
  listLeadsQuery,
  timelineResponse,
  transitionBody,
  transitionResponse,
  updateLeadBody,
} from './leads.schemas.ts';
import * as leadsService from './leads.service.ts';

function toApiDeadline(deadline: PendingDeadline | undefined): ApiLead['sla'] {
  if (!deadline) return null;
  return {
    kind: deadline.kind,
    due_at: deadline.due_at.toISOString(),
    handoff_at: deadline.handoff_at.toISOString(),
  };
}

export function toApiLead(row: LeadRow): ApiLead {
  return {
    id: row.id,
    external_id: row.external_id,
    email: row.email,
    first_name: row.first_name,
    last_name: row.last_name,
    title: row.title,
    phone: row.phone,
    company: row.company,
    account_id: row.account_id,
    country: row.country,
    region: row.region,
    industry: row.industry,
    employees: row.employees,
    source: row.source,
    source_detail: row.source_detail,
    first_utm_source: row.first_utm_source,
    first_utm_medium: row.first_utm_medium,
    first_utm_campaign: row.first_utm_campaign,
    first_utm_term: row.first_utm_term,
    first_utm_content: row.first_utm_content,
    last_utm_source: row.last_utm_source,
    last_utm_medium: row.last_utm_medium,
    last_utm_campaign: row.last_utm_campaign,
    last_utm_term: row.last_utm_term,
    last_utm_content: row.last_utm_content,
    first_campaign_id: row.first_campaign_id,
    stage: row.stage,
    lead_status: row.lead_status,
    temperature: row.temperature,
    owner_id: row.owner_id,
    assigned_at: isoOrNull(row.assigned_at),
    fit_score: row.fit_score,
    engagement_score: row.engagement_score,
    score: row.score,
    custom_fields: row.custom_fields,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    subscriber_at: isoOrNull(row.subscriber_at),
    lead_at: isoOrNull(row.lead_at),
    mql_at: isoOrNull(row.mql_at),
    sal_at: isoOrNull(row.sal_at),
    sql_at: isoOrNull(row.sql_at),
    opportunity_at: isoOrNull(row.opportunity_at),
    customer_at: isoOrNull(row.customer_at),
    recycled_at: isoOrNull(row.recycled_at),
    disqualified_at: isoOrNull(row.disqualified_at),
  };
}

export function toApiLifecycleEvent(row: LifecycleEventRow): z.infer<typeof lifecycleEventSchema> {
  return {
    id: row.id,
    lead_id: row.lead_id,
    from_stage: row.from_stage,
    to_stage: row.to_stage,
    occurred_at: row.occurred_at.toISOString(),
    actor_id: row.actor_id,
    origin: row.origin,
    reason: row.reason,
  };
}

const idParams = z.object({ id: z.coerce.number().int().positive() });

export function registerLeadRoutes(api: App): void {
  api.get(
    '/leads',
    {
      schema: {
        tags: ['leads'],
        summary: 'List leads with filters, sort and cursor pagination',
        querystring: listLeadsQuery,
        response: { 200: leadPageSchema },
      },
    },
    async (request) => {
      const page = await leadsService.findLeads(api.db, request.actor, request.query);
      const deadlines = await findPendingDeadlines(api.db, request.actor, page.items);
      return {
        items: page.items.map((lead) => ({ ...toApiLead(lead), sla: toApiDeadline(deadlines.get(lead.id)) })),
        next_cursor: page.next_cursor,
      };
    },
  );

  api.post(
    '/leads',
    {
      schema: {
        tags: ['leads'],
        summary: 'Create a lead',
        body: createLeadBody,
        response: { 201: leadSchema },
      },
    },
    async (request, reply) => {
      const lead = await leadsService.createLead(api.db, request.actor, request.body);
      return reply.status(201).send(toApiLead(lead));
    },
  );

  api.post(
    '/leads/batch',
    {
      schema: {
        tags: ['leads'],
        summary:
          'Create or update up to 10,000 leads in one transaction (idempotent by external_id or email)',
        body: batchLeadsBody,
        response: { 200: batchResultSchema },
      },
    },
    async (request, reply) =>
      withIdempotency(request, reply, 200, () =>
        leadsService.ingestLeads(api.db, request.actor, request.body.items),
      ),
  );

  api.get(
    '/leads/:id',
    { schema: { tags: ['leads'], summary: 'One lead', params: idParams, response: { 200: leadSchema } } },
    async (request) => {
      const lead = await leadsService.getLead(api.db, request.actor, request.params.id);
      const deadlines = await findPendingDeadlines(api.db, request.actor, [lead]);
      return { ...toApiLead(lead), sla: toApiDeadline(deadlines.get(lead.id)) };
    },
  );

  api.patch(
    '/leads/:id',
    {
      schema: {
        tags: ['leads'],
        summary: 'Change a lead (stage changes go through /transitions)',
        params: idParams,
        body: updateLeadBody,
        response: { 200: leadSchema },
      },
    },
    async (request) =>
      toApiLead(await leadsService.updateLead(api.db, request.actor, request.params.id, request.body)),
  );

  api.delete(
    '/leads/:id',
    {
      schema: {
        tags: ['leads'],
        summary: 'Delete a lead and its history',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await leadsService.deleteLead(api.db, request.actor, request.params.id);
      return reply.status(204).send(null);
    },
  );

  api.post(
    '/leads/:id/transitions',
    {
      schema: {
        tags: ['leads'],
        summary: 'Move a lead to another lifecycle stage (409 when the state machine forbids it)',
        params: idParams,
        body: transitionBody,
        response: { 200: transitionResponse },
      },
    },
    async (request) => {
      const result = await leadsService.transitionLead(
        api.db,
        request.actor,
        request.params.id,
        request.body,
      );
      return { lead: toApiLead(result.lead), event: toApiLifecycleEvent(result.event) };
    },
  );

  api.get(
    '/leads/:id/timeline',
    {
      schema: {
        tags: ['leads'],
        summary: 'Touchpoints, activities and stage changes in time order',
        params: idParams,
        response: { 200: timelineResponse },
      },
    },
    async (request) => {
      const items = await leadsService.getTimeline(api.db, request.actor, request.params.id);
      return {
        lead_id: request.params.id,
        items: items.map((item) => ({ ...item, occurred_at: item.occurred_at.toISOString() })),
      };
    },
  );
}
