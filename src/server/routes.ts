import { registerAuthRoutes } from '../modules/auth/auth.routes.ts';
import { registerLeadRoutes } from '../modules/leads/leads.routes.ts';
import { registerUserRoutes } from '../modules/users/users.routes.ts';
import type { App } from './types.ts';

/** Every module's routes, mounted under /api/v1. */
export async function registerRoutes(api: App): Promise<void> {
  registerAuthRoutes(api);
  registerUserRoutes(api);
  registerLeadRoutes(api);
}
