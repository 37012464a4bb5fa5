import { countDataRows, openCsv } from '../csv.ts';
import type { ResourceName } from '../imports.ts';
import type { Fields } from '../records.ts';
import {
  isProblem,
  parseBoolean,
  parseExportDate,
  parseExportTimestamp,
  parseInteger,
  parseMoney,
} from '../values.ts';
import {
  ColumnMap,
  cellsByHeader,
  fileError,
  HeaderIndex,
  type ImportStep,
  type InputFile,
  nativeFields,
  type Unit,
} from './adapter.ts';

/**
 * Shared machinery of the CRM export formats (HubSpot, Salesforce): a file kind is known
 * by its columns; each row is read through a ColumnMap (source column names -> native
 * fields) and translated by the kind's `translate`; columns nothing reads are kept as
 * custom fields.
 */

export class Translation {
  problem: string | undefined;

  constructor(
    readonly map: ColumnMap,
    readonly fields: Record<string, string>,
  ) {}

  get(field: string): string | undefined {
    return this.map.get(this.fields, field);
  }

  private fail(field: string, message: string): undefined {
    this.problem ??= `${this.map.columnOf(field)}: ${message}`;
    return undefined;
  }

  /** An instant as ISO 8601 (exports write local times without a zone; they are taken as UTC). */
  timestamp(field: string): string | undefined {
    const value = this.get(field);
    if (value === undefined) return undefined;
    const parsed = parseExportTimestamp(value);
    if (isProblem(parsed)) return this.fail(field, parsed.problem);
    return new Date(parsed).toISOString();
  }

  date(field: string): string | undefined {
    const value = this.get(field);
    if (value === undefined) return undefined;
    const parsed = parseExportDate(value);
    return isProblem(parsed) ? this.fail(field, parsed.problem) : parsed;
  }

  boolean(field: string): boolean | undefined {
    const value = this.get(field);
    if (value === undefined) return undefined;
    const parsed = parseBoolean(value);
    return isProblem(parsed) ? this.fail(field, parsed.problem) : parsed;
  }

  money(field: string): { amount: number; currency?: string } | undefined {
    const value = this.get(field);
    if (value === undefined) return undefined;
    const parsed = parseMoney(value);
    return isProblem(parsed) ? this.fail(field, parsed.problem) : parsed;
  }

  /** A whole number; anything else (HubSpot's "25-50" ranges) is kept as a custom field instead. */
  integerOrKeep(field: string, custom: Record<string, unknown>, key: string): number | undefined {
    const value = this.get(field);
    if (value === undefined) return undefined;
    const parsed = parseInteger(value.replaceAll(',', ''), { min: 0 });
    if (isProblem(parsed)) {
      custom[key] = value;
      return undefined;
    }
    return parsed;
  }

  reject(field: string, message: string): void {
    this.fail(field, message);
  }
}

export interface CrmKind {
  /** "HubSpot contacts" */
  description: string;
  resources: ResourceName[];
  /** Native field -> source column names, first present wins. */
  aliases: Record<string, readonly string[]>;
  /** Native fields filled from an alias of another name, for naming the column in reasons. */
  fieldColumns?: Record<string, string>;
  /** Columns that tell this kind of file apart. */
  recognise(index: HeaderIndex): boolean;
  /** A row's native records, or a problem (via translation.reject). */
  translate(row: Translation, extras: Record<string, string>): { resource: ResourceName; fields: Fields }[];
}

/** "Jane Doe (jane@x.com)", "jane@x.com" or "Jane Doe": who owns a record in an export. */
export function ownerFields(value: string | undefined, prefix: string): Fields {
  if (!value) return {};
  const withEmail = /^(.*?)\s*[(<]\s*([^()<>\s]+@[^()<>\s]+)\s*[)>]\s*$/.exec(value);
  if (withEmail) {
    return nativeFields({ [`${prefix}_name`]: withEmail[1] || undefined, [`${prefix}_email`]: withEmail[2] });
  }
  if (/^[^\s@]+@[^\s@]+$/.test(value)) return { [`${prefix}_email`]: value };
  return { [`${prefix}_name`]: value };
}

/** A lifecycle or status value as a key: "Marketing Qualified Lead" -> "marketingqualifiedlead". */
export function valueKey(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9]+/g, '');
}

export function planCrm(source: string, kinds: CrmKind[], forced?: (kind: CrmKind) => boolean) {
  return async (files: InputFile[]): Promise<ImportStep[]> => {
    const steps: (ImportStep & { rank: number })[] = [];
    for (const file of files) {
      const csv = await openCsv(file.path, file.name);
      await csv.rows[Symbol.asyncIterator]().return?.();
      const index = new HeaderIndex(csv.header);
      const kind = kinds.find((candidate) => (forced ? forced(candidate) : candidate.recognise(index)));
      if (!kind) {
        throw fileError(
          file,
          `is not a ${source} export this importer knows (${kinds.map((candidate) => candidate.description).join(', ')}); see docs/IMPORT.md for the columns it reads`,
        );
      }
      const map = new ColumnMap(index, kind.aliases);
      steps.push({
        rank: kinds.indexOf(kind),
        file,
        description: kind.description,
        resources: kind.resources,
        rowsTotal: await countDataRows(file.path),
        columnOf: (field) => map.columnOf(kind.fieldColumns?.[field] ?? field),
        units: () => crmUnits(file, kind, map, csv.header),
      });
    }
    return steps.sort((a, b) => a.rank - b.rank);
  };
}

async function* crmUnits(
  file: InputFile,
  kind: CrmKind,
  map: ColumnMap,
  header: string[],
): AsyncGenerator<Unit> {
  const csv = await openCsv(file.path, file.name);
  for await (const row of csv.rows) {
    const cells = cellsByHeader(header, row);
    if (cells === null) continue;
    if ('problem' in cells) {
      yield { line: row.line, raw: row.raw, records: [], problem: cells.problem };
      continue;
    }
    const translation = new Translation(map, cells.fields);
    const records = kind.translate(translation, map.extras(cells.fields));
    yield {
      line: row.line,
      raw: row.raw,
      records,
      ...(translation.problem ? { problem: translation.problem } : {}),
    };
  }
}
