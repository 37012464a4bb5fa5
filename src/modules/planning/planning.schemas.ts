import { z } from 'zod';
import { cursorSchema, limitSchema, pageSchema } from '../../shared/pagination.ts';
import { PLAN_STAGES, RATE_NAMES, STAGE_WAIT_NAMES } from './planning.ts';

const idRef = z.number().int().positive().nullable().optional();
const share = z.number().min(0).max(1);

// ---------------------------------------------------------------- goals

export const createGoalBody = z.object({
  period: z.string().describe('A year (2026), quarter (2026-Q3) or month (2026-07)'),
  revenue: z.number().positive().describe('Revenue to win in the period'),
  marketing_share: share
    .optional()
    .describe('Target share of the revenue sourced by marketing, 0..1 (default 0.45)'),
  segment: z.string().trim().min(1).max(200).nullable().optional().describe('Goal for one segment only'),
  product_id: idRef.describe('Goal for one product only'),
  owner_id: idRef.describe('Who owns the goal'),
  marketing_owner_id: idRef.describe('Who owns the marketing-sourced part'),
  sales_owner_id: idRef.describe('Who owns the sales-sourced part'),
  notes: z.string().trim().max(5000).nullable().optional(),
});
export type CreateGoalInput = z.infer<typeof createGoalBody>;

export const updateGoalBody = createGoalBody.partial().strict();
export type UpdateGoalInput = z.infer<typeof updateGoalBody>;

