import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { LifecycleStage } from '../../db/tables/foundation.ts';
import { AppError } from '../../shared/errors.ts';
import { type Page, parseSort, toPage } from '../../shared/pagination.ts';
import type { Caller } from '../auth/auth.ts';
import { findLifecycleEvents, insertLifecycleEvent } from '../lifecycle/lifecycle.repository.ts';
import { transitionLead as applyTransition, type TransitionResult } from '../lifecycle/lifecycle.service.ts';
import { ALL_STAGES, FUNNEL_STAGES, STAGE_REACHED_COLUMN } from '../lifecycle/lifecycle.ts';
import { assertHandoffQualified, completeManualHandoff } from '../qualification/qualification.service.ts';
import { applyEngagement } from '../scoring/scoring.service.ts';
import type { LeadRow, NewLeadRow } from './leads.repository.ts';
import * as leadsRepository from './leads.repository.ts';
import {
  type BatchLeadItem,
  type CreateLeadInput,
  type ListLeadsQuery,
  leadSortColumns,
  type UpdateLeadInput,
} from './leads.schemas.ts';
import { assertCanChangeLead, assertCanCreateLead, parseIdList, parseStageList } from './leads.ts';

function startingStamps(stage: LifecycleStage, at: Date): Partial<NewLeadRow> {
  const stamps: Record<string, Date> = {};
  const index = (FUNNEL_STAGES as readonly string[]).indexOf(stage);
  // A lead created straight into a later funnel stage has passed the earlier ones (from 'lead' on).
  if (index >= 0) {
    for (const passed of FUNNEL_STAGES.slice(1, index + 1)) stamps[STAGE_REACHED_COLUMN[passed]] = at;
    if (stage === 'subscriber') stamps.subscriber_at = at;
  } else {
    stamps.lead_at = at;
    stamps[STAGE_REACHED_COLUMN[stage]] = at;
  }
  return stamps as Partial<NewLeadRow>;
}

function fieldsOf(input: UpdateLeadInput): Partial<NewLeadRow> {
  const { custom_fields, email, ...rest } = input;
  const fields: Partial<NewLeadRow> = { ...rest };
  if (email !== undefined) fields.email = email === null ? null : email.toLowerCase();
  if (custom_fields !== undefined) fields.custom_fields = JSON.stringify(custom_fields);
  return fields;
}

export async function createLead(db: Kysely<DB>, caller: Caller, input: CreateLeadInput): Promise<LeadRow> {
  assertCanCreateLead(caller);
  const { stage: requestedStage, created_at, ...writable } = input;
  const stage = requestedStage ?? 'lead';
  const createdAt = created_at ? new Date(created_at) : new Date();
  return db.transaction().execute(async (trx) => {
    await assertReferencesExist(trx, caller.workspaceId, writable);
    const lead = await leadsRepository.insertLead(trx, {
      workspace_id: caller.workspaceId,
      ...fieldsOf(writable),
      // Reps own the prospects they create unless they say otherwise.
      owner_id:
        writable.owner_id !== undefined
          ? writable.owner_id
          : caller.role === 'sales' || caller.role === 'sdr'
            ? caller.userId
            : null,
      stage,
      created_at: createdAt,
      ...startingStamps(stage, createdAt),
    });
    await insertLifecycleEvent(trx, {
      workspace_id: caller.workspaceId,
      lead_id: lead.id,
      from_stage: null,
      to_stage: stage,
      occurred_at: createdAt,
      actor_id: caller.userId,
      origin: 'api',
      reason: 'created',
    });
    // Scored as it is created (fit rules); a lead already at the MQL score is handed off.
    await applyEngagement(trx, caller.workspaceId, [lead.id], new Date());
    return (await leadsRepository.getLead(trx, caller.workspaceId, lead.id)) ?? lead;
  });
}

async function assertReferencesExist(
  db: Kysely<DB>,
  workspaceId: number,
  input: {
    account_id?: number | null | undefined;
    owner_id?: number | null | undefined;
    first_campaign_id?: number | null | undefined;
  },
): Promise<void> {
  const checks: [
    number | null | undefined,
    'accounts' | 'users' | 'campaigns',
    string,
    'ACCOUNT_NOT_FOUND' | 'USER_NOT_FOUND' | 'CAMPAIGN_NOT_FOUND',
  ][] = [
    [input.account_id, 'accounts', 'account_id', 'ACCOUNT_NOT_FOUND'],
    [input.owner_id, 'users', 'owner_id', 'USER_NOT_FOUND'],
    [input.first_campaign_id, 'campaigns', 'first_campaign_id', 'CAMPAIGN_NOT_FOUND'],
  ];
  for (const [id, table, field] of checks) {
    if (id === null || id === undefined) continue;
    const found = await db
      .selectFrom(table)
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!found) {
      throw new AppError('VALIDATION_FAILED', `${field}: no ${table.replace(/s$/, '')} with id ${id}`, {
        issues: [{ path: field, message: `no ${table.replace(/s$/, '')} with id ${id}` }],
      });
    }
  }
}

