import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { ActivityType } from '../../db/tables/foundation.ts';
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
import type { OpportunityRef } from '../opportunities/opportunities.repository.ts';
import * as opportunitiesRepository from '../opportunities/opportunities.repository.ts';
import type { LeadRef } from '../touchpoints/touchpoints.repository.ts';
import * as touchpointsRepository from '../touchpoints/touchpoints.repository.ts';
import { occurredAtIssue } from '../touchpoints/touchpoints.ts';
import type { ActivityRow, InsertedActivity, NewActivity, UserRef } from './activities.repository.ts';
import * as activitiesRepository from './activities.repository.ts';
import type {
  ActivityItem,
  activitySortColumns,
  ListActivitiesQuery,
  UpdateActivityInput,
} from './activities.schemas.ts';
import {
  ACTIVITY_TYPES,
  activityRefusal,
  assertCanChangeActivity,
  assertCanLogActivity,
} from './activities.ts';

/** An activity with its lead, opportunity and actor resolved to ids, ready to record. */
export type ResolvedActivity = NewActivity;

export interface RecordedActivity extends InsertedActivity {
  index: number;
}

const SORT_COLUMNS: SortColumns<(typeof activitySortColumns)[number]> = {
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

export interface ResolvedActivities {
  activities: ResolvedActivity[];
  leads: (LeadRef | undefined)[];
  opportunities: (OpportunityRef | undefined)[];
}

/**
 * Looks up every lead, opportunity and actor the items point at (one query per key kind)
 * and checks the items against them; an unknown reference fails the whole call with 400
 * naming each offending field ("items.4.actor_email"). The actor defaults to `defaultActorId`.
 */
export async function resolveActivityItems(
  db: Kysely<DB>,
  workspaceId: number,
  items: readonly ActivityItem[],
  options: { path?: ItemPath; now?: Date; defaultActorId: number | null },
): Promise<ResolvedActivities> {
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

  const emailOf = (item: ActivityItem) => item.email?.toLowerCase();
  const leadsById = await touchpointsRepository.findLeadRefsByIds(
    db,
    workspaceId,
    distinctKeys(items, (item) => item.lead_id),
  );
  const leadsByExternal = await touchpointsRepository.findLeadRefsByExternalIds(
    db,
    workspaceId,
    distinctKeys(items, (item) => item.lead_external_id),
  );
  const leadsByEmail = await touchpointsRepository.findLeadRefsByEmails(
    db,
    workspaceId,
    distinctKeys(items, emailOf),
  );
  const leads = pickReferences<ActivityItem, LeadRef>(
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

  const opportunitiesById = await opportunitiesRepository.findOpportunityRefsByIds(
    db,
    workspaceId,
    distinctKeys(items, (item) => item.opportunity_id),
  );
  const opportunitiesByExternal = await opportunitiesRepository.findOpportunityRefsByExternalIds(
    db,
    workspaceId,
    distinctKeys(items, (item) => item.opportunity_external_id),
  );
  const opportunities = pickReferences<ActivityItem, OpportunityRef>(
    items,
    'opportunity',
    [
      {
        field: 'opportunity_id',
        keyOf: (item) => item.opportunity_id,
        found: byKey(opportunitiesById, (row) => row.id),
        keyLabel: 'id',
      },
      {
        field: 'opportunity_external_id',
        keyOf: (item) => item.opportunity_external_id,
        found: byKey(opportunitiesByExternal, (row) => row.external_id),
        keyLabel: 'external_id',
      },
    ],
    path,
  );

  const actorEmailOf = (item: ActivityItem) => item.actor_email?.toLowerCase();
  const actorsById = await activitiesRepository.findUserRefsByIds(
    db,
    workspaceId,
    distinctKeys(items, (item) => item.actor_id),
  );
  const actorsByEmail = await activitiesRepository.findUserRefsByEmails(
    db,
    workspaceId,
    distinctKeys(items, actorEmailOf),
  );
  const actors = pickReferences<ActivityItem, UserRef>(
    items,
    'user',
    [
      {
        field: 'actor_id',
        keyOf: (item) => item.actor_id,
        found: byKey(actorsById, (row) => row.id),
        keyLabel: 'id',
      },
      {
        field: 'actor_email',
        keyOf: actorEmailOf,
        found: byKey(actorsByEmail, (row) => row.email.toLowerCase()),
        keyLabel: 'email',
      },
    ],
    path,
  );
  throwIfIssues([...issues, ...leads.issues, ...opportunities.issues, ...actors.issues]);

  const activities = items.map((item, index) => ({
    external_id: item.external_id ?? null,
    lead_id: leads.rows[index]?.id ?? null,
    opportunity_id: opportunities.rows[index]?.id ?? null,
    type: item.type,
    outcome: item.outcome ?? null,
    notes: item.notes ?? null,
    occurred_at: occurredAt[index] as Date,
    actor_id: actors.rows[index]?.id ?? options.defaultActorId,
  }));
  return { activities, leads: leads.rows, opportunities: opportunities.rows };
}

/**
 * The one write path for activities (single create, batch ingest): all items in one
 * statement, an external_id already recorded skipped rather than duplicated. Runs in the
 * caller's transaction and returns the rows it inserted with their input positions.
 */
export async function recordActivities(
  trx: Kysely<DB>,
  workspaceId: number,
  items: readonly ResolvedActivity[],
): Promise<RecordedActivity[]> {
  const inserted = await activitiesRepository.insertActivitiesSkippingRecorded(trx, workspaceId, items);
  return pairInserted(
    items,
    inserted,
    (item, row) =>
      row.type === item.type && row.lead_id === item.lead_id && row.opportunity_id === item.opportunity_id,
  );
}

export async function createActivity(
  db: Kysely<DB>,
  caller: Caller,
  input: ActivityItem,
): Promise<ActivityRow> {
  if (caller.role === 'executive')
    throw new AppError('FORBIDDEN', 'Executives can read activities but not log them');
  return db.transaction().execute(async (trx) => {
    const resolved = await resolveActivityItems(trx, caller.workspaceId, [input], {
      path: singleItemPath,
      defaultActorId: caller.userId,
    });
    const activity = resolved.activities[0] as ResolvedActivity;
    assertCanLogActivity(caller, {
      lead: resolved.leads[0],
      opportunity: resolved.opportunities[0],
      actorId: activity.actor_id,
    });
    const [recorded] = await recordActivities(trx, caller.workspaceId, resolved.activities);
    if (!recorded) {
      throw new AppError(
        'ALREADY_EXISTS',
        `An activity with external_id "${input.external_id}" already exists`,
        {
          issues: [{ path: 'external_id', message: 'already used by another activity' }],
        },
      );
    }
    const row = await activitiesRepository.getActivity(trx, caller.workspaceId, recorded.id);
    if (!row) throw new AppError('ACTIVITY_NOT_FOUND', `Activity ${recorded.id} does not exist`);
    return row;
  });
}

/**
 * Records up to 10,000 activities in one transaction, set-based and idempotent by
 * external_id. Reps may ingest only their own activities on records they own; one item
 * they may not log fails the batch with 403 naming it.
 */
export async function ingestActivities(
  db: Kysely<DB>,
  caller: Caller,
  items: readonly ActivityItem[],
): Promise<IdempotentBatchResult> {
  if (caller.role === 'executive')
    throw new AppError('FORBIDDEN', 'Executives can read activities but not log them');
  assertUniqueInBatch(items, (item) => item.external_id, 'external_id');
  return db.transaction().execute(async (trx) => {
    const resolved = await resolveActivityItems(trx, caller.workspaceId, items, {
      defaultActorId: caller.userId,
    });
    resolved.activities.forEach((activity, index) => {
      const refusal = activityRefusal(caller, {
        lead: resolved.leads[index],
        opportunity: resolved.opportunities[index],
        actorId: activity.actor_id,
      });
      if (refusal) {
        throw new AppError('FORBIDDEN', `items.${index}: ${refusal}`, {
          issues: [{ path: `items.${index}`, message: refusal }],
        });
      }
    });
    const recorded = await recordActivities(trx, caller.workspaceId, resolved.activities);
    const earlier = await activitiesRepository.findActivityIdsByExternalIds(
      trx,
      caller.workspaceId,
      skippedExternalIds(resolved.activities, recorded),
    );
    return idempotentBatchResult(
      resolved.activities,
      recorded,
      new Map(earlier.map((row) => [row.external_id, row.id])),
    );
  });
}

export async function getActivity(db: Kysely<DB>, caller: Caller, id: number): Promise<ActivityRow> {
  const activity = await activitiesRepository.getActivity(db, caller.workspaceId, id);
  if (!activity) throw new AppError('ACTIVITY_NOT_FOUND', `Activity ${id} does not exist`);
  return activity;
}

async function ownedRecord(
  db: Kysely<DB>,
  workspaceId: number,
  table: 'leads' | 'opportunities',
  id: number | null,
  field: string,
): Promise<{ id: number; owner_id: number | null } | undefined> {
  if (id === null) return undefined;
  const rows =
    table === 'leads'
      ? await touchpointsRepository.findLeadRefsByIds(db, workspaceId, [id])
      : await opportunitiesRepository.findOpportunityRefsByIds(db, workspaceId, [id]);
  const row = rows[0];
  if (!row) {
    const message = `no ${table === 'leads' ? 'lead' : 'opportunity'} with id ${id}`;
    throw new AppError('VALIDATION_FAILED', `${field}: ${message}`, { issues: [{ path: field, message }] });
  }
  return row;
}

export async function updateActivity(
  db: Kysely<DB>,
  caller: Caller,
  id: number,
  input: UpdateActivityInput,
): Promise<ActivityRow> {
  return db.transaction().execute(async (trx) => {
    const activity = await activitiesRepository.getActivity(trx, caller.workspaceId, id, { forUpdate: true });
    if (!activity) throw new AppError('ACTIVITY_NOT_FOUND', `Activity ${id} does not exist`);
    assertCanChangeActivity(caller, activity);
    if (Object.values(input).every((value) => value === undefined)) return activity;
    const leadId = input.lead_id !== undefined ? input.lead_id : activity.lead_id;
    const opportunityId = input.opportunity_id !== undefined ? input.opportunity_id : activity.opportunity_id;
    if (leadId === null && opportunityId === null) {
      const message = 'an activity needs a lead or an opportunity; this change would leave neither';
      throw new AppError('VALIDATION_FAILED', `lead_id: ${message}`, {
        issues: [{ path: 'lead_id', message }],
      });
    }
    if (input.occurred_at !== undefined) {
      const issue = occurredAtIssue(new Date(input.occurred_at), new Date());
      if (issue) {
        throw new AppError('VALIDATION_FAILED', `occurred_at: ${issue}`, {
          issues: [{ path: 'occurred_at', message: issue }],
        });
      }
    }
    const actorId = input.actor_id !== undefined ? input.actor_id : activity.actor_id;
    if (input.actor_id !== undefined && input.actor_id !== null) {
      const [actor] = await activitiesRepository.findUserRefsByIds(trx, caller.workspaceId, [input.actor_id]);
      if (!actor) {
        const message = `no user with id ${input.actor_id}`;
        throw new AppError('VALIDATION_FAILED', `actor_id: ${message}`, {
          issues: [{ path: 'actor_id', message }],
        });
      }
    }
    // The activity as it will be must still be one the caller may log.
    assertCanLogActivity(caller, {
      lead: await ownedRecord(trx, caller.workspaceId, 'leads', leadId, 'lead_id'),
      opportunity: await ownedRecord(
        trx,
        caller.workspaceId,
        'opportunities',
        opportunityId,
        'opportunity_id',
      ),
      actorId,
    });
    const updated = await activitiesRepository.updateActivity(trx, caller.workspaceId, id, input);
    if (!updated) throw new AppError('ACTIVITY_NOT_FOUND', `Activity ${id} does not exist`);
    return updated;
  });
}

export async function deleteActivity(db: Kysely<DB>, caller: Caller, id: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const activity = await activitiesRepository.getActivity(trx, caller.workspaceId, id, { forUpdate: true });
    if (!activity) throw new AppError('ACTIVITY_NOT_FOUND', `Activity ${id} does not exist`);
    assertCanChangeActivity(caller, activity);
    await activitiesRepository.deleteActivity(trx, caller.workspaceId, id);
  });
}

export async function findActivities(
  db: Kysely<DB>,
  caller: Caller,
  query: ListActivitiesQuery,
): Promise<Page<ActivityRow>> {
  const sort = keysetSort(query.sort, SORT_COLUMNS, '-occurred_at');
  const rows = await activitiesRepository.findActivities(
    db,
    caller.workspaceId,
    {
      leadId: query.lead_id,
      opportunityId: query.opportunity_id,
      actorId: query.actor_id,
      types: parseStageList<ActivityType>(query.type, ACTIVITY_TYPES, 'type'),
      outcome: query.outcome,
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
