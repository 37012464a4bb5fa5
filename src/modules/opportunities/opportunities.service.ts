import type { Insertable, Kysely } from 'kysely';
import { assertReferencesExist } from '../../db/references.ts';
import type { DB } from '../../db/schema.ts';
import type { OpportunitiesTable, OpportunityStatus } from '../../db/tables/foundation.ts';
import { throwIfIssues } from '../../shared/batch.ts';
import { AppError } from '../../shared/errors.ts';
import { keysetPosition, keysetSort, type SortColumns } from '../../shared/keyset.ts';
import { type Page, toPage } from '../../shared/pagination.ts';
import type { Caller } from '../auth/auth.ts';
import * as leadsRepository from '../leads/leads.repository.ts';
import { parseStageList } from '../leads/leads.ts';
import { transitionLead } from '../lifecycle/lifecycle.service.ts';
import type { OpportunityContactRow, OpportunityRow } from './opportunities.repository.ts';
import * as opportunitiesRepository from './opportunities.repository.ts';
import type {
  AddContactInput,
  CreateOpportunityInput,
  ListOpportunitiesQuery,
  opportunitySortColumns,
  UpdateOpportunityInput,
} from './opportunities.schemas.ts';
import {
  assertCanAssignOpportunity,
  assertCanChangeOpportunity,
  assertCanCreateOpportunity,
  assertCanDeleteOpportunity,
  leadStagesToReach,
  OPPORTUNITY_STATUSES,
  resolveClosing,
} from './opportunities.ts';

const SORT_COLUMNS: SortColumns<(typeof opportunitySortColumns)[number]> = {
  created_at: { type: 'timestamptz', nullable: false },
  closed_at: { type: 'timestamptz', nullable: true },
  amount: { type: 'numeric', nullable: true },
  close_date: { type: 'date', nullable: true },
  updated_at: { type: 'timestamptz', nullable: false },
  id: { type: 'int8', nullable: false },
};

function dateOrUndefined(value: string | undefined): Date | undefined {
  return value === undefined ? undefined : new Date(value);
}

function referenceChecks(input: UpdateOpportunityInput) {
  return [
    { field: 'account_id', table: 'accounts' as const, id: input.account_id },
    { field: 'primary_lead_id', table: 'leads' as const, id: input.primary_lead_id },
    { field: 'owner_id', table: 'users' as const, id: input.owner_id },
    { field: 'qualifier_id', table: 'users' as const, id: input.qualifier_id },
    { field: 'product_id', table: 'products' as const, id: input.product_id },
  ];
}

/** The plain columns of a request (the closing columns are resolved separately). */
function plainFieldsOf(input: UpdateOpportunityInput): Partial<Insertable<OpportunitiesTable>> {
  const {
    custom_fields,
    status: _status,
    stage: _stage,
    created_at: _createdAt,
    closed_at: _closedAt,
    reason: _reason,
    ...rest
  } = input;
  const fields: Partial<Insertable<OpportunitiesTable>> = { ...rest };
  if (custom_fields !== undefined) fields.custom_fields = JSON.stringify(custom_fields);
  return fields;
}

/**
 * Moves the primary lead forward as the deal requires (to opportunity when it becomes the
 * deal's primary lead, to customer when the deal is won), always through transitionLead so
 * the state machine, the reached-at stamps and the lifecycle history stay the one truth.
 * The lead reaches opportunity at the deal's created_at and customer at its closed_at, but
 * never before its latest recorded stage change: a backdated deal does not rewrite the order
 * of the lead's history.
 */
