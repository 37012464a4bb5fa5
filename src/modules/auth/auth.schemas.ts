import { z } from 'zod';

export const roleSchema = z.enum(['admin', 'marketing', 'sales', 'sdr', 'executive']);

export const loginBody = z.object({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(1024),
  workspace: z.string().min(1).optional().describe('Workspace slug, when one email belongs to several'),
});

export const meResponse = z.object({
  user: z.object({
    id: z.number().int(),
    workspace_id: z.number().int(),
    email: z.string(),
    name: z.string(),
    role: roleSchema,
  }),
});

export const apiTokenSchema = z.object({
  id: z.number().int(),
  user_id: z.number().int(),
  name: z.string(),
  prefix: z.string().describe('The first characters of the token, to recognise it'),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});

export const createTokenBody = z.object({
  name: z.string().trim().min(1).max(200),
  user_id: z.number().int().positive().optional().describe('Admins may create tokens for other users'),
});

export const createdTokenResponse = z.object({
  token: z.string().describe('The secret; shown only in this response'),
  api_token: apiTokenSchema,
});
