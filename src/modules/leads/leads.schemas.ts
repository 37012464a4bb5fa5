import { z } from 'zod';
import { cursorSchema, limitSchema, pageSchema } from '../../shared/pagination.ts';

export const stageSchema = z.enum([
  'subscriber',
  'lead',
  'mql',
  'sal',
  'sql',
  'opportunity',
  'customer',
  'recycled',
  'disqualified',
]);
export const temperatureSchema = z.enum(['cold', 'warm', 'hot']);

const optionalText = (max = 500) => z.string().trim().max(max).nullable().optional();
const idRef = z.number().int().positive().nullable().optional();

/** Fields a client may set on a lead. */
export const leadWritableFields = {
  external_id: z.string().trim().min(1).max(200).nullable().optional(),
  email: z.email().max(320).nullable().optional(),
  first_name: optionalText(200),
  last_name: optionalText(200),
  title: optionalText(300),
  phone: optionalText(100),
  company: optionalText(300),
  account_id: idRef,
  country: optionalText(100),
  region: optionalText(100),
  industry: optionalText(200),
  employees: z.number().int().min(0).nullable().optional(),
  source: optionalText(200),
  source_detail: optionalText(500),
  first_utm_source: optionalText(),
  first_utm_medium: optionalText(),
  first_utm_campaign: optionalText(),
  first_utm_term: optionalText(),
  first_utm_content: optionalText(),
  last_utm_source: optionalText(),
  last_utm_medium: optionalText(),
  last_utm_campaign: optionalText(),
  last_utm_term: optionalText(),
  last_utm_content: optionalText(),
  first_campaign_id: idRef,
  lead_status: optionalText(100),
  temperature: temperatureSchema.optional(),
  owner_id: idRef,
  custom_fields: z.record(z.string(), z.unknown()).optional(),
};

export const createLeadBody = z
  .object({
    ...leadWritableFields,
    stage: stageSchema
      .optional()
      .describe('Starting stage (default lead); recorded as the first lifecycle event'),
    created_at: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('When the lead first appeared (default now)'),
  })
  .refine((lead) => Boolean(lead.email || lead.external_id), {
    message: 'a lead needs an email or an external_id',
    path: ['email'],
  });
export type CreateLeadInput = z.infer<typeof createLeadBody>;

export const updateLeadBody = z.object(leadWritableFields).strict();
export type UpdateLeadInput = z.infer<typeof updateLeadBody>;

export const leadSchema = z.object({
  id: z.number().int(),
  external_id: z.string().nullable(),
  email: z.string().nullable(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  title: z.string().nullable(),
  phone: z.string().nullable(),
  company: z.string().nullable(),
  account_id: z.number().int().nullable(),
  country: z.string().nullable(),
  region: z.string().nullable(),
  industry: z.string().nullable(),
  employees: z.number().int().nullable(),
  source: z.string().nullable(),
  source_detail: z.string().nullable(),
  first_utm_source: z.string().nullable(),
  first_utm_medium: z.string().nullable(),
  first_utm_campaign: z.string().nullable(),
  first_utm_term: z.string().nullable(),
  first_utm_content: z.string().nullable(),
  last_utm_source: z.string().nullable(),
  last_utm_medium: z.string().nullable(),
  last_utm_campaign: z.string().nullable(),
  last_utm_term: z.string().nullable(),
  last_utm_content: z.string().nullable(),
  first_campaign_id: z.number().int().nullable(),
  stage: stageSchema,
  lead_status: z.string().nullable(),
  temperature: temperatureSchema,
  owner_id: z.number().int().nullable(),
  assigned_at: z.string().nullable(),
  fit_score: z.number().int(),
  engagement_score: z.number().int(),
  score: z.number().int(),
  custom_fields: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  updated_at: z.string(),
  subscriber_at: z.string().nullable(),
  lead_at: z.string().nullable(),
  mql_at: z.string().nullable(),
  sal_at: z.string().nullable(),
  sql_at: z.string().nullable(),
  opportunity_at: z.string().nullable(),
  customer_at: z.string().nullable(),
  recycled_at: z.string().nullable(),
  disqualified_at: z.string().nullable(),
  sla: z
    .object({
      kind: z.enum(['accept', 'first_activity']).describe('What the owner still has to do'),
      due_at: z.string(),
      handoff_at: z.string(),
    })
    .nullable()
    .optional()
    .describe('The SLA deadline the owner must still meet (on list and read); null when none is pending'),
});
export type ApiLead = z.infer<typeof leadSchema>;

export const leadSortColumns = ['created_at', 'updated_at', 'score', 'mql_at', 'id'] as const;

export const listLeadsQuery = z.object({
  stage: z.string().optional().describe('One stage or several separated by commas, e.g. mql,sal'),
  owner_id: z.coerce.number().int().positive().optional(),
  unassigned: z.stringbool().optional().describe('true: only leads without an owner'),
  account_id: z.coerce.number().int().positive().optional(),
  source: z.string().optional(),
  temperature: temperatureSchema.optional(),
  min_score: z.coerce.number().int().optional(),
  created_from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  created_to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional().describe('Exclusive upper bound'),
  q: z.string().trim().min(1).max(200).optional().describe('Search in email, name and company'),
  ids: z.string().optional().describe('Comma-separated lead ids (drill-down from reports)'),
  sort: z
    .string()
    .optional()
    .describe(`One of ${leadSortColumns.join(', ')}; prefix - for descending (default -created_at)`),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type ListLeadsQuery = z.infer<typeof listLeadsQuery>;

export const leadPageSchema = pageSchema(leadSchema);

export const transitionBody = z.object({
  to: stageSchema.describe('The stage to move to'),
  reason: z.string().trim().max(2000).optional(),
  occurred_at: z.iso.datetime({ offset: true }).optional().describe('When it happened (default now)'),
});

export const lifecycleEventSchema = z.object({
  id: z.number().int(),
  lead_id: z.number().int(),
  from_stage: stageSchema.nullable(),
  to_stage: stageSchema,
  occurred_at: z.string(),
  actor_id: z.number().int().nullable(),
  origin: z.string(),
  reason: z.string().nullable(),
});

export const transitionResponse = z.object({ lead: leadSchema, event: lifecycleEventSchema });

export const timelineItemSchema = z.object({
  kind: z.enum(['touchpoint', 'activity', 'stage_change']),
  id: z.number().int(),
  occurred_at: z.string(),
  type: z.string().describe('Touchpoint or activity type, or the stage moved to'),
  summary: z.string(),
  actor_id: z.number().int().nullable(),
  campaign_id: z.number().int().nullable(),
  channel: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export const timelineResponse = z.object({ lead_id: z.number().int(), items: z.array(timelineItemSchema) });

export const MAX_BATCH = 10_000;

export const batchLeadItem = z
  .object({
    ...leadWritableFields,
    stage: stageSchema.optional(),
    created_at: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((lead) => Boolean(lead.email || lead.external_id), {
    message: 'a lead needs an email or an external_id',
    path: ['email'],
  });
export type BatchLeadItem = z.infer<typeof batchLeadItem>;

export const batchLeadsBody = z.object({ items: z.array(batchLeadItem).min(1).max(MAX_BATCH) });

export const batchResultSchema = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  ids: z.array(z.number().int()).describe('Ids of the items, in request order'),
});
