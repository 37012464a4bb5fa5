import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { LeadsTable, LifecycleStage } from '../../db/tables/foundation.ts';
import { AppError, isUniqueViolation } from '../../shared/errors.ts';
import { type CursorPosition, decodeCursor } from '../../shared/pagination.ts';

export type LeadRow = Selectable<LeadsTable>;
export type NewLeadRow = Insertable<LeadsTable>;
export type LeadPatch = Updateable<LeadsTable>;

export function duplicateLeadError(error: { constraint?: string; detail?: string }): AppError {
  const field = error.constraint?.includes('external') ? 'external_id' : 'email';
  return new AppError('ALREADY_EXISTS', `A lead with this ${field} already exists`, {
    issues: [{ path: field, message: 'already used by another lead' }],
  });
}

export async function insertLead(db: Kysely<DB>, lead: NewLeadRow): Promise<LeadRow> {
  try {
    return await db.insertInto('leads').values(lead).returningAll().executeTakeFirstOrThrow();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateLeadError(error);
    throw error;
  }
}

export async function updateLead(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
  patch: LeadPatch,
): Promise<LeadRow> {
  try {
    const row = await db
      .updateTable('leads')
      .set({ ...patch, updated_at: new Date() })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new AppError('LEAD_NOT_FOUND', `Lead ${id} does not exist`);
    return row;
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateLeadError(error);
    throw error;
  }
}

export async function getLead(db: Kysely<DB>, workspaceId: number, id: number): Promise<LeadRow | undefined> {
  return db
    .selectFrom('leads')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Reads a lead and locks its row until the transaction ends, so concurrent stage changes serialise. */
export async function getLeadForUpdate(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
): Promise<LeadRow | undefined> {
  return db
    .selectFrom('leads')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export async function deleteLead(db: Kysely<DB>, workspaceId: number, id: number): Promise<boolean> {
  const result = await db
    .deleteFrom('leads')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export interface LeadFilters {
  stages?: LifecycleStage[];
  ownerId?: number;
  unassigned?: boolean;
  accountId?: number;
  source?: string;
  temperature?: string;
  minScore?: number;
  createdFrom?: Date;
  createdTo?: Date;
  search?: string;
  ids?: number[];
}

export type LeadSortColumn = 'created_at' | 'updated_at' | 'score' | 'mql_at' | 'id';

export async function findLeads(
  db: Kysely<DB>,
  workspaceId: number,
  filters: LeadFilters,
  sort: { column: LeadSortColumn; direction: 'asc' | 'desc' },
  limit: number,
  cursor?: string,
): Promise<LeadRow[]> {
  let query = db.selectFrom('leads').selectAll().where('workspace_id', '=', workspaceId);
  if (filters.stages?.length) query = query.where('stage', 'in', filters.stages);
  if (filters.ownerId !== undefined) query = query.where('owner_id', '=', filters.ownerId);
  if (filters.unassigned) query = query.where('owner_id', 'is', null);
  if (filters.accountId !== undefined) query = query.where('account_id', '=', filters.accountId);
  if (filters.source !== undefined) query = query.where('source', '=', filters.source);
  if (filters.temperature !== undefined)
    query = query.where('temperature', '=', filters.temperature as 'hot');
  if (filters.minScore !== undefined) query = query.where('score', '>=', filters.minScore);
  if (filters.createdFrom) query = query.where('created_at', '>=', filters.createdFrom);
  if (filters.createdTo) query = query.where('created_at', '<', filters.createdTo);
  if (filters.ids?.length) query = query.where('id', 'in', filters.ids);
  if (filters.search) {
    const pattern = `%${filters.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['email']), 'like', pattern),
        eb(sql<string>`lower(coalesce(first_name, '') || ' ' || coalesce(last_name, ''))`, 'like', pattern),
        eb(eb.fn('lower', ['company']), 'like', pattern),
      ]),
    );
  }
  const { column, direction } = sort;
  const op = direction === 'asc' ? '>' : '<';
  if (!NULLABLE_SORT_COLUMNS.has(column)) {
    // Non-null sort columns: a row-value comparison walks the (workspace_id, column, id) index.
    if (cursor) {
      const position: CursorPosition = decodeCursor(cursor);
      if (column === 'id') query = query.where('id', op, position.id);
      else {
        const value = column === 'score' ? Number(position.value) : new Date(String(position.value));
        query = query.where(sql<boolean>`(${sql.ref(column)}, id) ${sql.raw(op)} (${value}, ${position.id})`);
      }
    }
    if (column !== 'id') query = query.orderBy(column, direction);
    return query
      .orderBy('id', direction)
      .limit(limit + 1)
      .execute();
  }
  if (cursor) {
    const position: CursorPosition = decodeCursor(cursor);
    const value = position.value === null ? null : new Date(String(position.value));
    if (value === null) {
      // Nulls sort last in both directions here; past the last non-null value only null rows remain.
      query = query.where((eb) => eb.and([eb(column, 'is', null), eb('id', op, position.id)]));
    } else {
      query = query.where((eb) =>
        eb.or([
          eb(column, op, value),
          eb.and([eb(column, '=', value), eb('id', op, position.id)]),
          eb(column, 'is', null),
        ]),
      );
    }
  }
  return query
    .orderBy(sql`${sql.ref(column)} ${sql.raw(direction)} nulls last`)
    .orderBy('id', direction)
    .limit(limit + 1)
    .execute();
}

/** Sort columns that may hold null; they sort last in both directions. */
const NULLABLE_SORT_COLUMNS: ReadonlySet<LeadSortColumn> = new Set(['mql_at']);

export function leadCursor(row: LeadRow, column: LeadSortColumn): CursorPosition {
  const value = row[column];
  return { value: value instanceof Date ? value.toISOString() : (value ?? null), id: row.id };
}

/** Existing leads matching any of the given external ids or emails (case-insensitive). */
export async function findLeadsByKeys(
  db: Kysely<DB>,
  workspaceId: number,
  externalIds: string[],
  emails: string[],
): Promise<Pick<LeadRow, 'id' | 'external_id' | 'email' | 'stage'>[]> {
  if (externalIds.length === 0 && emails.length === 0) return [];
  return db
    .selectFrom('leads')
    .select(['id', 'external_id', 'email', 'stage'])
    .where('workspace_id', '=', workspaceId)
    .where((eb) =>
      eb.or([
        ...(externalIds.length ? [eb('external_id', '=', eb.fn.any(eb.val(externalIds)))] : []),
        ...(emails.length
          ? [
              eb(
                eb.fn('lower', ['email']),
                '=',
                eb.fn.any(eb.val(emails.map((email) => email.toLowerCase()))),
              ),
            ]
          : []),
      ]),
    )
    .execute();
}
