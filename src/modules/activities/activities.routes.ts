import { z } from 'zod';
import { withIdempotency } from '../../server/idempotency.ts';
import type { App } from '../../server/types.ts';
import type { ActivityRow } from './activities.repository.ts';
import {
  type ApiActivity,
  activityItem,
  activityPageSchema,
  activitySchema,
  batchActivitiesBody,
  batchActivitiesResult,
  listActivitiesQuery,
  updateActivityBody,
} from './activities.schemas.ts';
import * as activitiesService from './activities.service.ts';

export function toApiActivity(row: ActivityRow): ApiActivity {
  return {
    id: row.id,
    external_id: row.external_id,
    lead_id: row.lead_id,
    opportunity_id: row.opportunity_id,
    type: row.type,
    outcome: row.outcome,
    notes: row.notes,
    occurred_at: row.occurred_at.toISOString(),
    actor_id: row.actor_id,
    created_at: row.created_at.toISOString(),
  };
}

const idParams = z.object({ id: z.coerce.number().int().positive() });

export function registerActivityRoutes(api: App): void {
  api.get(
    '/activities',
    {
      schema: {
        tags: ['activities'],
        summary: 'List sales activities with filters, sort and cursor pagination',
        querystring: listActivitiesQuery,
        response: { 200: activityPageSchema },
      },
    },
    async (request) => {
      const page = await activitiesService.findActivities(api.db, request.actor, request.query);
      return { items: page.items.map(toApiActivity), next_cursor: page.next_cursor };
    },
  );

  api.post(
    '/activities',
    {
      schema: {
        tags: ['activities'],
        summary: 'Log a call, email, meeting or note on a lead or an opportunity (actor defaults to you)',
        body: activityItem,
        response: { 201: activitySchema },
      },
    },
    async (request, reply) => {
      const activity = await activitiesService.createActivity(api.db, request.actor, request.body);
      return reply.status(201).send(toApiActivity(activity));
    },
  );

  api.post(
    '/activities/batch',
    {
      schema: {
        tags: ['activities'],
        summary:
          'Log up to 10,000 activities in one transaction (idempotent by external_id and Idempotency-Key)',
        description:
          'Each item names its lead (lead_id, lead_external_id or email) and/or opportunity (opportunity_id ' +
          'or opportunity_external_id), and optionally its actor (actor_id or actor_email; default the ' +
          'caller). An unknown reference fails the whole batch with 400 naming the item field and nothing ' +
          'is written. Items whose external_id was recorded before are counted as existing.',
        body: batchActivitiesBody,
        response: { 200: batchActivitiesResult },
      },
    },
    async (request, reply) =>
      withIdempotency(request, reply, 200, () =>
        activitiesService.ingestActivities(api.db, request.actor, request.body.items),
      ),
  );

  api.get(
    '/activities/:id',
    {
      schema: {
        tags: ['activities'],
        summary: 'One activity',
        params: idParams,
        response: { 200: activitySchema },
      },
    },
    async (request) =>
      toApiActivity(await activitiesService.getActivity(api.db, request.actor, request.params.id)),
  );

  api.patch(
    '/activities/:id',
    {
      schema: {
        tags: ['activities'],
        summary: 'Change an activity (admins and marketing any; reps the ones they logged)',
        params: idParams,
        body: updateActivityBody,
        response: { 200: activitySchema },
      },
    },
    async (request) =>
      toApiActivity(
        await activitiesService.updateActivity(api.db, request.actor, request.params.id, request.body),
      ),
  );

  api.delete(
    '/activities/:id',
    {
      schema: {
        tags: ['activities'],
        summary: 'Delete an activity (admins and marketing any; reps the ones they logged)',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await activitiesService.deleteActivity(api.db, request.actor, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
