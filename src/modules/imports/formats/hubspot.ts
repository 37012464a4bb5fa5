import type { LifecycleStage } from '../../../db/tables/foundation.ts';
import type { FormatAdapter } from './adapter.ts';
import { nativeFields } from './adapter.ts';
import { type CrmKind, ownerFields, planCrm, valueKey } from './crm.ts';

/**
 * HubSpot CSV exports of contacts and deals, with HubSpot's own column labels (and the
 * internal property names, which some exports and API dumps use).
 */

/** HubSpot lifecycle stages, by internal value and by label. HubSpot has no SAL stage. */
export const HUBSPOT_LIFECYCLE: Record<string, LifecycleStage | null> = {
  subscriber: 'subscriber',
  lead: 'lead',
  marketingqualifiedlead: 'mql',
  mql: 'mql',
  salesqualifiedlead: 'sql',
  sql: 'sql',
  opportunity: 'opportunity',
  customer: 'customer',
  // An evangelist is a customer who promotes you; Tandem's funnel ends at customer.
  evangelist: 'customer',
  // "Other" says nothing about the funnel: the stage comes from the dates, else lead.
  other: null,
};

const became = (label: string, property: string) => [label, property];

const CONTACT_ALIASES = {
  external_id: ['Record ID', 'Contact ID', 'Record ID - Contact', 'hs_object_id', 'vid'],
  email: ['Email', 'Email Address', 'email'],
  first_name: ['First Name', 'firstname'],
  last_name: ['Last Name', 'lastname'],
  phone: ['Phone Number', 'phone'],
  title: ['Job Title', 'jobtitle'],
  company: ['Company Name', 'company'],
  lifecycle: ['Lifecycle Stage', 'lifecyclestage'],
  lead_status: ['Lead Status', 'hs_lead_status'],
  created_at: ['Create Date', 'createdate'],
  subscriber_at: became('Became a Subscriber Date', 'hs_lifecyclestage_subscriber_date'),
  lead_at: became('Became a Lead Date', 'hs_lifecyclestage_lead_date'),
  mql_at: became('Became a Marketing Qualified Lead Date', 'hs_lifecyclestage_marketingqualifiedlead_date'),
  sql_at: became('Became a Sales Qualified Lead Date', 'hs_lifecyclestage_salesqualifiedlead_date'),
  opportunity_at: became('Became an Opportunity Date', 'hs_lifecyclestage_opportunity_date'),
  customer_at: became('Became a Customer Date', 'hs_lifecyclestage_customer_date'),
  evangelist_at: became('Became an Evangelist Date', 'hs_lifecyclestage_evangelist_date'),
  source: ['Original Source', 'Original Traffic Source', 'hs_analytics_source'],
  source_detail: [
    'Original Source Drill-Down 1',
    'Original Traffic Source Drill-Down 1',
    'hs_analytics_source_data_1',
  ],
  owner: ['Contact owner', 'HubSpot Owner', 'hubspot_owner_id'],
  country: ['Country/Region', 'Country', 'country'],
  region: ['State/Region', 'state'],
  industry: ['Industry', 'industry'],
  employees: ['Number of Employees', 'numemployees'],
} as const;

const STAGE_FIELDS = [
  'subscriber_at',
  'lead_at',
  'mql_at',
  'sql_at',
  'opportunity_at',
  'customer_at',
] as const;

const contacts: CrmKind = {
  description: 'HubSpot contacts',
  resources: ['leads'],
  aliases: CONTACT_ALIASES,
  fieldColumns: { stage: 'lifecycle', account_name: 'company', owner_email: 'owner', owner_name: 'owner' },
  recognise: (index) =>
    !index.has(['Deal Name', 'dealname']) &&
    (index.has(CONTACT_ALIASES.lifecycle) ||
      (index.has(CONTACT_ALIASES.email) && index.has(CONTACT_ALIASES.first_name))),
  translate(row, extras) {
    const custom: Record<string, unknown> = { ...extras };
    const lifecycle = row.get('lifecycle');
    let stage: LifecycleStage | undefined;
    if (lifecycle !== undefined) {
      custom.hubspot_lifecycle_stage = lifecycle;
      const key = valueKey(lifecycle);
      if (!(key in HUBSPOT_LIFECYCLE)) {
        row.reject(
          'lifecycle',
          `"${lifecycle}" is not a HubSpot lifecycle stage (subscriber, lead, marketingqualifiedlead, salesqualifiedlead, opportunity, customer, evangelist, other or their labels)`,
        );
      }
      stage = HUBSPOT_LIFECYCLE[key] ?? undefined;
    }
    const evangelist = row.timestamp('evangelist_at');
    if (evangelist) custom.became_evangelist_at = evangelist;
    const stamps: Record<string, string | undefined> = {};
    for (const field of STAGE_FIELDS) stamps[field] = row.timestamp(field);
    const employees = row.integerOrKeep('employees', custom, 'number_of_employees');
    const company = row.get('company');
    return [
      {
        resource: 'leads',
        fields: nativeFields({
          external_id: row.get('external_id'),
          email: row.get('email'),
          first_name: row.get('first_name'),
          last_name: row.get('last_name'),
          phone: row.get('phone'),
          title: row.get('title'),
          company,
          account_name: company,
          lead_status: row.get('lead_status'),
          source: row.get('source'),
          source_detail: row.get('source_detail'),
          country: row.get('country'),
          region: row.get('region'),
          industry: row.get('industry'),
          employees,
          created_at: row.timestamp('created_at'),
          stage,
          ...stamps,
          ...ownerFields(row.get('owner'), 'owner'),
          custom_fields: custom,
        }),
      },
    ];
  },
};

