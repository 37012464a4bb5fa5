import type { Database } from '../db/database.ts';
import {
  DEFAULT_DEMO_SEED,
  DEMO_ADMIN_EMAIL,
  DEMO_PASSWORD,
  type DemoSizeSpec,
  type DemoSummary,
  generateDemo,
} from '../modules/demo/demo.service.ts';
import { DEFAULT_WORKSPACE_SLUG } from '../modules/workspaces/workspaces.service.ts';

export const DEMO_ADMIN = { email: DEMO_ADMIN_EMAIL, password: DEMO_PASSWORD } as const;

/**
 * On the very first start (no workspace yet) generates the demo company, size s with the
 * default seed and history up to today (UTC), so the printed login opens a working
 * instance. Several instances starting at once on one PostgreSQL generate it once.
 * Returns the login to print, or null when the store was not empty.
 */
export async function ensureDemoOnFirstStart(
  database: Database,
  options: {
    today?: Date;
    /** Tests use a smaller company than the first start's size s. */
    size?: DemoSizeSpec;
    onGenerated?: (summary: DemoSummary) => void;
  } = {},
): Promise<typeof DEMO_ADMIN | null> {
  const any = await database.db.selectFrom('workspaces').select('id').limit(1).executeTakeFirst();
  if (any) return null;
  const summary = await generateDemo(database.db, {
    size: options.size ?? 's',
    seed: DEFAULT_DEMO_SEED,
    today: options.today,
    workspace: { slug: DEFAULT_WORKSPACE_SLUG, name: 'Demo Company' },
    onlyIntoEmptyStore: true,
  });
  if (!summary) return null;
  options.onGenerated?.(summary);
  return DEMO_ADMIN;
}
