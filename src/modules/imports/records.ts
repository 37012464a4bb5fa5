import type {
  ActivityType,
  CampaignStatus,
  LifecycleStage,
  OpportunityStatus,
  Role,
  Temperature,
  TouchpointType,
  UserStatus,
} from '../../db/tables/foundation.ts';
import { ALL_STAGES } from '../lifecycle/lifecycle.ts';
import type { StageTimes } from './history.ts';
import type { ResourceName } from './imports.ts';
import {
  isProblem,
  normalisedKey,
  type Parsed,
  parseDate,
  parseDecimal,
  parseEmail,
  parseEnum,
  parseInteger,
  parseJsonObject,
  parseTimestamp,
} from './values.ts';

/**
 * The native import format: one CSV per resource whose columns are the table's snake_case
 * fields plus external_id and reference columns (owner_email, lead_external_id, ...).
 * This module validates one row of a resource into a typed record; references stay keys
 * (external ids, emails, names) that the writer resolves set-based. Pure: no I/O.
 */

/** The non-empty, trimmed cells of one row, by native column name. */
export type Fields = Record<string, string>;

export interface FieldError {
  field: string;
  message: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; error: FieldError };

export interface UserRef {
  externalId?: string;
  email?: string;
  name?: string;
}

export interface KeyRef {
  externalId?: string;
  name?: string;
}

export interface LeadRef {
  externalId?: string;
  email?: string;
}

export type CustomFields = Record<string, unknown>;

export const ROLES = ['admin', 'marketing', 'sales', 'sdr', 'executive'] as const satisfies readonly Role[];
export const USER_STATUSES = ['active', 'away', 'inactive'] as const satisfies readonly UserStatus[];
export const TEMPERATURES = ['cold', 'warm', 'hot'] as const satisfies readonly Temperature[];
export const TOUCHPOINT_TYPES = [
  'form_fill',
  'email_open',
  'email_click',
  'webinar',
  'event',
  'ad_click',
  'page_view',
  'content_download',
  'chat',
] as const satisfies readonly TouchpointType[];
export const ACTIVITY_TYPES = ['call', 'email', 'meeting', 'note'] as const satisfies readonly ActivityType[];
export const OPPORTUNITY_STATUSES = ['open', 'won', 'lost'] as const satisfies readonly OpportunityStatus[];
export const CAMPAIGN_STATUSES = [
  'planned',
  'active',
  'completed',
  'cancelled',
] as const satisfies readonly CampaignStatus[];

export const STAGE_COLUMNS = ALL_STAGES.map((stage) => `${stage}_at`);

export interface UserRecord {
  externalId?: string;
  email: string;
  name: string;
  role: Role;
  status?: UserStatus;
  team?: string;
  manager?: UserRef;
  capacity?: number;
  createdAt?: number;
}

export interface TeamRecord {
  name: string;
  manager?: UserRef;
}

export interface AccountRecord {
  externalId?: string;
  name: string;
  domain?: string;
  industry?: string;
  employees?: number;
  annualRevenue?: number;
  country?: string;
  region?: string;
  owner?: UserRef;
  parent?: KeyRef;
  createdAt?: number;
  custom?: CustomFields;
}

export interface ProductRecord {
  externalId?: string;
  name: string;
  series?: string;
  price?: number;
}

export interface CampaignRecord {
  externalId?: string;
  name: string;
  channel: string;
  type?: string;
  status?: CampaignStatus;
  cost?: number;
  budget?: number;
  startDate?: string;
  endDate?: string;
  owner?: UserRef;
  parent?: KeyRef;
  createdAt?: number;
}

export const LEAD_TEXT_COLUMNS = [
  'first_name',
  'last_name',
  'title',
  'phone',
  'company',
  'country',
  'region',
  'industry',
  'source',
  'source_detail',
  'first_utm_source',
  'first_utm_medium',
  'first_utm_campaign',
  'first_utm_term',
  'first_utm_content',
  'last_utm_source',
  'last_utm_medium',
  'last_utm_campaign',
  'last_utm_term',
  'last_utm_content',
  'lead_status',
] as const;
export type LeadTextColumn = (typeof LEAD_TEXT_COLUMNS)[number];

