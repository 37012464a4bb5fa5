import type { Kysely, Updateable } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { UsersTable } from '../../db/tables/foundation.ts';
import { AppError } from '../../shared/errors.ts';
import { type Page, toPage } from '../../shared/pagination.ts';
import { type Caller, requireRole } from '../auth/auth.ts';
import { hashPassword } from '../auth/passwords.ts';
import type { TeamRow, UserRow } from './users.repository.ts';
import * as usersRepository from './users.repository.ts';
import type { CreateUserInput, ListUsersQuery, UpdateUserInput } from './users.schemas.ts';

async function assertTeamAndManager(
  db: Kysely<DB>,
  workspaceId: number,
  input: { team_id?: number | null | undefined; manager_id?: number | null | undefined },
): Promise<void> {
  if (input.team_id) {
    const team = await db
      .selectFrom('teams')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', input.team_id)
      .executeTakeFirst();
    if (!team) {
      throw new AppError('VALIDATION_FAILED', `team_id: no team with id ${input.team_id}`, {
        issues: [{ path: 'team_id', message: `no team with id ${input.team_id}` }],
      });
    }
  }
  if (input.manager_id && !(await usersRepository.getUser(db, workspaceId, input.manager_id))) {
    throw new AppError('VALIDATION_FAILED', `manager_id: no user with id ${input.manager_id}`, {
      issues: [{ path: 'manager_id', message: `no user with id ${input.manager_id}` }],
    });
  }
}

export async function createUser(db: Kysely<DB>, caller: Caller, input: CreateUserInput): Promise<UserRow> {
  requireRole(caller, ['admin'], 'create users');
  await assertTeamAndManager(db, caller.workspaceId, input);
  return usersRepository.insertUser(db, {
    workspace_id: caller.workspaceId,
    email: input.email.toLowerCase(),
    name: input.name,
    role: input.role,
    external_id: input.external_id ?? null,
    team_id: input.team_id ?? null,
    manager_id: input.manager_id ?? null,
    status: input.status ?? 'active',
    capacity: input.capacity ?? null,
    password_hash: input.password ? await hashPassword(input.password) : null,
  });
}

export async function updateUser(
  db: Kysely<DB>,
  caller: Caller,
  id: number,
  input: UpdateUserInput,
): Promise<UserRow> {
  const self = caller.userId === id;
  // Anyone may set themselves away/back or change their own password; everything else is admin work.
  const selfService = Object.keys(input).every((key) => key === 'status' || key === 'password');
  if (!(self && selfService)) requireRole(caller, ['admin'], 'change other users or roles');
  if (self && input.status === 'inactive' && caller.role !== 'admin') {
    throw new AppError('FORBIDDEN', 'Only an admin can deactivate a user');
  }
  await assertTeamAndManager(db, caller.workspaceId, input);
  if (input.manager_id === id) {
    throw new AppError('VALIDATION_FAILED', 'manager_id: a user cannot manage themselves', {
      issues: [{ path: 'manager_id', message: 'a user cannot manage themselves' }],
    });
  }
  const { password, email, ...rest } = input;
  const patch: Updateable<UsersTable> = { ...rest };
  if (email !== undefined) patch.email = email.toLowerCase();
  if (password !== undefined) patch.password_hash = await hashPassword(password);
  const user = await usersRepository.updateUser(db, caller.workspaceId, id, patch);
  if (!user) throw new AppError('USER_NOT_FOUND', `User ${id} does not exist`);
  return user;
}

export async function getUser(db: Kysely<DB>, caller: Caller, id: number): Promise<UserRow> {
  const user = await usersRepository.getUser(db, caller.workspaceId, id);
  if (!user) throw new AppError('USER_NOT_FOUND', `User ${id} does not exist`);
  return user;
}

export async function findUsers(
  db: Kysely<DB>,
  caller: Caller,
  query: ListUsersQuery,
): Promise<Page<UserRow>> {
  const rows = await usersRepository.findUsers(
    db,
    caller.workspaceId,
    { role: query.role, teamId: query.team_id, status: query.status, search: query.q },
    query.limit,
    query.cursor,
  );
  return toPage(
    rows,
    query.limit,
    (row) => ({ value: null, id: row.id }),
    (row) => row,
  );
}

export async function findTeams(db: Kysely<DB>, caller: Caller): Promise<TeamRow[]> {
  return usersRepository.findTeams(db, caller.workspaceId);
}

export async function createTeam(
  db: Kysely<DB>,
  caller: Caller,
  input: { name: string; manager_id?: number | null | undefined },
): Promise<TeamRow> {
  requireRole(caller, ['admin'], 'create teams');
  await assertTeamAndManager(db, caller.workspaceId, { manager_id: input.manager_id });
  const id = await usersRepository.insertTeam(db, { workspace_id: caller.workspaceId, ...input });
  return getTeam(db, caller, id);
}

export async function getTeam(db: Kysely<DB>, caller: Caller, id: number): Promise<TeamRow> {
  const team = (await usersRepository.findTeams(db, caller.workspaceId)).find((row) => row.id === id);
  if (!team) throw new AppError('TEAM_NOT_FOUND', `Team ${id} does not exist`);
  return team;
}

export async function updateTeam(
  db: Kysely<DB>,
  caller: Caller,
  id: number,
  input: { name?: string | undefined; manager_id?: number | null | undefined },
): Promise<TeamRow> {
  requireRole(caller, ['admin'], 'change teams');
  await assertTeamAndManager(db, caller.workspaceId, { manager_id: input.manager_id });
  if (!(await usersRepository.updateTeam(db, caller.workspaceId, id, input))) {
    throw new AppError('TEAM_NOT_FOUND', `Team ${id} does not exist`);
  }
  return getTeam(db, caller, id);
}

export async function deleteTeam(db: Kysely<DB>, caller: Caller, id: number): Promise<void> {
  requireRole(caller, ['admin'], 'delete teams');
  if (!(await usersRepository.deleteTeam(db, caller.workspaceId, id))) {
    throw new AppError('TEAM_NOT_FOUND', `Team ${id} does not exist`);
  }
}
