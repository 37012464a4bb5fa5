import { countDataRows, openCsv } from '../csv.ts';
import {
  isResourceName,
  RESOURCES,
  type ResourceName,
  resourceFromFileName,
  resourceRank,
} from '../imports.ts';
import type { ColumnSpec } from '../records.ts';
import { cellsByHeader, type FormatAdapter, fileError, type ImportStep, type InputFile } from './adapter.ts';

const ts = 'timestamp';
const text = 'text';

const userRef = (prefix: string, what: string): ColumnSpec[] => [
  { name: `${prefix}_email`, type: 'email', meaning: `${what}: a user's email` },
  { name: `${prefix}_external_id`, type: text, meaning: `${what}: a user's external_id` },
  {
    name: `${prefix}_name`,
    type: text,
    meaning: `${what}: a user's display name (used when neither key is given)`,
  },
];

const utm = (prefix: string): ColumnSpec[] =>
  ['source', 'medium', 'campaign', 'term', 'content'].map((part) => ({
    name: `${prefix}utm_${part}`,
    type: text,
    meaning: `UTM ${part}`,
  }));

const stageColumns: ColumnSpec[] = [
  'subscriber',
  'lead',
  'mql',
  'sal',
  'sql',
  'opportunity',
  'customer',
  'recycled',
  'disqualified',
].map((stage) => ({ name: `${stage}_at`, type: ts, meaning: `first time the lead reached ${stage}` }));

const custom: ColumnSpec = {
  name: 'custom_fields',
  type: 'JSON object',
  meaning: 'custom fields; `custom.<key>` columns add one field each',
};

/**
 * The native columns of every resource: what `tandem export` writes and `tandem import
 * tandem` reads. docs/IMPORT.md documents each (a test keeps the two in step).
 */
