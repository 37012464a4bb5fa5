import { type CsvRow, readSmallCsv } from '../csv.ts';
import type { ResourceName } from '../imports.ts';
import { isProblem, millionsToUnits, slugOf } from '../values.ts';
import {
  cellsByHeader,
  type FormatAdapter,
  fileError,
  HeaderIndex,
  type ImportStep,
  type InputFile,
  nativeFields,
  type Unit,
} from './adapter.ts';

/**
 * Maven Analytics "CRM + Sales + Opportunities" (../shared/data/maven-crm), four files:
 *
 * - sales_teams.csv: every agent and every manager becomes an active user (role sales;
 *   external_id = the name as the files write it, email <name-slug>@maven-crm.invalid).
 *   One team per manager, named "<regional office> - <manager>", managed by that manager;
 *   the agents are in their manager's team and have the manager as manager_id.
 * - accounts.csv: accounts (external_id = name); sector is the industry exactly as written
 *   (`technolgy` included), revenue is in millions of USD and becomes annual_revenue in
 *   USD, office_location the country, subsidiary_of the parent account, year_established
 *   a custom field.
 * - products.csv: products; the pipeline names them by a key that ignores case, spaces and
 *   punctuation, so its `GTXPro` is the catalogue's `GTX Pro`.
 * - sales_pipeline.csv: opportunities (external_id = opportunity_id) owned by their agent;
 *   Won and Lost are won and lost deals closed on close_date; Engaging and Prospecting are
 *   open. engage_date is when the deal opened (Prospecting deals have none: they get the
 *   import time), close_value the amount. Open deals may have no account.
 */

const KINDS = {
  teams: ['sales_agent', 'manager', 'regional_office'],
  accounts: ['account', 'sector'],
  products: ['product', 'series', 'sales_price'],
  pipeline: ['opportunity_id', 'sales_agent', 'product', 'deal_stage'],
} as const;
type Kind = keyof typeof KINDS;
const ORDER: Kind[] = ['teams', 'accounts', 'products', 'pipeline'];

function kindOf(header: string[]): Kind | undefined {
  const index = new HeaderIndex(header);
  for (const kind of ['pipeline', 'teams', 'products', 'accounts'] as Kind[]) {
    if (KINDS[kind].every((column) => index.has([column]))) return kind;
  }
  return undefined;
}

const emailOf = (name: string) => `${slugOf(name)}@maven-crm.invalid`;
const teamOf = (office: string | undefined, manager: string) => (office ? `${office} - ${manager}` : manager);

export const DEAL_STATUS: Record<string, 'won' | 'lost' | 'open'> = {
  won: 'won',
  lost: 'lost',
  engaging: 'open',
  prospecting: 'open',
};

interface Loaded {
  kind: Kind;
  file: InputFile;
  header: string[];
  rows: CsvRow[];
}

function step(
  loaded: Loaded,
  description: string,
  resources: ResourceName[],
  columns: Record<string, string>,
  units: () => AsyncGenerator<Unit>,
): ImportStep {
  return {
    file: loaded.file,
    description,
    resources,
    rowsTotal: loaded.rows.length,
    columnOf: (field) => columns[field] ?? field,
    units,
  };
}

function* rowsOf(loaded: Loaded): Generator<{ row: CsvRow; fields: Record<string, string> } | Unit> {
  for (const row of loaded.rows) {
    const cells = cellsByHeader(loaded.header, row);
    if (cells === null) continue;
    if ('problem' in cells) yield { line: row.line, raw: row.raw, records: [], problem: cells.problem };
    else yield { row, fields: cells.fields };
  }
}

function teamsStep(loaded: Loaded): ImportStep {
  return step(
    loaded,
    'Maven CRM sales teams',
    ['users', 'teams'],
    {
      external_id: 'sales_agent',
      name: 'sales_agent',
      manager_external_id: 'manager',
      team: 'regional_office',
    },
    async function* () {
      // Managers are not rows of their own: each is added once, at the first row naming them.
      const managers = new Set<string>();
      const entries = [...rowsOf(loaded)];
      for (const entry of entries) {
        if (!('fields' in entry)) continue;
        const { row, fields } = entry;
        const manager = fields.manager;
        if (!manager || managers.has(manager)) continue;
        managers.add(manager);
        const team = teamOf(fields.regional_office, manager);
        yield {
          line: row.line,
          raw: row.raw,
          counted: false,
          records: [
            {
              resource: 'users',
              fields: nativeFields({
                external_id: manager,
                name: manager,
                email: emailOf(manager),
                role: 'sales',
                status: 'active',
                team,
              }),
            },
            {
              resource: 'teams',
              derived: true,
              fields: nativeFields({ name: team, manager_external_id: manager }),
            },
          ],
        };
      }
      for (const entry of entries) {
        if (!('fields' in entry)) {
          yield entry;
          continue;
        }
        const { row, fields } = entry;
        const agent = fields.sales_agent;
        yield {
          line: row.line,
          raw: row.raw,
          records: [
            {
              resource: 'users',
              fields: nativeFields({
                external_id: agent,
                name: agent,
                email: agent ? emailOf(agent) : undefined,
                role: 'sales',
                status: 'active',
                team: fields.manager ? teamOf(fields.regional_office, fields.manager) : undefined,
                manager_external_id: fields.manager,
              }),
            },
          ],
        };
      }
    },
  );
}

