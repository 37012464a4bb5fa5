import { AppError } from '../../shared/errors.ts';
import type { Caller } from '../auth/auth.ts';

/** Marketing and admins change any lead; reps change the leads they own; executives read. */
export function assertCanChangeLead(caller: Caller, lead: { id: number; owner_id: number | null }): void {
  if (caller.role === 'system' || caller.role === 'admin' || caller.role === 'marketing') return;
  if ((caller.role === 'sales' || caller.role === 'sdr') && lead.owner_id === caller.userId) return;
  throw new AppError(
    'FORBIDDEN',
    caller.role === 'executive'
      ? 'Executives can read leads but not change them'
      : `Lead ${lead.id} is not yours; reps change only the leads they own`,
  );
}

export function assertCanCreateLead(caller: Caller): void {
  if (caller.role === 'executive')
    throw new AppError('FORBIDDEN', 'Executives can read leads but not create them');
}

/** Splits "mql,sal" into stages, naming the bad one. */
export function parseStageList<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  field: string,
): T[] | undefined {
  if (!value) return undefined;
  const parts = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  for (const part of parts) {
    if (!(allowed as readonly string[]).includes(part)) {
      throw new AppError('VALIDATION_FAILED', `${field}: "${part}" is not one of ${allowed.join(', ')}`, {
        issues: [{ path: field, message: `"${part}" is not one of ${allowed.join(', ')}` }],
      });
    }
  }
  return parts as T[];
}

export function parseIdList(value: string | undefined, field: string): number[] | undefined {
  if (!value) return undefined;
  const ids = value.split(',').map((part) => Number(part.trim()));
  const bad = ids.findIndex((id) => !Number.isInteger(id) || id <= 0);
  if (bad >= 0) {
    throw new AppError('VALIDATION_FAILED', `${field}: item ${bad + 1} is not a positive integer id`, {
      issues: [{ path: field, message: 'must be comma-separated positive integer ids' }],
    });
  }
  return ids;
}
