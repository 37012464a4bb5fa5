import { z } from 'zod';
import { RULE_MODELS } from '../attribution/attribution.ts';
import { reportPeriodFields } from '../attribution/report-period.ts';
import { CAMPAIGN_SORT_FIELDS } from './campaign-reports.service.ts';

export const campaignReportQuery = z.object({
  by: z
    .enum(['campaign', 'channel'])
    .default('campaign')
    .describe('One row per campaign (default) or per channel'),
  ...reportPeriodFields,
  sort: z
    .string()
    .default('-won_revenue')
    .describe(`One of ${CAMPAIGN_SORT_FIELDS.join(', ')}; prefix - for descending (default -won_revenue)`),
  channel: z.string().min(1).optional().describe('Only this channel'),
  status: z
    .enum(['planned', 'active', 'completed', 'cancelled'])
    .optional()
    .describe('Only campaigns in this status'),
});
export type CampaignReportQueryInput = z.infer<typeof campaignReportQuery>;

export const campaignResultsQuery = z.object(reportPeriodFields);

const nullableNumber = z.number().nullable();

const figures = {
  cost: z.number().describe('Cost falling in the period (spread evenly over the campaign days)'),
  leads: z.number().int().describe('Sourced: leads created in the period whose first touch was here'),
  mqls: z.number().int().describe('Sourced leads that reached MQL in the period'),
  sqls: z.number().int().describe('Sourced leads that reached SQL in the period'),
  opportunities: z.number().int().describe('Sourced opportunities created in the period'),
  pipeline: z.number().describe('Their amount'),
  won_deals: z.number().int().describe('Sourced deals won in the period'),
  won_revenue: z.number().describe('Their amount'),
  cost_per_lead: nullableNumber,
  cost_per_mql: nullableNumber,
  cost_per_opportunity: nullableNumber,
  cost_per_won_deal: nullableNumber,
  roi: nullableNumber.describe('(won revenue - cost) / cost; null without cost'),
  influenced_opportunities: z
    .number()
    .int()
    .describe('Opportunities created in the period with a touch here before their creation'),
  influenced_pipeline: z.number(),
  influenced_won_deals: z
    .number()
    .int()
    .describe('Deals won in the period with a touch here before their creation'),
  influenced_won_revenue: z.number(),
};
const figuresSchema = z.object(figures);

const marketingSplit = z.object({
  opportunities: z.number().int(),
  marketing_opportunities: z.number().int(),
  pipeline: z.number(),
  marketing_pipeline: z.number(),
  pipeline_share: nullableNumber,
  won_deals: z.number().int(),
  marketing_won_deals: z.number().int(),
  bookings: z.number(),
  marketing_bookings: z.number(),
  bookings_share: nullableNumber,
});

export const campaignReportResponse = z.object({
  by: z.enum(['campaign', 'channel']),
  from: z.string().nullable(),
  to: z.string().nullable(),
  sort: z.string(),
  rows: z.array(
    z.object({
      key: z.string(),
      label: z.string(),
      campaign_id: z.number().int().nullable(),
      channel: z.string().nullable(),
      type: z.string().nullable(),
      status: z.string().nullable(),
      start_date: z.string().nullable(),
      end_date: z.string().nullable(),
      budget: nullableNumber,
      campaigns: z.number().int(),
      ...figures,
    }),
  ),
  totals: z.object({ ...figures, campaigns: z.number().int() }).describe('Every campaign together'),
  marketing_sourced: marketingSplit.describe(
    "Opportunities created and deals won in the period, and the marketing-sourced part (the deal's source, else its lead's first-touch channel, not a sales source)",
  ),
});

const {
  cost: _cost,
  cost_per_lead: _a,
  cost_per_mql: _b,
  cost_per_opportunity: _c,
  cost_per_won_deal: _d,
  roi: _e,
  ...volumes
} = figures;

export const campaignResultsResponse = z.object({
  campaign: z.object({
    id: z.number().int(),
    name: z.string(),
    campaign_id: z.number().int().nullable(),
    channel: z.string().nullable(),
    type: z.string().nullable(),
    status: z.string().nullable(),
    start_date: z.string().nullable(),
    end_date: z.string().nullable(),
    budget: nullableNumber,
    owner_id: z.number().int().nullable(),
    parent_id: z.number().int().nullable(),
  }),
  from: z.string().nullable(),
  to: z.string().nullable(),
  figures: figuresSchema,
  months: z.array(z.object({ month: z.string(), ...volumes })),
  attribution: z.record(
    z.enum(RULE_MODELS),
    z.object({
      conversions: z.number(),
      revenue: z.number(),
      opportunities: z.number(),
      pipeline: z.number(),
    }),
  ),
  drilldown: z.object({
    counts: z.record(z.string(), z.number().int()),
    sourced_leads: z.array(z.number().int()),
    sourced_opportunities: z.array(z.number().int()),
    sourced_won: z.array(z.number().int()),
    influenced_opportunities: z.array(z.number().int()),
    influenced_won: z.array(z.number().int()),
    links: z.record(z.string(), z.string()),
  }),
});
