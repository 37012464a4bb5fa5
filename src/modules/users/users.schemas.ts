import { z } from 'zod';
import { cursorSchema, limitSchema, pageSchema } from '../../shared/pagination.ts';
import { roleSchema } from '../auth/auth.schemas.ts';

export const userStatusSchema = z.enum(['active', 'away', 'inactive']);

export const userSchema = z.object({
  id: z.number().int(),
  external_id: z.string().nullable(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  team_id: z.number().int().nullable(),
  manager_id: z.number().int().nullable(),
  status: userStatusSchema,
  capacity: z.number().int().nullable(),
  has_password: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ApiUser = z.infer<typeof userSchema>;

const password = z.string().min(8, 'must be at least 8 characters').max(1024);

export const createUserBody = z.object({
  email: z.email().max(320),
  name: z.string().trim().min(1).max(200),
  role: roleSchema,
  external_id: z.string().trim().min(1).max(200).nullable().optional(),
  team_id: z.number().int().positive().nullable().optional(),
  manager_id: z.number().int().positive().nullable().optional(),
  status: userStatusSchema.optional(),
  capacity: z
    .number()
    .int()
    .min(0)
    .nullable()
    .optional()
    .describe('Most open leads this user should hold; null for no limit'),
  password: password.optional().describe('Without one the user cannot sign in (API tokens still work)'),
});
export type CreateUserInput = z.infer<typeof createUserBody>;

export const updateUserBody = createUserBody.partial().strict();
export type UpdateUserInput = z.infer<typeof updateUserBody>;

export const listUsersQuery = z.object({
  role: roleSchema.optional(),
  team_id: z.coerce.number().int().positive().optional(),
  status: userStatusSchema.optional(),
  q: z.string().trim().min(1).optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type ListUsersQuery = z.infer<typeof listUsersQuery>;

export const userPageSchema = pageSchema(userSchema);

export const teamSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  manager_id: z.number().int().nullable(),
  members: z.number().int(),
  created_at: z.string(),
});

export const createTeamBody = z.object({
  name: z.string().trim().min(1).max(200),
  manager_id: z.number().int().positive().nullable().optional(),
});
export const updateTeamBody = createTeamBody.partial().strict();
