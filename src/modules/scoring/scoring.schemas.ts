import { z } from 'zod';
import { temperatureSchema } from '../leads/leads.schemas.ts';
import { CONDITION_OPERATORS } from './scoring.ts';

const touchpointTypeSchema = z.enum([
  'form_fill',
  'email_open',
  'email_click',
  'webinar',
  'event',
  'ad_click',
  'page_view',
  'content_download',
  'chat',
]);

const scalar = z.union([z.string().max(500), z.number(), z.boolean()]);
const ruleId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (up to 64)')
  .optional()
  .describe('Stable id shown in explanations; generated when left out');

export const conditionSchema = z.object({
  field: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .describe(
      'title, employees, email_domain, custom_fields.<key>, account.<field>, account.custom_fields.<key>',
    ),
  operator: z.enum(CONDITION_OPERATORS),
  value: z
    .union([
      scalar,
      z.array(scalar).max(500),
      z.object({ min: z.number().optional(), max: z.number().optional() }).strict(),
    ])
    .optional()
    .describe('Text, number or true/false; a list for in/contains/ends_with; {min, max} for range'),
});

export const fitRuleSchema = conditionSchema.extend({
  id: ruleId,
  name: z.string().trim().min(1).max(200),
  points: z
    .number()
    .int()
    .min(-1000)
    .max(1000)
    .refine((n) => n !== 0, 'must not be 0'),
});

export const engagementRuleSchema = z
  .object({
    id: ruleId,
    name: z.string().trim().min(1).max(200),
    type: touchpointTypeSchema.optional(),
    channel: z.string().trim().min(1).max(200).optional().describe('Compared case-insensitively'),
    campaign_id: z.number().int().positive().optional(),
    points: z
      .number()
      .int()
      .min(-1000)
      .max(1000)
      .refine((n) => n !== 0, 'must not be 0'),
    cap: z
      .object({
        points: z.number().int().min(1).max(100_000),
        days: z.number().int().min(1).max(3650),
      })
      .strict()
      .optional()
      .describe('At most this many points per period of this many days, counted back from now'),
    half_life_days: z
      .number()
      .positive()
      .max(3650)
      .optional()
      .describe('Points halve every this many days after the touchpoint'),
  })
  .strict();

export const thresholdsSchema = z
  .object({
    mql: z.number().int().min(-100_000).max(100_000).describe('Score at which a lead becomes MQL'),
    warm: z.number().int().min(-100_000).max(100_000).describe('Lowest warm score'),
    hot: z.number().int().min(-100_000).max(100_000).describe('Lowest hot score'),
  })
  .strict();

export const modelDefinitionSchema = z.object({
  fit_rules: z.array(fitRuleSchema).max(200),
  engagement_rules: z.array(engagementRuleSchema).max(200),
  thresholds: thresholdsSchema,
});

export const saveModelBody = modelDefinitionSchema
  .extend({
    version: z
      .number()
      .int()
      .min(0)
      .describe(
        'The version this edit starts from (0 before the first save); 409 if another save came first',
      ),
  })
  .strict();
export type SaveModelInput = z.infer<typeof saveModelBody>;

export const previewBody = modelDefinitionSchema.extend({
  sample_size: z.number().int().min(0).max(100).default(20),
});
export type PreviewInput = z.infer<typeof previewBody>;

const conditionOut = z.object({
  field: z.string(),
  operator: z.enum(CONDITION_OPERATORS),
  value: z.unknown().optional(),
});

export const modelResponse = z.object({
  version: z.number().int(),
  fit_rules: z.array(conditionOut.extend({ id: z.string(), name: z.string(), points: z.number().int() })),
  engagement_rules: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      type: z.string().optional(),
      channel: z.string().optional(),
      campaign_id: z.number().int().optional(),
      points: z.number().int(),
      cap: z.object({ points: z.number().int(), days: z.number().int() }).optional(),
      half_life_days: z.number().optional(),
    }),
  ),
  thresholds: z.object({ mql: z.number().int(), warm: z.number().int(), hot: z.number().int() }),
  updated_at: z.string().nullable(),
  updated_by: z.number().int().nullable(),
});

