import type { LifecycleStage, OpportunityStatus } from '../../db/tables/foundation.ts';
import { AppError, type FieldIssue } from '../../shared/errors.ts';
import type { Caller } from '../auth/auth.ts';

export const OPPORTUNITY_STATUSES = ['open', 'won', 'lost'] as const satisfies readonly OpportunityStatus[];

/** The columns the closing rules govern. */
export interface OpportunityClosing {
  status: OpportunityStatus;
  stage: string;
  created_at: Date;
  closed_at: Date | null;
  reason: string | null;
}

/** What a request asks to change about them (undefined: leave as is). */
export interface OpportunityClosingChange {
  status?: OpportunityStatus | undefined;
  stage?: string | undefined;
  created_at?: Date | undefined;
  closed_at?: Date | null | undefined;
  reason?: string | null | undefined;
}

/**
 * The closing rules, for a new opportunity (`current` null) or a change to one:
 * - won or lost needs closed_at: the one given, else the one it already had, else `now`;
 *   it must not be before created_at;
 * - open has no closed_at: reopening clears it (and the old win/loss reason), and giving one
 *   to an open deal is refused;
 * - becoming lost needs a reason (why it was lost), given now or kept from before; a win
 *   reason is welcome but optional;
 * - the stage label follows a status change when none is given ('open', 'won', 'lost').
 * Returns the resulting columns, or the issues naming the fields at fault.
 */
export function resolveClosing(
  current: OpportunityClosing | null,
  change: OpportunityClosingChange,
  now: Date,
): { closing: OpportunityClosing; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const previousStatus = current?.status ?? null;
  const status = change.status ?? previousStatus ?? 'open';
  const statusChanged = status !== previousStatus;
  const createdAt = change.created_at ?? current?.created_at ?? now;
  let closedAt: Date | null;
  if (status === 'open') {
    if (change.closed_at) {
      issues.push({ path: 'closed_at', message: 'only won or lost opportunities have closed_at' });
    }
    closedAt = null;
  } else {
    if (change.closed_at === null) {
      issues.push({
        path: 'closed_at',
        message: `a ${status} opportunity needs closed_at (leave it out for now)`,
      });
    }
    closedAt = change.closed_at ?? current?.closed_at ?? now;
    if (closedAt.getTime() < createdAt.getTime()) {
      issues.push({
        path: change.closed_at ? 'closed_at' : change.created_at ? 'created_at' : 'closed_at',
        message: `closed_at (${closedAt.toISOString()}) must not be before created_at (${createdAt.toISOString()})`,
      });
    }
  }
  const reopened = status === 'open' && previousStatus !== null && previousStatus !== 'open';
  const reason = change.reason !== undefined ? change.reason : reopened ? null : (current?.reason ?? null);
  if (status === 'lost' && !reason && (previousStatus !== 'lost' || change.reason !== undefined)) {
    issues.push({ path: 'reason', message: 'a lost opportunity needs a reason (why it was lost)' });
  }
  const stage = change.stage ?? (statusChanged ? status : (current?.stage ?? status));
  return { closing: { status, stage, created_at: createdAt, closed_at: closedAt, reason }, issues };
}

const BEFORE_OPPORTUNITY: readonly LifecycleStage[] = ['subscriber', 'lead', 'mql', 'sal', 'sql'];

/**
 * Where an opportunity's primary lead must move, in order: a lead still in an earlier open
 * funnel stage becomes an opportunity, and a won deal makes it a customer. Leads that were
 * recycled or disqualified, or are already further along, stay where they are.
 */
export function leadStagesToReach(leadStage: LifecycleStage, status: OpportunityStatus): LifecycleStage[] {
  const stages: LifecycleStage[] = [];
  const beforeOpportunity = BEFORE_OPPORTUNITY.includes(leadStage);
  if (beforeOpportunity) stages.push('opportunity');
  if (status === 'won' && (beforeOpportunity || leadStage === 'opportunity')) stages.push('customer');
  return stages;
}

function isRep(caller: Caller): boolean {
  return caller.role === 'sales' || caller.role === 'sdr';
}

export function assertCanCreateOpportunity(caller: Caller): void {
  if (caller.role === 'executive')
    throw new AppError('FORBIDDEN', 'Executives can read opportunities but not create them');
}

/** Admins and marketing change any opportunity; reps the ones they own; executives read. */
export function assertCanChangeOpportunity(
  caller: Caller,
  opportunity: { id: number; owner_id: number | null },
): void {
  if (caller.role === 'system' || caller.role === 'admin' || caller.role === 'marketing') return;
  if (isRep(caller) && opportunity.owner_id === caller.userId) return;
  throw new AppError(
    'FORBIDDEN',
    caller.role === 'executive'
      ? 'Executives can read opportunities but not change them'
      : `Opportunity ${opportunity.id} is not yours; reps change only the opportunities they own`,
  );
}

/** Reps keep their deals; handing one to someone else is a manager's or marketing's call. */
export function assertCanAssignOpportunity(
  caller: Caller,
  currentOwnerId: number | null,
  newOwnerId: number | null | undefined,
): void {
  if (newOwnerId === undefined || newOwnerId === currentOwnerId || !isRep(caller)) return;
  if (currentOwnerId === null && newOwnerId === caller.userId) return;
  throw new AppError(
    'FORBIDDEN',
    'Reps cannot give opportunities to someone else; ask a manager or marketing',
    {
      issues: [{ path: 'owner_id', message: 'reps cannot reassign opportunities' }],
    },
  );
}

export function assertCanDeleteOpportunity(caller: Caller): void {
  if (caller.role === 'system' || caller.role === 'admin' || caller.role === 'marketing') return;
  throw new AppError(
    'FORBIDDEN',
    `Your role (${caller.role}) cannot delete opportunities; it needs admin or marketing`,
  );
}
