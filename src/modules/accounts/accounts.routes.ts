import { z } from 'zod';
import type { App } from '../../server/types.ts';
import type { AccountRow } from './accounts.repository.ts';
import {
  type ApiAccount,
  accountPageSchema,
  accountSchema,
  createAccountBody,
  listAccountsQuery,
  updateAccountBody,
} from './accounts.schemas.ts';
import * as accountsService from './accounts.service.ts';

export function toApiAccount(row: AccountRow): ApiAccount {
  return {
    id: row.id,
    external_id: row.external_id,
    name: row.name,
    domain: row.domain,
    industry: row.industry,
    employees: row.employees,
    annual_revenue: row.annual_revenue,
    country: row.country,
    region: row.region,
    owner_id: row.owner_id,
    parent_account_id: row.parent_account_id,
    custom_fields: row.custom_fields,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

const idParams = z.object({ id: z.coerce.number().int().positive() });

export function registerAccountRoutes(api: App): void {
  api.get(
    '/accounts',
    {
      schema: {
        tags: ['accounts'],
        summary: 'List accounts with filters, sort and cursor pagination',
        querystring: listAccountsQuery,
        response: { 200: accountPageSchema },
      },
    },
    async (request) => {
      const page = await accountsService.findAccounts(api.db, request.actor, request.query);
      return { items: page.items.map(toApiAccount), next_cursor: page.next_cursor };
    },
  );

  api.post(
    '/accounts',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Create an account (not executives; a rep becomes its owner by default)',
        body: createAccountBody,
        response: { 201: accountSchema },
      },
    },
    async (request, reply) => {
      const account = await accountsService.createAccount(api.db, request.actor, request.body);
      return reply.status(201).send(toApiAccount(account));
    },
  );

  api.get(
    '/accounts/:id',
    {
      schema: {
        tags: ['accounts'],
        summary: 'One account',
        params: idParams,
        response: { 200: accountSchema },
      },
    },
    async (request) =>
      toApiAccount(await accountsService.getAccount(api.db, request.actor, request.params.id)),
  );

  api.patch(
    '/accounts/:id',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Change an account (admins and marketing any; reps the accounts they own)',
        params: idParams,
        body: updateAccountBody,
        response: { 200: accountSchema },
      },
    },
    async (request) =>
      toApiAccount(
        await accountsService.updateAccount(api.db, request.actor, request.params.id, request.body),
      ),
  );

  api.delete(
    '/accounts/:id',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Delete an account (admin or marketing); its leads and opportunities lose the link',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await accountsService.deleteAccount(api.db, request.actor, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
