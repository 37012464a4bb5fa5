import type { Database } from '../db/database.ts';
import { systemCaller } from '../modules/auth/auth.ts';
import { createUser } from '../modules/users/users.service.ts';
import { DEFAULT_WORKSPACE_SLUG, ensureWorkspace } from '../modules/workspaces/workspaces.service.ts';

export const DEMO_ADMIN = { email: 'admin@demo.example.com', password: 'tandem-demo' } as const;

/**
 * On the very first start (no workspace yet) creates the workspace and its admin so the
 * printed login works. Returns the login to print, or null when the store was not empty.
 */
export async function ensureDemoOnFirstStart(database: Database): Promise<typeof DEMO_ADMIN | null> {
  const any = await database.db.selectFrom('workspaces').select('id').limit(1).executeTakeFirst();
  if (any) return null;
  const workspace = await ensureWorkspace(database.db, {
    name: 'Demo Company',
    slug: DEFAULT_WORKSPACE_SLUG,
  });
  await createUser(database.db, systemCaller(workspace.id), {
    email: DEMO_ADMIN.email,
    name: 'Demo Admin',
    role: 'admin',
    password: DEMO_ADMIN.password,
  });
  return DEMO_ADMIN;
}