export interface LeadRecord {
  externalId?: string;
  email?: string;
  text: Partial<Record<LeadTextColumn, string>>;
  employees?: number;
  fitScore?: number;
  engagementScore?: number;
  temperature?: Temperature;
  account?: KeyRef;
  owner?: UserRef;
  firstCampaign?: KeyRef;
  stage?: LifecycleStage;
  history: StageTimes;
  createdAt?: number;
  custom?: CustomFields;
  /** Only update a lead that exists (a deal file moving its lead to customer); never create one. */
  mustExist?: boolean;
}

export interface OpportunityRecord {
  externalId?: string;
  name: string;
  account?: KeyRef;
  lead?: LeadRef;
  contacts: LeadRef[];
  owner?: UserRef;
  qualifier?: UserRef;
  product?: KeyRef;
  amount?: number;
  currency?: string;
  /** Pipeline stage as the source names it; a new deal without one takes its status. */
  stage?: string;
  status?: OpportunityStatus;
  createdAt?: number;
  closeDate?: string;
  closedAt?: number;
  reason?: string;
  competitor?: string;
  source?: string;
  segment?: string;
  custom?: CustomFields;
}

export interface TouchpointRecord {
  externalId?: string;
  lead: LeadRef;
  type: TouchpointType;
  occurredAt: number;
  channel?: string;
  campaign?: KeyRef;
  utmSource?: string;
  utmMedium?: string;
  utmCampaign?: string;
  utmTerm?: string;
  utmContent?: string;
  contentId?: number;
  metadata?: CustomFields;
}

export interface ActivityRecord {
  externalId?: string;
  lead?: LeadRef;
  opportunity?: string;
  type: ActivityType;
  outcome?: string;
  notes?: string;
  occurredAt: number;
  actor?: UserRef;
}

export interface RecordTypes {
  users: UserRecord;
  teams: TeamRecord;
  accounts: AccountRecord;
  products: ProductRecord;
  campaigns: CampaignRecord;
  leads: LeadRecord;
  opportunities: OpportunityRecord;
  touchpoints: TouchpointRecord;
  activities: ActivityRecord;
}

export type AnyRecord = RecordTypes[ResourceName];

/** A column of the native format: what the docs list and the header check allows. */
export interface ColumnSpec {
  name: string;
  type: string;
  meaning: string;
  required?: boolean;
}

class RowError extends Error {
  constructor(readonly fieldError: FieldError) {
    super(fieldError.message);
  }
}

/** Reads typed values from a row's cells; the first bad cell aborts with its column and problem. */
class Row {
  constructor(readonly fields: Fields) {}

  private fail(field: string, message: string): never {
    throw new RowError({ field, message });
  }

  private take<T>(field: string, parse: (value: string) => Parsed<T>): T | undefined {
    const value = this.fields[field];
    if (value === undefined) return undefined;
    const parsed = parse(value);
    if (isProblem(parsed)) this.fail(field, parsed.problem);
    return parsed as T;
  }

  text(field: string, max = 1000): string | undefined {
    const value = this.fields[field];
    if (value !== undefined && value.length > max) this.fail(field, `is longer than ${max} characters`);
    return value;
  }

  required(field: string, max = 1000): string {
    const value = this.text(field, max);
    if (value === undefined) this.fail(field, 'is required');
    return value;
  }

  email(field: string): string | undefined {
    return this.take(field, parseEmail);
  }

  timestamp(field: string): number | undefined {
    return this.take(field, parseTimestamp);
  }

  date(field: string): string | undefined {
    return this.take(field, parseDate);
  }

  integer(field: string, min?: number, max?: number): number | undefined {
    return this.take(field, (value) => parseInteger(value, { min, max }));
  }

  decimal(field: string, min?: number, max?: number): number | undefined {
    return this.take(field, (value) => parseDecimal(value, { min, max }));
  }

  oneOf<T extends string>(field: string, allowed: readonly T[]): T | undefined {
    return this.take(field, (value) => parseEnum(value, allowed));
  }

  json(field: string): Record<string, unknown> | undefined {
    return this.take(field, parseJsonObject);
  }

  externalId(field: string): string | undefined {
    return this.text(field, 200);
  }

  userRef(prefix: string): UserRef | undefined {
    const externalId = this.externalId(`${prefix}_external_id`);
    const email = this.email(`${prefix}_email`);
    const name = this.text(`${prefix}_name`, 200);
    if (externalId === undefined && email === undefined && name === undefined) return undefined;
    return { ...(externalId ? { externalId } : {}), ...(email ? { email } : {}), ...(name ? { name } : {}) };
  }

