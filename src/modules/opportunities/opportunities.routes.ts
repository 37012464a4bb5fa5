import { z } from 'zod';
import type { App } from '../../server/types.ts';
import { isoOrNull } from '../../shared/time.ts';
import type { OpportunityContactRow, OpportunityRow } from './opportunities.repository.ts';
import {
  type ApiContact,
  type ApiOpportunity,
  addContactBody,
  contactListSchema,
  contactSchema,
  createOpportunityBody,
  listOpportunitiesQuery,
  opportunityPageSchema,
  opportunitySchema,
  updateOpportunityBody,
} from './opportunities.schemas.ts';
import * as opportunitiesService from './opportunities.service.ts';

export function toApiOpportunity(row: OpportunityRow): ApiOpportunity {
  return {
    id: row.id,
    external_id: row.external_id,
    name: row.name,
    account_id: row.account_id,
    primary_lead_id: row.primary_lead_id,
    owner_id: row.owner_id,
    qualifier_id: row.qualifier_id,
    product_id: row.product_id,
    amount: row.amount,
    currency: row.currency,
    stage: row.stage,
    status: row.status,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    close_date: row.close_date,
    closed_at: isoOrNull(row.closed_at),
    reason: row.reason,
    competitor: row.competitor,
    source: row.source,
    segment: row.segment,
    custom_fields: row.custom_fields,
  };
}

export function toApiContact(row: OpportunityContactRow): ApiContact {
  return {
    opportunity_id: row.opportunity_id,
    lead_id: row.lead_id,
    role: row.role,
    email: row.email,
    first_name: row.first_name,
    last_name: row.last_name,
    stage: row.stage,
  };
}

const idParams = z.object({ id: z.coerce.number().int().positive() });
const contactParams = z.object({
  id: z.coerce.number().int().positive(),
  leadId: z.coerce.number().int().positive(),
});

export function registerOpportunityRoutes(api: App): void {
  api.get(
    '/opportunities',
    {
      schema: {
        tags: ['opportunities'],
        summary: 'List opportunities with filters, sort and cursor pagination',
        querystring: listOpportunitiesQuery,
        response: { 200: opportunityPageSchema },
      },
    },
    async (request) => {
      const page = await opportunitiesService.findOpportunities(api.db, request.actor, request.query);
      return { items: page.items.map(toApiOpportunity), next_cursor: page.next_cursor };
    },
  );

  api.post(
    '/opportunities',
    {
      schema: {
        tags: ['opportunities'],
        summary: 'Create an opportunity; its primary lead moves forward to opportunity (and customer if won)',
        body: createOpportunityBody,
        response: { 201: opportunitySchema },
      },
    },
    async (request, reply) => {
      const opportunity = await opportunitiesService.createOpportunity(api.db, request.actor, request.body);
      return reply.status(201).send(toApiOpportunity(opportunity));
    },
  );

  api.get(
    '/opportunities/:id',
    {
      schema: {
        tags: ['opportunities'],
        summary: 'One opportunity',
        params: idParams,
        response: { 200: opportunitySchema },
      },
    },
    async (request) =>
      toApiOpportunity(await opportunitiesService.getOpportunity(api.db, request.actor, request.params.id)),
  );

  api.patch(
    '/opportunities/:id',
    {
      schema: {
        tags: ['opportunities'],
        summary:
          'Change an opportunity: close it (won/lost), reopen it, move its stage (reps: their own deals)',
        params: idParams,
        body: updateOpportunityBody,
        response: { 200: opportunitySchema },
      },
    },
    async (request) =>
      toApiOpportunity(
        await opportunitiesService.updateOpportunity(api.db, request.actor, request.params.id, request.body),
      ),
  );

  api.delete(
    '/opportunities/:id',
    {
      schema: {
        tags: ['opportunities'],
        summary: 'Delete an opportunity (admin or marketing); its leads keep their stages',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await opportunitiesService.deleteOpportunity(api.db, request.actor, request.params.id);
      return reply.status(204).send(null);
    },
  );

  api.get(
    '/opportunities/:id/contacts',
    {
      schema: {
        tags: ['opportunities'],
        summary: 'The leads on a deal and their roles',
        params: idParams,
        response: { 200: contactListSchema },
      },
    },
    async (request) => {
      const contacts = await opportunitiesService.findOpportunityContacts(
        api.db,
        request.actor,
        request.params.id,
      );
      return { items: contacts.map(toApiContact) };
    },
  );

  api.post(
    '/opportunities/:id/contacts',
    {
      schema: {
        tags: ['opportunities'],
        summary: 'Add a lead to a deal with a role (409 when already on it)',
        params: idParams,
        body: addContactBody,
        response: { 201: contactSchema },
      },
    },
    async (request, reply) => {
      const contact = await opportunitiesService.addOpportunityContact(
        api.db,
        request.actor,
        request.params.id,
        request.body,
      );
      return reply.status(201).send(toApiContact(contact));
    },
  );

  api.delete(
    '/opportunities/:id/contacts/:leadId',
    {
      schema: {
        tags: ['opportunities'],
        summary: 'Take a lead off a deal',
        params: contactParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await opportunitiesService.removeOpportunityContact(
        api.db,
        request.actor,
        request.params.id,
        request.params.leadId,
      );
      return reply.status(204).send(null);
    },
  );
}
