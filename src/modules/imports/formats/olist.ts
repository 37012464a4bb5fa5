import type { CsvRow } from '../csv.ts';
import { readSmallCsv } from '../csv.ts';
import { isProblem, parseDate, parseExportTimestamp } from '../values.ts';
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
 * The Olist marketing funnel (../shared/data/olist): marketing qualified leads and the
 * deals sales closed from them.
 *
 * - Each MQL becomes a lead (external_id = mql_id) that reached MQL on first_contact_date
 *   (and was a lead from that moment, as a lead created straight into MQL is), with its
 *   origin as source and landing_page_id as a custom field.
 * - Each closed deal becomes a won opportunity (external_id = mql_id, closed on won_date)
 *   owned by the sales rep (sr_id) with the SDR (sdr_id) as qualifier; business_segment is
 *   its segment and the other columns its custom fields. Olist gives no amounts: amount
 *   stays empty. The lead moves to customer on won_date in the same transaction (on its
 *   first contact date for the one deal whose won_date comes before it).
 * - Reps are users with external_id = their id, created inactive (they cannot sign in):
 *   role sales for anyone who closed a deal, sdr for the others.
 */

const MQL_COLUMNS = ['mql_id', 'first_contact_date', 'landing_page_id', 'origin'];
const DEAL_COLUMNS = ['mql_id', 'seller_id', 'sdr_id', 'sr_id', 'won_date'];
const DEAL_CUSTOM = [
  'seller_id',
  'lead_type',
  'lead_behaviour_profile',
  'has_company',
  'has_gtin',
  'average_stock',
  'business_type',
  'declared_product_catalog_size',
  'declared_monthly_revenue',
];

function hasColumns(header: string[], columns: string[]): boolean {
  const index = new HeaderIndex(header);
  return columns.every((column) => index.has([column]));
}

/** "SR 4ef15afb" / "SDR a8387c01": reps are known only by ids; names say the role. */
function repFields(prefix: string, id: string, closer: boolean): Record<string, string> {
  return {
    [`${prefix}_external_id`]: id,
    [`${prefix}_name`]: `${closer ? 'SR' : 'SDR'} ${id.slice(0, 8)}`,
    [`${prefix}_email`]: `${id}@olist.invalid`,
  };
}

function rowFields(header: string[], row: CsvRow) {
  return cellsByHeader(header, row);
}