  keyRef(externalField: string, nameField?: string): KeyRef | undefined {
    const externalId = this.externalId(externalField);
    const name = nameField ? this.text(nameField, 300) : undefined;
    if (externalId === undefined && name === undefined) return undefined;
    return { ...(externalId ? { externalId } : {}), ...(name ? { name } : {}) };
  }

  leadRef(externalField: string, emailField: string): LeadRef | undefined {
    const externalId = this.externalId(externalField);
    const email = this.email(emailField);
    if (externalId === undefined && email === undefined) return undefined;
    return { ...(externalId ? { externalId } : {}), ...(email ? { email } : {}) };
  }

  /** `custom_fields` (a JSON object) merged with `custom.<key>` columns. */
  custom(): CustomFields | undefined {
    let custom: CustomFields | undefined = this.json('custom_fields');
    for (const [field, value] of Object.entries(this.fields)) {
      if (!field.startsWith('custom.')) continue;
      custom = { ...custom, [field.slice('custom.'.length)]: value };
    }
    return custom;
  }

  stageHistory(): StageTimes {
    const history: StageTimes = {};
    for (const stage of ALL_STAGES) {
      const at = this.timestamp(`${stage}_at`);
      if (at !== undefined) history[stage] = at;
    }
    return history;
  }
}

function run<T>(fields: Fields, read: (row: Row) => T): Validated<T> {
  try {
    return { ok: true, value: read(new Row(fields)) };
  } catch (error) {
    if (error instanceof RowError) return { ok: false, error: error.fieldError };
    throw error;
  }
}

/** Optional fields may be present with an undefined value: cheaper than deleting them per row. */
function defined<T extends object>(value: T): T {
  return value;
}

function splitList(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(/[;|]/)
    .map((part) => part.trim())
    .filter(Boolean);
}

// numeric(18, 2) holds up to 16 digits before the point.
const MONEY_MAX = 9_999_999_999_999_998;

export function validateUser(fields: Fields): Validated<UserRecord> {
  return run(fields, (row) => {
    const email = row.email('email');
    if (email === undefined) row.required('email');
    return defined({
      externalId: row.externalId('external_id'),
      email: email as string,
      name: row.required('name', 200),
      role: row.oneOf('role', ROLES) ?? row.required('role'),
      status: row.oneOf('status', USER_STATUSES),
      team: row.text('team', 200),
      manager: row.userRef('manager'),
      capacity: row.integer('capacity', 0),
      createdAt: row.timestamp('created_at'),
    }) as UserRecord;
  });
}

export function validateTeam(fields: Fields): Validated<TeamRecord> {
  return run(fields, (row) => defined({ name: row.required('name', 200), manager: row.userRef('manager') }));
}

export function validateAccount(fields: Fields): Validated<AccountRecord> {
  return run(fields, (row) =>
    defined({
      externalId: row.externalId('external_id'),
      name: row.required('name', 300),
      domain: row.text('domain', 300)?.toLowerCase(),
      industry: row.text('industry', 200),
      employees: row.integer('employees', 0),
      annualRevenue: row.decimal('annual_revenue', 0, MONEY_MAX),
      country: row.text('country', 100),
      region: row.text('region', 100),
      owner: row.userRef('owner'),
      parent: row.keyRef('parent_account_external_id', 'parent_account_name'),
      createdAt: row.timestamp('created_at'),
      custom: row.custom(),
    }),
  );
}

export function validateProduct(fields: Fields): Validated<ProductRecord> {
  return run(fields, (row) =>
    defined({
      externalId: row.externalId('external_id'),
      name: row.required('name', 300),
      series: row.text('series', 200),
      price: row.decimal('price', 0, MONEY_MAX),
    }),
  );
}

export function validateCampaign(fields: Fields): Validated<CampaignRecord> {
  return run(fields, (row) => {
    const startDate = row.date('start_date');
    const endDate = row.date('end_date');
    if (startDate && endDate && endDate < startDate) {
      throw new RowError({ field: 'end_date', message: `${endDate} is before start_date ${startDate}` });
    }
    return defined({
      externalId: row.externalId('external_id'),
      name: row.required('name', 300),
      channel: row.required('channel', 100),
      type: row.text('type', 100),
      status: row.oneOf('status', CAMPAIGN_STATUSES),
      cost: row.decimal('cost', 0, MONEY_MAX),
      budget: row.decimal('budget', 0, MONEY_MAX),
      startDate,
      endDate,
      owner: row.userRef('owner'),
      parent: row.keyRef('parent_campaign_external_id', 'parent_campaign_name'),
      createdAt: row.timestamp('created_at'),
    });
  });
}

