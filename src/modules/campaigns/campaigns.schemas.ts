import { z } from 'zod';
import { cursorSchema, limitSchema, pageSchema } from '../../shared/pagination.ts';
import { campaignDatesIssue } from './campaigns.ts';

export const campaignStatusSchema = z.enum(['planned', 'active', 'completed', 'cancelled']);

const optionalText = (max = 300) => z.string().trim().max(max).nullable().optional();
const idRef = z.number().int().positive().nullable().optional();
const money = z.number().min(0).max(1e15);

/** Fields a client may set on a campaign. */
export const campaignWritableFields = {
  external_id: z.string().trim().min(1).max(200).nullable().optional(),
  name: z.string().trim().min(1).max(300),
  channel: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .describe('Marketing channel, e.g. paid_search, email, events, webinar, social, content'),
  type: optionalText(100).describe('Kind of program, e.g. webinar series, trade show, nurture'),
  status: campaignStatusSchema.optional().describe('Default active'),
  cost: money.optional().describe('Money spent so far (default 0)'),
  budget: money.nullable().optional(),
  start_date: z.iso.date().nullable().optional(),
  end_date: z.iso.date().nullable().optional().describe('On or after start_date'),
  owner_id: idRef,
  parent_id: idRef.describe('The program this campaign belongs to; must not make a cycle'),
};

export const createCampaignBody = z.object(campaignWritableFields).superRefine((campaign, context) => {
  const issue = campaignDatesIssue(campaign.start_date, campaign.end_date);
  if (issue) context.addIssue({ code: 'custom', path: ['end_date'], message: issue });
});
export type CreateCampaignInput = z.infer<typeof createCampaignBody>;

export const updateCampaignBody = z
  .object(campaignWritableFields)
  .partial()
  .strict()
  .describe('end_date is checked against the start_date the campaign will have after the change');
export type UpdateCampaignInput = z.infer<typeof updateCampaignBody>;

export const campaignSchema = z.object({
  id: z.number().int(),
  external_id: z.string().nullable(),
  name: z.string(),
  channel: z.string(),
  type: z.string().nullable(),
  status: campaignStatusSchema,
  cost: z.number(),
  budget: z.number().nullable(),
  start_date: z.string().nullable(),
  end_date: z.string().nullable(),
  owner_id: z.number().int().nullable(),
  parent_id: z.number().int().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ApiCampaign = z.infer<typeof campaignSchema>;

export const campaignSortColumns = [
  'created_at',
  'updated_at',
  'start_date',
  'end_date',
  'name',
  'cost',
  'budget',
  'id',
] as const;

export const listCampaignsQuery = z.object({
  channel: z.string().optional().describe('One channel or several separated by commas'),
  status: z.string().optional().describe('One status or several separated by commas, e.g. planned,active'),
  type: z.string().optional(),
  owner_id: z.coerce.number().int().positive().optional(),
  parent_id: z.coerce.number().int().positive().optional().describe('Campaigns of this program'),
  top_level: z.stringbool().optional().describe('true: only campaigns without a parent program'),
  start_from: z.iso.date().optional().describe('Starting on or after this day'),
  start_to: z.iso.date().optional().describe('Starting on or before this day'),
  active_from: z.iso
    .date()
    .optional()
    .describe('Running at some time on or after this day (an open end counts as running)'),
  active_to: z.iso
    .date()
    .optional()
    .describe('Running at some time on or before this day (an open start counts as running)'),
  q: z.string().trim().min(1).max(200).optional().describe('Search in the name'),
  sort: z
    .string()
    .optional()
    .describe(`One of ${campaignSortColumns.join(', ')}; prefix - for descending (default -created_at)`),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type ListCampaignsQuery = z.infer<typeof listCampaignsQuery>;

export const campaignPageSchema = pageSchema(campaignSchema);