export async function getLead(db: Kysely<DB>, caller: Caller, id: number): Promise<LeadRow> {
  const lead = await leadsRepository.getLead(db, caller.workspaceId, id);
  if (!lead) throw new AppError('LEAD_NOT_FOUND', `Lead ${id} does not exist`);
  return lead;
}

export async function updateLead(
  db: Kysely<DB>,
  caller: Caller,
  id: number,
  input: UpdateLeadInput,
): Promise<LeadRow> {
  return db.transaction().execute(async (trx) => {
    const lead = await leadsRepository.getLeadForUpdate(trx, caller.workspaceId, id);
    if (!lead) throw new AppError('LEAD_NOT_FOUND', `Lead ${id} does not exist`);
    assertCanChangeLead(caller, lead);
    if (
      input.owner_id !== undefined &&
      input.owner_id !== lead.owner_id &&
      (caller.role === 'sales' || caller.role === 'sdr')
    ) {
      throw new AppError('FORBIDDEN', 'Reps cannot reassign leads; ask a manager or marketing');
    }
    await assertReferencesExist(trx, caller.workspaceId, input);
    const patch = fieldsOf(input);
    if (input.owner_id !== undefined && input.owner_id !== lead.owner_id) {
      patch.assigned_at = input.owner_id === null ? null : new Date();
    }
    const updated = await leadsRepository.updateLead(trx, caller.workspaceId, id, patch);
    // Changed fields change the fit score, and a filled-in qualification field can release a handoff.
    const scoring = await applyEngagement(trx, caller.workspaceId, [id], new Date());
    if (scoring.changed === 0 && scoring.handedOff.length === 0) return updated;
    return (await leadsRepository.getLead(trx, caller.workspaceId, id)) ?? updated;
  });
}

export async function deleteLead(db: Kysely<DB>, caller: Caller, id: number): Promise<void> {
  if (!(caller.role === 'admin' || caller.role === 'marketing' || caller.role === 'system')) {
    throw new AppError(
      'FORBIDDEN',
      `Your role (${caller.role}) cannot delete leads; it needs admin or marketing`,
    );
  }
  const deleted = await leadsRepository.deleteLead(db, caller.workspaceId, id);
  if (!deleted) throw new AppError('LEAD_NOT_FOUND', `Lead ${id} does not exist`);
}

export async function findLeads(
  db: Kysely<DB>,
  caller: Caller,
  query: ListLeadsQuery,
): Promise<Page<LeadRow>> {
  const sort = parseSort(query.sort, leadSortColumns, '-created_at');
  const rows = await leadsRepository.findLeads(
    db,
    caller.workspaceId,
    {
      stages: parseStageList(query.stage, ALL_STAGES, 'stage'),
      ownerId: query.owner_id,
      unassigned: query.unassigned,
      accountId: query.account_id,
      source: query.source,
      temperature: query.temperature,
      minScore: query.min_score,
      createdFrom: query.created_from ? new Date(query.created_from) : undefined,
      createdTo: query.created_to ? new Date(query.created_to) : undefined,
      search: query.q,
      ids: parseIdList(query.ids, 'ids'),
    },
    sort,
    query.limit,
    query.cursor,
  );
  return toPage(
    rows,
    query.limit,
    (row) => leadsRepository.leadCursor(row, sort.column),
    (row) => row,
  );
}

export async function transitionLead(
  db: Kysely<DB>,
  caller: Caller,
  id: number,
  input: { to: LifecycleStage; reason?: string | undefined; occurred_at?: string | undefined },
): Promise<TransitionResult> {
  return db.transaction().execute(async (trx) => {
    const lead = await leadsRepository.getLeadForUpdate(trx, caller.workspaceId, id);
    if (!lead) throw new AppError('LEAD_NOT_FOUND', `Lead ${id} does not exist`);
    assertCanChangeLead(caller, lead);
    // Handing a lead to sales (into mql, sal or sql) needs the qualification fields (422 otherwise).
    await assertHandoffQualified(trx, caller.workspaceId, lead, input.to);
    const result = await applyTransition(trx, caller.workspaceId, id, {
      to: input.to,
      at: input.occurred_at ? new Date(input.occurred_at) : new Date(),
      actorId: caller.userId,
      origin: 'api',
      reason: input.reason,
    });
    // A handed-off lead without an owner is routed in the same transaction.
    return completeManualHandoff(trx, caller.workspaceId, lead.stage, result, new Date());
  });
}

