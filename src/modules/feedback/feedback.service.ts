import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, validationError } from '../../shared/errors.ts';
import { decodeCursor, type Page, toPage } from '../../shared/pagination.ts';
import { type Caller, requireRole } from '../auth/auth.ts';
import type { LeadRow } from '../leads/leads.repository.ts';
import * as leadsRepository from '../leads/leads.repository.ts';
import { transitionLockedLead } from '../lifecycle/lifecycle.service.ts';
import { enqueueNotification } from '../notifications/notifications.service.ts';
import * as repository from './feedback.repository.ts';
import type {
  CreateInsightInput,
  CreateReasonInput,
  LeadQualityQuery,
  ListInsightsQuery,
  RejectLeadInput,
  UpdateReasonInput,
} from './feedback.schemas.ts';

/** Stages in which a lead sits with sales waiting for (or after) its accept/reject decision. */
const HANDED_OFF_STAGES = ['mql', 'sal'] as const;

function handoffOf(lead: LeadRow): Date | null {
  if (!lead.mql_at) return null;
  return new Date(Math.max(lead.mql_at.getTime(), lead.assigned_at?.getTime() ?? 0));
}

/** Only the lead's owner decides on it, or an admin on their behalf. */
function assertMayDecide(caller: Caller, lead: LeadRow, action: string): void {
  if (caller.role === 'system' || caller.role === 'admin') return;
  requireRole(caller, ['sales', 'sdr'], `${action} leads`);
  if (lead.owner_id !== caller.userId) {
    throw new AppError(
      'FORBIDDEN',
      lead.owner_id === null
        ? `Lead ${lead.id} has no owner; only an admin can ${action} it`
        : `Lead ${lead.id} belongs to user ${lead.owner_id}; only its owner or an admin can ${action} it`,
    );
  }
}

export interface DecisionResult {
  lead: LeadRow;
  feedback: repository.FeedbackRow;
}

/** A rep accepts a handed-off lead: it moves to SAL and the decision is recorded. */
export async function acceptLead(
  db: Kysely<DB>,
  caller: Caller,
  leadId: number,
  input: { note?: string | undefined },
  now: Date = new Date(),
): Promise<DecisionResult> {
  return db.transaction().execute(async (trx) => {
    const lead = await leadsRepository.getLeadForUpdate(trx, caller.workspaceId, leadId);
    if (!lead) throw new AppError('LEAD_NOT_FOUND', `Lead ${leadId} does not exist`);
    assertMayDecide(caller, lead, 'accept');
    if (lead.stage !== 'mql') {
      throw new AppError(
        'INVALID_TRANSITION',
        `Lead ${lead.id} is in stage ${lead.stage}; only an MQL can be accepted`,
        {
          details: { lead_id: lead.id, from: lead.stage, to: 'sal' },
        },
      );
    }
    const { lead: accepted } = await transitionLockedLead(trx, lead, {
      to: 'sal',
      at: now,
      actorId: caller.userId,
      origin: 'api',
      reason: input.note ? `accepted by sales: ${input.note}` : 'accepted by sales',
    });
    const feedback = await repository.insertFeedback(trx, {
      workspace_id: caller.workspaceId,
      lead_id: lead.id,
      decision: 'accepted',
      reason_code: null,
      note: input.note ?? null,
      outcome: null,
      handoff_at: handoffOf(lead),
      owner_id: lead.owner_id,
      decided_by: caller.userId,
      decided_at: now,
    });
    return { lead: accepted, feedback };
  });
}

/**
 * A rep rejects a handed-off lead with a reason code: the lead goes back to marketing
 * (owner cleared) as recycled or disqualified, the decision is recorded, and lead.rejected
 * (plus lead.recycled when recycled) is queued in the same transaction.
 */
