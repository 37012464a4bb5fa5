import { z } from 'zod';
import type { App } from '../../server/types.ts';
import { resolveReportPeriod } from '../attribution/report-period.ts';
import {
  campaignReportQuery,
  campaignReportResponse,
  campaignResultsQuery,
  campaignResultsResponse,
} from './campaign-reports.schemas.ts';
import * as campaignReportsService from './campaign-reports.service.ts';

const idParams = z.object({ id: z.coerce.number().int().positive() });

export function registerCampaignReportRoutes(api: App): void {
  api.get(
    '/reports/campaigns',
    {
      schema: {
        tags: ['reports'],
        summary:
          'Campaign results per campaign or channel: cost, sourced and influenced volumes, cost per lead / MQL / opportunity / won deal and ROI, every campaign included; plus the marketing-sourced share',
        querystring: campaignReportQuery,
        response: { 200: campaignReportResponse },
      },
    },
    async (request) => {
      const { by, sort, channel, status } = request.query;
      return campaignReportsService.getCampaignReport(api.db, request.actor, {
        by,
        sort,
        channel,
        status,
        ...resolveReportPeriod(request.query),
      });
    },
  );

  api.get(
    '/reports/campaigns/:id',
    {
      schema: {
        tags: ['reports'],
        summary:
          "One campaign's results page: its figures, month by month, under every attribution model, with the ids of the leads and deals behind them",
        params: idParams,
        querystring: campaignResultsQuery,
        response: { 200: campaignResultsResponse },
      },
    },
    async (request) =>
      campaignReportsService.getCampaignResults(
        api.db,
        request.actor,
        request.params.id,
        resolveReportPeriod(request.query),
      ),
  );
}
