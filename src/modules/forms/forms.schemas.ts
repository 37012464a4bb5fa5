import { z } from 'zod';

const key = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9_-]{2,63}$/, 'lowercase letters, digits, - and _, 3 to 64 characters')
  .describe('Appears in the public URL /api/v1/forms/{key}; generated when left out');

const formFields = {
  name: z.string().trim().min(1).max(200),
  campaign_id: z
    .number()
    .int()
    .positive()
    .nullable()
    .optional()
    .describe('Campaign credited with the form fills'),
  field_mapping: z
    .record(z.string().trim().min(1).max(100), z.string().trim().min(1).max(120))
    .optional()
    .describe(
      'Form field name -> lead field (email, first_name, last_name, title, phone, company, country, region, industry, employees) or custom_fields.<key>. Fields named like a lead field map by themselves.',
    ),
  redirect_url: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .nullable()
    .optional()
    .describe('Browsers are sent here (303) after posting; without it the answer is JSON'),
  honeypot_field: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional()
    .describe(
      'Hidden field that people leave empty; a post with it filled is accepted and dropped (default website)',
    ),
  source: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .nullable()
    .optional()
    .describe('Source of new leads (default "web form")'),
  active: z.boolean().optional(),
};

export const createFormBody = z.object({ key: key.optional(), ...formFields }).strict();
export type CreateFormInput = z.infer<typeof createFormBody>;

export const updateFormBody = z
  .object({ key, ...formFields })
  .partial()
  .strict();
export type UpdateFormInput = z.infer<typeof updateFormBody>;

export const formSchema = z.object({
  id: z.number().int(),
  key: z.string(),
  name: z.string(),
  campaign_id: z.number().int().nullable(),
  field_mapping: z.record(z.string(), z.string()),
  redirect_url: z.string().nullable(),
  honeypot_field: z.string(),
  source: z.string().nullable(),
  active: z.boolean(),
  post_url: z.string().describe('Where the form posts to'),
  html_snippet: z.string().describe('A form to paste into a web page'),
  created_at: z.string(),
  updated_at: z.string(),
});

export const formListSchema = z.object({ items: z.array(formSchema) });

export const submissionBody = z
  .record(z.string(), z.unknown())
  .describe('The form fields, as a form post (application/x-www-form-urlencoded) or a JSON object');

export const submissionResponse = z.object({
  received: z.literal(true),
  redirect_url: z.string().nullable(),
});
