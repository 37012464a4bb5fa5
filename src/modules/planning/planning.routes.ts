import { z } from 'zod';
import type { App } from '../../server/types.ts';
import * as goalsService from './goals.service.ts';
import type { GoalRow, PlanRow } from './planning.repository.ts';
import {
  type ApiGoal,
  actualsQuery,
  createGoalBody,
  createPlanBody,
  goalPageSchema,
  goalSchema,
  listGoalsQuery,
  listPlansQuery,
  type PlanResult,
  planActualsSchema,
  planPageSchema,
  planResultSchema,
  type planSummarySchema,
  updateGoalBody,
} from './planning.schemas.ts';
import * as planningService from './planning.service.ts';

export function toApiGoal(row: GoalRow): ApiGoal {
  const marketing = Math.round(row.revenue * row.marketing_share * 100) / 100;
  return {
    id: row.id,
    period: row.period,
    period_start: row.period_start,
    period_end: row.period_end,
    revenue: row.revenue,
    marketing_share: row.marketing_share,
    marketing_sourced_revenue: marketing,
    sales_sourced_revenue: Math.round((row.revenue - marketing) * 100) / 100,
    segment: row.segment,
    product_id: row.product_id,
    owner_id: row.owner_id,
    marketing_owner_id: row.marketing_owner_id,
    sales_owner_id: row.sales_owner_id,
    notes: row.notes,
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

function toPlanSummary(row: PlanRow): z.infer<typeof planSummarySchema> {
  const plan = row.result as unknown as PlanResult;
  const count = (stage: string) => plan.steps.find((step) => step.stage === stage)?.count ?? 0;
  return {
    id: row.id,
    name: row.name,
    goal_id: row.goal_id,
    period: row.period,
    revenue: row.revenue,
    marketing_share: row.marketing_share,
    deals: count('deals'),
    leads: count('leads'),
    marketing_budget: plan.marketing_budget,
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
  };
}

const idParams = z.object({ id: z.coerce.number().int().positive() });

export function registerPlanningRoutes(api: App): void {
  api.get(
    '/goals',
    {
      schema: {
        tags: ['planning'],
        summary: 'List revenue goals, latest period first',
        querystring: listGoalsQuery,
        response: { 200: goalPageSchema },
      },
    },
    async (request) => {
      const page = await goalsService.findGoals(api.db, request.actor, request.query);
      return { items: page.items.map(toApiGoal), next_cursor: page.next_cursor };
    },
  );

  api.post(
    '/goals',
    {
      schema: {
        tags: ['planning'],
        summary: 'Set a revenue goal for a period (admins and executives)',
        body: createGoalBody,
        response: { 201: goalSchema },
      },
    },
    async (request, reply) => {
      const goal = await goalsService.createGoal(api.db, request.actor, request.body);
      return reply.status(201).send(toApiGoal(goal));
    },
  );

  api.get(
    '/goals/:id',
    { schema: { tags: ['planning'], summary: 'One goal', params: idParams, response: { 200: goalSchema } } },
    async (request) => toApiGoal(await goalsService.getGoal(api.db, request.actor, request.params.id)),
  );

  api.patch(
    '/goals/:id',
    {
      schema: {
        tags: ['planning'],
        summary: 'Change a goal (admins and executives)',
        params: idParams,
        body: updateGoalBody,
        response: { 200: goalSchema },
      },
    },
    async (request) =>
      toApiGoal(await goalsService.updateGoal(api.db, request.actor, request.params.id, request.body)),
  );

  api.delete(
    '/goals/:id',
    {
      schema: {
        tags: ['planning'],
        summary: 'Delete a goal (admins and executives); plans made for it stay',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await goalsService.deleteGoal(api.db, request.actor, request.params.id);
      return reply.status(204).send(null);
    },
  );

  api.post(
    '/plans',
    {
      schema: {
        tags: ['planning'],
        summary:
          'Work a revenue goal back into deals, opportunities, SQLs, SALs, MQLs and leads, channels, budget and a month-by-month plan; save it with save=true (201)',
        body: createPlanBody,
        response: { 200: planResultSchema, 201: planResultSchema },
      },
    },
    async (request, reply) => {
      const plan = await planningService.computePlan(api.db, request.actor, request.body);
      return reply.status(plan.id === null ? 200 : 201).send(plan);
    },
  );

  api.get(
    '/plans',
    {
      schema: {
        tags: ['planning'],
        summary: 'Saved plans, newest first',
        querystring: listPlansQuery,
        response: { 200: planPageSchema },
      },
    },
    async (request) => {
      const page = await planningService.findPlans(api.db, request.actor, request.query);
      return { items: page.items.map(toPlanSummary), next_cursor: page.next_cursor };
    },
  );

  api.get(
    '/plans/:id',
    {
      schema: {
        tags: ['planning'],
        summary: 'One saved plan',
        params: idParams,
        response: { 200: planResultSchema },
      },
    },
    async (request) => planningService.getPlan(api.db, request.actor, request.params.id),
  );

  api.delete(
    '/plans/:id',
    {
      schema: {
        tags: ['planning'],
        summary: 'Delete a saved plan',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await planningService.deletePlan(api.db, request.actor, request.params.id);
      return reply.status(204).send(null);
    },
  );

  api.get(
    '/plans/:id/actuals',
    {
      schema: {
        tags: ['planning'],
        summary:
          'Plan vs actual per stage and week: actual, planned to date, pacing and the forecast for the period',
        params: idParams,
        querystring: actualsQuery,
        response: { 200: planActualsSchema },
      },
    },
    async (request) =>
      planningService.getPlanActuals(
        api.db,
        request.actor,
        request.params.id,
        request.query.as_of ? new Date(request.query.as_of) : new Date(),
      ),
  );
}
