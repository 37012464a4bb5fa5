import type { App } from '../../server/types.ts';
import { speedToLeadQuery, speedToLeadReport } from './speed-to-lead.schemas.ts';
import { getSpeedToLead } from './speed-to-lead.service.ts';

export function registerSpeedToLeadRoutes(api: App): void {
  api.get(
    '/reports/speed-to-lead',
    {
      schema: {
        tags: ['reports'],
        summary:
          'How fast sales answers handed-off leads: median and p90 response, shares within 1 h / 24 h / later / never, breaches; by owner, team or source',
        querystring: speedToLeadQuery,
        response: { 200: speedToLeadReport },
      },
    },
    async (request) =>
      getSpeedToLead(api.db, request.actor, {
        from: request.query.from,
        to: request.query.to,
        by: request.query.by,
        calendarId: request.query.calendar_id,
      }),
  );
}
