import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../shared/errors.ts';
import * as workspacesRepository from './workspaces.repository.ts';

export const DEFAULT_WORKSPACE_SLUG = 'default';

/** The workspace CLI commands act on: the one named by slug, else the first one. */
export async function resolveWorkspace(
  db: Kysely<DB>,
  slug?: string,
): Promise<workspacesRepository.WorkspaceRow> {
  const workspace = slug
    ? await workspacesRepository.findWorkspaceBySlug(db, slug)
    : await workspacesRepository.findFirstWorkspace(db);
  if (!workspace) {
    throw new AppError(
      'RESOURCE_NOT_FOUND',
      slug
        ? `Workspace "${slug}" does not exist`
        : 'There is no workspace yet; run `tandem demo` or `tandem users create` first',
    );
  }
  return workspace;
}

/** Returns the workspace with this slug, creating it when missing. */
export async function ensureWorkspace(
  db: Kysely<DB>,
  workspace: { name: string; slug: string },
): Promise<workspacesRepository.WorkspaceRow> {
  return (
    (await workspacesRepository.findWorkspaceBySlug(db, workspace.slug)) ??
    workspacesRepository.insertWorkspace(db, workspace)
  );
}
