import { z } from 'zod';
import { cursorSchema, limitSchema, pageSchema } from '../../shared/pagination.ts';
import { leadSchema } from '../leads/leads.schemas.ts';
import { FUNNEL_DIMENSIONS, FUNNEL_METRICS, FUNNEL_VIEWS, REPORT_STAGES, STALL_STAGES } from './funnel.ts';

const moment = z.iso.datetime({ offset: true }).or(z.iso.date());

export const funnelScopeQuery = {
  view: z
    .enum(FUNNEL_VIEWS)
    .default('cohort')
    .describe(
      'cohort: leads created in the window, followed forward to today; period: stage entries that happened in the window',
    ),
  period: z
    .string()
    .optional()
    .describe(
      'A year (2026), quarter (2026-Q3) or month (2026-07); instead of from/to. Default: the current quarter',
    ),
  from: moment.optional().describe('Window start (inclusive); with `to`, instead of period'),
  to: moment.optional().describe('Window end (exclusive)'),
  by: z.enum(FUNNEL_DIMENSIONS).optional().describe('Break the funnel down by this dimension'),
  stalled_days: z.coerce
    .number()
    .int()
    .min(0)
    .max(3650)
    .default(30)
    .describe('A lead still in its stage after this many days is stalled (default 30)'),
  follow_up_days: z.coerce
    .number()
    .int()
    .min(0)
    .max(3650)
    .default(7)
    .describe(
      'A handed-off lead (reached MQL) at least this many days ago, not accepted (no SAL) and with no sales activity since, is never followed up (default 7)',
    ),
  as_of: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('The clock for stalled and never-followed-up leads (default now)'),
};

export const funnelQuery = z.object(funnelScopeQuery);
export type FunnelQuery = z.infer<typeof funnelQuery>;

export const funnelRecordsQuery = z.object({
  ...funnelScopeQuery,
  key: z
    .string()
    .optional()
    .describe('Group key within `by`; empty for the leads without a value (the "(none)" group)'),
  stage: z.enum(REPORT_STAGES).optional().describe('Stage of a reached or stalled figure'),
  metric: z.enum(FUNNEL_METRICS).default('reached'),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type FunnelRecordsQuery = z.infer<typeof funnelRecordsQuery>;

export const funnelRecordsPage = pageSchema(leadSchema);

const figure = z.object({ count: z.number().int(), drilldown: z.string() });

const stageFigures = z.object({
  stage: z.enum(REPORT_STAGES),
  count: z
    .number()
    .int()
    .describe('Cohort: leads that reached the stage; period: stage entries in the window'),
  drilldown: z.string(),
  conversion_from_previous: z
    .number()
    .nullable()
    .describe('count / count of the previous stage (null for the first stage or an empty previous stage)'),
  conversion_to_customer: z.number().nullable().describe('customers / count'),
  median_days: z
    .number()
    .nullable()
    .describe('Median days from reaching this stage to reaching the next (leads that reached the next)'),
  p75_days: z.number().nullable().describe('75th percentile of the same'),
});

export const funnelGroupSchema = z.object({
  key: z.string().nullable(),
  label: z.string(),
  stages: z.array(stageFigures),
  leakage: z.object({
    stalled: figure.extend({
      by_stage: z.array(figure.extend({ stage: z.enum(STALL_STAGES) })),
    }),
    rejected: figure,
    recycled: figure,
    disqualified: figure,
    never_followed_up: figure,
  }),
});
export type FunnelGroup = z.infer<typeof funnelGroupSchema>;

export const funnelResponse = z.object({
  view: z.enum(FUNNEL_VIEWS),
  from: z.string(),
  to: z.string(),
  by: z.enum(FUNNEL_DIMENSIONS).nullable(),
  as_of: z.string(),
  stalled_days: z.number().int(),
  follow_up_days: z.number().int(),
  total: funnelGroupSchema,
  groups: z.array(funnelGroupSchema),
});
export type FunnelReport = z.infer<typeof funnelResponse>;