function accountsStep(loaded: Loaded): ImportStep {
  return step(
    loaded,
    'Maven CRM accounts',
    ['accounts'],
    {
      external_id: 'account',
      name: 'account',
      industry: 'sector',
      annual_revenue: 'revenue',
      country: 'office_location',
      parent_account_external_id: 'subsidiary_of',
    },
    async function* () {
      for (const entry of rowsOf(loaded)) {
        if (!('fields' in entry)) {
          yield entry;
          continue;
        }
        const { row, fields } = entry;
        let revenue: number | undefined;
        let problem: string | undefined;
        if (fields.revenue !== undefined) {
          const parsed = millionsToUnits(fields.revenue);
          if (isProblem(parsed)) problem = `revenue: ${parsed.problem}`;
          else revenue = parsed;
        }
        const custom: Record<string, string> = {};
        if (fields.year_established) custom.year_established = fields.year_established;
        if (fields.revenue) custom.revenue_millions_usd = fields.revenue;
        yield {
          line: row.line,
          raw: row.raw,
          ...(problem ? { problem } : {}),
          records: [
            {
              resource: 'accounts',
              fields: nativeFields({
                external_id: fields.account,
                name: fields.account,
                industry: fields.sector,
                employees: fields.employees,
                annual_revenue: revenue,
                country: fields.office_location,
                parent_account_external_id: fields.subsidiary_of,
                custom_fields: custom,
              }),
            },
          ],
        };
      }
    },
  );
}

function productsStep(loaded: Loaded): ImportStep {
  return step(
    loaded,
    'Maven CRM products',
    ['products'],
    { name: 'product', price: 'sales_price' },
    async function* () {
      for (const entry of rowsOf(loaded)) {
        if (!('fields' in entry)) {
          yield entry;
          continue;
        }
        const { row, fields } = entry;
        yield {
          line: row.line,
          raw: row.raw,
          records: [
            {
              resource: 'products',
              fields: nativeFields({
                name: fields.product,
                series: fields.series,
                price: fields.sales_price,
              }),
            },
          ],
        };
      }
    },
  );
}

function pipelineStep(loaded: Loaded): ImportStep {
  return step(
    loaded,
    'Maven CRM sales pipeline',
    ['opportunities'],
    {
      external_id: 'opportunity_id',
      owner_external_id: 'sales_agent',
      account_name: 'account',
      stage: 'deal_stage',
      status: 'deal_stage',
      created_at: 'engage_date',
      closed_at: 'close_date',
      amount: 'close_value',
    },
    async function* () {
      for (const entry of rowsOf(loaded)) {
        if (!('fields' in entry)) {
          yield entry;
          continue;
        }
        const { row, fields } = entry;
        const stage = fields.deal_stage;
        const status = stage ? DEAL_STATUS[stage.toLowerCase()] : undefined;
        const agent = fields.sales_agent;
        yield {
          line: row.line,
          raw: row.raw,
          ...(status
            ? {}
            : {
                problem: `deal_stage: ${stage ? `"${stage}"` : 'an empty value'} is not one of Won, Lost, Engaging, Prospecting`,
              }),
          records: [
            {
              resource: 'opportunities',
              fields: nativeFields({
                external_id: fields.opportunity_id,
                name: `${fields.account ?? '(no account)'} / ${fields.product ?? '(no product)'}`,
                account_name: fields.account,
                product: fields.product,
                stage,
                status,
                created_at: fields.engage_date,
                close_date: fields.close_date,
                closed_at: status === 'open' ? undefined : fields.close_date,
                amount: fields.close_value,
                ...(agent
                  ? { owner_external_id: agent, owner_name: agent, owner_email: emailOf(agent) }
                  : {}),
              }),
            },
          ],
        };
      }
    },
  );
}

const BUILD: Record<Kind, (loaded: Loaded) => ImportStep> = {
  teams: teamsStep,
  accounts: accountsStep,
  products: productsStep,
  pipeline: pipelineStep,
};

export const mavenCrmFormat: FormatAdapter = {
  format: 'maven-crm',
  async plan(files) {
    const loaded: Loaded[] = [];
    for (const file of files) {
      const csv = await readSmallCsv(file.path, file.name);
      const kind = kindOf(csv.header);
      if (!kind) {
        throw fileError(
          file,
          'is not a Maven CRM file: expected sales_teams.csv, accounts.csv, products.csv or sales_pipeline.csv (see docs/IMPORT.md)',
        );
      }
      if (loaded.some((other) => other.kind === kind)) {
        throw fileError(file, `is a second ${kind} file; give each Maven CRM file once`);
      }
      loaded.push({ kind, file, header: csv.header, rows: csv.rows });
    }
    return ORDER.flatMap((kind) =>
      loaded.filter((entry) => entry.kind === kind).map((entry) => BUILD[kind](entry)),
    );
  },
};