export function validateLead(fields: Fields): Validated<LeadRecord> {
  return run(fields, (row) => {
    const externalId = row.externalId('external_id');
    const email = row.email('email');
    if (externalId === undefined && email === undefined) {
      throw new RowError({ field: 'email', message: 'a lead needs an email or an external_id' });
    }
    const text: Partial<Record<LeadTextColumn, string>> = {};
    for (const column of LEAD_TEXT_COLUMNS) {
      const value = row.text(column, column.endsWith('detail') ? 2000 : 500);
      if (value !== undefined) text[column] = value;
    }
    return defined({
      externalId,
      email,
      text,
      employees: row.integer('employees', 0),
      fitScore: row.integer('fit_score', -100_000, 100_000),
      engagementScore: row.integer('engagement_score', -100_000, 100_000),
      temperature: row.oneOf('temperature', TEMPERATURES),
      account: row.keyRef('account_external_id', 'account_name'),
      owner: row.userRef('owner'),
      firstCampaign: row.keyRef('first_campaign_external_id', 'first_campaign_name'),
      stage: row.oneOf('stage', ALL_STAGES),
      history: row.stageHistory(),
      createdAt: row.timestamp('created_at'),
      custom: row.custom(),
    }) as LeadRecord;
  });
}

export function validateOpportunity(fields: Fields): Validated<OpportunityRecord> {
  return run(fields, (row) => {
    // Without a status a new deal is open and an existing one keeps its own.
    const status = row.oneOf('status', OPPORTUNITY_STATUSES);
    const closeDate = row.date('close_date');
    let closedAt = row.timestamp('closed_at');
    if (status !== undefined && status !== 'open' && closedAt === undefined) {
      if (closeDate === undefined) {
        throw new RowError({
          field: 'closed_at',
          message: `a ${status} opportunity needs closed_at or close_date`,
        });
      }
      closedAt = Date.parse(`${closeDate}T00:00:00Z`);
    }
    const contacts: LeadRef[] = [
      ...splitList(row.text('contact_external_ids', 5000)).map((externalId) => ({ externalId })),
      ...splitList(row.text('contact_emails', 5000)).map((value, index) => {
        const email = parseEmail(value);
        if (isProblem(email)) {
          throw new RowError({ field: 'contact_emails', message: `item ${index + 1}: ${email.problem}` });
        }
        return { email };
      }),
    ];
    const currency = row.text('currency', 3)?.toUpperCase();
    if (currency !== undefined && !/^[A-Z]{3}$/.test(currency)) {
      throw new RowError({ field: 'currency', message: `"${currency}" is not a three-letter currency code` });
    }
    return defined({
      externalId: row.externalId('external_id'),
      name: row.required('name', 300),
      account: row.keyRef('account_external_id', 'account_name'),
      lead: row.leadRef('lead_external_id', 'email'),
      contacts,
      owner: row.userRef('owner'),
      qualifier: row.userRef('qualifier'),
      product: row.keyRef('product_external_id', 'product'),
      amount: row.decimal('amount', 0, MONEY_MAX),
      currency,
      stage: row.text('stage', 100),
      status,
      createdAt: row.timestamp('created_at'),
      closeDate,
      closedAt,
      reason: row.text('reason', 2000),
      competitor: row.text('competitor', 200),
      source: row.text('source', 200),
      segment: row.text('segment', 200),
      custom: row.custom(),
    }) as OpportunityRecord;
  });
}

