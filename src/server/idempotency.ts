import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isUniqueViolation } from '../shared/errors.ts';

const MAX_KEY_LENGTH = 255;

function requestHash(request: FastifyRequest): string {
  return createHash('sha256')
    .update(JSON.stringify(request.body ?? null))
    .digest('hex');
}

/**
 * Runs a write at most once per Idempotency-Key header: a retry with the same key and body
 * gets the first response again; the same key with another body is refused. Without the
 * header the write simply runs (batch items are idempotent by external_id anyway).
 */
export async function withIdempotency<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  statusCode: number,
  run: () => Promise<T>,
): Promise<T> {
  const header = request.headers['idempotency-key'];
  const key = Array.isArray(header) ? header[0] : header;
  if (!key) return run();
  if (key.length > MAX_KEY_LENGTH) {
    throw new AppError('VALIDATION_FAILED', `Idempotency-Key: longer than ${MAX_KEY_LENGTH} characters`, {
      issues: [{ path: 'headers.idempotency-key', message: `longer than ${MAX_KEY_LENGTH} characters` }],
    });
  }
  const db = request.server.db;
  const workspaceId = request.actor.workspaceId;
  const route = `${request.method} ${request.routeOptions.url ?? request.url}`;
  const hash = requestHash(request);
  const replay = async (): Promise<T | undefined> => {
    const stored = await db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('key', '=', key)
      .executeTakeFirst();
    if (!stored) return undefined;
    if (stored.route !== route || stored.request_hash !== hash) {
      throw new AppError(
        'IDEMPOTENCY_KEY_REUSED',
        `Idempotency-Key "${key}" was already used for a different request`,
      );
    }
    void reply.header('idempotent-replay', 'true').status(stored.status_code);
    return stored.response as T;
  };
  const earlier = await replay();
  if (earlier !== undefined) return earlier;
  const result = await run();
  try {
    await db
      .insertInto('idempotency_keys')
      .values({
        workspace_id: workspaceId,
        key,
        route,
        request_hash: hash,
        status_code: statusCode,
        response: JSON.stringify(result),
      })
      .execute();
  } catch (error) {
    // A concurrent request with the same key finished first; its response stands.
    if (!isUniqueViolation(error)) throw error;
    const winner = await replay();
    if (winner !== undefined) return winner;
  }
  void reply.status(statusCode);
  return result;
}
