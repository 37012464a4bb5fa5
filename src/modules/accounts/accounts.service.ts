import type { Insertable, Kysely } from 'kysely';
import { assertReferencesExist } from '../../db/references.ts';
import type { DB } from '../../db/schema.ts';
import type { AccountsTable } from '../../db/tables/foundation.ts';
import { AppError } from '../../shared/errors.ts';
import { keysetPosition, keysetSort, type SortColumns } from '../../shared/keyset.ts';
import { type Page, toPage } from '../../shared/pagination.ts';
import type { Caller } from '../auth/auth.ts';
import type { AccountRow } from './accounts.repository.ts';
import * as accountsRepository from './accounts.repository.ts';
import type {
  accountSortColumns,
  CreateAccountInput,
  ListAccountsQuery,
  UpdateAccountInput,
} from './accounts.schemas.ts';
import {
  assertCanAssignAccount,
  assertCanChangeAccount,
  assertCanCreateAccount,
  assertCanDeleteAccount,
  normalizeDomain,
} from './accounts.ts';

const SORT_COLUMNS: SortColumns<(typeof accountSortColumns)[number]> = {
  created_at: { type: 'timestamptz', nullable: false },
  updated_at: { type: 'timestamptz', nullable: false },
  name: { type: 'text', nullable: false },
  annual_revenue: { type: 'numeric', nullable: true },
  employees: { type: 'numeric', nullable: true },
  id: { type: 'int8', nullable: false },
};

function fieldsOf(input: UpdateAccountInput): Partial<Insertable<AccountsTable>> {
  const { custom_fields, ...rest } = input;
  const fields: Partial<Insertable<AccountsTable>> = { ...rest };
  if (custom_fields !== undefined) fields.custom_fields = JSON.stringify(custom_fields);
  return fields;
}

async function assertParentAllowed(
  db: Kysely<DB>,
  workspaceId: number,
  accountId: number,
  parentId: number | null | undefined,
): Promise<void> {
  if (parentId === null || parentId === undefined) return;
  if (await accountsRepository.isAccountInParentChain(db, workspaceId, parentId, accountId)) {
    const message =
      parentId === accountId
        ? 'an account cannot be its own parent'
        : `account ${parentId} is ${accountId}'s own subsidiary; the parent chain would loop`;
    throw new AppError('VALIDATION_FAILED', `parent_account_id: ${message}`, {
      issues: [{ path: 'parent_account_id', message }],
    });
  }
}

export async function createAccount(
  db: Kysely<DB>,
  caller: Caller,
  input: CreateAccountInput,
): Promise<AccountRow> {
  assertCanCreateAccount(caller);
  assertCanAssignAccount(caller, null, input.owner_id);
  return db.transaction().execute(async (trx) => {
    await assertReferencesExist(trx, caller.workspaceId, [
      { field: 'owner_id', table: 'users', id: input.owner_id },
      { field: 'parent_account_id', table: 'accounts', id: input.parent_account_id },
    ]);
    return accountsRepository.insertAccount(trx, {
      workspace_id: caller.workspaceId,
      ...fieldsOf(input),
      name: input.name,
      // Reps own the accounts they create unless they say otherwise.
      owner_id:
        input.owner_id !== undefined
          ? input.owner_id
          : caller.role === 'sales' || caller.role === 'sdr'
            ? caller.userId
            : null,
    });
  });
}

export async function getAccount(db: Kysely<DB>, caller: Caller, id: number): Promise<AccountRow> {
  const account = await accountsRepository.getAccount(db, caller.workspaceId, id);
  if (!account) throw new AppError('ACCOUNT_NOT_FOUND', `Account ${id} does not exist`);
  return account;
}

export async function updateAccount(
  db: Kysely<DB>,
  caller: Caller,
  id: number,
  input: UpdateAccountInput,
): Promise<AccountRow> {
  return db.transaction().execute(async (trx) => {
    const account = await accountsRepository.getAccountForUpdate(trx, caller.workspaceId, id);
    if (!account) throw new AppError('ACCOUNT_NOT_FOUND', `Account ${id} does not exist`);
    assertCanChangeAccount(caller, account);
    assertCanAssignAccount(caller, account.owner_id, input.owner_id);
    await assertReferencesExist(trx, caller.workspaceId, [
      { field: 'owner_id', table: 'users', id: input.owner_id },
      { field: 'parent_account_id', table: 'accounts', id: input.parent_account_id },
    ]);
    await assertParentAllowed(trx, caller.workspaceId, id, input.parent_account_id);
    const updated = await accountsRepository.updateAccount(trx, caller.workspaceId, id, fieldsOf(input));
    if (!updated) throw new AppError('ACCOUNT_NOT_FOUND', `Account ${id} does not exist`);
    return updated;
  });
}

/** Leads and opportunities of the account stay and lose the link; subsidiaries lose their parent. */
export async function deleteAccount(db: Kysely<DB>, caller: Caller, id: number): Promise<void> {
  assertCanDeleteAccount(caller);
  const deleted = await accountsRepository.deleteAccount(db, caller.workspaceId, id);
  if (!deleted) throw new AppError('ACCOUNT_NOT_FOUND', `Account ${id} does not exist`);
}

export async function findAccounts(
  db: Kysely<DB>,
  caller: Caller,
  query: ListAccountsQuery,
): Promise<Page<AccountRow>> {
  const sort = keysetSort(query.sort, SORT_COLUMNS, '-created_at');
  let domain: string | undefined;
  if (query.domain !== undefined) {
    const normalized = normalizeDomain(query.domain);
    if (normalized === null) {
      throw new AppError('VALIDATION_FAILED', 'domain: is not a domain name such as example.com', {
        issues: [{ path: 'domain', message: 'is not a domain name such as example.com' }],
      });
    }
    domain = normalized;
  }
  const rows = await accountsRepository.findAccounts(
    db,
    caller.workspaceId,
    {
      domain,
      industry: query.industry,
      country: query.country,
      region: query.region,
      ownerId: query.owner_id,
      unassigned: query.unassigned,
      parentAccountId: query.parent_account_id,
      createdFrom: query.created_from ? new Date(query.created_from) : undefined,
      createdTo: query.created_to ? new Date(query.created_to) : undefined,
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