async function advancePrimaryLead(
  trx: Kysely<DB>,
  caller: Caller,
  opportunity: OpportunityRow,
): Promise<void> {
  if (opportunity.primary_lead_id === null) return;
  const lead = await leadsRepository.getLeadForUpdate(trx, caller.workspaceId, opportunity.primary_lead_id);
  if (!lead) return;
  const stages = leadStagesToReach(lead.stage, opportunity.status);
  if (stages.length === 0) return;
  let notBefore = await opportunitiesRepository.latestLifecycleMoment(trx, caller.workspaceId, lead.id);
  for (const to of stages) {
    const wanted = to === 'customer' ? (opportunity.closed_at ?? new Date()) : opportunity.created_at;
    const at = notBefore && notBefore.getTime() > wanted.getTime() ? notBefore : wanted;
    await transitionLead(trx, caller.workspaceId, lead.id, {
      to,
      at,
      actorId: caller.userId,
      origin: caller.role === 'system' ? 'system' : 'api',
      reason:
        to === 'customer' ? `opportunity ${opportunity.id} won` : `opportunity ${opportunity.id} created`,
    });
    notBefore = at;
  }
}

export async function createOpportunity(
  db: Kysely<DB>,
  caller: Caller,
  input: CreateOpportunityInput,
): Promise<OpportunityRow> {
  assertCanCreateOpportunity(caller);
  assertCanAssignOpportunity(caller, null, input.owner_id);
  const { closing, issues } = resolveClosing(
    null,
    {
      status: input.status,
      stage: input.stage,
      created_at: dateOrUndefined(input.created_at),
      closed_at:
        input.closed_at === undefined || input.closed_at === null
          ? input.closed_at
          : new Date(input.closed_at),
      reason: input.reason,
    },
    new Date(),
  );
  throwIfIssues(issues);
  return db.transaction().execute(async (trx) => {
    await assertReferencesExist(trx, caller.workspaceId, referenceChecks(input));
    const opportunity = await opportunitiesRepository.insertOpportunity(trx, {
      workspace_id: caller.workspaceId,
      ...plainFieldsOf(input),
      name: input.name,
      ...closing,
      // Reps own the deals they open unless they say otherwise.
      owner_id:
        input.owner_id !== undefined
          ? input.owner_id
          : caller.role === 'sales' || caller.role === 'sdr'
            ? caller.userId
            : null,
    });
    await advancePrimaryLead(trx, caller, opportunity);
    return opportunity;
  });
}

export async function getOpportunity(db: Kysely<DB>, caller: Caller, id: number): Promise<OpportunityRow> {
  const opportunity = await opportunitiesRepository.getOpportunity(db, caller.workspaceId, id);
  if (!opportunity) throw new AppError('OPPORTUNITY_NOT_FOUND', `Opportunity ${id} does not exist`);
  return opportunity;
}

export async function updateOpportunity(
  db: Kysely<DB>,
  caller: Caller,
  id: number,
  input: UpdateOpportunityInput,
): Promise<OpportunityRow> {
  return db.transaction().execute(async (trx) => {
    const current = await opportunitiesRepository.getOpportunity(trx, caller.workspaceId, id, {
      forUpdate: true,
    });
    if (!current) throw new AppError('OPPORTUNITY_NOT_FOUND', `Opportunity ${id} does not exist`);
    assertCanChangeOpportunity(caller, current);
    assertCanAssignOpportunity(caller, current.owner_id, input.owner_id);
    const { closing, issues } = resolveClosing(
      current,
      {
        status: input.status,
        stage: input.stage,
        created_at: dateOrUndefined(input.created_at),
        closed_at:
          input.closed_at === undefined || input.closed_at === null
            ? input.closed_at
            : new Date(input.closed_at),
        reason: input.reason,
      },
      new Date(),
    );
    throwIfIssues(issues);
    await assertReferencesExist(trx, caller.workspaceId, referenceChecks(input));
    const updated = await opportunitiesRepository.updateOpportunity(trx, caller.workspaceId, id, {
      ...plainFieldsOf(input),
      ...closing,
    });
    if (!updated) throw new AppError('OPPORTUNITY_NOT_FOUND', `Opportunity ${id} does not exist`);
    const leadChanged = updated.primary_lead_id !== current.primary_lead_id;
    const becameWon = updated.status === 'won' && current.status !== 'won';
    if (leadChanged || becameWon) await advancePrimaryLead(trx, caller, updated);
    return updated;
  });
}

