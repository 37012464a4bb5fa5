import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';

export interface WorkspaceRow {
  id: number;
  name: string;
  slug: string;
  settings: Record<string, unknown>;
  created_at: Date;
}

export async function findWorkspaceBySlug(db: Kysely<DB>, slug: string): Promise<WorkspaceRow | undefined> {
  return db.selectFrom('workspaces').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export async function findFirstWorkspace(db: Kysely<DB>): Promise<WorkspaceRow | undefined> {
  return db.selectFrom('workspaces').selectAll().orderBy('id').limit(1).executeTakeFirst();
}

export async function insertWorkspace(
  db: Kysely<DB>,
  workspace: { name: string; slug: string },
): Promise<WorkspaceRow> {
  return db
    .insertInto('workspaces')
    .values({ name: workspace.name, slug: workspace.slug })
    .onConflict((oc) => oc.column('slug').doUpdateSet({ slug: workspace.slug }))
    .returningAll()
    .executeTakeFirstOrThrow();
}
