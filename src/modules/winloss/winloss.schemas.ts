import { z } from 'zod';
import { RULE_MODELS } from '../attribution/attribution.ts';
import { reportPeriodFields } from '../attribution/report-period.ts';
import { WIN_LOSS_DIMENSIONS } from './winloss.ts';

export const winLossQuery = z.object({
  by: z
    .enum(WIN_LOSS_DIMENSIONS)
    .default('owner')
    .describe(`One of ${WIN_LOSS_DIMENSIONS.join(', ')} (default owner)`),
  ...reportPeriodFields,
});

const nullableNumber = z.number().nullable();

const figures = {
  won: z.number().int(),
  lost: z.number().int(),
  win_rate: nullableNumber.describe('won / (won + lost)'),
  won_revenue: z.number(),
  lost_amount: z.number(),
  avg_won_amount: nullableNumber,
  avg_lost_amount: nullableNumber,
  avg_won_cycle_days: nullableNumber.describe('closed_at - created_at'),
  avg_lost_cycle_days: nullableNumber,
  median_won_cycle_days: nullableNumber,
  median_lost_cycle_days: nullableNumber,
};

const presenceItem = z.object({
  key: z.string(),
  label: z.string(),
  won_with: z.number().int().describe('Won deals whose journey held it'),
  lost_with: z.number().int().describe('Lost deals whose journey held it'),
  won_share: nullableNumber,
  lost_share: nullableNumber,
  difference: nullableNumber.describe('won_share - lost_share'),
});

const mqlToWon = z.object({
  source: z.string().nullable(),
  mqls: z.number().int(),
  won: z.number().int(),
  conversion_rate: nullableNumber,
  mean_days_to_close: nullableNumber.describe('From reaching MQL to the first won deal'),
  median_days_to_close: nullableNumber,
});

export const winLossResponse = z.object({
  by: z.enum(WIN_LOSS_DIMENSIONS),
  from: z.string().nullable(),
  to: z.string().nullable(),
  overall: z.object(figures),
  groups: z.array(z.object({ key: z.string().nullable(), label: z.string(), ...figures })),
  reasons: z.array(
    z.object({
      status: z.enum(['won', 'lost']),
      reason: z.string().nullable(),
      deals: z.number().int(),
      amount: z.number(),
      share: z.number().describe('Of the won (or lost) deals'),
    }),
  ),
  presence: z
    .object({
      campaigns: z.array(presenceItem),
      touch_types: z.array(presenceItem),
      content: z.array(presenceItem),
    })
    .describe(
      'Campaigns, touch types and content (content downloads) in the journeys of won deals against lost ones',
    ),
  mql_to_won: z.object({ overall: mqlToWon, groups: z.array(mqlToWon) }).nullable(),
});

const stringOrNull = z.string().nullable();
const intOrNull = z.number().int().nullable();

export const dealReviewResponse = z.object({
  opportunity: z.object({
    id: z.number().int(),
    name: z.string(),
    status: z.enum(['open', 'won', 'lost']),
    stage: z.string(),
    amount: nullableNumber,
    currency: z.string(),
    created_at: z.string(),
    closed_at: stringOrNull,
    close_date: stringOrNull,
    reason: stringOrNull,
    competitor: stringOrNull,
    source: stringOrNull,
    segment: stringOrNull,
    owner_id: intOrNull,
    owner_name: stringOrNull,
    product_id: intOrNull,
    product_name: stringOrNull,
    account_id: intOrNull,
    account_name: stringOrNull,
    primary_lead_id: intOrNull,
    cycle_days: z.number(),
  }),
  outcome: z.object({
    status: z.enum(['open', 'won', 'lost']),
    reason: stringOrNull,
    competitor: stringOrNull,
  }),
  leads: z.array(
    z.object({
      id: z.number().int(),
      email: stringOrNull,
      first_name: stringOrNull,
      last_name: stringOrNull,
      title: stringOrNull,
      company: stringOrNull,
      stage: z.string(),
      source: stringOrNull,
      created_at: z.string(),
      role: z.string(),
      stage_history: z.array(
        z.object({
          from_stage: stringOrNull,
          to_stage: z.string(),
          occurred_at: z.string(),
          reason: stringOrNull,
        }),
      ),
    }),
  ),
  journey: z.array(
    z.object({
      id: z.number().int(),
      lead_id: z.number().int(),
      type: z.string(),
      occurred_at: z.string(),
      channel: z.string(),
      campaign_id: intOrNull,
      campaign_name: stringOrNull,
      content: stringOrNull,
      at_or_before_lead_creation: z.boolean(),
      at_or_before_creation: z.boolean(),
      at_or_before_close: z.boolean().nullable(),
    }),
  ),
  activities: z.array(
    z.object({
      id: z.number().int(),
      lead_id: intOrNull,
      opportunity_id: intOrNull,
      type: z.string(),
      outcome: stringOrNull,
      notes: stringOrNull,
      occurred_at: z.string(),
      actor_id: intOrNull,
      actor_name: stringOrNull,
    }),
  ),
  attribution: z.object({
    journey: z.enum(['won', 'pipeline']),
    touches: z.number().int(),
    models: z.array(z.object({ model: z.enum(RULE_MODELS), channels: z.record(z.string(), z.number()) })),
  }),
});
