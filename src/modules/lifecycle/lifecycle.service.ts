import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { EventOrigin, LifecycleStage } from '../../db/tables/foundation.ts';
import { AppError } from '../../shared/errors.ts';
import type { LeadPatch, LeadRow } from '../leads/leads.repository.ts';
import * as leadsRepository from '../leads/leads.repository.ts';
import { insertLifecycleEvent, type LifecycleEventRow } from './lifecycle.repository.ts';
import { checkTransition, STAGE_REACHED_COLUMN, stampsFor } from './lifecycle.ts';

export interface TransitionRequest {
  to: LifecycleStage;
  at: Date;
  actorId: number | null;
  origin: EventOrigin;
  reason?: string | null | undefined;
  /** Extra columns to write in the same update (owner on routing, lead_status on rejection...). */
  patch?: LeadPatch;
}

export interface TransitionResult {
  lead: LeadRow;
  event: LifecycleEventRow;
}

function reachedOf(lead: LeadRow): Partial<Record<LifecycleStage, Date | null>> {
  const reached: Partial<Record<LifecycleStage, Date | null>> = {};
  for (const [stage, column] of Object.entries(STAGE_REACHED_COLUMN) as [LifecycleStage, keyof LeadRow][]) {
    reached[stage] = lead[column] as Date | null;
  }
  return reached;
}

/**
 * The only way a lead's stage changes. Must run inside a transaction: it locks the lead,
 * checks the state machine, stamps the reached-at columns and appends the event.
 */
export async function transitionLead(
  trx: Kysely<DB>,
  workspaceId: number,
  leadId: number,
  request: TransitionRequest,
): Promise<TransitionResult> {
  const lead = await leadsRepository.getLeadForUpdate(trx, workspaceId, leadId);
  if (!lead) throw new AppError('LEAD_NOT_FOUND', `Lead ${leadId} does not exist`);
  return transitionLockedLead(trx, lead, request);
}

/** As transitionLead, for a lead the caller has already locked with getLeadForUpdate. */
export async function transitionLockedLead(
  trx: Kysely<DB>,
  lead: LeadRow,
  request: TransitionRequest,
): Promise<TransitionResult> {
  const check = checkTransition(lead.stage, request.to);
  if (!check.allowed) {
    throw new AppError(
      'INVALID_TRANSITION',
      `Lead ${lead.id} cannot move from ${lead.stage} to ${request.to}: ${check.reason}`,
      {
        details: { lead_id: lead.id, from: lead.stage, to: request.to },
      },
    );
  }
  const patch: LeadPatch = { ...request.patch, stage: request.to };
  for (const stage of stampsFor(reachedOf(lead), request.to, check.passedThrough)) {
    (patch as Record<string, unknown>)[STAGE_REACHED_COLUMN[stage]] = request.at;
  }
  // Re-entering a stage after recycling: the first-reached moment stays, the event records the return.
  const updated = await leadsRepository.updateLead(trx, lead.workspace_id, lead.id, patch);
  const event = await insertLifecycleEvent(trx, {
    workspace_id: lead.workspace_id,
    lead_id: lead.id,
    from_stage: lead.stage,
    to_stage: request.to,
    occurred_at: request.at,
    actor_id: request.actorId,
    origin: request.origin,
    reason: request.reason ?? null,
  });
  return { lead: updated, event };
}