const DEAL_ALIASES = {
  external_id: ['Record ID', 'Deal ID', 'Record ID - Deal', 'hs_object_id', 'dealId'],
  name: ['Deal Name', 'dealname'],
  stage: ['Deal Stage', 'dealstage'],
  amount: ['Amount', 'amount'],
  currency: ['Currency', 'deal_currency_code'],
  close_date: ['Close Date', 'closedate'],
  created_at: ['Create Date', 'createdate'],
  owner: ['Deal owner', 'hubspot_owner_id'],
  pipeline: ['Pipeline', 'pipeline'],
  contact_ids: ['Associated Contact IDs', 'Associated Contact ID'],
  contacts: ['Associated Contact', 'Associated Contacts'],
  company: ['Associated Company', 'Associated Company Name'],
  lost_reason: ['Closed Lost Reason', 'closed_lost_reason'],
  won_reason: ['Closed Won Reason', 'closed_won_reason'],
  is_won: ['Is Closed Won', 'hs_is_closed_won'],
  is_lost: ['Is closed lost', 'hs_is_closed_lost'],
  source: ['Original Source', 'Original Traffic Source', 'hs_analytics_source'],
} as const;

function splitIds(value: string | undefined): string[] {
  return (value ?? '')
    .split(/[;,]/)
    .map((part) => part.trim())
    .filter(Boolean);
}

function emailsIn(value: string | undefined): string[] {
  return [...(value ?? '').matchAll(/[^\s<>(),;]+@[^\s<>(),;]+/g)].map((match) => match[0].toLowerCase());
}

const deals: CrmKind = {
  description: 'HubSpot deals',
  resources: ['opportunities'],
  aliases: DEAL_ALIASES,
  fieldColumns: {
    lead_external_id: 'contact_ids',
    contact_external_ids: 'contact_ids',
    email: 'contacts',
    contact_emails: 'contacts',
    account_name: 'company',
    owner_email: 'owner',
    owner_name: 'owner',
    closed_at: 'close_date',
    reason: 'won_reason',
    status: 'stage',
  },
  recognise: (index) => index.has(DEAL_ALIASES.name),
  translate(row, extras) {
    const custom: Record<string, unknown> = { ...extras };
    const stage = row.get('stage');
    const pipeline = row.get('pipeline');
    if (pipeline) custom.pipeline = pipeline;
    const stageKey = valueKey(stage ?? '');
    const won = row.boolean('is_won') ?? (stageKey === 'closedwon' ? true : undefined);
    const lost = row.boolean('is_lost') ?? (stageKey === 'closedlost' ? true : undefined);
    const status = won ? 'won' : lost ? 'lost' : 'open';
    const closeAt = row.timestamp('close_date');
    if (status !== 'open' && !closeAt) row.reject('close_date', `a ${status} deal needs a close date`);
    const money = row.money('amount');
    const contactIds = splitIds(row.get('contact_ids'));
    const contactEmails = contactIds.length > 0 ? [] : emailsIn(row.get('contacts'));
    return [
      {
        resource: 'opportunities',
        fields: nativeFields({
          external_id: row.get('external_id'),
          name: row.get('name'),
          stage: stage ?? status,
          status,
          amount: money?.amount,
          currency: row.get('currency') ?? money?.currency,
          created_at: row.timestamp('created_at'),
          close_date: row.date('close_date'),
          closed_at: status === 'open' ? undefined : closeAt,
          reason:
            status === 'won' ? row.get('won_reason') : status === 'lost' ? row.get('lost_reason') : undefined,
          account_name: row.get('company'),
          lead_external_id: contactIds[0],
          contact_external_ids: contactIds.length > 0 ? contactIds.join(';') : undefined,
          email: contactEmails[0],
          contact_emails: contactEmails.length > 0 ? contactEmails.join(';') : undefined,
          source: row.get('source'),
          ...ownerFields(row.get('owner'), 'owner'),
          custom_fields: custom,
        }),
      },
    ];
  },
};

const KINDS = [contacts, deals];

export const hubspotFormat: FormatAdapter = {
  format: 'hubspot',
  plan(files, options) {
    const forced =
      options.resource === undefined
        ? undefined
        : ['contacts', 'leads'].includes(options.resource)
          ? (kind: CrmKind) => kind === contacts
          : ['deals', 'opportunities'].includes(options.resource)
            ? (kind: CrmKind) => kind === deals
            : () => false;
    return planCrm('HubSpot', KINDS, forced)(files);
  },
};
