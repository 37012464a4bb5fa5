import type { App } from '../../server/types.ts';
import { toApiLead } from '../leads/leads.routes.ts';
import { funnelQuery, funnelRecordsPage, funnelRecordsQuery, funnelResponse } from './funnel.schemas.ts';
import * as funnelService from './funnel.service.ts';

export function registerFunnelRoutes(api: App): void {
  api.get(
    '/reports/funnel',
    {
      schema: {
        tags: ['reports'],
        summary:
          'Funnel: counts, conversion, velocity (median and p75 days per stage) and leakage, by cohort or period, optionally by a dimension; every figure carries its drill-down query',
        querystring: funnelQuery,
        response: { 200: funnelResponse },
      },
    },
    async (request) => funnelService.getFunnel(api.db, request.actor, request.query),
  );

  api.get(
    '/reports/funnel/records',
    {
      schema: {
        tags: ['reports'],
        summary: 'The leads behind one funnel figure (the drilldown of the funnel report), paged by id',
        querystring: funnelRecordsQuery,
        response: { 200: funnelRecordsPage },
      },
    },
    async (request) => {
      const page = await funnelService.findFunnelLeads(api.db, request.actor, request.query);
      return { items: page.items.map(toApiLead), next_cursor: page.next_cursor };
    },
  );
}
