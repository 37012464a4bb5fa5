import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import type { Actor } from '../modules/auth/auth.ts';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<DB>;
    database: Database;
    /** Whether this app runs background work on its own timers (the scoring job runner). */
    backgroundWork: boolean;
  }
  interface FastifyRequest {
    /** Set by the auth hook on every non-public route. */
    actor: Actor;
  }
  interface FastifyContextConfig {
    /** Routes open without a session or token (health, login, docs, web forms). */
    public?: boolean;
  }
}
