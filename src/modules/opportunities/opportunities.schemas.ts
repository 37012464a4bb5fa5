import { z } from 'zod';
import { cursorSchema, limitSchema, pageSchema } from '../../shared/pagination.ts';
import { stageSchema } from '../leads/leads.schemas.ts';
import { OPPORTUNITY_STATUSES } from './opportunities.ts';

export const opportunityStatusSchema = z.enum(OPPORTUNITY_STATUSES);

const optionalText = (max = 300) => z.string().trim().max(max).nullable().optional();
const idRef = z.number().int().positive().nullable().optional();

/** Fields a client may set on an opportunity. */
export const opportunityWritableFields = {
  external_id: z.string().trim().min(1).max(200).nullable().optional(),
  name: z.string().trim().min(1).max(300),
  account_id: idRef,
  primary_lead_id: idRef.describe(
    'The main contact. A lead still in an earlier open stage (subscriber to sql) moves to opportunity ' +
      'when it becomes the primary lead, and to customer when the deal is won; the stage changes are ' +
      'recorded in its lifecycle history with you as the actor.',
  ),
  owner_id: idRef.describe('Default: the calling rep; reps cannot give deals to someone else'),
  qualifier_id: idRef.describe('The user (often an SDR) who qualified the deal'),
  product_id: idRef,
  amount: z.number().min(0).max(1e15).nullable().optional(),
  currency: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{3}$/, 'must be a three-letter ISO 4217 code such as USD')
    .transform((code) => code.toUpperCase())
    .optional()
    .describe('ISO 4217 code (default USD)'),
  stage: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .describe(
      "Your sales stage label (free text); when left out it follows the status: 'open', 'won', 'lost'",
    ),
  status: opportunityStatusSchema
    .optional()
    .describe(
      'open, won or lost (default open). Won or lost sets closed_at (default now); reopening clears ' +
        'closed_at and the old reason. Becoming lost requires a reason: 400 naming reason without one.',
    ),
  created_at: z.iso.datetime({ offset: true }).optional().describe('When the deal was opened (default now)'),
  close_date: z.iso.date().nullable().optional().describe('Expected close date'),
  closed_at: z.iso
    .datetime({ offset: true })
    .nullable()
    .optional()
    .describe('When it was won or lost; only for won or lost deals, not before created_at'),
  reason: z
    .string()
    .trim()
    .min(1)
    .max(2000)
    .nullable()
    .optional()
    .describe('Why it was won or lost; required when the status becomes lost'),
  competitor: optionalText(200),
  source: optionalText(200).describe('Where the deal came from, e.g. marketing, sales, partner'),
  segment: optionalText(100),
  custom_fields: z.record(z.string(), z.unknown()).optional(),
};

export const createOpportunityBody = z.object(opportunityWritableFields).strict();
export type CreateOpportunityInput = z.infer<typeof createOpportunityBody>;

export const updateOpportunityBody = z.object(opportunityWritableFields).partial().strict();
export type UpdateOpportunityInput = z.infer<typeof updateOpportunityBody>;

export const opportunitySchema = z.object({
  id: z.number().int(),
  external_id: z.string().nullable(),
  name: z.string(),
  account_id: z.number().int().nullable(),
  primary_lead_id: z.number().int().nullable(),
  owner_id: z.number().int().nullable(),
  qualifier_id: z.number().int().nullable(),
  product_id: z.number().int().nullable(),
  amount: z.number().nullable(),
  currency: z.string(),
  stage: z.string(),
  status: opportunityStatusSchema,
  created_at: z.string(),
  updated_at: z.string(),
  close_date: z.string().nullable(),
  closed_at: z.string().nullable(),
  reason: z.string().nullable(),
  competitor: z.string().nullable(),
  source: z.string().nullable(),
  segment: z.string().nullable(),
  custom_fields: z.record(z.string(), z.unknown()),
});
export type ApiOpportunity = z.infer<typeof opportunitySchema>;

export const opportunitySortColumns = [
  'created_at',
  'closed_at',
  'amount',
  'close_date',
  'updated_at',
  'id',
] as const;

const instant = z.iso.datetime({ offset: true }).or(z.iso.date());

export const listOpportunitiesQuery = z.object({
  status: z.string().optional().describe('One status or several separated by commas, e.g. won,lost'),
  owner_id: z.coerce.number().int().positive().optional(),
  account_id: z.coerce.number().int().positive().optional(),
  primary_lead_id: z.coerce.number().int().positive().optional(),
  product_id: z.coerce.number().int().positive().optional(),
  stage: z.string().optional(),
  competitor: z.string().optional(),
  source: z.string().optional(),
  segment: z.string().optional(),
  created_from: instant.optional(),
  created_to: instant.optional().describe('Exclusive upper bound'),
  closed_from: instant.optional(),
  closed_to: instant.optional().describe('Exclusive upper bound'),
  q: z.string().trim().min(1).max(200).optional().describe('Search in the name'),
  sort: z
    .string()
    .optional()
    .describe(`One of ${opportunitySortColumns.join(', ')}; prefix - for descending (default -created_at)`),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type ListOpportunitiesQuery = z.infer<typeof listOpportunitiesQuery>;

export const opportunityPageSchema = pageSchema(opportunitySchema);

export const addContactBody = z
  .object({
    lead_id: z.number().int().positive(),
    role: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .optional()
      .describe('The contact role, e.g. decision_maker, champion, influencer (default contact)'),
  })
  .strict();
export type AddContactInput = z.infer<typeof addContactBody>;

export const contactSchema = z.object({
  opportunity_id: z.number().int(),
  lead_id: z.number().int(),
  role: z.string(),
  email: z.string().nullable(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  stage: stageSchema,
});
export type ApiContact = z.infer<typeof contactSchema>;

export const contactListSchema = z.object({ items: z.array(contactSchema) });