export const jobSchema = z.object({
  id: z.number().int(),
  model_version: z.number().int(),
  status: z.enum(['queued', 'running', 'completed', 'failed', 'superseded']),
  total: z.number().int(),
  processed: z.number().int(),
  progress: z.number().describe('processed / total, 0 to 1'),
  changed: z.number().int().describe('Leads whose score or temperature changed'),
  handed_off: z.number().int().describe('Leads that became MQL'),
  needs_qualification: z.number().int().describe('Leads at the MQL score waiting for qualification fields'),
  attempts: z.number().int(),
  error: z.string().nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});

export const saveModelResponse = z.object({ model: modelResponse, job: jobSchema });

const previewLead = z.object({
  id: z.number().int(),
  email: z.string().nullable(),
  stage: z.string(),
  old_score: z.number().int(),
  new_score: z.number().int(),
  old_temperature: temperatureSchema,
  new_temperature: temperatureSchema,
  missing_fields: z.array(z.string()),
});

export const previewResponse = z.object({
  engagement: z
    .enum(['stored', 'recomputed'])
    .describe(
      "stored: the draft keeps the current engagement rules, so each lead's stored engagement score is used; recomputed: engagement scored again from the touchpoints",
    ),
  leads: z.number().int(),
  would_become_mql: z
    .number()
    .int()
    .describe('Leads at or above the draft MQL score that are not MQL or later yet'),
  would_be_handed_off: z.number().int().describe('Of those, leads with every qualification field known'),
  would_need_qualification: z.number().int().describe('Of those, leads missing qualification fields'),
  temperature_changes: z.number().int(),
  temperature_transitions: z.array(
    z.object({ from: temperatureSchema, to: temperatureSchema, leads: z.number().int() }),
  ),
  temperature_counts: z.object({ cold: z.number().int(), warm: z.number().int(), hot: z.number().int() }),
  mql_sample: z.array(previewLead),
  temperature_sample: z.array(previewLead),
});

const touchpointContribution = z.object({
  touchpoint_id: z.number().int(),
  type: z.string(),
  channel: z.string().nullable(),
  campaign_id: z.number().int().nullable(),
  occurred_at: z.string(),
  age_days: z.number(),
  decay_factor: z.number(),
  points: z.number().describe('After decay, before the period cap'),
  period: z.number().int(),
});

export const scoreExplanationResponse = z.object({
  lead_id: z.number().int(),
  model_version: z.number().int(),
  computed_at: z.string(),
  fit_score: z.number().int(),
  engagement_score: z.number().int(),
  score: z.number().int(),
  temperature: temperatureSchema,
  stored: z
    .object({
      fit_score: z.number().int(),
      engagement_score: z.number().int(),
      score: z.number().int(),
      temperature: temperatureSchema,
    })
    .describe('As last written; differs from the figures above only while a rescore is pending'),
  thresholds: z.object({ mql: z.number().int(), warm: z.number().int(), hot: z.number().int() }),
  reaches_mql: z.boolean(),
  qualification: z.object({
    required_fields: z.array(z.string()),
    missing_fields: z.array(z.string()),
    satisfied: z.boolean(),
  }),
  fit_rules: z.array(
    z.object({
      rule_id: z.string(),
      name: z.string(),
      field: z.string(),
      operator: z.string(),
      value: z.unknown(),
      actual: z.unknown(),
      points: z.number().int(),
    }),
  ),
  engagement_rules: z.array(
    z.object({
      rule_id: z.string(),
      name: z.string(),
      points: z.number().int(),
      uncapped_points: z.number(),
      capped_periods: z.array(z.number().int()),
      touchpoints: z.array(touchpointContribution),
    }),
  ),
});
