import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { LifecycleStage } from '../../db/tables/foundation.ts';
import { AppError, type FieldIssue, validationError } from '../../shared/errors.ts';
import { decodeCursor, encodeCursor, type Page } from '../../shared/pagination.ts';
import { type Caller, requireRole } from '../auth/auth.ts';
import type { LeadRow } from '../leads/leads.repository.ts';
import * as leadsRepository from '../leads/leads.repository.ts';
import { assertCanChangeLead } from '../leads/leads.ts';
import { type TransitionResult, transitionLockedLead } from '../lifecycle/lifecycle.service.ts';
import { enqueueNotification } from '../notifications/notifications.service.ts';
import type { LeadAssignmentRow } from '../routing/routing.repository.ts';
import {
  type AssignmentToRecord,
  RoutingSession,
  recordAssignments,
  routeLead,
} from '../routing/routing.service.ts';
import * as scoringRepository from '../scoring/scoring.repository.ts';
import {
  canonicalQualificationField,
  missingQualificationFields,
  qualificationFieldLabel,
  type ScoringModel,
} from '../scoring/scoring.ts';
import * as repository from './qualification.repository.ts';

/** Stages a lead is handed to sales from; moving from them into HANDOFF_STAGES passes the gate. */
export const PRE_HANDOFF_STAGES: readonly LifecycleStage[] = ['subscriber', 'lead', 'recycled'];
export const HANDOFF_STAGES: readonly LifecycleStage[] = ['mql', 'sal', 'sql'];

export function isHandoff(from: LifecycleStage, to: LifecycleStage): boolean {
  return PRE_HANDOFF_STAGES.includes(from) && HANDOFF_STAGES.includes(to);
}

export async function getQualificationFields(db: Kysely<DB>, caller: Caller): Promise<string[]> {
  return repository.getFields(db, caller.workspaceId);
}

/**
 * Sets the fields a lead must have before handoff (admins). Leads already waiting are
 * evaluated again in the same transaction: with a field dropped, some may go to sales now.
 */
export async function saveQualificationFields(
  db: Kysely<DB>,
  caller: Caller,
  fields: string[],
  now = new Date(),
): Promise<string[]> {
  requireRole(caller, ['admin'], 'change qualification fields');
  const issues: FieldIssue[] = [];
  const canonical: string[] = [];
  fields.forEach((field, index) => {
    const name = canonicalQualificationField(field);
    if (!name) {
      issues.push({
        path: `fields.${index}`,
        message: `"${field}" is not a lead field or custom field key (account fields cannot be required)`,
      });
    } else if (canonical.includes(name)) {
      issues.push({ path: `fields.${index}`, message: `"${field}" is listed twice` });
    } else {
      canonical.push(name);
    }
  });
  if (issues.length) throw validationError(issues);
  return db.transaction().execute(async (trx) => {
    await repository.saveFields(trx, caller.workspaceId, canonical, caller.userId, now);
    const waiting = await repository.queuedLeadIds(trx, caller.workspaceId);
    if (waiting.length) {
      await scoringRepository.lockLeads(trx, caller.workspaceId, waiting);
      const { definition } = await scoringRepository.loadCurrentModel(trx, caller.workspaceId);
      await evaluateHandoffs(trx, caller.workspaceId, waiting, definition, now);
    }
    return canonical;
  });
}

export interface HandoffOutcome {
  /** Leads that became MQL. */
  handedOff: number[];
  /** Leads that reached the MQL score without their qualification fields (newly or still). */
  waiting: number[];
  /** Of `waiting`, those put on the list now (marketing was notified). */
  newlyWaiting: number[];
}

/**
 * For leads whose score was just written: each one at or above the MQL score that may still
 * become MQL either moves to MQL (origin system) and, without an owner, is routed in the same
 * update; or, if qualification fields are missing, waits on the "needs qualification" list
 * (set-based; marketing is told once per stay). Leads in scope that no longer qualify leave
 * the list. Runs in the caller's transaction, which must hold the leads' row locks; only
 * leads actually handed off cost per-lead work.
 */
