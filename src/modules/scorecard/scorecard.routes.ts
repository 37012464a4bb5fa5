import type { App } from '../../server/types.ts';
import { scorecardQuery, scorecardResponse } from './scorecard.schemas.ts';
import * as scorecardService from './scorecard.service.ts';

export function registerScorecardRoutes(api: App): void {
  api.get(
    '/reports/scorecard',
    {
      schema: {
        tags: ['reports'],
        summary:
          'Joint KPI scorecard of a period: goal progress, funnel volumes vs plan, MQL->SAL acceptance, speed to lead, SLA compliance, marketing-sourced share, cost per won deal, ROI, win rate and cycle time, each with its trend against the previous period',
        querystring: scorecardQuery,
        response: { 200: scorecardResponse },
      },
    },
    async (request) => scorecardService.getScorecard(api.db, request.actor, request.query),
  );
}
