import { z } from 'zod';
import type { App } from '../../server/types.ts';
import { isoOrNull } from '../../shared/time.ts';
import type { ApiTokenRow } from './auth.repository.ts';
import {
  apiTokenSchema,
  createdTokenResponse,
  createTokenBody,
  loginBody,
  meResponse,
} from './auth.schemas.ts';
import * as authService from './auth.service.ts';
import { SESSION_COOKIE } from './auth.ts';

function toApiToken(row: ApiTokenRow): z.infer<typeof apiTokenSchema> {
  return {
    id: row.id,
    user_id: row.user_id,
    name: row.name,
    prefix: row.prefix,
    created_at: row.created_at.toISOString(),
    last_used_at: isoOrNull(row.last_used_at),
    revoked_at: isoOrNull(row.revoked_at),
  };
}

export function registerAuthRoutes(api: App): void {
  api.post(
    '/auth/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password; sets the session cookie',
        body: loginBody,
        response: { 200: meResponse },
      },
    },
    async (request, reply) => {
      const result = await authService.login(api.db, request.body);
      void reply.setCookie(SESSION_COOKIE, result.sessionToken, {
        httpOnly: true,
        sameSite: 'lax',
        path: '/',
        secure: request.protocol === 'https',
        expires: result.expiresAt,
      });
      return { user: result.user };
    },
  );

  api.post(
    '/auth/logout',
    {
      config: { public: true },
      schema: { tags: ['auth'], summary: 'End the session', response: { 204: z.null() } },
    },
    async (request, reply) => {
      const session = request.cookies[SESSION_COOKIE];
      if (session) await authService.logout(api.db, session);
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  api.get(
    '/auth/me',
    { schema: { tags: ['auth'], summary: 'The signed-in user', response: { 200: meResponse } } },
    async (request) => {
      const user = await api.db
        .selectFrom('users')
        .select(['id', 'workspace_id', 'email', 'name', 'role'])
        .where('id', '=', request.actor.userId)
        .executeTakeFirstOrThrow();
      return { user };
    },
  );

  api.get(
    '/tokens',
    {
      schema: {
        tags: ['auth'],
        summary: 'API tokens (admins see all, others their own)',
        response: { 200: z.object({ items: z.array(apiTokenSchema) }) },
      },
    },
    async (request) => ({ items: (await authService.findApiTokens(api.db, request.actor)).map(toApiToken) }),
  );

  api.post(
    '/tokens',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an API token; the secret is shown once',
        body: createTokenBody,
        response: { 201: createdTokenResponse },
      },
    },
    async (request, reply) => {
      const created = await authService.createApiToken(api.db, request.actor, {
        name: request.body.name,
        userId: request.body.user_id,
      });
      return reply.status(201).send({ token: created.token, api_token: toApiToken(created.record) });
    },
  );

  api.delete(
    '/tokens/:id',
    {
      schema: {
        tags: ['auth'],
        summary: 'Revoke an API token',
        params: z.object({ id: z.coerce.number().int().positive() }),
        response: { 200: apiTokenSchema },
      },
    },
    async (request) => toApiToken(await authService.revokeApiToken(api.db, request.actor, request.params.id)),
  );
}
