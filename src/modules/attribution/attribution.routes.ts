import type { App } from '../../server/types.ts';
import {
  attributionQuery,
  attributionResponse,
  compareQuery,
  compareResponse,
} from './attribution.schemas.ts';
import * as attributionService from './attribution.service.ts';
import { resolveReportPeriod } from './report-period.ts';

export function registerAttributionRoutes(api: App): void {
  api.get(
    '/reports/attribution',
    {
      schema: {
        tags: ['reports'],
        summary:
          'Attribution under one model: won deals and revenue (touches before the win) and opportunities and pipeline (touches before the creation) credited per channel or campaign',
        querystring: attributionQuery,
        response: { 200: attributionResponse },
      },
    },
    async (request) => {
      const { model, by, metric, half_life_days } = request.query;
      return attributionService.getAttribution(api.db, request.actor, model, {
        by,
        metric,
        halfLifeDays: half_life_days,
        ...resolveReportPeriod(request.query),
      });
    },
  );

  api.get(
    '/reports/attribution/compare',
    {
      schema: {
        tags: ['reports'],
        summary: 'Every attribution model side by side, per channel or campaign',
        querystring: compareQuery,
        response: { 200: compareResponse },
      },
    },
    async (request) => {
      const { by, metric, half_life_days } = request.query;
      return attributionService.compareAttribution(api.db, request.actor, {
        by,
        metric,
        halfLifeDays: half_life_days,
        ...resolveReportPeriod(request.query),
      });
    },
  );
}