export interface TimelineItem {
  kind: 'touchpoint' | 'activity' | 'stage_change';
  id: number;
  occurred_at: Date;
  type: string;
  summary: string;
  actor_id: number | null;
  campaign_id: number | null;
  channel: string | null;
  details: Record<string, unknown>;
}

const TYPE_LABEL: Record<string, string> = {
  form_fill: 'Filled in a form',
  email_open: 'Opened an email',
  email_click: 'Clicked an email',
  webinar: 'Attended a webinar',
  event: 'Met at an event',
  ad_click: 'Clicked an ad',
  page_view: 'Viewed a page',
  content_download: 'Downloaded content',
  chat: 'Chatted',
  call: 'Call',
  email: 'Email',
  meeting: 'Meeting',
  note: 'Note',
};

/** Touchpoints, sales activities and stage changes of one lead, oldest first. */
export async function getTimeline(db: Kysely<DB>, caller: Caller, id: number): Promise<TimelineItem[]> {
  await getLead(db, caller, id);
  const [touchpoints, activities, events] = await Promise.all([
    db
      .selectFrom('touchpoints')
      .leftJoin('campaigns', 'campaigns.id', 'touchpoints.campaign_id')
      .select([
        'touchpoints.id',
        'touchpoints.type',
        'touchpoints.occurred_at',
        'touchpoints.channel',
        'touchpoints.campaign_id',
        'campaigns.name as campaign_name',
        'touchpoints.utm_source',
        'touchpoints.utm_medium',
        'touchpoints.utm_campaign',
        'touchpoints.metadata',
      ])
      .where('touchpoints.workspace_id', '=', caller.workspaceId)
      .where('touchpoints.lead_id', '=', id)
      .execute(),
    db
      .selectFrom('activities')
      .select(['id', 'type', 'occurred_at', 'outcome', 'notes', 'actor_id', 'opportunity_id'])
      .where('workspace_id', '=', caller.workspaceId)
      .where('lead_id', '=', id)
      .execute(),
    findLifecycleEvents(db, caller.workspaceId, id),
  ]);
  const items: TimelineItem[] = [
    ...touchpoints.map((touch) => ({
      kind: 'touchpoint' as const,
      id: touch.id,
      occurred_at: touch.occurred_at,
      type: touch.type,
      summary: `${TYPE_LABEL[touch.type] ?? touch.type}${touch.campaign_name ? ` (${touch.campaign_name})` : ''}`,
      actor_id: null,
      campaign_id: touch.campaign_id,
      channel: touch.channel,
      details: {
        utm_source: touch.utm_source,
        utm_medium: touch.utm_medium,
        utm_campaign: touch.utm_campaign,
        campaign_name: touch.campaign_name,
        metadata: touch.metadata,
      },
    })),
    ...activities.map((activity) => ({
      kind: 'activity' as const,
      id: activity.id,
      occurred_at: activity.occurred_at,
      type: activity.type,
      summary: `${TYPE_LABEL[activity.type] ?? activity.type}${activity.outcome ? `: ${activity.outcome}` : ''}`,
      actor_id: activity.actor_id,
      campaign_id: null,
      channel: null,
      details: { outcome: activity.outcome, notes: activity.notes, opportunity_id: activity.opportunity_id },
    })),
    ...events.map((event) => ({
      kind: 'stage_change' as const,
      id: event.id,
      occurred_at: event.occurred_at,
      type: event.to_stage,
      summary: event.from_stage
        ? `Moved from ${event.from_stage} to ${event.to_stage}`
        : `Entered as ${event.to_stage}`,
      actor_id: event.actor_id,
      campaign_id: null,
      channel: null,
      details: {
        from_stage: event.from_stage,
        to_stage: event.to_stage,
        reason: event.reason,
        origin: event.origin,
      },
    })),
  ];
  const order = { touchpoint: 0, stage_change: 1, activity: 2 } as const;
  return items.sort(
    (a, b) =>
      a.occurred_at.getTime() - b.occurred_at.getTime() || order[a.kind] - order[b.kind] || a.id - b.id,
  );
}

