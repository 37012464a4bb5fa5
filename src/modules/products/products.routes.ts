import { z } from 'zod';
import type { App } from '../../server/types.ts';
import type { ProductRow } from './products.repository.ts';
import {
  type ApiProduct,
  createProductBody,
  listProductsQuery,
  productPageSchema,
  productSchema,
  updateProductBody,
} from './products.schemas.ts';
import * as productsService from './products.service.ts';

export function toApiProduct(row: ProductRow): ApiProduct {
  return {
    id: row.id,
    external_id: row.external_id,
    name: row.name,
    series: row.series,
    price: row.price,
    created_at: row.created_at.toISOString(),
  };
}

const idParams = z.object({ id: z.coerce.number().int().positive() });

export function registerProductRoutes(api: App): void {
  api.get(
    '/products',
    {
      schema: {
        tags: ['products'],
        summary: 'List products with filters, sort and cursor pagination',
        querystring: listProductsQuery,
        response: { 200: productPageSchema },
      },
    },
    async (request) => {
      const page = await productsService.findProducts(api.db, request.actor, request.query);
      return { items: page.items.map(toApiProduct), next_cursor: page.next_cursor };
    },
  );

  api.post(
    '/products',
    {
      schema: {
        tags: ['products'],
        summary: 'Create a product (admin or marketing)',
        body: createProductBody,
        response: { 201: productSchema },
      },
    },
    async (request, reply) => {
      const product = await productsService.createProduct(api.db, request.actor, request.body);
      return reply.status(201).send(toApiProduct(product));
    },
  );

  api.get(
    '/products/:id',
    {
      schema: {
        tags: ['products'],
        summary: 'One product',
        params: idParams,
        response: { 200: productSchema },
      },
    },
    async (request) =>
      toApiProduct(await productsService.getProduct(api.db, request.actor, request.params.id)),
  );

  api.patch(
    '/products/:id',
    {
      schema: {
        tags: ['products'],
        summary: 'Change a product (admin or marketing)',
        params: idParams,
        body: updateProductBody,
        response: { 200: productSchema },
      },
    },
    async (request) =>
      toApiProduct(
        await productsService.updateProduct(api.db, request.actor, request.params.id, request.body),
      ),
  );

  api.delete(
    '/products/:id',
    {
      schema: {
        tags: ['products'],
        summary: 'Delete a product; its opportunities lose the link',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await productsService.deleteProduct(api.db, request.actor, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
