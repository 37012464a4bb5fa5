import { z } from 'zod';
import { cursorSchema, limitSchema, pageSchema } from '../../shared/pagination.ts';
import { normalizeDomain } from './accounts.ts';

const optionalText = (max = 300) => z.string().trim().max(max).nullable().optional();
const idRef = z.number().int().positive().nullable().optional();

const domainSchema = z
  .string()
  .max(300)
  .transform((value, context) => {
    const domain = normalizeDomain(value);
    if (domain === null) {
      context.addIssue({ code: 'custom', message: 'is not a domain name such as example.com' });
      return z.NEVER;
    }
    return domain;
  })
  .nullable()
  .optional()
  .describe('Web domain; stored as the bare host ("https://www.Example.com/" becomes "example.com")');

/** Fields a client may set on an account. */
export const accountWritableFields = {
  external_id: z.string().trim().min(1).max(200).nullable().optional(),
  name: z.string().trim().min(1).max(300),
  domain: domainSchema,
  industry: optionalText(200),
  employees: z.number().int().min(0).nullable().optional(),
  annual_revenue: z.number().min(0).max(1e15).nullable().optional(),
  country: optionalText(100),
  region: optionalText(100),
  owner_id: idRef.describe('Reps own the accounts they create unless they say otherwise'),
  parent_account_id: idRef.describe('The parent company; must not make a cycle'),
  custom_fields: z.record(z.string(), z.unknown()).optional(),
};

export const createAccountBody = z.object(accountWritableFields);
export type CreateAccountInput = z.infer<typeof createAccountBody>;

export const updateAccountBody = z.object(accountWritableFields).partial().strict();
export type UpdateAccountInput = z.infer<typeof updateAccountBody>;

export const accountSchema = z.object({
  id: z.number().int(),
  external_id: z.string().nullable(),
  name: z.string(),
  domain: z.string().nullable(),
  industry: z.string().nullable(),
  employees: z.number().int().nullable(),
  annual_revenue: z.number().nullable(),
  country: z.string().nullable(),
  region: z.string().nullable(),
  owner_id: z.number().int().nullable(),
  parent_account_id: z.number().int().nullable(),
  custom_fields: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ApiAccount = z.infer<typeof accountSchema>;

export const accountSortColumns = [
  'created_at',
  'updated_at',
  'name',
  'annual_revenue',
  'employees',
  'id',
] as const;

export const listAccountsQuery = z.object({
  domain: z.string().trim().min(1).optional().describe('Exact domain, matched as its bare host'),
  industry: z.string().optional(),
  country: z.string().optional(),
  region: z.string().optional(),
  owner_id: z.coerce.number().int().positive().optional(),
  unassigned: z.stringbool().optional().describe('true: only accounts without an owner'),
  parent_account_id: z.coerce.number().int().positive().optional(),
  created_from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  created_to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional().describe('Exclusive upper bound'),
  q: z.string().trim().min(1).max(200).optional().describe('Search in name and domain'),
  sort: z
    .string()
    .optional()
    .describe(`One of ${accountSortColumns.join(', ')}; prefix - for descending (default -created_at)`),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type ListAccountsQuery = z.infer<typeof listAccountsQuery>;

export const accountPageSchema = pageSchema(accountSchema);
