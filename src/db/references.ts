import type { Kysely } from 'kysely';
import { AppError } from '../shared/errors.ts';
import type { DB } from './schema.ts';

type ReferencedTable = 'users' | 'accounts' | 'campaigns' | 'products' | 'leads' | 'opportunities';

const NOUN: Record<ReferencedTable, string> = {
  users: 'user',
  accounts: 'account',
  campaigns: 'campaign',
  products: 'product',
  leads: 'lead',
  opportunities: 'opportunity',
};

export interface ReferenceCheck {
  /** The request field holding the id, named in the error ("owner_id"). */
  field: string;
  table: ReferencedTable;
  id: number | null | undefined;
}

/**
 * Refuses with 400 naming the field when an id given in a request does not exist in the
 * caller's workspace (a foreign key alone would accept another workspace's row).
 */
export async function assertReferencesExist(
  db: Kysely<DB>,
  workspaceId: number,
  checks: readonly ReferenceCheck[],
): Promise<void> {
  for (const check of checks) {
    if (check.id === null || check.id === undefined) continue;
    const found = await db
      .selectFrom(check.table)
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', check.id)
      .executeTakeFirst();
    if (!found) {
      const message = `no ${NOUN[check.table]} with id ${check.id}`;
      throw new AppError('VALIDATION_FAILED', `${check.field}: ${message}`, {
        issues: [{ path: check.field, message }],
      });
    }
  }
}
