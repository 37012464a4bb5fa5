import type { ActivityType } from '../../db/tables/foundation.ts';
import { AppError } from '../../shared/errors.ts';
import type { Caller } from '../auth/auth.ts';

export const ACTIVITY_TYPES = ['call', 'email', 'meeting', 'note'] as const satisfies readonly ActivityType[];

export interface OwnedRecord {
  id: number;
  owner_id: number | null;
}

export interface ActivityTarget {
  lead?: OwnedRecord | undefined;
  opportunity?: OwnedRecord | undefined;
  actorId: number | null;
}

function isRep(caller: Caller): boolean {
  return caller.role === 'sales' || caller.role === 'sdr';
}

/**
 * Who may log an activity where: admins and marketing anywhere; reps as themselves, on a lead
 * or an opportunity they own (owning either record of an activity that names both is enough:
 * an account executive logs a call with a contact an SDR owns on the AE's own deal);
 * executives read only. Returns the reason when refused.
 */
export function activityRefusal(caller: Caller, target: ActivityTarget): string | null {
  if (caller.role === 'system' || caller.role === 'admin' || caller.role === 'marketing') return null;
  if (!isRep(caller)) return 'Executives can read activities but not log them';
  if (target.actorId !== caller.userId) {
    return `reps log activities as themselves, not as user ${target.actorId ?? '(none)'}`;
  }
  const owns = (record: OwnedRecord | undefined) => record !== undefined && record.owner_id === caller.userId;
  if (owns(target.lead) || owns(target.opportunity)) return null;
  const named = [
    target.lead ? `lead ${target.lead.id}` : null,
    target.opportunity ? `opportunity ${target.opportunity.id}` : null,
  ]
    .filter(Boolean)
    .join(' and ');
  return `${named} ${target.lead && target.opportunity ? 'are' : 'is'} not yours; reps log activities only on leads or opportunities they own`;
}

export function assertCanLogActivity(caller: Caller, target: ActivityTarget): void {
  const refusal = activityRefusal(caller, target);
  if (refusal) throw new AppError('FORBIDDEN', refusal.charAt(0).toUpperCase() + refusal.slice(1));
}

/** Admins and marketing change any activity; reps the ones they logged; executives none. */
export function assertCanChangeActivity(
  caller: Caller,
  activity: { id: number; actor_id: number | null },
): void {
  if (caller.role === 'system' || caller.role === 'admin' || caller.role === 'marketing') return;
  if (isRep(caller) && activity.actor_id === caller.userId) return;
  throw new AppError(
    'FORBIDDEN',
    caller.role === 'executive'
      ? 'Executives can read activities but not change them'
      : `Activity ${activity.id} was logged by someone else; reps change only their own activities`,
  );
}
