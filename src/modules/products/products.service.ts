import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../shared/errors.ts';
import { keysetPosition, keysetSort, type SortColumns } from '../../shared/keyset.ts';
import { type Page, toPage } from '../../shared/pagination.ts';
import { type Caller, requireRole } from '../auth/auth.ts';
import type { ProductRow } from './products.repository.ts';
import * as productsRepository from './products.repository.ts';
import type {
  CreateProductInput,
  ListProductsQuery,
  productSortColumns,
  UpdateProductInput,
} from './products.schemas.ts';

/** The catalogue is kept by admins and marketing; everyone else reads it. */
const PRODUCT_EDITORS = ['admin', 'marketing'] as const;

const SORT_COLUMNS: SortColumns<(typeof productSortColumns)[number]> = {
  name: { type: 'text', nullable: false },
  price: { type: 'numeric', nullable: true },
  created_at: { type: 'timestamptz', nullable: false },
  id: { type: 'int8', nullable: false },
};

export async function createProduct(
  db: Kysely<DB>,
  caller: Caller,
  input: CreateProductInput,
): Promise<ProductRow> {
  requireRole(caller, PRODUCT_EDITORS, 'create products');
  return productsRepository.insertProduct(db, { workspace_id: caller.workspaceId, ...input });
}

export async function getProduct(db: Kysely<DB>, caller: Caller, id: number): Promise<ProductRow> {
  const product = await productsRepository.getProduct(db, caller.workspaceId, id);
  if (!product) throw new AppError('PRODUCT_NOT_FOUND', `Product ${id} does not exist`);
  return product;
}

export async function updateProduct(
  db: Kysely<DB>,
  caller: Caller,
  id: number,
  input: UpdateProductInput,
): Promise<ProductRow> {
  requireRole(caller, PRODUCT_EDITORS, 'change products');
  const changes = Object.values(input).some((value) => value !== undefined);
  const product = changes
    ? await productsRepository.updateProduct(db, caller.workspaceId, id, input)
    : await productsRepository.getProduct(db, caller.workspaceId, id);
  if (!product) throw new AppError('PRODUCT_NOT_FOUND', `Product ${id} does not exist`);
  return product;
}

/** Opportunities on the product keep their amounts and lose the link. */
export async function deleteProduct(db: Kysely<DB>, caller: Caller, id: number): Promise<void> {
  requireRole(caller, PRODUCT_EDITORS, 'delete products');
  const deleted = await productsRepository.deleteProduct(db, caller.workspaceId, id);
  if (!deleted) throw new AppError('PRODUCT_NOT_FOUND', `Product ${id} does not exist`);
}

export async function findProducts(
  db: Kysely<DB>,
  caller: Caller,
  query: ListProductsQuery,
): Promise<Page<ProductRow>> {
  const sort = keysetSort(query.sort, SORT_COLUMNS, 'name');
  const rows = await productsRepository.findProducts(
    db,
    caller.workspaceId,
    { series: query.series, search: query.q },
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
