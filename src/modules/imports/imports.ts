import { basename } from 'node:path';

/** The file formats `tandem import` and POST /api/v1/imports understand. */
export const IMPORT_FORMATS = ['tandem', 'hubspot', 'salesforce', 'olist', 'maven-crm'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export function isImportFormat(value: string): value is ImportFormat {
  return (IMPORT_FORMATS as readonly string[]).includes(value);
}

/**
 * Everything an import can write, in dependency order: a resource only points at resources
 * before it, so files given together are imported in this order whatever order they came in.
 */
export const RESOURCES = [
  'users',
  'teams',
  'accounts',
  'products',
  'campaigns',
  'leads',
  'opportunities',
  'touchpoints',
  'activities',
] as const;
export type ResourceName = (typeof RESOURCES)[number];

/** The tables an import of each resource writes. */
export const RESOURCE_TABLES: { [R in ResourceName]: readonly string[] } = {
  users: ['users'],
  teams: ['teams'],
  accounts: ['accounts'],
  products: ['products'],
  campaigns: ['campaigns'],
  leads: ['leads', 'lifecycle_events'],
  opportunities: ['opportunities', 'opportunity_contacts'],
  touchpoints: ['touchpoints'],
  activities: ['activities'],
};

/** Rows an import writes from which it refreshes the planner's statistics of those tables. */
export const ANALYZE_AFTER_ROWS = 10_000;

export function isResourceName(value: string): value is ResourceName {
  return (RESOURCES as readonly string[]).includes(value);
}

export function resourceRank(resource: ResourceName): number {
  return RESOURCES.indexOf(resource);
}

const SINGULAR: Record<string, ResourceName> = {
  user: 'users',
  team: 'teams',
  account: 'accounts',
  product: 'products',
  campaign: 'campaigns',
  lead: 'leads',
  opportunity: 'opportunities',
  touchpoint: 'touchpoints',
  activity: 'activities',
};

/**
 * The resource a native file holds, from its name: `leads.csv`, `Leads-2026.csv`,
 * `touchpoints.part1.csv` and `lead.csv` all work. Null when the name says nothing.
 */
export function resourceFromFileName(name: string): ResourceName | null {
  const stem = basename(name).toLowerCase();
  const word = /^[a-z]+/.exec(stem)?.[0] ?? '';
  if (isResourceName(word)) return word;
  return SINGULAR[word] ?? null;
}

export interface ResourceCounts {
  created: number;
  updated: number;
}

export type ResourceBreakdown = Partial<Record<ResourceName, ResourceCounts>>;

export interface ImportProgress {
  /** Data rows read from the files so far (headers not counted). */
  rowsRead: number;
  /** Data rows in all files, counted before the import starts (approximate for multi-line cells). */
  rowsTotal?: number;
  created: number;
  updated: number;
  rejected: number;
  /** The file being read. */
  file: string;
}

export interface ImportSummary {
  importId: number;
  rowsRead: number;
  /** Records created, over all resources (a row can create several: a lead and its owner). */
  created: number;
  /** Existing records matched and updated. */
  updated: number;
  /** Rows rejected; each is in import_rejections with its line and reason. */
  rejected: number;
  byResource: ResourceBreakdown;
  durationMs: number;
  rejectionsCsvPath?: string;
  /**
   * The job rescoring every lead under the workspace's scoring model, queued when the import
   * wrote leads, accounts, campaigns or touchpoints (absent when no model was ever saved).
   */
  scoringJobId?: number;
}

/** Resources whose rows feed lead scores (fit rules read lead and account fields; engagement, touchpoints and campaigns). */
export const SCORED_RESOURCES: readonly ResourceName[] = ['leads', 'accounts', 'campaigns', 'touchpoints'];

export function addCounts(into: ResourceBreakdown, resource: ResourceName, counts: ResourceCounts): void {
  const current = into[resource] ?? { created: 0, updated: 0 };
  into[resource] = { created: current.created + counts.created, updated: current.updated + counts.updated };
}

export function totalsOf(breakdown: ResourceBreakdown): ResourceCounts {
  let created = 0;
  let updated = 0;
  for (const counts of Object.values(breakdown)) {
    created += counts?.created ?? 0;
    updated += counts?.updated ?? 0;
  }
  return { created, updated };
}
