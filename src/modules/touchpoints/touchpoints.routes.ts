import { z } from 'zod';
import { withIdempotency } from '../../server/idempotency.ts';
import type { App } from '../../server/types.ts';
import type { TouchpointRow } from './touchpoints.repository.ts';
import {
  type ApiTouchpoint,
  batchTouchpointsBody,
  batchTouchpointsResult,
  listTouchpointsQuery,
  touchpointItem,
  touchpointPageSchema,
  touchpointSchema,
} from './touchpoints.schemas.ts';
import * as touchpointsService from './touchpoints.service.ts';

export function toApiTouchpoint(row: TouchpointRow): ApiTouchpoint {
  return {
    id: row.id,
    external_id: row.external_id,
    lead_id: row.lead_id,
    type: row.type,
    occurred_at: row.occurred_at.toISOString(),
    channel: row.channel,
    campaign_id: row.campaign_id,
    utm_source: row.utm_source,
    utm_medium: row.utm_medium,
    utm_campaign: row.utm_campaign,
    utm_term: row.utm_term,
    utm_content: row.utm_content,
    content_id: row.content_id,
    metadata: row.metadata,
    created_at: row.created_at.toISOString(),
  };
}

const idParams = z.object({ id: z.coerce.number().int().positive() });

export function registerTouchpointRoutes(api: App): void {
  api.get(
    '/touchpoints',
    {
      schema: {
        tags: ['touchpoints'],
        summary: 'List touchpoints with filters, sort and cursor pagination',
        querystring: listTouchpointsQuery,
        response: { 200: touchpointPageSchema },
      },
    },
    async (request) => {
      const page = await touchpointsService.findTouchpoints(api.db, request.actor, request.query);
      return { items: page.items.map(toApiTouchpoint), next_cursor: page.next_cursor };
    },
  );

  api.post(
    '/touchpoints',
    {
      schema: {
        tags: ['touchpoints'],
        summary: "Record one touchpoint (409 when its external_id is taken); updates the lead's UTM fields",
        body: touchpointItem,
        response: { 201: touchpointSchema },
      },
    },
    async (request, reply) => {
      const touchpoint = await touchpointsService.createTouchpoint(api.db, request.actor, request.body);
      return reply.status(201).send(toApiTouchpoint(touchpoint));
    },
  );

  api.post(
    '/touchpoints/batch',
    {
      schema: {
        tags: ['touchpoints'],
        summary:
          'Record up to 10,000 touchpoints in one transaction (admin or marketing; idempotent by external_id and Idempotency-Key)',
        description:
          'Each item names its lead by lead_id, lead_external_id or email, and optionally a campaign by ' +
          'campaign_id or campaign_external_id. An unknown reference fails the whole batch with 400 naming ' +
          'the item field (items.N.lead_external_id) and nothing is written. Items whose external_id was ' +
          'recorded before are counted as existing and not recorded again.',
        body: batchTouchpointsBody,
        response: { 200: batchTouchpointsResult },
      },
    },
    async (request, reply) =>
      withIdempotency(request, reply, 200, () =>
        touchpointsService.ingestTouchpoints(api.db, request.actor, request.body.items),
      ),
  );

  api.get(
    '/touchpoints/:id',
    {
      schema: {
        tags: ['touchpoints'],
        summary: 'One touchpoint',
        params: idParams,
        response: { 200: touchpointSchema },
      },
    },
    async (request) =>
      toApiTouchpoint(await touchpointsService.getTouchpoint(api.db, request.actor, request.params.id)),
  );

  api.delete(
    '/touchpoints/:id',
    {
      schema: {
        tags: ['touchpoints'],
        summary: "Delete a touchpoint (admin or marketing); the lead's UTM fields stay as they are",
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await touchpointsService.deleteTouchpoint(api.db, request.actor, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
