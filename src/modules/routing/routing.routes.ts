import { z } from 'zod';
import type { App } from '../../server/types.ts';
import type { LeadAssignmentRow } from './routing.repository.ts';
import {
  type assignmentSchema,
  assignmentsResponse,
  type routingRuleSchema,
  rulesResponse,
  saveRulesBody,
} from './routing.schemas.ts';
import * as routingService from './routing.service.ts';
import type { RoutingRule } from './routing.ts';

export function toApiRule(rule: RoutingRule): z.infer<typeof routingRuleSchema> {
  return {
    id: rule.id,
    position: rule.position,
    name: rule.name,
    kind: rule.kind,
    conditions: rule.conditions,
    team_id: rule.team_id,
    user_id: rule.user_id,
    weights: Object.entries(rule.weights).map(([userId, weight]) => ({ user_id: Number(userId), weight })),
    active: rule.active,
  };
}

export function toApiAssignment(row: LeadAssignmentRow): z.infer<typeof assignmentSchema> {
  return {
    id: row.id,
    lead_id: row.lead_id,
    user_id: row.user_id,
    previous_owner_id: row.previous_owner_id,
    rule_id: row.rule_id,
    rule_name: row.rule_name,
    team_id: row.team_id,
    reason: row.reason,
    assigned_at: row.assigned_at.toISOString(),
  };
}

const idParams = z.object({ id: z.coerce.number().int().positive() });

export function registerRoutingRoutes(api: App): void {
  api.get(
    '/routing/rules',
    {
      schema: {
        tags: ['routing'],
        summary: 'Routing rules in the order they are tried',
        response: { 200: rulesResponse },
      },
    },
    async (request) => ({ rules: (await routingService.getRules(api.db, request.actor)).map(toApiRule) }),
  );

  api.put(
    '/routing/rules',
    {
      schema: {
        tags: ['routing'],
        summary: 'Replace the ordered routing rules (admins)',
        description:
          'Rules are tried in the order given; the first whose conditions match and that finds an available user (active, not away, under capacity) assigns the lead. Send existing rules back with their id to keep it.',
        body: saveRulesBody,
        response: { 200: rulesResponse },
      },
    },
    async (request) => ({
      rules: (await routingService.saveRules(api.db, request.actor, request.body.rules)).map(toApiRule),
    }),
  );

  api.get(
    '/leads/:id/assignments',
    {
      schema: {
        tags: ['routing'],
        summary: 'Who got the lead, when, by which rule and why',
        params: idParams,
        response: { 200: assignmentsResponse },
      },
    },
    async (request) => ({
      lead_id: request.params.id,
      items: (await routingService.findAssignments(api.db, request.actor, request.params.id)).map(
        toApiAssignment,
      ),
    }),
  );
}
