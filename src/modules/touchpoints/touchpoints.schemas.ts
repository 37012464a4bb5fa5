import { z } from 'zod';
import { cursorSchema, limitSchema, pageSchema } from '../../shared/pagination.ts';
import { TOUCHPOINT_TYPES } from './touchpoints.ts';

export const MAX_BATCH = 10_000;

export const touchpointTypeSchema = z.enum(TOUCHPOINT_TYPES);

const utm = z.string().trim().max(500).nullable().optional();

/** One touchpoint as a client sends it, alone or in a batch. */
export const touchpointItem = z
  .object({
    external_id: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .nullable()
      .optional()
      .describe(
        'Your id for the touch; a touch whose external_id was already recorded is not recorded again',
      ),
    lead_id: z.number().int().positive().optional().describe('The lead, by Tandem id'),
    lead_external_id: z.string().trim().min(1).max(200).optional().describe('The lead, by its external_id'),
    email: z.email().max(320).optional().describe('The lead, by email (any case)'),
    type: touchpointTypeSchema,
    occurred_at: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('When it happened (default now; at most a day ahead of the server clock)'),
    channel: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .nullable()
      .optional()
      .describe("Default: the campaign's channel"),
    campaign_id: z.number().int().positive().optional(),
    campaign_external_id: z.string().trim().min(1).max(200).optional(),
    utm_source: utm,
    utm_medium: utm,
    utm_campaign: utm,
    utm_term: utm,
    utm_content: utm,
    content_id: z.number().int().positive().nullable().optional().describe('The content piece involved'),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .refine(
    (item) => item.lead_id !== undefined || item.lead_external_id !== undefined || item.email !== undefined,
    {
      message: 'give the lead as lead_id, lead_external_id or email',
      path: ['lead_id'],
    },
  )
  .describe(
    'When several lead (or campaign) references are given they must point at the same record. ' +
      "Recording a touch with UTM parameters updates the lead's last_utm_* fields when it is the latest " +
      'such touch of the lead, and first_utm_* / first_campaign_id while they are still empty.',
  );
export type TouchpointItem = z.infer<typeof touchpointItem>;

export const batchTouchpointsBody = z.object({ items: z.array(touchpointItem).min(1).max(MAX_BATCH) });

export const touchpointSchema = z.object({
  id: z.number().int(),
  external_id: z.string().nullable(),
  lead_id: z.number().int(),
  type: touchpointTypeSchema,
  occurred_at: z.string(),
  channel: z.string().nullable(),
  campaign_id: z.number().int().nullable(),
  utm_source: z.string().nullable(),
  utm_medium: z.string().nullable(),
  utm_campaign: z.string().nullable(),
  utm_term: z.string().nullable(),
  utm_content: z.string().nullable(),
  content_id: z.number().int().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: z.string(),
});
export type ApiTouchpoint = z.infer<typeof touchpointSchema>;

export const batchTouchpointsResult = z.object({
  created: z.number().int().describe('Touchpoints recorded by this call'),
  existing: z
    .number()
    .int()
    .describe('Items whose external_id was already recorded; left as they were, not recorded again'),
  ids: z.array(z.number().int()).describe('Touchpoint ids of the items, in request order'),
});

export const touchpointSortColumns = ['occurred_at', 'created_at', 'id'] as const;

export const listTouchpointsQuery = z.object({
  lead_id: z.coerce.number().int().positive().optional(),
  campaign_id: z.coerce.number().int().positive().optional(),
  type: z.string().optional().describe('One type or several separated by commas, e.g. form_fill,webinar'),
  channel: z.string().optional(),
  occurred_from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  occurred_to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional().describe('Exclusive upper bound'),
  sort: z
    .string()
    .optional()
    .describe(`One of ${touchpointSortColumns.join(', ')}; prefix - for descending (default -occurred_at)`),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type ListTouchpointsQuery = z.infer<typeof listTouchpointsQuery>;

export const touchpointPageSchema = pageSchema(touchpointSchema);
