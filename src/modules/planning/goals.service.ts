import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../shared/errors.ts';
import { decodeCursor, type Page, toPage } from '../../shared/pagination.ts';
import { type Caller, requireRole } from '../auth/auth.ts';
import { parsePeriod } from './periods.ts';
import type { GoalPatch, GoalRow } from './planning.repository.ts';
import * as planningRepository from './planning.repository.ts';
import type { CreateGoalInput, ListGoalsQuery, UpdateGoalInput } from './planning.schemas.ts';

export const DEFAULT_MARKETING_SHARE = 0.45;

/** Revenue goals are set by the people who own the number: admins and executives. */
const GOAL_SETTERS = ['admin', 'executive'] as const;

async function assertReferencesExist(
  db: Kysely<DB>,
  workspaceId: number,
  input: Partial<Pick<CreateGoalInput, 'owner_id' | 'marketing_owner_id' | 'sales_owner_id' | 'product_id'>>,
): Promise<void> {
  const userFields = (['owner_id', 'marketing_owner_id', 'sales_owner_id'] as const).filter(
    (field) => typeof input[field] === 'number',
  );
  const users = await planningRepository.existingIds(
    db,
    workspaceId,
    'users',
    userFields.map((field) => input[field] as number),
  );
  for (const field of userFields) {
    const id = input[field] as number;
    if (!users.has(id)) {
      throw new AppError('VALIDATION_FAILED', `${field}: no user with id ${id}`, {
        issues: [{ path: field, message: `no user with id ${id}` }],
      });
    }
  }
  if (typeof input.product_id === 'number') {
    const products = await planningRepository.existingIds(db, workspaceId, 'products', [input.product_id]);
    if (!products.has(input.product_id)) {
      throw new AppError('VALIDATION_FAILED', `product_id: no product with id ${input.product_id}`, {
        issues: [{ path: 'product_id', message: `no product with id ${input.product_id}` }],
      });
    }
  }
}

export async function createGoal(db: Kysely<DB>, caller: Caller, input: CreateGoalInput): Promise<GoalRow> {
  requireRole(caller, GOAL_SETTERS, 'set revenue goals');
  const period = parsePeriod(input.period);
  return db.transaction().execute(async (trx) => {
    await assertReferencesExist(trx, caller.workspaceId, input);
    return planningRepository.insertGoal(trx, {
      workspace_id: caller.workspaceId,
      period: period.key,
      period_start: period.start,
      period_end: period.end,
      revenue: input.revenue,
      marketing_share: input.marketing_share ?? DEFAULT_MARKETING_SHARE,
      segment: input.segment ?? null,
      product_id: input.product_id ?? null,
      owner_id: input.owner_id ?? null,
      marketing_owner_id: input.marketing_owner_id ?? null,
      sales_owner_id: input.sales_owner_id ?? null,
      notes: input.notes ?? null,
      created_by: caller.userId,
    });
  });
}

export async function updateGoal(
  db: Kysely<DB>,
  caller: Caller,
  id: number,
  input: UpdateGoalInput,
): Promise<GoalRow> {
  requireRole(caller, GOAL_SETTERS, 'change revenue goals');
  const { period: periodText, ...rest } = input;
  const patch: GoalPatch = { ...rest };
  if (periodText !== undefined) {
    const period = parsePeriod(periodText);
    Object.assign(patch, { period: period.key, period_start: period.start, period_end: period.end });
  }
  return db.transaction().execute(async (trx) => {
    const goal = await planningRepository.getGoal(trx, caller.workspaceId, id);
    if (!goal) throw new AppError('GOAL_NOT_FOUND', `Goal ${id} does not exist`);
    await assertReferencesExist(trx, caller.workspaceId, input);
    return planningRepository.updateGoal(trx, caller.workspaceId, id, patch);
  });
}

export async function getGoal(db: Kysely<DB>, caller: Caller, id: number): Promise<GoalRow> {
  const goal = await planningRepository.getGoal(db, caller.workspaceId, id);
  if (!goal) throw new AppError('GOAL_NOT_FOUND', `Goal ${id} does not exist`);
  return goal;
}

export async function deleteGoal(db: Kysely<DB>, caller: Caller, id: number): Promise<void> {
  requireRole(caller, GOAL_SETTERS, 'delete revenue goals');
  const deleted = await planningRepository.deleteGoal(db, caller.workspaceId, id);
  if (!deleted) throw new AppError('GOAL_NOT_FOUND', `Goal ${id} does not exist`);
}

export async function findGoals(
  db: Kysely<DB>,
  caller: Caller,
  query: ListGoalsQuery,
): Promise<Page<GoalRow>> {
  const period = query.period ? parsePeriod(query.period).key : undefined;
  const after = query.cursor ? decodeCursor(query.cursor) : undefined;
  const rows = await planningRepository.findGoals(
    db,
    caller.workspaceId,
    { period, year: query.year, segment: query.segment },
    query.limit,
    after ? { value: String(after.value), id: after.id } : undefined,
  );
  return toPage(
    rows,
    query.limit,
    (row) => ({ value: row.period_start, id: row.id }),
    (row) => row,
  );
}