export function validateTouchpoint(fields: Fields): Validated<TouchpointRecord> {
  return run(fields, (row) => {
    const lead = row.leadRef('lead_external_id', 'email');
    if (lead === undefined) {
      throw new RowError({
        field: 'lead_external_id',
        message: 'a touchpoint needs lead_external_id or email',
      });
    }
    const type = row.oneOf('type', TOUCHPOINT_TYPES) ?? row.required('type');
    const occurredAt = row.timestamp('occurred_at') ?? row.required('occurred_at');
    return defined({
      externalId: row.externalId('external_id'),
      lead,
      type,
      occurredAt,
      channel: row.text('channel', 100),
      campaign: row.keyRef('campaign_external_id', 'campaign'),
      utmSource: row.text('utm_source', 500),
      utmMedium: row.text('utm_medium', 500),
      utmCampaign: row.text('utm_campaign', 500),
      utmTerm: row.text('utm_term', 500),
      utmContent: row.text('utm_content', 500),
      contentId: row.integer('content_id', 1),
      metadata: row.json('metadata'),
    }) as TouchpointRecord;
  });
}

export function validateActivity(fields: Fields): Validated<ActivityRecord> {
  return run(fields, (row) => {
    const lead = row.leadRef('lead_external_id', 'email');
    const opportunity = row.externalId('opportunity_external_id');
    if (lead === undefined && opportunity === undefined) {
      throw new RowError({
        field: 'lead_external_id',
        message: 'an activity needs lead_external_id, email or opportunity_external_id',
      });
    }
    const type = row.oneOf('type', ACTIVITY_TYPES) ?? row.required('type');
    const occurredAt = row.timestamp('occurred_at') ?? row.required('occurred_at');
    return defined({
      externalId: row.externalId('external_id'),
      lead,
      opportunity,
      type,
      outcome: row.text('outcome', 200),
      notes: row.text('notes', 20_000),
      occurredAt,
      actor: row.userRef('actor'),
    }) as ActivityRecord;
  });
}

type Validator<R extends ResourceName> = (fields: Fields) => Validated<RecordTypes[R]>;

export const VALIDATORS: { [R in ResourceName]: Validator<R> } = {
  users: validateUser,
  teams: validateTeam,
  accounts: validateAccount,
  products: validateProduct,
  campaigns: validateCampaign,
  leads: validateLead,
  opportunities: validateOpportunity,
  touchpoints: validateTouchpoint,
  activities: validateActivity,
};

function refKey(ref: { externalId?: string; email?: string } | undefined): string {
  if (!ref) return '';
  return ref.externalId !== undefined ? `x:${ref.externalId}` : `e:${ref.email ?? ''}`;
}

/**
 * The keys a record is identified by within one file, for the duplicate check: a second
 * row with the same key is rejected naming the first. Records without an external_id are
 * identified by what makes them the same fact (a touchpoint: lead, type and moment).
 */
export function identityKeys(resource: ResourceName, record: AnyRecord): [label: string, key: string][] {
  const withExternal = (record as { externalId?: string }).externalId;
  switch (resource) {
    case 'users': {
      const user = record as UserRecord;
      return [
        ...(user.externalId ? ([['external_id', user.externalId]] as [string, string][]) : []),
        ['email', user.email],
      ];
    }
    case 'leads': {
      const lead = record as LeadRecord;
      return [
        ...(lead.externalId ? ([['external_id', lead.externalId]] as [string, string][]) : []),
        ...(lead.email ? ([['email', lead.email]] as [string, string][]) : []),
      ];
    }
    case 'teams':
      return [['name', (record as TeamRecord).name.toLowerCase()]];
    case 'touchpoints': {
      if (withExternal) return [['external_id', withExternal]];
      const touch = record as TouchpointRecord;
      return [['lead, type and occurred_at', `${refKey(touch.lead)}|${touch.type}|${touch.occurredAt}`]];
    }
    case 'activities': {
      if (withExternal) return [['external_id', withExternal]];
      const activity = record as ActivityRecord;
      return [
        [
          'lead or opportunity, type and occurred_at',
          `${refKey(activity.lead)}|${activity.opportunity ?? ''}|${activity.type}|${activity.occurredAt}`,
        ],
      ];
    }
    case 'products': {
      if (withExternal) return [['external_id', withExternal]];
      return [['name', normalisedKey((record as ProductRecord).name)]];
    }
    case 'opportunities': {
      if (withExternal) return [['external_id', withExternal]];
      const opportunity = record as OpportunityRecord;
      return [
        [
          'name and account',
          `${opportunity.name.toLowerCase()}|${opportunity.account?.externalId ?? opportunity.account?.name?.toLowerCase() ?? ''}`,
        ],
      ];
    }
    default: {
      if (withExternal) return [['external_id', withExternal]];
      return [['name', (record as { name: string }).name.toLowerCase()]];
    }
  }
}
