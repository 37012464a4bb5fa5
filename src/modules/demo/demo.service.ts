import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { analyzeTables, vacuumTables } from '../../db/statistics.ts';
import { AppError } from '../../shared/errors.ts';
import { hashPassword } from '../auth/passwords.ts';
import { ensureWorkspace } from '../workspaces/workspaces.service.ts';
import { mixSeed, type Rng, streamRng } from './demo.random.ts';
import * as demoRepository from './demo.repository.ts';
import { DEMO_SETTINGS_STEPS } from './demo.settings.ts';
import {
  type CompanyPlan,
  DEMO_SIZES,
  type DemoSizeName,
  type DemoSizeSpec,
  type GeneratedUnit,
  generateUnits,
  planCompany,
  utcMidnight,
} from './demo.ts';

export type { DemoSizeSpec } from './demo.ts';

/** Every demo user signs in with this password (the admin is admin@demo.example.com). */
export const DEMO_PASSWORD = 'tandem-demo';
export const DEMO_ADMIN_EMAIL = 'admin@demo.example.com';
/** The seed `npm start` uses for the demo company of an empty store. */
export const DEFAULT_DEMO_SEED = 1;

/** Leads generated and written per batch: bounds memory whatever the size. */
const UNITS_BATCH_LEADS = 5_000;

export interface DemoCounts {
  users: number;
  teams: number;
  products: number;
  campaigns: number;
  accounts: number;
  leads: number;
  touchpoints: number;
  lifecycle_events: number;
  activities: number;
  opportunities: number;
  opportunity_contacts: number;
  lead_feedback: number;
  lead_assignments: number;
  insights: number;
  [other: string]: number;
}

/** What a seeding step works with: the open transaction, the plan and the ids written so far. */
export interface DemoContext {
  db: Kysely<DB>;
  workspaceId: number;
  plan: CompanyPlan;
  ids: {
    /** Positions of plan.users -> user ids. */
    users: number[];
    userByKey: Map<string, number>;
    teams: Map<string, number>;
    campaigns: number[];
    products: number[];
  };
  counts: DemoCounts;
  /** A seeded stream of its own for a step, so adding a step never changes the others' data. */
  rng(step: string): Rng;
  progress(done: number, total: number): void;
}

/**
 * One area's seeding. Steps run in order; an area adds its own (scoring model, routing
 * rules, SLA policies, goals...) by appending one entry to DEMO_STEPS.
 */
export interface DemoStep {
  name: string;
  /**
   * 'load' (default) runs inside the generation's transaction with set-based writes;
   * 'settings' runs after it commits, through the area's own services (which open their
   * own transactions).
   */
  phase?: 'load' | 'settings';
  run(context: DemoContext): Promise<void>;
}

function hashString(text: string): number {
  let hash = 0;
  for (let index = 0; index < text.length; index++)
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  return hash >>> 0;
}

const seedUsersAndTeams: DemoStep = {
  name: 'users and teams',
  async run(context) {
    const { db, workspaceId, plan } = context;
    const since = new Date(plan.planStartMs - 30 * 86_400_000);
    const teamIds = await demoRepository.upsertTeams(db, workspaceId, plan.teams, since);
    plan.teams.forEach((team, position) => {
      context.ids.teams.set(team.key, teamIds[position] as number);
    });
    // One hash for every demo user: they share the documented demo password anyway, and
    // hashing it once keeps the first start fast.
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    const userIds = await demoRepository.upsertUsers(
      db,
      workspaceId,
      plan.users,
      context.ids.teams,
      passwordHash,
    );
    context.ids.users = userIds;
    plan.users.forEach((user, position) => {
      context.ids.userByKey.set(user.key, userIds[position] as number);
    });
    await demoRepository.setManagers(
      db,
      workspaceId,
      plan.users.map((user, position) => ({
        id: userIds[position] as number,
        managerId: user.manager ? (context.ids.userByKey.get(user.manager) ?? null) : null,
        capacity: null,
      })),
    );
    await demoRepository.setTeamManagers(
      db,
      workspaceId,
      plan.teams.map((team) => ({
        teamId: context.ids.teams.get(team.key) as number,
        managerId: context.ids.userByKey.get(team.manager) as number,
      })),
    );
    context.counts.users = plan.users.length;
    context.counts.teams = plan.teams.length;
  },
};

const seedProducts: DemoStep = {
  name: 'products',
  async run(context) {
    context.ids.products = await demoRepository.upsertProducts(
      context.db,
      context.workspaceId,
      context.plan.products,
      new Date(context.plan.planStartMs),
    );
    context.counts.products = context.plan.products.length;
  },
};

const seedCampaigns: DemoStep = {
  name: 'campaigns',
  async run(context) {
    context.ids.campaigns = await demoRepository.insertCampaigns(
      context.db,
      context.workspaceId,
      context.plan.campaigns,
      context.ids.userByKey,
    );
    context.counts.campaigns = context.plan.campaigns.length;
  },
};

const seedCompany: DemoStep = {
  name: 'accounts, leads, journeys and deals',
  async run(context) {
    const { plan } = context;
    let batch: GeneratedUnit[] = [];
    let batchLeads = 0;
    let done = 0;
    const flush = async () => {
      const counts = await demoRepository.insertUnits(context.db, context.workspaceId, context.ids, batch);
      for (const [table, count] of Object.entries(counts))
        context.counts[table] = (context.counts[table] ?? 0) + count;
      done += batchLeads;
      batch = [];
      batchLeads = 0;
      context.progress(done, plan.size.leads);
    };
    // Units are generated lazily and written in batches, so even size l never sits in memory.
    for (const unit of generateUnits(plan)) {
      batch.push(unit);
      batchLeads += unit.leads.length;
      if (batchLeads >= UNITS_BATCH_LEADS) await flush();
    }
    if (batch.length > 0) await flush();
  },
};

