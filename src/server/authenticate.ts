import type { FastifyReply, FastifyRequest } from 'fastify';
import { actorFromApiToken, actorFromSession } from '../modules/auth/auth.service.ts';
import { SESSION_COOKIE } from '../modules/auth/auth.ts';
import { AppError } from '../shared/errors.ts';
import { errorBody } from './error-handler.ts';

/** Resolves the caller of every /api/v1 route not marked public; static files and docs are open. */
export async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const path = request.url;
  if (!path.startsWith('/api/')) return;
  if (request.routeOptions.config?.public) return;
  if (request.is404) return;
  const header = request.headers.authorization;
  let actor = null;
  if (header?.startsWith('Bearer ')) {
    actor = await actorFromApiToken(request.server.db, header.slice('Bearer '.length).trim());
  } else {
    const session = request.cookies[SESSION_COOKIE];
    if (session) actor = await actorFromSession(request.server.db, session);
  }
  if (!actor) {
    const error = new AppError(
      'UNAUTHENTICATED',
      header
        ? 'The API token is not valid or was revoked'
        : 'Sign in or send an API token (Authorization: Bearer ...)',
    );
    await reply.status(401).send(errorBody(error, request.id));
    return reply;
  }
  request.actor = actor;
}