export async function rejectLead(
  db: Kysely<DB>,
  caller: Caller,
  leadId: number,
  input: RejectLeadInput,
  now: Date = new Date(),
): Promise<DecisionResult> {
  return db.transaction().execute(async (trx) => {
    const lead = await leadsRepository.getLeadForUpdate(trx, caller.workspaceId, leadId);
    if (!lead) throw new AppError('LEAD_NOT_FOUND', `Lead ${leadId} does not exist`);
    assertMayDecide(caller, lead, 'reject');
    const reason = await repository.getReasonByCode(trx, caller.workspaceId, input.reason_code);
    if (!reason?.active) {
      const known = (await repository.findReasons(trx, caller.workspaceId, false)).map((r) => r.code);
      throw validationError([
        {
          path: 'reason_code',
          message: `"${input.reason_code}" is not an active rejection reason; use one of ${known.join(', ')}`,
        },
      ]);
    }
    if (reason.requires_note && !input.note) {
      throw validationError([{ path: 'note', message: `the reason "${reason.label}" needs a note` }]);
    }
    if (!(HANDED_OFF_STAGES as readonly string[]).includes(lead.stage)) {
      throw new AppError(
        'INVALID_TRANSITION',
        `Lead ${lead.id} is in stage ${lead.stage}; only handed-off leads (mql, sal) can be rejected`,
        { details: { lead_id: lead.id, from: lead.stage, to: input.outcome } },
      );
    }
    const description = `rejected by sales: ${reason.label}${input.note ? ` (${input.note})` : ''}`;
    const { lead: rejected } = await transitionLockedLead(trx, lead, {
      to: input.outcome,
      at: now,
      actorId: caller.userId,
      origin: 'api',
      reason: description,
      patch: { owner_id: null, lead_status: `rejected: ${reason.code}` },
    });
    const feedback = await repository.insertFeedback(trx, {
      workspace_id: caller.workspaceId,
      lead_id: lead.id,
      decision: 'rejected',
      reason_code: reason.code,
      note: input.note ?? null,
      outcome: input.outcome,
      handoff_at: handoffOf(lead),
      owner_id: lead.owner_id,
      decided_by: caller.userId,
      decided_at: now,
    });
    // Marketing hears about it: the owner of the campaign that brought the lead, and every
    // channel subscribed to the event.
    const marketingOwner = await repository.campaignOwnerOf(trx, caller.workspaceId, lead.first_campaign_id);
    const payload = {
      reason_code: reason.code,
      reason_label: reason.label,
      note: input.note ?? null,
      outcome: input.outcome,
      rejected_by_user_id: caller.userId,
      previous_owner_user_id: lead.owner_id,
      source: lead.source,
      campaign_id: lead.first_campaign_id,
    };
    await enqueueNotification(trx, {
      workspaceId: caller.workspaceId,
      event: 'lead.rejected',
      leadId: lead.id,
      recipientUserId: marketingOwner,
      payload,
      idempotencyKey: `lead.rejected:${feedback.id}`,
      at: now,
    });
    if (input.outcome === 'recycled') {
      await enqueueNotification(trx, {
        workspaceId: caller.workspaceId,
        event: 'lead.recycled',
        leadId: lead.id,
        recipientUserId: marketingOwner,
        payload: { ...payload, reason: description },
        idempotencyKey: `lead.recycled:${feedback.id}`,
        at: now,
      });
    }
    return { lead: rejected, feedback };
  });
}

// ----- rejection reasons ---------------------------------------------------------------------

export async function findReasons(
  db: Kysely<DB>,
  caller: Caller,
  includeInactive: boolean,
): Promise<repository.ReasonRow[]> {
  return repository.findReasons(db, caller.workspaceId, includeInactive);
}

export async function createReason(
  db: Kysely<DB>,
  caller: Caller,
  input: CreateReasonInput,
): Promise<repository.ReasonRow> {
  requireRole(caller, ['admin'], 'edit rejection reasons');
  const now = new Date();
  return repository.insertReason(db, {
    workspace_id: caller.workspaceId,
    code: input.code,
    label: input.label,
    requires_note: input.requires_note,
    position: input.position,
    created_at: now,
    updated_at: now,
  });
}

export async function updateReason(
  db: Kysely<DB>,
  caller: Caller,
  id: number,
  input: UpdateReasonInput,
): Promise<repository.ReasonRow> {
  requireRole(caller, ['admin'], 'edit rejection reasons');
  const updated = await repository.updateReason(db, caller.workspaceId, id, {
    ...(input.label !== undefined ? { label: input.label } : {}),
    ...(input.requires_note !== undefined ? { requires_note: input.requires_note } : {}),
    ...(input.active !== undefined ? { active: input.active } : {}),
    ...(input.position !== undefined ? { position: input.position } : {}),
    updated_at: new Date(),
  });
  if (!updated) throw new AppError('RESOURCE_NOT_FOUND', `Rejection reason ${id} does not exist`);
  return updated;
}

// ----- lead quality ---------------------------------------------------------------------------

function parseBound(value: string, field: string): Date {
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime())) throw validationError([{ path: field, message: 'not a date' }]);
  return date;
}

interface QualityFigures {
  decisions: number;
  accepted: number;
  rejected: number;
  acceptance_rate: number | null;
  reasons: { code: string; label: string; count: number; share: number }[];
}

function figuresOf(rows: repository.QualityRow[], labels: Map<string, string>): QualityFigures {
  const accepted = rows.filter((row) => row.decision === 'accepted').reduce((sum, row) => sum + row.count, 0);
  const rejectedRows = rows.filter((row) => row.decision === 'rejected');
  const rejected = rejectedRows.reduce((sum, row) => sum + row.count, 0);
  const decisions = accepted + rejected;
  return {
    decisions,
    accepted,
    rejected,
    acceptance_rate: decisions > 0 ? Math.round((accepted / decisions) * 10_000) / 10_000 : null,
    reasons: rejectedRows
      .map((row) => ({
        code: row.reason_code ?? '',
        label: labels.get(row.reason_code ?? '') ?? row.reason_code ?? '',
        count: row.count,
        share: Math.round((row.count / rejected) * 10_000) / 10_000,
      }))
      .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
  };
}

