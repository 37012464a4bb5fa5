import { z } from 'zod';
import { conditionSchema } from '../scoring/scoring.schemas.ts';

export const routingRuleBody = z
  .object({
    id: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Id of an existing rule to keep; leave out for a new rule'),
    name: z.string().trim().min(1).max(200),
    kind: z
      .enum(['match', 'account_owner'])
      .default('match')
      .describe(
        'match: leads meeting the conditions go to the team or user; account_owner: to the owner of their account',
      ),
    conditions: z
      .array(conditionSchema)
      .max(50)
      .default([])
      .describe('All must hold; none matches every lead'),
    team_id: z.number().int().positive().nullable().optional().describe('Round robin within this team'),
    user_id: z.number().int().positive().nullable().optional().describe('Always this user'),
    weights: z
      .array(
        z.object({ user_id: z.number().int().positive(), weight: z.number().int().min(0).max(100) }).strict(),
      )
      .max(500)
      .default([])
      .describe('Round-robin weight per team member (default 1; 0 leaves the member out)'),
    active: z.boolean().default(true),
  })
  .strict();
export type RoutingRuleInput = z.infer<typeof routingRuleBody>;

export const saveRulesBody = z.object({ rules: z.array(routingRuleBody).max(200) }).strict();

export const routingRuleSchema = z.object({
  id: z.number().int(),
  position: z.number().int(),
  name: z.string(),
  kind: z.enum(['match', 'account_owner']),
  conditions: z.array(z.object({ field: z.string(), operator: z.string(), value: z.unknown().optional() })),
  team_id: z.number().int().nullable(),
  user_id: z.number().int().nullable(),
  weights: z.array(z.object({ user_id: z.number().int(), weight: z.number().int() })),
  active: z.boolean(),
});

export const rulesResponse = z.object({ rules: z.array(routingRuleSchema) });

export const assignmentSchema = z.object({
  id: z.number().int(),
  lead_id: z.number().int(),
  user_id: z.number().int().nullable(),
  previous_owner_id: z.number().int().nullable(),
  rule_id: z.number().int().nullable(),
  rule_name: z.string().nullable(),
  team_id: z.number().int().nullable(),
  reason: z.string(),
  assigned_at: z.string(),
});

export const assignmentsResponse = z.object({ lead_id: z.number().int(), items: z.array(assignmentSchema) });
