import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { CampaignStatus, CampaignsTable } from '../../db/tables/foundation.ts';
import { AppError, isUniqueViolation } from '../../shared/errors.ts';
import { containsPattern, type KeysetSort, keysetAfter, keysetOrder } from '../../shared/keyset.ts';

export type CampaignRow = Selectable<CampaignsTable>;

function duplicateCampaignError(): AppError {
  return new AppError('ALREADY_EXISTS', 'A campaign with this external_id already exists', {
    issues: [{ path: 'external_id', message: 'already used by another campaign' }],
  });
}

export async function insertCampaign(
  db: Kysely<DB>,
  campaign: Insertable<CampaignsTable>,
): Promise<CampaignRow> {
  try {
    return await db.insertInto('campaigns').values(campaign).returningAll().executeTakeFirstOrThrow();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateCampaignError();
    throw error;
  }
}

export async function updateCampaign(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
  patch: Updateable<CampaignsTable>,
): Promise<CampaignRow | undefined> {
  try {
    return await db
      .updateTable('campaigns')
      .set({ ...patch, updated_at: new Date() })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateCampaignError();
    throw error;
  }
}

export async function getCampaign(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
  options: { forUpdate?: boolean } = {},
): Promise<CampaignRow | undefined> {
  const query = db
    .selectFrom('campaigns')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function deleteCampaign(db: Kysely<DB>, workspaceId: number, id: number): Promise<boolean> {
  const result = await db
    .deleteFrom('campaigns')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Whether `campaignId` is `candidateParentId` or one of its parent programs (the chain would loop). */
export async function isCampaignInParentChain(
  db: Kysely<DB>,
  workspaceId: number,
  candidateParentId: number,
  campaignId: number,
): Promise<boolean> {
  const result = await sql<{ found: number }>`
    with recursive chain (id, parent_id) as (
      select id, parent_id from campaigns where workspace_id = ${workspaceId} and id = ${candidateParentId}
      union
      select c.id, c.parent_id
      from campaigns c join chain on c.id = chain.parent_id
      where c.workspace_id = ${workspaceId}
    )
    select 1 as found from chain where id = ${campaignId} limit 1`.execute(db);
  return result.rows.length > 0;
}

export interface CampaignFilters {
  channels?: string[] | undefined;
  statuses?: CampaignStatus[] | undefined;
  type?: string | undefined;
  ownerId?: number | undefined;
  parentId?: number | undefined;
  topLevel?: boolean | undefined;
  startFrom?: string | undefined;
  startTo?: string | undefined;
  activeFrom?: string | undefined;
  activeTo?: string | undefined;
  search?: string | undefined;
}

export async function findCampaigns(
  db: Kysely<DB>,
  workspaceId: number,
  filters: CampaignFilters,
  sort: KeysetSort,
  limit: number,
  cursor?: string,
): Promise<CampaignRow[]> {
  let query = db.selectFrom('campaigns').selectAll().where('workspace_id', '=', workspaceId);
  if (filters.channels?.length) query = query.where('channel', 'in', filters.channels);
  if (filters.statuses?.length) query = query.where('status', 'in', filters.statuses);
  if (filters.type !== undefined) query = query.where('type', '=', filters.type);
  if (filters.ownerId !== undefined) query = query.where('owner_id', '=', filters.ownerId);
  if (filters.parentId !== undefined) query = query.where('parent_id', '=', filters.parentId);
  if (filters.topLevel === true) query = query.where('parent_id', 'is', null);
  if (filters.topLevel === false) query = query.where('parent_id', 'is not', null);
  if (filters.startFrom) query = query.where('start_date', '>=', filters.startFrom);
  if (filters.startTo) query = query.where('start_date', '<=', filters.startTo);
  const { activeFrom, activeTo } = filters;
  if (activeFrom)
    query = query.where((eb) => eb.or([eb('end_date', 'is', null), eb('end_date', '>=', activeFrom)]));
  if (activeTo)
    query = query.where((eb) => eb.or([eb('start_date', 'is', null), eb('start_date', '<=', activeTo)]));
  if (filters.search) query = query.where(sql`lower(name)`, 'like', containsPattern(filters.search));
  if (cursor) query = query.where(keysetAfter(sort, cursor));
  for (const term of keysetOrder(sort)) query = query.orderBy(term);
  return query.limit(limit + 1).execute();
}
