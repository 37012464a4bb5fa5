import { z } from 'zod';
import { ATTRIBUTION_METRICS } from './attribution.service.ts';
import { ATTRIBUTION_MODELS, DEFAULT_HALF_LIFE_DAYS } from './attribution.ts';
import { reportPeriodFields } from './report-period.ts';

const commonQuery = {
  by: z
    .enum(['channel', 'campaign'])
    .default('channel')
    .describe('Credit channels or campaigns (default channel)'),
  ...reportPeriodFields,
  metric: z
    .enum(ATTRIBUTION_METRICS)
    .default('revenue')
    .describe('The figure rows are sorted by, largest first (default revenue)'),
  half_life_days: z.coerce
    .number()
    .positive()
    .max(3650)
    .default(DEFAULT_HALF_LIFE_DAYS)
    .describe(`time_decay: days after which a touch counts half as much (default ${DEFAULT_HALF_LIFE_DAYS})`),
};

export const attributionQuery = z.object({
  model: z.enum(ATTRIBUTION_MODELS).describe(`One of ${ATTRIBUTION_MODELS.join(', ')}`),
  ...commonQuery,
});
export type AttributionQueryInput = z.infer<typeof attributionQuery>;

export const compareQuery = z.object(commonQuery);
export type CompareQueryInput = z.infer<typeof compareQuery>;

const figures = {
  conversions: z.number().describe('Won deals credited'),
  revenue: z.number().describe('Won revenue credited'),
  opportunities: z.number().describe('Opportunities created credited'),
  pipeline: z.number().describe('Pipeline amount (of the opportunities created) credited'),
};
const figuresSchema = z.object(figures);

const rowLabel = {
  key: z
    .string()
    .describe("Channel name or campaign id; '(none)': touches without a channel / outside any campaign"),
  label: z.string(),
  campaign_id: z.number().int().nullable(),
  channel: z.string().nullable(),
};

const totalsSchema = z.object({
  ...figures,
  unattributed_conversions: z
    .number()
    .describe('Won deals with no touch before the win (credited to nobody)'),
  unattributed_revenue: z.number(),
  unattributed_opportunities: z.number().describe('Opportunities with no touch before their creation'),
  unattributed_pipeline: z.number(),
});

const markovSummary = z.object({
  conversion_probability: z.number().describe('Probability that a journey of the chain ends in a conversion'),
  journeys: z.number().int().describe('Journeys in the chain, converting or not'),
});

export const attributionResponse = z.object({
  model: z.enum(ATTRIBUTION_MODELS),
  by: z.enum(['channel', 'campaign']),
  from: z.string().nullable(),
  to: z.string().nullable(),
  half_life_days: z.number().nullable(),
  metric: z.enum(ATTRIBUTION_METRICS),
  totals: totalsSchema,
  rows: z.array(
    z.object({
      ...rowLabel,
      ...figures,
      removal_effect_won: z.number().nullable().describe('markov: removal effect in the won-deal chain'),
      removal_effect_pipeline: z.number().nullable().describe('markov: removal effect in the pipeline chain'),
    }),
  ),
  markov: z.object({ won: markovSummary, pipeline: markovSummary }).nullable(),
});

export const compareResponse = z.object({
  by: z.enum(['channel', 'campaign']),
  from: z.string().nullable(),
  to: z.string().nullable(),
  half_life_days: z.number(),
  metric: z.enum(ATTRIBUTION_METRICS),
  models: z.array(z.enum(ATTRIBUTION_MODELS)),
  totals: totalsSchema,
  rows: z.array(
    z.object({
      ...rowLabel,
      models: z.record(z.enum(ATTRIBUTION_MODELS), figuresSchema).describe('The figures of every model'),
    }),
  ),
});