export const olistFormat: FormatAdapter = {
  format: 'olist',
  async plan(files) {
    const classify = async (file: InputFile) => {
      const csv = await readSmallCsv(file.path, file.name);
      if (hasColumns(csv.header, DEAL_COLUMNS)) return { kind: 'deals' as const, file, csv };
      if (hasColumns(csv.header, MQL_COLUMNS)) return { kind: 'mqls' as const, file, csv };
      throw fileError(
        file,
        'is not an Olist file: expected the marketing qualified leads (mql_id, first_contact_date, landing_page_id, origin) or the closed deals (mql_id, seller_id, sdr_id, sr_id, won_date, ...)',
      );
    };
    const classified = await Promise.all(files.map(classify));
    const mqls = classified.find((entry) => entry.kind === 'mqls');
    const deals = classified.find((entry) => entry.kind === 'deals');
    if (!mqls || !deals || classified.length !== 2) {
      throw fileError(
        files[0] ?? { path: '', name: 'olist' },
        'the olist format takes its two files together: olist_marketing_qualified_leads_dataset.csv and olist_closed_deals_dataset.csv',
      );
    }
    // A deal's opportunity opens with the first contact of its lead: read those dates first.
    const firstContact = new Map<string, string>();
    for (const row of mqls.csv.rows) {
      const cells = rowFields(mqls.csv.header, row);
      if (!cells || 'problem' in cells) continue;
      const id = cells.fields.mql_id;
      const date = cells.fields.first_contact_date;
      if (id && date && !isProblem(parseDate(date))) firstContact.set(id, date);
    }
    // Anyone who closed a deal is a sales rep; the others only qualified leads (SDRs).
    const closers = new Set<string>();
    for (const row of deals.csv.rows) {
      const cells = rowFields(deals.csv.header, row);
      if (cells && !('problem' in cells) && cells.fields.sr_id) closers.add(cells.fields.sr_id);
    }

    const mqlStep: ImportStep = {
      file: mqls.file,
      description: 'Olist marketing qualified leads',
      resources: ['leads'],
      rowsTotal: mqls.csv.rows.length,
      columnOf: (field) =>
        ({
          external_id: 'mql_id',
          mql_at: 'first_contact_date',
          created_at: 'first_contact_date',
          source: 'origin',
        })[field] ?? field,
      async *units(): AsyncGenerator<Unit> {
        for (const row of mqls.csv.rows) {
          const cells = rowFields(mqls.csv.header, row);
          if (cells === null) continue;
          if ('problem' in cells) {
            yield { line: row.line, raw: row.raw, records: [], problem: cells.problem };
            continue;
          }
          const f = cells.fields;
          yield {
            line: row.line,
            raw: row.raw,
            records: [
              {
                resource: 'leads',
                fields: nativeFields({
                  external_id: f.mql_id,
                  mql_at: f.first_contact_date,
                  created_at: f.first_contact_date,
                  source: f.origin,
                  custom_fields: f.landing_page_id ? { landing_page_id: f.landing_page_id } : undefined,
                }),
              },
            ],
          };
        }
      },
    };

    const dealStep: ImportStep = {
      file: deals.file,
      description: 'Olist closed deals',
      resources: ['opportunities'],
      rowsTotal: deals.csv.rows.length,
      columnOf: (field) =>
        ({
          external_id: 'mql_id',
          lead_external_id: 'mql_id',
          customer_at: 'won_date',
          closed_at: 'won_date',
          close_date: 'won_date',
          owner_external_id: 'sr_id',
          qualifier_external_id: 'sdr_id',
          segment: 'business_segment',
          name: 'seller_id',
        })[field] ?? field,
      async *units(): AsyncGenerator<Unit> {
        for (const row of deals.csv.rows) {
          const cells = rowFields(deals.csv.header, row);
          if (cells === null) continue;
          if ('problem' in cells) {
            yield { line: row.line, raw: row.raw, records: [], problem: cells.problem };
            continue;
          }
          const f = cells.fields;
          const won = f.won_date ? parseExportTimestamp(f.won_date) : undefined;
          if (won === undefined || isProblem(won)) {
            yield {
              line: row.line,
              raw: row.raw,
              records: [],
              problem: `won_date: ${won === undefined ? 'is required' : won.problem}`,
            };
            continue;
          }
          const wonAt = new Date(won).toISOString();
          // A lead reaches customer no earlier than its first contact (first-reached moments
          // follow the funnel). One deal in the data was won two days before its lead's first
          // contact: its opportunity keeps closed_at = won_date, its lead is a customer from
          // the first contact.
          const opened = f.mql_id ? firstContact.get(f.mql_id) : undefined;
          const openedAt = opened ? Date.parse(`${opened}T00:00:00Z`) : undefined;
          const customerAt =
            openedAt !== undefined && openedAt > won ? new Date(openedAt).toISOString() : wonAt;
          const custom: Record<string, string> = {};
          for (const column of DEAL_CUSTOM) if (f[column] !== undefined) custom[column] = f[column];
          yield {
            line: row.line,
            raw: row.raw,
            records: [
              {
                resource: 'leads',
                derived: true,
                mustExist: true,
                fields: nativeFields({ external_id: f.mql_id, customer_at: customerAt }),
              },
              {
                resource: 'opportunities',
                fields: nativeFields({
                  external_id: f.mql_id,
                  name: f.seller_id ? `Seller ${f.seller_id}` : `Deal ${f.mql_id}`,
                  lead_external_id: f.mql_id,
                  status: 'won',
                  stage: 'won',
                  created_at: openedAt !== undefined && openedAt > won ? wonAt : opened,
                  close_date: wonAt.slice(0, 10),
                  closed_at: wonAt,
                  segment: f.business_segment,
                  ...(f.sr_id ? repFields('owner', f.sr_id, true) : {}),
                  ...(f.sdr_id ? repFields('qualifier', f.sdr_id, closers.has(f.sdr_id)) : {}),
                  custom_fields: custom,
                }),
              },
            ],
          };
        }
      },
    };
    return [mqlStep, dealStep];
  },
};
