import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { TouchpointType } from '../../db/tables/foundation.ts';
import {
  assertUniqueInBatch,
  batchItemPath,
  distinctKeys,
  type IdempotentBatchResult,
  type ItemPath,
  idempotentBatchResult,
  pairInserted,
  pickReferences,
  singleItemPath,
  skippedExternalIds,
  throwIfIssues,
} from '../../shared/batch.ts';
import { AppError, type FieldIssue } from '../../shared/errors.ts';
import { keysetPosition, keysetSort, type SortColumns } from '../../shared/keyset.ts';
import { type Page, toPage } from '../../shared/pagination.ts';
import type { Caller } from '../auth/auth.ts';
import { parseStageList } from '../leads/leads.ts';
import { applyEngagement } from '../scoring/scoring.service.ts';
import type {
  CampaignRef,
  InsertedTouchpoint,
  LeadRef,
  NewTouchpoint,
  TouchpointRow,
} from './touchpoints.repository.ts';
import * as touchpointsRepository from './touchpoints.repository.ts';
import type { ListTouchpointsQuery, TouchpointItem, touchpointSortColumns } from './touchpoints.schemas.ts';
import { occurredAtIssue, TOUCHPOINT_TYPES, touchUpdatesPerLead } from './touchpoints.ts';

/** A touchpoint with its lead and campaign resolved to ids, ready to record. */
export type ResolvedTouchpoint = NewTouchpoint;

/** A touchpoint recordTouchpoints wrote, with the position of its input item. */
export interface RecordedTouchpoint extends InsertedTouchpoint {
  index: number;
}

const SORT_COLUMNS: SortColumns<(typeof touchpointSortColumns)[number]> = {
  occurred_at: { type: 'timestamptz', nullable: false },
  created_at: { type: 'timestamptz', nullable: false },
  id: { type: 'int8', nullable: false },
};

function byKey<Row>(
  rows: readonly Row[],
  keyOf: (row: Row) => string | number | null,
): Map<string | number, Row> {
  const map = new Map<string | number, Row>();
  for (const row of rows) {
    const key = keyOf(row);
    if (key !== null) map.set(key, row);
  }
  return map;
}

/**
 * Looks up every lead and campaign the items point at (one query per key kind) and checks
 * the items against them. Any unknown reference or bad item fails the whole call with 400
 * naming each offending field ("items.7.lead_external_id").
 */
export async function resolveTouchpointItems(
  db: Kysely<DB>,
  workspaceId: number,
  items: readonly TouchpointItem[],
  options: { path?: ItemPath; now?: Date } = {},
): Promise<{ touchpoints: ResolvedTouchpoint[]; leads: LeadRef[] }> {
  const path = options.path ?? batchItemPath;
  const now = options.now ?? new Date();
  const issues: FieldIssue[] = [];
  const occurredAt = items.map((item, index) => {
    if (item.occurred_at === undefined) return now;
    const at = new Date(item.occurred_at);
    const issue = occurredAtIssue(at, now);
    if (issue) issues.push({ path: path(index, 'occurred_at'), message: issue });
    return at;
  });

  const emailOf = (item: TouchpointItem) => item.email?.toLowerCase();
  const [leadsById, leadsByExternal, leadsByEmail] = [
    await touchpointsRepository.findLeadRefsByIds(
      db,
      workspaceId,
      distinctKeys(items, (item) => item.lead_id),
    ),
    await touchpointsRepository.findLeadRefsByExternalIds(
      db,
      workspaceId,
      distinctKeys(items, (item) => item.lead_external_id),
    ),
    await touchpointsRepository.findLeadRefsByEmails(db, workspaceId, distinctKeys(items, emailOf)),
  ];
  const leads = pickReferences<TouchpointItem, LeadRef>(
    items,
    'lead',
    [
      {
        field: 'lead_id',
        keyOf: (item) => item.lead_id,
        found: byKey(leadsById, (row) => row.id),
        keyLabel: 'id',
      },
      {
        field: 'lead_external_id',
        keyOf: (item) => item.lead_external_id,
        found: byKey(leadsByExternal, (row) => row.external_id),
        keyLabel: 'external_id',
      },
      {
        field: 'email',
        keyOf: emailOf,
        found: byKey(leadsByEmail, (row) => row.email?.toLowerCase() ?? null),
        keyLabel: 'email',
      },
    ],
    path,
  );

  const [campaignsById, campaignsByExternal] = [
    await touchpointsRepository.findCampaignRefsByIds(
      db,
      workspaceId,
      distinctKeys(items, (item) => item.campaign_id),
    ),
    await touchpointsRepository.findCampaignRefsByExternalIds(
      db,
      workspaceId,
      distinctKeys(items, (item) => item.campaign_external_id),
    ),
  ];
  const campaigns = pickReferences<TouchpointItem, CampaignRef>(
    items,
    'campaign',
    [
      {
        field: 'campaign_id',
        keyOf: (item) => item.campaign_id,
        found: byKey(campaignsById, (row) => row.id),
        keyLabel: 'id',
      },
      {
        field: 'campaign_external_id',
        keyOf: (item) => item.campaign_external_id,
        found: byKey(campaignsByExternal, (row) => row.external_id),
        keyLabel: 'external_id',
      },
    ],
    path,
  );
  throwIfIssues([...issues, ...leads.issues, ...campaigns.issues]);

  const resolvedLeads: LeadRef[] = [];
  const touchpoints = items.map((item, index) => {
    const lead = leads.rows[index] as LeadRef;
    const campaign = campaigns.rows[index];
    resolvedLeads.push(lead);
    return {
      external_id: item.external_id ?? null,
      lead_id: lead.id,
      type: item.type,
      occurred_at: occurredAt[index] as Date,
      // A touch from a campaign belongs to the campaign's channel unless it says otherwise.
      channel: item.channel !== undefined ? item.channel : (campaign?.channel ?? null),
      campaign_id: campaign?.id ?? null,
      utm_source: item.utm_source ?? null,
      utm_medium: item.utm_medium ?? null,
      utm_campaign: item.utm_campaign ?? null,
      utm_term: item.utm_term ?? null,
      utm_content: item.utm_content ?? null,
      content_id: item.content_id ?? null,
      metadata: item.metadata ?? {},
    };
  });
  return { touchpoints, leads: resolvedLeads };
}