export const NATIVE_COLUMNS: Record<ResourceName, ColumnSpec[]> = {
  users: [
    { name: 'external_id', type: text, meaning: 'the user id in the source system' },
    { name: 'email', type: 'email', meaning: 'sign-in email, unique in the workspace', required: true },
    { name: 'name', type: text, meaning: 'display name', required: true },
    {
      name: 'role',
      type: 'admin | marketing | sales | sdr | executive',
      meaning: 'what the user may do',
      required: true,
    },
    { name: 'status', type: 'active | away | inactive', meaning: 'default active for new users' },
    { name: 'team', type: text, meaning: 'team name; created when unknown' },
    ...userRef('manager', 'the manager'),
    { name: 'capacity', type: 'integer >= 0', meaning: 'open leads the user can take' },
    { name: 'created_at', type: ts, meaning: 'when the user was created' },
  ],
  teams: [
    { name: 'name', type: text, meaning: 'team name, unique in the workspace', required: true },
    ...userRef('manager', 'the team manager'),
  ],
  accounts: [
    { name: 'external_id', type: text, meaning: 'the account id in the source system' },
    { name: 'name', type: text, meaning: 'company name', required: true },
    { name: 'domain', type: text, meaning: 'web domain (stored lower-case)' },
    { name: 'industry', type: text, meaning: 'industry or sector' },
    { name: 'employees', type: 'integer >= 0', meaning: 'number of employees' },
    { name: 'annual_revenue', type: 'decimal >= 0', meaning: 'annual revenue' },
    { name: 'country', type: text, meaning: 'country' },
    { name: 'region', type: text, meaning: 'region or state' },
    ...userRef('owner', 'the account owner'),
    { name: 'parent_account_external_id', type: text, meaning: 'parent account by external_id' },
    { name: 'parent_account_name', type: text, meaning: 'parent account by name (created when unknown)' },
    { name: 'created_at', type: ts, meaning: 'when the account was created' },
    custom,
  ],
  products: [
    { name: 'external_id', type: text, meaning: 'the product id in the source system' },
    { name: 'name', type: text, meaning: 'product name', required: true },
    { name: 'series', type: text, meaning: 'product line' },
    { name: 'price', type: 'decimal >= 0', meaning: 'list price' },
  ],
  campaigns: [
    { name: 'external_id', type: text, meaning: 'the campaign id in the source system' },
    { name: 'name', type: text, meaning: 'campaign name', required: true },
    {
      name: 'channel',
      type: text,
      meaning: 'marketing channel (email, paid_search, events, ...)',
      required: true,
    },
    { name: 'type', type: text, meaning: 'campaign type (webinar, newsletter, ...)' },
    { name: 'status', type: 'planned | active | completed | cancelled', meaning: 'default active' },
    { name: 'cost', type: 'decimal >= 0', meaning: 'money spent (default 0)' },
    { name: 'budget', type: 'decimal >= 0', meaning: 'money planned' },
    { name: 'start_date', type: 'date', meaning: 'first day' },
    { name: 'end_date', type: 'date', meaning: 'last day, not before start_date' },
    ...userRef('owner', 'the campaign owner'),
    { name: 'parent_campaign_external_id', type: text, meaning: 'parent program by external_id' },
    { name: 'parent_campaign_name', type: text, meaning: 'parent program by name' },
    { name: 'created_at', type: ts, meaning: 'when the campaign was created' },
  ],
  leads: [
    {
      name: 'external_id',
      type: text,
      meaning: 'the lead id in the source system (email or external_id required)',
    },
    {
      name: 'email',
      type: 'email',
      meaning: 'unique per workspace, compared case-insensitively (email or external_id required)',
    },
    { name: 'first_name', type: text, meaning: 'first name' },
    { name: 'last_name', type: text, meaning: 'last name' },
    { name: 'title', type: text, meaning: 'job title' },
    { name: 'phone', type: text, meaning: 'phone number' },
    { name: 'company', type: text, meaning: 'company name as written' },
    { name: 'account_external_id', type: text, meaning: 'the account by external_id' },
    { name: 'account_name', type: text, meaning: 'the account by name (created when unknown)' },
    { name: 'country', type: text, meaning: 'country' },
    { name: 'region', type: text, meaning: 'region or state' },
    { name: 'industry', type: text, meaning: 'industry' },
    { name: 'employees', type: 'integer >= 0', meaning: 'company size' },
    { name: 'source', type: text, meaning: 'where the lead came from (origin)' },
    { name: 'source_detail', type: text, meaning: 'more about the source' },
    ...utm('first_'),
    ...utm('last_'),
    {
      name: 'first_campaign_external_id',
      type: text,
      meaning: 'the campaign that brought the lead, by external_id',
    },
    { name: 'first_campaign_name', type: text, meaning: 'the campaign that brought the lead, by name' },
    { name: 'stage', type: 'lifecycle stage', meaning: 'current stage (see Stage history)' },
    { name: 'lead_status', type: text, meaning: 'free-form status from the source system' },
    { name: 'temperature', type: 'cold | warm | hot', meaning: 'default cold' },
    ...userRef('owner', 'the lead owner'),
    { name: 'fit_score', type: 'integer', meaning: 'fit score' },
    { name: 'engagement_score', type: 'integer', meaning: 'engagement score' },
    { name: 'created_at', type: ts, meaning: 'when the lead appeared (default: its first stage moment)' },
    ...stageColumns,
    custom,
  ],
  opportunities: [
    { name: 'external_id', type: text, meaning: 'the deal id in the source system' },
    { name: 'name', type: text, meaning: 'deal name', required: true },
    { name: 'account_external_id', type: text, meaning: 'the account by external_id' },
    { name: 'account_name', type: text, meaning: 'the account by name (created when unknown)' },
    { name: 'lead_external_id', type: text, meaning: 'the primary lead by external_id' },
    { name: 'email', type: 'email', meaning: 'the primary lead by email' },
    {
      name: 'contact_external_ids',
      type: 'list',
      meaning: 'more leads on the deal, by external_id, separated by ;',
    },
    { name: 'contact_emails', type: 'list', meaning: 'more leads on the deal, by email, separated by ;' },
    ...userRef('owner', 'the deal owner'),
    ...userRef('qualifier', 'who qualified the deal (an SDR)'),
    { name: 'product_external_id', type: text, meaning: 'the product by external_id' },
    { name: 'product', type: text, meaning: 'the product by name, ignoring case, spaces and punctuation' },
    { name: 'amount', type: 'decimal >= 0', meaning: 'deal value' },
    { name: 'currency', type: 'ISO 4217 code', meaning: 'default USD' },
    { name: 'stage', type: text, meaning: 'pipeline stage as the source names it (default: the status)' },
    { name: 'status', type: 'open | won | lost', meaning: 'default open' },
    { name: 'created_at', type: ts, meaning: 'when the deal was opened' },
    { name: 'close_date', type: 'date', meaning: 'expected or actual close date' },
    { name: 'closed_at', type: ts, meaning: 'when it was won or lost (default: close_date)' },
    { name: 'reason', type: text, meaning: 'win or loss reason' },
    { name: 'competitor', type: text, meaning: 'main competitor' },
    { name: 'source', type: text, meaning: 'where the deal came from' },
    { name: 'segment', type: text, meaning: 'market segment' },
    custom,
  ],
  touchpoints: [
    { name: 'external_id', type: text, meaning: 'the touchpoint id in the source system' },
    { name: 'lead_external_id', type: text, meaning: 'the lead by external_id (this or email required)' },
    { name: 'email', type: 'email', meaning: 'the lead by email' },
    {
      name: 'type',
      type: 'form_fill | email_open | email_click | webinar | event | ad_click | page_view | content_download | chat',
      meaning: 'what the lead did',
      required: true,
    },
    { name: 'occurred_at', type: ts, meaning: 'when', required: true },
    { name: 'channel', type: text, meaning: 'marketing channel' },
    { name: 'campaign_external_id', type: text, meaning: 'the campaign by external_id' },
    { name: 'campaign', type: text, meaning: 'the campaign by name' },
    ...utm(''),
    { name: 'content_id', type: 'integer > 0', meaning: 'the content item involved' },
    { name: 'metadata', type: 'JSON object', meaning: 'anything else (page URL, form name, ...)' },
  ],
  activities: [
    { name: 'external_id', type: text, meaning: 'the activity id in the source system' },
    { name: 'lead_external_id', type: text, meaning: 'the lead by external_id' },
    { name: 'email', type: 'email', meaning: 'the lead by email' },
    {
      name: 'opportunity_external_id',
      type: text,
      meaning: 'the opportunity by external_id (a lead or this required)',
    },
    { name: 'type', type: 'call | email | meeting | note', meaning: 'what sales did', required: true },
    { name: 'outcome', type: text, meaning: 'result (connected, no answer, ...)' },
    { name: 'notes', type: text, meaning: 'free text' },
    { name: 'occurred_at', type: ts, meaning: 'when', required: true },
    ...userRef('actor', 'who did it'),
  ],
};

