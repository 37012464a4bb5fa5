import { z } from 'zod';
import { cursorSchema, limitSchema, pageSchema } from '../../shared/pagination.ts';
import { ACTIVITY_TYPES } from './activities.ts';

export const MAX_BATCH = 10_000;

export const activityTypeSchema = z.enum(ACTIVITY_TYPES);

const outcome = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .nullable()
  .optional()
  .describe('What came of it, e.g. connected, left_voicemail, no_answer, meeting_booked');
const notes = z.string().max(20_000).nullable().optional();

/** One sales activity as a client sends it, alone or in a batch. */
export const activityItem = z
  .object({
    external_id: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .nullable()
      .optional()
      .describe('Your id for the activity; an external_id already recorded is not recorded again'),
    lead_id: z.number().int().positive().optional().describe('The lead, by Tandem id'),
    lead_external_id: z.string().trim().min(1).max(200).optional(),
    email: z.email().max(320).optional().describe('The lead, by email (any case)'),
    opportunity_id: z.number().int().positive().optional(),
    opportunity_external_id: z.string().trim().min(1).max(200).optional(),
    type: activityTypeSchema,
    outcome,
    notes,
    occurred_at: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('When it happened (default now; at most a day ahead of the server clock)'),
    actor_id: z.number().int().positive().optional().describe('Who did it (default: the caller)'),
    actor_email: z.email().max(320).optional().describe('Who did it, by user email'),
  })
  .strict()
  .refine(
    (item) =>
      item.lead_id !== undefined ||
      item.lead_external_id !== undefined ||
      item.email !== undefined ||
      item.opportunity_id !== undefined ||
      item.opportunity_external_id !== undefined,
    {
      message:
        'give the lead (lead_id, lead_external_id or email) or the opportunity (opportunity_id or opportunity_external_id)',
      path: ['lead_id'],
    },
  )
  .describe(
    'An activity is on a lead, an opportunity or both. Several references to one record must agree. ' +
      'Reps (sales, sdr) log activities as themselves on leads or opportunities they own.',
  );
export type ActivityItem = z.infer<typeof activityItem>;

export const batchActivitiesBody = z.object({ items: z.array(activityItem).min(1).max(MAX_BATCH) });

export const updateActivityBody = z
  .object({
    lead_id: z.number().int().positive().nullable(),
    opportunity_id: z.number().int().positive().nullable(),
    type: activityTypeSchema,
    outcome,
    notes,
    occurred_at: z.iso.datetime({ offset: true }),
    actor_id: z.number().int().positive().nullable(),
  })
  .partial()
  .strict();
export type UpdateActivityInput = z.infer<typeof updateActivityBody>;

export const activitySchema = z.object({
  id: z.number().int(),
  external_id: z.string().nullable(),
  lead_id: z.number().int().nullable(),
  opportunity_id: z.number().int().nullable(),
  type: activityTypeSchema,
  outcome: z.string().nullable(),
  notes: z.string().nullable(),
  occurred_at: z.string(),
  actor_id: z.number().int().nullable(),
  created_at: z.string(),
});
export type ApiActivity = z.infer<typeof activitySchema>;

export const batchActivitiesResult = z.object({
  created: z.number().int().describe('Activities recorded by this call'),
  existing: z
    .number()
    .int()
    .describe('Items whose external_id was already recorded; left as they were, not recorded again'),
  ids: z.array(z.number().int()).describe('Activity ids of the items, in request order'),
});

export const activitySortColumns = ['occurred_at', 'created_at', 'id'] as const;

export const listActivitiesQuery = z.object({
  lead_id: z.coerce.number().int().positive().optional(),
  opportunity_id: z.coerce.number().int().positive().optional(),
  actor_id: z.coerce.number().int().positive().optional(),
  type: z.string().optional().describe('One type or several separated by commas, e.g. call,meeting'),
  outcome: z.string().optional(),
  occurred_from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  occurred_to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional().describe('Exclusive upper bound'),
  sort: z
    .string()
    .optional()
    .describe(`One of ${activitySortColumns.join(', ')}; prefix - for descending (default -occurred_at)`),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type ListActivitiesQuery = z.infer<typeof listActivitiesQuery>;

export const activityPageSchema = pageSchema(activitySchema);
