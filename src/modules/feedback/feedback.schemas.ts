import { z } from 'zod';
import { cursorSchema, limitSchema, pageSchema } from '../../shared/pagination.ts';
import { leadSchema } from '../leads/leads.schemas.ts';

// ----- accept / reject ----------------------------------------------------------------------

export const acceptLeadBody = z
  .object({ note: z.string().trim().max(2000).optional().describe('Anything marketing should know') })
  .strict();

export const rejectLeadBody = z
  .object({
    reason_code: z.string().trim().min(1).max(100).describe('A code from GET /rejection-reasons'),
    note: z
      .string()
      .trim()
      .max(2000)
      .optional()
      .describe('Required by reasons marked requires_note (e.g. other)'),
    outcome: z
      .enum(['recycled', 'disqualified'])
      .describe('recycled: marketing nurtures it again; disqualified: never'),
  })
  .strict();
export type RejectLeadInput = z.infer<typeof rejectLeadBody>;

export const feedbackSchema = z.object({
  id: z.number().int(),
  lead_id: z.number().int(),
  decision: z.enum(['accepted', 'rejected']),
  reason_code: z.string().nullable(),
  note: z.string().nullable(),
  outcome: z.enum(['recycled', 'disqualified']).nullable(),
  handoff_at: z.string().nullable(),
  owner_id: z.number().int().nullable(),
  decided_by: z.number().int().nullable(),
  decided_at: z.string(),
});

export const feedbackResponse = z.object({ lead: leadSchema, feedback: feedbackSchema });

// ----- rejection reasons ----------------------------------------------------------------------

export const reasonSchema = z.object({
  id: z.number().int(),
  code: z.string(),
  label: z.string(),
  requires_note: z.boolean(),
  active: z.boolean(),
  position: z.number().int(),
});

export const createReasonBody = z
  .object({
    code: z
      .string()
      .regex(/^[a-z0-9_]{1,60}$/, 'must be lower-case letters, digits and underscores (at most 60)')
      .describe('Stable code used in the API and reports'),
    label: z.string().trim().min(1).max(200),
    requires_note: z.boolean().default(false),
    position: z.number().int().min(0).max(10_000).default(100),
  })
  .strict();
export type CreateReasonInput = z.infer<typeof createReasonBody>;

export const updateReasonBody = z
  .object({
    label: z.string().trim().min(1).max(200).optional(),
    requires_note: z.boolean().optional(),
    active: z.boolean().optional().describe('Retire a reason (history keeps it) or bring it back'),
    position: z.number().int().min(0).max(10_000).optional(),
  })
  .strict();
export type UpdateReasonInput = z.infer<typeof updateReasonBody>;

export const listReasonsQuery = z.object({
  include_inactive: z.stringbool().optional().describe('true: also retired reasons'),
});

// ----- lead quality report -----------------------------------------------------------------------

const dateOrDateTime = z.iso.datetime({ offset: true }).or(z.iso.date());

export const leadQualityQuery = z.object({
  from: dateOrDateTime.optional().describe('Decisions on or after (UTC); default all'),
  to: dateOrDateTime.optional().describe('Decisions before (exclusive); default now'),
  by: z
    .enum(['source', 'campaign', 'source_and_campaign'])
    .default('source_and_campaign')
    .describe('Group by lead source, first campaign, or both'),
});
export type LeadQualityQuery = z.infer<typeof leadQualityQuery>;

const qualityFigures = {
  decisions: z.number().int(),
  accepted: z.number().int(),
  rejected: z.number().int(),
  acceptance_rate: z.number().nullable().describe('accepted / decisions'),
  reasons: z.array(
    z.object({ code: z.string(), label: z.string(), count: z.number().int(), share: z.number() }),
  ),
};

export const leadQualityReport = z.object({
  from: z.string().nullable(),
  to: z.string(),
  by: z.enum(['source', 'campaign', 'source_and_campaign']),
  total: z.object(qualityFigures),
  groups: z.array(
    z.object({
      source: z.string().nullable(),
      campaign_id: z.number().int().nullable(),
      campaign_name: z.string().nullable(),
      ...qualityFigures,
    }),
  ),
});

// ----- customer insights -------------------------------------------------------------------------

export const insightTypeSchema = z.enum([
  'need',
  'objection',
  'competitor_mention',
  'feature_request',
  'pricing_feedback',
]);

export const createInsightBody = z
  .object({
    type: insightTypeSchema,
    body: z.string().trim().min(1).max(5000).describe('What the customer said'),
    lead_id: z.number().int().positive().optional(),
    account_id: z.number().int().positive().optional(),
    opportunity_id: z.number().int().positive().optional(),
    competitor: z.string().trim().min(1).max(200).optional().describe('Required for competitor_mention'),
    source: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe('Lead source it relates to; defaults to the source of the lead or opportunity'),
    occurred_at: dateOrDateTime.optional().describe('When it was heard (default now)'),
  })
  .strict()
  .superRefine((insight, context) => {
    if (
      insight.lead_id === undefined &&
      insight.account_id === undefined &&
      insight.opportunity_id === undefined
    ) {
      context.addIssue({
        code: 'custom',
        path: ['lead_id'],
        message: 'an insight belongs to a lead, an account or an opportunity',
      });
    }
    if (insight.type === 'competitor_mention' && !insight.competitor) {
      context.addIssue({
        code: 'custom',
        path: ['competitor'],
        message: 'a competitor mention names the competitor',
      });
    }
  });
export type CreateInsightInput = z.infer<typeof createInsightBody>;

export const insightSchema = z.object({
  id: z.number().int(),
  type: insightTypeSchema,
  body: z.string(),
  lead_id: z.number().int().nullable(),
  account_id: z.number().int().nullable(),
  opportunity_id: z.number().int().nullable(),
  competitor: z.string().nullable(),
  source: z.string().nullable(),
  occurred_at: z.string(),
  created_by: z.number().int().nullable(),
  created_at: z.string(),
});

export const listInsightsQuery = z.object({
  type: insightTypeSchema.optional(),
  competitor: z.string().trim().min(1).max(200).optional().describe('Case-insensitive'),
  source: z.string().trim().min(1).max(200).optional(),
  from: dateOrDateTime.optional(),
  to: dateOrDateTime.optional().describe('Exclusive upper bound'),
  lead_id: z.coerce.number().int().positive().optional(),
  account_id: z.coerce.number().int().positive().optional(),
  opportunity_id: z.coerce.number().int().positive().optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type ListInsightsQuery = z.infer<typeof listInsightsQuery>;
export const insightPageSchema = pageSchema(insightSchema);