export async function evaluateHandoffs(
  trx: Kysely<DB>,
  workspaceId: number,
  leadIds: readonly number[],
  model: ScoringModel,
  now: Date,
): Promise<HandoffOutcome> {
  const outcome: HandoffOutcome = { handedOff: [], waiting: [], newlyWaiting: [] };
  if (leadIds.length === 0) return outcome;
  const mql = model.thresholds.mql;
  const fields = await repository.getFields(trx, workspaceId);
  const candidates = await scoringRepository.findHandoffCandidates(
    trx,
    workspaceId,
    { kind: 'ids', ids: leadIds },
    mql,
    fields,
  );
  const waiting = candidates.filter((candidate) => candidate.missing.length > 0);
  outcome.waiting = waiting.map((candidate) => candidate.id);
  const entered = await repository.upsertQueue(trx, workspaceId, waiting, now);
  if (entered.length) {
    const missingOf = new Map(waiting.map((candidate) => [candidate.id, candidate.missing]));
    const enteredAt = new Map(entered.map((row) => [row.lead_id, row.entered_at]));
    for (const lead of await repository.findNoticeLeads(trx, workspaceId, [...enteredAt.keys()])) {
      outcome.newlyWaiting.push(lead.id);
      await enqueueNotification(trx, {
        workspaceId,
        event: 'lead.needs_qualification',
        leadId: lead.id,
        idempotencyKey: `lead.needs_qualification:${lead.id}:${(enteredAt.get(lead.id) as Date).getTime()}`,
        at: now,
        payload: {
          lead,
          mql_threshold: mql,
          missing_fields: (missingOf.get(lead.id) ?? []).map(qualificationFieldLabel),
        },
      });
    }
  }
  const ready = candidates
    .filter((candidate) => candidate.missing.length === 0)
    .map((candidate) => candidate.id);
  if (ready.length) {
    // The caller holds the row locks, so these rows are current.
    const leads = await repository.findLeadsByIds(trx, workspaceId, ready);
    const routing = new RoutingSession(trx, workspaceId);
    const assignments: AssignmentToRecord[] = [];
    for (const lead of leads) {
      if (lead.score < mql || !PRE_HANDOFF_STAGES.includes(lead.stage)) continue;
      const choice =
        lead.owner_id === null
          ? await routing.choose(lead, { now, reason: `Became MQL with score ${lead.score}` })
          : null;
      // The owner is written by the same update that moves the lead to MQL.
      const result = await transitionLockedLead(trx, lead, {
        to: 'mql',
        at: now,
        actorId: null,
        origin: 'system',
        reason: `Score ${lead.score} reached the MQL threshold ${mql}`,
        ...(choice ? { patch: { owner_id: choice.userId, assigned_at: now } } : {}),
      });
      if (choice) assignments.push({ before: lead, after: result.lead, choice });
      outcome.handedOff.push(lead.id);
    }
    await routing.flush();
    await recordAssignments(trx, workspaceId, assignments, now);
  }
  await scoringRepository.pruneQualificationQueue(trx, workspaceId, leadIds, outcome.waiting);
  return outcome;
}

/**
 * The gate on a handoff someone asks for (a transition from before MQL into mql, sal or
 * sql): refused with QUALIFICATION_INCOMPLETE naming the fields still missing.
 */
export async function assertHandoffQualified(
  trx: Kysely<DB>,
  workspaceId: number,
  lead: LeadRow,
  to: LifecycleStage,
): Promise<void> {
  if (!isHandoff(lead.stage, to)) return;
  const fields = await repository.getFields(trx, workspaceId);
  const missing = missingQualificationFields(lead as unknown as Record<string, unknown>, fields);
  if (missing.length === 0) return;
  const labels = missing.map(qualificationFieldLabel);
  throw new AppError(
    'QUALIFICATION_INCOMPLETE',
    `Lead ${lead.id} cannot be handed to sales (${lead.stage} to ${to}) before these qualification fields are known: ${labels.join(', ')}`,
    {
      details: { lead_id: lead.id, from: lead.stage, to, missing_fields: labels },
      issues: missing.map((field) => ({
        path: field,
        message: 'must be known before the lead is handed to sales',
      })),
    },
  );
}

