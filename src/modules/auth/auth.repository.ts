import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Role } from '../../db/tables/foundation.ts';

export interface AuthUserRow {
  id: number;
  workspace_id: number;
  email: string;
  name: string;
  role: Role;
  status: 'active' | 'away' | 'inactive';
  password_hash: string | null;
}

export async function findUserForLogin(
  db: Kysely<DB>,
  email: string,
  workspaceSlug?: string,
): Promise<AuthUserRow[]> {
  let query = db
    .selectFrom('users')
    .innerJoin('workspaces', 'workspaces.id', 'users.workspace_id')
    .select([
      'users.id',
      'users.workspace_id',
      'users.email',
      'users.name',
      'users.role',
      'users.status',
      'users.password_hash',
    ])
    .where((eb) => eb(eb.fn('lower', ['users.email']), '=', email.toLowerCase()));
  if (workspaceSlug) query = query.where('workspaces.slug', '=', workspaceSlug);
  return query.orderBy('users.workspace_id').execute();
}

export async function insertSession(
  db: Kysely<DB>,
  session: { workspaceId: number; userId: number; tokenHash: string; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      workspace_id: session.workspaceId,
      user_id: session.userId,
      token_hash: session.tokenHash,
      expires_at: session.expiresAt,
    })
    .execute();
}

export async function deleteSession(db: Kysely<DB>, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

export async function findSessionUser(db: Kysely<DB>, tokenHash: string, now: Date) {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['users.id as user_id', 'users.workspace_id', 'users.role', 'users.status'])
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.expires_at', '>', now)
    .executeTakeFirst();
}

export async function findTokenUser(db: Kysely<DB>, tokenHash: string) {
  return db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select([
      'api_tokens.id as token_id',
      'users.id as user_id',
      'users.workspace_id',
      'users.role',
      'users.status',
    ])
    .where('api_tokens.token_hash', '=', tokenHash)
    .where('api_tokens.revoked_at', 'is', null)
    .executeTakeFirst();
}

export async function touchToken(db: Kysely<DB>, tokenId: number, now: Date): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', tokenId).execute();
}

export interface ApiTokenRow {
  id: number;
  user_id: number;
  name: string;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export async function insertApiToken(
  db: Kysely<DB>,
  token: { workspaceId: number; userId: number; name: string; tokenHash: string; prefix: string },
): Promise<ApiTokenRow> {
  return db
    .insertInto('api_tokens')
    .values({
      workspace_id: token.workspaceId,
      user_id: token.userId,
      name: token.name,
      token_hash: token.tokenHash,
      prefix: token.prefix,
    })
    .returning(['id', 'user_id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at'])
    .executeTakeFirstOrThrow();
}

export async function findApiTokens(
  db: Kysely<DB>,
  workspaceId: number,
  userId?: number,
): Promise<ApiTokenRow[]> {
  let query = db
    .selectFrom('api_tokens')
    .select(['id', 'user_id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at'])
    .where('workspace_id', '=', workspaceId);
  if (userId !== undefined) query = query.where('user_id', '=', userId);
  return query.orderBy('id').execute();
}

export async function revokeApiToken(
  db: Kysely<DB>,
  workspaceId: number,
  tokenId: number,
  now: Date,
  userId?: number,
): Promise<ApiTokenRow | undefined> {
  let query = db
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', tokenId);
  if (userId !== undefined) query = query.where('user_id', '=', userId);
  return query
    .returning(['id', 'user_id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at'])
    .executeTakeFirst();
}
