import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../shared/errors.ts';
import * as authRepository from './auth.repository.ts';
import { type Actor, type Caller, requireRole, SESSION_DAYS } from './auth.ts';
import { hashToken, newApiToken, newSessionToken, verifyPassword } from './passwords.ts';

export interface LoginResult {
  sessionToken: string;
  expiresAt: Date;
  user: { id: number; workspace_id: number; email: string; name: string; role: Actor['role'] };
}

// A hash of a random password, so unknown emails cost the same time as wrong passwords.
const TIMING_DUMMY = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

export async function login(
  db: Kysely<DB>,
  input: { email: string; password: string; workspace?: string | undefined },
  now = new Date(),
): Promise<LoginResult> {
  const candidates = await authRepository.findUserForLogin(db, input.email, input.workspace);
  const user = candidates.find(
    (candidate) => candidate.password_hash !== null && candidate.status !== 'inactive',
  );
  const valid = await verifyPassword(input.password, user?.password_hash ?? TIMING_DUMMY);
  if (!user || !valid) throw new AppError('INVALID_CREDENTIALS', 'Email or password is not correct');
  const sessionToken = newSessionToken();
  const expiresAt = new Date(now.getTime() + SESSION_DAYS * 86_400_000);
  await authRepository.insertSession(db, {
    workspaceId: user.workspace_id,
    userId: user.id,
    tokenHash: hashToken(sessionToken),
    expiresAt,
  });
  return {
    sessionToken,
    expiresAt,
    user: {
      id: user.id,
      workspace_id: user.workspace_id,
      email: user.email,
      name: user.name,
      role: user.role,
    },
  };
}

export async function logout(db: Kysely<DB>, sessionToken: string): Promise<void> {
  await authRepository.deleteSession(db, hashToken(sessionToken));
}

export async function actorFromSession(
  db: Kysely<DB>,
  sessionToken: string,
  now = new Date(),
): Promise<Actor | null> {
  const row = await authRepository.findSessionUser(db, hashToken(sessionToken), now);
  if (!row || row.status === 'inactive') return null;
  return { workspaceId: row.workspace_id, userId: row.user_id, role: row.role, via: 'session' };
}

export async function actorFromApiToken(
  db: Kysely<DB>,
  token: string,
  now = new Date(),
): Promise<Actor | null> {
  const row = await authRepository.findTokenUser(db, hashToken(token));
  if (!row || row.status === 'inactive') return null;
  await authRepository.touchToken(db, row.token_id, now);
  return { workspaceId: row.workspace_id, userId: row.user_id, role: row.role, via: 'token' };
}

export interface CreatedToken {
  token: string;
  record: authRepository.ApiTokenRow;
}

/** Creates an API token for a user; the secret is returned once and only its hash is kept. */
export async function createApiToken(
  db: Kysely<DB>,
  caller: Caller,
  input: { name: string; userId?: number | undefined },
): Promise<CreatedToken> {
  const userId = input.userId ?? caller.userId;
  if (userId === null || userId === undefined) {
    throw new AppError('VALIDATION_FAILED', 'user_id: required when no user is signed in', {
      issues: [{ path: 'user_id', message: 'required when no user is signed in' }],
    });
  }
  if (userId !== caller.userId) requireRole(caller, ['admin'], 'create tokens for other users');
  const owner = await db
    .selectFrom('users')
    .select('id')
    .where('workspace_id', '=', caller.workspaceId)
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!owner) throw new AppError('USER_NOT_FOUND', `User ${userId} does not exist`);
  const token = newApiToken();
  const record = await authRepository.insertApiToken(db, {
    workspaceId: caller.workspaceId,
    userId,
    name: input.name,
    tokenHash: hashToken(token),
    prefix: token.slice(0, 10),
  });
  return { token, record };
}

export async function findApiTokens(db: Kysely<DB>, caller: Caller): Promise<authRepository.ApiTokenRow[]> {
  const onlyOwn = caller.role !== 'admin' && caller.role !== 'system';
  return authRepository.findApiTokens(db, caller.workspaceId, onlyOwn ? (caller.userId ?? -1) : undefined);
}

export async function revokeApiToken(
  db: Kysely<DB>,
  caller: Caller,
  tokenId: number,
  now = new Date(),
): Promise<authRepository.ApiTokenRow> {
  const onlyOwn = caller.role !== 'admin' && caller.role !== 'system';
  const revoked = await authRepository.revokeApiToken(
    db,
    caller.workspaceId,
    tokenId,
    now,
    onlyOwn ? (caller.userId ?? -1) : undefined,
  );
  if (!revoked) throw new AppError('TOKEN_NOT_FOUND', `API token ${tokenId} does not exist`);
  return revoked;
}
