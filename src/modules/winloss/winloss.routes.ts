import { z } from 'zod';
import type { App } from '../../server/types.ts';
import { resolveReportPeriod } from '../attribution/report-period.ts';
import { dealReviewResponse, winLossQuery, winLossResponse } from './winloss.schemas.ts';
import * as winLossService from './winloss.service.ts';

const idParams = z.object({ id: z.coerce.number().int().positive() });

export function registerWinLossRoutes(api: App): void {
  api.get(
    '/reports/win-loss',
    {
      schema: {
        tags: ['reports'],
        summary:
          'Win/loss of deals closed in the period: win rate, amounts and cycle by a dimension, reasons, and what the journeys of won deals held against lost ones',
        querystring: winLossQuery,
        response: { 200: winLossResponse },
      },
    },
    async (request) =>
      winLossService.getWinLoss(api.db, request.actor, {
        by: request.query.by,
        ...resolveReportPeriod(request.query),
      }),
  );

  api.get(
    '/opportunities/:id/review',
    {
      schema: {
        tags: ['reports'],
        summary:
          'Deal review: the journey (every touch of its leads in order), activities, stage history of its leads, amount, cycle, reason and competitor, and how each model splits it',
        params: idParams,
        response: { 200: dealReviewResponse },
      },
    },
    async (request) => winLossService.getDealReview(api.db, request.actor, request.params.id),
  );
}
