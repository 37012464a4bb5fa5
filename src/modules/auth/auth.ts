import type { Role } from '../../db/tables/foundation.ts';
import { AppError } from '../../shared/errors.ts';

/** Who is making a call, resolved from a session cookie or an API token. */
export interface Actor {
  workspaceId: number;
  userId: number;
  role: Role;
  via: 'session' | 'token';
}

/** Work done by Tandem itself (imports from the CLI, the SLA worker, the demo generator). */
export interface SystemActor {
  workspaceId: number;
  userId: null;
  role: 'system';
  via: 'system';
}

export type Caller = Actor | SystemActor;

export function systemCaller(workspaceId: number): SystemActor {
  return { workspaceId, userId: null, role: 'system', via: 'system' };
}

export function requireRole(caller: Caller, roles: readonly Role[], action: string): void {
  if (caller.role === 'system') return;
  if (!roles.includes(caller.role)) {
    throw new AppError(
      'FORBIDDEN',
      `Your role (${caller.role}) cannot ${action}; it needs ${roles.join(' or ')}`,
    );
  }
}

export const SESSION_COOKIE = 'tandem_session';
export const SESSION_DAYS = 14;