export interface BatchResult {
  created: number;
  updated: number;
  ids: number[];
}

/**
 * Creates or updates up to 10,000 leads in one transaction. An item matches an existing lead
 * by external_id, else by email; a new item may carry a starting stage. Any bad item fails
 * the whole batch with its index in the error path, so nothing is half-written.
 */
export async function ingestLeads(
  db: Kysely<DB>,
  caller: Caller,
  items: BatchLeadItem[],
): Promise<BatchResult> {
  if (!(caller.role === 'admin' || caller.role === 'marketing' || caller.role === 'system')) {
    throw new AppError(
      'FORBIDDEN',
      `Your role (${caller.role}) cannot batch-ingest leads; it needs admin or marketing`,
    );
  }
  const seenExternal = new Map<string, number>();
  const seenEmail = new Map<string, number>();
  items.forEach((item, index) => {
    for (const [key, seen, field] of [
      [item.external_id, seenExternal, 'external_id'],
      [item.email?.toLowerCase(), seenEmail, 'email'],
    ] as const) {
      if (!key) continue;
      const previous = seen.get(key);
      if (previous !== undefined) {
        throw new AppError(
          'VALIDATION_FAILED',
          `items.${index}.${field}: "${key}" appears twice in this batch (also items.${previous})`,
          {
            issues: [
              {
                path: `items.${index}.${field}`,
                message: `appears twice in this batch (also items.${previous})`,
              },
            ],
          },
        );
      }
      seen.set(key, index);
    }
  });
  return db.transaction().execute(async (trx) => {
    const existing = await leadsRepository.findLeadsByKeys(
      trx,
      caller.workspaceId,
      [...seenExternal.keys()],
      [...seenEmail.keys()],
    );
    const byExternal = new Map(
      existing.filter((lead) => lead.external_id).map((lead) => [lead.external_id as string, lead]),
    );
    const byEmail = new Map(
      existing.filter((lead) => lead.email).map((lead) => [(lead.email as string).toLowerCase(), lead]),
    );
    const ids: number[] = [];
    let created = 0;
    let updated = 0;
    for (const [index, item] of items.entries()) {
      const match =
        (item.external_id && byExternal.get(item.external_id)) ||
        (item.email && byEmail.get(item.email.toLowerCase()));
      const { stage, created_at, ...writable } = item;
      try {
        if (match && item.external_id && match.external_id && match.external_id !== item.external_id) {
          throw new AppError(
            'CONFLICT',
            `email ${item.email} belongs to lead ${match.id} with external_id "${match.external_id}", not "${item.external_id}"`,
            {
              issues: [
                {
                  path: 'email',
                  message: `belongs to lead ${match.id} with external_id "${match.external_id}"`,
                },
              ],
            },
          );
        }
        if (match) {
          await leadsRepository.updateLead(trx, caller.workspaceId, match.id, fieldsOf(writable));
          if (stage && stage !== match.stage) {
            await applyTransition(trx, caller.workspaceId, match.id, {
              to: stage,
              at: new Date(),
              actorId: caller.userId,
              origin: 'ingest',
              reason: 'batch ingest',
            });
          }
          ids.push(match.id);
          updated += 1;
        } else {
          const at = created_at ? new Date(created_at) : new Date();
          const startStage = stage ?? 'lead';
          const lead = await leadsRepository.insertLead(trx, {
            workspace_id: caller.workspaceId,
            ...fieldsOf(writable),
            stage: startStage,
            created_at: at,
            ...startingStamps(startStage, at),
          });
          await insertLifecycleEvent(trx, {
            workspace_id: caller.workspaceId,
            lead_id: lead.id,
            from_stage: null,
            to_stage: startStage,
            occurred_at: at,
            actor_id: caller.userId,
            origin: 'ingest',
            reason: 'created',
          });
          ids.push(lead.id);
          created += 1;
        }
      } catch (error) {
        if (error instanceof AppError) {
          const issue = error.issues?.[0];
          const path = `items.${index}${issue?.path ? `.${issue.path}` : ''}`;
          throw new AppError(error.code, `${path}: ${issue?.message ?? error.message}`, {
            issues: [{ path, message: issue?.message ?? error.message }],
          });
        }
        throw error;
      }
    }
    // Set-based scoring of the whole batch in the same transaction.
    await applyEngagement(trx, caller.workspaceId, ids, new Date());
    return { created, updated, ids };
  });
}
