import { z } from 'zod';
import { cursorSchema, limitSchema, pageSchema } from '../../shared/pagination.ts';

const optionalText = (max = 300) => z.string().trim().max(max).nullable().optional();

/** Fields a client may set on a product. */
export const productWritableFields = {
  external_id: z.string().trim().min(1).max(200).nullable().optional(),
  name: z.string().trim().min(1).max(300).describe('Unique within the workspace'),
  series: optionalText().describe('Product line or family'),
  price: z.number().min(0).max(1e15).nullable().optional().describe('List price, two decimals kept'),
};

export const createProductBody = z.object(productWritableFields);
export type CreateProductInput = z.infer<typeof createProductBody>;

export const updateProductBody = z.object(productWritableFields).partial().strict();
export type UpdateProductInput = z.infer<typeof updateProductBody>;

export const productSchema = z.object({
  id: z.number().int(),
  external_id: z.string().nullable(),
  name: z.string(),
  series: z.string().nullable(),
  price: z.number().nullable(),
  created_at: z.string(),
});
export type ApiProduct = z.infer<typeof productSchema>;

export const productSortColumns = ['name', 'price', 'created_at', 'id'] as const;

export const listProductsQuery = z.object({
  series: z.string().optional(),
  q: z.string().trim().min(1).max(200).optional().describe('Search in name and series'),
  sort: z
    .string()
    .optional()
    .describe(`One of ${productSortColumns.join(', ')}; prefix - for descending (default name)`),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type ListProductsQuery = z.infer<typeof listProductsQuery>;

export const productPageSchema = pageSchema(productSchema);
