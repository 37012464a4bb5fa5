import { z } from 'zod';
import { cursorSchema, limitSchema } from '../../shared/pagination.ts';
import { stageSchema, temperatureSchema } from '../leads/leads.schemas.ts';

export const saveFieldsBody = z
  .object({
    fields: z
      .array(z.string().trim().min(1).max(120))
      .max(50)
      .describe('Lead fields (title, phone, ...) or custom field keys (budget, or custom_fields.budget)'),
  })
  .strict();

export const fieldsResponse = z.object({
  fields: z.array(
    z.object({
      field: z.string().describe('title, or custom_fields.<key>'),
      label: z.string().describe('How the field is named in messages: the column or the custom key'),
    }),
  ),
});

export const queueQuery = z.object({ limit: limitSchema, cursor: cursorSchema });

export const queueItemSchema = z.object({
  lead: z.object({
    id: z.number().int(),
    email: z.string().nullable(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    company: z.string().nullable(),
    title: z.string().nullable(),
    stage: stageSchema,
    temperature: temperatureSchema,
    score: z.number().int(),
    owner_id: z.number().int().nullable(),
  }),
  missing_fields: z.array(z.string()),
  since: z.string().nullable().describe('When the lead first reached the MQL score without these fields'),
});

export const queueResponse = z.object({
  mql_threshold: z.number().int(),
  required_fields: z.array(z.string()),
  items: z.array(queueItemSchema),
  next_cursor: z.string().nullable(),
});

export const handoffBody = z.object({ reason: z.string().trim().max(2000).optional() }).strict();
