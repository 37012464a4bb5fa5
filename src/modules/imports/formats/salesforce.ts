import type { LifecycleStage } from '../../../db/tables/foundation.ts';
import type { FormatAdapter } from './adapter.ts';
import { nativeFields } from './adapter.ts';
import { type CrmKind, ownerFields, planCrm, valueKey } from './crm.ts';

/**
 * Salesforce report exports (CSV) of leads and opportunities, with the column labels of the
 * standard report types; the API field names (Data Loader exports) are accepted too.
 */

const LEAD_ALIASES = {
  external_id: ['Lead ID', 'Id', '18 Digit Lead ID', 'Lead Id'],
  first_name: ['First Name', 'FirstName'],
  last_name: ['Last Name', 'LastName'],
  title: ['Title'],
  company: ['Company / Account', 'Company', 'Account Name'],
  email: ['Email'],
  phone: ['Phone', 'Mobile', 'Mobile Phone', 'MobilePhone'],
  source: ['Lead Source', 'LeadSource'],
  status: ['Lead Status', 'Status'],
  owner: ['Lead Owner', 'Owner', 'Owner Name', 'Owner Full Name'],
  created_at: ['Create Date', 'Created Date', 'CreatedDate'],
  country: ['Country'],
  region: ['State/Province', 'State', 'Region'],
  industry: ['Industry'],
  employees: ['No. of Employees', 'Employees', 'NumberOfEmployees'],
  converted: ['Converted', 'IsConverted'],
  converted_at: ['Converted Date', 'ConvertedDate'],
  rating: ['Rating'],
} as const;

/**
 * Salesforce has no lifecycle stages: a lead is a lead from its creation; a converted lead
 * was qualified by sales (SQL) on its conversion date; a lead closed without conversion is
 * disqualified. The lead status itself is kept as lead_status.
 */
export function salesforceLeadStage(
  status: string | undefined,
  converted: boolean | undefined,
): LifecycleStage | undefined {
  const key = valueKey(status ?? '');
  if (key.includes('notconverted') || key.includes('unqualified') || key.includes('disqualified')) {
    return 'disqualified';
  }
  if (converted || key.includes('converted')) return 'sql';
  return undefined;
}

const OPPORTUNITY_MARKERS = ['Opportunity Name', 'Opportunity ID', 'Opportunity Owner', 'StageName'];

const RATINGS: Record<string, string> = { hot: 'hot', warm: 'warm', cold: 'cold' };

const leads: CrmKind = {
  description: 'Salesforce leads',
  resources: ['leads'],
  aliases: LEAD_ALIASES,
  fieldColumns: {
    account_name: 'company',
    lead_status: 'status',
    owner_email: 'owner',
    owner_name: 'owner',
    lead_at: 'created_at',
    sql_at: 'converted_at',
    temperature: 'rating',
  },
  recognise: (index) =>
    !index.has(OPPORTUNITY_MARKERS) &&
    index.has(['Lead ID', 'Lead Status', 'Lead Owner', 'Company / Account', 'Lead Source']),
  translate(row, extras) {
    const custom: Record<string, unknown> = { ...extras };
    const status = row.get('status');
    const converted = row.boolean('converted');
    const stage = salesforceLeadStage(status, converted);
    const rating = row.get('rating');
    const temperature = rating ? RATINGS[valueKey(rating)] : undefined;
    if (rating && !temperature) custom.rating = rating;
    const company = row.get('company');
    return [
      {
        resource: 'leads',
        fields: nativeFields({
          external_id: row.get('external_id'),
          email: row.get('email'),
          first_name: row.get('first_name'),
          last_name: row.get('last_name'),
          title: row.get('title'),
          phone: row.get('phone'),
          company,
          account_name: company,
          source: row.get('source'),
          lead_status: status,
          country: row.get('country'),
          region: row.get('region'),
          industry: row.get('industry'),
          employees: row.integerOrKeep('employees', custom, 'employees'),
          temperature,
          created_at: row.timestamp('created_at'),
          lead_at: row.timestamp('created_at'),
          sql_at: stage === 'sql' ? row.timestamp('converted_at') : undefined,
          stage,
          ...ownerFields(row.get('owner'), 'owner'),
          custom_fields: custom,
        }),
      },
    ];
  },
};

const OPPORTUNITY_ALIASES = {
  external_id: ['Opportunity ID', 'Id', '18 Digit Opportunity ID', 'Opportunity Id'],
  name: ['Opportunity Name', 'Name'],
  account: ['Account Name', 'Account'],
  amount: ['Amount'],
  currency: ['Opportunity Currency', 'Currency', 'CurrencyIsoCode'],
  stage: ['Stage', 'StageName'],
  close_date: ['Close Date', 'CloseDate'],
  created_at: ['Created Date', 'Create Date', 'CreatedDate'],
  owner: ['Opportunity Owner', 'Owner', 'Owner Name', 'Owner Full Name'],
  source: ['Lead Source', 'LeadSource'],
  won: ['Won', 'IsWon'],
  closed: ['Closed', 'IsClosed'],
  reason: ['Loss Reason', 'Closed Lost Reason', 'Win/Loss Reason'],
  competitor: ['Main Competitor(s)', 'Main Competitors', 'Competitor'],
} as const;

const opportunities: CrmKind = {
  description: 'Salesforce opportunities',
  resources: ['opportunities'],
  aliases: OPPORTUNITY_ALIASES,
  fieldColumns: {
    account_name: 'account',
    owner_email: 'owner',
    owner_name: 'owner',
    closed_at: 'close_date',
    status: 'stage',
  },
  recognise: (index) => index.has(OPPORTUNITY_MARKERS),
  translate(row, extras) {
    const stage = row.get('stage');
    const stageKey = valueKey(stage ?? '');
    const won = row.boolean('won') ?? (stageKey === 'closedwon' ? true : undefined);
    const closed =
      row.boolean('closed') ?? (stageKey === 'closedwon' || stageKey === 'closedlost' ? true : undefined);
    const status = won ? 'won' : closed ? 'lost' : 'open';
    const closeDate = row.date('close_date');
    if (status !== 'open' && !closeDate)
      row.reject('close_date', `a ${status} opportunity needs a close date`);
    const money = row.money('amount');
    return [
      {
        resource: 'opportunities',
        fields: nativeFields({
          external_id: row.get('external_id'),
          name: row.get('name'),
          account_name: row.get('account'),
          amount: money?.amount,
          currency: row.get('currency') ?? money?.currency,
          stage: stage ?? status,
          status,
          close_date: closeDate,
          closed_at: status === 'open' || !closeDate ? undefined : `${closeDate}T00:00:00Z`,
          created_at: row.timestamp('created_at'),
          source: row.get('source'),
          reason: row.get('reason'),
          competitor: row.get('competitor'),
          ...ownerFields(row.get('owner'), 'owner'),
          custom_fields: { ...extras },
        }),
      },
    ];
  },
};

const KINDS = [leads, opportunities];

export const salesforceFormat: FormatAdapter = {
  format: 'salesforce',
  plan(files, options) {
    const forced =
      options.resource === undefined
        ? undefined
        : options.resource === 'leads'
          ? (kind: CrmKind) => kind === leads
          : options.resource === 'opportunities'
            ? (kind: CrmKind) => kind === opportunities
            : () => false;
    return planCrm('Salesforce', KINDS, forced)(files);
  },
};