/**
 * The one write path for touchpoints (single create, batch ingest, web forms). Must run in
 * the caller's transaction: locks the touched leads in id order, inserts all items in one
 * statement (an external_id already recorded is skipped, not duplicated), then updates the
 * leads' first/last-touch fields in one statement. Returns the rows it inserted, each with
 * the index of its input item, so work that belongs to the same transaction (scoring) can
 * follow.
 */
export async function recordTouchpoints(
  trx: Kysely<DB>,
  workspaceId: number,
  items: readonly ResolvedTouchpoint[],
): Promise<RecordedTouchpoint[]> {
  if (items.length === 0) return [];
  const leadIds = [...new Set(items.map((item) => item.lead_id))].sort((a, b) => a - b);
  const locked = await touchpointsRepository.lockLeads(trx, workspaceId, leadIds);
  if (locked.length !== leadIds.length) {
    const found = new Set(locked);
    const missing = leadIds.find((id) => !found.has(id));
    throw new AppError('LEAD_NOT_FOUND', `Lead ${missing} does not exist`);
  }
  const inserted = await touchpointsRepository.insertTouchpointsSkippingRecorded(trx, workspaceId, items);
  const recorded = pairInserted(
    items,
    inserted,
    (item, row) => row.lead_id === item.lead_id && row.type === item.type,
  );
  await touchpointsRepository.applyTouchpointsToLeads(
    trx,
    workspaceId,
    touchUpdatesPerLead(recorded.map((row) => ({ ...(items[row.index] as ResolvedTouchpoint), id: row.id }))),
  );
  // Scores follow the touchpoints in the same transaction; leads reaching MQL are handed off here.
  await applyEngagement(trx, workspaceId, [...new Set(inserted.map((row) => row.lead_id))], new Date());
  return recorded;
}

function assertCanIngest(caller: Caller): void {
  if (caller.role === 'system' || caller.role === 'admin' || caller.role === 'marketing') return;
  throw new AppError(
    'FORBIDDEN',
    `Your role (${caller.role}) cannot batch-ingest touchpoints; it needs admin or marketing`,
  );
}

/** Admins and marketing record touches on any lead; reps on the leads they own; executives read. */
function assertCanRecordOn(caller: Caller, lead: LeadRef): void {
  if (caller.role === 'system' || caller.role === 'admin' || caller.role === 'marketing') return;
  if ((caller.role === 'sales' || caller.role === 'sdr') && lead.owner_id === caller.userId) return;
  throw new AppError(
    'FORBIDDEN',
    caller.role === 'executive'
      ? 'Executives can read touchpoints but not record them'
      : `Lead ${lead.id} is not yours; reps record touchpoints only on the leads they own`,
  );
}