const seedCapacity: DemoStep = {
  name: 'rep capacity',
  async run(context) {
    const sdrIds = context.plan.sdrs.map((position) => context.ids.users[position] as number);
    await demoRepository.setSdrCapacity(
      context.db,
      context.workspaceId,
      sdrIds,
      context.ids.userByKey.get('sdr-2') ?? null,
    );
  },
};

/** The core company first, then the other areas' settings; an area appends its step here. */
export const DEMO_STEPS: DemoStep[] = [
  seedUsersAndTeams,
  seedProducts,
  seedCampaigns,
  seedCompany,
  seedCapacity,
  ...DEMO_SETTINGS_STEPS,
];

export interface GenerateDemoOptions {
  size: DemoSizeName | DemoSizeSpec;
  seed: number;
  /** Reference day; history ends the day before. Defaults to today at UTC midnight. */
  today?: Date;
  workspace: { slug: string; name?: string };
  /** Delete the workspace's data first. */
  reset?: boolean;
  /** Generate only when the store has no workspace at all (first start); returns null otherwise. */
  onlyIntoEmptyStore?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Override the step list (tests). */
  steps?: readonly DemoStep[];
}

export interface DemoSummary {
  workspace: { id: number; slug: string; name: string };
  size: string;
  seed: number;
  today: string;
  reset: 'truncated' | 'deleted' | null;
  counts: DemoCounts;
  seconds: number;
}

const ANALYZED_TABLES = [
  'accounts',
  'leads',
  'lifecycle_events',
  'touchpoints',
  'activities',
  'opportunities',
  'opportunity_contacts',
  'campaigns',
  'lead_feedback',
  'lead_assignments',
  'insights',
];

/**
 * Generates the demo company into a workspace (created when missing) in one transaction:
 * same seed, size and reference day give the same rows. Refuses a workspace that already
 * has leads unless reset is asked for. A system operation: it creates the workspace its
 * caller would belong to, so it takes no caller.
 */
export async function generateDemo(
  db: Kysely<DB>,
  options: GenerateDemoOptions,
): Promise<DemoSummary | null> {
  const started = performance.now();
  const size = typeof options.size === 'string' ? DEMO_SIZES[options.size] : options.size;
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) {
    throw new AppError(
      'VALIDATION_FAILED',
      `seed: must be an integer from 0 to 4294967295, not ${options.seed}`,
      {
        issues: [{ path: 'seed', message: 'must be an integer from 0 to 4294967295' }],
      },
    );
  }
  const today = utcMidnight(options.today ?? new Date());
  const plan = planCompany({ seed: options.seed, size, today });
  const steps = options.steps ?? DEMO_STEPS;
  const result = await db.transaction().execute(async (trx) => {
    await demoRepository.lockDemoGeneration(trx);
    if (options.onlyIntoEmptyStore && (await demoRepository.anyWorkspaceExists(trx))) return null;
    let workspace: { id: number; slug: string; name: string } = await ensureWorkspace(trx, {
      slug: options.workspace.slug,
      name: options.workspace.name ?? 'Demo Company',
    });
    let reset: DemoSummary['reset'] = null;
    if (await demoRepository.workspaceHasLeads(trx, workspace.id)) {
      if (!options.reset) {
        throw new AppError(
          'CONFLICT',
          `Workspace "${workspace.slug}" already has leads; pass --reset to delete its data and generate again, ` +
            'or -w <new-slug> to generate into a new workspace',
        );
      }
    }
    if (options.reset) {
      const recreated = await demoRepository.recreateWorkspace(trx, workspace);
      workspace = recreated.workspace;
      reset = recreated.how;
    }
    const context: DemoContext = {
      db: trx,
      workspaceId: workspace.id,
      plan,
      ids: { users: [], userByKey: new Map(), teams: new Map(), campaigns: [], products: [] },
      counts: {
        users: 0,
        teams: 0,
        products: 0,
        campaigns: 0,
        accounts: 0,
        leads: 0,
        touchpoints: 0,
        lifecycle_events: 0,
        activities: 0,
        opportunities: 0,
        opportunity_contacts: 0,
        lead_feedback: 0,
        lead_assignments: 0,
        insights: 0,
      },
      rng: (step) => streamRng(options.seed, mixSeed(0x5eed, hashString(step))),
      progress: (done, total) => options.onProgress?.(done, total),
    };
    for (const step of steps) if ((step.phase ?? 'load') === 'load') await step.run(context);
    return { workspace, context, reset };
  });
  if (!result) return null;
  // Fresh statistics so the first queries on the new rows get good plans.
  await analyzeTables(db, ANALYZED_TABLES);
  const settingsContext: DemoContext = { ...result.context, db };
  for (const step of steps) if (step.phase === 'settings') await step.run(settingsContext);
  // The settings rewrote every lead's score: vacuum last, for the reports' index-only scans.
  await vacuumTables(db, ANALYZED_TABLES);
  return {
    workspace: { id: result.workspace.id, slug: result.workspace.slug, name: result.workspace.name },
    size: size.name,
    seed: options.seed,
    today: today.toISOString().slice(0, 10),
    reset: result.reset,
    counts: settingsContext.counts,
    seconds: (performance.now() - started) / 1000,
  };
}
