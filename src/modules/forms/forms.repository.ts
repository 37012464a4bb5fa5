import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import { sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { WebFormsTable } from '../../db/tables/handoff-scoring.ts';
import { AppError, isUniqueViolation } from '../../shared/errors.ts';
import type { LeadRow } from '../leads/leads.repository.ts';

export type WebFormRow = Selectable<WebFormsTable>;

function duplicateKey(key: string | undefined): AppError {
  return new AppError('ALREADY_EXISTS', `A form with the key "${key}" already exists`, {
    issues: [{ path: 'key', message: 'already used by another form' }],
  });
}

export async function insertForm(db: Kysely<DB>, form: Insertable<WebFormsTable>): Promise<WebFormRow> {
  try {
    return await db.insertInto('web_forms').values(form).returningAll().executeTakeFirstOrThrow();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateKey(form.key);
    throw error;
  }
}

export async function updateForm(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
  patch: Updateable<WebFormsTable>,
): Promise<WebFormRow | undefined> {
  try {
    return await db
      .updateTable('web_forms')
      .set({ ...patch, updated_at: new Date() })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateKey(typeof patch.key === 'string' ? patch.key : undefined);
    throw error;
  }
}

export async function getForm(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
): Promise<WebFormRow | undefined> {
  return db
    .selectFrom('web_forms')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** A form by its public key, across workspaces (the key is unique in the store). */
export async function getFormByKey(db: Kysely<DB>, key: string): Promise<WebFormRow | undefined> {
  return db.selectFrom('web_forms').selectAll().where('key', '=', key).executeTakeFirst();
}

export async function findForms(db: Kysely<DB>, workspaceId: number): Promise<WebFormRow[]> {
  return db
    .selectFrom('web_forms')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('id')
    .execute();
}

export async function campaignChannel(
  db: Kysely<DB>,
  workspaceId: number,
  campaignId: number,
): Promise<{ id: number; channel: string } | undefined> {
  return db
    .selectFrom('campaigns')
    .select(['id', 'channel'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', campaignId)
    .executeTakeFirst();
}

export async function findLeadByEmailForUpdate(
  db: Kysely<DB>,
  workspaceId: number,
  email: string,
): Promise<LeadRow | undefined> {
  return db
    .selectFrom('leads')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .forUpdate()
    .executeTakeFirst();
}