export async function createTouchpoint(
  db: Kysely<DB>,
  caller: Caller,
  input: TouchpointItem,
): Promise<TouchpointRow> {
  if (caller.role === 'executive')
    throw new AppError('FORBIDDEN', 'Executives can read touchpoints but not record them');
  return db.transaction().execute(async (trx) => {
    const { touchpoints, leads } = await resolveTouchpointItems(trx, caller.workspaceId, [input], {
      path: singleItemPath,
    });
    assertCanRecordOn(caller, leads[0] as LeadRef);
    const [recorded] = await recordTouchpoints(trx, caller.workspaceId, touchpoints);
    if (!recorded) {
      throw new AppError(
        'ALREADY_EXISTS',
        `A touchpoint with external_id "${input.external_id}" already exists`,
        {
          issues: [{ path: 'external_id', message: 'already used by another touchpoint' }],
        },
      );
    }
    const row = await touchpointsRepository.getTouchpoint(trx, caller.workspaceId, recorded.id);
    if (!row) throw new AppError('TOUCHPOINT_NOT_FOUND', `Touchpoint ${recorded.id} does not exist`);
    return row;
  });
}

/**
 * Records up to 10,000 touchpoints in one transaction, set-based. Idempotent by external_id:
 * an item already recorded keeps its first version and reports its id. Any bad item fails
 * the whole batch and writes nothing.
 */
export async function ingestTouchpoints(
  db: Kysely<DB>,
  caller: Caller,
  items: readonly TouchpointItem[],
): Promise<IdempotentBatchResult> {
  assertCanIngest(caller);
  assertUniqueInBatch(items, (item) => item.external_id, 'external_id');
  return db.transaction().execute(async (trx) => {
    const { touchpoints } = await resolveTouchpointItems(trx, caller.workspaceId, items);
    const recorded = await recordTouchpoints(trx, caller.workspaceId, touchpoints);
    const earlier = await touchpointsRepository.findTouchpointIdsByExternalIds(
      trx,
      caller.workspaceId,
      skippedExternalIds(touchpoints, recorded),
    );
    return idempotentBatchResult(
      touchpoints,
      recorded,
      new Map(earlier.map((row) => [row.external_id, row.id])),
    );
  });
}

export async function getTouchpoint(db: Kysely<DB>, caller: Caller, id: number): Promise<TouchpointRow> {
  const touchpoint = await touchpointsRepository.getTouchpoint(db, caller.workspaceId, id);
  if (!touchpoint) throw new AppError('TOUCHPOINT_NOT_FOUND', `Touchpoint ${id} does not exist`);
  return touchpoint;
}

/**
 * Removes a touchpoint recorded by mistake. The lead's first/last-touch fields are a record
 * of what was seen and stay as they are.
 */
export async function deleteTouchpoint(db: Kysely<DB>, caller: Caller, id: number): Promise<void> {
  if (!(caller.role === 'admin' || caller.role === 'marketing' || caller.role === 'system')) {
    throw new AppError(
      'FORBIDDEN',
      `Your role (${caller.role}) cannot delete touchpoints; it needs admin or marketing`,
    );
  }
  const deleted = await touchpointsRepository.deleteTouchpoint(db, caller.workspaceId, id);
  if (!deleted) throw new AppError('TOUCHPOINT_NOT_FOUND', `Touchpoint ${id} does not exist`);
}

export async function findTouchpoints(
  db: Kysely<DB>,
  caller: Caller,
  query: ListTouchpointsQuery,
): Promise<Page<TouchpointRow>> {
  const sort = keysetSort(query.sort, SORT_COLUMNS, '-occurred_at');
  const rows = await touchpointsRepository.findTouchpoints(
    db,
    caller.workspaceId,
    {
      leadId: query.lead_id,
      campaignId: query.campaign_id,
      types: parseStageList<TouchpointType>(query.type, TOUCHPOINT_TYPES, 'type'),
      channel: query.channel,
      occurredFrom: query.occurred_from ? new Date(query.occurred_from) : undefined,
      occurredTo: query.occurred_to ? new Date(query.occurred_to) : undefined,
    },
    sort,
    query.limit,
    query.cursor,
  );
  return toPage(
    rows,
    query.limit,
    (row) => keysetPosition(row[sort.column], row.id),
    (row) => row,
  );
}
