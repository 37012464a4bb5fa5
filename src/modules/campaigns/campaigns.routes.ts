import { z } from 'zod';
import type { App } from '../../server/types.ts';
import type { CampaignRow } from './campaigns.repository.ts';
import {
  type ApiCampaign,
  campaignPageSchema,
  campaignSchema,
  createCampaignBody,
  listCampaignsQuery,
  updateCampaignBody,
} from './campaigns.schemas.ts';
import * as campaignsService from './campaigns.service.ts';

export function toApiCampaign(row: CampaignRow): ApiCampaign {
  return {
    id: row.id,
    external_id: row.external_id,
    name: row.name,
    channel: row.channel,
    type: row.type,
    status: row.status,
    cost: row.cost,
    budget: row.budget,
    start_date: row.start_date,
    end_date: row.end_date,
    owner_id: row.owner_id,
    parent_id: row.parent_id,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

const idParams = z.object({ id: z.coerce.number().int().positive() });

export function registerCampaignRoutes(api: App): void {
  api.get(
    '/campaigns',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'List campaigns with filters, sort and cursor pagination',
        querystring: listCampaignsQuery,
        response: { 200: campaignPageSchema },
      },
    },
    async (request) => {
      const page = await campaignsService.findCampaigns(api.db, request.actor, request.query);
      return { items: page.items.map(toApiCampaign), next_cursor: page.next_cursor };
    },
  );

  api.post(
    '/campaigns',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'Create a campaign (admin or marketing)',
        body: createCampaignBody,
        response: { 201: campaignSchema },
      },
    },
    async (request, reply) => {
      const campaign = await campaignsService.createCampaign(api.db, request.actor, request.body);
      return reply.status(201).send(toApiCampaign(campaign));
    },
  );

  api.get(
    '/campaigns/:id',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'One campaign',
        params: idParams,
        response: { 200: campaignSchema },
      },
    },
    async (request) =>
      toApiCampaign(await campaignsService.getCampaign(api.db, request.actor, request.params.id)),
  );

  api.patch(
    '/campaigns/:id',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'Change a campaign (admin or marketing)',
        params: idParams,
        body: updateCampaignBody,
        response: { 200: campaignSchema },
      },
    },
    async (request) =>
      toApiCampaign(
        await campaignsService.updateCampaign(api.db, request.actor, request.params.id, request.body),
      ),
  );

  api.delete(
    '/campaigns/:id',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'Delete a campaign (admin or marketing); its touchpoints stay without the link',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await campaignsService.deleteCampaign(api.db, request.actor, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
