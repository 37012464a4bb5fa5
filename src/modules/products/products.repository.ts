import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { ProductsTable } from '../../db/tables/foundation.ts';
import { AppError, isUniqueViolation } from '../../shared/errors.ts';
import { containsPattern, type KeysetSort, keysetAfter, keysetOrder } from '../../shared/keyset.ts';

export type ProductRow = Selectable<ProductsTable>;

function duplicateProductError(error: { constraint?: string }): AppError {
  const field = error.constraint?.includes('external') ? 'external_id' : 'name';
  return new AppError('ALREADY_EXISTS', `A product with this ${field} already exists`, {
    issues: [{ path: field, message: 'already used by another product' }],
  });
}

export async function insertProduct(db: Kysely<DB>, product: Insertable<ProductsTable>): Promise<ProductRow> {
  try {
    return await db.insertInto('products').values(product).returningAll().executeTakeFirstOrThrow();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateProductError(error);
    throw error;
  }
}

export async function updateProduct(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
  patch: Updateable<ProductsTable>,
): Promise<ProductRow | undefined> {
  try {
    return await db
      .updateTable('products')
      .set(patch)
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateProductError(error);
    throw error;
  }
}

export async function getProduct(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
): Promise<ProductRow | undefined> {
  return db
    .selectFrom('products')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function deleteProduct(db: Kysely<DB>, workspaceId: number, id: number): Promise<boolean> {
  const result = await db
    .deleteFrom('products')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export interface ProductFilters {
  series?: string | undefined;
  search?: string | undefined;
}

export async function findProducts(
  db: Kysely<DB>,
  workspaceId: number,
  filters: ProductFilters,
  sort: KeysetSort,
  limit: number,
  cursor?: string,
): Promise<ProductRow[]> {
  let query = db.selectFrom('products').selectAll().where('workspace_id', '=', workspaceId);
  if (filters.series !== undefined) query = query.where('series', '=', filters.series);
  if (filters.search) {
    const pattern = containsPattern(filters.search);
    query = query.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['name']), 'like', pattern),
        eb(sql<string>`lower(coalesce(series, ''))`, 'like', pattern),
      ]),
    );
  }
  if (cursor) query = query.where(keysetAfter(sort, cursor));
  for (const term of keysetOrder(sort)) query = query.orderBy(term);
  return query.limit(limit + 1).execute();
}
