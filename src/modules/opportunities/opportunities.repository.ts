import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { LifecycleStage, OpportunitiesTable, OpportunityStatus } from '../../db/tables/foundation.ts';
import { AppError, isUniqueViolation } from '../../shared/errors.ts';
import { containsPattern, type KeysetSort, keysetAfter, keysetOrder } from '../../shared/keyset.ts';

export type OpportunityRow = Selectable<OpportunitiesTable>;

function duplicateOpportunityError(): AppError {
  return new AppError('ALREADY_EXISTS', 'An opportunity with this external_id already exists', {
    issues: [{ path: 'external_id', message: 'already used by another opportunity' }],
  });
}

export async function insertOpportunity(
  db: Kysely<DB>,
  opportunity: Insertable<OpportunitiesTable>,
): Promise<OpportunityRow> {
  try {
    return await db.insertInto('opportunities').values(opportunity).returningAll().executeTakeFirstOrThrow();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateOpportunityError();
    throw error;
  }
}

export async function updateOpportunity(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
  patch: Updateable<OpportunitiesTable>,
): Promise<OpportunityRow | undefined> {
  try {
    return await db
      .updateTable('opportunities')
      .set({ ...patch, updated_at: new Date() })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateOpportunityError();
    throw error;
  }
}

export async function getOpportunity(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
  options: { forUpdate?: boolean } = {},
): Promise<OpportunityRow | undefined> {
  const query = db
    .selectFrom('opportunities')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function deleteOpportunity(db: Kysely<DB>, workspaceId: number, id: number): Promise<boolean> {
  const result = await db
    .deleteFrom('opportunities')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** An opportunity as activity items point at it: enough to resolve it and check ownership. */
export interface OpportunityRef {
  id: number;
  owner_id: number | null;
  external_id: string | null;
}

export async function findOpportunityRefsByIds(
  db: Kysely<DB>,
  workspaceId: number,
  ids: number[],
): Promise<OpportunityRef[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('opportunities')
    .select(['id', 'owner_id', 'external_id'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', sql<number>`any(${ids}::int4[])`)
    .execute();
}

export async function findOpportunityRefsByExternalIds(
  db: Kysely<DB>,
  workspaceId: number,
  externalIds: string[],
): Promise<OpportunityRef[]> {
  if (externalIds.length === 0) return [];
  return db
    .selectFrom('opportunities')
    .select(['id', 'owner_id', 'external_id'])
    .where('workspace_id', '=', workspaceId)
    .where('external_id', '=', sql<string>`any(${externalIds}::text[])`)
    .execute();
}

export interface OpportunityFilters {
  statuses?: OpportunityStatus[] | undefined;
  ownerId?: number | undefined;
  accountId?: number | undefined;
  primaryLeadId?: number | undefined;
  productId?: number | undefined;
  stage?: string | undefined;
  competitor?: string | undefined;
  source?: string | undefined;
  segment?: string | undefined;
  createdFrom?: Date | undefined;
  createdTo?: Date | undefined;
  closedFrom?: Date | undefined;
  closedTo?: Date | undefined;
  search?: string | undefined;
}

export async function findOpportunities(
  db: Kysely<DB>,
  workspaceId: number,
  filters: OpportunityFilters,
  sort: KeysetSort,
  limit: number,
  cursor?: string,
): Promise<OpportunityRow[]> {
  let query = db.selectFrom('opportunities').selectAll().where('workspace_id', '=', workspaceId);
  if (filters.statuses?.length) query = query.where('status', 'in', filters.statuses);
  if (filters.ownerId !== undefined) query = query.where('owner_id', '=', filters.ownerId);
  if (filters.accountId !== undefined) query = query.where('account_id', '=', filters.accountId);
  if (filters.primaryLeadId !== undefined) query = query.where('primary_lead_id', '=', filters.primaryLeadId);
  if (filters.productId !== undefined) query = query.where('product_id', '=', filters.productId);
  if (filters.stage !== undefined) query = query.where('stage', '=', filters.stage);
  if (filters.competitor !== undefined) query = query.where('competitor', '=', filters.competitor);
  if (filters.source !== undefined) query = query.where('source', '=', filters.source);
  if (filters.segment !== undefined) query = query.where('segment', '=', filters.segment);
  if (filters.createdFrom) query = query.where('created_at', '>=', filters.createdFrom);
  if (filters.createdTo) query = query.where('created_at', '<', filters.createdTo);
  if (filters.closedFrom) query = query.where('closed_at', '>=', filters.closedFrom);
  if (filters.closedTo) query = query.where('closed_at', '<', filters.closedTo);
  if (filters.search) query = query.where(sql`lower(name)`, 'like', containsPattern(filters.search));
  if (cursor) query = query.where(keysetAfter(sort, cursor));
  for (const term of keysetOrder(sort)) query = query.orderBy(term);
  return query.limit(limit + 1).execute();
}

export interface OpportunityContactRow {
  opportunity_id: number;
  lead_id: number;
  role: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  stage: LifecycleStage;
}

export async function insertOpportunityContact(
  db: Kysely<DB>,
  contact: { workspace_id: number; opportunity_id: number; lead_id: number; role: string },
): Promise<void> {
  try {
    await db.insertInto('opportunity_contacts').values(contact).execute();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError(
        'ALREADY_EXISTS',
        `Lead ${contact.lead_id} is already a contact of opportunity ${contact.opportunity_id}`,
        { issues: [{ path: 'lead_id', message: 'already a contact of this opportunity' }] },
      );
    }
    throw error;
  }
}

export async function deleteOpportunityContact(
  db: Kysely<DB>,
  workspaceId: number,
  opportunityId: number,
  leadId: number,
): Promise<boolean> {
  const result = await db
    .deleteFrom('opportunity_contacts')
    .where('workspace_id', '=', workspaceId)
    .where('opportunity_id', '=', opportunityId)
    .where('lead_id', '=', leadId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function findOpportunityContacts(
  db: Kysely<DB>,
  workspaceId: number,
  opportunityId: number,
  leadId?: number,
): Promise<OpportunityContactRow[]> {
  let query = db
    .selectFrom('opportunity_contacts as c')
    .innerJoin('leads as l', 'l.id', 'c.lead_id')
    .select(['c.opportunity_id', 'c.lead_id', 'c.role', 'l.email', 'l.first_name', 'l.last_name', 'l.stage'])
    .where('c.workspace_id', '=', workspaceId)
    .where('c.opportunity_id', '=', opportunityId);
  if (leadId !== undefined) query = query.where('c.lead_id', '=', leadId);
  return query.orderBy('c.lead_id').execute();
}

/** The moment of a lead's latest stage change, so later changes are not dated before it. */
export async function latestLifecycleMoment(
  db: Kysely<DB>,
  workspaceId: number,
  leadId: number,
): Promise<Date | null> {
  const row = await db
    .selectFrom('lifecycle_events')
    .select((eb) => eb.fn.max('occurred_at').as('at'))
    .where('workspace_id', '=', workspaceId)
    .where('lead_id', '=', leadId)
    .executeTakeFirst();
  return row?.at ? new Date(row.at) : null;
}