export const goalSchema = z.object({
  id: z.number().int(),
  period: z.string(),
  period_start: z.string(),
  period_end: z.string().describe('Exclusive'),
  revenue: z.number(),
  marketing_share: z.number(),
  marketing_sourced_revenue: z.number().describe('revenue x marketing_share'),
  sales_sourced_revenue: z.number().describe('revenue - marketing_sourced_revenue'),
  segment: z.string().nullable(),
  product_id: z.number().int().nullable(),
  owner_id: z.number().int().nullable(),
  marketing_owner_id: z.number().int().nullable(),
  sales_owner_id: z.number().int().nullable(),
  notes: z.string().nullable(),
  created_by: z.number().int().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ApiGoal = z.infer<typeof goalSchema>;

export const listGoalsQuery = z.object({
  period: z.string().optional().describe('Only goals of this period'),
  year: z.coerce
    .number()
    .int()
    .min(1900)
    .max(9999)
    .optional()
    .describe('Goals whose period starts in this year'),
  segment: z.string().optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type ListGoalsQuery = z.infer<typeof listGoalsQuery>;

export const goalPageSchema = pageSchema(goalSchema);

// ---------------------------------------------------------------- plans

const rate = z.number().gt(0).max(1);

export const givenRatesSchema = z
  .object(
    Object.fromEntries(RATE_NAMES.map((name) => [name, rate.optional()])) as Record<
      (typeof RATE_NAMES)[number],
      z.ZodOptional<typeof rate>
    >,
  )
  .strict();

export const stageDaysSchema = z
  .object(
    Object.fromEntries(
      STAGE_WAIT_NAMES.map((name) => [name, z.number().min(0).max(3650).optional()]),
    ) as Record<(typeof STAGE_WAIT_NAMES)[number], z.ZodOptional<z.ZodNumber>>,
  )
  .strict();

export const programMixSchema = z
  .array(
    z.object({
      channel: z.string().trim().min(1).max(200),
      share: share.describe('Share of the marketing-sourced leads, 0..1; the shares add up to 1'),
      cost_per_lead: z.number().min(0).optional().describe("Default: the channel's historical cost per lead"),
    }),
  )
  .min(1)
  .max(100);

/** What may be given instead of history: the body of POST /plans and the --rates FILE of `tandem plan`. */
export const planAssumptionFields = {
  rates: givenRatesSchema.optional().describe('Conversion rates to use instead of history (any subset)'),
  average_deal_size: z.number().positive().optional().describe('Instead of the mean won deal of the window'),
  stage_days: stageDaysSchema
    .optional()
    .describe('Days spent in each stage, instead of the historical medians (opportunity: created -> won)'),
  program_mix: programMixSchema
    .optional()
    .describe('Channels of the marketing-sourced leads; default: the mix of the window'),
  marketing_share: share
    .optional()
    .describe('Share of each volume sourced by marketing (default: the goal, else 0.45)'),
};

export const ratesFileSchema = z.object(planAssumptionFields).strict();
export type RatesFile = z.infer<typeof ratesFileSchema>;

export const createPlanBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    goal_id: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Plan for this goal (its revenue, period and share)'),
    revenue: z.number().positive().optional().describe('Revenue goal (required without goal_id)'),
    period: z.string().optional().describe('2026, 2026-Q3 or 2026-07 (required without goal_id)'),
    history_from: z.iso
      .date()
      .optional()
      .describe('History window start (default: 12 months before history_to)'),
    history_to: z.iso
      .date()
      .optional()
      .describe(
        'History window end, exclusive (default: the period start, or the first day of the current month if earlier)',
      ),
    ...planAssumptionFields,
    save: z.boolean().default(false).describe('Save the plan (for plan vs actual)'),
  })
  .strict()
  .refine((body) => body.revenue !== undefined || body.goal_id !== undefined, {
    message: 'give revenue or goal_id',
    path: ['revenue'],
  })
  .refine((body) => body.period !== undefined || body.goal_id !== undefined, {
    message: 'give period or goal_id',
    path: ['period'],
  });
export type CreatePlanInput = z.infer<typeof createPlanBody>;

const planStage = z.enum(PLAN_STAGES);
const rateName = z.enum(RATE_NAMES);
const counts = z.object(
  Object.fromEntries(PLAN_STAGES.map((stage) => [stage, z.number().int()])) as Record<
    (typeof PLAN_STAGES)[number],
    z.ZodNumber
  >,
);

export const planResultSchema = z.object({
  id: z.number().int().nullable().describe('Set when the plan was saved'),
  name: z.string().nullable(),
  goal_id: z.number().int().nullable(),
  period: z.string(),
  period_start: z.string(),
  period_end: z.string(),
  revenue: z.number(),
  average_deal_size: z.number(),
  win_rate: z.number(),
  steps: z
    .array(
      z.object({
        stage: planStage,
        count: z.number().int(),
        rate: z
          .number()
          .nullable()
          .describe('Conversion from this stage to the next towards the deal; null for deals'),
        rate_name: rateName.nullable(),
      }),
    )
    .describe(
      'From deals back to leads; count = ceil(previous count / rate), deals = ceil(revenue / average_deal_size)',
    ),
  rates: z.array(
    z.object({
      name: rateName,
      value: z.number(),
      source: z.enum(['history', 'given', 'assumed']),
      numerator: z.number().int().nullable(),
      denominator: z.number().int().nullable(),
    }),
  ),
  marketing_share: z.number(),
  split: z.object({
    marketing: z.object({ revenue: z.number(), volumes: counts }),
    sales: z.object({ revenue: z.number(), volumes: counts }),
  }),
  channels: z.array(
    z.object({
      channel: z.string(),
      share: z.number(),
      leads: z.number().int(),
      cost_per_lead: z.number(),
      budget: z.number(),
      source: z.enum(['history', 'given']),
    }),
  ),
  marketing_budget: z.number(),
  phasing: z.object({
    rule: z.string(),
    stage_days: z.object(
      Object.fromEntries(STAGE_WAIT_NAMES.map((name) => [name, z.number()])) as Record<
        (typeof STAGE_WAIT_NAMES)[number],
        z.ZodNumber
      >,
    ),
    lag_days: z.object(
      Object.fromEntries(PLAN_STAGES.map((stage) => [stage, z.number()])) as Record<
        (typeof PLAN_STAGES)[number],
        z.ZodNumber
      >,
    ),
    months: z.array(counts.extend({ month: z.string() })),
  }),
  assumptions: z.array(z.object({ field: z.string(), value: z.number().nullable(), reason: z.string() })),
  sources: z.object({
    history_from: z.string(),
    history_to: z.string().describe('Exclusive'),
    leads_reached: z.number().int().describe('Leads that reached the lead stage in the window'),
    opportunities_closed: z.number().int(),
    won_deals: z.number().int(),
    campaigns: z.number().int(),
  }),
  created_at: z.string().nullable(),
});
export type PlanResult = z.infer<typeof planResultSchema>;

export const listPlansQuery = z.object({
  period: z.string().optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});

export const planSummarySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  goal_id: z.number().int().nullable(),
  period: z.string(),
  revenue: z.number(),
  marketing_share: z.number(),
  deals: z.number().int(),
  leads: z.number().int(),
  marketing_budget: z.number(),
  created_by: z.number().int().nullable(),
  created_at: z.string(),
});
export const planPageSchema = pageSchema(planSummarySchema);

export const actualsQuery = z.object({
  as_of: z.iso.datetime({ offset: true }).optional().describe('Measure up to this moment (default now)'),
});

const weekSchema = z.object({
  week_start: z.string(),
  actual: z.number().int().nullable(),
  actual_to_date: z.number().int().nullable(),
  planned: z.number(),
  planned_to_date: z.number(),
  pacing: z.number().nullable(),
  forecast: z.number().nullable(),
});

export const planActualsSchema = z.object({
  plan_id: z.number().int(),
  period: z.string(),
  window_start: z.string().describe('Start of the first month the plan has volume in'),
  window_end: z.string(),
  as_of: z.string(),
  forecast_method: z.string(),
  revenue: z.object({
    goal: z.number(),
    won_to_date: z.number(),
    won_deals_to_date: z.number().int(),
    progress: z.number(),
  }),
  stages: z.array(
    z.object({
      stage: planStage,
      planned_total: z.number().int(),
      planned_to_date: z.number(),
      actual_to_date: z.number().int(),
      pacing: z.number().nullable(),
      forecast: z.number(),
      weeks: z.array(weekSchema),
    }),
  ),
});
export type PlanActuals = z.infer<typeof planActualsSchema>;
