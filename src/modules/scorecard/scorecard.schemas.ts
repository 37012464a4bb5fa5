import { z } from 'zod';
import { PLAN_STAGES } from '../planning/planning.ts';
import { KPI_KEYS } from './scorecard.ts';

export const scorecardQuery = z.object({
  period: z
    .string()
    .optional()
    .describe('A year (2026), quarter (2026-Q3) or month (2026-07); default the current quarter'),
  plan_id: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe('The plan to measure funnel volumes against (default: the latest saved plan of the period)'),
  as_of: z.iso
    .datetime({ offset: true })
    .optional()
    .describe(
      'Measure up to this moment (default now); a running period is compared with the same span of the previous one',
    ),
});
export type ScorecardQuery = z.infer<typeof scorecardQuery>;

const kpiSchema = z.object({
  key: z.enum(KPI_KEYS),
  label: z.string(),
  unit: z.enum(['currency', 'ratio', 'count', 'hours', 'days']),
  value: z.number().nullable(),
  previous: z.number().nullable(),
  change: z.number().nullable().describe('value - previous (percentage points for ratios)'),
  relative_change: z.number().nullable().describe('(value - previous) / previous'),
  target: z.number().nullable(),
  definition: z.string(),
});

export const scorecardResponse = z.object({
  period: z.string(),
  period_start: z.string(),
  period_end: z.string(),
  previous_period: z.string(),
  as_of: z.string(),
  complete: z.boolean().describe('false: the period is still running and measured to date'),
  window: z.object({ from: z.string(), to: z.string() }),
  previous_window: z.object({ from: z.string(), to: z.string() }),
  goal: z
    .object({
      id: z.number().int(),
      revenue: z.number(),
      marketing_share: z.number(),
      marketing_sourced_revenue: z.number(),
      sales_sourced_revenue: z.number(),
    })
    .nullable(),
  plan_id: z.number().int().nullable(),
  kpis: z.array(kpiSchema),
  funnel: z.array(
    z.object({
      stage: z.enum(PLAN_STAGES),
      actual: z.number().int().describe('Stage entries in the window'),
      previous: z.number().int().describe('Stage entries in the previous window'),
      change: z.number().int(),
      plan: z
        .object({
          planned_total: z.number().int(),
          planned_to_date: z.number(),
          actual_to_date: z.number().int(),
          pacing: z.number().nullable(),
          forecast: z.number(),
        })
        .nullable()
        .describe(
          "The saved plan's pacing for this stage (from its first planned month), when a plan exists",
        ),
    }),
  ),
});
export type Scorecard = z.infer<typeof scorecardResponse>;