/**
 * Lead quality as sales sees it: accept and reject decisions with the rejection reasons,
 * per lead source and first campaign. The counting happens in SQL; this only nests the
 * already aggregated rows.
 */
export async function getLeadQuality(db: Kysely<DB>, caller: Caller, query: LeadQualityQuery) {
  const from = query.from ? parseBound(query.from, 'from') : null;
  const to = query.to ? parseBound(query.to, 'to') : new Date();
  if (from && from >= to) throw validationError([{ path: 'to', message: 'must be after from' }]);
  const [rows, reasons] = await Promise.all([
    repository.qualityRows(db, caller.workspaceId, { from, to, by: query.by }),
    repository.findReasons(db, caller.workspaceId, true),
  ]);
  const labels = new Map(reasons.map((reason) => [reason.code, reason.label]));
  const groups = new Map<
    string,
    {
      source: string | null;
      campaign_id: number | null;
      campaign_name: string | null;
      rows: repository.QualityRow[];
    }
  >();
  for (const row of rows.filter((r) => r.is_total === 0)) {
    const key = JSON.stringify([row.source, row.campaign_id]);
    const group = groups.get(key) ?? {
      source: row.source,
      campaign_id: row.campaign_id,
      campaign_name: row.campaign_name,
      rows: [],
    };
    group.rows.push(row);
    groups.set(key, group);
  }
  return {
    from: from?.toISOString() ?? null,
    to: to.toISOString(),
    by: query.by,
    total: figuresOf(
      rows.filter((r) => r.is_total !== 0),
      labels,
    ),
    groups: [...groups.values()]
      .map((group) => ({
        source: group.source,
        campaign_id: group.campaign_id,
        campaign_name: group.campaign_name,
        ...figuresOf(group.rows, labels),
      }))
      .sort((a, b) => b.decisions - a.decisions || (a.source ?? '').localeCompare(b.source ?? '')),
  };
}

// ----- insights ---------------------------------------------------------------------------------

export async function createInsight(
  db: Kysely<DB>,
  caller: Caller,
  input: CreateInsightInput,
): Promise<repository.InsightRow> {
  const targets = await repository.insightTargets(db, caller.workspaceId, {
    leadId: input.lead_id,
    accountId: input.account_id,
    opportunityId: input.opportunity_id,
  });
  const issues = [];
  if (input.lead_id !== undefined && !targets.lead)
    issues.push({ path: 'lead_id', message: `no lead with id ${input.lead_id}` });
  if (input.account_id !== undefined && !targets.account)
    issues.push({ path: 'account_id', message: `no account with id ${input.account_id}` });
  if (input.opportunity_id !== undefined && !targets.opportunity)
    issues.push({ path: 'opportunity_id', message: `no opportunity with id ${input.opportunity_id}` });
  if (issues.length > 0) throw validationError(issues);
  return repository.insertInsight(db, {
    workspace_id: caller.workspaceId,
    type: input.type,
    body: input.body,
    lead_id: input.lead_id ?? null,
    // An insight on a lead of a known account shows up on the account too.
    account_id: input.account_id ?? targets.lead?.account_id ?? null,
    opportunity_id: input.opportunity_id ?? null,
    competitor: input.competitor ?? null,
    source: input.source ?? targets.lead?.source ?? targets.opportunity?.source ?? null,
    occurred_at: input.occurred_at ? parseBound(input.occurred_at, 'occurred_at') : new Date(),
    created_by: caller.userId,
    created_at: new Date(),
  });
}

export async function findInsights(
  db: Kysely<DB>,
  caller: Caller,
  query: ListInsightsQuery,
): Promise<Page<repository.InsightRow>> {
  const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
  const rows = await repository.findInsights(
    db,
    caller.workspaceId,
    {
      ...(query.type ? { type: query.type } : {}),
      ...(query.competitor ? { competitor: query.competitor } : {}),
      ...(query.source ? { source: query.source } : {}),
      ...(query.from ? { from: parseBound(query.from, 'from') } : {}),
      ...(query.to ? { to: parseBound(query.to, 'to') } : {}),
      ...(query.lead_id !== undefined ? { leadId: query.lead_id } : {}),
      ...(query.account_id !== undefined ? { accountId: query.account_id } : {}),
      ...(query.opportunity_id !== undefined ? { opportunityId: query.opportunity_id } : {}),
    },
    query.limit,
    cursor,
  );
  return toPage(
    rows,
    query.limit,
    (row) => ({ value: row.occurred_at.toISOString(), id: row.id }),
    (row) => row,
  );
}
