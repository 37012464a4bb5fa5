import { z } from 'zod';
import type { App } from '../../server/types.ts';
import type { TeamRow, UserRow } from './users.repository.ts';
import {
  type ApiUser,
  createTeamBody,
  createUserBody,
  listUsersQuery,
  teamSchema,
  updateTeamBody,
  updateUserBody,
  userPageSchema,
  userSchema,
} from './users.schemas.ts';
import * as usersService from './users.service.ts';

export function toApiUser(row: UserRow): ApiUser {
  return {
    id: row.id,
    external_id: row.external_id,
    email: row.email,
    name: row.name,
    role: row.role,
    team_id: row.team_id,
    manager_id: row.manager_id,
    status: row.status,
    capacity: row.capacity,
    has_password: row.password_hash !== null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

function toApiTeam(row: TeamRow): z.infer<typeof teamSchema> {
  return { ...row, members: Number(row.members), created_at: row.created_at.toISOString() };
}

const idParams = z.object({ id: z.coerce.number().int().positive() });

export function registerUserRoutes(api: App): void {
  api.get(
    '/users',
    {
      schema: {
        tags: ['users'],
        summary: 'List users',
        querystring: listUsersQuery,
        response: { 200: userPageSchema },
      },
    },
    async (request) => {
      const page = await usersService.findUsers(api.db, request.actor, request.query);
      return { items: page.items.map(toApiUser), next_cursor: page.next_cursor };
    },
  );
  api.post(
    '/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Create a user (admins)',
        body: createUserBody,
        response: { 201: userSchema },
      },
    },
    async (request, reply) =>
      reply.status(201).send(toApiUser(await usersService.createUser(api.db, request.actor, request.body))),
  );
  api.get(
    '/users/:id',
    { schema: { tags: ['users'], summary: 'One user', params: idParams, response: { 200: userSchema } } },
    async (request) => toApiUser(await usersService.getUser(api.db, request.actor, request.params.id)),
  );
  api.patch(
    '/users/:id',
    {
      schema: {
        tags: ['users'],
        summary: 'Change a user (admins; anyone may set their own status and password)',
        params: idParams,
        body: updateUserBody,
        response: { 200: userSchema },
      },
    },
    async (request) =>
      toApiUser(await usersService.updateUser(api.db, request.actor, request.params.id, request.body)),
  );

  api.get(
    '/teams',
    {
      schema: {
        tags: ['users'],
        summary: 'List teams',
        response: { 200: z.object({ items: z.array(teamSchema) }) },
      },
    },
    async (request) => ({ items: (await usersService.findTeams(api.db, request.actor)).map(toApiTeam) }),
  );
  api.post(
    '/teams',
    {
      schema: {
        tags: ['users'],
        summary: 'Create a team (admins)',
        body: createTeamBody,
        response: { 201: teamSchema },
      },
    },
    async (request, reply) =>
      reply.status(201).send(toApiTeam(await usersService.createTeam(api.db, request.actor, request.body))),
  );
  api.patch(
    '/teams/:id',
    {
      schema: {
        tags: ['users'],
        summary: 'Change a team (admins)',
        params: idParams,
        body: updateTeamBody,
        response: { 200: teamSchema },
      },
    },
    async (request) =>
      toApiTeam(await usersService.updateTeam(api.db, request.actor, request.params.id, request.body)),
  );
  api.delete(
    '/teams/:id',
    {
      schema: {
        tags: ['users'],
        summary: 'Delete a team (admins)',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await usersService.deleteTeam(api.db, request.actor, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