/** Columns of which a row needs at least one (checked per row; a file must have one of them). */
const ONE_OF: Partial<Record<ResourceName, string[]>> = {
  leads: ['email', 'external_id'],
  touchpoints: ['lead_external_id', 'email'],
  activities: ['lead_external_id', 'email', 'opportunity_external_id'],
};

function checkHeader(file: InputFile, resource: ResourceName, header: string[]): void {
  const known = new Set(NATIVE_COLUMNS[resource].map((column) => column.name));
  const seen = new Set<string>();
  const unknown: string[] = [];
  for (const column of header) {
    if (seen.has(column)) throw fileError(file, `column "${column}" appears twice in the header`);
    seen.add(column);
    if (column === '' || known.has(column)) continue;
    if (column.startsWith('custom.') && column.length > 'custom.'.length && known.has('custom_fields'))
      continue;
    unknown.push(column);
  }
  if (unknown.length > 0) {
    throw fileError(
      file,
      `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((column) => `"${column}"`).join(', ')} for ${resource}; ` +
        `the columns are: ${[...known].join(', ')} (docs/IMPORT.md)`,
    );
  }
  const missing = NATIVE_COLUMNS[resource].filter((column) => column.required && !seen.has(column.name));
  if (missing.length > 0) {
    throw fileError(
      file,
      `missing required column${missing.length > 1 ? 's' : ''} ${missing.map((column) => column.name).join(', ')}`,
    );
  }
  const oneOf = ONE_OF[resource];
  if (oneOf && !oneOf.some((column) => seen.has(column))) {
    throw fileError(file, `needs one of the columns ${oneOf.join(', ')}`);
  }
}

export const tandemFormat: FormatAdapter = {
  format: 'tandem',
  async plan(files, options) {
    const forced = options.resource;
    if (forced !== undefined && !isResourceName(forced)) {
      throw fileError(
        files[0] ?? { path: '', name: '(none)' },
        `--resource "${forced}" is not one of ${RESOURCES.join(', ')}`,
      );
    }
    const steps: (ImportStep & { resource: ResourceName })[] = [];
    for (const file of files) {
      const resource = (forced as ResourceName | undefined) ?? resourceFromFileName(file.name);
      if (!resource) {
        throw fileError(
          file,
          `cannot tell which resource the file holds; name it after one (${RESOURCES.map((name) => `${name}.csv`).join(', ')}) or pass --resource`,
        );
      }
      const csv = await openCsv(file.path, file.name);
      await csv.rows[Symbol.asyncIterator]().return?.();
      checkHeader(file, resource, csv.header);
      steps.push({
        resource,
        file,
        description: `${resource} (native)`,
        resources: [resource],
        rowsTotal: await countDataRows(file.path),
        columnOf: (field) => field,
        units: () => nativeUnits(file, resource),
      });
    }
    // Dependency order, whatever order the files were given in.
    return steps.sort((a, b) => resourceRank(a.resource) - resourceRank(b.resource));
  },
};

async function* nativeUnits(file: InputFile, resource: ResourceName) {
  const csv = await openCsv(file.path, file.name);
  const header = csv.header;
  for await (const row of csv.rows) {
    const cells = cellsByHeader(header, row);
    if (cells === null) continue;
    if ('problem' in cells) {
      yield { line: row.line, raw: row.raw, records: [], problem: cells.problem };
      continue;
    }
    yield { line: row.line, raw: row.raw, records: [{ resource, fields: cells.fields }] };
  }
}
