import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { AccountsTable } from '../../db/tables/foundation.ts';
import { AppError, isUniqueViolation } from '../../shared/errors.ts';
import { containsPattern, type KeysetSort, keysetAfter, keysetOrder } from '../../shared/keyset.ts';

export type AccountRow = Selectable<AccountsTable>;

function duplicateAccountError(): AppError {
  return new AppError('ALREADY_EXISTS', 'An account with this external_id already exists', {
    issues: [{ path: 'external_id', message: 'already used by another account' }],
  });
}

export async function insertAccount(db: Kysely<DB>, account: Insertable<AccountsTable>): Promise<AccountRow> {
  try {
    return await db.insertInto('accounts').values(account).returningAll().executeTakeFirstOrThrow();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateAccountError();
    throw error;
  }
}

export async function updateAccount(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
  patch: Updateable<AccountsTable>,
): Promise<AccountRow | undefined> {
  try {
    return await db
      .updateTable('accounts')
      .set({ ...patch, updated_at: new Date() })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateAccountError();
    throw error;
  }
}

export async function getAccount(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
): Promise<AccountRow | undefined> {
  return db
    .selectFrom('accounts')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function getAccountForUpdate(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
): Promise<AccountRow | undefined> {
  return db
    .selectFrom('accounts')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export async function deleteAccount(db: Kysely<DB>, workspaceId: number, id: number): Promise<boolean> {
  const result = await db
    .deleteFrom('accounts')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Whether `accountId` is `candidateParentId` or one of its ancestors (making it the parent would close a loop). */
export async function isAccountInParentChain(
  db: Kysely<DB>,
  workspaceId: number,
  candidateParentId: number,
  accountId: number,
): Promise<boolean> {
  const result = await sql<{ found: number }>`
    with recursive chain (id, parent_account_id) as (
      select id, parent_account_id from accounts where workspace_id = ${workspaceId} and id = ${candidateParentId}
      union
      select a.id, a.parent_account_id
      from accounts a join chain c on a.id = c.parent_account_id
      where a.workspace_id = ${workspaceId}
    )
    select 1 as found from chain where id = ${accountId} limit 1`.execute(db);
  return result.rows.length > 0;
}

export interface AccountFilters {
  domain?: string | undefined;
  industry?: string | undefined;
  country?: string | undefined;
  region?: string | undefined;
  ownerId?: number | undefined;
  unassigned?: boolean | undefined;
  parentAccountId?: number | undefined;
  createdFrom?: Date | undefined;
  createdTo?: Date | undefined;
  search?: string | undefined;
}

export async function findAccounts(
  db: Kysely<DB>,
  workspaceId: number,
  filters: AccountFilters,
  sort: KeysetSort,
  limit: number,
  cursor?: string,
): Promise<AccountRow[]> {
  let query = db.selectFrom('accounts').selectAll().where('workspace_id', '=', workspaceId);
  // lower(domain) matches the accounts_workspace_domain index.
  if (filters.domain !== undefined)
    query = query.where(sql`lower(domain)`, '=', filters.domain.toLowerCase());
  if (filters.industry !== undefined) query = query.where('industry', '=', filters.industry);
  if (filters.country !== undefined) query = query.where('country', '=', filters.country);
  if (filters.region !== undefined) query = query.where('region', '=', filters.region);
  if (filters.ownerId !== undefined) query = query.where('owner_id', '=', filters.ownerId);
  if (filters.unassigned) query = query.where('owner_id', 'is', null);
  if (filters.parentAccountId !== undefined)
    query = query.where('parent_account_id', '=', filters.parentAccountId);
  if (filters.createdFrom) query = query.where('created_at', '>=', filters.createdFrom);
  if (filters.createdTo) query = query.where('created_at', '<', filters.createdTo);
  if (filters.search) {
    const pattern = containsPattern(filters.search);
    query = query.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['name']), 'like', pattern),
        eb(sql<string>`lower(coalesce(domain, ''))`, 'like', pattern),
      ]),
    );
  }
  if (cursor) query = query.where(keysetAfter(sort, cursor));
  for (const term of keysetOrder(sort)) query = query.orderBy(term);
  return query.limit(limit + 1).execute();
}
