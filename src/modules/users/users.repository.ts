import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { UsersTable } from '../../db/tables/foundation.ts';
import { AppError, isUniqueViolation } from '../../shared/errors.ts';
import { decodeCursor } from '../../shared/pagination.ts';

export type UserRow = Selectable<UsersTable>;

function duplicateUserError(error: { constraint?: string }): AppError {
  const field = error.constraint?.includes('external') ? 'external_id' : 'email';
  return new AppError('ALREADY_EXISTS', `A user with this ${field} already exists`, {
    issues: [{ path: field, message: 'already used by another user' }],
  });
}

export async function insertUser(db: Kysely<DB>, user: Insertable<UsersTable>): Promise<UserRow> {
  try {
    return await db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateUserError(error);
    throw error;
  }
}

export async function updateUser(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
  patch: Updateable<UsersTable>,
): Promise<UserRow | undefined> {
  try {
    return await db
      .updateTable('users')
      .set({ ...patch, updated_at: new Date() })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateUserError(error);
    throw error;
  }
}

export async function getUser(db: Kysely<DB>, workspaceId: number, id: number): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function findUserByEmail(
  db: Kysely<DB>,
  workspaceId: number,
  email: string,
): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where(sql`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
}

export async function findUsers(
  db: Kysely<DB>,
  workspaceId: number,
  filters: { role?: string; teamId?: number; status?: string; search?: string },
  limit: number,
  cursor?: string,
): Promise<UserRow[]> {
  let query = db.selectFrom('users').selectAll().where('workspace_id', '=', workspaceId);
  if (filters.role) query = query.where('role', '=', filters.role as UserRow['role']);
  if (filters.teamId !== undefined) query = query.where('team_id', '=', filters.teamId);
  if (filters.status) query = query.where('status', '=', filters.status as UserRow['status']);
  if (filters.search) {
    const pattern = `%${filters.search.toLowerCase()}%`;
    query = query.where((eb) =>
      eb.or([eb(sql`lower(name)`, 'like', pattern), eb(sql`lower(email)`, 'like', pattern)]),
    );
  }
  if (cursor) query = query.where('id', '>', decodeCursor(cursor).id);
  return query
    .orderBy('id')
    .limit(limit + 1)
    .execute();
}

export interface TeamRow {
  id: number;
  name: string;
  manager_id: number | null;
  members: number;
  created_at: Date;
}

export async function findTeams(db: Kysely<DB>, workspaceId: number): Promise<TeamRow[]> {
  return db
    .selectFrom('teams')
    .leftJoin('users', (join) => join.onRef('users.team_id', '=', 'teams.id'))
    .select(['teams.id', 'teams.name', 'teams.manager_id', 'teams.created_at'])
    .select((eb) => eb.fn.count<number>('users.id').as('members'))
    .where('teams.workspace_id', '=', workspaceId)
    .groupBy('teams.id')
    .orderBy('teams.name')
    .execute();
}

export async function insertTeam(
  db: Kysely<DB>,
  team: { workspace_id: number; name: string; manager_id?: number | null | undefined },
): Promise<number> {
  try {
    const row = await db.insertInto('teams').values(team).returning('id').executeTakeFirstOrThrow();
    return row.id;
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError('ALREADY_EXISTS', `A team named "${team.name}" already exists`, {
        issues: [{ path: 'name', message: 'already used by another team' }],
      });
    }
    throw error;
  }
}

export async function updateTeam(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
  patch: { name?: string | undefined; manager_id?: number | null | undefined },
): Promise<boolean> {
  const result = await db
    .updateTable('teams')
    .set(patch)
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteTeam(db: Kysely<DB>, workspaceId: number, id: number): Promise<boolean> {
  const result = await db
    .deleteFrom('teams')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