/**
 * After a handoff someone asked for went through: the lead leaves the "needs qualification"
 * list and, without an owner, is routed in the same transaction.
 */
export async function completeManualHandoff(
  trx: Kysely<DB>,
  workspaceId: number,
  from: LifecycleStage,
  result: TransitionResult,
  now: Date,
): Promise<TransitionResult & { assignment: LeadAssignmentRow | null }> {
  if (!isHandoff(from, result.lead.stage)) return { ...result, assignment: null };
  await repository.removeFromQueue(trx, workspaceId, result.lead.id);
  if (result.lead.owner_id !== null) return { ...result, assignment: null };
  const routed = await routeLead(trx, workspaceId, result.lead.id, {
    now,
    reason: `Handed off to ${result.lead.stage} by ${result.event.actor_id === null ? 'the system' : `user ${result.event.actor_id}`}`,
  });
  return routed
    ? { ...result, lead: routed.lead, assignment: routed.assignment }
    : { ...result, assignment: null };
}

/** POST /leads/{id}/handoff: gate, move to MQL, route; one transaction. */
export async function handOffLead(
  db: Kysely<DB>,
  caller: Caller,
  leadId: number,
  input: { reason?: string | undefined },
  now = new Date(),
): Promise<TransitionResult & { assignment: LeadAssignmentRow | null }> {
  requireRole(caller, ['admin', 'marketing'], 'hand leads to sales');
  return db.transaction().execute(async (trx) => {
    const lead = await leadsRepository.getLeadForUpdate(trx, caller.workspaceId, leadId);
    if (!lead) throw new AppError('LEAD_NOT_FOUND', `Lead ${leadId} does not exist`);
    assertCanChangeLead(caller, lead);
    if (!PRE_HANDOFF_STAGES.includes(lead.stage)) {
      throw new AppError(
        'INVALID_TRANSITION',
        `Lead ${lead.id} is in stage ${lead.stage}; only leads in ${PRE_HANDOFF_STAGES.join(', ')} can be handed off`,
        { details: { lead_id: lead.id, from: lead.stage, to: 'mql' } },
      );
    }
    await assertHandoffQualified(trx, caller.workspaceId, lead, 'mql');
    const result = await transitionLockedLead(trx, lead, {
      to: 'mql',
      at: now,
      actorId: caller.userId,
      origin: 'api',
      reason: input.reason ?? 'Handed off by hand',
    });
    return completeManualHandoff(trx, caller.workspaceId, lead.stage, result, now);
  });
}

export type QueueItem = repository.QueueRow;

export async function findQueue(
  db: Kysely<DB>,
  caller: Caller,
  query: { limit: number; cursor?: string | undefined },
): Promise<Page<QueueItem> & { mql_threshold: number; required_fields: string[] }> {
  const [fields, model] = await Promise.all([
    repository.getFields(db, caller.workspaceId),
    scoringRepository.loadCurrentModel(db, caller.workspaceId),
  ]);
  let after: { score: number; id: number } | null = null;
  if (query.cursor) {
    const position = decodeCursor(query.cursor);
    if (typeof position.value !== 'number') {
      throw new AppError('VALIDATION_FAILED', 'cursor: not a cursor returned by this API', {
        issues: [{ path: 'cursor', message: 'not a cursor returned by this API' }],
      });
    }
    after = { score: position.value, id: position.id };
  }
  const mql = model.definition.thresholds.mql;
  const rows = await repository.findQueue(db, caller.workspaceId, mql, fields, query.limit, after);
  const items = rows.slice(0, query.limit);
  const last = items[items.length - 1];
  return {
    items,
    next_cursor: rows.length > query.limit && last ? encodeCursor({ value: last.score, id: last.id }) : null,
    mql_threshold: mql,
    required_fields: fields,
  };
}