/** The deal's leads keep their stages and history; its activities go with it. */
export async function deleteOpportunity(db: Kysely<DB>, caller: Caller, id: number): Promise<void> {
  assertCanDeleteOpportunity(caller);
  const deleted = await opportunitiesRepository.deleteOpportunity(db, caller.workspaceId, id);
  if (!deleted) throw new AppError('OPPORTUNITY_NOT_FOUND', `Opportunity ${id} does not exist`);
}

export async function findOpportunities(
  db: Kysely<DB>,
  caller: Caller,
  query: ListOpportunitiesQuery,
): Promise<Page<OpportunityRow>> {
  const sort = keysetSort(query.sort, SORT_COLUMNS, '-created_at');
  const rows = await opportunitiesRepository.findOpportunities(
    db,
    caller.workspaceId,
    {
      statuses: parseStageList<OpportunityStatus>(query.status, OPPORTUNITY_STATUSES, 'status'),
      ownerId: query.owner_id,
      accountId: query.account_id,
      primaryLeadId: query.primary_lead_id,
      productId: query.product_id,
      stage: query.stage,
      competitor: query.competitor,
      source: query.source,
      segment: query.segment,
      createdFrom: dateOrUndefined(query.created_from),
      createdTo: dateOrUndefined(query.created_to),
      closedFrom: dateOrUndefined(query.closed_from),
      closedTo: dateOrUndefined(query.closed_to),
      search: query.q,
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

export async function findOpportunityContacts(
  db: Kysely<DB>,
  caller: Caller,
  opportunityId: number,
): Promise<OpportunityContactRow[]> {
  await getOpportunity(db, caller, opportunityId);
  return opportunitiesRepository.findOpportunityContacts(db, caller.workspaceId, opportunityId);
}

export async function addOpportunityContact(
  db: Kysely<DB>,
  caller: Caller,
  opportunityId: number,
  input: AddContactInput,
): Promise<OpportunityContactRow> {
  return db.transaction().execute(async (trx) => {
    const opportunity = await opportunitiesRepository.getOpportunity(trx, caller.workspaceId, opportunityId);
    if (!opportunity)
      throw new AppError('OPPORTUNITY_NOT_FOUND', `Opportunity ${opportunityId} does not exist`);
    assertCanChangeOpportunity(caller, opportunity);
    await assertReferencesExist(trx, caller.workspaceId, [
      { field: 'lead_id', table: 'leads', id: input.lead_id },
    ]);
    await opportunitiesRepository.insertOpportunityContact(trx, {
      workspace_id: caller.workspaceId,
      opportunity_id: opportunityId,
      lead_id: input.lead_id,
      role: input.role ?? 'contact',
    });
    const [contact] = await opportunitiesRepository.findOpportunityContacts(
      trx,
      caller.workspaceId,
      opportunityId,
      input.lead_id,
    );
    if (!contact) throw new AppError('LEAD_NOT_FOUND', `Lead ${input.lead_id} does not exist`);
    return contact;
  });
}

export async function removeOpportunityContact(
  db: Kysely<DB>,
  caller: Caller,
  opportunityId: number,
  leadId: number,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const opportunity = await opportunitiesRepository.getOpportunity(trx, caller.workspaceId, opportunityId);
    if (!opportunity)
      throw new AppError('OPPORTUNITY_NOT_FOUND', `Opportunity ${opportunityId} does not exist`);
    assertCanChangeOpportunity(caller, opportunity);
    const removed = await opportunitiesRepository.deleteOpportunityContact(
      trx,
      caller.workspaceId,
      opportunityId,
      leadId,
    );
    if (!removed) {
      throw new AppError(
        'RESOURCE_NOT_FOUND',
        `Lead ${leadId} is not a contact of opportunity ${opportunityId}`,
      );
    }
  });
}
